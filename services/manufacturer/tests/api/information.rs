//! The outcome "information requested": the claim goes back to the retailer with a question;
//! the answer brings it back with a fresh deadline; no answer by the deadline rejects it with
//! reason `no_information`, once; an answer after that is kept in the history and changes
//! nothing.

use super::flow::*;
use crate::support::*;
use kummerer_contracts::ClaimInformationProvidedV1;
use manufacturer::information::fire_unanswered;

fn answer(c: &ClaimSubmittedV1, text: &str) -> ClaimInformationProvidedV1 {
    ClaimInformationProvidedV1 {
        claim_id: c.claim_id,
        swap_id: c.swap_id,
        case_id: c.case_id,
        retailer_id: c.retailer_id,
        manufacturer_id: c.manufacturer_id,
        answer: text.to_owned(),
        answered_by: "desk@retailer".to_owned(),
        answered_at: Utc::now().trunc_subsecs(6),
    }
}

async fn ask(
    svc: &TestService,
    mid: Uuid,
    c: &ClaimSubmittedV1,
    answer_by: DateTime<Utc>,
) -> Value {
    let r = post(
        svc,
        &format!("{}/decision", claim_path(mid, c.claim_id.as_uuid())),
        &json!({"outcome": "request_information", "question": "Which programme ran?",
                "answer_by": answer_by.to_rfc3339()}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_question_is_answered_or_the_claim_is_rejected_for_no_information() {
    let svc = start().await;
    let mid = create_manufacturer(&svc, "Waschwerk AG").await;
    let retailer = Uuid::now_v7();
    create_agreement(&svc, mid, retailer).await;
    let answered = claim(mid, retailer, 60);
    let silent = claim(mid, retailer, 60);
    let doa = claim(mid, retailer, 3);
    arrive(&svc, mid, &[answered.clone(), silent.clone(), doa.clone()]).await;

    // Only a claim the manufacturer could decide is sent back; bad input is 422.
    let doa_decision = format!("{}/decision", claim_path(mid, doa.claim_id.as_uuid()));
    let r = post(
        &svc,
        &doa_decision,
        &json!({"outcome": "request_information", "question": "?"}),
    )
    .await;
    assert_problem(&r, 409, "accepted by rule");
    assert_eq!(r.body["code"], "claim_not_decidable");
    let decision = format!("{}/decision", claim_path(mid, silent.claim_id.as_uuid()));
    let before = table_counts(&svc.db).await;
    let r = post(
        &svc,
        &decision,
        &json!({"outcome": "request_information", "question": "a\u{0}b", "answer_by": "soon"}),
    )
    .await;
    assert_problem(&r, 422, "bad question");
    assert_eq!(table_counts(&svc.db).await, before);

    let answer_by = Utc::now() + TimeDelta::days(2);
    let c = ask(&svc, mid, &silent, answer_by).await;
    assert_eq!(c["status"], "information_requested");
    assert_eq!(at(&c["deadline_at"]), answer_by.trunc_subsecs(6));
    let asked = outbox_data(
        &svc.db,
        "manufacturer.claim.information_requested.v1",
        "claim_id",
        &silent.claim_id.to_string(),
    )
    .await;
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0]["question"], "Which programme ran?");
    // The decision deadline's sweep leaves it alone; before the answer deadline so does this.
    let later = answer_by + TimeDelta::days(30);
    assert_eq!(fire_deadlines(&svc.db, answer_by).await.unwrap(), 0);
    assert_eq!(fire_unanswered(&svc.db, Utc::now()).await.unwrap(), 0);
    let r = post(&svc, &decision, &json!({"outcome": "accept"})).await;
    assert_problem(&r, 409, "awaiting the answer");
    assert_eq!(r.body["code"], "claim_awaiting_information");

    // The answered one: back to pending with a fresh deadline, told to the webhooks' outbox.
    ask(&svc, mid, &answered, answer_by).await;
    publish_event(&svc.names, answer(&answered, "Eco 40-60")).await;
    let c = eventually("the answer applied", DEADLINE, || async {
        let c = claim_of(&svc, mid, answered.claim_id.as_uuid()).await;
        (c["status"] == "pending").then_some(c)
    })
    .await;
    assert!(
        at(&c["deadline_at"]) > Utc::now() + TimeDelta::days(13),
        "{c}"
    );
    let kinds = event_kinds(&c);
    assert_eq!(kinds[kinds.len() - 1], "information_provided", "{c}");
    assert_eq!(
        c["events"][kinds.len() - 1]["details"]["answer"],
        "Eco 40-60"
    );

    // Two sweeps at once past the answer deadline: the silent claim is rejected once.
    let (x, y) = {
        let (a, b) = (svc.db.clone(), svc.db.clone());
        let x = tokio::spawn(async move { fire_unanswered(&a, later).await });
        let y = tokio::spawn(async move { fire_unanswered(&b, later).await });
        (x.await.unwrap().unwrap(), y.await.unwrap().unwrap())
    };
    assert_eq!(x + y, 1, "{x} + {y}");
    let c = claim_of(&svc, mid, silent.claim_id.as_uuid()).await;
    assert_eq!(c["status"], "rejected", "{c}");
    assert_eq!(c["reason_code"], "no_information");
    assert_eq!(c["decided_by"], "rule:information_not_provided");
    let events = decided_events(&svc.db, silent.claim_id.as_uuid()).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["data"]["outcome"], "rejected");
    assert_eq!(events[0]["data"]["reason_code"], "no_information");
    // The answered claim was not touched by that sweep.
    let a = claim_of(&svc, mid, answered.claim_id.as_uuid()).await;
    assert_eq!(a["status"], "pending");

    // A late answer is kept in the history and changes nothing.
    publish_event(&svc.names, answer(&silent, "Too late")).await;
    let c = eventually("the late answer recorded", DEADLINE, || async {
        let c = claim_of(&svc, mid, silent.claim_id.as_uuid()).await;
        // (The sweep decided it "later", so the ignored answer is not the last event.)
        event_kinds(&c).contains(&"ignored".to_owned()).then_some(c)
    })
    .await;
    assert_eq!(c["status"], "rejected");
    let dlq = svc.names.dead_letter_queue(&MANUFACTURER_CLAIMS);
    assert_eq!(svc.broker.depth(&dlq).await, 0);
}
