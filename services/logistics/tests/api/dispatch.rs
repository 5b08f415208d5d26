//! The dispatcher's JSON API: the day by crew, reassigning within capacity, rescheduling,
//! concurrent actions serialised.

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dispatcher_sees_the_day_by_crew_and_the_unassigned_jobs_in_their_regions() {
    let svc = start().await;
    let a = new_carrier(&svc, "A").await;
    let b = new_carrier(&svc, "B").await;
    let a1 = new_crew(&svc, a, "A1", &["10"], 2).await;
    let a2 = new_crew(&svc, a, "A2", &["12"], 1).await;
    let b1 = new_crew(&svc, b, "B1", &["20"], 1).await;
    let retailer = Uuid::now_v7();
    let d = day(3);
    let late = job_for(&svc, &swap_on(retailer, "L", "10115", at(d, 15))).await;
    let early = job_for(&svc, &swap_on(retailer, "E", "10115", at(d, 8))).await;
    let a_over = job_for(&svc, &swap_on(retailer, "O", "10117", at(d, 10))).await; // A1 full
    let b_job = job_for(&svc, &swap_on(retailer, "B", "20095", at(d, 9))).await;
    let b_over = job_for(&svc, &swap_on(retailer, "BO", "20095", at(d, 11))).await; // B1 full
    let elsewhere = job_for(&svc, &swap_on(retailer, "X", "80331", at(d, 9))).await;
    let other_day = job_for(&svc, &swap_on(retailer, "D", "10115", at(day(4), 9))).await;
    assert_eq!(a_over["crew_id"], Json::Null);
    assert_eq!(b_over["crew_id"], Json::Null);

    let (status, board_a) = get_json(&svc, &format!("/api/carriers/{a}/dispatch?date={d}")).await;
    assert_eq!(status, 200, "{board_a}");
    assert_eq!(board_a["date"], d.to_string());
    let crews = board_a["crews"].as_array().unwrap();
    let names: Vec<&str> = crews
        .iter()
        .map(|c| c["crew"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["A1", "A2"]);
    assert_eq!(crews[0]["crew"]["id"], a1.to_string());
    let a1_jobs: Vec<String> = crews[0]["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(id_of)
        .collect();
    assert_eq!(a1_jobs, [id_of(&early), id_of(&late)]);
    assert_eq!(crews[0]["jobs"][0]["position"], 1);
    assert_eq!(crews[0]["jobs"][1]["position"], 2);
    assert_eq!(crews[1]["crew"]["id"], a2.to_string());
    assert_eq!(crews[1]["jobs"].as_array().unwrap().len(), 0);
    let unassigned: Vec<String> = board_a["unassigned"]
        .as_array()
        .unwrap()
        .iter()
        .map(id_of)
        .collect();
    assert_eq!(unassigned, [id_of(&a_over)]);

    let (_, board_b) = get_json(&svc, &format!("/api/carriers/{b}/dispatch?date={d}")).await;
    assert_eq!(board_b["crews"][0]["crew"]["id"], b1.to_string());
    let b_jobs: Vec<String> = board_b["crews"][0]["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(id_of)
        .collect();
    assert_eq!(b_jobs, [id_of(&b_job)]);
    let unassigned: Vec<String> = board_b["unassigned"]
        .as_array()
        .unwrap()
        .iter()
        .map(id_of)
        .collect();
    assert_eq!(
        unassigned,
        [id_of(&b_over)],
        "no job of A's region, nor the one nobody covers"
    );
    let everywhere = format!("{board_a}{board_b}");
    assert!(!everywhere.contains(&id_of(&elsewhere)));
    assert!(!everywhere.contains(&id_of(&other_day)));

    // The other day.
    let (_, next) = get_json(&svc, &format!("/api/carriers/{a}/dispatch?date={}", day(4))).await;
    assert_eq!(next["crews"][0]["jobs"][0]["id"], other_day["id"]);

    let before = board(&svc.db).await;
    for (what, path, status, code) in [
        (
            "unknown carrier",
            format!("/api/carriers/{}/dispatch?date={d}", Uuid::now_v7()),
            404,
            "not_found",
        ),
        (
            "non-UUID carrier",
            format!("/api/carriers/x/dispatch?date={d}"),
            404,
            "not_found",
        ),
        (
            "no date",
            format!("/api/carriers/{a}/dispatch"),
            400,
            "bad_query",
        ),
        (
            "bad date",
            format!("/api/carriers/{a}/dispatch?date=2026-13-01"),
            400,
            "bad_query",
        ),
        (
            "date in another format",
            format!("/api/carriers/{a}/dispatch?date=01.03.2026"),
            400,
            "bad_query",
        ),
    ] {
        get_expect_problem(&svc, &path, status, code, what).await;
    }
    assert_eq!(board(&svc.db).await, before);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dispatcher_reassigns_with_a_reason_within_the_crews_capacity() {
    let svc = start().await;
    let a = new_carrier(&svc, "A").await;
    let a1 = new_crew(&svc, a, "A1", &["10"], 3).await;
    let a2 = new_crew(&svc, a, "A2", &["99"], 1).await;
    let (_, off) = post_json(
        &svc,
        &format!("/api/carriers/{a}/crews"),
        json!({"name": "A off", "home_postcode_prefixes": ["99"], "visits_per_day": 5, "active": false}),
    )
    .await;
    let off = off["id"].as_str().unwrap().to_owned();
    let retailer = Uuid::now_v7();
    let d = day(3);
    let j1 = job_for(&svc, &swap_on(retailer, "J1", "10115", at(d, 8))).await;
    let j2 = job_for(&svc, &swap_on(retailer, "J2", "10115", at(d, 10))).await;
    let j3 = job_for(&svc, &swap_on(retailer, "J3", "10115", at(d, 12))).await;
    assert_eq!(j2["position"], 2);
    let assign = |job: &Json| format!("/api/carriers/{a}/jobs/{}/assign", id_of(job));

    // J1 moves to A2: J2 and J3 move up on A1.
    let (status, moved) = post_json(
        &svc,
        &assign(&j1),
        json!({"crew_id": a2, "reason": "A2 knows the building"}),
    )
    .await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["crew_id"], a2.to_string());
    assert_eq!(moved["carrier_id"], a.to_string());
    assert_eq!(moved["position"], 1);
    assert_eq!(kinds(&moved), ["scheduled", "assigned", "reassigned"]);
    let details = &moved["events"][2]["details"];
    assert_eq!(details["from"], a1.to_string());
    assert_eq!(details["to"], a2.to_string());
    assert_eq!(details["reason"], "A2 knows the building");
    let (_, j2v) = get_json(&svc, &format!("/api/jobs/{}", id_of(&j2))).await;
    let (_, j3v) = get_json(&svc, &format!("/api/jobs/{}", id_of(&j3))).await;
    assert_eq!(
        (j2v["position"].clone(), j3v["position"].clone()),
        (json!(1), json!(2))
    );

    // The crew it is on already: nothing changes.
    let before = board(&svc.db).await;
    let (status, same) = post_json(
        &svc,
        &assign(&j1),
        json!({"crew_id": a2, "reason": "again"}),
    )
    .await;
    assert_eq!(status, 200, "{same}");
    assert_eq!(board(&svc.db).await, before);

    // A2 is full, "A off" is inactive, the completed job stays where it is; bad bodies.
    let (status, done) = post_json(
        &svc,
        &format!("/api/jobs/{}/complete", id_of(&j3)),
        json!({"delivered_serial": "N", "collected_serial": "J3", "recipient_name": "E"}),
    )
    .await;
    assert_eq!(status, 200, "{done}");
    let before = board(&svc.db).await;
    let unknown = Uuid::now_v7();
    let cases: Vec<(&str, String, Json, u16, &str)> = vec![
        (
            "full crew",
            assign(&j2),
            json!({"crew_id": a2, "reason": "r"}),
            409,
            "crew_full",
        ),
        (
            "inactive crew",
            assign(&j2),
            json!({"crew_id": off, "reason": "r"}),
            409,
            "crew_inactive",
        ),
        (
            "completed job",
            assign(&j3),
            json!({"crew_id": a2, "reason": "r"}),
            409,
            "job_already_completed",
        ),
        (
            "unknown crew",
            assign(&j2),
            json!({"crew_id": unknown, "reason": "r"}),
            404,
            "not_found",
        ),
        (
            "unknown job",
            format!("/api/carriers/{a}/jobs/{unknown}/assign"),
            json!({"crew_id": a1, "reason": "r"}),
            404,
            "not_found",
        ),
        (
            "unknown carrier",
            format!("/api/carriers/{unknown}/jobs/{}/assign", id_of(&j2)),
            json!({"crew_id": a1, "reason": "r"}),
            404,
            "not_found",
        ),
        (
            "non-UUID job",
            format!("/api/carriers/{a}/jobs/nope/assign"),
            json!({"crew_id": a1, "reason": "r"}),
            404,
            "not_found",
        ),
        (
            "no reason",
            assign(&j2),
            json!({"crew_id": a1}),
            422,
            "validation_failed",
        ),
        (
            "blank reason",
            assign(&j2),
            json!({"crew_id": a1, "reason": "  "}),
            422,
            "validation_failed",
        ),
        (
            "long reason",
            assign(&j2),
            json!({"crew_id": a1, "reason": "r".repeat(501)}),
            422,
            "validation_failed",
        ),
        (
            "no crew",
            assign(&j2),
            json!({"reason": "r"}),
            422,
            "validation_failed",
        ),
        (
            "non-UUID crew",
            assign(&j2),
            json!({"crew_id": "van-1", "reason": "r"}),
            422,
            "validation_failed",
        ),
        (
            "crew of wrong type",
            assign(&j2),
            json!({"crew_id": 7, "reason": "r"}),
            422,
            "validation_failed",
        ),
    ];
    for (what, path, body, status, code) in cases {
        post_expect_problem(&svc, &path, body, status, code, what).await;
    }
    let res = svc
        .client
        .post(svc.url(&assign(&j2)))
        .header("content-type", "application/json")
        .body("{oops")
        .send()
        .await
        .unwrap();
    assert_problem(res, 400, "malformed_json", "malformed body").await;
    assert_eq!(board(&svc.db).await, before);

    // An unassigned job in the carrier's region can be put on a crew; "from" is null.
    let waiting = job_for(&svc, &swap_on(retailer, "W", "99001", at(d, 9))).await;
    assert_eq!(waiting["crew_id"], Json::Null, "A2 is full");
    let (status, placed) = post_json(
        &svc,
        &assign(&waiting),
        json!({"crew_id": a1, "reason": "A1 passes by"}),
    )
    .await;
    assert_eq!(status, 200, "{placed}");
    assert_eq!(placed["crew_id"], a1.to_string());
    assert_eq!(placed["position"], 1, "09:00 comes before J2 at 10:00");
    assert_eq!(placed["events"][1]["details"]["from"], Json::Null);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_dispatcher_actions_are_serialised() {
    let svc = start().await;
    let a = new_carrier(&svc, "A").await;
    let home = new_crew(&svc, a, "Home", &["10"], 10).await;
    let target = new_crew(&svc, a, "Target", &["77"], 1).await;
    let retailer = Uuid::now_v7();
    let d = day(3);
    for round in 0..3 {
        let j1 = job_for(
            &svc,
            &swap_on(retailer, "A", "10115", at(d + Span::days(round), 9)),
        )
        .await;
        let j2 = job_for(
            &svc,
            &swap_on(retailer, "B", "10115", at(d + Span::days(round), 10)),
        )
        .await;
        let url = |j: &Json| svc.url(&format!("/api/carriers/{a}/jobs/{}/assign", id_of(j)));
        let body = json!({"crew_id": target, "reason": "both at once"});
        let (r1, r2) = tokio::join!(
            svc.client.post(url(&j1)).json(&body).send(),
            svc.client.post(url(&j2)).json(&body).send(),
        );
        let (r1, r2) = (r1.unwrap(), r2.unwrap());
        let (ok, full) = match (r1.status().as_u16(), r2.status().as_u16()) {
            (200, 409) => (r1, r2),
            (409, 200) => (r2, r1),
            other => panic!("round {round}: expected one 200 and one 409, got {other:?}"),
        };
        assert_eq!(
            ok.json::<Json>().await.unwrap()["crew_id"],
            target.to_string()
        );
        assert_problem(full, 409, "crew_full", "the second assignment").await;
        let on_target = count(
            &svc.db,
            "SELECT 1 FROM jobs WHERE crew_id = $1",
            vec![target.into()],
        )
        .await;
        assert_eq!(on_target, round + 1);
    }
    // One job sent to two crews at once: both happen, one after the other.
    let j = job_for(&svc, &swap_on(retailer, "C", "10115", at(day(20), 9))).await;
    let url = svc.url(&format!("/api/carriers/{a}/jobs/{}/assign", id_of(&j)));
    let other = new_crew(&svc, a, "Other", &["55"], 5).await;
    let (r1, r2) = tokio::join!(
        svc.client
            .post(&url)
            .json(&json!({"crew_id": other, "reason": "one"}))
            .send(),
        svc.client
            .post(&url)
            .json(&json!({"crew_id": target, "reason": "two"}))
            .send(),
    );
    assert_eq!(
        (r1.unwrap().status().as_u16(), r2.unwrap().status().as_u16()),
        (200, 200)
    );
    let (_, detail) = get_json(&svc, &format!("/api/jobs/{}", id_of(&j))).await;
    let events = detail["events"].as_array().unwrap();
    let moves: Vec<&Json> = events
        .iter()
        .filter(|e| e["kind"] == "reassigned")
        .collect();
    assert_eq!(moves.len(), 2, "{detail}");
    assert_eq!(moves[0]["details"]["from"], home.to_string());
    assert_eq!(moves[1]["details"]["from"], moves[0]["details"]["to"]);
    assert_eq!(detail["crew_id"], moves[1]["details"]["to"]);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rescheduling_moves_the_visit_and_finds_it_a_crew_on_the_new_day() {
    let svc = start().await;
    let a = new_carrier(&svc, "A").await;
    let main = new_crew(&svc, a, "Main", &["10"], 1).await;
    let spare = new_crew(&svc, a, "Spare", &["1"], 1).await;
    let b = new_carrier(&svc, "B").await;
    let b_crew = new_crew(&svc, b, "B", &["101"], 5).await;
    let _ = b_crew;
    let retailer = Uuid::now_v7();
    let (d1, d2, d3) = (day(3), day(5), day(7));
    let job = job_for(&svc, &swap_on(retailer, "J", "10115", at(d1, 9))).await;
    // B's crew has the longest prefix: the job went to B. Make A's job on A's crew instead.
    assert_eq!(job["carrier_id"], b.to_string());
    let job = job_for(&svc, &swap_on(retailer, "K", "10999", at(d1, 9))).await;
    assert_eq!(job["crew_id"], main.to_string());
    let resched = format!("/api/carriers/{a}/jobs/{}/reschedule", id_of(&job));

    // Main has room on d2: the visit stays with it.
    let (start2, end2) = (at(d2, 13), at(d2, 15));
    let (status, moved) = post_json(
        &svc,
        &resched,
        json!({"window_start": start2, "window_end": end2, "reason": "customer asked"}),
    )
    .await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["crew_id"], main.to_string());
    assert_eq!(moved["visit_date"], d2.to_string());
    assert_eq!(moved["position"], 1);
    assert_eq!(moved["status"], "scheduled");
    let ev = moved["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(ev["kind"], "rescheduled");
    assert_eq!(ev["details"]["reason"], "customer asked");
    assert_eq!(ev["details"]["crew_from"], main.to_string());
    assert_eq!(ev["details"]["crew_to"], main.to_string());
    let start: chrono::DateTime<Utc> =
        serde_json::from_value(moved["window"]["start"].clone()).unwrap();
    assert_eq!(start, start2);
    // The retailer learns the new window.
    let scheduled = outbox(&svc.db, SCHEDULED).await;
    let last = &scheduled.last().unwrap()["data"];
    assert_eq!(last["job_id"], id_of(&job));
    let announced: chrono::DateTime<Utc> =
        serde_json::from_value(last["window"]["start"].clone()).unwrap();
    assert_eq!(announced, start2);

    // Main is full on d3: the job goes to A's other crew covering the postcode (not to B's).
    job_for(&svc, &swap_on(retailer, "M", "10888", at(d3, 8))).await;
    let (status, moved) = post_json(
        &svc,
        &resched,
        json!({"window_start": at(d3, 10), "window_end": at(d3, 12), "reason": "r"}),
    )
    .await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["crew_id"], spare.to_string());
    assert_eq!(moved["carrier_id"], a.to_string());
    // A failed visit (refused: not revisited on its own) rescheduled by the dispatcher is
    // scheduled again; with no room anywhere of A's it waits.
    let (status, failed) = post_json(
        &svc,
        &format!("/api/jobs/{}/fail", id_of(&job)),
        json!({"reason": "refused"}),
    )
    .await;
    assert_eq!(status, 200, "{failed}");
    assert_eq!(failed["status"], "failed");
    job_for(&svc, &swap_on(retailer, "N", "10777", at(d1, 15))).await; // Main's d1 slot is taken back
    let (_, d1_main) = get_json(&svc, &format!("/api/crews/{main}/visits?date={d1}")).await;
    assert_eq!(d1_main["visits"].as_array().unwrap().len(), 1);
    job_for(&svc, &swap_on(retailer, "P", "12345", at(d1, 16))).await; // Spare's d1 slot
    let (status, moved) = post_json(
        &svc,
        &resched,
        json!({"window_start": at(d1, 11), "window_end": at(d1, 13), "reason": "r"}),
    )
    .await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["status"], "scheduled");
    assert_eq!(moved["attempts"], 1);
    assert_eq!(moved["crew_id"], Json::Null);
    assert_eq!(moved["position"], Json::Null);
    // Still A's to handle: it is unassigned in A's region.
    let (_, board_a) = get_json(&svc, &format!("/api/carriers/{a}/dispatch?date={d1}")).await;
    assert!(
        board_a["unassigned"]
            .as_array()
            .unwrap()
            .iter()
            .any(|j| j["id"] == moved["id"])
    );

    // Bad windows and reasons change nothing.
    let before = board(&svc.db).await;
    let now = Utc::now();
    let cases: Vec<(&str, Json, u16, &str)> = vec![
        (
            "end before start",
            json!({"window_start": at(d2, 12), "window_end": at(d2, 10), "reason": "r"}),
            422,
            "validation_failed",
        ),
        (
            "end equals start",
            json!({"window_start": at(d2, 12), "window_end": at(d2, 12), "reason": "r"}),
            422,
            "validation_failed",
        ),
        (
            "in the past",
            json!({"window_start": now - Span::hours(3), "window_end": now - Span::hours(1), "reason": "r"}),
            422,
            "validation_failed",
        ),
        (
            "too far ahead",
            json!({"window_start": now + Span::days(61), "window_end": now + Span::days(61) + Span::hours(2), "reason": "r"}),
            422,
            "validation_failed",
        ),
        (
            "no reason",
            json!({"window_start": at(d2, 10), "window_end": at(d2, 12)}),
            422,
            "validation_failed",
        ),
        (
            "long reason",
            json!({"window_start": at(d2, 10), "window_end": at(d2, 12), "reason": "r".repeat(501)}),
            422,
            "validation_failed",
        ),
        (
            "not a time",
            json!({"window_start": "tomorrow", "window_end": at(d2, 12), "reason": "r"}),
            422,
            "validation_failed",
        ),
        (
            "no window",
            json!({"reason": "r"}),
            422,
            "validation_failed",
        ),
    ];
    for (what, body, status, code) in cases {
        post_expect_problem(&svc, &resched, body, status, code, what).await;
    }
    let problem = post_expect_problem(
        &svc,
        &resched,
        json!({"window_start": now - Span::hours(1), "window_end": now - Span::hours(2), "reason": ""}),
        422,
        "validation_failed",
        "all wrong",
    )
    .await;
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["reason", "window_end", "window_start"]);
    let ok = json!({"window_start": at(d2, 10), "window_end": at(d2, 12), "reason": "r"});
    post_expect_problem(
        &svc,
        &format!("/api/carriers/{a}/jobs/{}/reschedule", Uuid::now_v7()),
        ok.clone(),
        404,
        "not_found",
        "unknown job",
    )
    .await;
    // A completed job keeps its visit.
    let done = job_for(&svc, &swap_on(retailer, "Q", "10555", at(d2, 17))).await;
    assert_eq!(done["carrier_id"], a.to_string(), "{done}");
    let (status, _) = post_json(
        &svc,
        &format!("/api/jobs/{}/complete", id_of(&done)),
        json!({"delivered_serial": "N", "collected_serial": "Q", "recipient_name": "E"}),
    )
    .await;
    assert_eq!(status, 200);
    let before_done = board(&svc.db).await;
    post_expect_problem(
        &svc,
        &format!("/api/carriers/{a}/jobs/{}/reschedule", id_of(&done)),
        ok,
        409,
        "job_already_completed",
        "completed",
    )
    .await;
    assert_eq!(board(&svc.db).await, before_done);
    assert_ne!(before, before_done);
    svc.stop().await;
}
