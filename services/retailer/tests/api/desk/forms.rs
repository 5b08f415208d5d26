//! The desk's forms: CSRF, the errors they explain, one approval.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn desk_forms_check_csrf_explain_errors_and_approve_once() {
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-1", "Erika Mustermann").await;
    let client = browser();
    let csrf = signed_in(&svc, &client, &desk.email).await;

    // The search finds the unit by receipt, serial, any word of the customer's name or the
    // phone number in any format (the full table is in `search`).
    for q in [
        "R-1",
        "SN-1",
        "erika",
        "Mustermann",
        "+49 30 123",
        "030 1234",
    ] {
        let (status, html) = page(&svc, &client, &format!("/desk?q={}", urlencode(q))).await;
        assert_eq!(status, 200);
        assert!(
            html.contains(&format!("/desk/sales/{}", desk.sale_id)),
            "search {q:?}: {html}"
        );
    }
    let (_, html) = page(&svc, &client, "/desk?q=SN-404").await;
    assert!(html.contains("No sale matches"), "{html}");
    let (_, html) = page(&svc, &client, "/desk?q=%25").await;
    assert!(
        !html.contains("/desk/sales/"),
        "a LIKE wildcard is literal: {html}"
    );

    // The sale at a glance.
    let sale_path = format!("/desk/sales/{}", desk.sale_id);
    let (status, html) = page(&svc, &client, &sale_path).await;
    assert_eq!(status, 200);
    for fact in [
        "Washing machine WM 100",
        "€499.00",
        "id=\"days-since-sale\">3<",
        "days left",
    ] {
        assert!(html.contains(fact), "{fact}: {html}");
    }
    assert_eq!(csrf_of(&html), csrf);

    // Opening a case: the CSRF token and our own origin are required; errors are explained.
    let cases_path = format!("{sale_path}/cases");
    let good = [
        ("csrf", csrf.as_str()),
        ("defect_category", "noise"),
        ("defect_description", "Loud banging when spinning"),
    ];
    let before = desk_snapshot(&svc.db).await;
    let (status, _) = post_form(
        &svc,
        &client,
        &cases_path,
        &[("csrf", "x"), good[1], good[2]],
    )
    .await;
    assert_eq!(status, 403, "wrong token");
    let (status, _) = post_form(&svc, &client, &cases_path, &good[1..]).await;
    assert_eq!(status, 403, "no token");
    let res = client
        .post(svc.url(&cases_path))
        .header("origin", "https://evil.example")
        .form(&good)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 403, "another site's form");
    let (status, html) = post_form(
        &svc,
        &client,
        &cases_path,
        &[
            good[0],
            ("defect_category", "exploded"),
            ("defect_description", "  "),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        html.contains("choose what is wrong with the unit"),
        "{html}"
    );
    assert!(html.contains("must not be empty"), "{html}");
    assert_eq!(desk_snapshot(&svc.db).await, before);

    let (status, location) = post_form(&svc, &client, &cases_path, &good).await;
    assert_eq!(status, 303);
    let case_id: Uuid = location
        .strip_prefix("/desk/cases/")
        .unwrap()
        .parse()
        .unwrap();
    // A second case on the same unit: the sale page links the case instead.
    let before = desk_snapshot(&svc.db).await;
    let (status, html) = post_form(&svc, &client, &cases_path, &good).await;
    assert_eq!(status, 200);
    assert!(html.contains("already has a case"), "{html}");
    assert_eq!(desk_snapshot(&svc.db).await, before);
    let (_, html) = page(&svc, &client, &sale_path).await;
    assert!(
        html.contains(&format!("href=\"/desk/cases/{case_id}\"")),
        "{html}"
    );
    assert!(!html.contains("case-form"), "{html}");

    // The case with the swap form, prefilled.
    let case_path = format!("/desk/cases/{case_id}");
    let (status, html) = page(&svc, &client, &case_path).await;
    assert_eq!(status, 200);
    for shown in [
        "swap-form",
        r#"<option value="WM-100" selected>"#,
        "+€50.00 vs. price paid",
        "+€100.00 vs. price paid",
        r#"name="street" value="Hauptstraße 1""#,
    ] {
        assert!(html.contains(shown), "{shown}: {html}");
    }
    let swap_path = format!("{case_path}/swap");
    let start = (Utc::now() + Span::days(1))
        .format("%Y-%m-%dT09:00")
        .to_string();
    let end = (Utc::now() + Span::days(1))
        .format("%Y-%m-%dT13:00")
        .to_string();
    let form = |changes: &[(&'static str, &str)]| {
        let mut f: Vec<(&'static str, String)> = vec![
            ("csrf", csrf.clone()),
            ("replacement_sku", "WM-200".into()),
            ("window_start", start.clone()),
            ("window_end", end.clone()),
            ("name", "Erika Mustermann".into()),
            ("phone", "+49 30 1234567".into()),
            ("street", "Nebenstraße 2".into()),
            ("postcode", "10117".into()),
            ("city", "Berlin".into()),
            ("country", "de".into()),
        ];
        for (k, v) in changes {
            f.iter_mut().find(|(key, _)| key == k).unwrap().1 = (*v).to_owned();
        }
        f
    };
    let send = |f: Vec<(&'static str, String)>| {
        let client = client.clone();
        let url = svc.url(&swap_path);
        async move {
            let res = client.post(url).form(&f).send().await.unwrap();
            let status = res.status().as_u16();
            let location = res
                .headers()
                .get("location")
                .map(|l| l.to_str().unwrap().to_owned());
            (status, location.unwrap_or(res.text().await.unwrap()))
        }
    };
    let before = desk_snapshot(&svc.db).await;
    assert_eq!(send(form(&[("csrf", "forged")])).await.0, 403);
    for (changes, message) in [
        (
            vec![("window_end", start.as_str())],
            "must be after the start",
        ),
        (
            vec![("window_start", "tomorrow")],
            "enter a date and time (Europe/Berlin)",
        ),
        (
            vec![("country", "Germany")],
            "two-letter ISO 3166 country code",
        ),
        (vec![("city", " ")], "must not be empty"),
        (
            vec![("replacement_sku", "NOPE-1")],
            "no product with this SKU",
        ),
    ] {
        let (status, html) = send(form(&changes)).await;
        assert_eq!(status, 200, "{changes:?}");
        assert!(html.contains(message), "{changes:?} → {message}: {html}");
        // What was typed stays on the form.
        assert!(html.contains("Nebenstraße 2"), "{html}");
    }
    assert_eq!(desk_snapshot(&svc.db).await, before);

    // The approval: the same swap, claim, timeline and events as the JSON API, by the clerk.
    assert_eq!(send(form(&[])).await, (303, case_path.clone()));
    let (_, case) = get_json(
        &svc,
        &format!("/api/retailers/{}/cases/{case_id}", desk.retailer_id),
    )
    .await;
    assert_eq!(case["status"], "swap_approved");
    assert_eq!(case["swap"]["approved_by"], desk.email);
    assert_eq!(case["swap"]["replacement"]["sku"], "WM-200");
    assert_eq!(case["swap"]["delivery_address"]["street"], "Nebenstraße 2");
    assert_eq!(case["swap"]["delivery_address"]["country"], "DE");
    assert_eq!(case["claim"]["status"], "submitted");
    assert_eq!(outbox(&svc.db, SWAP_APPROVED).await.len(), 1);
    assert_eq!(outbox(&svc.db, CLAIM_SUBMITTED).await.len(), 1);
    let (_, html) = page(&svc, &client, &case_path).await;
    assert!(html.contains("swap_approved"), "{html}");
    assert!(html.contains("claim_submitted"), "{html}");
    assert!(!html.contains("swap-form"), "{html}");

    // A second approval (a double click, a colleague): explained, nothing more happens.
    let before = desk_snapshot(&svc.db).await;
    let (status, html) = send(form(&[])).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("a swap is already approved for this case"),
        "{html}"
    );
    assert_eq!(desk_snapshot(&svc.db).await, before);
    svc.stop().await;
}
