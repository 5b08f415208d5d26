//! End-to-end: correcting the address or the window of a swap's visit before the visit, through
//! compensating events across the three real processes (issue 11). Before the crew sets off the
//! retailer's correction moves the logistics job (a new day stays with the crew that has room, a
//! new postcode goes to the crew of that region) and the case shows the new address and window
//! only once logistics confirmed; every message again (same id, or a new one) changes nothing.
//! After the crew set off: logistics refuses, the case says so, and nothing changed anywhere.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use chrono::{DateTime, Duration as Days, Utc};
use common::{
    DEADLINE, Seed, Svc, System, assert_counts, count, entry, retailer_key, send_again, strings,
    timeline_kinds,
};
use kummerer_contracts::topology::Service;
use kummerer_testkit::eventually;
use serde_json::{Value, json};
use uuid::Uuid;

/// `POST …/cases/{case_id}/swap/correction` with the retailer's key: status and body.
async fn correct(system: &System, seed: &Seed, case_id: Uuid, body: Value) -> (u16, Value) {
    let path = format!(
        "/api/retailers/{}/cases/{case_id}/swap/correction",
        seed.retailer_id
    );
    let res = system
        .client
        .post(system.url(Svc::Retailer, &path))
        .bearer_auth(retailer_key(seed.retailer_id).unwrap())
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// A window `days` ahead, from `hour` for two hours (UTC).
fn window_in(days: i64, hour: u32) -> (DateTime<Utc>, DateTime<Utc>) {
    let day = (Utc::now() + Days::days(days)).date_naive();
    let start = day.and_hms_opt(hour, 0, 0).unwrap().and_utc();
    (start, start + Days::hours(2))
}

/// Waits until the case's timeline holds `n` entries of `kind`; the case.
async fn wait_entries(system: &System, seed: &Seed, case_id: Uuid, kind: &str, n: usize) -> Value {
    eventually(&format!("{n} × {kind}"), DEADLINE, || async {
        let case = system.case(seed, case_id).await;
        let have = timeline_kinds(&case).iter().filter(|k| *k == kind).count();
        (have == n).then_some(case)
    })
    .await
}

/// One row of `sql` as text (`|`-joined columns in the query).
async fn row(system: &System, svc: Svc, sql: &str) -> String {
    let db = system.db(svc).await;
    let rows = strings(&db, sql).await;
    assert_eq!(rows.len(), 1, "{sql}: {rows:?}");
    rows[0].clone()
}

fn job_row(swap_id: Uuid) -> String {
    format!(
        "SELECT concat_ws('|', address_street, address_postcode, address_city, \
         to_char(window_start AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'), \
         to_char(window_end AT TIME ZONE 'UTC', 'HH24:MI'), visit_date, crew_id, status) \
         FROM jobs WHERE swap_id = '{swap_id}'"
    )
}

fn swap_row(swap_id: Uuid) -> String {
    format!(
        "SELECT concat_ws('|', street, postcode, city, \
         to_char(window_start AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'), \
         to_char(window_end AT TIME ZONE 'UTC', 'HH24:MI')) FROM swaps WHERE id = '{swap_id}'"
    )
}

fn minutes(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_window_and_then_the_address_are_corrected_before_the_visit_in_every_service() {
    let system = System::start().await;
    let seed = system.seed().await;
    let berlin = system.carrier("Kurier Nord", "10").await;
    let hamburg = system.carrier("Kurier Hafen", "20").await;
    let swap = system.swap(&seed, 1).await;
    let case_id = swap.case_id;
    system
        .wait_timeline(&seed, case_id, &["job_scheduled"])
        .await;
    let job = system.job_of(&seed, swap.swap_id).await;
    assert_eq!(job["crew_id"], berlin.crew_id.to_string(), "{job}");
    let original = row(&system, Svc::Retailer, &swap_row(swap.swap_id)).await;

    // 1. Another window, three days ahead: the job moves there and keeps its crew.
    let (start, end) = window_in(3, 14);
    let (status, body) = correct(
        &system,
        &seed,
        case_id,
        json!({"reason": "Customer is away tomorrow", "window_start": start, "window_end": end}),
    )
    .await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["status"], "correction_pending");
    let case = wait_entries(&system, &seed, case_id, "swap_corrected", 1).await;
    assert_eq!(
        entry(&case, "swap_corrected")["details"]["crew_assigned"],
        true,
        "{case}"
    );
    let day = start.date_naive();
    assert_eq!(
        row(&system, Svc::Logistics, &job_row(swap.swap_id)).await,
        format!(
            "Hauptstr. 1|10115|Berlin|{}|{}|{day}|{}|scheduled",
            minutes(start),
            end.format("%H:%M"),
            berlin.crew_id
        )
    );
    assert_eq!(
        row(&system, Svc::Retailer, &swap_row(swap.swap_id)).await,
        format!(
            "Hauptstr. 1|10115|Berlin|{}|{}",
            minutes(start),
            end.format("%H:%M")
        )
    );
    assert!(case["swap"].get("correction_pending").is_none(), "{case}");

    // 2. Another address, in Hamburg: the Hafen crew takes the visit.
    let (status, body) = correct(
        &system,
        &seed,
        case_id,
        json!({"reason": "The customer moved",
               "delivery_address": {"name": "Erika Mustermann", "phone": "+49 40 555",
                                    "street": "Elbchaussee 5", "postcode": "20095",
                                    "city": "Hamburg", "country": "DE"}}),
    )
    .await;
    assert_eq!(status, 202, "{body}");
    // Until logistics answers the case shows the old address, the correction pending.
    let case = system.case(&seed, case_id).await;
    if case["swap"]["correction_pending"].is_object() {
        assert_eq!(
            case["swap"]["delivery_address"]["postcode"], "10115",
            "{case}"
        );
    }
    let case = wait_entries(&system, &seed, case_id, "swap_corrected", 2).await;
    assert_eq!(
        case["swap"]["delivery_address"]["city"], "Hamburg",
        "{case}"
    );
    assert_eq!(
        row(&system, Svc::Logistics, &job_row(swap.swap_id)).await,
        format!(
            "Elbchaussee 5|20095|Hamburg|{}|{}|{day}|{}|scheduled",
            minutes(start),
            end.format("%H:%M"),
            hamburg.crew_id
        )
    );
    assert_eq!(
        row(&system, Svc::Retailer, &swap_row(swap.swap_id)).await,
        format!(
            "Elbchaussee 5|20095|Hamburg|{}|{}",
            minutes(start),
            end.format("%H:%M")
        )
    );
    assert_ne!(
        original,
        row(&system, Svc::Retailer, &swap_row(swap.swap_id)).await
    );
    // The Hafen crew's day lists the visit at the new address.
    let visits = system
        .get_as(
            Svc::Logistics,
            &format!("/api/crews/{}/visits?date={day}", hamburg.crew_id),
            Some(&hamburg.token),
        )
        .await
        .to_string();
    assert!(visits.contains("Elbchaussee 5"), "{visits}");

    // Every request and answer again, as it was and under a new id: nothing changes twice.
    let logistics = system.db(Svc::Logistics).await;
    let retailer = system.db(Svc::Retailer).await;
    let corrected_events = count(
        &logistics,
        "SELECT count(*) FROM job_events WHERE kind = 'corrected'",
    )
    .await;
    let job_before = row(&system, Svc::Logistics, &job_row(swap.swap_id)).await;
    let answers = "SELECT count(*) FROM inbox WHERE message_type = 'logistics.job.corrected.v1'";
    let sent_answers =
        "SELECT count(*) FROM outbox WHERE routing_key = 'logistics.job.corrected.v1'";
    let answered = count(&retailer, answers).await;
    let answered_by_logistics = count(&logistics, sent_answers).await;
    let sent = send_again(
        &system,
        Svc::Retailer,
        Service::Retailer,
        "retailer.swap.correction_requested.v1",
    )
    .await as i64;
    eventually("the requests sent again answered", DEADLINE, || async {
        (count(&logistics, sent_answers).await == answered_by_logistics + sent).then_some(())
    })
    .await;
    eventually("the answers sent again applied", DEADLINE, || async {
        (count(&retailer, answers).await == answered + sent).then_some(())
    })
    .await;
    assert_eq!(
        count(
            &logistics,
            "SELECT count(*) FROM job_events WHERE kind = 'corrected'"
        )
        .await,
        corrected_events
    );
    assert_eq!(
        row(&system, Svc::Logistics, &job_row(swap.swap_id)).await,
        job_before
    );
    assert_eq!(
        count(
            &retailer,
            "SELECT count(*) FROM swap_corrections WHERE status <> 'applied'"
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &retailer,
            "SELECT count(*) FROM timeline WHERE kind = 'swap_corrected'"
        )
        .await,
        2
    );
    system.assert_no_dead_letters().await;
    system.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_correction_that_meets_the_crew_on_the_way_is_refused_and_nothing_changes() {
    let system = System::start().await;
    let seed = system.seed().await;
    let carrier = system.carrier("Kurier Nord", "10").await;
    let swap = system.swap(&seed, 1).await;
    let case_id = swap.case_id;
    system
        .wait_timeline(&seed, case_id, &["job_scheduled"])
        .await;
    let job_id = system.job_of(&seed, swap.swap_id).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let job_before = row(&system, Svc::Logistics, &job_row(swap.swap_id)).await;
    let swap_before = row(&system, Svc::Retailer, &swap_row(swap.swap_id)).await;

    // The broker is away: the crew sets off (logistics commits it) while the retailer does not
    // know yet and asks for another window. Logistics decides under the job's lock: refused.
    system.amqp_proxy.set_down(true);
    let (status, body) = system
        .try_post(
            Svc::Logistics,
            &format!("/api/jobs/{job_id}/on-the-way"),
            json!({}),
            Some(&carrier.token),
        )
        .await;
    assert_eq!(status.as_u16(), 200, "{body}");
    let (start, end) = window_in(4, 9);
    let (status, body) = correct(
        &system,
        &seed,
        case_id,
        json!({"reason": "Customer not home", "window_start": start, "window_end": end,
               "delivery_address": {"name": "Erika Mustermann", "phone": "+49 40 555",
                                    "street": "Elbchaussee 5", "postcode": "20095",
                                    "city": "Hamburg", "country": "DE"}}),
    )
    .await;
    assert_eq!(status, 202, "{body}");
    system.amqp_proxy.set_down(false);

    let case = system
        .wait_timeline(&seed, case_id, &["on_the_way", "swap_correction_refused"])
        .await;
    assert_eq!(
        entry(&case, "swap_correction_refused")["details"]["reason"],
        "on_the_way",
        "{case}"
    );
    assert!(case["swap"].get("correction_pending").is_none(), "{case}");
    // Now the retailer knows: a new correction is refused at once.
    let (status, body) = correct(
        &system,
        &seed,
        case_id,
        json!({"reason": "again", "window_start": start, "window_end": end}),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("crew_on_the_way")),
        "{body}"
    );

    // Nothing changed in either service: the job and the swap as they were.
    let job_after = row(&system, Svc::Logistics, &job_row(swap.swap_id)).await;
    assert_eq!(job_after, job_before);
    assert_eq!(
        row(&system, Svc::Retailer, &swap_row(swap.swap_id)).await,
        swap_before
    );
    let logistics = system.db(Svc::Logistics).await;
    let retailer = system.db(Svc::Retailer).await;
    assert_counts(
        &logistics,
        "logistics",
        &[
            (
                "SELECT count(*) FROM job_events WHERE kind = 'correction_refused'",
                1,
            ),
            (
                "SELECT count(*) FROM job_events WHERE kind = 'corrected'",
                0,
            ),
            (
                "SELECT count(*) FROM outbox WHERE routing_key = 'logistics.job.corrected.v1'",
                0,
            ),
        ],
    )
    .await;
    assert_counts(
        &retailer,
        "retailer",
        &[
            (
                "SELECT count(*) FROM swap_corrections \
                 WHERE status = 'refused' AND refusal_reason = 'on_the_way'",
                1,
            ),
            (
                "SELECT count(*) FROM swap_corrections WHERE status <> 'refused'",
                0,
            ),
            (
                "SELECT count(*) FROM timeline WHERE kind = 'swap_corrected'",
                0,
            ),
        ],
    )
    .await;
    system.assert_no_dead_letters().await;
    system.stop().await;
}
