//! The carrier wall: a carrier never reaches another carrier's jobs or crews.

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_carrier_never_reaches_another_carriers_jobs_or_crews() {
    let svc = start().await;
    let a = new_carrier(&svc, "A").await;
    let b = new_carrier(&svc, "B").await;
    let a_crew = new_crew(&svc, a, "A1", &["10"], 5).await;
    let b_crew = new_crew(&svc, b, "B1", &["20"], 5).await;
    let b_full = new_crew(&svc, b, "B2", &["30"], 1).await;
    let retailer = Uuid::now_v7();
    let d = day(3);
    let a_job = job_for(&svc, &swap_on(retailer, "A", "10115", at(d, 9))).await;
    let b_job = job_for(&svc, &swap_on(retailer, "B", "20095", at(d, 9))).await;
    job_for(&svc, &swap_on(retailer, "F", "30159", at(d, 8))).await;
    let b_waiting = job_for(&svc, &swap_on(retailer, "W", "30159", at(d, 9))).await;
    assert_eq!(b_job["crew_id"], b_crew.to_string());
    assert_eq!(b_waiting["crew_id"], Json::Null);
    let _ = b_full;

    let before = board(&svc.db).await;
    let window =
        json!({"window_start": at(day(4), 9), "window_end": at(day(4), 11), "reason": "r"});
    let cases: Vec<(&str, String, Json)> = vec![
        (
            "A assigns B's job",
            format!("/api/carriers/{a}/jobs/{}/assign", id_of(&b_job)),
            json!({"crew_id": a_crew, "reason": "r"}),
        ),
        (
            "A assigns B's job to B's crew",
            format!("/api/carriers/{a}/jobs/{}/assign", id_of(&b_job)),
            json!({"crew_id": b_crew, "reason": "r"}),
        ),
        (
            "A assigns its job to B's crew",
            format!("/api/carriers/{a}/jobs/{}/assign", id_of(&a_job)),
            json!({"crew_id": b_crew, "reason": "r"}),
        ),
        (
            "A assigns an unassigned job of B's region",
            format!("/api/carriers/{a}/jobs/{}/assign", id_of(&b_waiting)),
            json!({"crew_id": a_crew, "reason": "r"}),
        ),
        (
            "A reschedules B's job",
            format!("/api/carriers/{a}/jobs/{}/reschedule", id_of(&b_job)),
            window.clone(),
        ),
        (
            "A reschedules an unassigned job of B's region",
            format!("/api/carriers/{a}/jobs/{}/reschedule", id_of(&b_waiting)),
            window.clone(),
        ),
        (
            "B assigns A's job",
            format!("/api/carriers/{b}/jobs/{}/assign", id_of(&a_job)),
            json!({"crew_id": b_crew, "reason": "r"}),
        ),
        (
            "B reschedules A's job",
            format!("/api/carriers/{b}/jobs/{}/reschedule", id_of(&a_job)),
            window.clone(),
        ),
        (
            "a crew under an unknown carrier",
            format!("/api/carriers/{}/crews", Uuid::now_v7()),
            json!({"name": "x", "home_postcode_prefixes": ["1"], "visits_per_day": 1}),
        ),
    ];
    for (what, path, body) in cases {
        post_expect_problem(&svc, &path, body, 404, "not_found", what).await;
    }
    assert_eq!(board(&svc.db).await, before);

    // Reads: each board shows only its own crews and jobs.
    let (_, board_a) = get_json(&svc, &format!("/api/carriers/{a}/dispatch?date={d}")).await;
    let text = board_a.to_string();
    assert!(text.contains(&id_of(&a_job)));
    for foreign in [
        id_of(&b_job),
        id_of(&b_waiting),
        b_crew.to_string(),
        b_full.to_string(),
    ] {
        assert!(!text.contains(&foreign), "A's board shows {foreign}");
    }
    let (_, crews_a) = get_json(&svc, &format!("/api/carriers/{a}/crews")).await;
    assert!(!crews_a.to_string().contains(&b_crew.to_string()));
    let (_, board_b) = get_json(&svc, &format!("/api/carriers/{b}/dispatch?date={d}")).await;
    assert!(!board_b.to_string().contains(&id_of(&a_job)));
    assert!(board_b.to_string().contains(&id_of(&b_waiting)));
    // A crew's day holds only that crew's visits.
    let (_, visits) = get_json(&svc, &format!("/api/crews/{a_crew}/visits?date={d}")).await;
    let ids: Vec<&str> = visits["visits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["job_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [id_of(&a_job)]);
    svc.stop().await;
}
