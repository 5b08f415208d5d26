//! Disputing a rejected claim: once, over the API and at the desk (managers), with its message
//! to the manufacturer; the new decision applied after it; everything else refused, nothing
//! saved.

use super::desk::{PASSWORD, add_staff, browser, desk_shop, page, post_form, signed_in};
use crate::support::*;

const DISPUTED: &str = "retailer.claim.disputed.v1";

fn rejected(shop: &Shop, swap_id: Uuid, claim_id: Uuid, at: DateTime<Utc>) -> ClaimDecidedV1 {
    let mut d = claim_decided(shop, swap_id, claim_id, at);
    d.outcome = ClaimOutcome::Rejected;
    d.amount = Money::zero(Currency::parse("EUR").unwrap());
    d.reason_code = Some("no_fault_found".into());
    d
}

async fn claim_status(db: &DatabaseConnection, claim_id: Uuid) -> String {
    one_string(
        db,
        "SELECT status FROM claims WHERE id = $1",
        vec![claim_id.into()],
    )
    .await
}

async fn dispute_snapshot(db: &DatabaseConnection) -> Vec<(String, String)> {
    let mut out = snapshot(db).await;
    out.push((
        "disputes".into(),
        count(db, "SELECT 1 FROM claim_disputes", vec![])
            .await
            .to_string(),
    ));
    out.push((
        "claims".into(),
        one_string(
            db,
            "SELECT coalesce(string_agg(status, ',' ORDER BY id), '') FROM claims",
            vec![],
        )
        .await,
    ));
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_claim_is_disputed_once_and_decided_again() {
    let svc = start().await;
    let shop = shop(&svc, "Elektro Maier", "SN-1").await;
    let (swap_id, claim_id) = approve(&svc, &shop).await;
    let db = &svc.db;
    let dispute_path = shop.path(&format!("/claims/{claim_id}/dispute"));
    let body = json!({"statement": "The drum bearing was broken on delivery",
                      "note": "Photo of the bearing in the case file", "disputed_by": "m.meier"});

    // Not rejected (yet): refused, nothing saved.
    let before = dispute_snapshot(db).await;
    rejects(&svc, &dispute_path, body.clone(), "409 claim_not_rejected").await;
    assert_eq!(dispute_snapshot(db).await, before);

    let t0 = Utc::now();
    publish_event(&svc.names, rejected(&shop, swap_id, claim_id, t0)).await;
    wait_kind(&svc, shop.case_id, "claim_decided", 1).await;
    assert_eq!(claim_status(db, claim_id).await, "rejected");

    // Bad input, another retailer's or an unknown claim: refused, nothing saved.
    let other = created(&svc, "/api/retailers", json!({"name": "Elektro Huber"})).await;
    let other_id = id_of(&other);
    let before = dispute_snapshot(db).await;
    rejects(
        &svc,
        &dispute_path,
        json!({"statement": " ", "disputed_by": ""}),
        "422 statement",
    )
    .await;
    for path in [
        format!("/api/retailers/{other_id}/claims/{claim_id}/dispute"),
        shop.path(&format!("/claims/{}/dispute", Uuid::now_v7())),
    ] {
        rejects(&svc, &path, body.clone(), "404").await;
    }
    assert_eq!(dispute_snapshot(db).await, before);

    // Two disputes at once (a double click): exactly one is taken, the other told why. The
    // claim goes back to the manufacturer, with the statement and the note.
    let (one, two) = tokio::join!(
        post_json(&svc, &dispute_path, body.clone()),
        post_json(&svc, &dispute_path, body.clone())
    );
    let (res, refused) = if one.0 == 201 { (one, two) } else { (two, one) };
    assert_eq!(res.0, 201, "{}", res.1);
    assert_eq!(refused.0, 409, "{}", refused.1);
    assert_eq!(refused.1["code"], "claim_already_disputed");
    let res = res.1;
    assert_eq!(res["status"], "disputed");
    assert_eq!(res["case_id"], shop.case_id.to_string());
    assert_eq!(claim_status(db, claim_id).await, "disputed");
    let sent = outbox(db, DISPUTED).await;
    assert_eq!(sent.len(), 1);
    let data = &sent[0]["data"];
    assert_eq!(data["claim_id"], claim_id.to_string());
    assert_eq!(data["swap_id"], swap_id.to_string());
    assert_eq!(data["manufacturer_id"], shop.manufacturer_id.to_string());
    assert_eq!(data["statement"], "The drum bearing was broken on delivery");
    // The key disputes, whatever the body's `disputed_by` says.
    assert_eq!(data["disputed_by"], "API key «tests»");
    assert_eq!(data["evidence"][0]["kind"], "statement");
    assert_eq!(
        data["evidence"][0]["note"],
        "Photo of the bearing in the case file"
    );
    assert_eq!(timeline_count(db, shop.case_id, "claim_disputed").await, 1);
    let (_, case) = get_json(&svc, &shop.case_path()).await;
    assert_eq!(case["claim"]["status"], "disputed");
    assert_eq!(case["claim"]["disputed_at"], res["disputed_at"], "{case}");
    assert_eq!(case["ball"]["party"], "crew", "{case}");
    assert_eq!(
        holders(&case["ball"]),
        [
            ("crew".to_owned(), "delivery".to_owned()),
            ("manufacturer".to_owned(), "claim".to_owned())
        ]
    );

    // Once: a second dispute is refused, nothing saved.
    let before = dispute_snapshot(db).await;
    rejects(
        &svc,
        &dispute_path,
        body.clone(),
        "409 claim_already_disputed",
    )
    .await;
    assert_eq!(dispute_snapshot(db).await, before);

    // The manufacturer decides again: the new decision stands.
    let mut again = claim_decided(&shop, swap_id, claim_id, Utc::now());
    again.outcome = ClaimOutcome::Accepted;
    again.amount = Money::new(Decimal::new(52400, 2), Currency::parse("EUR").unwrap()).unwrap();
    again.reason_code = None;
    publish_event(&svc.names, again).await;
    wait_kind(&svc, shop.case_id, "claim_decided", 2).await;
    let (_, case) = get_json(&svc, &shop.case_path()).await;
    assert_eq!(case["claim"]["status"], "accepted", "{case}");
    assert_eq!(case["claim"]["decided_amount"], eur("524.00"));
    // Accepted after the dispute: still not disputable.
    rejects(&svc, &dispute_path, body, "409 claim_already_disputed").await;
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_disputes_a_rejection_at_the_desk() {
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-1", "Erika Mustermann").await;
    let other = desk_shop(&svc, "Elektro Huber", "SN-2", "Max Muster").await;
    let manager = "manager@maier.example";
    add_staff(&svc, desk.retailer_id, manager, "manager").await;
    let other_manager = "manager@huber.example";
    add_staff(&svc, other.retailer_id, other_manager, "manager").await;
    let path = |rest: &str| format!("/api/retailers/{}{rest}", desk.retailer_id);
    let case = created(
        &svc,
        &path("/cases"),
        json!({"serial": "SN-1", "defect_category": "noise", "defect_description": "Loud"}),
    )
    .await;
    let case_id = id_of(&case);
    let swap = created(
        &svc,
        &path(&format!("/cases/{case_id}/swap")),
        window_body("x"),
    )
    .await;
    let claim_id: Uuid = swap["claim_id"].as_str().unwrap().parse().unwrap();
    let swap_id: Uuid = swap["swap_id"].as_str().unwrap().parse().unwrap();
    let shop = Shop {
        retailer_id: desk.retailer_id,
        manufacturer_id: Uuid::now_v7(),
        product_id: Uuid::now_v7(),
        serial: "SN-1".into(),
        sale_id: desk.sale_id,
        case_id,
    };
    let mut decided = rejected(&shop, swap_id, claim_id, Utc::now());
    decided.manufacturer_id = manufacturer_of_claim(&svc.db, claim_id).await.into();
    publish_event(&svc.names, decided).await;
    wait_kind(&svc, case_id, "claim_decided", 1).await;
    let dispute_path = format!("/desk/claims/{claim_id}/dispute");

    // The case page links to the dispute; a clerk may not dispute.
    let clerk = browser();
    let clerk_csrf = signed_in(&svc, &clerk, &desk.email).await;
    let (_, html) = page(&svc, &clerk, &format!("/desk/cases/{case_id}")).await;
    assert!(
        html.contains(&format!(r#"href="{dispute_path}""#)),
        "{html}"
    );
    assert!(
        html.contains(r#"data-kind="claim_decided">Claim rejected</td>"#),
        "{html}"
    );
    assert_eq!(page(&svc, &clerk, &dispute_path).await.0, 403);
    let form = [
        ("csrf", clerk_csrf.as_str()),
        ("statement", "No"),
        ("note", ""),
    ];
    assert_eq!(post_form(&svc, &clerk, &dispute_path, &form).await.0, 403);

    // Another retailer's manager: as unknown as an unknown claim.
    let theirs = browser();
    let their_csrf = signed_in(&svc, &theirs, other_manager).await;
    assert_eq!(page(&svc, &theirs, &dispute_path).await.0, 404);
    let form = [
        ("csrf", their_csrf.as_str()),
        ("statement", "No"),
        ("note", ""),
    ];
    assert_eq!(post_form(&svc, &theirs, &dispute_path, &form).await.0, 404);
    assert_eq!(
        page(
            &svc,
            &theirs,
            &format!("/desk/claims/{}/dispute", Uuid::now_v7())
        )
        .await
        .0,
        404
    );

    // The manager: a forged form, an empty statement, then the dispute.
    let mine = browser();
    let (status, _) = super::desk::sign_in(&svc, &mine, manager, PASSWORD).await;
    assert_eq!(status, 303);
    let (status, html) = page(&svc, &mine, &dispute_path).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains(r#"id="dispute-form""#), "{html}");
    let csrf = super::desk::csrf_of(&html);
    let forged = [("csrf", "forged"), ("statement", "x"), ("note", "")];
    assert_eq!(post_form(&svc, &mine, &dispute_path, &forged).await.0, 403);
    let empty = [
        ("csrf", csrf.as_str()),
        ("statement", "  "),
        ("note", "kept"),
    ];
    let (status, html) = post_form(&svc, &mine, &dispute_path, &empty).await;
    assert_eq!(status, 422, "{html}");
    assert!(
        html.contains("must not be empty") && html.contains(">kept</textarea>"),
        "{html}"
    );
    assert_eq!(
        count(&svc.db, "SELECT 1 FROM claim_disputes", vec![]).await,
        0
    );
    let form = [
        ("csrf", csrf.as_str()),
        ("statement", "The bearing was broken on delivery"),
        ("note", ""),
    ];
    // Rejected: the manufacturer holds nothing on the dashboard; disputed, it does again.
    let (_, html) = page(&svc, &mine, "/desk/dashboard").await;
    assert!(!html.contains(r#"data-party="manufacturer">1<"#), "{html}");
    let (status, location) = post_form(&svc, &mine, &dispute_path, &form).await;
    let (_, html) = page(&svc, &mine, "/desk/dashboard").await;
    assert!(html.contains(r#"data-party="manufacturer">1<"#), "{html}");
    assert_eq!(
        (status, location.as_str()),
        (303, format!("/desk/cases/{case_id}").as_str())
    );
    let (_, html) = page(&svc, &mine, &location).await;
    assert!(html.contains("Rejection disputed"), "{html}");
    assert!(html.contains(r#"id="disputed""#), "{html}");
    assert!(
        !html.contains(&format!(r#"href="{dispute_path}""#)),
        "{html}"
    );
    assert!(html.contains(&format!(
        "“The bearing was broken on delivery”, by {manager}."
    )));
    let sent = outbox(&svc.db, DISPUTED).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["data"]["disputed_by"], manager);
    assert_eq!(sent[0]["data"]["evidence"], json!([]));

    // Twice: a readable message, nothing saved.
    let (status, html) = post_form(&svc, &mine, &dispute_path, &form).await;
    assert_eq!(status, 409, "{html}");
    assert!(html.contains("disputed already"), "{html}");
    assert_eq!(outbox(&svc.db, DISPUTED).await.len(), 1);
    assert_eq!(
        count(&svc.db, "SELECT 1 FROM claim_disputes", vec![]).await,
        1
    );
    svc.stop().await;
}
