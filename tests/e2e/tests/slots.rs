//! End-to-end (issue 13): logistics announces the room its crews have per delivery window, the
//! retailer keeps it, and the counter books only windows with room — a full window is refused
//! with `window_full`, another one with room goes through, and the job gets the crew. Asserted
//! in the retailer's and logistics' databases.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use chrono::{DateTime, Duration as Days, DurationRound, Utc};
use common::{Backends, DEADLINE, Svc, System, count, retailer_key};
use kummerer_testkit::eventually;
use serde_json::{Value, json};
use uuid::Uuid;

/// Approves the case's swap for `start`–`end` through the JSON API: status and body.
async fn approve_at(
    system: &System,
    retailer_id: Uuid,
    case_id: Uuid,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> (u16, Value) {
    let path = format!("/api/retailers/{retailer_id}/cases/{case_id}/swap");
    let mut req = system
        .client
        .post(system.url(Svc::Retailer, &path))
        .json(&json!({"window_start": start.to_rfc3339(), "window_end": end.to_rfc3339()}));
    if let Some(key) = retailer_key(retailer_id) {
        req = req.bearer_auth(key);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn windows_with_room_are_announced_kept_and_a_full_one_is_refused_at_the_counter() {
    // Five one-hour windows (UTC): the seed's crew makes 5 visits a day, so one per window.
    let env = [
        ("KUMMERER_SLOT_ANNOUNCE_SECONDS", "1"),
        ("KUMMERER_SLOT_HORIZON_DAYS", "2"),
        ("KUMMERER_SLOT_TIME_ZONE", "UTC"),
        (
            "KUMMERER_SLOT_WINDOWS",
            "08:00-09:00,09:00-10:00,10:00-11:00,11:00-12:00,12:00-13:00",
        ),
    ]
    .map(|(k, v)| (k.to_owned(), v.to_owned()));
    let system = System::start_with(Backends {
        env: env.to_vec(),
        ..Backends::default()
    })
    .await;
    let seed = system.seed().await;
    let carrier = system.carrier("Kurier Nord", "10").await;
    let retailer = system.db(Svc::Retailer).await;
    let logistics = system.db(Svc::Logistics).await;
    let tomorrow = (Utc::now() + Days::days(1))
        .duration_trunc(Days::days(1))
        .unwrap();
    let date = tomorrow.date_naive();
    let room_sql = |window: usize| {
        format!(
            "SELECT count(*) FROM delivery_slots WHERE carrier_id = '{}' AND date = '{date}' \
             AND (crews->0->'windows'->{window}->>'free')::int = 0",
            carrier.id
        )
    };

    // The sweep announced tomorrow; the retailer keeps it, every window with room.
    eventually(
        "tomorrow's windows kept by the retailer",
        DEADLINE,
        || async {
            let kept = count(
            &retailer,
            &format!(
                "SELECT count(*) FROM delivery_slots WHERE carrier_id = '{}' AND date = '{date}'",
                carrier.id
            ),
        )
        .await;
            (kept == 1).then_some(())
        },
    )
    .await;
    assert_eq!(count(&retailer, &room_sql(0)).await, 0);

    // The first visit takes the 08–09 window's one place; the retailer hears it is full.
    let (first, _) = system.open_case(&seed, 1).await;
    let w0 = (tomorrow + Days::hours(8), tomorrow + Days::hours(9));
    let (status, body) = approve_at(&system, seed.retailer_id, first, w0.0, w0.1).await;
    assert_eq!(status, 201, "{body}");
    eventually("the full window known at the counter", DEADLINE, || async {
        (count(&retailer, &room_sql(0)).await == 1).then_some(())
    })
    .await;

    // The counter refuses the full window; the next one has room.
    let (second, _) = system.open_case(&seed, 2).await;
    let (status, body) = approve_at(&system, seed.retailer_id, second, w0.0, w0.1).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["code"], "window_full", "{body}");
    assert_eq!(count(&retailer, "SELECT count(*) FROM swaps").await, 1);
    let w1 = (tomorrow + Days::hours(9), tomorrow + Days::hours(10));
    let (status, body) = approve_at(&system, seed.retailer_id, second, w1.0, w1.1).await;
    assert_eq!(status, 201, "{body}");

    // Both jobs on the crew; the announcements' sequence grew with them.
    eventually("both jobs on the crew", DEADLINE, || async {
        let on_crew = count(
            &logistics,
            &format!(
                "SELECT count(*) FROM jobs WHERE crew_id = '{}'",
                carrier.crew_id
            ),
        )
        .await;
        (on_crew == 2).then_some(())
    })
    .await;
    eventually(
        "the second window full at the counter",
        DEADLINE,
        || async { (count(&retailer, &room_sql(1)).await == 1).then_some(()) },
    )
    .await;
    assert!(
        count(
            &retailer,
            &format!("SELECT count(*) FROM delivery_slots WHERE date = '{date}' AND sequence >= 3"),
        )
        .await
            == 1
    );
    system.assert_no_dead_letters().await;
    system.stop().await;
}
