//! End-to-end: cancelling a swap approved by mistake, a saga of compensating events across the
//! three real processes (issue 11). Before the crew sets off: the job is cancelled, the reserved
//! unit is back in stock once, the claim is withdrawn at the manufacturer (a claim accepted by
//! rule is then never credited, a pending one loses its deadline), the case is closed, the crew
//! and its visits no longer show the job and a crew step on it is refused — and every message
//! of the saga delivered again (same id, or sent again under a new id) changes nothing. After
//! the crew set off: logistics refuses, the case says so, and the swap goes on.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use chrono::{Duration as Days, Utc};
use common::{DEADLINE, Seed, Svc, System, count, entry, retailer_key, send_again};
use kummerer_contracts::topology::Service;
use kummerer_testkit::eventually;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use uuid::Uuid;

/// A stock location of the seed's retailer holding `quantity` units of its product.
async fn stock_location(system: &System, seed: &Seed, quantity: i32) -> Uuid {
    let db = system.db(Svc::Retailer).await;
    let id = Uuid::now_v7();
    db.execute_unprepared(&format!(
        "INSERT INTO stock_locations (id, retailer_id, name, street, postcode, city, country) \
         VALUES ('{id}', '{rid}', 'Lager Nord', 'Lagerweg 1', '10117', 'Berlin', 'DE'); \
         INSERT INTO stock_levels (retailer_id, location_id, product_id, quantity) \
         SELECT '{rid}', '{id}', p.id, {quantity} FROM products p \
         WHERE p.retailer_id = '{rid}' AND p.sku = '{sku}'",
        rid = seed.retailer_id,
        sku = seed.sku,
    ))
    .await
    .unwrap();
    id
}

async fn stock_level(system: &System, location: Uuid) -> i64 {
    let db = system.db(Svc::Retailer).await;
    count(
        &db,
        &format!("SELECT quantity::bigint FROM stock_levels WHERE location_id = '{location}'"),
    )
    .await
}

/// A case sold `days_ago` and its swap approved through the API, reserving a unit at
/// `location`: `(case_id, swap_id, claim_id)`.
async fn swap_from_stock(
    system: &System,
    seed: &Seed,
    n: usize,
    days_ago: i64,
    location: Uuid,
) -> (Uuid, Uuid, Uuid) {
    let (case_id, _) = system.open_case_sold(seed, n, days_ago).await;
    let start = Utc::now() + Days::days(1);
    let approved = system
        .post(
            Svc::Retailer,
            &format!("/api/retailers/{}/cases/{case_id}/swap", seed.retailer_id),
            json!({"window_start": start.to_rfc3339(),
                   "window_end": (start + Days::hours(4)).to_rfc3339(),
                   "stock_location_id": location}),
        )
        .await;
    let id = |k: &str| serde_json::from_value::<Uuid>(approved[k].clone()).unwrap();
    (case_id, id("swap_id"), id("claim_id"))
}

/// The crew's visits of tomorrow (the day every swap here is delivered), as JSON text.
async fn crew_visits(system: &System, carrier: &common::Carrier) -> String {
    let date = (Utc::now() + Days::days(1)).date_naive();
    system
        .get_as(
            Svc::Logistics,
            &format!("/api/crews/{}/visits?date={date}", carrier.crew_id),
            Some(&carrier.token),
        )
        .await
        .to_string()
}

