#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The logistics service against the real PostgreSQL and RabbitMQ: approved swaps become jobs,
//! crews complete them or record failed attempts, and every change is in the outbox.

use std::time::Duration;

use chrono::{Duration as Span, Utc};
use kummerer_contracts::topology::{LOGISTICS_SWAPS, Service};
use kummerer_contracts::{Address, Event, ProductRef, SwapApprovedV1, TimeWindow};
use kummerer_testkit::eventually;
use kummerer_testkit::service::{TestService, publish_envelope, publish_event, publish_raw};
use logistics::{Migrator, SERVICE, build};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, Value};
use serde_json::{Value as Json, json};
use uuid::Uuid;

const DEADLINE: Duration = Duration::from_secs(15);
const SCHEDULED: &str = "logistics.job.scheduled.v1";
const COMPLETED: &str = "logistics.job.completed.v1";
const FAILED: &str = "logistics.job.failed.v1";

async fn start() -> TestService {
    TestService::start::<Migrator>(SERVICE, build).await
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
