#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The logistics service against the real PostgreSQL and RabbitMQ: approved swaps become jobs,
//! crews complete them or record failed attempts, and every change is in the outbox.

use std::time::Duration;

use chrono::{Duration as Span, Utc};
use kummerer_contracts::topology::{LOGISTICS_SWAPS, Service};
use kummerer_contracts::{Address, Event, ProductRef, SwapApprovedV1, TimeWindow};
use kummerer_testkit::eventually;
use kummerer_testkit::service::{TestService, publish_envelope, publish_event, publish_raw};
use logistics::{Migrator, SERVICE};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, Value};
use serde_json::{Value as Json, json};
use uuid::Uuid;

const DEADLINE: Duration = Duration::from_secs(15);
const SCHEDULED: &str = "logistics.job.scheduled.v1";
const COMPLETED: &str = "logistics.job.completed.v1";
const FAILED: &str = "logistics.job.failed.v1";
const ON_THE_WAY: &str = "logistics.job.on_the_way.v1";
const DELIVERED: &str = "logistics.job.delivered.v1";
const COLLECTED: &str = "logistics.job.collected.v1";

/// The operator's token in the tests' services.
const OPERATOR: &str = "operator-token-of-the-tests-0123456789abcdef";

fn http_config() -> logistics::http::HttpConfig {
    logistics::http::HttpConfig::with_operator(Some(OPERATOR.to_owned()))
}

/// The service's client sends the operator's token (a request's own `Authorization` wins).
fn as_operator(mut svc: TestService) -> TestService {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {OPERATOR}").parse().unwrap(),
    );
    svc.client = reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap();
    svc
}

async fn start() -> TestService {
    as_operator(TestService::start::<Migrator>(SERVICE, photos::build_for_tests).await)
}

fn swap(retailer_id: Uuid, defective_serial: &str) -> SwapApprovedV1 {
    let start = Utc::now() + Span::days(1);
    SwapApprovedV1 {
        swap_id: Uuid::now_v7(),
        case_id: Uuid::now_v7(),
        retailer_id,
        defective_serial: defective_serial.to_owned(),
        defective_product: ProductRef {
            sku: "WM-8-OLD".into(),
            name: "Waschmaschine 8 kg".into(),
            manufacturer_id: Uuid::now_v7(),
        },
        replacement_product: ProductRef {
            sku: "WM-8-NEW".into(),
            name: "Waschmaschine 8 kg (2026)".into(),
            manufacturer_id: Uuid::now_v7(),
        },
        delivery_address: Address {
            name: "Erika Mustermann".into(),
            phone: "+49 30 1234567".into(),
            street: "Hauptstraße 1".into(),
            postcode: "10115".into(),
            city: "Berlin".into(),
            country: "DE".into(),
        },
        window: TimeWindow {
            start,
            end: start + Span::hours(2),
        },
        approved_by: "clerk@example".into(),
        approved_at: Utc::now(),
        replacement_from: None,
    }
}

async fn count(db: &DatabaseConnection, sql: &str, values: Vec<Value>) -> i64 {
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!("SELECT count(*) AS n FROM ({sql}) AS q"),
            values,
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get("", "n").unwrap()
}

/// Row counts of everything a request could change.
async fn snapshot(db: &DatabaseConnection) -> (i64, i64, i64, String) {
    let jobs = count(db, "SELECT 1 FROM jobs", vec![]).await;
    let events = count(db, "SELECT 1 FROM job_events", vec![]).await;
    let outbox = count(db, "SELECT 1 FROM outbox", vec![]).await;
    let state = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT coalesce(string_agg(id::text || status || attempts || updated_at::text, ',' ORDER BY id), '') AS s FROM jobs",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<String>("", "s")
        .unwrap();
    (jobs, events, outbox, state)
}

/// The outbox payloads (whole envelopes) with `routing_key`, oldest first.
async fn outbox(db: &DatabaseConnection, routing_key: &str) -> Vec<Json> {
    db.query_all_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT payload FROM outbox WHERE routing_key = $1 ORDER BY created_at, id",
        [routing_key.into()],
    ))
    .await
    .unwrap()
    .into_iter()
    .map(|r| r.try_get::<Json>("", "payload").unwrap())
    .collect()
}

