//! A failed attempt revisited on its own: *not home* and *unit not ready* move the visit to the
//! next day a crew of the job's carrier has room, in the same hours, in the failure's own
//! transaction (`logistics.job.scheduled.v1` after `logistics.job.failed.v1`); *refused* and
//! *wrong address* leave it failed for the dispatcher.

use super::crew::{browser, new_member, page, post_form, signed_in};
use crate::support::*;

/// The outbox rows about `job`, oldest first: (routing key, data).
async fn messages_of(db: &DatabaseConnection, job: &str) -> Vec<(String, Json)> {
    db.query_all_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT routing_key, payload FROM outbox WHERE payload->'data'->>'job_id' = $1 \
         ORDER BY created_at, id",
        [job.into()],
    ))
    .await
    .unwrap()
    .into_iter()
    .map(|r| {
        (
            r.try_get::<String>("", "routing_key").unwrap(),
            r.try_get::<Json>("", "payload").unwrap()["data"].clone(),
        )
    })
    .collect()
}

fn time(v: &Json) -> chrono::DateTime<Utc> {
    serde_json::from_value(v.clone()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_home_is_revisited_on_the_next_day_with_room_and_a_refusal_waits_for_the_dispatcher() {
    let svc = start().await;
    // Carrier A has two crews of one visit a day; carrier B covers the same postcodes.
    let a = new_carrier(&svc, "A").await;
    let van = new_crew(&svc, a, "Van", &["10"], 1).await;
    let bike = new_crew(&svc, a, "Bike", &["10"], 1).await;
    let b = new_carrier(&svc, "B").await;
    let other = new_crew(&svc, b, "Other", &["10"], 5).await;
    let retailer = Uuid::now_v7();
    let (d, d1, d2) = (day(1), day(2), day(3));
    let j = job_for(&svc, &swap_on(retailer, "J", "10115", at(d, 9))).await;
    let r = job_for(&svc, &swap_on(retailer, "R", "10117", at(d, 14))).await;
    assert_eq!(j["crew_id"], van.to_string());
    assert_eq!(r["crew_id"], bike.to_string());
    // The day after is full for A (B still has room there, but B is not A).
    for (serial, crew) in [("T1", van), ("T2", bike), ("T3", other)] {
        let t = job_for(&svc, &swap_on(retailer, serial, "10119", at(d1, 8))).await;
        assert_eq!(t["crew_id"], crew.to_string(), "{serial}");
    }
    let (j, r) = (id_of(&j), id_of(&r));
    let scheduled_before = outbox(&svc.db, SCHEDULED).await.len();

    // Nobody home: the first day with room for A is d2; the crew has room there and keeps it.
    let (status, job) = post_json(
        &svc,
        &format!("/api/jobs/{j}/fail"),
        json!({"reason": "not_home", "note": "rang twice"}),
    )
    .await;
    assert_eq!(status, 200, "{job}");
    assert_eq!(job["status"], "scheduled");
    assert_eq!(job["attempts"], 1);
    assert_eq!(job["failure_reason"], "not_home");
    assert_eq!(job["failure_note"], "rang twice");
    assert_eq!(job["crew_id"], van.to_string());
    assert_eq!(job["carrier_id"], a.to_string());
    assert_eq!(job["visit_date"], d2.to_string());
    assert_eq!(job["position"], 1);
    assert_eq!(time(&job["window"]["start"]), at(d2, 9));
    assert_eq!(time(&job["window"]["end"]), at(d2, 11));
    let k = kinds(&job);
    assert_eq!(k[k.len() - 2..], ["failed", "rescheduled"], "{job}");
    let ev = &job["events"].as_array().unwrap().last().unwrap()["details"];
    assert_eq!(ev["reason"], "revisit after a failed attempt (not_home)");
    assert_eq!(ev["crew_from"], van.to_string());
    assert_eq!(ev["crew_to"], van.to_string());
    assert_eq!(time(&ev["to"]["start"]), at(d2, 9));
    // One scheduled message more, with the new window, after the failure.
    assert_eq!(outbox(&svc.db, SCHEDULED).await.len(), scheduled_before + 1);
    let sent = messages_of(&svc.db, &j).await;
    let keys: Vec<&str> = sent.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, [SCHEDULED, FAILED, SCHEDULED]);
    let (failed, again) = (&sent[1].1, &sent[2].1);
    assert_eq!(time(&again["window"]["start"]), at(d2, 9));
    assert_eq!(time(&again["window"]["end"]), at(d2, 11));
    assert!(time(&again["scheduled_at"]) > time(&failed["failed_at"]));
    // The crew's list: off d, on d2; B's crew never got it.
    assert!(visits_of(&svc, van, d).await.is_empty());
    assert_eq!(visits_of(&svc, van, d2).await, [j.as_str()]);
    assert_eq!(visits_of(&svc, other, d2).await, Vec::<String>::new());

    // Refused, then a wrong address: no new window, the job waits as failed on its day.
    for (reason, attempt) in [("refused", 1), ("wrong_address", 2)] {
        let before = outbox(&svc.db, SCHEDULED).await.len();
        let (status, job) = post_json(
            &svc,
            &format!("/api/jobs/{r}/fail"),
            json!({"reason": reason}),
        )
        .await;
        assert_eq!(status, 200, "{job}");
        assert_eq!(job["status"], "failed", "{reason}");
        assert_eq!(job["attempts"], attempt);
        assert_eq!(job["crew_id"], bike.to_string());
        assert_eq!(job["visit_date"], d.to_string());
        assert_eq!(time(&job["window"]["start"]), at(d, 14));
        assert_eq!(kinds(&job).last().unwrap(), "failed");
        assert_eq!(outbox(&svc.db, SCHEDULED).await.len(), before, "{reason}");
    }
    let keys: Vec<String> = messages_of(&svc.db, &r)
        .await
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(keys, [SCHEDULED, FAILED, FAILED]);
    let (_, waiting) = get_json(&svc, "/api/jobs?status=failed").await;
    let waiting: Vec<&str> = waiting["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_str().unwrap())
        .collect();
    assert_eq!(waiting, [r.as_str()]);

    // Then the unit was not ready: revisited after all. d1 is full, on d2 the van now has J, so
    // the bike (its own crew, with room) takes it in its own hours.
    let (status, job) = post_json(
        &svc,
        &format!("/api/jobs/{r}/fail"),
        json!({"reason": "unit_not_ready"}),
    )
    .await;
    assert_eq!(status, 200, "{job}");
    assert_eq!(job["status"], "scheduled");
    assert_eq!(job["attempts"], 3);
    assert_eq!(job["crew_id"], bike.to_string());
    assert_eq!(job["visit_date"], d2.to_string());
    assert_eq!(time(&job["window"]["start"]), at(d2, 14));
    assert_eq!(visits_of(&svc, bike, d2).await, [r.as_str()]);
    assert!(visits_of(&svc, bike, d).await.is_empty());
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_the_crew_page_not_home_moves_the_visit_to_tomorrows_list_and_refused_keeps_it() {
    let svc = start().await;
    let a = new_carrier(&svc, "A").await;
    let van = new_crew(&svc, a, "Van", &["10"], 5).await;
    let retailer = Uuid::now_v7();
    let today = day(0);
    let tomorrow = day(1);
    let home = id_of(&job_for(&svc, &swap_on(retailer, "H", "10115", at(today, 10))).await);
    let door = id_of(&job_for(&svc, &swap_on(retailer, "D", "10117", at(today, 12))).await);
    new_member(&svc, a, van, "van@example.com").await;
    let client = browser();
    let csrf = signed_in(&svc, &client, "van@example.com").await;
    let scheduled_before = outbox(&svc.db, SCHEDULED).await.len();

    let (status, location) = post_form(
        &svc,
        &client,
        &format!("/crew/visits/{home}/fail"),
        &[("csrf", &csrf), ("reason", "not_home"), ("note", "")],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (303, &*format!("/crew/visits/{home}?saved=failed"))
    );
    let (_, html) = page(&svc, &client, &location).await;
    assert!(
        html.contains(&format!(
            "The visit is rescheduled to {}.",
            en().window(at(tomorrow, 10), at(tomorrow, 12))
        )),
        "{html}"
    );
    assert_eq!(outbox(&svc.db, SCHEDULED).await.len(), scheduled_before + 1);
    let (_, list) = page(&svc, &client, "/crew").await;
    assert!(!list.contains(&format!("/crew/visits/{home}")), "{list}");
    assert!(list.contains(&format!("/crew/visits/{door}")), "{list}");
    let (_, list) = page(&svc, &client, &format!("/crew?date={tomorrow}")).await;
    assert!(list.contains(&format!("/crew/visits/{home}")), "{list}");
    assert!(!list.contains(&format!("/crew/visits/{door}")), "{list}");

    // Refused at the door: the visit stays today, failed, for the dispatcher.
    let (status, location) = post_form(
        &svc,
        &client,
        &format!("/crew/visits/{door}/fail"),
        &[
            ("csrf", &csrf),
            ("reason", "refused"),
            ("note", "does not want it"),
        ],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (303, &*format!("/crew/visits/{door}?saved=failed"))
    );
    let (_, html) = page(&svc, &client, &location).await;
    assert!(
        html.contains("Saved: failed attempt. The dispatcher will reschedule."),
        "{html}"
    );
    assert_eq!(outbox(&svc.db, SCHEDULED).await.len(), scheduled_before + 1);
    let (_, job) = get_json(&svc, &format!("/api/jobs/{door}")).await;
    assert_eq!(
        (job["status"].as_str(), job["visit_date"].as_str()),
        (Some("failed"), Some(&*today.to_string()))
    );
    let (_, list) = page(&svc, &client, "/crew").await;
    assert!(list.contains(&format!("/crew/visits/{door}")), "{list}");
    assert!(list.contains("failed attempt"), "{list}");
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revisit_onto_another_crew_leaves_the_crew_page_for_the_days_list() {
    let svc = start().await;
    let a = new_carrier(&svc, "A").await;
    let van = new_crew(&svc, a, "Van", &["10"], 1).await;
    let bike = new_crew(&svc, a, "Bike", &["10"], 1).await;
    let retailer = Uuid::now_v7();
    let (today, tomorrow) = (day(0), day(1));
    let job = id_of(&job_for(&svc, &swap_on(retailer, "J", "10115", at(today, 10))).await);
    // Tomorrow the van is full; the bike has room.
    let t = job_for(&svc, &swap_on(retailer, "T", "10117", at(tomorrow, 8))).await;
    assert_eq!(t["crew_id"], van.to_string());
    new_member(&svc, a, van, "van@example.com").await;
    let client = browser();
    let csrf = signed_in(&svc, &client, "van@example.com").await;
    let (status, location) = post_form(
        &svc,
        &client,
        &format!("/crew/visits/{job}/fail"),
        &[("csrf", &csrf), ("reason", "unit_not_ready"), ("note", "")],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/crew?saved=revisit-moved")
    );
    let (_, html) = page(&svc, &client, &location).await;
    assert!(html.contains("rescheduled onto another crew"), "{html}");
    let (status, _) = page(&svc, &client, &format!("/crew/visits/{job}")).await;
    assert_eq!(status, 404, "no longer the van's visit");
    assert_eq!(visits_of(&svc, bike, tomorrow).await, [job.as_str()]);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_revisits_at_once_cannot_overfill_a_crews_next_day() {
    let svc = start().await;
    let a = new_carrier(&svc, "A").await;
    let van = new_crew(&svc, a, "Van", &["10"], 2).await;
    let retailer = Uuid::now_v7();
    let (d, d1, d2) = (day(1), day(2), day(3));
    let first = id_of(&job_for(&svc, &swap_on(retailer, "J1", "10115", at(d, 9))).await);
    let second = id_of(&job_for(&svc, &swap_on(retailer, "J2", "10117", at(d, 11))).await);
    // The day after has one slot left.
    job_for(&svc, &swap_on(retailer, "T", "10119", at(d1, 8))).await;
    let fail = |job: String| {
        let svc = &svc;
        async move {
            post_json(
                svc,
                &format!("/api/jobs/{job}/fail"),
                json!({"reason": "not_home"}),
            )
            .await
        }
    };
    let ((s1, j1), (s2, j2)) = tokio::join!(fail(first.clone()), fail(second.clone()));
    assert_eq!((s1, s2), (200, 200), "{j1} {j2}");
    let mut days = [
        j1["visit_date"].as_str().unwrap().to_owned(),
        j2["visit_date"].as_str().unwrap().to_owned(),
    ];
    days.sort();
    assert_eq!(
        days,
        [d1.to_string(), d2.to_string()],
        "one takes the slot, one the day after"
    );
    assert_eq!(visits_of(&svc, van, d1).await.len(), 2);
    assert_eq!(visits_of(&svc, van, d2).await.len(), 1);
    assert!(visits_of(&svc, van, d).await.is_empty());
    svc.stop().await;
}
