//! Swap rules in the agreement (issue 12): validated at the API, carried in the published
//! version, and deciding claims — accepted by rule with the agreed amount and its cost lines,
//! rejected by rule with its reason (and still disputable), above a cap waiting for a person.

use super::flow::*;
use crate::support::*;

/// DOA 14 days: 100 % + 15 fee; first year: 100 % + 15 fee; second year: 50 % plus 20
/// freight, capped at 200; water damage excluded throughout.
fn ruled_body(retailer_id: Uuid) -> Value {
    let mut body = agreement_body(retailer_id);
    body["swap_rules"] = json!([
        {"code": "water", "until_month": 120, "defect_categories": ["water_damage"],
         "reject_reason": "water_damage"},
        {"code": "doa", "until_month": 1, "within_days": 14, "percent": "100",
         "handling_fee": {"amount": "15", "currency": "EUR"}},
        {"code": "year_1", "until_month": 12, "percent": 100,
         "handling_fee": {"amount": "15", "currency": "EUR"}},
        {"code": "year_2", "from_month": 12, "until_month": 24, "percent": "50",
         "freight": {"amount": "20", "currency": "EUR"},
         "cap": {"amount": "200", "currency": "EUR"}}
    ]);
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_swap_rules_are_refused_field_by_field() {
    let svc = start().await;
    let mid = create_manufacturer(&svc, "Waschwerk AG").await;
    let retailer = Uuid::now_v7();
    let path = format!("/api/manufacturers/{mid}/agreements");
    let before = table_counts(&svc.db).await;
    let mut body = ruled_body(retailer);
    body["swap_rules"][1]["handling_fee"]["currency"] = json!("USD");
    body["swap_rules"][2]["percent"] = json!("-5");
    body["swap_rules"][3]["until_month"] = json!(6);
    body["swap_rules"][3]["cap"]["amount"] = json!("0");
    body["swap_rules"][0]["code"] = json!("doa");
    let bad = post(&svc, &path, &body).await;
    assert_problem(&bad, 422, "bad swap rules");
    assert_eq!(bad.body["code"], "validation_failed");
    let fields: Vec<&str> = bad.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "swap_rules[1].handling_fee.currency",
            "swap_rules[1].code",
            "swap_rules[2].percent",
            "swap_rules[3].until_month",
            "swap_rules[3].cap.amount",
        ]
    );
    assert_eq!(table_counts(&svc.db).await, before);

    // The good rules: stored, shown and published in the version's terms.
    let a = post(&svc, &path, &ruled_body(retailer)).await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(a.body["swap_rules"].as_array().unwrap().len(), 4);
    assert_eq!(a.body["swap_rules"][2]["code"], "year_1");
    assert_eq!(a.body["swap_rules"][2]["percent"], "100.00");
    let published = "SELECT count(*) FROM outbox \
                     WHERE routing_key = 'manufacturer.agreement.published.v1' \
                     AND payload->'data'->'terms'->'swap_rules'->3->>'code' = 'year_2'";
    assert_eq!(count(&svc.db, published, vec![]).await, 1);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claims_are_accepted_rejected_or_held_by_the_swap_rules() {
    let svc = start().await;
    let mid = create_manufacturer(&svc, "Waschwerk AG").await;
    let retailer = Uuid::now_v7();
    let a = post(
        &svc,
        &format!("/api/manufacturers/{mid}/agreements"),
        &ruled_body(retailer),
    )
    .await;
    assert_eq!(a.status, 201, "{}", a.body);

    // Within the first year: accepted by rule `year_1`, 499.00 + 15.00, line by line.
    let within = claim(mid, retailer, 100);
    let mut water = claim(mid, retailer, 100);
    water.defect_category = "water_damage".into();
    let above_cap = claim(mid, retailer, 400);
    let shown = arrive(
        &svc,
        mid,
        &[within.clone(), water.clone(), above_cap.clone()],
    )
    .await;

    let c = &shown[0];
    assert_eq!(c["status"], "accepted");
    assert_eq!(c["decided_by"], "rule:year_1");
    assert_eq!(c["agreement_version"], 1);
    assert_eq!(
        c["decided_amount"],
        json!({"amount": "514.00", "currency": "EUR"})
    );
    assert_eq!(
        c["cost_lines"],
        json!([
            {"kind": "unit", "amount": {"amount": "499.00", "currency": "EUR"}},
            {"kind": "handling_fee", "amount": {"amount": "15.00", "currency": "EUR"}}
        ])
    );
    let decided = decided_events(&svc.db, within.claim_id.as_uuid()).await;
    assert_eq!(decided.len(), 1);
    let data = &decided[0]["data"];
    assert_eq!(
        data["decided_by"],
        json!({"kind": "rule", "rule": "year_1"})
    );
    assert_eq!(data["agreement_version"], 1);
    assert_eq!(data["cost_lines"][1]["kind"], "handling_fee");

    // Water damage: rejected by rule `water` with its reason, announced, then disputed.
    let c = &shown[1];
    assert_eq!(c["status"], "rejected");
    assert_eq!(c["decided_by"], "rule:water");
    assert_eq!(c["reason_code"], "water_damage");
    assert_eq!(event_kinds(c), ["received", "auto_rejected"]);
    let decided = decided_events(&svc.db, water.claim_id.as_uuid()).await;
    assert_eq!(decided[0]["data"]["outcome"], "rejected");
    assert_eq!(decided[0]["data"]["reason_code"], "water_damage");
    assert_eq!(decided[0]["data"]["agreement_version"], 1);
    publish_event(
        &svc.names,
        disputed(&water, "The unit was never near water", vec![]),
    )
    .await;
    eventually("the rejection disputed", DEADLINE, || async {
        let c = claim_of(&svc, mid, water.claim_id.as_uuid()).await;
        (c["status"] == "disputed").then_some(())
    })
    .await;

    // Second year: 50 % of 499.00 + 20.00 freight = 269.50, above the rule's cap of 200:
    // waits for a person, flagged, with a deadline and the rule's amount as the suggestion.
    let c = &shown[2];
    assert_eq!(c["status"], "pending");
    assert_eq!(c["pending_reason"], "flagged");
    assert_eq!(c["flags"], json!(["amount_above_cap"]));
    assert_eq!(
        c["suggested_amount"],
        json!({"amount": "269.50", "currency": "EUR"})
    );
    assert!(c["deadline_at"].is_string());
    assert!(
        decided_events(&svc.db, above_cap.claim_id.as_uuid())
            .await
            .is_empty()
    );
    svc.stop().await;
}