async fn get_json(svc: &TestService, path: &str) -> (u16, Json) {
    let res = svc.client.get(svc.url(path)).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

async fn post_json(svc: &TestService, path: &str, body: Json) -> (u16, Json) {
    let res = svc
        .client
        .post(svc.url(path))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

/// Waits until the job of `swap_id` is listed for its retailer; returns it.
async fn job_of(svc: &TestService, retailer_id: Uuid, swap_id: Uuid) -> Json {
    eventually(&format!("a job for swap {swap_id}"), DEADLINE, || async {
        let (status, body) = get_json(svc, &format!("/api/jobs?retailer_id={retailer_id}")).await;
        assert_eq!(status, 200, "{body}");
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|j| j["swap_id"] == swap_id.to_string())
            .cloned()
    })
    .await
}

/// A problem response: status, content type and code.
async fn assert_problem(res: reqwest::Response, status: u16, code: &str, what: &str) -> Json {
    assert_eq!(res.status().as_u16(), status, "{what}");
    let ct = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    assert!(
        ct.starts_with("application/problem+json"),
        "{what}: content-type {ct}"
    );
    let body: Json = res.json().await.unwrap();
    assert_eq!(body["code"], code, "{what}: {body}");
    assert_eq!(body["status"], status, "{what}: {body}");
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approved_swap_becomes_one_job_and_is_announced() {
    let svc = start().await;
    let retailer = Uuid::now_v7();
    let event = swap(retailer, "SN-OLD-1");
    publish_event(&svc.names, event.clone()).await;

    let job = job_of(&svc, retailer, event.swap_id).await;
    assert_eq!(job["case_id"], event.case_id.to_string());
    assert_eq!(job["retailer_id"], retailer.to_string());
    assert_eq!(job["status"], "scheduled");
    assert_eq!(job["attempts"], 0);
    assert_eq!(job["deliver_sku"], "WM-8-NEW");
    assert_eq!(job["deliver_name"], "Waschmaschine 8 kg (2026)");
    assert_eq!(job["collect_serial"], "SN-OLD-1");
    assert_eq!(job["collect_sku"], "WM-8-OLD");
    assert_eq!(job["address"]["street"], "Hauptstraße 1");
    assert_eq!(job["address"]["city"], "Berlin");
    let start: chrono::DateTime<Utc> =
        serde_json::from_value(job["window"]["start"].clone()).unwrap();
    // PostgreSQL keeps microseconds.
    assert_eq!(
        start.timestamp_micros(),
        event.window.start.timestamp_micros()
    );
    assert!(
        job.get("events").is_none(),
        "the list leaves out the history"
    );
    let job_id = job["id"].as_str().unwrap().to_owned();

    // The job's own history and its detail view.
    let (status, detail) = get_json(&svc, &format!("/api/jobs/{job_id}")).await;
    assert_eq!(status, 200, "{detail}");
    let events = detail["events"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{detail}");
    assert_eq!(events[0]["kind"], "scheduled");

    // job.scheduled is in the outbox and the relay publishes it.
    let scheduled = outbox(&svc.db, SCHEDULED).await;
    assert_eq!(scheduled.len(), 1);
    let data = &scheduled[0]["data"];
    assert_eq!(data["job_id"], job_id);
    assert_eq!(data["swap_id"], event.swap_id.to_string());
    assert_eq!(data["case_id"], event.case_id.to_string());
    assert_eq!(data["retailer_id"], retailer.to_string());
    eventually("job.scheduled to be published", DEADLINE, || async {
        let sent = count(
            &svc.db,
            "SELECT 1 FROM outbox WHERE routing_key = $1 AND sent_at IS NOT NULL",
            vec![SCHEDULED.into()],
        )
        .await;
        (sent == 1).then_some(())
    })
    .await;

    // Filters: by status, by another retailer.
    let (_, scheduled) = get_json(&svc, "/api/jobs?status=scheduled").await;
    assert_eq!(scheduled["items"].as_array().unwrap().len(), 1);
    let (_, completed) = get_json(&svc, "/api/jobs?status=completed").await;
    assert_eq!(completed["items"].as_array().unwrap().len(), 0);
    let (_, other) = get_json(&svc, &format!("/api/jobs?retailer_id={}", Uuid::now_v7())).await;
    assert_eq!(other["items"].as_array().unwrap().len(), 0);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_is_ordered_by_window() {
    let svc = start().await;
    let retailer = Uuid::now_v7();
    let mut late = swap(retailer, "SN-L");
    late.window.start += Span::days(3);
    late.window.end += Span::days(3);
    let early = swap(retailer, "SN-E");
    publish_event(&svc.names, late.clone()).await;
    publish_event(&svc.names, early.clone()).await;
    job_of(&svc, retailer, late.swap_id).await;
    job_of(&svc, retailer, early.swap_id).await;
    let (_, list) = get_json(&svc, &format!("/api/jobs?retailer_id={retailer}")).await;
    let swaps: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["swap_id"].as_str().unwrap())
        .collect();
    assert_eq!(swaps, [early.swap_id.to_string(), late.swap_id.to_string()]);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_swap_delivered_twice_makes_one_job() {
    let svc = start().await;
    let retailer = Uuid::now_v7();
    let event = swap(retailer, "SN-OLD-1");
    // The same envelope twice (a redelivery) ...
    let envelope = publish_event(&svc.names, event.clone()).await;
    publish_envelope(&svc.names, &envelope).await;
    // ... and the same swap under a new message id (the producer published it again).
    publish_event(&svc.names, event.clone()).await;
    // A marker behind them: once it is applied, the ones before it were too.
    let marker = swap(retailer, "SN-MARK");
    publish_event(&svc.names, marker.clone()).await;
    job_of(&svc, retailer, marker.swap_id).await;
    eventually("every delivery to be settled", DEADLINE, || async {
        let depth = svc.broker.depth(&svc.names.queue(&LOGISTICS_SWAPS)).await;
        (depth == 0).then_some(())
    })
    .await;

    let db = &svc.db;
    assert_eq!(
        count(
            db,
            "SELECT 1 FROM jobs WHERE swap_id = $1",
            vec![event.swap_id.into()]
        )
        .await,
        1
    );
    assert_eq!(count(db, "SELECT 1 FROM jobs", vec![]).await, 2);
    assert_eq!(count(db, "SELECT 1 FROM job_events", vec![]).await, 2);
    assert_eq!(count(db, "SELECT 1 FROM outbox", vec![]).await, 2);
    let scheduled = outbox(db, SCHEDULED).await;
    assert_eq!(
        scheduled
            .iter()
            .filter(|p| p["data"]["swap_id"] == event.swap_id.to_string())
            .count(),
        1
    );
    // Two distinct message ids for the swap were recorded; the redelivery was not.
    assert_eq!(count(db, "SELECT 1 FROM inbox", vec![]).await, 3);
    assert_eq!(
        svc.broker
            .depth(&svc.names.dead_letter_queue(&LOGISTICS_SWAPS))
            .await,
        0
    );
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_messages_are_dead_lettered_and_the_next_swap_still_becomes_a_job() {
    let svc = start().await;
    let dlq = svc.names.dead_letter_queue(&LOGISTICS_SWAPS);
    publish_raw(
        &svc.names,
        Service::Retailer,
        SwapApprovedV1::TYPE,
        b"{not json",
    )
    .await;
    eventually("the malformed body in the DLQ", DEADLINE, || async {
        (svc.broker.depth(&dlq).await == 1).then_some(())
    })
    .await;

    // A well-formed envelope whose data does not fit the contract.
    let bad = json!({
        "specversion": "1.0",
        "id": Uuid::now_v7(),
        "source": "/kummerer/retailer",
        "type": SwapApprovedV1::TYPE,
        "time": Utc::now(),
        "data": {"swap_id": "not-a-uuid"},
    });
    publish_raw(
        &svc.names,
        Service::Retailer,
        SwapApprovedV1::TYPE,
        &serde_json::to_vec(&bad).unwrap(),
    )
    .await;
    // A swap whose window ends before it starts can never become a visit.
    let retailer = Uuid::now_v7();
    let mut reversed = swap(retailer, "SN-REV");
    reversed.window.end = reversed.window.start - Span::hours(1);
    publish_event(&svc.names, reversed).await;
    eventually("three messages in the DLQ", DEADLINE, || async {
        (svc.broker.depth(&dlq).await == 3).then_some(())
    })
    .await;
    assert_eq!(count(&svc.db, "SELECT 1 FROM jobs", vec![]).await, 0);
    assert_eq!(count(&svc.db, "SELECT 1 FROM outbox", vec![]).await, 0);

    let good = swap(retailer, "SN-OLD-1");
    publish_event(&svc.names, good.clone()).await;
    job_of(&svc, retailer, good.swap_id).await;
    assert_eq!(count(&svc.db, "SELECT 1 FROM jobs", vec![]).await, 1);
    assert_eq!(count(&svc.db, "SELECT 1 FROM outbox", vec![]).await, 1);
    assert_eq!(svc.broker.depth(&dlq).await, 3);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completing_a_job_records_the_visit_and_flags_a_serial_mismatch() {
    let svc = start().await;
    let retailer = Uuid::now_v7();
    let good = swap(retailer, "SN-OLD-1");
    let odd = swap(retailer, "SN-OLD-2");
    publish_event(&svc.names, good.clone()).await;
    publish_event(&svc.names, odd.clone()).await;
    let good_job = job_of(&svc, retailer, good.swap_id).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let odd_job = job_of(&svc, retailer, odd.swap_id).await["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Same serial, other case and spacing: a match.
    let (status, job) = post_json(
        &svc,
        &format!("/api/jobs/{good_job}/complete"),
        json!({"delivered_serial": "SN-NEW-1", "collected_serial": "  sn-old-1 ", "recipient_name": "Erika Mustermann"}),
    )
    .await;
    assert_eq!(status, 200, "{job}");
    assert_eq!(job["status"], "completed");
    assert_eq!(job["delivered_serial"], "SN-NEW-1");
    assert_eq!(job["collected_serial"], "sn-old-1");
    assert_eq!(job["collected_serial_matches"], true);
    assert_eq!(job["recipient_name"], "Erika Mustermann");
    assert!(job["completed_at"].is_string(), "{job}");
    let kinds: Vec<&str> = job["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["scheduled", "completed"]);

    // Another unit than the case names: recorded and flagged, not refused.
    let (status, job) = post_json(
        &svc,
        &format!("/api/jobs/{odd_job}/complete"),
        json!({"delivered_serial": "SN-NEW-2", "collected_serial": "SN-SOMETHING-ELSE", "recipient_name": "Max"}),
    )
    .await;
    assert_eq!(status, 200, "{job}");
    assert_eq!(job["status"], "completed");
    assert_eq!(job["collected_serial_matches"], false);

    let completed = outbox(&svc.db, COMPLETED).await;
    assert_eq!(completed.len(), 2);
    let by_job = |id: &str| {
        completed
            .iter()
            .find(|p| p["data"]["job_id"] == id)
            .unwrap()["data"]
            .clone()
    };
    let data = by_job(&good_job);
    assert_eq!(data["collected_serial_matches"], true);
    assert_eq!(data["swap_id"], good.swap_id.to_string());
    assert_eq!(data["case_id"], good.case_id.to_string());
    assert_eq!(data["retailer_id"], retailer.to_string());
    assert_eq!(data["delivered_serial"], "SN-NEW-1");
    assert_eq!(data["recipient_name"], "Erika Mustermann");
    let data = by_job(&odd_job);
    assert_eq!(data["collected_serial_matches"], false);
    assert_eq!(data["collected_serial"], "SN-SOMETHING-ELSE");
    eventually("job.completed to be published", DEADLINE, || async {
        let sent = count(
            &svc.db,
            "SELECT 1 FROM outbox WHERE routing_key = $1 AND sent_at IS NOT NULL",
            vec![COMPLETED.into()],
        )
        .await;
        (sent == 2).then_some(())
    })
    .await;

    let (_, list) = get_json(&svc, "/api/jobs?status=completed").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    let (_, list) = get_json(&svc, "/api/jobs?status=scheduled").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_double_tap_on_delivered_records_one_delivery() {
    let svc = start().await;
    let retailer = Uuid::now_v7();
    for round in 0..3 {
        let event = swap(retailer, &format!("SN-OLD-{round}"));
        publish_event(&svc.names, event.clone()).await;
        let job_id = job_of(&svc, retailer, event.swap_id).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let url = svc.url(&format!("/api/jobs/{job_id}/complete"));
        let body = json!({"delivered_serial": "SN-NEW", "collected_serial": format!("SN-OLD-{round}"), "recipient_name": "Erika"});
        let (a, b) = tokio::join!(
            svc.client.post(&url).json(&body).send(),
            svc.client.post(&url).json(&body).send(),
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        let (ok, conflict) = match (a.status().as_u16(), b.status().as_u16()) {
            (200, 409) => (a, b),
            (409, 200) => (b, a),
            other => panic!("round {round}: expected one 200 and one 409, got {other:?}"),
        };
        let ok: Json = ok.json().await.unwrap();
        assert_eq!(ok["status"], "completed");
        assert_problem(conflict, 409, "job_already_completed", "the second tap").await;

        let id: Uuid = job_id.parse().unwrap();
        assert_eq!(
            count(
                &svc.db,
                "SELECT 1 FROM job_events WHERE job_id = $1 AND kind = 'completed'",
                vec![id.into()]
            )
            .await,
            1
        );
    }
    assert_eq!(outbox(&svc.db, COMPLETED).await.len(), 3);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_attempts_are_counted_and_a_later_visit_completes_the_job() {
    let svc = start().await;
    let retailer = Uuid::now_v7();
    let event = swap(retailer, "SN-OLD-1");
    publish_event(&svc.names, event.clone()).await;
    let job_id = job_of(&svc, retailer, event.swap_id).await["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let (status, job) = post_json(
        &svc,
        &format!("/api/jobs/{job_id}/fail"),
        json!({"reason": "not_home", "note": "rang twice, nobody there"}),
    )
    .await;
    assert_eq!(status, 200, "{job}");
    assert_eq!(job["status"], "failed");
    assert_eq!(job["attempts"], 1);
    assert_eq!(job["failure_reason"], "not_home");
    assert_eq!(job["failure_note"], "rang twice, nobody there");

    let (status, job) = post_json(
        &svc,
        &format!("/api/jobs/{job_id}/fail"),
        json!({"reason": "unit_not_ready"}),
    )
    .await;
    assert_eq!(status, 200, "{job}");
    assert_eq!(job["attempts"], 2);
    assert_eq!(job["failure_reason"], "unit_not_ready");
    assert_eq!(job["failure_note"], Json::Null);
    let (_, failed) = get_json(&svc, "/api/jobs?status=failed").await;
    assert_eq!(failed["items"].as_array().unwrap().len(), 1);

    let failed = outbox(&svc.db, FAILED).await;
    assert_eq!(failed.len(), 2);
    assert_eq!(failed[0]["data"]["attempt"], 1);
    assert_eq!(failed[0]["data"]["reason"], "not_home");
    assert_eq!(failed[0]["data"]["note"], "rang twice, nobody there");
    assert_eq!(failed[0]["data"]["swap_id"], event.swap_id.to_string());
    assert_eq!(failed[1]["data"]["attempt"], 2);
    assert_eq!(failed[1]["data"]["reason"], "unit_not_ready");

    let (status, job) = post_json(
        &svc,
        &format!("/api/jobs/{job_id}/complete"),
        json!({"delivered_serial": "SN-NEW-1", "collected_serial": "SN-OLD-1", "recipient_name": "Erika"}),
    )
    .await;
    assert_eq!(status, 200, "{job}");
    assert_eq!(job["status"], "completed");
    assert_eq!(job["attempts"], 2);
    let kinds: Vec<&str> = job["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["scheduled", "failed", "failed", "completed"]);
    assert_eq!(job["events"][1]["details"]["attempt"], 1);

    // A completed job takes no further outcome.
    let before = snapshot(&svc.db).await;
    let res = svc
        .client
        .post(svc.url(&format!("/api/jobs/{job_id}/fail")))
        .json(&json!({"reason": "refused"}))
        .send()
        .await
        .unwrap();
    assert_problem(res, 409, "job_already_completed", "fail after completion").await;
    let res = svc
        .client
        .post(svc.url(&format!("/api/jobs/{job_id}/complete")))
        .json(&json!({"delivered_serial": "X", "collected_serial": "Y", "recipient_name": "Z"}))
        .send()
        .await
        .unwrap();
    assert_problem(res, 409, "job_already_completed", "second completion").await;
    assert_eq!(snapshot(&svc.db).await, before);
    assert_eq!(outbox(&svc.db, COMPLETED).await.len(), 1);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_a_problem_and_change_nothing() {
    let svc = start().await;
    let retailer = Uuid::now_v7();
    let event = swap(retailer, "SN-OLD-1");
    publish_event(&svc.names, event.clone()).await;
    let job_id = job_of(&svc, retailer, event.swap_id).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = snapshot(&svc.db).await;
    assert_eq!((before.0, before.1, before.2), (1, 1, 1));

    let complete = format!("/api/jobs/{job_id}/complete");
    let fail = format!("/api/jobs/{job_id}/fail");
    let unknown = Uuid::now_v7();
    let ok_completion =
        json!({"delivered_serial": "N", "collected_serial": "SN-OLD-1", "recipient_name": "E"});
    let long = "x".repeat(101);
    let cases: Vec<(&str, String, Json, u16, &str)> = vec![
        (
            "complete unknown job",
            format!("/api/jobs/{unknown}/complete"),
            ok_completion.clone(),
            404,
            "not_found",
        ),
        (
            "fail unknown job",
            format!("/api/jobs/{unknown}/fail"),
            json!({"reason": "not_home"}),
            404,
            "not_found",
        ),
        (
            "complete non-UUID id",
            "/api/jobs/not-a-uuid/complete".into(),
            ok_completion.clone(),
            404,
            "not_found",
        ),
        (
            "fail non-UUID id",
            "/api/jobs/12345/fail".into(),
            json!({"reason": "not_home"}),
            404,
            "not_found",
        ),
        (
            "complete without fields",
            complete.clone(),
            json!({}),
            422,
            "validation_failed",
        ),
        (
            "complete without recipient",
            complete.clone(),
            json!({"delivered_serial": "N", "collected_serial": "C"}),
            422,
            "validation_failed",
        ),
        (
            "complete with empty fields",
            complete.clone(),
            json!({"delivered_serial": " ", "collected_serial": "", "recipient_name": ""}),
            422,
            "validation_failed",
        ),
        (
            "complete with a too long serial",
            complete.clone(),
            json!({"delivered_serial": long, "collected_serial": "C", "recipient_name": "E"}),
            422,
            "validation_failed",
        ),
        (
            "complete with wrong types",
            complete.clone(),
            json!({"delivered_serial": 5, "collected_serial": ["C"], "recipient_name": null}),
            422,
            "validation_failed",
        ),
        (
            "complete with an array body",
            complete.clone(),
            json!([1, 2]),
            422,
            "validation_failed",
        ),
        (
            "fail without reason",
            fail.clone(),
            json!({"note": "x"}),
            422,
            "validation_failed",
        ),
        (
            "fail with unknown reason",
            fail.clone(),
            json!({"reason": "dog_in_garden"}),
            422,
            "validation_failed",
        ),
        (
            "fail with reason of wrong type",
            fail.clone(),
            json!({"reason": 3}),
            422,
            "validation_failed",
        ),
        (
            "fail with a too long note",
            fail.clone(),
            json!({"reason": "refused", "note": "n".repeat(501)}),
            422,
            "validation_failed",
        ),
        (
            "fail with a note of wrong type",
            fail.clone(),
            json!({"reason": "refused", "note": 7}),
            422,
            "validation_failed",
        ),
    ];
    for (what, path, body, status, code) in cases {
        let res = svc
            .client
            .post(svc.url(&path))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_problem(res, status, code, what).await;
    }

    // The field errors name the fields.
    let res = svc
        .client
        .post(svc.url(&complete))
        .json(&json!({"delivered_serial": "", "collected_serial": "C", "recipient_name": "r".repeat(101)}))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(res, 422, "validation_failed", "field errors").await;
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["delivered_serial", "recipient_name"]);
    let res = svc
        .client
        .post(svc.url(&fail))
        .json(&json!({"reason": "moon"}))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(res, 422, "validation_failed", "unknown reason").await;
    assert_eq!(problem["errors"][0]["field"], "reason");

    // Malformed JSON, a huge body, no JSON content type.
    let raw = |path: &str, body: Vec<u8>, ct: &'static str| {
        svc.client
            .post(svc.url(path))
            .header("content-type", ct)
            .body(body)
            .send()
    };
    let res = raw(&complete, b"{not json".to_vec(), "application/json")
        .await
        .unwrap();
    assert_problem(res, 400, "malformed_json", "malformed JSON").await;
    let huge = serde_json::to_vec(&json!({"delivered_serial": "x".repeat(70 * 1024), "collected_serial": "C", "recipient_name": "E"})).unwrap();
    let res = raw(&complete, huge.clone(), "application/json")
        .await
        .unwrap();
    assert_problem(res, 413, "payload_too_large", "huge body").await;
    let res = raw(&fail, huge, "application/json").await.unwrap();
    assert_problem(res, 413, "payload_too_large", "huge body on fail").await;
    let res = raw(
        &complete,
        serde_json::to_vec(&ok_completion).unwrap(),
        "text/plain",
    )
    .await
    .unwrap();
    assert_problem(res, 415, "unsupported_media_type", "text/plain body").await;

    // Reads: unknown and malformed ids, bad filters.
    for (what, path, status, code) in [
        (
            "unknown job",
            format!("/api/jobs/{unknown}"),
            404,
            "not_found",
        ),
        (
            "non-UUID job id",
            "/api/jobs/not-a-uuid".to_owned(),
            404,
            "not_found",
        ),
        (
            "unknown status filter",
            "/api/jobs?status=lost".to_owned(),
            422,
            "validation_failed",
        ),
        (
            "non-UUID retailer filter",
            "/api/jobs?retailer_id=abc".to_owned(),
            400,
            "bad_query",
        ),
    ] {
        let res = svc.client.get(svc.url(&path)).send().await.unwrap();
        assert_problem(res, status, code, what).await;
    }

    assert_eq!(snapshot(&svc.db).await, before);
    let (_, job) = get_json(&svc, &format!("/api/jobs/{job_id}")).await;
    assert_eq!(job["status"], "scheduled");
    assert_eq!(job["attempts"], 0);
    svc.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Carriers, crews, automatic assignment, the dispatcher and the crew's day.

/// A day safely in the future, and a time on it (UTC).
fn day(offset: i64) -> chrono::NaiveDate {
    (Utc::now() + Span::days(offset)).date_naive()
}

fn at(date: chrono::NaiveDate, hour: u32) -> chrono::DateTime<Utc> {
    date.and_hms_opt(hour, 0, 0).unwrap().and_utc()
}

fn swap_on(
    retailer: Uuid,
    serial: &str,
    postcode: &str,
    start: chrono::DateTime<Utc>,
) -> SwapApprovedV1 {
    let mut s = swap(retailer, serial);
    s.delivery_address.postcode = postcode.to_owned();
    s.window = TimeWindow {
        start,
        end: start + Span::hours(2),
    };
    s
}

async fn new_carrier(svc: &TestService, name: &str) -> Uuid {
    let (status, body) = post_json(svc, "/api/carriers", json!({ "name": name })).await;
    assert_eq!(status, 201, "{body}");
    body["id"].as_str().unwrap().parse().unwrap()
}

async fn new_crew(
    svc: &TestService,
    carrier: Uuid,
    name: &str,
    prefixes: &[&str],
    per_day: i64,
) -> Uuid {
    let (status, body) = post_json(
        svc,
        &format!("/api/carriers/{carrier}/crews"),
        json!({ "name": name, "home_postcode_prefixes": prefixes, "visits_per_day": per_day }),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body["id"].as_str().unwrap().parse().unwrap()
}

/// Publishes the swap and waits for its job.
async fn job_for(svc: &TestService, event: &SwapApprovedV1) -> Json {
    publish_event(&svc.names, event.clone()).await;
    job_of(svc, event.retailer_id, event.swap_id).await
}

fn id_of(job: &Json) -> String {
    job["id"].as_str().unwrap().to_owned()
}

/// Everything a dispatcher or crew request could change.
async fn board(db: &DatabaseConnection) -> (i64, i64, i64, i64, String) {
    let carriers = count(db, "SELECT 1 FROM carriers", vec![]).await;
    let crews = count(db, "SELECT 1 FROM crews", vec![]).await;
    let events = count(db, "SELECT 1 FROM job_events", vec![]).await;
    let outbox = count(db, "SELECT 1 FROM outbox", vec![]).await;
    let state = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT coalesce(string_agg(concat_ws('|', id, status, attempts, crew_id, carrier_id, \
             position, visit_date, window_start, window_end, updated_at), ',' ORDER BY id), '') \
             || ';' || (SELECT coalesce(string_agg(concat_ws('|', id, carrier_id, name, \
             home_postcode_prefixes, visits_per_day, active), ',' ORDER BY id), '') FROM crews) \
             AS s FROM jobs",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<String>("", "s")
        .unwrap();
    (carriers, crews, events, outbox, state)
}

async fn post_expect_problem(
    svc: &TestService,
    path: &str,
    body: Json,
    status: u16,
    code: &str,
    what: &str,
) -> Json {
    let res = svc
        .client
        .post(svc.url(path))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_problem(res, status, code, what).await
}

async fn get_expect_problem(svc: &TestService, path: &str, status: u16, code: &str, what: &str) {
    let res = svc.client.get(svc.url(path)).send().await.unwrap();
    assert_problem(res, status, code, what).await;
}

fn kinds(job: &Json) -> Vec<String> {
    job["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn carriers_and_crews_are_created_and_listed_and_bad_input_changes_nothing() {
    let svc = start().await;
    let (status, carrier) =
        post_json(&svc, "/api/carriers", json!({"name": "  Blitz Logistik "})).await;
    assert_eq!(status, 201, "{carrier}");
    assert_eq!(carrier["name"], "Blitz Logistik");
    assert!(carrier["created_at"].is_string());
    let cid = carrier["id"].as_str().unwrap().to_owned();

    let (status, crew) = post_json(
        &svc,
        &format!("/api/carriers/{cid}/crews"),
        json!({"name": "Van 2", "home_postcode_prefixes": ["101", " sw1a ", "101"], "visits_per_day": 8}),
    )
    .await;
    assert_eq!(status, 201, "{crew}");
    assert_eq!(crew["carrier_id"], cid);
    assert_eq!(crew["name"], "Van 2");
    assert_eq!(crew["home_postcode_prefixes"], json!(["101", "SW1A"]));
    assert_eq!(crew["visits_per_day"], 8);
    assert_eq!(crew["active"], true);
    let (status, inactive) = post_json(
        &svc,
        &format!("/api/carriers/{cid}/crews"),
        json!({"name": "Van 1", "home_postcode_prefixes": ["2"], "visits_per_day": 1, "active": false}),
    )
    .await;
    assert_eq!(status, 201, "{inactive}");
    assert_eq!(inactive["active"], false);

    let (status, list) = get_json(&svc, &format!("/api/carriers/{cid}/crews")).await;
    assert_eq!(status, 200, "{list}");
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Van 1", "Van 2"]);
    // Another carrier sees none of them.
    let other = new_carrier(&svc, "Other").await;
    let (_, list) = get_json(&svc, &format!("/api/carriers/{other}/crews")).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
    // The same name under another carrier is fine.
    new_crew(&svc, other, "Van 2", &["101"], 3).await;

    let before = board(&svc.db).await;
    let crews = format!("/api/carriers/{cid}/crews");
    let unknown = Uuid::now_v7();
    let ok = json!({"name": "Van 3", "home_postcode_prefixes": ["1"], "visits_per_day": 3});
    let cases: Vec<(&str, String, Json, u16, &str)> = vec![
        (
            "carrier without name",
            "/api/carriers".into(),
            json!({}),
            422,
            "validation_failed",
        ),
        (
            "carrier with blank name",
            "/api/carriers".into(),
            json!({"name": "  "}),
            422,
            "validation_failed",
        ),
        (
            "carrier with long name",
            "/api/carriers".into(),
            json!({"name": "n".repeat(201)}),
            422,
            "validation_failed",
        ),
        (
            "carrier name of wrong type",
            "/api/carriers".into(),
            json!({"name": 5}),
            422,
            "validation_failed",
        ),
        (
            "crew of unknown carrier",
            format!("/api/carriers/{unknown}/crews"),
            ok.clone(),
            404,
            "not_found",
        ),
        (
            "crew of non-UUID carrier",
            "/api/carriers/abc/crews".into(),
            ok.clone(),
            404,
            "not_found",
        ),
        (
            "crew name taken",
            crews.clone(),
            json!({"name": "Van 2", "home_postcode_prefixes": ["1"], "visits_per_day": 3}),
            409,
            "crew_name_taken",
        ),
        (
            "crew without fields",
            crews.clone(),
            json!({}),
            422,
            "validation_failed",
        ),
        (
            "crew without prefixes",
            crews.clone(),
            json!({"name": "X", "visits_per_day": 3}),
            422,
            "validation_failed",
        ),
        (
            "crew with no prefix",
            crews.clone(),
            json!({"name": "X", "home_postcode_prefixes": [], "visits_per_day": 3}),
            422,
            "validation_failed",
        ),
        (
            "crew with empty prefix",
            crews.clone(),
            json!({"name": "X", "home_postcode_prefixes": ["1", ""], "visits_per_day": 3}),
            422,
            "validation_failed",
        ),
        (
            "crew with long prefix",
            crews.clone(),
            json!({"name": "X", "home_postcode_prefixes": ["12345678901"], "visits_per_day": 3}),
            422,
            "validation_failed",
        ),
        (
            "crew with odd prefix",
            crews.clone(),
            json!({"name": "X", "home_postcode_prefixes": ["10-1"], "visits_per_day": 3}),
            422,
            "validation_failed",
        ),
        (
            "crew with prefix of wrong type",
            crews.clone(),
            json!({"name": "X", "home_postcode_prefixes": [101], "visits_per_day": 3}),
            422,
            "validation_failed",
        ),
        (
            "crew with no visits",
            crews.clone(),
            json!({"name": "X", "home_postcode_prefixes": ["1"], "visits_per_day": 0}),
            422,
            "validation_failed",
        ),
        (
            "crew with too many visits",
            crews.clone(),
            json!({"name": "X", "home_postcode_prefixes": ["1"], "visits_per_day": 51}),
            422,
            "validation_failed",
        ),
        (
            "crew with negative visits",
            crews.clone(),
            json!({"name": "X", "home_postcode_prefixes": ["1"], "visits_per_day": -1}),
            422,
            "validation_failed",
        ),
        (
            "crew with fractional visits",
            crews.clone(),
            json!({"name": "X", "home_postcode_prefixes": ["1"], "visits_per_day": 2.5}),
            422,
            "validation_failed",
        ),
        (
            "crew with visits as text",
            crews.clone(),
            json!({"name": "X", "home_postcode_prefixes": ["1"], "visits_per_day": "3"}),
            422,
            "validation_failed",
        ),
        (
            "crew with blank name",
            crews.clone(),
            json!({"name": "", "home_postcode_prefixes": ["1"], "visits_per_day": 3}),
            422,
            "validation_failed",
        ),
    ];
    for (what, path, body, status, code) in cases {
        post_expect_problem(&svc, &path, body, status, code, what).await;
    }
    let problem = post_expect_problem(
        &svc,
        &crews,
        json!({"name": "", "home_postcode_prefixes": ["x y"], "visits_per_day": 99}),
        422,
        "validation_failed",
        "field errors",
    )
    .await;
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["name", "home_postcode_prefixes", "visits_per_day"]);
    let huge = serde_json::to_vec(&json!({"name": "x".repeat(70 * 1024)})).unwrap();
    let res = svc
        .client
        .post(svc.url("/api/carriers"))
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_problem(res, 413, "payload_too_large", "huge carrier").await;
    get_expect_problem(
        &svc,
        &format!("/api/carriers/{unknown}/crews"),
        404,
        "not_found",
        "crews of unknown carrier",
    )
    .await;
    assert_eq!(board(&svc.db).await, before);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_job_goes_to_the_most_local_crew_with_room_or_waits_unassigned() {
    let svc = start().await;
    let a = new_carrier(&svc, "A").await;
    let b = new_carrier(&svc, "B").await;
    let a_wide = new_crew(&svc, a, "A wide", &["1"], 5).await;
    let a_local = new_crew(&svc, a, "A local", &["101"], 1).await;
    let b_mid = new_crew(&svc, b, "B mid", &["10"], 2).await;
    let (status, _) = post_json(
        &svc,
        &format!("/api/carriers/{a}/crews"),
        json!({"name": "A off", "home_postcode_prefixes": ["1011"], "visits_per_day": 5, "active": false}),
    )
    .await;
    assert_eq!(status, 201);
    let retailer = Uuid::now_v7();
    let d = day(3);

    // Longest active prefix: "101" (the inactive "1011" is passed over).
    let first = job_for(&svc, &swap_on(retailer, "S1", "101 15", at(d, 12))).await;
    assert_eq!(first["crew_id"], a_local.to_string(), "{first}");
    assert_eq!(first["carrier_id"], a.to_string());
    assert_eq!(first["visit_date"], d.to_string());
    assert_eq!(first["position"], 1);
    let (_, detail) = get_json(&svc, &format!("/api/jobs/{}", id_of(&first))).await;
    assert_eq!(kinds(&detail), ["scheduled", "assigned"]);
    assert_eq!(
        detail["events"][1]["details"]["crew_id"],
        a_local.to_string()
    );
    assert_eq!(detail["events"][1]["details"]["reason"], "auto");

    // "A local" is full that day: the next longest is B's "10", then A's "1".
    let second = job_for(&svc, &swap_on(retailer, "S2", "10115", at(d, 14))).await;
    assert_eq!(second["crew_id"], b_mid.to_string(), "{second}");
    assert_eq!(second["carrier_id"], b.to_string());
    // An earlier visit on B's day comes first: the positions follow the window.
    let third = job_for(&svc, &swap_on(retailer, "S3", "10115", at(d, 8))).await;
    assert_eq!(third["crew_id"], b_mid.to_string());
    assert_eq!(third["position"], 1);
    let (_, second) = get_json(&svc, &format!("/api/jobs/{}", id_of(&second))).await;
    assert_eq!(second["position"], 2);
    let fourth = job_for(&svc, &swap_on(retailer, "S4", "10115", at(d, 9))).await;
    assert_eq!(fourth["crew_id"], a_wide.to_string());
    // Another day: "A local" has room again.
    let next_day = job_for(&svc, &swap_on(retailer, "S5", "10115", at(day(4), 9))).await;
    assert_eq!(next_day["crew_id"], a_local.to_string());
    assert_eq!(next_day["position"], 1);

    // No crew covers 20095: the job waits for the dispatcher, with no assignment event.
    let nowhere = job_for(&svc, &swap_on(retailer, "S6", "20095", at(d, 9))).await;
    assert_eq!(nowhere["crew_id"], Json::Null);
    assert_eq!(nowhere["carrier_id"], Json::Null);
    assert_eq!(nowhere["position"], Json::Null);
    assert_eq!(nowhere["visit_date"], d.to_string());
    let (_, detail) = get_json(&svc, &format!("/api/jobs/{}", id_of(&nowhere))).await;
    assert_eq!(kinds(&detail), ["scheduled"]);

    // Equal prefixes: the crew with the fewest visits that day, then the smaller id.
    let c = new_carrier(&svc, "C").await;
    let x = new_crew(&svc, c, "X", &["3"], 5).await;
    let y = new_crew(&svc, c, "Y", &["3"], 5).await;
    assert!(x < y);
    let mut got = Vec::new();
    for (i, hour) in [9, 10, 11].into_iter().enumerate() {
        let job = job_for(
            &svc,
            &swap_on(retailer, &format!("T{i}"), "30159", at(d, hour)),
        )
        .await;
        got.push(job["crew_id"].as_str().unwrap().to_owned());
    }
    assert_eq!(got, [x.to_string(), y.to_string(), x.to_string()]);
    // Every new job was still announced once.
    assert_eq!(outbox(&svc.db, SCHEDULED).await.len(), 9);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_assignments_cannot_overfill_a_crew() {
    use logistics::consumers::swaps::swap_approved;
    use sea_orm::TransactionTrait;

    let svc = start().await;
    let carrier = new_carrier(&svc, "A").await;
    let crew = new_crew(&svc, carrier, "Solo", &["10"], 1).await;
    let retailer = Uuid::now_v7();
    let d = day(3);

    // Deterministic interleaving: the first assignment holds the crew's lock; the second waits
    // for it, then counts the first one's job and finds no room.
    let a = swap_on(retailer, "A", "10115", at(d, 9));
    let b = swap_on(retailer, "B", "10117", at(d, 11));
    let t1 = svc.db.begin().await.unwrap();
    swap_approved(&t1, &a).await.unwrap();
    let db = svc.db.clone();
    let b2 = b.clone();
    let second = tokio::spawn(async move {
        let t2 = db.begin().await.unwrap();
        swap_approved(&t2, &b2).await.unwrap();
        t2.commit().await.unwrap();
    });
    eventually("the second assignment to wait for the crew's lock", DEADLINE, || async {
        let waiting = count(
            &svc.db,
            "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
            vec![],
        )
        .await;
        (waiting == 1).then_some(())
    })
    .await;
    t1.commit().await.unwrap();
    second.await.unwrap();
    let assigned = |swap: Uuid| {
        let db = svc.db.clone();
        async move {
            count(
                &db,
                "SELECT 1 FROM jobs WHERE swap_id = $1 AND crew_id IS NOT NULL",
                vec![swap.into()],
            )
            .await
        }
    };
    assert_eq!(assigned(a.swap_id).await, 1);
    assert_eq!(assigned(b.swap_id).await, 0);

    // Truly at once, several rounds on fresh days: exactly one of the two gets the slot.
    for round in 0..5 {
        let d = day(10 + round);
        let a = swap_on(retailer, "A", "10115", at(d, 9));
        let b = swap_on(retailer, "B", "10115", at(d, 9));
        let run = |s: SwapApprovedV1| {
            let db = svc.db.clone();
            async move {
                let txn = db.begin().await.unwrap();
                swap_approved(&txn, &s).await.unwrap();
                txn.commit().await.unwrap();
            }
        };
        let (r1, r2) = tokio::join!(tokio::spawn(run(a.clone())), tokio::spawn(run(b.clone())));
        r1.unwrap();
        r2.unwrap();
        let on_crew = count(
            &svc.db,
            "SELECT 1 FROM jobs WHERE crew_id = $1 AND visit_date = $2",
            vec![crew.into(), d.into()],
        )
        .await;
        assert_eq!(on_crew, 1, "round {round}");
        assert_eq!(
            count(
                &svc.db,
                "SELECT 1 FROM jobs WHERE visit_date = $1",
                vec![d.into()]
            )
            .await,
            2
        );
    }

    // Through the broker as well.
    let d = day(30);
    let a = swap_on(retailer, "A", "10115", at(d, 9));
    let b = swap_on(retailer, "B", "10115", at(d, 10));
    publish_event(&svc.names, a.clone()).await;
    publish_event(&svc.names, b.clone()).await;
    let ja = job_of(&svc, retailer, a.swap_id).await;
    let jb = job_of(&svc, retailer, b.swap_id).await;
    let crews = [ja["crew_id"].clone(), jb["crew_id"].clone()];
    assert_eq!(
        crews
            .iter()
            .filter(|c| **c == json!(crew.to_string()))
            .count(),
        1,
        "{crews:?}"
    );
    assert_eq!(crews.iter().filter(|c| c.is_null()).count(), 1);
    svc.stop().await;
}

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

#[path = "api/crew.rs"]
mod crew;

#[path = "api/photos.rs"]
mod photos;

#[path = "api/steps.rs"]
mod steps;

#[path = "api/returns.rs"]
mod returns;

#[path = "api/auth.rs"]
mod auth;

#[path = "api/dispatcher.rs"]
mod dispatcher;

#[path = "api/revisit.rs"]
mod revisit;
