//! The counter search (issue 14): what a clerk types first finds the sale — a surname or any
//! word of the name, a serial in lower case or in part, a phone number in a national or an
//! international format, a receipt number in lower case — on the desk and over the API, and
//! never another retailer's sale.

use super::*;

/// A sale of `retailer_id` over the API (its integration key).
async fn sold(
    svc: &TestService,
    retailer_id: Uuid,
    (receipt, serial): (&str, &str),
    (name, phone): (&str, &str),
) -> Uuid {
    let mut sale = sale_body(receipt, "WM-100", serial);
    sale["customer"]["name"] = json!(name);
    sale["customer"]["phone"] = json!(phone);
    id_of(&created(svc, &format!("/api/retailers/{retailer_id}/sales"), sale).await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_counter_search_finds_what_the_clerk_types_and_only_the_retailers_own_sales() {
    let svc = start().await;
    // A: Erika Mustermann (+49 30 1234567) bought SN-AB-4711 on receipt R-1.
    let a = desk_shop(&svc, "Elektro Maier", "SN-AB-4711", "Erika Mustermann").await;
    let a1 = a.sale_id;
    // A: a second sale, its phone stored as typed in Germany, without the country code.
    let a2 = sold(
        &svc,
        a.retailer_id,
        ("RX-2026-77", "ab12cd-998877"),
        ("Hans-Peter von Müller", "030 5550106"),
    )
    .await;
    // A: a serial that starts like the first one.
    let a3 = sold(
        &svc,
        a.retailer_id,
        ("R-3", "SN-AB-47110"),
        ("Otto Normal", "+49 40 1111111"),
    )
    .await;
    // B, another retailer: the same customer, phone and receipt number.
    let b = desk_shop(&svc, "Technik Huber", "SN-B-1", "Erika Mustermann").await;
    let b2 = sold(
        &svc,
        b.retailer_id,
        ("RX-2026-77", "AB12CD-000001"),
        ("Hans-Peter von Müller", "+49 30 5550106"),
    )
    .await;
    // Stored normalised, whatever the format typed.
    assert_eq!(
        one_string(
            &svc.db,
            "SELECT string_agg(DISTINCT customer_phone_e164, ' ' ORDER BY customer_phone_e164) \
             FROM sales",
            vec![]
        )
        .await,
        "+49301234567 +49305550106 +49401111111"
    );

    let cases: [(&str, &[Uuid]); 20] = [
        ("Mustermann", &[a1]),        // the surname
        ("mustermann", &[a1]),        // any case
        ("Muster", &[a1]),            // the start of a word
        ("erika", &[a1]),             // the first name
        ("Müller", &[a2]),            // a word in the middle, with an umlaut
        ("müller", &[a2]),            // lower case umlaut
        ("von", &[a2]),               // any word
        ("ller", &[]),                // not the start of a word
        ("sn-ab-4711", &[a1]), // a whole serial: that unit only        // serial in lower case
        ("4711", &[a1, a3]),   // part of a serial
        ("AB12CD", &[a2]),     // start of a serial, other case
        ("cd-998", &[a2]),     // middle of a serial
        ("030 5550106", &[a2]), // national, stored national
        ("+49 30 5550106", &[a2]), // international, stored national
        ("0049 30 555 0106", &[a2]), // international with 00
        ("030 1234567", &[a1]), // national, stored international
        ("+49 (30) 123-4567", &[a1]), // international, punctuated
        ("030 555", &[a2]),    // the start of a number
        ("rx-2026-77", &[a2]), // receipt in lower case
        ("r-1", &[a1]),        // receipt in lower case
    ];
    let clerk = browser();
    signed_in(&svc, &clerk, &a.email).await;
    let all = [a1, a2, a3, b.sale_id, b2];
    for (q, expected) in cases {
        let (status, html) = page(&svc, &clerk, &format!("/desk?q={}", urlencode(q))).await;
        assert_eq!(status, 200, "{q}");
        for id in all {
            assert_eq!(
                html.contains(&format!("/desk/sales/{id}")),
                expected.contains(&id),
                "desk search {q:?} and sale {id}: {html}"
            );
        }
        assert_eq!(html.contains("No sale matches"), expected.is_empty(), "{q}");

        // The API's counter search answers the same.
        let path = format!("/api/retailers/{}/sales?q={}", a.retailer_id, urlencode(q));
        let (status, body) = get_json(&svc, &path).await;
        assert_eq!(status, 200, "{q}: {body}");
        let mut found: Vec<Uuid> = body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap().parse().unwrap())
            .collect();
        found.sort();
        let mut expected = expected.to_vec();
        expected.sort();
        assert_eq!(found, expected, "API search {q:?}: {body}");
    }

    // B's clerk finds B's sales only, for the same words.
    let b_clerk = browser();
    signed_in(&svc, &b_clerk, &b.email).await;
    for q in ["Mustermann", "030 5550106", "rx-2026-77", "ab12cd"] {
        let (_, html) = page(&svc, &b_clerk, &format!("/desk?q={}", urlencode(q))).await;
        assert!(
            !html.contains(&a1.to_string()) && !html.contains(&a2.to_string()),
            "{q}: {html}"
        );
    }
    // B's key cannot search A's sales.
    let b_key = make_key(&svc, b.retailer_id, "b-search", None).await;
    let res = svc
        .client
        .get(svc.url(&format!(
            "/api/retailers/{}/sales?q=Mustermann",
            a.retailer_id
        )))
        .bearer_auth(&b_key)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    assert_eq!(status, 404, "{text}");
    assert!(!text.contains(&a1.to_string()), "{text}");

    // Bad searches are problems, not errors.
    for (q, field) in [("x", "q"), ("", "serial")] {
        let path = format!("/api/retailers/{}/sales?q={q}", a.retailer_id);
        let (status, body) = get_json(&svc, &path).await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(fields(&body), vec![field.to_owned()], "{body}");
    }
    let path = format!(
        "/api/retailers/{}/sales?q=Erika&serial=SN-AB-4711",
        a.retailer_id
    );
    assert_eq!(get_json(&svc, &path).await.0, 422);
    svc.stop().await;
}
