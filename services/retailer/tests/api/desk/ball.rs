//! The case page shows who holds the ball and every deadline that runs; the ball is stored with
//! the case for the dashboard; an overdue holding of the store is escalated once.

use sea_orm::TransactionTrait;

use super::setup::*;
use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_case_page_shows_who_holds_the_ball() {
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-1", "Erika Mustermann").await;
    let client = browser();
    let csrf = signed_in(&svc, &client, &desk.email).await;
    let case_path = open_desk_case(&svc, &client, &csrf, desk.sale_id).await;
    let case_id: Uuid = case_path
        .strip_prefix("/desk/cases/")
        .unwrap()
        .parse()
        .unwrap();

    // Open: the store decides.
    let (status, html) = page(&svc, &client, &case_path).await;
    assert_eq!(status, 200, "{html}");
    let ball = html.find(r#"id="ball""#).expect("the ball section");
    assert!(
        ball < html.find(r#"<h2>Timeline</h2>"#).unwrap(),
        "the ball is shown above the timeline"
    );
    assert!(html.contains(r#"data-party="retailer""#), "{html}");
    assert!(html.contains("to decide: swap or refuse"), "{html}");
    assert!(html.contains(r#"<span id="ball-handovers">0</span> times"#));

    // Approved: the crew delivers, the manufacturer decides the claim meanwhile.
    created(
        &svc,
        &format!("/api/retailers/{}/cases/{case_id}/swap", desk.retailer_id),
        window_body("clerk.anna"),
    )
    .await;
    let (_, html) = page(&svc, &client, &case_path).await;
    assert!(html.contains(r#"data-party="crew""#), "{html}");
    assert!(
        html.contains("Also waiting: The manufacturer — deciding the claim"),
        "{html}"
    );
    assert!(html.contains(r#"<span id="ball-handovers">1</span> time."#));

    // A refused case waits for nobody.
    let other_sale = id_of(
        &created(
            &svc,
            &format!("/api/retailers/{}/sales", desk.retailer_id),
            sale_body("R-2", "WM-200", "SN-2"),
        )
        .await,
    );
    let other_path = open_desk_case(&svc, &client, &csrf, other_sale).await;
    let (status, _) = post_form(
        &svc,
        &client,
        &format!("{other_path}/refuse"),
        &[
            ("csrf", csrf.as_str()),
            ("reason_code", "damage_by_customer"),
            ("reason_text", "The drum was dented by a fall"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (_, html) = page(&svc, &client, &other_path).await;
    assert!(html.contains(r#"data-party="nobody""#), "{html}");
    let other_id = other_path.strip_prefix("/desk/cases/").unwrap();
    let (_, case) = get_json(
        &svc,
        &format!("/api/retailers/{}/cases/{other_id}", desk.retailer_id),
    )
    .await;
    assert_eq!(case["status"], "refused", "{case}");
    assert!(case["ball"]["party"].is_null(), "{case}");
    assert!(case["ball"]["held_for_seconds"].is_null(), "{case}");
    assert_eq!(case["ball"]["handovers"], 0);
    svc.stop().await;
}

/// The stored holdings of a case: `party:holds` per thread, in thread order.
async fn holdings(svc: &TestService, case_id: Uuid) -> String {
    one_string(
        &svc.db,
        "SELECT coalesce(string_agg(party || ':' || holds, ',' ORDER BY thread), '') \
         FROM case_holdings WHERE case_id = $1",
        vec![case_id.into()],
    )
    .await
}

async fn handovers(svc: &TestService, case_id: Uuid) -> String {
    one_string(
        &svc.db,
        "SELECT handovers::text FROM cases WHERE id = $1",
        vec![case_id.into()],
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ball_is_stored_with_the_case_and_the_dashboard_counts_it() {
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-1", "Erika Mustermann").await;
    let clerk = session_as(&svc, &desk.email).await;
    let case_id: Uuid = open_desk_case(&svc, &clerk.client, &clerk.csrf, desk.sale_id)
        .await
        .strip_prefix("/desk/cases/")
        .unwrap()
        .parse()
        .unwrap();
    // Opened: the store decides, within a day (the default policy).
    assert_eq!(holdings(&svc, case_id).await, "retailer:decision");
    let (_, case) = get_json(
        &svc,
        &format!("/api/retailers/{}/cases/{case_id}", desk.retailer_id),
    )
    .await;
    let opened = time_of(&case["opened_at"]);
    assert_eq!(time_of(&case["ball"]["due_at"]), opened + Span::hours(24));
    assert_eq!(case["ball"]["holders"][0]["overdue"], false, "{case}");

    // Approved: the crew holds the delivery (due at the window's end), the manufacturer the
    // claim; one handover.
    let window = window_body("clerk");
    let approved = created(
        &svc,
        &format!("/api/retailers/{}/cases/{case_id}/swap", desk.retailer_id),
        window.clone(),
    )
    .await;
    let swap_id: Uuid = approved["swap_id"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        holdings(&svc, case_id).await,
        "manufacturer:claim,crew:delivery"
    );
    assert_eq!(handovers(&svc, case_id).await, "1");
    let (_, case) = get_json(
        &svc,
        &format!("/api/retailers/{}/cases/{case_id}", desk.retailer_id),
    )
    .await;
    assert_eq!(case["ball"]["holders"][0]["party"], "crew", "{case}");
    assert_eq!(
        time_of(&case["ball"]["holders"][0]["due_at"]),
        time_of(&window["window_end"])
    );

    // A failed visit: back with the store (a new visit to agree), a second handover.
    publish_event(
        &svc.names,
        JobFailedV1 {
            job_id: Uuid::now_v7().into(),
            swap_id: swap_id.into(),
            case_id: case_id.into(),
            retailer_id: desk.retailer_id.into(),
            reason: FailureReason::Refused,
            note: None,
            attempt: 1,
            failed_at: Utc::now(),
        },
    )
    .await;
    wait_kind(&svc, case_id, "delivery_failed", 1).await;
    assert_eq!(
        holdings(&svc, case_id).await,
        "manufacturer:claim,retailer:delivery"
    );
    assert_eq!(handovers(&svc, case_id).await, "2");

    // A second case, still open and made overdue.
    let sale2 = another_sale(&svc, desk.retailer_id, "R-2", "SN-2").await;
    let case2: Uuid = open_desk_case(&svc, &clerk.client, &clerk.csrf, sale2)
        .await
        .strip_prefix("/desk/cases/")
        .unwrap()
        .parse()
        .unwrap();
    svc.db
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE case_holdings SET due_at = now() - interval '1 hour' WHERE case_id = $1",
            [case2.into()],
        ))
        .await
        .unwrap();

    let manager = session_of(&svc, desk.retailer_id, "anna@maier.example", "manager").await;
    let (status, html) = manager.get(&svc, "/desk/dashboard").await;
    assert_eq!(status, 200);
    for (party, cases, overdue, handed) in [
        ("retailer", 2, 1, 2),
        ("crew", 0, 0, 0),
        ("manufacturer", 1, 0, 2),
    ] {
        for cell in [
            format!(r#"data-party="{party}">{cases}<"#),
            format!(r#"data-overdue="{party}">{overdue}<"#),
            format!(r#"data-handovers="{party}">{handed}<"#),
        ] {
            assert!(html.contains(&cell), "{cell}: {html}");
        }
    }

    // Cases stored before the ball was are computed by the backfill, with the same rule.
    svc.db
        .execute_unprepared(
            "DELETE FROM case_holdings; UPDATE cases SET handovers = 0, ball_at = NULL",
        )
        .await
        .unwrap();
    let txn = svc.db.begin().await.unwrap();
    assert_eq!(retailer::db::ball::backfill(&txn, 100).await.unwrap(), 2);
    assert_eq!(retailer::db::ball::backfill(&txn, 100).await.unwrap(), 0);
    txn.commit().await.unwrap();
    assert_eq!(
        holdings(&svc, case_id).await,
        "manufacturer:claim,retailer:delivery"
    );
    assert_eq!(handovers(&svc, case_id).await, "2");
    assert_eq!(holdings(&svc, case2).await, "retailer:decision");

    // Delivered and collected: the delivery thread is released while the claim's is held on
    // (one row deleted, the other kept); the claim decided: nobody holds anything.
    publish_event(
        &svc.names,
        kummerer_contracts::JobCompletedV1 {
            job_id: Uuid::now_v7().into(),
            swap_id: swap_id.into(),
            case_id: case_id.into(),
            retailer_id: desk.retailer_id.into(),
            delivered_serial: "SN-NEW".into(),
            collected_serial: "SN-1".into(),
            collected_serial_matches: true,
            recipient_name: "Erika Mustermann".into(),
            completed_at: Utc::now(),
        },
    )
    .await;
    wait_kind(&svc, case_id, "delivered_and_collected", 1).await;
    assert_eq!(holdings(&svc, case_id).await, "manufacturer:claim");
    let claim_id: Uuid = approved["claim_id"].as_str().unwrap().parse().unwrap();
    let manufacturer_id: Uuid = manufacturer_of_claim(&svc.db, claim_id).await;
    publish_event(
        &svc.names,
        kummerer_contracts::ClaimDecidedV1 {
            claim_id: claim_id.into(),
            swap_id: swap_id.into(),
            case_id: case_id.into(),
            retailer_id: desk.retailer_id.into(),
            manufacturer_id: manufacturer_id.into(),
            outcome: kummerer_contracts::ClaimOutcome::Accepted,
            amount: claimed_amount(&svc, claim_id).await,
            reason_code: None,
            decided_by: kummerer_contracts::DecidedBy::Manufacturer,
            decided_at: Utc::now(),
            agreement_version: None,
            cost_lines: vec![],
        },
    )
    .await;
    wait_kind(&svc, case_id, "claim_decided", 1).await;
    assert_eq!(holdings(&svc, case_id).await, "");
    svc.stop().await;
}

/// The amount a claim asks for, as `Money`.
async fn claimed_amount(svc: &TestService, claim_id: Uuid) -> kummerer_contracts::Money {
    let claimed = one_string(
        &svc.db,
        "SELECT amount_claimed::text || ' ' || trim(currency) FROM claims WHERE id = $1",
        vec![claim_id.into()],
    )
    .await;
    let (amount, currency) = claimed.split_once(' ').unwrap();
    kummerer_contracts::Money::new(
        amount.parse().unwrap(),
        kummerer_contracts::Currency::parse(currency).unwrap(),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_overdue_case_of_the_store_is_escalated_to_the_managers_once() {
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-1", "Erika Mustermann").await;
    let client = browser();
    let csrf = signed_in(&svc, &client, &desk.email).await;
    let case_path = open_desk_case(&svc, &client, &csrf, desk.sale_id).await;
    let case_id: Uuid = case_path
        .strip_prefix("/desk/cases/")
        .unwrap()
        .parse()
        .unwrap();
    let (_, html) = page(&svc, &client, &case_path).await;
    assert!(
        html.contains(r#"<tr data-deadline="retailer:decision"><td>Your store decides the case"#),
        "{html}"
    );

    // Before the due time: nothing happens.
    let now = Utc::now();
    assert_eq!(
        retailer::app::ball::escalate_overdue(&svc.db, now + Span::hours(23))
            .await
            .unwrap(),
        0
    );
    // Past it: escalated once, however often the sweep runs.
    let later = now + Span::hours(25);
    assert_eq!(
        retailer::app::ball::escalate_overdue(&svc.db, later)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        retailer::app::ball::escalate_overdue(&svc.db, later + Span::hours(1))
            .await
            .unwrap(),
        0
    );
    assert_eq!(timeline_count(&svc.db, case_id, "escalated").await, 1);
    // Still the store's to decide, since it was opened; once really past its due time (the
    // case opened 25 hours ago), the deadline is marked overdue.
    assert_eq!(holdings(&svc, case_id).await, "retailer:decision");
    svc.db
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE cases SET opened_at = now() - interval '25 hours' WHERE id = $1",
            [case_id.into()],
        ))
        .await
        .unwrap();
    svc.db
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE case_holdings SET due_at = now() - interval '1 hour' WHERE case_id = $1",
            [case_id.into()],
        ))
        .await
        .unwrap();
    let manager = session_of(&svc, desk.retailer_id, "anna@maier.example", "manager").await;
    let (_, html) = manager.get(&svc, "/desk/dashboard").await;
    assert!(html.contains(r#"data-escalated="retailer">1<"#), "{html}");
    let (_, html) = page(&svc, &client, &case_path).await;
    assert!(html.contains(r#"data-kind="escalated""#), "{html}");
    assert!(
        html.contains(r#"<tr data-deadline="retailer:decision" class="overdue">"#),
        "{html}"
    );

    // Decided: the store no longer holds it; nothing more to escalate.
    created(
        &svc,
        &format!("/api/retailers/{}/cases/{case_id}/swap", desk.retailer_id),
        window_body("clerk"),
    )
    .await;
    assert_eq!(
        holdings(&svc, case_id).await,
        "manufacturer:claim,crew:delivery"
    );
    assert_eq!(
        retailer::app::ball::escalate_overdue(&svc.db, later + Span::hours(2))
            .await
            .unwrap(),
        0
    );
    svc.stop().await;
}
