//! Delivery windows with room (issue 13): a new job takes a crew with room in its window, an
//! overbooked one a crew anyway, and each change of a carrier's day is announced once with the
//! next sequence (`logistics.slots.announced.v1`).

use std::time::Duration;

use logistics::app::slots::{SlotConfig, announce_horizon, install};
use logistics::domain::slots::SlotGrid;

use crate::support::*;

async fn announcements(svc: &TestService) -> Vec<Json> {
    let rows = svc
        .db
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT payload FROM outbox WHERE routing_key = 'logistics.slots.announced.v1' \
             ORDER BY id",
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|r| r.try_get::<Json>("", "payload").unwrap()["data"].clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_take_crews_with_room_in_their_window_and_each_change_is_announced_once() {
    // Two windows in UTC: 08–12 and 12–16. The sweep is run by hand below.
    install(SlotConfig {
        grid: SlotGrid::parse("08:00-12:00,12:00-16:00", "UTC").unwrap(),
        horizon_days: 3,
        every: Duration::from_secs(3600),
    });
    let svc = start().await;
    let carrier = new_carrier(&svc, "Blitz").await;
    // Two a day: one per window.
    let crew = new_crew(&svc, carrier, "B1", &["10"], 2).await;
    let retailer = Uuid::now_v7();
    let d = day(2);

    let first = job_for(&svc, &swap_on(retailer, "A", "10115", at(d, 8))).await;
    assert_eq!(first["crew_id"], crew.to_string());
    let sent = announcements(&svc).await;
    assert_eq!(sent.len(), 1, "announced with the job: {sent:?}");
    assert_eq!(sent[0]["date"], d.to_string());
    assert_eq!(sent[0]["sequence"], 1);
    let free: Vec<u64> = sent[0]["crews"][0]["windows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["free"].as_u64().unwrap())
        .collect();
    assert_eq!(free, [0, 1]);
    assert_eq!(sent[0]["crews"][0]["postcode_prefixes"], json!(["10"]));

    // The morning window is full: a second morning job waits for the dispatcher.
    let second = job_for(&svc, &swap_on(retailer, "B", "10115", at(d, 9))).await;
    assert_eq!(second["crew_id"], Json::Null, "{second}");
    // The afternoon still has room: the crew's day is then full.
    let afternoon = job_for(&svc, &swap_on(retailer, "D", "10115", at(d, 13))).await;
    assert_eq!(afternoon["crew_id"], crew.to_string(), "{afternoon}");
    let sent = announcements(&svc).await;
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!(sent[1]["sequence"], 2);
    assert_eq!(sent[1]["crews"][0]["windows"][0]["free"], 0);
    assert_eq!(sent[1]["crews"][0]["windows"][1]["free"], 0);
    // A job a manager overbooked gets the crew anyway; the day stays full, so nothing new is
    // announced.
    let mut over = swap_on(retailer, "C", "10115", at(d, 10));
    over.overbooked = true;
    let third = job_for(&svc, &over).await;
    assert_eq!(third["crew_id"], crew.to_string(), "{third}");
    let sent = announcements(&svc).await;
    assert_eq!(sent.len(), 2, "{sent:?}");

    // The sweep announces the other days of the horizon once, and nothing again unchanged.
    let before = sent.len();
    let written = announce_horizon(&svc.db, Utc::now()).await.unwrap();
    assert_eq!(written, 3, "today and two more days besides {d}");
    assert_eq!(announce_horizon(&svc.db, Utc::now()).await.unwrap(), 0);
    assert_eq!(announcements(&svc).await.len(), before + 3);
    svc.stop().await;
}
