//! End-to-end: business rejects answered back. A claim the manufacturer cannot take (a
//! manufacturer it does not know, no agreement in force on the swap date) comes back to the
//! retailer as `manufacturer.claim.not_accepted.v1` instead of a dead letter; the case shows it
//! and the ball is the retailer's; the retailer corrects and resubmits the claim, which the
//! manufacturer then judges afresh. Redelivered answers change nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use chrono::{Days, Utc};
use common::{
    DEADLINE, OPERATOR_TOKEN, Seed, Svc, System, consumed, count, counts_by, entry, expect,
    retailer_key, strings,
};
use kummerer_contracts::topology::Service;
use kummerer_testkit::eventually;
use kummerer_testkit::service::publish_raw;
use serde_json::{Value, json};
use uuid::Uuid;

/// A product of the seed's retailer made by `manufacturer_id`, and a swap of one sold 3 days
/// ago (dead on arrival under any agreement the test makes).
async fn swap_of_product(
    system: &System,
    seed: &Seed,
    sku: &str,
    manufacturer_id: Uuid,
    n: usize,
) -> common::Swap {
    system
        .post(
            Svc::Retailer,
            &format!("/api/retailers/{}/products", seed.retailer_id),
            json!({"sku": sku, "name": format!("Dryer {sku}"), "manufacturer_id": manufacturer_id,
                   "price": {"amount": "499.00", "currency": "EUR"}}),
        )
        .await;
    // Linked as a deployment from before issue 18 had them (a product implies a link), so the
    // claim leaves the counter and the manufacturer answers it.
    system
        .link_as_before(seed.retailer_id, manufacturer_id)
        .await;
    let of_product = Seed {
        retailer_id: seed.retailer_id,
        manufacturer_id,
        manufacturer_key: seed.manufacturer_key.clone(),
        sku: sku.to_owned(),
    };
    system.swap(&of_product, n).await
}

/// The case once its claim shows `status`.
async fn case_when_claim(system: &System, seed: &Seed, case_id: Uuid, status: &str) -> Value {
    let path = format!("/api/retailers/{}/cases/{case_id}", seed.retailer_id);
    let key = retailer_key(seed.retailer_id);
    eventually(
        &format!("case {case_id}'s claim to be {status}"),
        DEADLINE,
        || async {
            let (ok, case) = system.fetch(Svc::Retailer, &path, key.as_deref()).await;
            (ok.is_success() && case["claim"]["status"] == status).then_some(case)
        },
    )
    .await
}

async fn resubmit(system: &System, seed: &Seed, claim_id: Uuid, body: Value) -> (u16, Value) {
    let path = format!(
        "/api/retailers/{}/claims/{claim_id}/resubmit",
        seed.retailer_id
    );
    let key = retailer_key(seed.retailer_id);
    let (status, body) = system
        .try_post(Svc::Retailer, &path, body, key.as_deref())
        .await;
    (status.as_u16(), body)
}

