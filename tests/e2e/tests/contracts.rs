//! End-to-end: carrier contracts (issue 18) across the three real processes. The retailer finds
//! carrier A in its directory and contracts it for region 10 through its API; A accepts with its
//! token. A swap there goes to A's crew and A's board shows it; carrier B — granted region 10 by
//! the operator, with a crew declaring prefix 10, but not contracted — never sees or touches it.
//! A swap in a region nobody is contracted for stays unassigned, visible to the operator only,
//! and the retailer's case says so. Ending the contract stops new jobs only: the job already on
//! A's crew stays A's. Asserted in the logistics and retailer databases.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use chrono::{Duration as Days, Utc};
use common::{DEADLINE, OPERATOR_TOKEN, Seed, Svc, System, count, strings};
use kummerer_testkit::{eventually, unique};
use serde_json::{Value, json};
use uuid::Uuid;

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

/// A sale to a customer at `postcode`, a case and a swap delivered tomorrow; the case and swap
/// ids.
async fn swap_at(system: &System, seed: &Seed, postcode: &str) -> (Uuid, Uuid) {
    let rid = seed.retailer_id;
    let serial = format!("SN-{postcode}-{}", unique());
    system
        .post(
            Svc::Retailer,
            &format!("/api/retailers/{rid}/sales"),
            json!({
                "receipt_no": format!("R-{}", unique()), "sku": seed.sku, "serial": serial,
                "price_paid": {"amount": "499.00", "currency": "EUR"},
                "sold_at": (Utc::now() - Days::days(3)).to_rfc3339(),
                "customer": {"name": "Erika Mustermann", "phone": "+49 30 1234567",
                             "street": "Hauptstr. 1", "postcode": postcode, "city": "Irgendwo",
                             "country": "DE"}
            }),
        )
        .await;
    let case = system
        .post(
            Svc::Retailer,
            &format!("/api/retailers/{rid}/cases"),
            json!({"serial": serial, "defect_category": "does_not_start",
                   "defect_description": "Drum does not turn"}),
        )
        .await;
    let case_id: Uuid = serde_json::from_value(case["id"].clone()).unwrap();
    let (status, body) = system.approve(seed, case_id, None).await.unwrap();
    assert_eq!(status, 201, "approval: {body}");
    (
        case_id,
        serde_json::from_value(body["swap_id"].clone()).unwrap(),
    )
}

/// The job of the swap once logistics made it: `id|carrier|crew` (empty when unassigned).
async fn job_row(logistics: &sea_orm::DatabaseConnection, swap_id: Uuid) -> (String, String) {
    eventually("the swap's job", DEADLINE, || async {
        strings(
            logistics,
            &format!(
                "SELECT concat_ws('|', id, coalesce(crew_id::text, ''), visit_date) FROM jobs \
                 WHERE swap_id = '{swap_id}'"
            ),
        )
        .await
        .pop()
    })
    .await
    .split_once('|')
    .map(|(id, rest)| (id.to_owned(), rest.to_owned()))
    .unwrap()
}

