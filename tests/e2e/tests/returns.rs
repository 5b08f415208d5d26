//! End-to-end: returns never block and never wait forever (issue 11, part "ret"). Across the
//! three real processes:
//! - the unit of a job completed without a carrier waits in the pool of the carriers granted
//!   its postcode, one takes it, and it travels;
//! - a shipment leaves with the units collected; the one still at the customer's moves to the
//!   next open shipment;
//! - the manufacturer decides a claim without waiting for its unit: the return is withdrawn
//!   (the item leaves its shipment, the retailer's timeline shows it), and once the unit
//!   travels the withdrawal is refused and the unit simply arrives;
//! - a unit not at the depot by `return_by` gets the agreement's default outcome, and its
//!   return is withdrawn.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use chrono::Utc;
use common::{DEADLINE, Svc, System, count, strings, timeline_kinds};
use kummerer_testkit::eventually;
use serde_json::{Value, json};
use uuid::Uuid;

/// A pending claim (sold 60 days ago: past DOA, within coverage) of an approved swap.
struct Claim {
    case_id: Uuid,
    swap_id: Uuid,
    claim_id: Uuid,
    serial: String,
}

async fn pending_claim(system: &System, seed: &common::Seed, n: usize) -> Claim {
    let (case_id, serial) = system.open_case_sold(seed, n, 60).await;
    let (status, approved) = system.approve(seed, case_id, None).await.unwrap();
    assert_eq!(status, 201, "{approved}");
    let claim_id: Uuid = serde_json::from_value(approved["claim_id"].clone()).unwrap();
    system
        .claim_when(seed, claim_id, "pending", |c| c["status"] == "pending")
        .await;
    system
        .wait_timeline(seed, case_id, &["job_scheduled"])
        .await;
    Claim {
        case_id,
        swap_id: serde_json::from_value(approved["swap_id"].clone()).unwrap(),
        claim_id,
        serial,
    }
}

/// The manufacturer's decision `body` on the claim.
async fn decide(system: &System, seed: &common::Seed, claim_id: Uuid, body: Value) -> Value {
    system
        .post_as(
            Svc::Manufacturer,
            &format!(
                "/api/manufacturers/{}/claims/{claim_id}/decision",
                seed.manufacturer_id
            ),
            body,
            Some(&seed.manufacturer_key),
        )
        .await
}

async fn ask_back(
    system: &System,
    seed: &common::Seed,
    claim_id: Uuid,
    depot_id: &str,
    return_by: chrono::DateTime<Utc>,
) {
    let asked = decide(
        system,
        seed,
        claim_id,
        json!({"outcome": "request_return", "depot_id": depot_id,
               "return_by": return_by.to_rfc3339(), "freight_paid_by": "manufacturer"}),
    )
    .await;
    assert_eq!(asked["status"], "return_requested", "{asked}");
    // Due at `return_by`.
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(asked["deadline_at"].as_str().unwrap())
            .unwrap()
            .timestamp(),
        return_by.timestamp(),
        "{asked}"
    );
}

/// The claim's last `decided` event.
fn last_decided(claim: &Value) -> Value {
    claim["events"]
        .as_array()
        .and_then(|e| e.iter().rev().find(|e| e["kind"] == "decided"))
        .cloned()
        .unwrap_or_else(|| panic!("no decided event in {claim}"))
}

/// The item of `claim_id` in a list of shipments or items.
fn item_of(items: &Value, claim_id: Uuid) -> Option<Value> {
    items
        .as_array()?
        .iter()
        .find(|i| i["claim_id"] == claim_id.to_string())
        .cloned()
}