async fn manufacturer_knows(system: &System, claim_id: Uuid) -> i64 {
    let db = system.db(Svc::Manufacturer).await;
    count(
        &db,
        &format!("SELECT count(*) FROM claims WHERE id = '{claim_id}'"),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_the_manufacturer_cannot_take_comes_back_and_is_resubmitted_after_the_correction() {
    let system = System::start().await;
    let seed = system.seed().await;

    // 1. The product names a manufacturer nobody knows.
    let stranger = Uuid::now_v7();
    let wrong = swap_of_product(&system, &seed, "DR-1", stranger, 1).await;
    let case = case_when_claim(&system, &seed, wrong.case_id, "not_accepted").await;
    let claim = &case["claim"];
    assert_eq!(
        claim["not_accepted"]["reason"], "unknown_manufacturer",
        "{case}"
    );
    assert_eq!(
        claim["not_accepted"]["reason_text"],
        "the manufacturer does not know this product"
    );
    assert_eq!(claim["submissions"], 1);
    let answer = entry(&case, "claim_not_accepted");
    assert_eq!(answer["source"], "manufacturer");
    assert_eq!(answer["details"]["reason"], "unknown_manufacturer");
    assert_eq!(answer["details"]["answers"], "retailer.claim.submitted.v1");
    // The ball: the claim is the retailer's now (the crew still holds the visit).
    let holders = case["ball"]["holders"].as_array().unwrap();
    assert!(
        holders
            .iter()
            .any(|h| h["party"] == "retailer" && h["holds"] == "claim"),
        "{case}"
    );
    assert_eq!(manufacturer_knows(&system, wrong.claim_id).await, 0);

    // 2. Another manufacturer, known, but without an agreement with this retailer.
    let other = system
        .post_as(
            Svc::Manufacturer,
            "/api/manufacturers",
            json!({"name": "Trockenbau GmbH"}),
            Some(OPERATOR_TOKEN),
        )
        .await;
    let other_id: Uuid = serde_json::from_value(other["id"].clone()).unwrap();
    let other_key = other["api_key"].as_str().unwrap().to_owned();
    let unagreed = swap_of_product(&system, &seed, "DR-2", other_id, 2).await;
    let case = case_when_claim(&system, &seed, unagreed.case_id, "not_accepted").await;
    assert_eq!(
        case["claim"]["not_accepted"]["reason"], "no_agreement",
        "{case}"
    );
    assert_eq!(manufacturer_knows(&system, unagreed.claim_id).await, 0);

    // A claim that was not returned cannot be resubmitted; a malformed body changes nothing.
    let fine = system.swap(&seed, 3).await;
    let (status, body) = resubmit(&system, &seed, fine.claim_id, json!({})).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["code"], "claim_not_returned");
    let (status, _) = resubmit(
        &system,
        &seed,
        wrong.claim_id,
        json!({"manufacturer_id": 7}),
    )
    .await;
    assert_eq!(status, 422);

    // 3. The corrections: the product's manufacturer is set right at resubmission; the other
    // manufacturer makes an agreement in force since last month. Both are resubmitted.
    let (status, body) = resubmit(
        &system,
        &seed,
        wrong.claim_id,
        json!({"manufacturer_id": seed.manufacturer_id}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "submitted");
    assert_eq!(body["submission"], 2);
    system
        .post_as(
            Svc::Manufacturer,
            &format!("/api/manufacturers/{other_id}/agreements"),
            json!({
                "retailer_id": seed.retailer_id, "currency": "EUR", "coverage_months": 24,
                "doa_days": 14, "reimbursement_percent": "80",
                "handling_fee": {"amount": "25.00", "currency": "EUR"},
                "decision_deadline_days": 14,
                "valid_from": (Utc::now() - Days::new(30)).to_rfc3339()
            }),
            Some(&other_key),
        )
        .await;
    // The retailer holds it and accepted it (as the migration counts versions from before).
    let retailer = system.db(Svc::Retailer).await;
    eventually("the retailer to hold both agreements", DEADLINE, || async {
        (count(&retailer, "SELECT count(*) FROM agreements").await == 2).then_some(())
    })
    .await;
    system.accept_as_before().await;
    let (status, body) = resubmit(&system, &seed, unagreed.claim_id, json!({})).await;
    assert_eq!(status, 200, "{body}");

    // Both are accepted by the DOA rule now, by the right manufacturer.
    for (swap, manufacturer) in [(&wrong, seed.manufacturer_id), (&unagreed, other_id)] {
        let case = case_when_claim(&system, &seed, swap.case_id, "accepted").await;
        assert_eq!(case["claim"]["manufacturer_id"], manufacturer.to_string());
        assert_eq!(case["claim"]["submissions"], 2);
        assert!(case["claim"].get("not_accepted").is_none(), "{case}");
        assert_eq!(entry(&case, "claim_resubmitted")["source"], "retailer");
        assert_eq!(
            case["ball"]["holders"].as_array().unwrap().len(),
            1,
            "{case}"
        );
    }
    let retailer = system.db(Svc::Retailer).await;
    let product_maker = strings(
        &retailer,
        "SELECT manufacturer_id::text FROM products WHERE sku = 'DR-1'",
    )
    .await;
    assert_eq!(product_maker, [seed.manufacturer_id.to_string()]);
    let manufacturer = system.db(Svc::Manufacturer).await;
    let rows =
        |id: Uuid| format!("SELECT count(*) FROM claims WHERE id = '{id}' AND status = 'accepted'");
    assert_eq!(count(&manufacturer, &rows(wrong.claim_id)).await, 1);
    assert_eq!(count(&manufacturer, &rows(unagreed.claim_id)).await, 1);

    // Every answer delivered again changes nothing.
    let answers = "SELECT payload::text FROM outbox \
                   WHERE routing_key = 'manufacturer.claim.not_accepted.v1' ORDER BY id";
    let payloads = strings(&manufacturer, answers).await;
    assert_eq!(payloads.len(), 2);
    for p in &payloads {
        publish_raw(
            &system.names,
            Service::Manufacturer,
            "manufacturer.claim.not_accepted.v1",
            p.as_bytes(),
        )
        .await;
    }
    eventually("both copies seen as duplicates", DEADLINE, || async {
        (consumed(&system, Svc::Retailer, "duplicate").await == 2).then_some(())
    })
    .await;
    let kinds = counts_by(
        &retailer,
        "SELECT kind, count(*) FROM timeline WHERE kind LIKE 'claim_%' GROUP BY 1",
    )
    .await;
    assert_eq!(
        kinds,
        expect(&[
            ("claim_decided", 3),
            ("claim_not_accepted", 2),
            ("claim_resubmitted", 2),
            ("claim_submitted", 3),
        ])
    );
    system.assert_no_dead_letters().await;
    system.stop().await;
}
