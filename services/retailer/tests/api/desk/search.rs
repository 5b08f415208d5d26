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

/// Which of `ids` the desk search of `clerk` (signed in) and the API's counter search of
/// `retailer_id` (with its own key) find for `q`, each sorted.
async fn found(
    svc: &TestService,
    clerk: &reqwest::Client,
    retailer_id: Uuid,
    q: &str,
    ids: &[Uuid],
) -> (Vec<Uuid>, Vec<Uuid>) {
    let (status, html) = page(svc, clerk, &format!("/desk?q={}", urlencode(q))).await;
    assert_eq!(status, 200, "desk search {q:?}: {html}");
    let mut on_desk: Vec<Uuid> = ids
        .iter()
        .copied()
        .filter(|id| html.contains(&format!("/desk/sales/{id}")))
        .collect();
    on_desk.sort();
    let path = format!("/api/retailers/{retailer_id}/sales?q={}", urlencode(q));
    let (status, body) = get_json(svc, &path).await;
    assert_eq!(status, 200, "API search {q:?}: {body}");
    let mut over_api: Vec<Uuid> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().parse().unwrap())
        .collect();
    over_api.sort();
    (on_desk, over_api)
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
        // The desk and the API's counter search answer the same.
        let mut expected = expected.to_vec();
        expected.sort();
        assert_eq!(
            found(&svc, &clerk, a.retailer_id, q, &all).await,
            (expected.clone(), expected),
            "search {q:?}"
        );
    }
    let (_, html) = page(&svc, &clerk, "/desk?q=ller").await;
    assert!(html.contains("No sale matches"), "{html}");

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_migration_backfills_the_phone_numbers_of_earlier_sales() {
    use retailer_migration::MigratorTrait;
    let svc = start().await;
    let a = desk_shop(&svc, "Elektro Maier", "SN-1", "Erika Mustermann").await;
    sold(
        &svc,
        a.retailer_id,
        ("R-2", "SN-2"),
        ("Hans Müller", "030 5550106"),
    )
    .await;
    // Back to before the counter search (and whatever came after it), then up again.
    let migrations = Migrator::migrations();
    let at = migrations
        .iter()
        .position(|m| m.name() == "m20261204_000070_counter_search")
        .unwrap();
    let steps = u32::try_from(migrations.len() - at).unwrap();
    Migrator::down(&svc.db, Some(steps)).await.unwrap();
    assert_eq!(
        count(
            &svc.db,
            "SELECT 1 FROM information_schema.columns WHERE column_name = 'customer_phone_e164'",
            vec![]
        )
        .await,
        0
    );
    Migrator::up(&svc.db, None).await.unwrap();
    assert_eq!(
        one_string(
            &svc.db,
            "SELECT string_agg(serial || ' ' || customer_phone_e164, ', ' ORDER BY serial) \
             FROM sales",
            vec![]
        )
        .await,
        "SN-1 +49301234567, SN-2 +49305550106"
    );
    let clerk = browser();
    signed_in(&svc, &clerk, &a.email).await;
    let (_, html) = page(&svc, &clerk, "/desk?q=%2B49%2030%205550106").await;
    assert!(html.contains("SN-2"), "{html}");
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_retailers_sales_are_never_found_whatever_is_typed() {
    let svc = start().await;
    let a = desk_shop(&svc, "Elektro Maier", "SN-A-1", "Erika Mustermann").await;
    // B: both sales' receipt R-1 is A's receipt number too.
    let b = desk_shop(&svc, "Technik Huber", "SN-B-7788", "Zacharias Quandt").await;
    let b2 = sold(
        &svc,
        b.retailer_id,
        ("RB-55", "XK-9911-Q"),
        ("Ludmilla Quandt-Ørsted", "0171 2345678"),
    )
    .await;
    let all = [a.sale_id, b.sale_id, b2];
    let a_clerk = browser();
    signed_in(&svc, &a_clerk, &a.email).await;
    let b_clerk = browser();
    signed_in(&svc, &b_clerk, &b.email).await;

    // Each term finds B's sale for B (so it is a term that matches) and nothing for A: a whole
    // serial or receipt (the exact query), part of a serial, a name, a phone in any format.
    let b1 = b.sale_id;
    let terms: [(&str, &[Uuid]); 12] = [
        ("SN-B-7788", &[b1]),
        ("sn-b-7788", &[b1]),
        ("7788", &[b1]),
        ("xk-9911", &[b2]),
        ("RB-55", &[b2]),
        ("rb-55", &[b2]),
        ("Zacharias", &[b1]),
        ("quandt", &[b1, b2]),
        ("Ørsted", &[b2]),
        ("0171 2345678", &[b2]),
        ("+49 171 2345678", &[b2]),
        ("0171 234", &[b2]),
    ];
    for (q, for_b) in terms {
        let mut for_b = for_b.to_vec();
        for_b.sort();
        assert_eq!(
            found(&svc, &b_clerk, b.retailer_id, q, &all).await,
            (for_b.clone(), for_b),
            "B searches {q:?}"
        );
        assert_eq!(
            found(&svc, &a_clerk, a.retailer_id, q, &all).await,
            (vec![], vec![]),
            "A searches {q:?}"
        );
        let (_, html) = page(&svc, &a_clerk, &format!("/desk?q={}", urlencode(q))).await;
        assert!(html.contains("No sale matches"), "{q}: {html}");
        assert!(
            !html.contains("Quandt") && !html.contains("XK-9911"),
            "{q}: {html}"
        );
    }
    // The receipt number both have: each finds its own sale only.
    assert_eq!(
        found(&svc, &a_clerk, a.retailer_id, "r-1", &all).await,
        (vec![a.sale_id], vec![a.sale_id])
    );
    assert_eq!(
        found(&svc, &b_clerk, b.retailer_id, "r-1", &all).await,
        (vec![b1], vec![b1])
    );
    // A's key asking for B's sales, even by B's whole serial: B is unknown to it.
    let a_key = make_key(&svc, a.retailer_id, "a-search", None).await;
    for q in ["SN-B-7788", "quandt", "0171 2345678"] {
        let res = svc
            .client
            .get(svc.url(&format!(
                "/api/retailers/{}/sales?q={}",
                b.retailer_id,
                urlencode(q)
            )))
            .bearer_auth(&a_key)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let text = res.text().await.unwrap();
        assert_eq!(status, 404, "{q}: {text}");
        assert!(!text.contains(&b1.to_string()) && !text.contains(&b2.to_string()));
    }
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_search_terms_are_told_or_taken_literally_never_an_error() {
    let svc = start().await;
    let a = desk_shop(&svc, "Elektro Maier", "SN-AB-4711", "Erika Mustermann").await;
    let a2 = sold(
        &svc,
        a.retailer_id,
        ("R_2", "SN_50-X"),
        ("Otto Normal", "+49 40 1111111"),
    )
    .await;
    let all = [a.sale_id, a2];
    let clerk = browser();
    signed_in(&svc, &clerk, &a.email).await;
    let sales_before = count(&svc.db, "SELECT 1 FROM sales", vec![]).await;

    // LIKE and regular-expression characters, quotes, markup: matched as typed, so they find
    // nothing here (taken as patterns, most would find every sale or Erika's).
    let at_most_100 = "ü".repeat(100);
    for q in [
        "%%",
        "4%1",
        "S%",
        "Er.ka",
        "(Erika",
        "E*",
        "[a-z]+",
        "\\\\",
        "' OR '1'='1",
        "'; DROP TABLE sales; --",
        "<b>Erika</b>",
        "😀😀",
        "12 3",
        at_most_100.as_str(),
    ] {
        assert_eq!(
            found(&svc, &clerk, a.retailer_id, q, &all).await,
            (vec![], vec![]),
            "{q:?}"
        );
    }
    // `_` is no wildcard: "N_" is part of SN_50-X only, not of SN-AB-4711.
    assert_eq!(
        found(&svc, &clerk, a.retailer_id, "n_", &all).await,
        (vec![a2], vec![a2])
    );
    assert_eq!(
        found(&svc, &clerk, a.retailer_id, "r_2", &all).await,
        (vec![a2], vec![a2])
    );
    // A NUL, which no text stored can hold: the service's usual problem, not a failure.
    let (status, body) = page(&svc, &clerk, "/desk?q=Eri%00ka").await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("unstorable_text"), "{body}");
    let path = format!("/api/retailers/{}/sales?q=Eri%00ka", a.retailer_id);
    let (status, body) = get_json(&svc, &path).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("unstorable_text")),
        "{body}"
    );
    // Markup typed is shown as text.
    let (_, html) = page(&svc, &clerk, "/desk?q=%3Cb%3EErika%3C%2Fb%3E").await;
    assert!(!html.contains("<b>Erika</b>"), "{html}");
    assert!(html.contains("&#60;b&#62;Erika&#60;"), "{html}");
    assert_eq!(
        count(&svc.db, "SELECT 1 FROM sales", vec![]).await,
        sales_before
    );

    // Too short or too long: the desk says so, the API answers 422 on `q`.
    let too_long = "x".repeat(101);
    for (q, message) in [
        ("E", "Type at least two characters."),
        (" E ", "Type at least two characters."),
        (too_long.as_str(), "Search for at most 100 characters."),
    ] {
        let (status, html) = page(&svc, &clerk, &format!("/desk?q={}", urlencode(q))).await;
        assert_eq!(status, 200, "{q}");
        assert!(html.contains(message), "{q}: {html}");
        assert!(!html.contains("No sale matches"), "{q}: {html}");
        let path = format!("/api/retailers/{}/sales?q={}", a.retailer_id, urlencode(q));
        let (status, body) = get_json(&svc, &path).await;
        assert_eq!(status, 422, "{q}: {body}");
        assert_eq!(fields(&body), vec!["q".to_owned()], "{body}");
    }
    // Blank: the desk shows the empty search box; the API wants a term.
    let (status, html) = page(&svc, &clerk, "/desk?q=%20%20%20").await;
    assert_eq!(status, 200);
    assert!(!html.contains("No sale matches") && !html.contains("role=\"alert\""));
    let path = format!("/api/retailers/{}/sales?q=%20%20", a.retailer_id);
    let (status, body) = get_json(&svc, &path).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(fields(&body), vec!["serial".to_owned()], "{body}");
    svc.stop().await;
}
