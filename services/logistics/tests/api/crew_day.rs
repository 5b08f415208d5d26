//! A crew's visits of the day, in order, with what to deliver and collect.

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crew_sees_its_visits_of_the_day_in_order_with_what_to_deliver_and_collect() {
    let svc = start().await;
    let a = new_carrier(&svc, "A").await;
    let crew = new_crew(&svc, a, "Van", &["10"], 5).await;
    let retailer = Uuid::now_v7();
    let d = day(3);
    let second = job_for(&svc, &swap_on(retailer, "SN-2", "10115", at(d, 14))).await;
    let first = job_for(&svc, &swap_on(retailer, "SN-1", "10117", at(d, 9))).await;
    job_for(&svc, &swap_on(retailer, "SN-3", "10115", at(day(4), 9))).await;

    let (status, day_view) = get_json(&svc, &format!("/api/crews/{crew}/visits?date={d}")).await;
    assert_eq!(status, 200, "{day_view}");
    assert_eq!(day_view["crew_id"], crew.to_string());
    assert_eq!(day_view["crew_name"], "Van");
    assert_eq!(day_view["date"], d.to_string());
    let visits = day_view["visits"].as_array().unwrap();
    assert_eq!(visits.len(), 2);
    assert_eq!(visits[0]["job_id"], first["id"]);
    assert_eq!(visits[0]["position"], 1);
    assert_eq!(visits[1]["job_id"], second["id"]);
    assert_eq!(visits[1]["position"], 2);
    let v = &visits[0];
    assert_eq!(v["status"], "scheduled");
    assert_eq!(v["phone"], "+49 30 1234567");
    assert_eq!(v["address"]["street"], "Hauptstraße 1");
    assert_eq!(v["address"]["postcode"], "10117");
    assert_eq!(v["deliver"]["sku"], "WM-8-NEW");
    assert_eq!(v["deliver"]["name"], "Waschmaschine 8 kg (2026)");
    assert_eq!(v["collect"]["sku"], "WM-8-OLD");
    assert_eq!(v["collect"]["serial"], "SN-1");
    let start: chrono::DateTime<Utc> =
        serde_json::from_value(v["window"]["start"].clone()).unwrap();
    assert_eq!(start, at(d, 9));

    let (_, empty) = get_json(&svc, &format!("/api/crews/{crew}/visits?date={}", day(9))).await;
    assert_eq!(empty["visits"].as_array().unwrap().len(), 0);
    let before = board(&svc.db).await;
    for (what, path, status, code) in [
        (
            "unknown crew",
            format!("/api/crews/{}/visits?date={d}", Uuid::now_v7()),
            404,
            "not_found",
        ),
        (
            "non-UUID crew",
            format!("/api/crews/van/visits?date={d}"),
            404,
            "not_found",
        ),
        (
            "no date",
            format!("/api/crews/{crew}/visits"),
            400,
            "bad_query",
        ),
        (
            "bad date",
            format!("/api/crews/{crew}/visits?date=tomorrow"),
            400,
            "bad_query",
        ),
    ] {
        get_expect_problem(&svc, &path, status, code, what).await;
    }
    assert_eq!(board(&svc.db).await, before);
    svc.stop().await;
}
