//! Agreements are versioned: each version is published to the retailer, and a claim is judged
//! by the version in force on its swap date with the rule both sides share.

use super::flow::*;
use crate::support::*;
use kummerer_contracts::AgreementTermsV1;

const PUBLISHED: &str = "manufacturer.agreement.published.v1";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claims_are_judged_by_the_agreement_version_in_force_on_the_swap_date() {
    let svc = start().await;
    let mid = create_manufacturer(&svc, "Waschwerk AG").await;
    let retailer = Uuid::now_v7();
    let a = create_agreement(&svc, mid, retailer).await;
    let id = a["id"].as_str().unwrap().to_owned();
    assert_eq!(a["version"], 1);
    assert_eq!(a["depreciation_percent_per_month"], "0.00");
    assert_eq!(a["unit_disposition"], "on_request");
    assert_eq!(a["evidence_required"], json!([]));
    assert_eq!(a["versions"].as_array().unwrap().len(), 1);
    assert_eq!(a["versions"][0]["valid_from"], a["valid_from"]);
    // Published to the retailer with the agreement, in the same transaction.
    let published = outbox_data(&svc.db, PUBLISHED, "agreement_id", &id).await;
    assert_eq!(published.len(), 1);
    assert_eq!(published[0]["version"], 1);
    assert_eq!(published[0]["manufacturer_name"], "Waschwerk AG");
    assert_eq!(published[0]["retailer_id"], retailer.to_string());

    // A swap while version 1 is in force…
    let swapped_under_v1 = Utc::now();
    // …then version 2: no DOA window, 50 % less 2 points a month.
    let versions = format!("/api/manufacturers/{mid}/agreements/{id}/versions");
    let mut v2 = agreement_body(retailer);
    v2.as_object_mut().unwrap().remove("retailer_id");
    v2["doa_days"] = json!(0);
    v2["reimbursement_percent"] = json!("50");
    v2["depreciation_percent_per_month"] = json!("2");
    v2["unit_disposition"] = json!("must_return");
    // `must_return` sends every unit to the manufacturer's first depot: none yet, 422.
    let e = post(&svc, &versions, &v2).await;
    assert_problem(&e, 422, "must_return without a depot");
    assert_eq!(e.body["code"], "must_return_without_depot");
    let depot = json!({"name": "Retourenlager", "address": {"name": "Waschwerk", "phone": "",
        "street": "Hafenstr. 1", "postcode": "20457", "city": "Hamburg", "country": "DE"}});
    let d = post(&svc, &format!("/api/manufacturers/{mid}/depots"), &depot).await;
    assert_eq!(d.status, 201, "{}", d.body);
    let b = post(&svc, &versions, &v2).await;
    assert_eq!(b.status, 201, "{}", b.body);
    assert_eq!(b.body["version"], 2);
    assert_eq!(b.body["reimbursement_percent"], "50.00");
    assert_eq!(b.body["depreciation_percent_per_month"], "2.00");
    assert_eq!(b.body["unit_disposition"], "must_return");
    assert_eq!(b.body["versions"].as_array().unwrap().len(), 2);
    let v2_from = at(&b.body["valid_from"]);

    // A version may not start before the latest one: 422, nothing written.
    let before = table_counts(&svc.db).await;
    let mut early = v2.clone();
    early["valid_from"] = json!((v2_from - TimeDelta::seconds(1)).to_rfc3339());
    let e = post(&svc, &versions, &early).await;
    assert_problem(&e, 422, "valid_from before the latest");
    assert_eq!(e.body["code"], "valid_from_before_latest_version");
    let mut bad = v2.clone();
    bad["valid_from"] = json!("tomorrow");
    bad["evidence_required"] = json!(["collected_serial", "fingerprint"]);
    let e = post(&svc, &versions, &bad).await;
    assert_problem(&e, 422, "bad version");
    let fields: Vec<&str> = e.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["evidence_required[1]", "valid_from"]);
    assert_eq!(table_counts(&svc.db).await, before);

    // Version 3, in force only next month.
    let mut v3 = v2.clone();
    v3["reimbursement_percent"] = json!("10");
    v3["valid_from"] = json!((Utc::now() + TimeDelta::days(30)).to_rfc3339());
    let c = post(&svc, &versions, &v3).await;
    assert_eq!(c.status, 201, "{}", c.body);
    assert_eq!(c.body["version"], 3);

    // Claim 1 was swapped under version 1 (DOA: accepted by rule), claim 2 now under version 2
    // (no DOA window: a suggestion), although version 3 is the latest.
    let mut first = claim(mid, retailer, 3);
    first.swapped_at = swapped_under_v1;
    first.sold_at = swapped_under_v1 - TimeDelta::days(3);
    let mut second = claim(mid, retailer, 70);
    second.swapped_at = Utc::now();
    second.sold_at = second.swapped_at - TimeDelta::days(70);
    let claims = arrive(&svc, mid, &[first.clone(), second.clone()]).await;
    assert_eq!(claims[0]["status"], "accepted", "{}", claims[0]);
    assert_eq!(claims[0]["agreement_version"], 1);
    assert_eq!(claims[0]["decided_by"], "rule:doa_full_refund");
    assert_eq!(claims[1]["status"], "pending");
    assert_eq!(claims[1]["pending_reason"], "outside_doa");
    assert_eq!(claims[1]["agreement_version"], 2);
    assert_eq!(claims[1]["agreement_id"], id);
    assert_eq!(claims[1]["events"][0]["details"]["agreement_version"], 2);

    // The amounts are the shared rule's, on the published terms of the judging version.
    let published = outbox_data(&svc.db, PUBLISHED, "agreement_id", &id).await;
    assert_eq!(
        published
            .iter()
            .map(|p| p["version"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        [1, 2, 3]
    );
    for (event, c, version) in [(&first, &claims[0], 0), (&second, &claims[1], 1)] {
        let terms: AgreementTermsV1 =
            serde_json::from_value(published[version]["terms"].clone()).unwrap();
        let expected = terms
            .recovery(&event.price_paid, event.sold_at, event.swapped_at)
            .amount()
            .cloned()
            .unwrap();
        assert_eq!(
            c["suggested_amount"],
            json!({"amount": expected.amount.to_string(), "currency": "EUR"})
        );
    }
    // 2 whole months: 50 − 4 = 46 % of 499.00 = 229.54, plus 25.00.
    assert_eq!(claims[1]["suggested_amount"]["amount"], "254.54");

    // The history: every version, oldest first.
    let g = get(&svc, &format!("/api/manufacturers/{mid}/agreements/{id}")).await;
    assert_eq!(g.status, 200);
    // Read after the retailer accepted version 3 (as before issue 18).
    assert_eq!(without_acceptance(&g.body), without_acceptance(&c.body));
    let vs = g.body["versions"].as_array().unwrap();
    assert_eq!(vs.len(), 3);
    assert_eq!(vs[1]["terms"]["reimbursement_percent"], "50.00");
    assert_eq!(vs[1]["terms"]["unit_disposition"], "must_return");
    assert_eq!(vs[0]["terms"]["doa_days"], 14);
    // The list shows the latest terms without the history.
    let l = get(&svc, &format!("/api/manufacturers/{mid}/agreements")).await;
    assert_eq!(l.body["items"][0]["version"], 3);
    assert!(l.body["items"][0].get("versions").is_none());

    // Another manufacturer's key: 404, like an unknown agreement.
    let other = create_manufacturer(&svc, "Kühlhaus GmbH").await;
    let before = table_counts(&svc.db).await;
    let theirs = post(
        &svc,
        &format!("/api/manufacturers/{other}/agreements/{id}/versions"),
        &v2,
    )
    .await;
    assert_problem(&theirs, 404, "another manufacturer's agreement");
    let unknown = post(
        &svc,
        &format!(
            "/api/manufacturers/{other}/agreements/{}/versions",
            Uuid::now_v7()
        ),
        &v2,
    )
    .await;
    assert_eq!(theirs.body, unknown.body);
    assert_eq!(table_counts(&svc.db).await, before);
    svc.stop().await;
}
