//! Nobody waits forever on a job: the sweep escalates each overdue wait once — unassigned a day
//! before the window (to the dispatchers of the carriers granted its postcode, or the operator
//! where none is), a window passed without a completed visit, a failed attempt nobody
//! rescheduled — the API's job view shows holder and due time, and the dispatcher's board lists
//! the carrier's overdue jobs at the top. The sweep runs at chosen instants: no sleeping.

use logistics::app::overdue::fire;

use super::dispatcher::{new_dispatcher, signed_in};
use crate::support::*;

async fn escalations(db: &DatabaseConnection, job: &str, kind: &str) -> i64 {
    count(
        db,
        "SELECT 1 FROM job_events WHERE job_id = $1::uuid AND kind = 'escalated' \
         AND details->>'overdue' = $2",
        vec![job.into(), kind.into()],
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_overdue_wait_of_a_job_is_escalated_once_to_its_holder() {
    let svc = start().await;
    let a = new_carrier(&svc, "A").await;
    let van = new_crew(&svc, a, "Van", &["10"], 5).await;
    grant(&svc, a, &["10", "40"]).await;
    let retailer = Uuid::now_v7();
    let date = day(3);
    let start_at = at(date, 9);
    let on_crew = job_for(&svc, &swap_on(retailer, "SN-C", "10115", start_at)).await;
    let in_region = job_for(&svc, &swap_on(retailer, "SN-R", "40211", start_at)).await;
    let nowhere = job_for(&svc, &swap_on(retailer, "SN-N", "99999", start_at)).await;
    assert_eq!(on_crew["crew_id"], van.to_string());
    assert_eq!(in_region["crew_id"], Json::Null);
    assert_eq!(nowhere["crew_id"], Json::Null);
    let (on_crew, in_region, nowhere) = (id_of(&on_crew), id_of(&in_region), id_of(&nowhere));
    let db = &svc.db;

    // More than a day before the window: nothing is due.
    assert_eq!(fire(db, start_at - Span::hours(25)).await.unwrap(), 0);
    // A day before it: the two jobs on no crew are escalated, each once, to whom holds them.
    let due = start_at - Span::hours(23);
    assert_eq!(fire(db, due).await.unwrap(), 2);
    assert_eq!(fire(db, due + Span::minutes(10)).await.unwrap(), 0);
    assert_eq!(escalations(db, &in_region, "unassigned").await, 1);
    assert_eq!(escalations(db, &nowhere, "unassigned").await, 1);
    assert_eq!(escalations(db, &on_crew, "unassigned").await, 0);
    assert_eq!(
        count(
            db,
            "SELECT 1 FROM jobs WHERE id = $1::uuid AND escalated_to = 'operator'",
            vec![nowhere.clone().into()]
        )
        .await,
        1
    );
    assert_eq!(
        count(
            db,
            "SELECT 1 FROM jobs WHERE id = $1::uuid AND escalated_to = 'dispatchers'",
            vec![in_region.clone().into()]
        )
        .await,
        1
    );
    // The API shows the holder and the due time of each.
    let (_, job) = get_json(&svc, &format!("/api/jobs/{on_crew}")).await;
    assert_eq!(job["holder"], "crew", "{job}");
    assert_eq!(job["overdue"], Json::Null, "{job}");
    assert_eq!(
        job["due_at"]
            .as_str()
            .unwrap()
            .parse::<chrono::DateTime<Utc>>()
            .unwrap(),
        start_at + Span::hours(2)
    );
    let (_, job) = get_json(&svc, &format!("/api/jobs/{nowhere}")).await;
    assert_eq!(job["holder"], "operator", "{job}");
    assert_eq!(
        job["due_at"]
            .as_str()
            .unwrap()
            .parse::<chrono::DateTime<Utc>>()
            .unwrap(),
        start_at - Span::hours(24)
    );
    let (_, job) = get_json(&svc, &format!("/api/jobs/{in_region}")).await;
    assert_eq!(job["holder"], "dispatcher", "{job}");

    // The window passes without a completed visit: every one is overdue again, once.
    let passed = start_at + Span::hours(2) + Span::minutes(1);
    assert_eq!(fire(db, passed).await.unwrap(), 3);
    assert_eq!(fire(db, passed).await.unwrap(), 0);
    for job in [&on_crew, &in_region, &nowhere] {
        assert_eq!(escalations(db, job, "window_passed").await, 1, "{job}");
    }

    // A failed attempt nobody reschedules: the retailer holds it; flagged after 48 h, once.
    let (status, failed) = post_json(
        &svc,
        &format!("/api/jobs/{on_crew}/fail"),
        json!({"reason": "refused"}),
    )
    .await;
    assert_eq!(status, 200, "{failed}");
    let (_, job) = get_json(&svc, &format!("/api/jobs/{on_crew}")).await;
    assert_eq!(
        (job["status"].as_str(), job["holder"].as_str()),
        (Some("failed"), Some("retailer")),
        "{job}"
    );
    // (These moments lie before the window passed above: the sweep sees the two unassigned
    // jobs as unassigned again there, so only the failed job's escalations are counted.)
    let failed_at = Utc::now();
    fire(db, failed_at + Span::hours(47)).await.unwrap();
    assert_eq!(escalations(db, &on_crew, "not_rescheduled").await, 0);
    fire(db, failed_at + Span::hours(49)).await.unwrap();
    assert_eq!(escalations(db, &on_crew, "not_rescheduled").await, 1);
    fire(db, failed_at + Span::hours(50)).await.unwrap();
    assert_eq!(escalations(db, &on_crew, "not_rescheduled").await, 1);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_board_lists_the_carriers_overdue_jobs_at_the_top() {
    let svc = start().await;
    let a = new_carrier(&svc, "A").await;
    let b = new_carrier(&svc, "B").await;
    new_crew(&svc, a, "Van", &["10"], 5).await;
    grant(&svc, a, &["10", "40"]).await;
    grant(&svc, b, &["50"]).await;
    let retailer = Uuid::now_v7();
    // Within a day of its window and on no crew: overdue now. Another carrier's is not shown.
    let soon = Utc::now() + Span::hours(3);
    let mine = id_of(&job_for(&svc, &swap_on(retailer, "SN-M", "40211", soon)).await);
    let theirs = id_of(&job_for(&svc, &swap_on(retailer, "SN-T", "50667", soon)).await);
    // Far ahead, on a crew: not overdue.
    let later = at(day(5), 9);
    let fine = id_of(&job_for(&svc, &swap_on(retailer, "SN-F", "10115", later)).await);
    new_dispatcher(&svc, a, "dana@example.com").await;
    let client = super::crew::browser();
    signed_in(&svc, &client, "dana@example.com").await;
    let html = client
        .get(svc.url("/dispatch"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let top = html
        .split("id=\"overdue\"")
        .nth(1)
        .unwrap_or_else(|| panic!("no overdue section: {html}"));
    let top = top.split("</section>").next().unwrap();
    assert!(top.contains(&format!("job-{mine}")), "{top}");
    assert!(top.contains("data-overdue=\"unassigned\""), "{top}");
    assert!(!top.contains(&theirs) && !top.contains(&fine), "{top}");
    svc.stop().await;
}
