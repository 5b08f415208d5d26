//! The customer's status link: the step and the window, nothing else.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_customer_status_link_shows_the_step_and_window_and_nothing_else() {
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-1", "Erika Mustermann").await;
    let other = desk_shop(&svc, "Elektro Huber", "SN-2", "Max Muster").await;
    let client = browser();
    let csrf = signed_in(&svc, &client, &desk.email).await;
    let case_path = open_desk_case(&svc, &client, &csrf, desk.sale_id).await;
    let case_id: Uuid = case_path
        .strip_prefix("/desk/cases/")
        .unwrap()
        .parse()
        .unwrap();
    let link_path = format!("{case_path}/status-link");

    // Another retailer's staff cannot make a link for this case.
    let other_client = browser();
    let other_csrf = signed_in(&svc, &other_client, &other.email).await;
    let (status, _) = post_form(
        &svc,
        &other_client,
        &link_path,
        &[("csrf", other_csrf.as_str())],
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(
        post_form(&svc, &client, &link_path, &[("csrf", "forged")])
            .await
            .0,
        403
    );
    assert_eq!(
        count(
            &svc.db,
            "SELECT 1 FROM cases WHERE status_token_hash IS NOT NULL",
            vec![]
        )
        .await,
        0
    );

    let (status, html) = post_form(&svc, &client, &link_path, &[("csrf", csrf.as_str())]).await;
    assert_eq!(status, 200, "{html}");
    let old_link = status_link_of(&html);
    // A new link replaces the old one.
    let (_, html) = post_form(&svc, &client, &link_path, &[("csrf", csrf.as_str())]).await;
    let link = status_link_of(&html);
    assert_ne!(link, old_link);
    let token = link.strip_prefix("/status/").unwrap();
    let stored = one_string(
        &svc.db,
        "SELECT status_token_hash FROM cases WHERE id = $1",
        vec![case_id.into()],
    )
    .await;
    assert_eq!(stored.len(), 64);
    assert_ne!(stored, token, "only the hash is stored");
    let (_, html) = page(&svc, &client, &case_path).await;
    assert!(!html.contains(token), "shown only once: {html}");
    assert!(html.contains("The customer has a link"), "{html}");

    // Without a session, no cookies at all.
    let anonymous = reqwest::Client::new();
    let status_page = |path: String| {
        let anonymous = anonymous.clone();
        let url = svc.url(&path);
        async move {
            let res = anonymous.get(url).send().await.unwrap();
            let status = res.status().as_u16();
            (status, res.text().await.unwrap())
        }
    };
    let leaks = |html: &str| {
        for secret in [
            "499.00",
            "549.00",
            "599.00",
            "EUR",
            "Erika",
            "Mustermann",
            "1234567",
            "Hauptstraße",
            "SN-1",
            "R-1",
            "Anna Clerk",
            desk.email.as_str(),
            "Loud banging",
            "noise",
        ] {
            assert!(!html.contains(secret), "{secret} leaks: {html}");
        }
    };
    let (status, html) = status_page(old_link.clone()).await;
    assert_eq!(status, 404, "the replaced link: {html}");
    for bad in [
        "/status/abc".to_owned(),
        format!("/status/{}", "ab".repeat(32)),
    ] {
        let (status, html) = status_page(bad.clone()).await;
        assert_eq!(status, 404, "{bad}");
        assert!(
            html.contains("Unter diesem Link gibt es keinen Tausch"),
            "{html}"
        );
    }
    let (status, html) = status_page(link.clone()).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Washing machine WM 100"), "{html}");
    assert!(html.contains(r#"data-step="case_opened""#), "{html}");
    assert!(!html.contains("id=\"window\""), "{html}");
    leaks(&html);

    // The swap approved (to WM-200, within the clerk's limit).
    let start = (Utc::now() + Span::days(1))
        .format("%Y-%m-%dT09:00")
        .to_string();
    let end = (Utc::now() + Span::days(1))
        .format("%Y-%m-%dT13:00")
        .to_string();
    let (status, _) = post_form(
        &svc,
        &client,
        &format!("{case_path}/swap"),
        &[
            ("csrf", csrf.as_str()),
            ("replacement_sku", "WM-200"),
            ("window_start", start.as_str()),
            ("window_end", end.as_str()),
            ("name", "Erika Mustermann"),
            ("phone", "+49 30 1234567"),
            ("street", "Hauptstraße 1"),
            ("postcode", "10115"),
            ("city", "Berlin"),
            ("country", "DE"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (_, html) = status_page(link.clone()).await;
    assert!(html.contains(r#"data-step="swap_approved""#), "{html}");
    leaks(&html);

    // Logistics schedules the crew: the window shows.
    let (_, case) = get_json(
        &svc,
        &format!("/api/retailers/{}/cases/{case_id}", desk.retailer_id),
    )
    .await;
    let swap_id: Uuid = case["swap"]["id"].as_str().unwrap().parse().unwrap();
    let expected = crew_scheduled(&svc, desk.retailer_id, case_id, swap_id).await;
    let html = eventually("the scheduled window on the status page", DEADLINE, || {
        let fetch = status_page(link.clone());
        let expected = expected.clone();
        async move {
            let (_, html) = fetch.await;
            html.contains(&expected).then_some(html)
        }
    })
    .await;
    assert!(html.contains(r#"data-step="delivery_scheduled""#), "{html}");
    leaks(&html);
    svc.stop().await;
}