/// `POST …/cases/{case_id}/swap/cancel` with the retailer's key: status and body.
async fn cancel(system: &System, seed: &Seed, case_id: Uuid, reason: &str) -> (u16, Value) {
    let path = format!(
        "/api/retailers/{}/cases/{case_id}/swap/cancel",
        seed.retailer_id
    );
    let res = system
        .client
        .post(system.url(Svc::Retailer, &path))
        .bearer_auth(retailer_key(seed.retailer_id).unwrap())
        .json(&json!({ "reason": reason }))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// A crew step with the carrier's token: status and body.
async fn crew_step(system: &System, token: &str, job_id: &str, step: &str) -> (u16, Value) {
    let res = system
        .client
        .post(system.url(Svc::Logistics, &format!("/api/jobs/{job_id}/{step}")))
        .bearer_auth(token)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_swap_cancelled_before_the_crew_sets_off_is_undone_once_in_every_service() {
    let system = System::start().await;
    let seed = system.seed().await;
    let carrier = system.carrier("Kurier Nord", "10").await;
    let location = stock_location(&system, &seed, 3).await;
    // Sold 3 days ago: accepted by rule at once (DOA). Sold 60 days ago: pending, with a deadline.
    let (doa_case, doa_swap, doa_claim) = swap_from_stock(&system, &seed, 1, 3, location).await;
    let (late_case, _late_swap, late_claim) =
        swap_from_stock(&system, &seed, 2, 60, location).await;
    assert_eq!(stock_level(&system, location).await, 1);
    for case_id in [doa_case, late_case] {
        system
            .wait_timeline(&seed, case_id, &["job_scheduled"])
            .await;
    }
    system
        .claim_when(&seed, doa_claim, "accepted by rule", |c| {
            c["status"] == "accepted"
        })
        .await;
    system
        .claim_when(&seed, late_claim, "pending", |c| c["status"] == "pending")
        .await;
    system
        .wait_timeline(&seed, doa_case, &["claim_decided"])
        .await;
    let job = system.job_of(&seed, doa_swap).await;
    let job_id = job["id"].as_str().unwrap().to_owned();
    assert_eq!(job["crew_id"], carrier.crew_id.to_string(), "{job}");

    assert!(crew_visits(&system, &carrier).await.contains(&job_id));
    // A reason is required; nothing changes without one.
    let (status, body) = cancel(&system, &seed, doa_case, "  ").await;
    assert_eq!(status, 422, "{body}");
    for case_id in [doa_case, late_case] {
        let (status, body) = cancel(
            &system,
            &seed,
            case_id,
            "customer found the receipt of a newer unit",
        )
        .await;
        assert_eq!(status, 202, "{body}");
        assert_eq!(body["status"], "cancel_requested", "{body}");
    }
    // A second request while the first waits, or after: refused, nothing sent twice.
    let case = system
        .wait_timeline(
            &seed,
            doa_case,
            &["swap_cancel_requested", "swap_cancelled"],
        )
        .await;
    system
        .wait_timeline(&seed, late_case, &["swap_cancelled"])
        .await;
    assert_eq!(
        entry(&case, "swap_cancelled")["details"]["stock_released"],
        true,
        "{case}"
    );
    assert_eq!(case["status"], "closed", "{case}");
    let (status, body) = cancel(&system, &seed, doa_case, "again").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("swap_cancelled")),
        "{body}"
    );

    // The crew: the job is gone from its day, and a step on it is refused with a clear answer.
    let visits = crew_visits(&system, &carrier).await;
    assert!(!visits.contains(&job_id), "{visits}");
    let (status, body) = crew_step(&system, &carrier.token, &job_id, "on-the-way").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("job_cancelled")),
        "{body}"
    );

    // The manufacturer recorded both withdrawals: the pending claim has no deadline any more,
    // the accepted one is never credited, and neither can be decided.
    let manufacturer = system.db(Svc::Manufacturer).await;
    eventually("both claims withdrawn", DEADLINE, || async {
        (count(&manufacturer, "SELECT count(*) FROM claim_withdrawals").await == 2).then_some(())
    })
    .await;
    assert_eq!(
        count(
            &manufacturer,
            &format!(
                "SELECT count(*) FROM claims WHERE id = '{late_claim}' AND deadline_at IS NULL"
            )
        )
        .await,
        1
    );
    let (status, body) = system
        .try_post(
            Svc::Manufacturer,
            &format!(
                "/api/manufacturers/{}/claims/{late_claim}/decision",
                seed.manufacturer_id
            ),
            json!({"outcome": "reject", "reason_code": "late"}),
            Some(&seed.manufacturer_key),
        )
        .await;
    assert_eq!(
        (status.as_u16(), body["code"].as_str()),
        (409, Some("claim_withdrawn")),
        "{body}"
    );
    let (status, body) = system
        .try_post(
            Svc::Manufacturer,
            &format!("/api/manufacturers/{}/credit-notes", seed.manufacturer_id),
            json!({"claim_id": doa_claim}),
            Some(&seed.manufacturer_key),
        )
        .await;
    assert_eq!(
        (status.as_u16(), body["code"].as_str()),
        (409, Some("claim_withdrawn")),
        "{body}"
    );
    assert_eq!(
        count(&manufacturer, "SELECT count(*) FROM credit_note_lines").await,
        0
    );

    // Every message of the saga again, as it was and under a new id: nothing happens twice.
    let retailer = system.db(Svc::Retailer).await;
    let logistics = system.db(Svc::Logistics).await;
    let cancelled_sent =
        "SELECT count(*) FROM outbox WHERE routing_key = 'logistics.job.cancelled.v1'";
    let cancelled_applied =
        "SELECT count(*) FROM inbox WHERE message_type = 'logistics.job.cancelled.v1'";
    let requests = "retailer.swap.cancel_requested.v1";
    assert_eq!(
        send_again(&system, Svc::Retailer, Service::Retailer, requests).await,
        2
    );
    // The requests under new ids are answered `cancelled` again (nothing else changes).
    eventually(
        "the requests sent again to be answered",
        DEADLINE,
        || async {
            (count(&logistics, cancelled_sent).await == 4
                && count(&retailer, cancelled_applied).await == 4)
                .then_some(())
        },
    )
    .await;
    let answers = "logistics.job.cancelled.v1";
    assert_eq!(
        send_again(&system, Svc::Logistics, Service::Logistics, answers).await,
        4
    );
    let withdrawals = "retailer.claim.withdrawn.v1";
    assert_eq!(
        send_again(&system, Svc::Retailer, Service::Retailer, withdrawals).await,
        2
    );
    eventually("the answers sent again to be applied", DEADLINE, || async {
        (count(&retailer, cancelled_applied).await == 8).then_some(())
    })
    .await;
    eventually(
        "the withdrawals sent again to be applied",
        DEADLINE,
        || async {
            (count(
                &manufacturer,
                "SELECT count(*) FROM inbox WHERE message_type = 'retailer.claim.withdrawn.v1'",
            )
            .await
                == 4)
                .then_some(())
        },
    )
    .await;
    assert_eq!(
        stock_level(&system, location).await,
        3,
        "released once per swap"
    );
    for (sql, n) in [
        (
            "SELECT count(*) FROM swaps WHERE status = 'cancelled' AND stock_released_at IS NOT NULL",
            2,
        ),
        (
            "SELECT count(*) FROM claims WHERE withdrawn_at IS NOT NULL",
            2,
        ),
        ("SELECT count(*) FROM cases WHERE status = 'closed'", 2),
        (
            "SELECT count(*) FROM timeline WHERE kind = 'swap_cancelled'",
            2,
        ),
        (
            "SELECT count(*) FROM timeline WHERE kind = 'swap_cancel_requested'",
            2,
        ),
        (
            "SELECT count(*) FROM outbox WHERE routing_key = 'retailer.claim.withdrawn.v1'",
            2,
        ),
        (
            "SELECT count(*) FROM outbox WHERE routing_key = 'retailer.swap.cancel_requested.v1'",
            2,
        ),
    ] {
        assert_eq!(count(&retailer, sql).await, n, "retailer: {sql}");
    }
    for (sql, n) in [
        (
            "SELECT count(*) FROM jobs WHERE status = 'cancelled' AND cancelled_at IS NOT NULL",
            2,
        ),
        (
            "SELECT count(*) FROM job_events WHERE kind = 'cancelled'",
            2,
        ),
        (
            "SELECT count(*) FROM job_events WHERE kind = 'cancel_refused'",
            0,
        ),
    ] {
        assert_eq!(count(&logistics, sql).await, n, "logistics: {sql}");
    }
    assert_eq!(
        count(&manufacturer, "SELECT count(*) FROM claim_withdrawals").await,
        2
    );
    assert_eq!(
        count(
            &manufacturer,
            "SELECT count(*) FROM claim_withdrawals WHERE credited"
        )
        .await,
        0
    );
    system.assert_no_dead_letters().await;
    system.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancellation_that_meets_the_crew_on_the_way_is_refused_and_the_swap_goes_on() {
    let system = System::start().await;
    let seed = system.seed().await;
    let carrier = system.carrier("Kurier Nord", "10").await;
    let location = stock_location(&system, &seed, 1).await;
    let (case_id, swap_id, claim_id) = swap_from_stock(&system, &seed, 1, 3, location).await;
    system
        .wait_timeline(&seed, case_id, &["job_scheduled"])
        .await;
    let job_id = system.job_of(&seed, swap_id).await["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // The broker is away: the crew sets off (logistics commits it) while the retailer does not
    // know yet and sends the cancellation. Logistics decides by the job's row lock: the crew
    // came first, so the cancellation is refused.
    system.amqp_proxy.set_down(true);
    let (status, body) = crew_step(&system, &carrier.token, &job_id, "on-the-way").await;
    assert_eq!((status, &body["recorded"]), (200, &json!(true)), "{body}");
    let (status, body) = cancel(&system, &seed, case_id, "approved by mistake").await;
    assert_eq!(status, 202, "{body}");
    system.amqp_proxy.set_down(false);

    let case = system
        .wait_timeline(&seed, case_id, &["on_the_way", "swap_cancel_refused"])
        .await;
    assert_eq!(
        entry(&case, "swap_cancel_refused")["details"]["reason"],
        "on_the_way",
        "{case}"
    );
    assert_eq!(case["status"], "swap_approved", "{case}");
    // Now the retailer knows: a new request is refused at once.
    let (status, body) = cancel(&system, &seed, case_id, "approved by mistake").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("crew_on_the_way")),
        "{body}"
    );

    let retailer = system.db(Svc::Retailer).await;
    let logistics = system.db(Svc::Logistics).await;
    let manufacturer = system.db(Svc::Manufacturer).await;
    for (sql, n) in [
        (
            "SELECT count(*) FROM swaps WHERE status = 'on_the_way' AND cancel_requested_at IS NULL AND stock_released_at IS NULL",
            1,
        ),
        ("SELECT count(*) FROM claims WHERE withdrawn_at IS NULL", 1),
        (
            "SELECT count(*) FROM outbox WHERE routing_key = 'retailer.claim.withdrawn.v1'",
            0,
        ),
    ] {
        assert_eq!(count(&retailer, sql).await, n, "retailer: {sql}");
    }
    assert_eq!(stock_level(&system, location).await, 0);
    for (sql, n) in [
        (
            "SELECT count(*) FROM jobs WHERE status = 'scheduled' AND on_the_way_at IS NOT NULL",
            1,
        ),
        (
            "SELECT count(*) FROM job_events WHERE kind = 'cancel_refused'",
            1,
        ),
        (
            "SELECT count(*) FROM outbox WHERE routing_key = 'logistics.job.cancelled.v1'",
            0,
        ),
    ] {
        assert_eq!(count(&logistics, sql).await, n, "logistics: {sql}");
    }
    system
        .claim_when(&seed, claim_id, "accepted", |c| c["status"] == "accepted")
        .await;
    assert_eq!(
        count(&manufacturer, "SELECT count(*) FROM claim_withdrawals").await,
        0
    );
    // The swap goes on: the crew delivers.
    let (status, body) = system
        .try_post(
            Svc::Logistics,
            &format!("/api/jobs/{job_id}/delivered"),
            json!({"delivered_serial": "SN-NEW-1", "recipient_name": "Erika Mustermann"}),
            Some(&carrier.token),
        )
        .await;
    assert_eq!(status.as_u16(), 200, "{body}");
    system.wait_timeline(&seed, case_id, &["delivered"]).await;
    system.assert_no_dead_letters().await;
    system.stop().await;
}