/// The case's `job_scheduled` entry once the retailer has it.
async fn scheduled_entry(system: &System, seed: &Seed, case_id: Uuid) -> Value {
    let case = system
        .wait_timeline(seed, case_id, &["job_scheduled"])
        .await;
    common::entry(&case, "job_scheduled")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_a_contracted_carrier_gets_and_sees_a_retailers_jobs() {
    let system = System::start().await;
    let seed = system.seed().await;
    let logistics = system.db(Svc::Logistics).await;
    let retailer = system.db(Svc::Retailer).await;
    // A is granted 10 and contracted for it (through the retailer's API, accepted with A's
    // token). B is granted 10 too, its crew declares 10 — but no retailer contracted it.
    let a = system.carrier("Kurier Nord", "10").await;
    let b = system.uncontracted_carrier("Kurier Grab", "10").await;
    let (get, post) = (reqwest::Method::GET, reqwest::Method::POST);

    // The retailer finds carriers by name in its directory (event-carried state).
    let found = system
        .get(
            Svc::Retailer,
            &format!("/api/retailers/{}/carriers?name=nord", seed.retailer_id),
        )
        .await;
    assert_eq!(found["items"].as_array().unwrap().len(), 1, "{found}");
    assert_eq!(found["items"][0]["carrier_id"], json!(a.id));
    assert_eq!(found["items"][0]["regions"], json!(["10"]));
    // Both databases know the contract, active.
    let contract_id = strings(
        &retailer,
        &format!(
            "SELECT id::text FROM carrier_contracts WHERE carrier_id = '{}' AND status = 'active'",
            a.id
        ),
    )
    .await
    .pop()
    .expect("the retailer holds the active contract");
    assert_eq!(
        strings(
            &logistics,
            &format!(
                "SELECT concat_ws('|', retailer_id, carrier_id, status, array_to_string(postcode_prefixes, ',')) \
                 FROM carrier_contracts WHERE id = '{contract_id}'"
            ),
        )
        .await,
        [format!("{}|{}|active|10", seed.retailer_id, a.id)]
    );

    // A swap in region 10 goes to A's crew.
    let (case_10, swap_10) = swap_at(&system, &seed, "10115").await;
    let (job_id, rest) = job_row(&logistics, swap_10).await;
    let (crew, date) = rest.split_once('|').unwrap();
    assert_eq!(crew, a.crew_id.to_string(), "the job is on A's crew");
    assert_eq!(
        strings(
            &logistics,
            &format!("SELECT carrier_id::text FROM jobs WHERE id = '{job_id}'")
        )
        .await,
        [a.id.to_string()]
    );
    // A's dispatcher board shows it.
    let (status, board) = call(
        &system,
        get.clone(),
        &format!("/api/carriers/{}/dispatch?date={date}", a.id),
        &a.token,
        None,
    )
    .await;
    assert_eq!(status, 200, "{board}");
    assert!(board.to_string().contains(&job_id), "A's board: {board}");
    assert_eq!(
        scheduled_entry(&system, &seed, case_10).await["details"]["no_contracted_carrier"],
        Value::Null,
        "a routed visit says nothing of contracts"
    );

    // B never sees it: not listed, not by id, not on its board or its crew's day.
    for path in [
        "/api/jobs".to_owned(),
        format!("/api/jobs/{job_id}"),
        format!("/api/carriers/{}/dispatch?date={date}", b.id),
        format!("/api/crews/{}/visits?date={date}", b.crew_id),
    ] {
        let (status, body) = call(&system, get.clone(), &path, &b.token, None).await;
        assert!(status == 200 || status == 404, "{path}: {status} {body}");
        for secret in [job_id.as_str(), "Erika", "Hauptstr"] {
            assert!(
                !body.to_string().contains(secret),
                "B sees {secret} at {path}: {body}"
            );
        }
    }
    // … nor touches it.
    let later = Utc::now() + Days::days(3);
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
            json!({"window_start": later, "window_end": later + Days::hours(2), "reason": "x"}),
        ),
        (
            format!("/api/carriers/{}/contracts/{contract_id}/accept", b.id),
            json!({}),
        ),
    ] {
        let (status, body) = call(&system, post.clone(), &path, &b.token, Some(body)).await;
        assert_eq!(status, 404, "{path}: {body}");
    }

    // A swap in region 80, where the retailer contracted nobody: unassigned, B (granted 10
    // only) and A do not see it, the operator does; the case says so.
    let (case_80, swap_80) = swap_at(&system, &seed, "80331").await;
    let (job_80, rest) = job_row(&logistics, swap_80).await;
    let (crew, date_80) = rest.split_once('|').unwrap();
    assert_eq!(crew, "", "no crew");
    let entry = scheduled_entry(&system, &seed, case_80).await;
    assert_eq!(entry["details"]["no_contracted_carrier"], true, "{entry}");
    for c in [&a, &b] {
        let (_, board) = call(
            &system,
            get.clone(),
            &format!("/api/carriers/{}/dispatch?date={date_80}", c.id),
            &c.token,
            None,
        )
        .await;
        assert!(!board.to_string().contains(&job_80), "{board}");
    }
    let (status, _) = call(
        &system,
        get.clone(),
        &format!("/api/jobs/{job_80}"),
        OPERATOR_TOKEN,
        None,
    )
    .await;
    assert_eq!(status, 200);

    // Ending the contract: logistics learns it; the next swap in 10 stays unassigned (and the
    // case says so), while the job already on A's crew stays there and A still reaches it.
    system
        .post(
            Svc::Retailer,
            &format!(
                "/api/retailers/{}/carrier-contracts/{contract_id}/end",
                seed.retailer_id
            ),
            json!({}),
        )
        .await;
    eventually("the contract ended in logistics", DEADLINE, || async {
        (count(
            &logistics,
            &format!(
                "SELECT count(*) FROM carrier_contracts WHERE id = '{contract_id}' AND status = 'ended'"
            ),
        )
        .await
            == 1)
            .then_some(())
    })
    .await;
    let (case_after, swap_after) = swap_at(&system, &seed, "10117").await;
    let (job_after, rest) = job_row(&logistics, swap_after).await;
    assert!(
        rest.starts_with('|'),
        "no crew after the contract ended: {rest}"
    );
    let entry = scheduled_entry(&system, &seed, case_after).await;
    assert_eq!(entry["details"]["no_contracted_carrier"], true, "{entry}");
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
        &format!("/api/jobs/{job_after}"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(status, 404, "the new job is not A's");
    assert_eq!(
        count(
            &logistics,
            &format!(
                "SELECT count(*) FROM jobs WHERE carrier_id = '{}' OR carrier_id = '{}'",
                a.id, b.id
            ),
        )
        .await,
        1,
        "only the job made under the contract is a carrier's"
    );
    assert_eq!(
        count(
            &retailer,
            &format!("SELECT count(*) FROM carrier_contracts WHERE id = '{contract_id}' AND status = 'ended'"),
        )
        .await,
        1
    );
    system.assert_no_dead_letters().await;
    system.stop().await;
}
