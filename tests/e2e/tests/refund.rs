//! End-to-end: no one can buy a refund (issue 10). A 499 EUR product sold "for 99,999.99 EUR"
//! is refused at the retailer, so nothing reaches any service; a sale at the list price, a
//! dead-on-arrival case and a swap give a claim the manufacturer accepts by rule for no more
//! than the list price; and once the agreement caps a claim below that, the next claim waits for
//! a person, flagged `amount_above_cap`. Every service's database is asserted.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{DEADLINE, Svc, System, assert_counts, count};
use kummerer_testkit::eventually;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refund_cannot_be_bought() {
    let system = System::start().await;
    // No handling fee: what a rule accepts for a DOA unit is exactly the price it checks.
    let seed = system
        .seed_with(json!({"handling_fee": {"amount": "0.00", "currency": "EUR"}}))
        .await;
    let (rid, mid) = (seed.retailer_id, seed.manufacturer_id);
    let key = Some(seed.manufacturer_key.as_str());
    let retailer = system.db(Svc::Retailer).await;
    let manufacturer = system.db(Svc::Manufacturer).await;
    let logistics = system.db(Svc::Logistics).await;

    // 1. The bought refund: 99,999.99 EUR for a 499.00 EUR product is refused, nothing stored.
    let customer = json!({"name": "Erika Mustermann", "phone": "+49 30 1234567",
                          "street": "Hauptstr. 1", "postcode": "10115", "city": "Berlin",
                          "country": "DE"});
    let sold_at = (chrono::Utc::now() - chrono::Duration::days(3)).to_rfc3339();
    let (status, problem) = system
        .try_post(
            Svc::Retailer,
            &format!("/api/retailers/{rid}/sales"),
            json!({"receipt_no": "R-BOUGHT", "sku": seed.sku, "serial": "SN-BOUGHT",
                   "price_paid": {"amount": "99999.99", "currency": "EUR"},
                   "sold_at": sold_at, "customer": customer}),
            None,
        )
        .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["code"], "price_above_list", "{problem}");
    let detail = problem["detail"].as_str().unwrap_or_default();
    assert!(detail.contains("499.00 EUR"), "{problem}");
    // Another currency than the list price's is refused too.
    let (status, problem) = system
        .try_post(
            Svc::Retailer,
            &format!("/api/retailers/{rid}/sales"),
            json!({"receipt_no": "R-CHF", "sku": seed.sku, "serial": "SN-CHF",
                   "price_paid": {"amount": "100.00", "currency": "CHF"},
                   "sold_at": sold_at, "customer": customer}),
            None,
        )
        .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["code"], "price_currency_not_list", "{problem}");
    assert_counts(
        &retailer,
        "retailer",
        &[
            ("SELECT count(*) FROM sales", 0),
            ("SELECT count(*) FROM cases", 0),
            ("SELECT count(*) FROM swaps", 0),
            ("SELECT count(*) FROM claims", 0),
            (
                "SELECT count(*) FROM outbox WHERE routing_key LIKE 'retailer.%' \
                 AND routing_key NOT LIKE '%.tenant.profile.v1'",
                0,
            ),
        ],
    )
    .await;
    assert_counts(
        &manufacturer,
        "manufacturer",
        &[("SELECT count(*) FROM claims", 0)],
    )
    .await;
    assert_counts(&logistics, "logistics", &[("SELECT count(*) FROM jobs", 0)]).await;

    // 2. At the list price, dead on arrival: accepted by rule for the list price, no more.
    let first = system.swap(&seed, 1).await;
    let c = system
        .claim_when(&seed, first.claim_id, "accepted by rule", |c| {
            c["status"] == "accepted"
        })
        .await;
    assert_eq!(c["decided_amount"]["amount"], "499.00", "{c}");
    assert_eq!(
        c["list_price"],
        json!({"amount": "499.00", "currency": "EUR"})
    );
    assert_eq!(c["flags"], json!([]), "{c}");
    assert_eq!(c["decided_by"], "rule:doa_full_refund", "{c}");

    // 3. Version 2 caps a claim at 400.00 EUR: the next DOA claim (499.00) waits for a person.
    let agreement_id = system.agreement_id(&seed).await;
    let version = system
        .post_as(
            Svc::Manufacturer,
            &format!("/api/manufacturers/{mid}/agreements/{agreement_id}/versions"),
            json!({"currency": "EUR", "coverage_months": 24, "doa_days": 14,
                   "reimbursement_percent": "80",
                   "handling_fee": {"amount": "0.00", "currency": "EUR"},
                   "decision_deadline_days": 14,
                   "claim_cap": {"amount": "400.00", "currency": "EUR"}}),
            key,
        )
        .await;
    assert_eq!(version["claim_cap"]["amount"], "400.00", "{version}");
    system.hold_and_accept(2).await;
    let second = system.swap(&seed, 2).await;
    let c = system
        .claim_when(&seed, second.claim_id, "judged", |c| {
            c["status"] == "pending"
        })
        .await;
    assert_eq!(c["agreement_version"], 2, "{c}");
    assert_eq!(c["pending_reason"], "flagged", "{c}");
    assert_eq!(c["flags"], json!(["amount_above_cap"]), "{c}");
    assert_eq!(c["suggested_amount"]["amount"], "499.00", "{c}");
    assert!(c["decided_amount"].is_null(), "{c}");
    // The manufacturer finds it by its flag.
    let flagged = system
        .get_as(
            Svc::Manufacturer,
            &format!("/api/manufacturers/{mid}/claims?flag=amount_above_cap"),
            key,
        )
        .await;
    let ids: Vec<&str> = flagged["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert_eq!(ids, [second.claim_id.to_string()], "{flagged}");

    // Every database: two sales, two swaps, two jobs; one claim accepted for 499.00, one open.
    let (first_id, second_id) = (first.claim_id.to_string(), second.claim_id.to_string());
    eventually("the retailer to hear of the decision", DEADLINE, || async {
        let sql =
            format!("SELECT count(*) FROM claims WHERE id = '{first_id}' AND status = 'accepted'");
        (count(&retailer, &sql).await == 1).then_some(())
    })
    .await;
    assert_counts(
        &retailer,
        "retailer",
        &[
            ("SELECT count(*) FROM sales", 2),
            ("SELECT count(*) FROM sales WHERE price_paid = 499.00", 2),
            ("SELECT count(*) FROM swaps", 2),
            (
                &format!(
                    "SELECT count(*) FROM claims WHERE id = '{first_id}' \
                     AND status = 'accepted' AND decided_amount = 499.00"
                ),
                1,
            ),
            (
                &format!(
                    "SELECT count(*) FROM claims WHERE id = '{second_id}' AND status = 'submitted'"
                ),
                1,
            ),
        ],
    )
    .await;
    assert_counts(
        &manufacturer,
        "manufacturer",
        &[
            ("SELECT count(*) FROM claims", 2),
            (
                "SELECT count(*) FROM claims WHERE list_price = 499.00 \
                 AND list_price_currency = 'EUR'",
                2,
            ),
            (
                &format!(
                    "SELECT count(*) FROM claims WHERE id = '{first_id}' \
                     AND status = 'accepted' AND decided_amount = 499.00 AND flags = '[]'"
                ),
                1,
            ),
            (
                &format!(
                    "SELECT count(*) FROM claims WHERE id = '{second_id}' AND status = 'pending' \
                     AND decided_amount IS NULL AND flags = '[\"amount_above_cap\"]'"
                ),
                1,
            ),
            (
                "SELECT count(*) FROM claims WHERE decided_amount > 499.00",
                0,
            ),
        ],
    )
    .await;
    eventually("logistics to hold both jobs", DEADLINE, || async {
        (count(&logistics, "SELECT count(*) FROM jobs").await == 2).then_some(())
    })
    .await;
    system.assert_no_dead_letters().await;
    system.stop().await;
}
