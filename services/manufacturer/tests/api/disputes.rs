//! A rejected claim disputed by the retailer: once, with a statement and evidence, then decided
//! again; any other dispute is kept in the history and changes nothing.

use super::flow::*;
use crate::support::*;
use kummerer_contracts::agreement::EvidenceKind;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_claim_is_disputed_once_and_decided_again() {
    let svc = start().await;
    let mid = create_manufacturer(&svc, "Waschwerk AG").await;
    let retailer = Uuid::now_v7();
    create_agreement(&svc, mid, retailer).await;
    let dlq = svc.names.dead_letter_queue(&MANUFACTURER_CLAIMS);
    let event = claim(mid, retailer, 60);
    let doa = claim(mid, retailer, 3);
    arrive(&svc, mid, &[event.clone(), doa.clone()]).await;
    let decision = format!("{}/decision", claim_path(mid, event.claim_id.as_uuid()));

    // A dispute of a claim that is not rejected (here: accepted by rule) changes nothing.
    publish_event(&svc.names, disputed(&doa, "Too little", vec![])).await;
    let c = wait_events(&svc, mid, doa.claim_id.as_uuid(), 3).await;
    assert_eq!(c["events"][2]["kind"], "ignored");
    assert_eq!(c["events"][2]["details"]["message"], "dispute");
    assert_eq!(c["status"], "accepted");
    assert_eq!(c["dispute"], Value::Null);

    let r = post(
        &svc,
        &decision,
        &json!({"outcome": "reject", "reason_code": "no_defect_found"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);

    // The retailer disputes the rejection with a statement and a receipt photo.
    let receipt = evidence(
        EvidenceKind::Receipt,
        None,
        Some(photo_of(b"receipt scan", "image/jpeg")),
    );
    let dispute = disputed(
        &event,
        "The technician confirmed the motor is dead.",
        vec![receipt.clone()],
    );
    let received = Utc::now();
    publish_event(&svc.names, dispute.clone()).await;
    let c = eventually("claim disputed", DEADLINE, || async {
        let c = claim_of(&svc, mid, event.claim_id.as_uuid()).await;
        (c["status"] == "disputed").then_some(c)
    })
    .await;
    assert_eq!(c["dispute"]["statement"], dispute.statement);
    assert_eq!(c["dispute"]["disputed_by"], "desk@retailer");
    assert_eq!(at(&c["dispute"]["disputed_at"]), dispute.disputed_at);
    // It keeps its rejection until decided again, with a new deadline from now.
    assert_eq!(c["decided_amount"]["amount"], "0.00");
    let deadline = at(&c["deadline_at"]);
    assert!(deadline >= received + TimeDelta::days(14) - TimeDelta::seconds(1));
    assert!(deadline <= Utc::now() + TimeDelta::days(14));
    assert_eq!(
        c["evidence"][0]["evidence_id"],
        receipt.evidence_id.to_string()
    );
    assert_eq!(c["evidence"][0]["source"], "dispute");
    assert_eq!(
        event_kinds(&c),
        [
            "received",
            "left_pending",
            "decided",
            "evidence_added",
            "disputed"
        ]
    );
    // Open again: counted with the undecided claims.
    let stats = get(&svc, &format!("/api/manufacturers/{mid}/analytics")).await;
    assert_eq!(stats.body["outcomes"]["pending"], 1, "{}", stats.body);
    assert_eq!(stats.body["outcomes"]["rejected"], 0);
    assert_eq!(stats.body["outcomes"]["accepted"], 1);
    let listed = get(
        &svc,
        &format!("/api/manufacturers/{mid}/claims?status=disputed"),
    )
    .await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(listed.body["items"][0]["id"], event.claim_id.to_string());

    // A second dispute: recorded, nothing else.
    publish_event(&svc.names, disputed(&event, "Again!", vec![])).await;
    let c = wait_events(&svc, mid, event.claim_id.as_uuid(), 6).await;
    assert_eq!(c["events"][5]["kind"], "ignored");
    assert_eq!(c["status"], "disputed");
    assert_eq!(c["dispute"]["statement"], dispute.statement);

    // Decided again: the retailer hears of it again.
    let d = post(&svc, &decision, &json!({"outcome": "accept"})).await;
    assert_eq!(d.status, 200, "{}", d.body);
    assert_eq!(d.body["status"], "accepted");
    assert_eq!(d.body["decided_amount"]["amount"], "424.20");
    let decided = decided_events(&svc.db, event.claim_id.as_uuid()).await;
    assert_eq!(decided.len(), 2);
    assert_eq!(decided[0]["data"]["outcome"], "rejected");
    assert_eq!(decided[1]["data"]["outcome"], "accepted");
    // And not a third time.
    let x = post(
        &svc,
        &decision,
        &json!({"outcome": "reject", "reason_code": "x"}),
    )
    .await;
    assert_problem(&x, 409, "decided after the dispute");
    assert_eq!(x.body["code"], "claim_already_decided");
    // Nothing was dead-lettered.
    assert_eq!(svc.broker.depth(&dlq).await, 0);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disputed_claim_left_undecided_gets_the_default_again() {
    let svc = start().await;
    let mid = create_manufacturer(&svc, "Waschwerk AG").await;
    let retailer = Uuid::now_v7();
    create_agreement(&svc, mid, retailer).await;
    let event = claim(mid, retailer, 60);
    arrive(&svc, mid, std::slice::from_ref(&event)).await;
    let r = post(
        &svc,
        &format!("{}/decision", claim_path(mid, event.claim_id.as_uuid())),
        &json!({"outcome": "reject", "reason_code": "misuse"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    publish_event(&svc.names, disputed(&event, "It was not misuse.", vec![])).await;
    let c = eventually("claim disputed", DEADLINE, || async {
        let c = claim_of(&svc, mid, event.claim_id.as_uuid()).await;
        (c["status"] == "disputed").then_some(c)
    })
    .await;
    let due = at(&c["deadline_at"]);
    assert_eq!(
        fire_deadlines(&svc.db, due - TimeDelta::seconds(1))
            .await
            .unwrap(),
        0
    );
    assert_eq!(fire_deadlines(&svc.db, due).await.unwrap(), 1);
    let c = claim_of(&svc, mid, event.claim_id.as_uuid()).await;
    assert_eq!(c["status"], "accepted");
    assert_eq!(c["decided_by"], "rule:deadline_deemed_accepted");
    assert_eq!(
        decided_events(&svc.db, event.claim_id.as_uuid())
            .await
            .len(),
        2
    );
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_that_can_never_apply_are_dead_lettered_or_answered() {
    let svc = start().await;
    let mid = create_manufacturer(&svc, "Waschwerk AG").await;
    let retailer = Uuid::now_v7();
    create_agreement(&svc, mid, retailer).await;
    let dlq = svc.names.dead_letter_queue(&MANUFACTURER_CLAIMS);
    let known = claim(mid, retailer, 60);
    arrive(&svc, mid, std::slice::from_ref(&known)).await;
    let before = table_counts(&svc.db).await;
    let unknown = claim(mid, retailer, 60);

    // An arrival for a claim never filed: logistics only speaks of claims this service told
    // the retailer about. Evidence naming another retailer than the claim's: malformed.
    publish_event(
        &svc.names,
        arrived(&unknown, Uuid::now_v7(), &unknown.serial),
    )
    .await;
    let e = evidence(
        kummerer_contracts::agreement::EvidenceKind::Receipt,
        None,
        None,
    );
    let mut wrong = evidence_added(&known, e.clone());
    wrong.retailer_id = Uuid::now_v7().into();
    publish_event(&svc.names, wrong).await;
    // Business rejects, answered to the retailer instead (`not_accepted`): a dispute of a claim
    // never filed, evidence for a manufacturer this service does not know.
    publish_event(&svc.names, disputed(&unknown, "Why?", vec![])).await;
    let stranger = claim(Uuid::now_v7(), retailer, 3);
    publish_event(&svc.names, evidence_added(&stranger, e)).await;
    eventually("two messages dead-lettered", DEADLINE, || async {
        (svc.broker.depth(&dlq).await == 2).then_some(())
    })
    .await;
    let answered = "SELECT count(*) FROM outbox \
                    WHERE routing_key = 'manufacturer.claim.not_accepted.v1' \
                    AND payload->'data'->>'reason' = $1";
    for reason in ["unknown_claim", "unknown_manufacturer"] {
        eventually(&format!("answered {reason}"), DEADLINE, || async {
            (count(&svc.db, answered, vec![reason.into()]).await == 1).then_some(())
        })
        .await;
    }
    // Nothing else changed: no claim, event or evidence; two answers and their inbox rows.
    let mut before = before;
    for (table, n) in &mut before {
        if *table == "outbox" || *table == "inbox" {
            *n += 2;
        }
    }
    assert_eq!(table_counts(&svc.db).await, before);
    svc.stop().await;
}
