//! Manufacturers and agreements: created, listed, and an agreement that rejects by default.

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manufacturers_and_agreements_are_created_and_listed() {
    let svc = start().await;
    let mid = create_manufacturer(&svc, "Waschwerk AG").await;
    let m = get(&svc, &format!("/api/manufacturers/{mid}")).await;
    assert_eq!(m.status, 200);
    assert_eq!(m.body["name"], "Waschwerk AG");

    let retailer = Uuid::now_v7();
    let a = create_agreement(&svc, mid, retailer).await;
    assert_eq!(a["manufacturer_id"], mid.to_string());
    assert_eq!(a["retailer_id"], retailer.to_string());
    assert_eq!(a["currency"], "EUR");
    assert_eq!(a["coverage_months"], 24);
    assert_eq!(a["doa_days"], 14);
    assert_eq!(a["reimbursement_percent"], "80.00");
    assert_eq!(
        a["handling_fee"],
        json!({"amount": "25.00", "currency": "EUR"})
    );
    assert_eq!(a["decision_deadline_days"], 14);

    // The percentage as a JSON number or a decimal string, the fee amount as a number.
    let other = Uuid::now_v7();
    let mut body = agreement_body(other);
    body["reimbursement_percent"] = json!(80.5);
    body["handling_fee"]["amount"] = json!(10);
    let b = post(&svc, &format!("/api/manufacturers/{mid}/agreements"), &body).await;
    assert_eq!(b.status, 201, "{}", b.body);
    assert_eq!(b.body["reimbursement_percent"], "80.50");
    assert_eq!(b.body["handling_fee"]["amount"], "10.00");
    let third = Uuid::now_v7();
    let mut body = agreement_body(third);
    body["reimbursement_percent"] = json!("80.5");
    let c = post(&svc, &format!("/api/manufacturers/{mid}/agreements"), &body).await;
    assert_eq!(c.status, 201, "{}", c.body);
    assert_eq!(c.body["reimbursement_percent"], "80.50");

    let list = get(&svc, &format!("/api/manufacturers/{mid}/agreements")).await;
    assert_eq!(list.status, 200);
    let items = list.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(items[0]["id"], a["id"]);

    let one = get(
        &svc,
        &format!(
            "/api/manufacturers/{mid}/agreements/{}",
            a["id"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(one.status, 200);
    // Read after the retailer accepted the version (as before issue 18).
    assert_eq!(one.body["version_in_force"], 1, "{}", one.body);
    assert_eq!(without_acceptance(&one.body), without_acceptance(&a));

    // One agreement per pair: a second one is a conflict and changes nothing.
    let before = table_counts(&svc.db).await;
    let dup = post(
        &svc,
        &format!("/api/manufacturers/{mid}/agreements"),
        &agreement_body(retailer),
    )
    .await;
    assert_problem(&dup, 409, "second agreement");
    assert_eq!(dup.body["code"], "agreement_exists");
    assert_eq!(table_counts(&svc.db).await, before);

    // An unknown manufacturer.
    let ghost = Uuid::now_v7();
    let none = post(
        &svc,
        &format!("/api/manufacturers/{ghost}/agreements"),
        &agreement_body(retailer),
    )
    .await;
    assert_problem(&none, 404, "agreement for unknown manufacturer");
    assert_problem(
        &get(&svc, &format!("/api/manufacturers/{ghost}/agreements")).await,
        404,
        "agreements of unknown manufacturer",
    );
    assert_problem(
        &get(&svc, &format!("/api/manufacturers/{ghost}")).await,
        404,
        "unknown manufacturer",
    );
    assert_eq!(table_counts(&svc.db).await, before);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agreement_may_reject_by_default() {
    let svc = start().await;
    let mid = create_manufacturer(&svc, "Waschwerk AG").await;
    let retailer = Uuid::now_v7();
    let path = format!("/api/manufacturers/{mid}/agreements");

    // A default outcome that is neither: a field error, nothing changed.
    let before = table_counts(&svc.db).await;
    let mut body = agreement_body(retailer);
    body["default_outcome"] = json!("ignore");
    let bad = post(&svc, &path, &body).await;
    assert_problem(&bad, 422, "unknown default outcome");
    assert_eq!(bad.body["errors"][0]["field"], "default_outcome");
    body["default_outcome"] = json!(false);
    assert_problem(
        &post(&svc, &path, &body).await,
        422,
        "outcome of the wrong type",
    );
    assert_eq!(table_counts(&svc.db).await, before);

    body["default_outcome"] = json!("reject");
    let a = post(&svc, &path, &body).await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(a.body["default_outcome"], "reject");
    let id = a.body["id"].as_str().unwrap();
    let one = get(&svc, &format!("{path}/{id}")).await;
    assert_eq!(one.body["default_outcome"], "reject");

    let event = claim(mid, retailer, 60);
    let c = &arrive(&svc, mid, std::slice::from_ref(&event)).await[0];
    let deadline = at(&c["deadline_at"]);
    assert_eq!(fire_deadlines(&svc.db, deadline).await.unwrap(), 1);
    let c = claim_of(&svc, mid, event.claim_id.as_uuid()).await;
    assert_eq!(c["status"], "rejected");
    assert_eq!(c["decided_by"], "rule:deadline_deemed_rejected");
    assert_eq!(c["reason_code"], "deadline_passed");
    assert_eq!(
        c["decided_amount"],
        json!({"amount": "0.00", "currency": "EUR"})
    );
    let events = decided_events(&svc.db, event.claim_id.as_uuid()).await;
    assert_eq!(events.len(), 1);
    let data = &events[0]["data"];
    assert_eq!(data["outcome"], "rejected");
    assert_eq!(data["reason_code"], "deadline_passed");
    assert_eq!(
        data["decided_by"],
        json!({"kind": "rule", "rule": "deadline_deemed_rejected"})
    );
    assert_eq!(data["amount"], json!({"amount": "0.00", "currency": "EUR"}));
    wait_sent(&svc, event.claim_id.as_uuid()).await;
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agreement_cannot_require_evidence_the_system_never_produces() {
    let svc = start().await;
    let mid = create_manufacturer(&svc, "Waschwerk AG").await;
    let path = format!("/api/manufacturers/{mid}/agreements");
    let before = table_counts(&svc.db).await;
    let mut body = agreement_body(Uuid::now_v7());
    body["evidence_required"] = json!(["collected_serial", "statement"]);
    let refused = post(&svc, &path, &body).await;
    assert_problem(&refused, 422, "a statement required");
    assert_eq!(refused.body["code"], "evidence_not_producible");
    assert!(
        refused.body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("statement")),
        "{}",
        refused.body
    );
    assert_eq!(table_counts(&svc.db).await, before);

    // What the system produces may be required, each kind of it; so may a new version.
    body["evidence_required"] = json!([
        "collected_serial",
        "collected_photo",
        "delivered_photo",
        "receipt"
    ]);
    let made = post(&svc, &path, &body).await;
    assert_eq!(made.status, 201, "{}", made.body);
    let id = made.body["id"].as_str().unwrap();
    let mut next = body.clone();
    next.as_object_mut().unwrap().remove("retailer_id");
    next["evidence_required"] = json!(["statement"]);
    let refused = post(&svc, &format!("{path}/{id}/versions"), &next).await;
    assert_problem(&refused, 422, "a statement required by a new version");
    assert_eq!(refused.body["code"], "evidence_not_producible");
    svc.stop().await;
}
