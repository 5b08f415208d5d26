//! End-to-end: the carrier-region grab of issue 10 now does no harm. Carrier B's token tries to
//! declare carrier A's postcode for a crew, and an inactive crew covering `0`…`9` (which once
//! showed B every unassigned job of every retailer): both refused. The next swap in A's region
//! goes to A's crew; B sees none of it (no customer data) and cannot fail it. Asserted in the
//! logistics and retailer databases.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{DEADLINE, OPERATOR_TOKEN, Svc, System, count, strings};
use kummerer_testkit::eventually;
use serde_json::{Value, json};

/// `method path` on logistics with `token`: status and JSON body (`Null` if none).
async fn call(
    system: &System,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = system
        .client
        .request(method, system.url(Svc::Logistics, path))
        .bearer_auth(token);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_carrier_cannot_grab_another_carriers_region_or_its_customers() {
    let system = System::start().await;
    let seed = system.seed().await;
    let logistics = system.db(Svc::Logistics).await;
    let retailer = system.db(Svc::Retailer).await;
    // A covers 10… (the seed's customers live at 10115); B is granted 80… only.
    let a = system.carrier("Kurier Nord", "10").await;
    let b = system.carrier("Kurier Süd", "80").await;
    let (post, put, get) = (
        reqwest::Method::POST,
        reqwest::Method::PUT,
        reqwest::Method::GET,
    );

    // The grab: B's token declares A's postcode, then everything on an inactive crew; and it
    // tries to grant itself A's region. All refused; nothing stored.
    let crews = format!("/api/carriers/{}/crews", b.id);
    let digits: Vec<String> = (0..10).map(|i| i.to_string()).collect();
    for (what, body) in [
        (
            "A's postcode",
            json!({"name": "Grab", "home_postcode_prefixes": ["10"], "visits_per_day": 50}),
        ),
        (
            "every postcode, inactive",
            json!({"name": "Shadow", "home_postcode_prefixes": digits, "visits_per_day": 50,
                   "active": false}),
        ),
    ] {
        let (status, problem) = call(&system, post.clone(), &crews, &b.token, Some(body)).await;
        assert_eq!(status, 422, "{what}: {problem}");
        assert_eq!(
            problem["code"], "prefix_outside_regions",
            "{what}: {problem}"
        );
    }
    let regions = format!("/api/carriers/{}/regions", b.id);
    let (status, _) = call(
        &system,
        put,
        &regions,
        &b.token,
        Some(json!({"postcode_prefixes": ["0", "1", "10"]})),
    )
    .await;
    assert_eq!(status, 401, "a carrier grants itself nothing");
    assert_eq!(
        count(
            &logistics,
            &format!("SELECT count(*) FROM crews WHERE carrier_id = '{}'", b.id)
        )
        .await,
        1,
        "B keeps only the crew of its own region"
    );
    assert_eq!(
        strings(
            &logistics,
            &format!(
                "SELECT postcode_prefix FROM carrier_regions WHERE carrier_id = '{}' ORDER BY 1",
                b.id
            )
        )
        .await,
        ["80"]
    );

    // The next swap in A's region goes to A's crew.
    let swap = system.swap(&seed, 1).await;
    let job_id = eventually("the job on A's crew", DEADLINE, || async {
        strings(
            &logistics,
            &format!(
                "SELECT id::text FROM jobs WHERE swap_id = '{}' AND crew_id = '{}'",
                swap.swap_id, a.crew_id
            ),
        )
        .await
        .pop()
    })
    .await;
    let date = strings(
        &logistics,
        &format!("SELECT visit_date::text FROM jobs WHERE id = '{job_id}'"),
    )
    .await
    .pop()
    .unwrap();

    // B sees none of it: not in its list, not by id, not on its board; no customer data.
    let mut answers = Vec::new();
    for path in [
        "/api/jobs".to_owned(),
        format!("/api/jobs?retailer_id={}", seed.retailer_id),
        format!("/api/jobs/{job_id}"),
        format!("/api/jobs/{job_id}/photos"),
        format!("/api/carriers/{}/dispatch?date={date}", b.id),
        format!("/api/crews/{}/visits?date={date}", b.crew_id),
    ] {
        let (status, body) = call(&system, get.clone(), &path, &b.token, None).await;
        assert!(status == 200 || status == 404, "{path}: {status} {body}");
        answers.push(body.to_string());
    }
    let (status, _) = call(
        &system,
        get.clone(),
        &format!("/api/jobs/{job_id}"),
        &b.token,
        None,
    )
    .await;
    assert_eq!(status, 404);
    for answer in &answers {
        for secret in [job_id.as_str(), "Erika", "+49 30 1234567", "Hauptstr"] {
            assert!(!answer.contains(secret), "B sees {secret}: {answer}");
        }
    }
    // B cannot fail it, nor reschedule or take it onto its crew.
    let later = chrono::Utc::now() + chrono::Duration::days(3);
    for (path, body) in [
        (
            format!("/api/jobs/{job_id}/fail"),
            json!({"reason": "refused"}),
        ),
        (format!("/api/jobs/{job_id}/on-the-way"), json!({})),
        (
            format!("/api/carriers/{}/jobs/{job_id}/assign", b.id),
            json!({"crew_id": b.crew_id, "reason": "ours now"}),
        ),
        (
            format!("/api/carriers/{}/jobs/{job_id}/reschedule", b.id),
            json!({"window_start": later, "window_end": later + chrono::Duration::hours(2),
                   "reason": "later"}),
        ),
    ] {
        let (status, body) = call(&system, post.clone(), &path, &b.token, Some(body)).await;
        assert_eq!(status, 404, "{path}: {body}");
    }
    // The operator and A see it, on A's crew, untouched.
    let (status, job) = call(
        &system,
        get.clone(),
        &format!("/api/jobs/{job_id}"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(status, 200, "{job}");
    assert_eq!(job["crew_id"], a.crew_id.to_string());
    let (status, _) = call(
        &system,
        get,
        &format!("/api/jobs/{job_id}"),
        OPERATOR_TOKEN,
        None,
    )
    .await;
    assert_eq!(status, 200);

    // In the databases: the job is A's and scheduled, with no step, failure or move recorded;
    // logistics told the retailer of nothing but the scheduling.
    assert_eq!(
        strings(
            &logistics,
            &format!(
                "SELECT concat_ws('|', status, attempts, carrier_id, crew_id) FROM jobs \
                 WHERE id = '{job_id}'"
            ),
        )
        .await,
        [format!("scheduled|0|{}|{}", a.id, a.crew_id)]
    );
    assert_eq!(
        strings(
            &logistics,
            &format!("SELECT kind FROM job_events WHERE job_id = '{job_id}' ORDER BY occurred_at"),
        )
        .await,
        ["scheduled", "assigned"]
    );
    assert_eq!(
        strings(
            &logistics,
            "SELECT routing_key FROM outbox WHERE routing_key LIKE 'logistics.job.%' \
             ORDER BY created_at",
        )
        .await,
        ["logistics.job.scheduled.v1"]
    );
    system
        .wait_timeline(&seed, swap.case_id, &["job_scheduled"])
        .await;
    assert_eq!(
        count(
            &retailer,
            &format!(
                "SELECT count(*) FROM timeline WHERE case_id = '{}' AND source = 'logistics' \
                 AND kind <> 'job_scheduled'",
                swap.case_id
            ),
        )
        .await,
        0,
        "the retailer heard of no failed or moved visit"
    );
    system.stop().await;
}
