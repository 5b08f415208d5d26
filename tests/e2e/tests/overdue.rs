//! Nobody waits forever, across the three real processes: jobs nobody moves become overdue —
//! one no carrier takes, one whose failed visit nobody reschedules — (logistics' sweep
//! escalates each once, the dispatcher's board lists them at the top, the gauge
//! `kummerer_logistics_jobs_overdue` counts them), and an approval request nobody answers is
//! escalated and then expires, the case open again for a decision; a unit an agreement asks back
//! is due by the manufacturer's setting and overdue past it. The durations are the
//! services' settings, shortened to seconds here; the tests wait on conditions with deadlines.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use chrono::{DateTime, Utc};
use common::*;
use kummerer_testkit::{eventually, unique};
use reqwest::StatusCode;
use reqwest::header::COOKIE;
use serde_json::{Value, json};
use uuid::Uuid;

fn env(vars: &[(&str, &str)]) -> Vec<(String, String)> {
    vars.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// The gauge `kummerer_logistics_jobs_overdue` on logistics' /metrics.
async fn jobs_overdue(system: &System) -> Option<f64> {
    metrics_text(system, Svc::Logistics)
        .await
        .lines()
        .find_map(|l| l.strip_prefix("kummerer_logistics_jobs_overdue "))
        .and_then(|v| v.trim().parse().ok())
}

/// A dispatcher of `carrier` signed in on `/dispatch`: the session cookie (`name=value`).
async fn dispatcher(system: &System, carrier: &Carrier) -> String {
    let email = format!("dispo-{}@kurier.example", unique());
    let password = "dispatch-password-1";
    system
        .post_as(
            Svc::Logistics,
            &format!("/api/carriers/{}/dispatchers", carrier.id),
            json!({"email": email, "name": "Dora Dispo", "password": password}),
            Some(&carrier.token),
        )
        .await;
    // A browser's sign-in: the 303 and its cookie, not the page it leads to.
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let base = system.logistics.base_url();
    sign_in(&client, &base, "/dispatch", &email, password).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_nobody_moves_become_overdue_on_the_board_and_the_metric() {
    // A job on no crew is overdue 48 h before its window (24 h by default), so at once for a
    // visit tomorrow; a failed visit may wait 3 s for a new date (48 h by default); the sweep
    // looks every second.
    let system = System::start_with(Backends {
        env: env(&[
            ("KUMMERER_OVERDUE_SWEEP_SECONDS", "1"),
            ("KUMMERER_JOB_UNASSIGNED_LEAD_SECONDS", "172800"),
            ("KUMMERER_JOB_RESCHEDULE_WITHIN_SECONDS", "3"),
        ]),
        ..Backends::default()
    })
    .await;
    let seed = system.seed().await;
    let logistics = system.db(Svc::Logistics).await;
    let jobs_where = |cond: &str| format!("SELECT count(*) FROM jobs WHERE {cond}");

    // 1. No carrier covers the customer's postcode: nobody takes the job; it is overdue at once
    // and escalated to the operator (who must grant the region).
    let first = system.swap(&seed, 1).await;
    let unassigned = jobs_where(&format!(
        "swap_id = '{}' AND crew_id IS NULL AND status = 'scheduled' \
         AND escalated_for = 'unassigned' AND escalated_to = 'operator'",
        first.swap_id
    ));
    eventually(
        "the unassigned job escalated to the operator",
        DEADLINE,
        || async { (count(&logistics, &unassigned).await == 1).then_some(()) },
    )
    .await;
    let first_job = system.job_of(&seed, first.swap_id).await;
    assert_eq!(
        (&first_job["holder"], &first_job["overdue"]),
        (&json!("operator"), &json!("unassigned")),
        "{first_job}"
    );
    let first_id = first_job["id"].as_str().unwrap().to_owned();

    // 2. A carrier is granted the region: the next job goes to its crew, the crew holds it.
    let carrier = system.carrier("Kurier Spree", "10").await;
    let swap = system.swap(&seed, 2).await;
    let job_path = eventually("the job on the carrier's crew", DEADLINE, || async {
        let (status, jobs) = system
            .fetch(
                Svc::Logistics,
                &format!("/api/jobs?retailer_id={}", seed.retailer_id),
                None,
            )
            .await;
        let job = jobs["items"]
            .as_array()?
            .iter()
            .find(|j| j["swap_id"] == swap.swap_id.to_string())?
            .clone();
        (status.is_success() && job["crew_id"] == carrier.crew_id.to_string())
            .then(|| format!("/api/jobs/{}", job["id"].as_str().unwrap_or_default()))
    })
    .await;
    let job_id: Uuid = job_path.rsplit('/').next().unwrap().parse().unwrap();
    let job = system.get(Svc::Logistics, &job_path).await;
    assert_eq!(
        (&job["holder"], &job["overdue"]),
        (&json!("crew"), &Value::Null),
        "{job}"
    );
    assert_eq!(job["due_at"], job["window"]["end"], "{job}");

    // The customer refuses the visit: it waits for a new date, with the retailer.
    let failed = system
        .post_as(
            Svc::Logistics,
            &format!("{job_path}/fail"),
            json!({"reason": "refused", "note": "not today"}),
            Some(&carrier.token),
        )
        .await;
    assert_eq!(failed["status"], "failed", "{failed}");
    assert_eq!(failed["holder"], "retailer", "{failed}");
    let failed_at: DateTime<Utc> = serde_json::from_value(failed["updated_at"].clone()).unwrap();
    let due_at: DateTime<Utc> = serde_json::from_value(failed["due_at"].clone()).unwrap();
    let wait = (due_at - failed_at).num_milliseconds();
    assert!(
        (2_900..=3_100).contains(&wait),
        "due 3 s after the attempt: {failed}"
    );

    // Nobody reschedules it: the sweep escalates it once, to the carrier's dispatchers.
    eventually("the job escalated as not rescheduled", DEADLINE, || async {
        let n = count(
            &logistics,
            &format!(
                "SELECT count(*) FROM jobs WHERE id = '{job_id}' AND status = 'failed' \
                 AND escalated_for = 'not_rescheduled' AND escalated_to = 'dispatchers'"
            ),
        )
        .await;
        (n == 1).then_some(())
    })
    .await;
    let job = system.get(Svc::Logistics, &job_path).await;
    assert_eq!(
        (&job["holder"], &job["overdue"]),
        (&json!("retailer"), &json!("not_rescheduled")),
        "{job}"
    );
    // The metric counts both (the sweep sets the gauge each round).
    eventually("the overdue gauge at 2", DEADLINE, || async {
        (jobs_overdue(&system).await == Some(2.0)).then_some(())
    })
    .await;
    // The dispatcher's board shows both at the top, marked overdue: the failed one on its crew,
    // the unassigned one now in its granted region.
    let cookie = dispatcher(&system, &carrier).await;
    let res = system
        .client
        .get(system.url(Svc::Logistics, "/dispatch"))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let board = res.text().await.unwrap();
    let section = board
        .split("id=\"overdue\"")
        .nth(1)
        .unwrap_or_else(|| panic!("no overdue section: {board}"));
    assert!(
        section.contains(&format!("id=\"job-{job_id}\""))
            && section.contains("data-overdue=\"not_rescheduled\"")
            && section.contains(&format!("id=\"job-{first_id}\""))
            && section.contains("data-overdue=\"unassigned\""),
        "{board}"
    );

    // Every database: logistics escalated it exactly once (the sweep ran on meanwhile); the
    // retailer's case heard of the failed visit; the manufacturer's claim (accepted by rule: a
    // dead-on-arrival unit) is untouched by the visit's wait.
    assert_counts(
        &logistics,
        "logistics",
        &[
            (
                &format!(
                    "SELECT count(*) FROM job_events WHERE job_id = '{job_id}' \
                     AND kind = 'escalated' AND details->>'overdue' = 'not_rescheduled' \
                     AND details->>'holder' = 'retailer'"
                ),
                1,
            ),
            (
                &format!(
                    "SELECT count(*) FROM job_events WHERE job_id = '{first_id}' \
                     AND kind = 'escalated' AND details->>'overdue' = 'unassigned' \
                     AND details->>'holder' = 'operator'"
                ),
                1,
            ),
            (
                "SELECT count(*) FROM job_events WHERE kind = 'escalated'",
                2,
            ),
            (&unassigned, 1),
        ],
    )
    .await;
    let retailer = system.db(Svc::Retailer).await;
    let case = swap.case_id;
    eventually(
        "the retailer to hear of the failed visit",
        DEADLINE,
        || async {
            let n = count(
            &retailer,
            &format!(
                "SELECT count(*) FROM swaps WHERE case_id = '{case}' AND status = 'failed_attempt'"
            ),
        )
        .await;
            (n == 1).then_some(())
        },
    )
    .await;
    let manufacturer = system.db(Svc::Manufacturer).await;
    let claim = swap.claim_id;
    eventually("the manufacturer to hold the claim", DEADLINE, || async {
        let n = count(
            &manufacturer,
            &format!("SELECT count(*) FROM claims WHERE id = '{claim}' AND status = 'accepted'"),
        )
        .await;
        (n == 1).then_some(())
    })
    .await;
    system.assert_no_dead_letters().await;
    system.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approval_request_nobody_answers_is_escalated_then_expires_and_the_case_is_open_again() {
    // A request is due after 3 s and expires after 6 s (30 min and 8 h by default); the sweep
    // looks every second.
    let system = System::start_with(Backends {
        env: env(&[
            ("KUMMERER_REQUEST_ESCALATE_MINUTES", "0.05"),
            ("KUMMERER_REQUEST_EXPIRE_MINUTES", "0.1"),
            ("KUMMERER_REQUEST_SWEEP_SECONDS", "1"),
        ]),
        ..Backends::default()
    })
    .await;
    // The retailer's key approves swaps up to 100 EUR: a swap worth 499 EUR waits for a manager.
    let seed = system.seed_with_limit(json!({}), "100.00").await;
    let (case_id, _serial) = system.open_case(&seed, 1).await;
    let (status, asked) = system.approve(&seed, case_id, None).await.unwrap();
    assert_eq!(status, 202, "{asked}");
    let request_id: Uuid = serde_json::from_value(asked["request_id"].clone()).unwrap();
    let time = |k: &str| -> DateTime<Utc> { serde_json::from_value(asked[k].clone()).unwrap() };
    let (due_at, expires_at) = (time("due_at"), time("expires_at"));
    assert_eq!((expires_at - due_at).num_seconds(), 3, "{asked}");

    let retailer = system.db(Svc::Retailer).await;
    let request = |cond: &str| {
        format!("SELECT count(*) FROM approval_requests WHERE id = '{request_id}' AND {cond}")
    };
    // Escalated once past its due time, then expired (decided by nobody) past its expiry.
    eventually("the request expired", DEADLINE, || async {
        let n = count(
            &retailer,
            &request(
                "status = 'expired' AND decided_by IS NULL AND decided_at >= expires_at \
                 AND escalated_at >= due_at AND escalated_at < decided_at",
            ),
        )
        .await;
        (n == 1).then_some(())
    })
    .await;
    assert!(Utc::now() >= expires_at);

    // Its effect: the case is open again for a decision, with no swap, no claim and no job.
    let case = system.case(&seed, case_id).await;
    assert_eq!(case["status"], "open", "{case}");
    assert_counts(
        &retailer,
        "retailer",
        &[
            (
                &format!("SELECT count(*) FROM cases WHERE id = '{case_id}' AND status = 'open'"),
                1,
            ),
            ("SELECT count(*) FROM swaps", 0),
            (
                "SELECT count(*) FROM outbox WHERE routing_key LIKE 'retailer.swap.%' \
                 OR routing_key LIKE 'retailer.claim.%'",
                0,
            ),
        ],
    )
    .await;
    // The case takes a new decision: the key asks again, a new request (not the expired one).
    let (status, again) = system.approve(&seed, case_id, None).await.unwrap();
    assert_eq!(status, 202, "{again}");
    assert_ne!(again["request_id"], asked["request_id"], "{again}");
    assert_counts(
        &retailer,
        "retailer",
        &[(
            &format!(
                "SELECT count(*) FROM approval_requests WHERE case_id = '{case_id}' \
                 AND status = 'open'"
            ),
            1,
        )],
    )
    .await;
    // Nothing reached the other services.
    assert_counts(
        &system.db(Svc::Manufacturer).await,
        "manufacturer",
        &[("SELECT count(*) FROM claims", 0)],
    )
    .await;
    assert_counts(
        &system.db(Svc::Logistics).await,
        "logistics",
        &[("SELECT count(*) FROM jobs", 0)],
    )
    .await;
    system.assert_no_dead_letters().await;
    system.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_unit_the_agreement_asks_back_is_due_by_the_setting_and_overdue_once_it_passed() {
    // `must_return` asks for the unit within 4 s of the claim's arrival (30 days by default).
    let system = System::start_with(Backends {
        env: env(&[("KUMMERER_MUST_RETURN_WITHIN_S", "4")]),
        ..Backends::default()
    })
    .await;
    let seed = system.seed().await;
    let carrier = system.carrier("Kurier Nord", "10").await;
    system.must_return(&seed).await;

    // A dead-on-arrival swap: accepted by rule, its unit asked back as the claim arrives.
    let swap = system.swap(&seed, 1).await;
    let claim = system
        .claim_when(&seed, swap.claim_id, "asked back", |c| {
            c["return_request"].is_object()
        })
        .await;
    assert_eq!(claim["status"], "accepted", "{claim}");
    let received: DateTime<Utc> = serde_json::from_value(claim["received_at"].clone()).unwrap();
    let return_by: DateTime<Utc> =
        serde_json::from_value(claim["return_request"]["return_by"].clone()).unwrap();
    assert_eq!((return_by - received).num_seconds(), 4, "{claim}");

    // Past it, the unit not at the depot: overdue for the manufacturer and on the carrier's list.
    system
        .claim_when(&seed, swap.claim_id, "overdue for its unit", |c| {
            c["ball"]["holds"] == "return" && c["ball"]["overdue"] == true
        })
        .await;
    let path = format!("/api/carriers/{}/return-shipments?status=open", carrier.id);
    let item = eventually("the item overdue at the carrier", DEADLINE, || async {
        let list = system
            .get_as(Svc::Logistics, &path, Some(&carrier.token))
            .await;
        let items = list["items"].as_array()?.first()?["items"]
            .as_array()?
            .clone();
        let item = items.first()?.clone();
        (item["overdue"] == true).then_some(item)
    })
    .await;
    assert_eq!(item["state"], "awaiting_collection", "{item}");
    let at_carrier: DateTime<Utc> = serde_json::from_value(item["return_by"].clone()).unwrap();
    assert_eq!(at_carrier, return_by, "{item}");

    // Every database holds the same `return_by`; the retailer's case shows it.
    let claim_id = swap.claim_id;
    let by = return_by.to_rfc3339();
    assert_counts(
        &system.db(Svc::Manufacturer).await,
        "manufacturer",
        &[(
            &format!(
                "SELECT count(*) FROM claims WHERE id = '{claim_id}' AND status = 'accepted' \
                 AND return_by = '{by}'"
            ),
            1,
        )],
    )
    .await;
    assert_counts(
        &system.db(Svc::Logistics).await,
        "logistics",
        &[(
            &format!(
                "SELECT count(*) FROM return_items WHERE claim_id = '{claim_id}' \
                 AND return_by = '{by}' AND withdrawn_at IS NULL"
            ),
            1,
        )],
    )
    .await;
    let case = system
        .wait_timeline(&seed, swap.case_id, &["return_requested"])
        .await;
    let said: DateTime<Utc> =
        serde_json::from_value(entry(&case, "return_requested")["details"]["return_by"].clone())
            .unwrap();
    assert_eq!(said, return_by, "{case}");
    system.assert_no_dead_letters().await;
    system.stop().await;
}