/// The one open shipment of the carrier once `ok` holds for it.
async fn open_shipment_when(
    system: &System,
    carrier: &common::Carrier,
    what: &str,
    ok: impl Fn(&Value) -> bool,
) -> Value {
    let path = format!("/api/carriers/{}/return-shipments?status=open", carrier.id);
    eventually(what, DEADLINE, || async {
        let list = system
            .get_as(Svc::Logistics, &path, Some(&carrier.token))
            .await;
        let items = list["items"].as_array()?;
        (items.len() == 1 && ok(&items[0])).then(|| items[0].clone())
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_return_is_taken_from_the_pool_leaves_with_what_is_collected_and_is_withdrawn() {
    let system = System::start().await;
    let seed = system.seed().await;
    let logistics = system.db(Svc::Logistics).await;
    let manufacturer = system.db(Svc::Manufacturer).await;

    // 1. No carrier yet: the job stays unassigned and the operator completes it.
    let pooled = pending_claim(&system, &seed, 1).await;
    let job = system.job_of(&seed, pooled.swap_id).await;
    assert_eq!(job["carrier_id"], Value::Null, "{job}");
    let done = system
        .post(
            Svc::Logistics,
            &format!("/api/jobs/{}/complete", job["id"].as_str().unwrap()),
            json!({"delivered_serial": "SN-NEW-1", "collected_serial": pooled.serial,
                   "recipient_name": "Erika Mustermann"}),
        )
        .await;
    assert_eq!(done["status"], "completed", "{done}");

    // A carrier granted the customers' postcodes; two more swaps go to its crew. One unit is
    // collected, the other stays at the customer's.
    let carrier = system.carrier("Kurier Nord", "10").await;
    let collected = pending_claim(&system, &seed, 2).await;
    let waiting = pending_claim(&system, &seed, 3).await;
    let job = system.job_of(&seed, collected.swap_id).await;
    assert_eq!(job["carrier_id"], carrier.id.to_string(), "{job}");
    let done = system
        .post_as(
            Svc::Logistics,
            &format!("/api/jobs/{}/complete", job["id"].as_str().unwrap()),
            json!({"delivered_serial": "SN-NEW-2", "collected_serial": collected.serial,
                   "recipient_name": "Erika Mustermann"}),
            Some(&carrier.token),
        )
        .await;
    assert_eq!(done["status"], "completed", "{done}");
    let withdrawn = pending_claim(&system, &seed, 4).await;

    // The manufacturer wants all four units back.
    let depot_id = system.depot(&seed).await;
    let return_by = Utc::now() + chrono::Duration::days(10);
    for c in [&pooled, &collected, &waiting, &withdrawn] {
        ask_back(&system, &seed, c.claim_id, &depot_id, return_by).await;
    }

    // The carrierless unit waits in the carrier's pool (its postcode is granted to it).
    let pool_path = format!("/api/carriers/{}/return-pool", carrier.id);
    let pool = eventually("the pooled unit", DEADLINE, || async {
        let pool = system
            .get_as(Svc::Logistics, &pool_path, Some(&carrier.token))
            .await;
        item_of(&pool["items"], pooled.claim_id)
    })
    .await;
    assert_eq!(pool["state"], "awaiting_carrier", "{pool}");
    assert_eq!(pool["collected"], true, "{pool}");
    assert_eq!(pool["overdue"], false, "{pool}");
    // Another carrier, not granted the postcode, sees nothing of it and cannot take it.
    let other = system.carrier("Kurier Süd", "80").await;
    let foreign = system
        .get_as(
            Svc::Logistics,
            &format!("/api/carriers/{}/return-pool", other.id),
            Some(&other.token),
        )
        .await;
    assert_eq!(foreign["items"], json!([]), "{foreign}");
    let (status, _) = system
        .try_post(
            Svc::Logistics,
            &format!(
                "/api/carriers/{}/return-pool/{}/take",
                other.id,
                pool["id"].as_str().unwrap()
            ),
            json!({}),
            Some(&other.token),
        )
        .await;
    assert_eq!(status.as_u16(), 404);
    // The carrier takes it: it joins its open shipment.
    let taken = system
        .post_as(
            Svc::Logistics,
            &format!("{pool_path}/{}/take", pool["id"].as_str().unwrap()),
            json!({}),
            Some(&carrier.token),
        )
        .await;
    assert_eq!(taken["status"], "open", "{taken}");
    let pool = system
        .get_as(Svc::Logistics, &pool_path, Some(&carrier.token))
        .await;
    assert_eq!(pool["items"], json!([]), "{pool}");

    // Claim 4 is decided without its unit: the return is withdrawn.
    let decided = decide(
        &system,
        &seed,
        withdrawn.claim_id,
        json!({"outcome": "accept"}),
    )
    .await;
    assert_eq!(decided["status"], "accepted", "{decided}");
    assert_eq!(
        last_decided(&decided)["details"]["return_withdrawn"],
        "decided",
        "{decided}"
    );
    let case = system
        .wait_timeline(
            &seed,
            withdrawn.case_id,
            &["return_withdrawn", "claim_decided"],
        )
        .await;
    let entry = common::entry(&case, "return_withdrawn");
    assert_eq!(entry["details"]["reason"], "decided", "{case}");

    // The open shipment holds the three units still wanted: two ready, one at the customer's.
    let shipment = open_shipment_when(&system, &carrier, "three units, one withdrawn", |s| {
        s["items"].as_array().map(Vec::len) == Some(3)
    })
    .await;
    let state = |c: &Claim| item_of(&shipment["items"], c.claim_id).unwrap()["state"].clone();
    assert_eq!(state(&pooled), "ready", "{shipment}");
    assert_eq!(state(&collected), "ready", "{shipment}");
    assert_eq!(state(&waiting), "awaiting_collection", "{shipment}");
    assert_eq!(shipment["ready"], false, "{shipment}");
    assert_eq!(
        count(
            &logistics,
            &format!(
                "SELECT count(*) FROM return_items WHERE claim_id = '{}' \
                 AND withdrawn_at IS NOT NULL AND shipment_id IS NULL",
                withdrawn.claim_id
            ),
        )
        .await,
        1
    );

    // Dispatched with the collected units; the waiting one moves to the next open shipment.
    let shipments = format!("/api/carriers/{}/return-shipments", carrier.id);
    let sid = shipment["id"].as_str().unwrap().to_owned();
    let sent = system
        .post_as(
            Svc::Logistics,
            &format!("{shipments}/{sid}/dispatch"),
            json!({"crew_id": carrier.crew_id, "date": Utc::now().date_naive().to_string()}),
            Some(&carrier.token),
        )
        .await;
    assert_eq!(sent["status"], "dispatched", "{sent}");
    assert_eq!(sent["items"].as_array().unwrap().len(), 2, "{sent}");
    assert!(
        item_of(&sent["items"], waiting.claim_id).is_none(),
        "{sent}"
    );
    let next = open_shipment_when(&system, &carrier, "the next shipment", |_| true).await;
    assert_ne!(next["id"], sid.as_str(), "{next}");
    let rest = next["items"].as_array().unwrap();
    assert_eq!(rest.len(), 1, "{next}");
    assert_eq!(rest[0]["claim_id"], waiting.claim_id.to_string(), "{next}");
    assert_eq!(rest[0]["state"], "awaiting_collection", "{next}");

    // Claim 1 is decided while its unit travels: the withdrawal is refused, the unit arrives.
    let decided = decide(
        &system,
        &seed,
        pooled.claim_id,
        json!({"outcome": "accept"}),
    )
    .await;
    assert_eq!(decided["status"], "accepted", "{decided}");
    eventually("the refused withdrawal", DEADLINE, || async {
        let n = count(
            &logistics,
            &format!(
                "SELECT count(*) FROM return_items WHERE claim_id = '{}' \
                 AND withdrawal_refused_at IS NOT NULL AND withdrawn_at IS NULL \
                 AND shipment_id = '{sid}'",
                pooled.claim_id
            ),
        )
        .await;
        (n == 1).then_some(())
    })
    .await;
    let arrived = system
        .post_as(
            Svc::Logistics,
            &format!("{shipments}/{sid}/arrived"),
            json!({"received_by": "Lager Hamburg"}),
            Some(&carrier.token),
        )
        .await;
    assert_eq!(arrived["status"], "arrived", "{arrived}");
    let unit = item_of(&arrived["items"], pooled.claim_id).unwrap();
    assert_eq!(unit["state"], "arrived", "{arrived}");
    assert!(unit["withdrawal_refused_at"].is_string(), "{arrived}");
    let c = system
        .claim_when(&seed, collected.claim_id, "with its unit back", |c| {
            c["status"] == "unit_arrived"
        })
        .await;
    assert!(c["deadline_at"].is_string(), "{c}");
    // The decided claim's unit arrives too; the arrival changes nothing there.
    eventually(
        "the arrival recorded on the decided claim",
        DEADLINE,
        || async {
            let kinds = strings(
                &manufacturer,
                &format!(
                    "SELECT kind FROM claim_events WHERE claim_id = '{}' ORDER BY id",
                    pooled.claim_id
                ),
            )
            .await;
            kinds.contains(&"ignored".to_owned()).then_some(())
        },
    )
    .await;
    system
        .wait_timeline(
            &seed,
            pooled.case_id,
            &["return_withdrawn", "return_arrived"],
        )
        .await;
    let case = system.case(&seed, waiting.case_id).await;
    assert!(
        !timeline_kinds(&case).contains(&"return_withdrawn".to_owned()),
        "{case}"
    );
    system.assert_no_dead_letters().await;
    system.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_unit_not_at_the_depot_by_return_by_gets_the_default_outcome_and_its_return_is_withdrawn()
{
    let system = System::start().await;
    let seed = system.seed().await;
    let logistics = system.db(Svc::Logistics).await;
    let carrier = system.carrier("Kurier Nord", "10").await;
    let claim = pending_claim(&system, &seed, 1).await;
    let depot_id = system.depot(&seed).await;
    // The unit is due at the depot in a few seconds; the crew never collects it.
    let return_by = Utc::now() + chrono::Duration::seconds(8);
    ask_back(&system, &seed, claim.claim_id, &depot_id, return_by).await;
    let shipment = open_shipment_when(&system, &carrier, "the return item", |s| {
        s["items"].as_array().map(Vec::len) == Some(1)
    })
    .await;
    let item = &shipment["items"][0];
    assert_eq!(item["state"], "awaiting_collection", "{shipment}");
    assert_eq!(item["claim_id"], claim.claim_id.to_string(), "{shipment}");

    // `return_by` passes: the agreement's default (accept) decides it, by rule.
    let c = system
        .claim_when(
            &seed,
            claim.claim_id,
            "decided by its return deadline",
            |c| c["status"] == "accepted",
        )
        .await;
    assert_eq!(c["decided_by"], "rule:deadline_deemed_accepted", "{c}");
    assert_eq!(c["decided_amount"]["amount"], "424.20", "{c}");
    assert_eq!(
        last_decided(&c)["details"]["return_withdrawn"],
        "return_by_passed",
        "{c}"
    );

    // Logistics took the item out (its shipment, left empty, is gone); the retailer sees both.
    eventually("the withdrawn item", DEADLINE, || async {
        let n = count(
            &logistics,
            &format!(
                "SELECT count(*) FROM return_items WHERE claim_id = '{}' \
                 AND withdrawn_at IS NOT NULL AND withdrawal_reason = 'return_by_passed' \
                 AND shipment_id IS NULL",
                claim.claim_id
            ),
        )
        .await;
        (n == 1).then_some(())
    })
    .await;
    assert_eq!(
        count(&logistics, "SELECT count(*) FROM return_shipments").await,
        0
    );
    let case = system
        .wait_timeline(&seed, claim.case_id, &["return_withdrawn", "claim_decided"])
        .await;
    let entry = common::entry(&case, "return_withdrawn");
    assert_eq!(entry["details"]["reason"], "return_by_passed", "{case}");
    system.assert_no_dead_letters().await;
    system.stop().await;
}
