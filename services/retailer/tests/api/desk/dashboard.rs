//! The dashboard: time to swap per store, open cases by who holds the ball, refusals by reason.

use super::setup::*;
use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_shows_time_to_swap_per_store_the_ball_and_refusals() {
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-1", "Erika Mustermann").await;
    let admin = session_of(&svc, desk.retailer_id, "admin@maier.example", "admin").await;
    let mitte = add_store(&svc, &admin, "Mitte").await;
    let clerk_id = one_string(
        &svc.db,
        "SELECT id::text FROM staff WHERE email = $1",
        vec![desk.email.clone().into()],
    )
    .await;
    let (status, _) = admin
        .post(
            &svc,
            &format!("/desk/admin/staff/{clerk_id}"),
            &[
                ("role", "clerk"),
                ("store_id", &mitte.to_string()),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let clerk = session_as(&svc, &desk.email).await;
    let sale2 = another_sale(&svc, desk.retailer_id, "R-2", "SN-2").await;
    let sale3 = another_sale(&svc, desk.retailer_id, "R-3", "SN-3").await;
    // Case 1 at Mitte: swapped, and delivered three hours after it was opened.
    let case1: Uuid = open_desk_case(&svc, &clerk.client, &clerk.csrf, desk.sale_id)
        .await
        .strip_prefix("/desk/cases/")
        .unwrap()
        .parse()
        .unwrap();
    // Case 2 (still open, waiting for the store's decision) and case 3 (refused).
    let case2 = open_desk_case(&svc, &clerk.client, &clerk.csrf, sale2).await;
    let case3 = open_desk_case(&svc, &clerk.client, &clerk.csrf, sale3).await;
    let (status, _) = clerk
        .post(
            &svc,
            &format!("{case3}/refuse"),
            &[
                ("reason_code", "damage_by_customer"),
                ("reason_text", "Dropped"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let approved = created(
        &svc,
        &format!("/api/retailers/{}/cases/{case1}/swap", desk.retailer_id),
        window_body("clerk"),
    )
    .await;
    let swap_id: Uuid = approved["swap_id"].as_str().unwrap().parse().unwrap();
    let opened = Utc::now() - Span::hours(3);
    svc.db
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE cases SET opened_at = $1 WHERE id = $2",
            [opened.into(), case1.into()],
        ))
        .await
        .unwrap();
    publish_event(
        &svc.names,
        JobCompletedV1 {
            job_id: Uuid::now_v7().into(),
            swap_id: swap_id.into(),
            case_id: case1.into(),
            retailer_id: desk.retailer_id.into(),
            delivered_serial: "SN-NEW".into(),
            collected_serial: "SN-1".into(),
            collected_serial_matches: true,
            recipient_name: "Erika Mustermann".into(),
            completed_at: opened + Span::hours(3),
        },
    )
    .await;
    let shop = Shop {
        retailer_id: desk.retailer_id,
        manufacturer_id: Uuid::nil(),
        product_id: Uuid::nil(),
        serial: "SN-1".into(),
        sale_id: desk.sale_id,
        case_id: case1,
    };
    wait_kind(&svc, shop.case_id, "delivered_and_collected", 1).await;

    assert_eq!(clerk.get(&svc, "/desk/dashboard").await.0, 403);
    let manager = session_of(&svc, desk.retailer_id, "anna@maier.example", "manager").await;
    let (status, html) = manager.get(&svc, "/desk/dashboard").await;
    assert_eq!(status, 200);
    assert!(
        html.contains(r#"<tr><td>Mitte</td><td class="num">1</td><td class="num median">3 h 0 min</td><td class="num p90">3 h 0 min</td></tr>"#),
        "{html}"
    );
    for (party, n) in [("retailer", 1), ("crew", 0), ("manufacturer", 1)] {
        let cell = format!(r#"data-party="{party}">{n}<"#);
        assert!(html.contains(&cell), "{cell}: {html}");
    }
    assert!(
        html.contains(r#"data-reason="damage_by_customer">1<"#),
        "{html}"
    );
    assert!(html.contains(r#"data-reason="other">0<"#), "{html}");
    assert!(html.contains("1 in the period"), "{html}");
    // The refusal report counts it for the store where the case was opened.
    let (_, html) = manager.get(&svc, "/desk/reports/refusals").await;
    assert!(
        html.contains(r#"<td>Mitte</td><td class="n">1</td>"#),
        "{html}"
    );
    let _ = case2;
    svc.stop().await;
}
