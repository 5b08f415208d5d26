//! End-to-end: a swap whose unit the manufacturer asked back at once (`must_return`) and that
//! the retailer cancels before the crew sets off. The job is cancelled, the claim withdrawn at
//! the manufacturer, which withdraws its return (`manufacturer.claim.return_withdrawn.v1`,
//! reason `claim_withdrawn`): logistics drops the return item (in no shipment), the retailer's
//! timeline says so — and the withdrawal delivered again changes nothing. Every service's
//! database is asserted.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{DEADLINE, Seed, Svc, System, consumed, count, entry, retailer_key, strings};
use kummerer_contracts::topology::Service;
use kummerer_testkit::eventually;
use kummerer_testkit::service::publish_raw;
use serde_json::{Value, json};
use uuid::Uuid;

const WITHDRAWN: &str = "manufacturer.claim.return_withdrawn.v1";

/// A depot of the seed's manufacturer, then an agreement version saying `must_return`.
async fn must_return(system: &System, seed: &Seed) {
    let mid = seed.manufacturer_id;
    let key = Some(seed.manufacturer_key.as_str());
    system.depot(seed).await;
    let agreement = system.agreement_id(seed).await;
    let version = system
        .post_as(
            Svc::Manufacturer,
            &format!("/api/manufacturers/{mid}/agreements/{agreement}/versions"),
            json!({"currency": "EUR", "coverage_months": 24, "doa_days": 14,
                   "reimbursement_percent": "80",
                   "handling_fee": {"amount": "25.00", "currency": "EUR"},
                   "decision_deadline_days": 14, "unit_disposition": "must_return"}),
            key,
        )
        .await;
    assert_eq!(version["unit_disposition"], "must_return", "{version}");
    system.hold_and_accept(2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_swap_whose_unit_was_asked_back_withdraws_the_return_in_every_service() {
    let system = System::start().await;
    let seed = system.seed().await;
    let carrier = system.carrier("Kurier Nord", "10").await;
    must_return(&system, &seed).await;
    let retailer = system.db(Svc::Retailer).await;
    let manufacturer = system.db(Svc::Manufacturer).await;
    let logistics = system.db(Svc::Logistics).await;

    // A dead-on-arrival swap: accepted by rule, its unit asked back as the claim arrives.
    let (case_id, _) = system.open_case(&seed, 1).await;
    let (status, approved) = system.approve(&seed, case_id, None).await.unwrap();
    assert_eq!(status, 201, "{approved}");
    let id = |k: &str| serde_json::from_value::<Uuid>(approved[k].clone()).unwrap();
    let (swap_id, claim_id) = (id("swap_id"), id("claim_id"));
    system
        .claim_when(&seed, claim_id, "asked back", |c| {
            c["return_request"].is_object()
        })
        .await;
    system
        .wait_timeline(&seed, case_id, &["job_scheduled", "return_requested"])
        .await;
    let job = system.job_of(&seed, swap_id).await;
    assert_eq!(job["crew_id"], carrier.crew_id.to_string(), "{job}");
    let item = format!("SELECT count(*) FROM return_items WHERE claim_id = '{claim_id}'");
    eventually("the return item before the visit", DEADLINE, || async {
        (count(&logistics, &item).await == 1).then_some(())
    })
    .await;

    // The retailer cancels before the crew sets off.
    let res = system
        .client
        .post(system.url(
            Svc::Retailer,
            &format!(
                "/api/retailers/{}/cases/{case_id}/swap/cancel",
                seed.retailer_id
            ),
        ))
        .bearer_auth(retailer_key(seed.retailer_id).unwrap())
        .json(&json!({"reason": "approved by mistake"}))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    assert_eq!(status, 202, "{body}");
    let case = system
        .wait_timeline(&seed, case_id, &["swap_cancelled", "return_withdrawn"])
        .await;
    assert_eq!(
        entry(&case, "return_withdrawn")["details"]["reason"],
        "claim_withdrawn",
        "{case}"
    );
    let withdrawn_item = format!(
        "SELECT count(*) FROM return_items WHERE claim_id = '{claim_id}' \
         AND withdrawn_at IS NOT NULL AND shipment_id IS NULL \
         AND withdrawal_reason = 'claim_withdrawn'"
    );
    eventually("the return item withdrawn", DEADLINE, || async {
        (count(&logistics, &withdrawn_item).await == 1).then_some(())
    })
    .await;

    // The withdrawal delivered again (the same message id): nothing happens twice.
    let payloads = strings(
        &manufacturer,
        &format!("SELECT payload::text FROM outbox WHERE routing_key = '{WITHDRAWN}'"),
    )
    .await;
    assert_eq!(payloads.len(), 1, "{payloads:?}");
    let sent: Value = serde_json::from_str(&payloads[0]).unwrap();
    assert_eq!(sent["data"]["reason"], "claim_withdrawn", "{sent}");
    assert_eq!(sent["data"]["claim_id"], claim_id.to_string(), "{sent}");
    let before = (
        consumed(&system, Svc::Logistics, "duplicate").await,
        consumed(&system, Svc::Retailer, "duplicate").await,
    );
    publish_raw(
        &system.names,
        Service::Manufacturer,
        WITHDRAWN,
        payloads[0].as_bytes(),
    )
    .await;
    eventually(
        "the withdrawal dropped as a duplicate",
        DEADLINE,
        || async {
            (consumed(&system, Svc::Logistics, "duplicate").await > before.0
                && consumed(&system, Svc::Retailer, "duplicate").await > before.1)
                .then_some(())
        },
    )
    .await;

    // Logistics: the job cancelled, the item withdrawn once and in no shipment.
    for (sql, n) in [
        (
            format!(
                "SELECT count(*) FROM jobs WHERE swap_id = '{swap_id}' \
                 AND status = 'cancelled' AND cancelled_at IS NOT NULL"
            ),
            1,
        ),
        (withdrawn_item.clone(), 1),
        (item.clone(), 1),
        (
            format!("SELECT count(*) FROM inbox WHERE message_type = '{WITHDRAWN}'"),
            1,
        ),
    ] {
        assert_eq!(count(&logistics, &sql).await, n, "logistics: {sql}");
    }
    // The manufacturer: the claim withdrawn once, its return withdrawn once.
    for (sql, n) in [
        (
            format!("SELECT count(*) FROM claim_withdrawals WHERE claim_id = '{claim_id}'"),
            1,
        ),
        (
            format!("SELECT count(*) FROM outbox WHERE routing_key = '{WITHDRAWN}'"),
            1,
        ),
    ] {
        assert_eq!(count(&manufacturer, &sql).await, n, "manufacturer: {sql}");
    }
    // The retailer: the claim withdrawn, the case closed, one `return_withdrawn` entry.
    for (sql, n) in [
        (
            format!(
                "SELECT count(*) FROM claims WHERE id = '{claim_id}' AND withdrawn_at IS NOT NULL"
            ),
            1,
        ),
        (
            format!("SELECT count(*) FROM cases WHERE id = '{case_id}' AND status = 'closed'"),
            1,
        ),
        (
            format!(
                "SELECT count(*) FROM timeline WHERE case_id = '{case_id}' \
                 AND kind = 'return_withdrawn'"
            ),
            1,
        ),
        (
            format!("SELECT count(*) FROM inbox WHERE message_type = '{WITHDRAWN}'"),
            1,
        ),
    ] {
        assert_eq!(count(&retailer, &sql).await, n, "retailer: {sql}");
    }
    system.assert_no_dead_letters().await;
    system.stop().await;
}
