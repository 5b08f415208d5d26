//! The manufacturer service end to end within itself: its HTTP API, its consumer of
//! `manufacturer.claims`, and its outbox, against a real PostgreSQL and RabbitMQ.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use kummerer_contracts::topology::{MANUFACTURER_CLAIMS, RETAILER_CASE_EVENTS, Service};
use kummerer_contracts::{ClaimSubmittedV1, Currency, Event, Money, ProductRef};
use kummerer_testkit::eventually;
use kummerer_testkit::service::{
    TEST_OPERATOR_TOKEN, TestService, publish_envelope, publish_event, publish_raw,
};
use manufacturer::deadlines::fire_deadlines;
use manufacturer::{Migrator, SERVICE, build};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, Value as DbValue};
use serde_json::{Value, json};
use uuid::Uuid;

#[path = "api/disputes.rs"]
mod disputes;
#[path = "api/evidence.rs"]
mod evidence;
#[path = "api/flow.rs"]
mod flow;
#[path = "api/returns.rs"]
mod returns;
#[path = "api/versions.rs"]
mod versions;

const DEADLINE: Duration = Duration::from_secs(15);
/// The decisions in the outbox (an agreement publishes its versions there too).
const DECIDED_IN_OUTBOX: &str =
    "SELECT count(*) FROM outbox WHERE routing_key = 'manufacturer.claim.decided.v1'";
const PROBLEM: &str = "application/problem+json";

/// The API keys the tests hold: per service (its base URL), the key of each manufacturer made
/// through [`create_manufacturer`], and the key of the one made last.
#[derive(Default)]
struct Keys {
    of: HashMap<(String, Uuid), String>,
    last: HashMap<String, String>,
}

static KEYS: Mutex<Option<Keys>> = Mutex::new(None);

fn remember_key(svc: &TestService, mid: Uuid, key: &str) {
    let mut keys = KEYS.lock().unwrap();
    let keys = keys.get_or_insert_with(Keys::default);
    keys.of.insert((svc.url(""), mid), key.to_owned());
    keys.last.insert(svc.url(""), key.to_owned());
}

/// The key a test request to `path` goes with: the key of the path's manufacturer when the test
/// made it, else the key of the manufacturer made last (an authenticated caller asking about an
/// unknown or another manufacturer: a 404).
fn key_for(svc: &TestService, path: &str) -> Option<String> {
    let keys = KEYS.lock().unwrap();
    let keys = keys.as_ref()?;
    let mid = path
        .strip_prefix("/api/manufacturers/")?
        .split(['/', '?'])
        .next()
        .and_then(|s| Uuid::parse_str(s).ok());
    mid.and_then(|mid| keys.of.get(&(svc.url(""), mid)).cloned())
        .or_else(|| keys.last.get(&svc.url("")).cloned())
}

/// A request to `path`, authenticated as [`key_for`] says (the operator's routes with the
/// operator token).
fn request(svc: &TestService, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
    let req = svc.client.request(method, svc.url(path));
    if path == "/api/manufacturers" {
        return req.bearer_auth(TEST_OPERATOR_TOKEN);
    }
    match key_for(svc, path) {
        Some(key) => req.bearer_auth(key),
        None => req,
    }
}

/// A request to `path` with exactly this key (or none).
fn request_as(
    svc: &TestService,
    method: reqwest::Method,
    path: &str,
    key: Option<&str>,
) -> reqwest::RequestBuilder {
    let req = svc.client.request(method, svc.url(path));
    match key {
        Some(key) => req.bearer_auth(key),
        None => req,
    }
}

async fn start() -> TestService {
    TestService::start::<Migrator>(SERVICE, manufacturer::build_local).await
}

struct Answer {
    status: u16,
    content_type: String,
    body: Value,
    /// `Idempotent-Replayed: true`: the answer is a stored one.
    replayed: bool,
}

async fn answer(res: reqwest::Response) -> Answer {
    let status = res.status().as_u16();
    let content_type = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let replayed = res
        .headers()
        .get("idempotent-replayed")
        .is_some_and(|v| v == "true");
    let body = res.json().await.unwrap_or(Value::Null);
    Answer {
        status,
        content_type,
        body,
        replayed,
    }
}

async fn post(svc: &TestService, path: &str, body: &Value) -> Answer {
    answer(
        request(svc, reqwest::Method::POST, path)
            .json(body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn post_raw(svc: &TestService, path: &str, body: impl Into<reqwest::Body>) -> Answer {
    answer(
        request(svc, reqwest::Method::POST, path)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn get(svc: &TestService, path: &str) -> Answer {
    answer(
        request(svc, reqwest::Method::GET, path)
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn count(db: &DatabaseConnection, sql: &str, values: Vec<DbValue>) -> i64 {
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            sql,
            values,
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

/// Rows in every table a request or message could change.
async fn table_counts(db: &DatabaseConnection) -> Vec<(&'static str, i64)> {
    let mut counts = Vec::new();
    for table in [
        "manufacturers",
        "agreements",
        "claims",
        "claim_events",
        "outbox",
        "inbox",
        "serial_registry",
        "idempotency_keys",
        "api_keys",
        "agreement_versions",
        "depots",
        "claim_evidence",
        "credit_notes",
        "credit_note_lines",
        "credit_note_counters",
        "webhook_endpoints",
        "webhook_deliveries",
    ] {
        let n = count(db, &format!("SELECT count(*) FROM {table}"), vec![]).await;
        counts.push((table, n));
    }
    counts
}

async fn create_manufacturer(svc: &TestService, name: &str) -> Uuid {
    let a = post(svc, "/api/manufacturers", &json!({ "name": name })).await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(a.body["name"], name);
    let mid = serde_json::from_value(a.body["id"].clone()).unwrap();
    remember_key(svc, mid, a.body["api_key"].as_str().unwrap());
    mid
}

fn agreement_body(retailer_id: Uuid) -> Value {
    json!({
        "retailer_id": retailer_id, "currency": "EUR", "coverage_months": 24, "doa_days": 14,
        "reimbursement_percent": "80",
        "handling_fee": {"amount": "25.00", "currency": "EUR"},
        "decision_deadline_days": 14
    })
}

async fn create_agreement(svc: &TestService, mid: Uuid, retailer_id: Uuid) -> Value {
    let a = post(
        svc,
        &format!("/api/manufacturers/{mid}/agreements"),
        &agreement_body(retailer_id),
    )
    .await;
    assert_eq!(a.status, 201, "{}", a.body);
    a.body
}

fn eur(amount: &str) -> Money {
    Money::new(amount.parse().unwrap(), Currency::parse("EUR").unwrap()).unwrap()
}

/// A claim for a unit sold `days_before_swap` days before it was swapped (now), for 499.00 EUR.
fn claim(mid: Uuid, retailer_id: Uuid, days_before_swap: i64) -> ClaimSubmittedV1 {
    let swapped_at: DateTime<Utc> = Utc::now();
    ClaimSubmittedV1 {
        claim_id: Uuid::now_v7(),
        swap_id: Uuid::now_v7(),
        case_id: Uuid::now_v7(),
        retailer_id,
        manufacturer_id: mid,
        serial: format!("SN-{}", Uuid::now_v7().simple()),
        product: ProductRef {
            sku: "WM-100".into(),
            name: "Washing machine WM 100".into(),
            manufacturer_id: mid,
        },
        price_paid: eur("499.00"),
        sold_at: swapped_at - TimeDelta::days(days_before_swap),
        swapped_at,
        defect_category: "does_not_start".into(),
        defect_description: "Drum does not turn".into(),
    }
}

/// Waits until the claim is visible through the API; returns it.
async fn wait_claim(svc: &TestService, mid: Uuid, claim_id: Uuid) -> Value {
    let path = format!("/api/manufacturers/{mid}/claims/{claim_id}");
    eventually(&format!("claim {claim_id}"), DEADLINE, || async {
        let a = get(svc, &path).await;
        (a.status == 200).then_some(a.body)
    })
    .await
}

/// The `manufacturer.claim.decided.v1` payloads in the outbox for `claim_id`.
async fn decided_events(db: &DatabaseConnection, claim_id: Uuid) -> Vec<Value> {
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT payload FROM outbox WHERE routing_key = $1 \
             AND payload->'data'->>'claim_id' = $2 ORDER BY created_at",
            [
                "manufacturer.claim.decided.v1".into(),
                claim_id.to_string().into(),
            ],
        ))
        .await
        .unwrap();
    rows.into_iter()
        .map(|r| r.try_get::<Value>("", "payload").unwrap())
        .collect()
}

/// Waits until the claim's decided event was published (confirmed by the broker).
async fn wait_sent(svc: &TestService, claim_id: Uuid) {
    eventually(
        &format!("decided event of {claim_id} sent"),
        DEADLINE,
        || async {
            let n = count(
                &svc.db,
                "SELECT count(*) FROM outbox WHERE payload->'data'->>'claim_id' = $1 \
             AND sent_at IS NOT NULL",
                vec![claim_id.to_string().into()],
            )
            .await;
            (n == 1).then_some(())
        },
    )
    .await;
}

fn event_kinds(claim: &Value) -> Vec<String> {
    claim["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect()
}

fn assert_problem(a: &Answer, status: u16, what: &str) {
    assert_eq!(a.status, status, "{what}: {}", a.body);
    assert!(
        a.content_type.starts_with(PROBLEM),
        "{what}: content-type {}",
        a.content_type
    );
    assert_eq!(a.body["status"], status, "{what}: {}", a.body);
    assert!(a.body["code"].is_string(), "{what}: {}", a.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manufacturers_and_agreements_are_created_and_listed() {
    let svc = start().await;
    let mid = create_manufacturer(&svc, "Waschwerk AG").await;
    let m = get(&svc, &format!("/api/manufacturers/{mid}")).await;
    assert_eq!(m.status, 200);
    assert_eq!(m.body["name"], "Waschwerk AG");

    let retailer = Uuid::now_v7();
    let a = create_agreement(&svc, mid, retailer).await;
    assert_eq!(a["manufacturer_id"], mid.to_string());
    assert_eq!(a["retailer_id"], retailer.to_string());
    assert_eq!(a["currency"], "EUR");
    assert_eq!(a["coverage_months"], 24);
    assert_eq!(a["doa_days"], 14);
    assert_eq!(a["reimbursement_percent"], "80.00");
    assert_eq!(
        a["handling_fee"],
        json!({"amount": "25.00", "currency": "EUR"})
    );
    assert_eq!(a["decision_deadline_days"], 14);

    // The percentage as a JSON number or a decimal string, the fee amount as a number.
    let other = Uuid::now_v7();
    let mut body = agreement_body(other);
    body["reimbursement_percent"] = json!(80.5);
    body["handling_fee"]["amount"] = json!(10);
    let b = post(&svc, &format!("/api/manufacturers/{mid}/agreements"), &body).await;
    assert_eq!(b.status, 201, "{}", b.body);
    assert_eq!(b.body["reimbursement_percent"], "80.50");
    assert_eq!(b.body["handling_fee"]["amount"], "10.00");
    let third = Uuid::now_v7();
    let mut body = agreement_body(third);
    body["reimbursement_percent"] = json!("80.5");
    let c = post(&svc, &format!("/api/manufacturers/{mid}/agreements"), &body).await;
    assert_eq!(c.status, 201, "{}", c.body);
    assert_eq!(c.body["reimbursement_percent"], "80.50");

    let list = get(&svc, &format!("/api/manufacturers/{mid}/agreements")).await;
    assert_eq!(list.status, 200);
    let items = list.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(items[0]["id"], a["id"]);

    let one = get(
        &svc,
        &format!(
            "/api/manufacturers/{mid}/agreements/{}",
            a["id"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(one.status, 200);
    assert_eq!(one.body, a);

    // One agreement per pair: a second one is a conflict and changes nothing.
    let before = table_counts(&svc.db).await;
    let dup = post(
        &svc,
        &format!("/api/manufacturers/{mid}/agreements"),
        &agreement_body(retailer),
    )
    .await;
    assert_problem(&dup, 409, "second agreement");
    assert_eq!(dup.body["code"], "agreement_exists");
    assert_eq!(table_counts(&svc.db).await, before);

    // An unknown manufacturer.
    let ghost = Uuid::now_v7();
    let none = post(
        &svc,
        &format!("/api/manufacturers/{ghost}/agreements"),
        &agreement_body(retailer),
    )
    .await;
    assert_problem(&none, 404, "agreement for unknown manufacturer");
    assert_problem(
        &get(&svc, &format!("/api/manufacturers/{ghost}/agreements")).await,
        404,
        "agreements of unknown manufacturer",
    );
    assert_problem(
        &get(&svc, &format!("/api/manufacturers/{ghost}")).await,
        404,
        "unknown manufacturer",
    );
    assert_eq!(table_counts(&svc.db).await, before);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_inside_doa_is_accepted_by_rule_and_announced() {
    let svc = start().await;
    let mid = create_manufacturer(&svc, "Waschwerk AG").await;
    let retailer = Uuid::now_v7();
    let agreement = create_agreement(&svc, mid, retailer).await;

    let event = claim(mid, retailer, 3);
    let env = publish_event(&svc.names, event.clone()).await;
    let c = wait_claim(&svc, mid, event.claim_id).await;
    assert_eq!(c["status"], "accepted");
    assert_eq!(c["decided_by"], "rule:doa_full_refund");
    assert_eq!(
        c["decided_amount"],
        json!({"amount": "524.00", "currency": "EUR"})
    );
    assert_eq!(
        c["price_paid"],
        json!({"amount": "499.00", "currency": "EUR"})
    );
    assert_eq!(c["agreement_id"], agreement["id"]);
    assert_eq!(c["swap_id"], event.swap_id.to_string());
    assert_eq!(c["case_id"], event.case_id.to_string());
    assert_eq!(c["serial"], event.serial);
    assert_eq!(c["product"]["sku"], "WM-100");
    assert_eq!(c["pending_reason"], Value::Null);
    assert!(c["decided_at"].is_string());
    assert_eq!(event_kinds(&c), ["received", "auto_accepted"]);
    assert_eq!(c["events"][0]["details"]["message_id"], env.id.to_string());
    assert_eq!(c["events"][1]["details"]["rule"], "doa_full_refund");

    let events = decided_events(&svc.db, event.claim_id).await;
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(e["type"], "manufacturer.claim.decided.v1");
    assert_eq!(e["source"], "/kummerer/manufacturer");
    assert_eq!(e["data"]["outcome"], "accepted");
    assert_eq!(
        e["data"]["amount"],
        json!({"amount": "524.00", "currency": "EUR"})
    );
    assert_eq!(
        e["data"]["decided_by"],
        json!({"kind": "rule", "rule": "doa_full_refund"})
    );
    assert_eq!(e["data"]["swap_id"], event.swap_id.to_string());
    assert_eq!(e["data"]["retailer_id"], retailer.to_string());
    assert_eq!(e["data"]["manufacturer_id"], mid.to_string());

    // The relay publishes it; the retailer's queue receives it.
    wait_sent(&svc, event.claim_id).await;
    let retailer_queue = svc.names.queue(&RETAILER_CASE_EVENTS);
    eventually(
        "decided event in the retailer's queue",
        DEADLINE,
        || async { (svc.broker.depth(&retailer_queue).await == 1).then_some(()) },
    )
    .await;
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claims_the_rules_leave_pending_are_decided_through_the_api() {
    let svc = start().await;
    let mid = create_manufacturer(&svc, "Waschwerk AG").await;
    let retailer = Uuid::now_v7();
    create_agreement(&svc, mid, retailer).await;

    // Outside DOA, within coverage: 80 % of 499.00 = 399.20, plus 25.00.
    let mut claims = Vec::new();
    for _ in 0..3 {
        let event = claim(mid, retailer, 60);
        publish_event(&svc.names, event.clone()).await;
        let c = wait_claim(&svc, mid, event.claim_id).await;
        assert_eq!(c["status"], "pending");
        assert_eq!(c["pending_reason"], "outside_doa");
        assert_eq!(
            c["suggested_amount"],
            json!({"amount": "424.20", "currency": "EUR"})
        );
        assert_eq!(c["decided_amount"], Value::Null);
        assert_eq!(event_kinds(&c), ["received", "left_pending"]);
        let received: DateTime<Utc> = serde_json::from_value(c["received_at"].clone()).unwrap();
        let deadline: DateTime<Utc> = serde_json::from_value(c["deadline_at"].clone()).unwrap();
        assert_eq!(deadline - received, TimeDelta::days(14));
        claims.push(event);
    }
    // Outside coverage: nothing suggested. Without an agreement: flagged, no suggestion.
    let old = claim(mid, retailer, 3 * 365);
    publish_event(&svc.names, old.clone()).await;
    let c = wait_claim(&svc, mid, old.claim_id).await;
    assert_eq!(c["pending_reason"], "outside_coverage");
    assert_eq!(
        c["suggested_amount"],
        json!({"amount": "0.00", "currency": "EUR"})
    );
    let stranger = claim(mid, Uuid::now_v7(), 3);
    publish_event(&svc.names, stranger.clone()).await;
    let c = wait_claim(&svc, mid, stranger.claim_id).await;
    assert_eq!(c["status"], "pending");
    assert_eq!(c["pending_reason"], "no_agreement");
    assert_eq!(c["suggested_amount"], Value::Null);
    assert_eq!(c["deadline_at"], Value::Null);
    assert_eq!(c["agreement_id"], Value::Null);
    assert_eq!(count(&svc.db, DECIDED_IN_OUTBOX, vec![]).await, 0);

    // The pending list, newest first.
    let list = get(
        &svc,
        &format!("/api/manufacturers/{mid}/claims?status=pending"),
    )
    .await;
    assert_eq!(list.status, 200);
    let ids: Vec<&str> = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    let mut expected: Vec<String> = claims
        .iter()
        .chain([&old, &stranger])
        .map(|c| c.claim_id.to_string())
        .collect();
    expected.reverse();
    assert_eq!(ids, expected);
    assert!(list.body["items"][0].get("events").is_none());

    let decide = |claim_id: Uuid, body: Value| {
        let svc = &svc;
        async move {
            post(
                svc,
                &format!("/api/manufacturers/{mid}/claims/{claim_id}/decision"),
                &body,
            )
            .await
        }
    };

    // Accept without an amount: the suggested amount.
    let a = decide(claims[0].claim_id, json!({"outcome": "accept"})).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["status"], "accepted");
    assert_eq!(a.body["decided_by"], "manufacturer");
    assert_eq!(
        a.body["decided_amount"],
        json!({"amount": "424.20", "currency": "EUR"})
    );
    assert_eq!(
        event_kinds(&a.body),
        ["received", "left_pending", "decided"]
    );

    // Partly accept with an amount and a reason.
    let p = decide(
        claims[1].claim_id,
        json!({"outcome": "partly_accept", "amount": {"amount": "200", "currency": "EUR"},
               "reason_code": "cosmetic_damage"}),
    )
    .await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert_eq!(p.body["status"], "partly_accepted");
    assert_eq!(p.body["reason_code"], "cosmetic_damage");
    assert_eq!(
        p.body["decided_amount"],
        json!({"amount": "200.00", "currency": "EUR"})
    );

    // Reject with a reason.
    let r = decide(
        claims[2].claim_id,
        json!({"outcome": "reject", "reason_code": "no_defect_found"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "rejected");
    assert_eq!(
        r.body["decided_amount"],
        json!({"amount": "0.00", "currency": "EUR"})
    );

    // Accepting a claim without an agreement: the price alone, given explicitly.
    let s = decide(
        stranger.claim_id,
        json!({"outcome": "accept", "amount": {"amount": "499.00", "currency": "EUR"}}),
    )
    .await;
    assert_eq!(s.status, 200, "{}", s.body);

    for (event, outcome, amount, reason) in [
        (&claims[0], "accepted", "424.20", Value::Null),
        (
            &claims[1],
            "partly_accepted",
            "200.00",
            json!("cosmetic_damage"),
        ),
        (&claims[2], "rejected", "0.00", json!("no_defect_found")),
        (&stranger, "accepted", "499.00", Value::Null),
    ] {
        let events = decided_events(&svc.db, event.claim_id).await;
        assert_eq!(events.len(), 1, "{outcome}");
        let data = &events[0]["data"];
        assert_eq!(data["outcome"], outcome);
        assert_eq!(data["amount"], json!({"amount": amount, "currency": "EUR"}));
        assert_eq!(data["reason_code"], reason);
        assert_eq!(data["decided_by"], json!({"kind": "manufacturer"}));
        assert_eq!(data["case_id"], event.case_id.to_string());
        wait_sent(&svc, event.claim_id).await;
    }

    // A decided claim stays decided.
    let before = table_counts(&svc.db).await;
    let again = decide(claims[2].claim_id, json!({"outcome": "accept"})).await;
    assert_problem(&again, 409, "second decision");
    assert_eq!(again.body["code"], "claim_already_decided");
    assert_eq!(table_counts(&svc.db).await, before);

    // Lists by status.
    for (status, n) in [
        ("pending", 1),
        ("accepted", 2),
        ("partly_accepted", 1),
        ("rejected", 1),
    ] {
        let l = get(
            &svc,
            &format!("/api/manufacturers/{mid}/claims?status={status}"),
        )
        .await;
        assert_eq!(l.body["items"].as_array().unwrap().len(), n, "{status}");
    }
    let all = get(&svc, &format!("/api/manufacturers/{mid}/claims")).await;
    assert_eq!(all.body["items"].as_array().unwrap().len(), 5);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_claim_is_applied_once() {
    let svc = start().await;
    let mid = create_manufacturer(&svc, "Waschwerk AG").await;
    let retailer = Uuid::now_v7();
    create_agreement(&svc, mid, retailer).await;

    let event = claim(mid, retailer, 3);
    let env = publish_event(&svc.names, event.clone()).await;
    wait_claim(&svc, mid, event.claim_id).await;
    // The same envelope again (a redelivery), and the same claim in a new envelope (a producer
    // that published twice).
    publish_envelope(&svc.names, &env).await;
    publish_event(&svc.names, event.clone()).await;
    // A later claim: once it is in, the duplicates before it were handled.
    let later = claim(mid, retailer, 3);
    publish_event(&svc.names, later.clone()).await;
    wait_claim(&svc, mid, later.claim_id).await;

    assert_eq!(
        count(&svc.db, "SELECT count(*) FROM claims", vec![]).await,
        2
    );
    let c = wait_claim(&svc, mid, event.claim_id).await;
    assert_eq!(event_kinds(&c), ["received", "auto_accepted"]);
    assert_eq!(decided_events(&svc.db, event.claim_id).await.len(), 1);
    assert_eq!(count(&svc.db, DECIDED_IN_OUTBOX, vec![]).await, 2);
    let dlq = svc.names.dead_letter_queue(&MANUFACTURER_CLAIMS);
    assert_eq!(svc.broker.depth(&dlq).await, 0);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_messages_are_dead_lettered_and_the_next_good_one_is_applied() {
    let svc = start().await;
    let mid = create_manufacturer(&svc, "Waschwerk AG").await;
    let retailer = Uuid::now_v7();
    create_agreement(&svc, mid, retailer).await;
    let dlq = svc.names.dead_letter_queue(&MANUFACTURER_CLAIMS);

    // Not JSON at all.
    publish_raw(
        &svc.names,
        Service::Retailer,
        ClaimSubmittedV1::TYPE,
        b"{not json",
    )
    .await;
    eventually("malformed body dead-lettered", DEADLINE, || async {
        (svc.broker.depth(&dlq).await == 1).then_some(())
    })
    .await;

    // A valid envelope whose data is not a claim.
    let mut env =
        serde_json::to_value(kummerer_contracts::Envelope::new(claim(mid, retailer, 3))).unwrap();
    env["data"] = json!({"claim_id": "nope"});
    publish_raw(
        &svc.names,
        Service::Retailer,
        ClaimSubmittedV1::TYPE,
        &serde_json::to_vec(&env).unwrap(),
    )
    .await;
    eventually("bad data dead-lettered", DEADLINE, || async {
        (svc.broker.depth(&dlq).await == 2).then_some(())
    })
    .await;

    // A claim against a manufacturer this service does not know: nobody can ever decide it.
    let orphan = claim(Uuid::now_v7(), retailer, 3);
    publish_event(&svc.names, orphan.clone()).await;
    eventually("unknown manufacturer dead-lettered", DEADLINE, || async {
        (svc.broker.depth(&dlq).await == 3).then_some(())
    })
    .await;

    // The consumer goes on.
    let good = claim(mid, retailer, 3);
    publish_event(&svc.names, good.clone()).await;
    let c = wait_claim(&svc, mid, good.claim_id).await;
    assert_eq!(c["status"], "accepted");
    assert_eq!(
        count(&svc.db, "SELECT count(*) FROM claims", vec![]).await,
        1
    );
    assert_eq!(count(&svc.db, DECIDED_IN_OUTBOX, vec![]).await, 1);
    assert_eq!(svc.broker.depth(&dlq).await, 3);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manufacturer_sees_and_decides_only_its_own_claims() {
    let svc = start().await;
    let a = create_manufacturer(&svc, "Waschwerk AG").await;
    let b = create_manufacturer(&svc, "Kühlhaus GmbH").await;
    let retailer = Uuid::now_v7();
    let agreement = create_agreement(&svc, a, retailer).await;
    let agreement_id = agreement["id"].as_str().unwrap().to_owned();
    let event = claim(a, retailer, 60);
    publish_event(&svc.names, event.clone()).await;
    wait_claim(&svc, a, event.claim_id).await;
    let id = event.claim_id;
    let before = table_counts(&svc.db).await;

    // B reads A's claim: exactly like a claim that does not exist.
    let theirs = get(&svc, &format!("/api/manufacturers/{b}/claims/{id}")).await;
    let unknown = get(
        &svc,
        &format!("/api/manufacturers/{b}/claims/{}", Uuid::now_v7()),
    )
    .await;
    assert_problem(&theirs, 404, "B reads A's claim");
    assert_eq!(theirs.body, unknown.body);

    // B decides A's claim.
    for body in [
        json!({"outcome": "accept"}),
        json!({"outcome": "reject", "reason_code": "no_defect_found"}),
    ] {
        let d = post(
            &svc,
            &format!("/api/manufacturers/{b}/claims/{id}/decision"),
            &body,
        )
        .await;
        assert_problem(&d, 404, "B decides A's claim");
        assert_eq!(d.body, unknown.body);
    }

    // B's lists hold nothing of A's.
    for path in [
        format!("/api/manufacturers/{b}/claims"),
        format!("/api/manufacturers/{b}/claims?status=pending"),
        format!("/api/manufacturers/{b}/agreements"),
    ] {
        let l = get(&svc, &path).await;
        assert_eq!(l.status, 200, "{path}");
        let empty = if path.contains("/claims") {
            json!({"items": [], "next_cursor": null})
        } else {
            json!({"items": []})
        };
        assert_eq!(l.body, empty, "{path}");
    }
    let their_agreement = get(
        &svc,
        &format!("/api/manufacturers/{b}/agreements/{agreement_id}"),
    )
    .await;
    assert_problem(&their_agreement, 404, "B reads A's agreement");
    let unknown_agreement = get(
        &svc,
        &format!("/api/manufacturers/{b}/agreements/{}", Uuid::now_v7()),
    )
    .await;
    assert_eq!(their_agreement.body, unknown_agreement.body);

    // Nothing changed; A still sees and decides its claim.
    assert_eq!(table_counts(&svc.db).await, before);
    let mine = get(&svc, &format!("/api/manufacturers/{a}/claims/{id}")).await;
    assert_eq!(mine.status, 200);
    assert_eq!(mine.body["status"], "pending");
    let l = get(&svc, &format!("/api/manufacturers/{a}/agreements")).await;
    assert_eq!(l.body["items"].as_array().unwrap().len(), 1);
    let d = post(
        &svc,
        &format!("/api/manufacturers/{a}/claims/{id}/decision"),
        &json!({"outcome": "accept"}),
    )
    .await;
    assert_eq!(d.status, 200, "{}", d.body);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_two_concurrent_decisions_exactly_one_wins() {
    let svc = start().await;
    let mid = create_manufacturer(&svc, "Waschwerk AG").await;
    let retailer = Uuid::now_v7();
    create_agreement(&svc, mid, retailer).await;
    let mut events = Vec::new();
    for _ in 0..5 {
        let event = claim(mid, retailer, 60);
        publish_event(&svc.names, event.clone()).await;
        events.push(event);
    }
    for event in &events {
        wait_claim(&svc, mid, event.claim_id).await;
    }

    for event in &events {
        let path = format!(
            "/api/manufacturers/{mid}/claims/{}/decision",
            event.claim_id
        );
        let accept = json!({"outcome": "accept"});
        let reject = json!({"outcome": "reject", "reason_code": "no_defect_found"});
        let (x, y) = tokio::join!(post(&svc, &path, &accept), post(&svc, &path, &reject));
        let mut statuses = [x.status, y.status];
        statuses.sort();
        assert_eq!(statuses, [200, 409], "{} / {}", x.body, y.body);
        let loser = if x.status == 409 { &x } else { &y };
        assert_eq!(loser.body["code"], "claim_already_decided");
        assert_eq!(decided_events(&svc.db, event.claim_id).await.len(), 1);
        let decided = count(
            &svc.db,
            "SELECT count(*) FROM claim_events WHERE claim_id = $1 AND kind = 'decided'",
            vec![event.claim_id.into()],
        )
        .await;
        assert_eq!(decided, 1);
    }
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_a_problem_and_changes_nothing() {
    let svc = start().await;
    let mid = create_manufacturer(&svc, "Waschwerk AG").await;
    let retailer = Uuid::now_v7();
    create_agreement(&svc, mid, retailer).await;
    let event = claim(mid, retailer, 60);
    publish_event(&svc.names, event.clone()).await;
    wait_claim(&svc, mid, event.claim_id).await;
    let id = event.claim_id;
    let before = table_counts(&svc.db).await;
    let ghost = Uuid::now_v7();
    let huge = "x".repeat(70 * 1024);

    // Manufacturers.
    let manufacturers = "/api/manufacturers";
    for (body, status, what) in [
        (json!({}), 422, "no name"),
        (json!({"name": "  "}), 422, "blank name"),
        (json!({"name": 5}), 422, "name of the wrong type"),
        (json!({"name": "x".repeat(201)}), 422, "name too long"),
        (
            json!({"name": "Wasch\u{0}werk"}),
            422,
            "a NUL character in the name",
        ),
        (json!({ "name": huge }), 413, "huge body"),
    ] {
        assert_problem(&post(&svc, manufacturers, &body).await, status, what);
    }
    // Text PostgreSQL cannot store (found by schemathesis): a problem, never a 500.
    let mut depot = flow::depot_body("Lager\u{0}Nord");
    assert_problem(
        &post(&svc, &format!("{manufacturers}/{mid}/depots"), &depot).await,
        422,
        "a NUL character in the depot's name",
    );
    depot["name"] = json!("Lager Nord");
    depot["address"]["city"] = json!("Ham\u{0}burg");
    assert_problem(
        &post(&svc, &format!("{manufacturers}/{mid}/depots"), &depot).await,
        422,
        "a NUL character in the depot's address",
    );
    assert_problem(
        &post_raw(&svc, manufacturers, "{\"name\": ").await,
        400,
        "syntax error",
    );

    // Agreements.
    let agreements = format!("/api/manufacturers/{mid}/agreements");
    let with = |f: &dyn Fn(&mut Value)| {
        let mut body = agreement_body(Uuid::now_v7());
        f(&mut body);
        body
    };
    let cases: Vec<(Value, u16, &str, Option<&str>)> = vec![
        (json!({}), 422, "empty body", None),
        (
            with(&|b| {
                b.as_object_mut().unwrap().remove("currency");
            }),
            422,
            "missing currency",
            None,
        ),
        (
            with(&|b| {
                b.as_object_mut().unwrap().remove("handling_fee");
            }),
            422,
            "missing fee",
            None,
        ),
        (
            with(&|b| b["retailer_id"] = json!("nope")),
            422,
            "bad retailer id",
            None,
        ),
        (
            with(&|b| b["coverage_months"] = json!("24")),
            422,
            "months as text",
            None,
        ),
        (
            with(&|b| b["coverage_months"] = json!(24.5)),
            422,
            "fractional months",
            None,
        ),
        (
            with(&|b| b["coverage_months"] = json!(0)),
            422,
            "no coverage",
            Some("coverage_months"),
        ),
        (
            with(&|b| b["coverage_months"] = json!(121)),
            422,
            "too much coverage",
            Some("coverage_months"),
        ),
        (
            with(&|b| b["doa_days"] = json!(-1)),
            422,
            "negative DOA",
            Some("doa_days"),
        ),
        (
            with(&|b| b["doa_days"] = json!(366)),
            422,
            "DOA too long",
            Some("doa_days"),
        ),
        (
            with(&|b| b["decision_deadline_days"] = json!(0)),
            422,
            "no deadline",
            Some("decision_deadline_days"),
        ),
        (
            with(&|b| b["reimbursement_percent"] = json!("100.01")),
            422,
            "percent over 100",
            Some("reimbursement_percent"),
        ),
        (
            with(&|b| b["reimbursement_percent"] = json!(101)),
            422,
            "percent over 100 as a number",
            Some("reimbursement_percent"),
        ),
        (
            with(&|b| b["reimbursement_percent"] = json!("-5")),
            422,
            "negative percent",
            Some("reimbursement_percent"),
        ),
        (
            with(&|b| b["reimbursement_percent"] = json!("eighty")),
            422,
            "percent not a number",
            Some("reimbursement_percent"),
        ),
        (
            with(&|b| b["reimbursement_percent"] = json!(true)),
            422,
            "percent of the wrong type",
            None,
        ),
        (
            with(&|b| b["handling_fee"]["amount"] = json!("-1.00")),
            422,
            "negative fee",
            Some("handling_fee.amount"),
        ),
        (
            with(&|b| b["handling_fee"]["amount"] = json!("1.001")),
            422,
            "fee too precise",
            Some("handling_fee.amount"),
        ),
        (
            with(&|b| b["handling_fee"]["currency"] = json!("eur")),
            422,
            "fee currency lower case",
            Some("handling_fee.currency"),
        ),
        (
            with(&|b| b["handling_fee"]["currency"] = json!("USD")),
            422,
            "fee in another currency",
            Some("handling_fee.currency"),
        ),
        (
            with(&|b| b["currency"] = json!("eur")),
            422,
            "currency lower case",
            Some("currency"),
        ),
        (
            with(&|b| b["currency"] = json!("EURO")),
            422,
            "currency too long",
            Some("currency"),
        ),
        (
            with(&|b| b["padding"] = json!(huge)),
            413,
            "huge body",
            None,
        ),
        // A retailer that already has an agreement.
        (agreement_body(retailer), 409, "second agreement", None),
    ];
    for (body, status, what, field) in cases {
        let a = post(&svc, &agreements, &body).await;
        assert_problem(&a, status, what);
        if let Some(field) = field {
            let fields: Vec<&str> = a.body["errors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["field"].as_str().unwrap())
                .collect();
            assert!(fields.contains(&field), "{what}: {}", a.body);
        }
    }
    assert_problem(
        &post(
            &svc,
            &format!("/api/manufacturers/{ghost}/agreements"),
            &agreement_body(Uuid::now_v7()),
        )
        .await,
        404,
        "unknown manufacturer",
    );
    assert_problem(
        &post(
            &svc,
            "/api/manufacturers/not-a-uuid/agreements",
            &agreement_body(Uuid::now_v7()),
        )
        .await,
        404,
        "malformed manufacturer id",
    );

    // Claims.
    for (path, status, what) in [
        (
            format!("/api/manufacturers/{mid}/claims?status=open"),
            400,
            "unknown status",
        ),
        (
            format!("/api/manufacturers/{ghost}/claims"),
            404,
            "unknown manufacturer",
        ),
        (
            format!("/api/manufacturers/{mid}/claims/{ghost}"),
            404,
            "unknown claim",
        ),
        (
            format!("/api/manufacturers/{mid}/claims/nope"),
            404,
            "malformed claim id",
        ),
    ] {
        assert_problem(&get(&svc, &path).await, status, what);
    }

    // Decisions.
    let decision = format!("/api/manufacturers/{mid}/claims/{id}/decision");
    let money = |amount: Value, currency: &str| json!({"amount": amount, "currency": currency});
    let cases: Vec<(String, Value, u16, &str)> = vec![
        (decision.clone(), json!({}), 422, "no outcome"),
        (
            decision.clone(),
            json!({"outcome": "maybe"}),
            422,
            "unknown outcome",
        ),
        (
            decision.clone(),
            json!({"outcome": 1}),
            422,
            "outcome of the wrong type",
        ),
        (
            decision.clone(),
            json!({"outcome": "partly_accept", "reason_code": "wear"}),
            422,
            "partly without amount",
        ),
        (
            decision.clone(),
            json!({"outcome": "partly_accept", "amount": money(json!("100"), "EUR")}),
            422,
            "partly without reason",
        ),
        (
            decision.clone(),
            json!({"outcome": "partly_accept", "amount": money(json!("524.00"), "EUR"),
                   "reason_code": "wear"}),
            422,
            "partly at the maximum",
        ),
        (
            decision.clone(),
            json!({"outcome": "reject"}),
            422,
            "reject without reason",
        ),
        (
            decision.clone(),
            json!({"outcome": "reject", "reason_code": 7}),
            422,
            "reason of the wrong type",
        ),
        (
            decision.clone(),
            json!({"outcome": "reject", "reason_code": "no defect found"}),
            422,
            "reason with spaces",
        ),
        (
            decision.clone(),
            json!({"outcome": "reject", "reason_code": "misuse",
                   "amount": money(json!("10"), "EUR")}),
            422,
            "reject with an amount",
        ),
        (
            decision.clone(),
            json!({"outcome": "accept", "amount": money(json!("-1"), "EUR")}),
            422,
            "negative amount",
        ),
        (
            decision.clone(),
            json!({"outcome": "accept", "amount": money(json!("1.001"), "EUR")}),
            422,
            "amount too precise",
        ),
        (
            decision.clone(),
            json!({"outcome": "accept", "amount": money(json!("abc"), "EUR")}),
            422,
            "amount not a number",
        ),
        (
            decision.clone(),
            json!({"outcome": "accept", "amount": money(json!("10"), "eur")}),
            422,
            "currency lower case",
        ),
        (
            decision.clone(),
            json!({"outcome": "accept", "amount": money(json!("10"), "USD")}),
            422,
            "another currency",
        ),
        (
            decision.clone(),
            json!({"outcome": "accept", "amount": money(json!("524.01"), "EUR")}),
            422,
            "more than price and fee",
        ),
        (
            decision.clone(),
            json!({"outcome": "accept", "amount": {"amount": "10"}}),
            422,
            "amount without currency",
        ),
        (
            decision.clone(),
            json!({"outcome": "accept", "padding": huge}),
            413,
            "huge body",
        ),
        (
            format!("/api/manufacturers/{mid}/claims/{ghost}/decision"),
            json!({"outcome": "accept"}),
            404,
            "unknown claim",
        ),
        (
            format!("/api/manufacturers/{ghost}/claims/{id}/decision"),
            json!({"outcome": "accept"}),
            404,
            "unknown manufacturer",
        ),
    ];
    for (path, body, status, what) in cases {
        assert_problem(&post(&svc, &path, &body).await, status, what);
    }
    assert_problem(
        &post_raw(&svc, &decision, "{\"outcome\": \"accept\"").await,
        400,
        "syntax error",
    );

    assert_eq!(table_counts(&svc.db).await, before);
    let c = get(&svc, &format!("/api/manufacturers/{mid}/claims/{id}")).await;
    assert_eq!(c.body["status"], "pending");
    assert_eq!(event_kinds(&c.body), ["received", "left_pending"]);
    svc.stop().await;
}

async fn post_keyed(svc: &TestService, path: &str, body: &Value, key: &str) -> Answer {
    answer(
        request(svc, reqwest::Method::POST, path)
            .header("Idempotency-Key", key)
            .json(body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// Publishes the claims and waits until each is visible; returns them as the API shows them.
async fn arrive(svc: &TestService, mid: Uuid, events: &[ClaimSubmittedV1]) -> Vec<Value> {
    for event in events {
        publish_event(&svc.names, event.clone()).await;
    }
    let mut out = Vec::new();
    for event in events {
        out.push(wait_claim(svc, mid, event.claim_id).await);
    }
    out
}

async fn claim_of(svc: &TestService, mid: Uuid, id: Uuid) -> Value {
    let a = get(svc, &format!("/api/manufacturers/{mid}/claims/{id}")).await;
    assert_eq!(a.status, 200, "{}", a.body);
    a.body
}

fn at(v: &Value) -> DateTime<Utc> {
    serde_json::from_value(v.clone()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_past_its_deadline_is_deemed_accepted_once() {
    let svc = start().await;
    let mid = create_manufacturer(&svc, "Waschwerk AG").await;
    let retailer = Uuid::now_v7();
    let agreement = create_agreement(&svc, mid, retailer).await;
    assert_eq!(agreement["default_outcome"], "accept");

    // Five pending claims within coverage, one past coverage, one decided by the manufacturer,
    // one accepted by rule, one without agreement (no deadline).
    let pending: Vec<ClaimSubmittedV1> = (0..5).map(|_| claim(mid, retailer, 60)).collect();
    let old = claim(mid, retailer, 3 * 365);
    let decided = claim(mid, retailer, 60);
    let doa = claim(mid, retailer, 3);
    let stranger = claim(mid, Uuid::now_v7(), 60);
    let mut all = pending.clone();
    all.extend([old.clone(), decided.clone(), doa.clone(), stranger.clone()]);
    let shown = arrive(&svc, mid, &all).await;
    let deadline = at(&shown[0]["deadline_at"]);
    let r = post(
        &svc,
        &format!(
            "/api/manufacturers/{mid}/claims/{}/decision",
            decided.claim_id
        ),
        &json!({"outcome": "reject", "reason_code": "no_defect_found"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let before = table_counts(&svc.db).await;

    // Before the deadline nothing happens.
    assert_eq!(fire_deadlines(&svc.db, Utc::now()).await.unwrap(), 0);
    assert_eq!(
        fire_deadlines(&svc.db, deadline - TimeDelta::seconds(1))
            .await
            .unwrap(),
        0
    );
    assert_eq!(table_counts(&svc.db).await, before);
    for event in &pending {
        assert_eq!(
            claim_of(&svc, mid, event.claim_id).await["status"],
            "pending"
        );
    }

    // Two sweeps at once, a day after every deadline: each claim is decided exactly once.
    let later = deadline + TimeDelta::days(1);
    let (x, y) = {
        let (a, b) = (svc.db.clone(), svc.db.clone());
        let x = tokio::spawn(async move { fire_deadlines(&a, later).await });
        let y = tokio::spawn(async move { fire_deadlines(&b, later).await });
        (x.await.unwrap().unwrap(), y.await.unwrap().unwrap())
    };
    assert_eq!(x + y, 6, "{x} + {y}");
    for event in &pending {
        let c = claim_of(&svc, mid, event.claim_id).await;
        assert_eq!(c["status"], "accepted");
        assert_eq!(c["decided_by"], "rule:deadline_deemed_accepted");
        assert_eq!(
            c["decided_amount"],
            json!({"amount": "424.20", "currency": "EUR"})
        );
        assert_eq!(at(&c["decided_at"]), later.trunc_subsecs(6));
        assert_eq!(event_kinds(&c), ["received", "left_pending", "decided"]);
        assert_eq!(
            c["events"][2]["details"]["rule"],
            "deadline_deemed_accepted"
        );
        let events = decided_events(&svc.db, event.claim_id).await;
        assert_eq!(events.len(), 1);
        let data = &events[0]["data"];
        assert_eq!(data["outcome"], "accepted");
        assert_eq!(
            data["decided_by"],
            json!({"kind": "rule", "rule": "deadline_deemed_accepted"})
        );
        assert_eq!(
            data["amount"],
            json!({"amount": "424.20", "currency": "EUR"})
        );
        assert_eq!(data["reason_code"], Value::Null);
    }
    // Past coverage the suggestion is zero: deemed accepted for price plus fee.
    let c = claim_of(&svc, mid, old.claim_id).await;
    assert_eq!(c["status"], "accepted");
    assert_eq!(
        c["decided_amount"],
        json!({"amount": "524.00", "currency": "EUR"})
    );

    // The decided claims are untouched: still one decision each.
    let c = claim_of(&svc, mid, decided.claim_id).await;
    assert_eq!(c["status"], "rejected");
    assert_eq!(c["decided_by"], "manufacturer");
    assert_eq!(decided_events(&svc.db, decided.claim_id).await.len(), 1);
    let c = claim_of(&svc, mid, doa.claim_id).await;
    assert_eq!(c["decided_by"], "rule:doa_full_refund");
    assert_eq!(event_kinds(&c), ["received", "auto_accepted"]);
    assert_eq!(decided_events(&svc.db, doa.claim_id).await.len(), 1);
    // Without an agreement there is no deadline.
    let c = claim_of(&svc, mid, stranger.claim_id).await;
    assert_eq!(c["status"], "pending");
    assert!(decided_events(&svc.db, stranger.claim_id).await.is_empty());

    // Again, much later: nothing left to do.
    let after = table_counts(&svc.db).await;
    assert_eq!(
        fire_deadlines(&svc.db, later + TimeDelta::days(400))
            .await
            .unwrap(),
        0
    );
    assert_eq!(table_counts(&svc.db).await, after);
    // The retailer is told.
    for event in &pending {
        wait_sent(&svc, event.claim_id).await;
    }
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agreement_may_reject_by_default() {
    let svc = start().await;
    let mid = create_manufacturer(&svc, "Waschwerk AG").await;
    let retailer = Uuid::now_v7();
    let path = format!("/api/manufacturers/{mid}/agreements");

    // A default outcome that is neither: a field error, nothing changed.
    let before = table_counts(&svc.db).await;
    let mut body = agreement_body(retailer);
    body["default_outcome"] = json!("ignore");
    let bad = post(&svc, &path, &body).await;
    assert_problem(&bad, 422, "unknown default outcome");
    assert_eq!(bad.body["errors"][0]["field"], "default_outcome");
    body["default_outcome"] = json!(false);
    assert_problem(
        &post(&svc, &path, &body).await,
        422,
        "outcome of the wrong type",
    );
    assert_eq!(table_counts(&svc.db).await, before);

    body["default_outcome"] = json!("reject");
    let a = post(&svc, &path, &body).await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(a.body["default_outcome"], "reject");
    let id = a.body["id"].as_str().unwrap();
    let one = get(&svc, &format!("{path}/{id}")).await;
    assert_eq!(one.body["default_outcome"], "reject");

    let event = claim(mid, retailer, 60);
    let c = &arrive(&svc, mid, std::slice::from_ref(&event)).await[0];
    let deadline = at(&c["deadline_at"]);
    assert_eq!(fire_deadlines(&svc.db, deadline).await.unwrap(), 1);
    let c = claim_of(&svc, mid, event.claim_id).await;
    assert_eq!(c["status"], "rejected");
    assert_eq!(c["decided_by"], "rule:deadline_deemed_rejected");
    assert_eq!(c["reason_code"], "deadline_passed");
    assert_eq!(
        c["decided_amount"],
        json!({"amount": "0.00", "currency": "EUR"})
    );
    let events = decided_events(&svc.db, event.claim_id).await;
    assert_eq!(events.len(), 1);
    let data = &events[0]["data"];
    assert_eq!(data["outcome"], "rejected");
    assert_eq!(data["reason_code"], "deadline_passed");
    assert_eq!(
        data["decided_by"],
        json!({"kind": "rule", "rule": "deadline_deemed_rejected"})
    );
    assert_eq!(data["amount"], json!({"amount": "0.00", "currency": "EUR"}));
    wait_sent(&svc, event.claim_id).await;
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_serial_claimed_twice_is_flagged_and_never_accepted_by_rule() {
    let svc = start().await;
    let mid = create_manufacturer(&svc, "Waschwerk AG").await;
    let other = create_manufacturer(&svc, "Kühlhaus GmbH").await;
    let retailer = Uuid::now_v7();
    create_agreement(&svc, mid, retailer).await;
    create_agreement(&svc, other, retailer).await;

    let first = claim(mid, retailer, 3);
    let c = &arrive(&svc, mid, std::slice::from_ref(&first)).await[0];
    assert_eq!(c["status"], "accepted");
    assert_eq!(c["flags"], json!([]));

    // The same serial again, inside DOA: it waits, flagged, with what the rule would pay.
    let mut second = claim(mid, retailer, 3);
    second.serial = first.serial.clone();
    let c = &arrive(&svc, mid, std::slice::from_ref(&second)).await[0];
    assert_eq!(c["status"], "pending");
    assert_eq!(c["pending_reason"], "flagged");
    assert_eq!(c["flags"], json!(["duplicate_serial"]));
    assert_eq!(
        c["suggested_amount"],
        json!({"amount": "524.00", "currency": "EUR"})
    );
    assert_eq!(
        c["events"][0]["details"]["flags"],
        json!(["duplicate_serial"])
    );
    assert!(decided_events(&svc.db, second.claim_id).await.is_empty());
    // In the list too.
    let l = get(
        &svc,
        &format!("/api/manufacturers/{mid}/claims?status=pending"),
    )
    .await;
    assert_eq!(l.body["items"][0]["flags"], json!(["duplicate_serial"]));

    // A third one outside DOA: flagged as well, and keeps its reason.
    let mut third = claim(mid, retailer, 60);
    third.serial = first.serial.clone();
    let c = &arrive(&svc, mid, std::slice::from_ref(&third)).await[0];
    assert_eq!(c["pending_reason"], "outside_doa");
    assert_eq!(c["flags"], json!(["duplicate_serial"]));

    // The same serial at another manufacturer is another unit.
    let mut theirs = claim(other, retailer, 3);
    theirs.serial = first.serial.clone();
    let c = &arrive(&svc, other, std::slice::from_ref(&theirs)).await[0];
    assert_eq!(c["status"], "accepted");
    assert_eq!(c["flags"], json!([]));

    // Silence does not accept a flagged claim either.
    let deadline = at(&c["deadline_at"]);
    fire_deadlines(&svc.db, deadline + TimeDelta::days(30))
        .await
        .unwrap();
    for event in [&second, &third] {
        let c = claim_of(&svc, mid, event.claim_id).await;
        assert_eq!(c["status"], "pending");
        assert!(decided_events(&svc.db, event.claim_id).await.is_empty());
    }
    // The manufacturer decides it.
    let d = post(
        &svc,
        &format!(
            "/api/manufacturers/{mid}/claims/{}/decision",
            second.claim_id
        ),
        &json!({"outcome": "reject", "reason_code": "duplicate_claim"}),
    )
    .await;
    assert_eq!(d.status, 200, "{}", d.body);
    assert_eq!(d.body["flags"], json!(["duplicate_serial"]));
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_serial_outside_the_uploaded_registry_is_flagged() {
    let svc = start().await;
    let mid = create_manufacturer(&svc, "Waschwerk AG").await;
    let retailer = Uuid::now_v7();
    create_agreement(&svc, mid, retailer).await;
    let path = format!("/api/manufacturers/{mid}/serials");

    // Without a registry no serial is unknown.
    let free = claim(mid, retailer, 3);
    let c = &arrive(&svc, mid, std::slice::from_ref(&free)).await[0];
    assert_eq!(c["flags"], json!([]));

    // Bad uploads change nothing.
    let before = table_counts(&svc.db).await;
    let too_many: Vec<String> = (0..10_001).map(|i| format!("SN-{i}")).collect();
    for (body, status, what) in [
        (json!({}), 422, "no serials"),
        (json!({"serials": []}), 422, "empty list"),
        (json!({"serials": "SN-1"}), 422, "not a list"),
        (json!({"serials": [1, 2]}), 422, "numbers"),
        (json!({"serials": ["SN-1", "  "]}), 422, "blank serial"),
        (
            json!({"serials": ["x".repeat(101)]}),
            422,
            "serial too long",
        ),
        (json!({"serials": ["SN\n1"]}), 422, "control character"),
        (json!({ "serials": too_many }), 422, "more than 10,000"),
        (
            json!({"serials": ["x".repeat(3 * 1024 * 1024)]}),
            413,
            "huge body",
        ),
    ] {
        assert_problem(&post(&svc, &path, &body).await, status, what);
    }
    assert_problem(
        &post(
            &svc,
            &format!("/api/manufacturers/{}/serials", Uuid::now_v7()),
            &json!({"serials": ["SN-1"]}),
        )
        .await,
        404,
        "unknown manufacturer",
    );
    assert_problem(
        &post_raw(&svc, &path, "{\"serials\": [").await,
        400,
        "syntax error",
    );
    assert_eq!(table_counts(&svc.db).await, before);

    // 10,000 at once (a body beyond the usual 64 KiB), then more; duplicates are merged.
    let many: Vec<String> = (0..10_000).map(|i| format!("SN-BULK-{i:06}")).collect();
    let u = post(&svc, &path, &json!({ "serials": many })).await;
    assert_eq!(u.status, 200, "{}", u.body);
    assert_eq!(
        u.body,
        json!({"received": 10_000, "added": 10_000, "registry_size": 10_000})
    );
    let u = post(
        &svc,
        &path,
        &json!({"serials": [" SN-KNOWN ", "SN-BULK-000001", "SN-KNOWN"]}),
    )
    .await;
    assert_eq!(u.status, 200, "{}", u.body);
    assert_eq!(
        u.body,
        json!({"received": 3, "added": 1, "registry_size": 10_001})
    );

    let mut known = claim(mid, retailer, 3);
    known.serial = "SN-KNOWN".into();
    let unknown = claim(mid, retailer, 3);
    let shown = arrive(&svc, mid, &[known.clone(), unknown.clone()]).await;
    assert_eq!(shown[0]["status"], "accepted");
    assert_eq!(shown[0]["flags"], json!([]));
    assert_eq!(shown[1]["status"], "pending");
    assert_eq!(shown[1]["pending_reason"], "flagged");
    assert_eq!(shown[1]["flags"], json!(["unknown_serial"]));

    // Both checks at once.
    let mut twice = claim(mid, retailer, 3);
    twice.serial = unknown.serial.clone();
    let c = &arrive(&svc, mid, std::slice::from_ref(&twice)).await[0];
    assert_eq!(c["flags"], json!(["duplicate_serial", "unknown_serial"]));
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idempotency_key_replays_the_first_answer() {
    let svc = start().await;
    let a = create_manufacturer(&svc, "Waschwerk AG").await;
    let b = create_manufacturer(&svc, "Kühlhaus GmbH").await;
    let retailer = Uuid::now_v7();
    let agreements = format!("/api/manufacturers/{a}/agreements");

    // An agreement: the retry answers the same 201 and creates nothing more.
    let first = post_keyed(&svc, &agreements, &agreement_body(retailer), "agr-1").await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert!(!first.replayed);
    let counts = table_counts(&svc.db).await;
    let again = post_keyed(&svc, &agreements, &agreement_body(retailer), "agr-1").await;
    assert_eq!(again.status, 201, "{}", again.body);
    assert!(again.replayed);
    assert_eq!(again.body, first.body);
    assert_eq!(table_counts(&svc.db).await, counts);
    // The same key with another body.
    let mut other = agreement_body(retailer);
    other["doa_days"] = json!(30);
    let reused = post_keyed(&svc, &agreements, &other, "agr-1").await;
    assert_problem(&reused, 422, "key reused");
    assert_eq!(reused.body["code"], "idempotency_key_reused");
    // Without a key: as before.
    let dup = post(&svc, &agreements, &agreement_body(retailer)).await;
    assert_problem(&dup, 409, "second agreement without a key");
    assert_eq!(dup.body["code"], "agreement_exists");
    assert_eq!(table_counts(&svc.db).await, counts);
    // The same key at another manufacturer is another key.
    let theirs = post_keyed(
        &svc,
        &format!("/api/manufacturers/{b}/agreements"),
        &agreement_body(retailer),
        "agr-1",
    )
    .await;
    assert_eq!(theirs.status, 201, "{}", theirs.body);
    assert!(!theirs.replayed);
    assert_eq!(theirs.body["manufacturer_id"], b.to_string());
    assert_ne!(theirs.body["id"], first.body["id"]);
    // A request that fails stores nothing: the key stays free.
    let ghost = post_keyed(
        &svc,
        &format!("/api/manufacturers/{a}/claims/{}/decision", Uuid::now_v7()),
        &json!({"outcome": "accept"}),
        "dec-1",
    )
    .await;
    assert_problem(&ghost, 404, "unknown claim with a key");
    assert_eq!(
        count(
            &svc.db,
            "SELECT count(*) FROM idempotency_keys WHERE key = 'dec-1'",
            vec![]
        )
        .await,
        0
    );

    // A decision: the retry answers the same 200; one decision, one event.
    let event = claim(a, retailer, 60);
    arrive(&svc, a, std::slice::from_ref(&event)).await;
    let decision = format!("/api/manufacturers/{a}/claims/{}/decision", event.claim_id);
    let accept = json!({"outcome": "accept"});
    let d = post_keyed(&svc, &decision, &accept, "dec-1").await;
    assert_eq!(d.status, 200, "{}", d.body);
    assert_eq!(d.body["status"], "accepted");
    let counts = table_counts(&svc.db).await;
    let again = post_keyed(&svc, &decision, &accept, "dec-1").await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert!(again.replayed);
    assert_eq!(again.body, d.body);
    assert_eq!(table_counts(&svc.db).await, counts);
    assert_eq!(decided_events(&svc.db, event.claim_id).await.len(), 1);
    let reject = json!({"outcome": "reject", "reason_code": "no_defect_found"});
    let reused = post_keyed(&svc, &decision, &reject, "dec-1").await;
    assert_problem(&reused, 422, "decision key reused");
    assert_eq!(reused.body["code"], "idempotency_key_reused");
    // The same key on another path is another request.
    let other_claim = claim(a, retailer, 60);
    arrive(&svc, a, std::slice::from_ref(&other_claim)).await;
    let counts = table_counts(&svc.db).await;
    let elsewhere = post_keyed(
        &svc,
        &format!(
            "/api/manufacturers/{a}/claims/{}/decision",
            other_claim.claim_id
        ),
        &accept,
        "dec-1",
    )
    .await;
    assert_problem(&elsewhere, 422, "key reused on another claim");
    let fresh = post_keyed(&svc, &decision, &reject, "dec-2").await;
    assert_problem(&fresh, 409, "a new key on a decided claim");
    assert_eq!(fresh.body["code"], "claim_already_decided");
    assert_eq!(table_counts(&svc.db).await, counts);

    // Serials.
    let serials = format!("/api/manufacturers/{a}/serials");
    let body = json!({"serials": ["SN-1", "SN-2"]});
    let u = post_keyed(&svc, &serials, &body, "ser-1").await;
    assert_eq!(u.status, 200, "{}", u.body);
    assert_eq!(u.body["added"], 2);
    let again = post_keyed(&svc, &serials, &body, "ser-1").await;
    assert!(again.replayed);
    assert_eq!(again.body, u.body);
    let reused = post_keyed(&svc, &serials, &json!({"serials": ["SN-3"]}), "ser-1").await;
    assert_problem(&reused, 422, "serials key reused");
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_idempotency_key_is_a_bad_request() {
    let svc = start().await;
    let mid = create_manufacturer(&svc, "Waschwerk AG").await;
    let path = format!("/api/manufacturers/{mid}/agreements");
    let before = table_counts(&svc.db).await;
    let long = "k".repeat(256);
    for (key, what) in [
        (reqwest::header::HeaderValue::from_static(""), "empty"),
        (
            reqwest::header::HeaderValue::from_str(&long).unwrap(),
            "too long",
        ),
        (reqwest::header::HeaderValue::from_static("a key"), "space"),
        (
            reqwest::header::HeaderValue::from_bytes("schlüssel".as_bytes()).unwrap(),
            "not ASCII",
        ),
    ] {
        let a = answer(
            request(&svc, reqwest::Method::POST, &path)
                .header("Idempotency-Key", key)
                .json(&agreement_body(Uuid::now_v7()))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_problem(&a, 400, what);
        assert_eq!(a.body["code"], "invalid_idempotency_key", "{what}");
    }
    // Two of them.
    let a = answer(
        request(&svc, reqwest::Method::POST, &path)
            .header("Idempotency-Key", "one")
            .header("Idempotency-Key", "two")
            .json(&agreement_body(Uuid::now_v7()))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_problem(&a, 400, "two keys");
    assert_eq!(table_counts(&svc.db).await, before);
    // The longest key is fine.
    let ok = post_keyed(
        &svc,
        &path,
        &agreement_body(Uuid::now_v7()),
        &"k".repeat(255),
    )
    .await;
    assert_eq!(ok.status, 201, "{}", ok.body);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_with_one_key_do_the_work_once() {
    let svc = start().await;
    let mid = create_manufacturer(&svc, "Waschwerk AG").await;
    let retailer = Uuid::now_v7();
    let agreements = format!("/api/manufacturers/{mid}/agreements");

    // Two agreement requests at once (without a key one of them would be a 409).
    let body = agreement_body(retailer);
    let (x, y) = tokio::join!(
        post_keyed(&svc, &agreements, &body, "same"),
        post_keyed(&svc, &agreements, &body, "same")
    );
    assert_eq!((x.status, y.status), (201, 201), "{} / {}", x.body, y.body);
    assert_eq!(x.body, y.body);
    assert!(x.replayed != y.replayed);
    assert_eq!(
        count(&svc.db, "SELECT count(*) FROM agreements", vec![]).await,
        1
    );

    // Two decisions at once, several times.
    let events: Vec<ClaimSubmittedV1> = (0..5).map(|_| claim(mid, retailer, 60)).collect();
    arrive(&svc, mid, &events).await;
    for (i, event) in events.iter().enumerate() {
        let path = format!(
            "/api/manufacturers/{mid}/claims/{}/decision",
            event.claim_id
        );
        let key = format!("decide-{i}");
        let body = json!({"outcome": "accept"});
        let (x, y) = tokio::join!(
            post_keyed(&svc, &path, &body, &key),
            post_keyed(&svc, &path, &body, &key)
        );
        assert_eq!((x.status, y.status), (200, 200), "{} / {}", x.body, y.body);
        assert_eq!(x.body, y.body);
        assert_eq!(decided_events(&svc.db, event.claim_id).await.len(), 1);
        let decided = count(
            &svc.db,
            "SELECT count(*) FROM claim_events WHERE claim_id = $1 AND kind = 'decided'",
            vec![event.claim_id.into()],
        )
        .await;
        assert_eq!(decided, 1);
    }
    assert_eq!(
        count(&svc.db, "SELECT count(*) FROM idempotency_keys", vec![]).await,
        6
    );
    svc.stop().await;
}

/// Sends `method path` with exactly `key` (or none), with a JSON body for the writes.
async fn call_as(
    svc: &TestService,
    method: &reqwest::Method,
    path: &str,
    body: &Value,
    key: Option<&str>,
) -> Answer {
    let req = request_as(svc, method.clone(), path, key);
    let req = if *method == reqwest::Method::POST {
        req.json(body)
    } else {
        req
    };
    answer(req.send().await.unwrap()).await
}

/// Creates a manufacturer; returns its id, its key and the key's id.
async fn manufacturer_with_key(svc: &TestService, name: &str) -> (Uuid, String, Uuid) {
    let a = post(svc, "/api/manufacturers", &json!({ "name": name })).await;
    assert_eq!(a.status, 201, "{}", a.body);
    let mid = serde_json::from_value(a.body["id"].clone()).unwrap();
    let key = a.body["api_key"].as_str().unwrap().to_owned();
    remember_key(svc, mid, &key);
    let key_id = serde_json::from_value(a.body["api_key_id"].clone()).unwrap();
    (mid, key, key_id)
}

/// Every route under the manufacturer `mid`, with an agreement and a claim of it, and a body
/// that would be valid.
fn routes_of(
    mid: Uuid,
    agreement: &str,
    claim: Uuid,
    key_id: Uuid,
) -> Vec<(reqwest::Method, String, Value)> {
    use reqwest::Method;
    let m = format!("/api/manufacturers/{mid}");
    vec![
        (Method::GET, m.clone(), Value::Null),
        (Method::GET, format!("{m}/agreements"), Value::Null),
        (
            Method::POST,
            format!("{m}/agreements"),
            agreement_body(Uuid::now_v7()),
        ),
        (
            Method::GET,
            format!("{m}/agreements/{agreement}"),
            Value::Null,
        ),
        (Method::GET, format!("{m}/claims"), Value::Null),
        (
            Method::GET,
            format!("{m}/claims?status=pending"),
            Value::Null,
        ),
        (
            Method::GET,
            format!("{m}/claims?retailer_id={RETAILER_1}&sku=WM-100&from=2026-01-01&limit=5"),
            Value::Null,
        ),
        (Method::GET, format!("{m}/claims/{claim}"), Value::Null),
        (Method::GET, format!("{m}/analytics"), Value::Null),
        (
            Method::POST,
            format!("{m}/claims/{claim}/decision"),
            json!({"outcome": "accept"}),
        ),
        (
            Method::POST,
            format!("{m}/serials"),
            json!({"serials": ["SN-1"]}),
        ),
        (Method::GET, format!("{m}/api-keys"), Value::Null),
        (
            Method::POST,
            format!("{m}/api-keys"),
            json!({"label": "ci"}),
        ),
        (
            Method::DELETE,
            format!("{m}/api-keys/{key_id}"),
            Value::Null,
        ),
        (
            Method::POST,
            format!("{m}/agreements/{agreement}/versions"),
            agreement_body(Uuid::now_v7()),
        ),
        (Method::GET, format!("{m}/depots"), Value::Null),
        (
            Method::POST,
            format!("{m}/depots"),
            flow::depot_body("Lager"),
        ),
        (
            Method::POST,
            format!("{m}/claims/{claim}/decision"),
            json!({"outcome": "request_return", "depot_id": Uuid::now_v7(),
                   "return_by": "2100-01-01T00:00:00Z", "freight_paid_by": "retailer"}),
        ),
        (
            Method::POST,
            format!("{m}/claims/{claim}/inspection"),
            json!({"result": "no_fault_found"}),
        ),
        (
            Method::GET,
            format!("{m}/claims/{claim}/evidence/{}/photo", Uuid::now_v7()),
            Value::Null,
        ),
        (Method::GET, format!("{m}/credit-notes"), Value::Null),
        (
            Method::POST,
            format!("{m}/credit-notes"),
            json!({"claim_id": claim}),
        ),
        (Method::GET, format!("{m}/webhooks"), Value::Null),
        (
            Method::POST,
            format!("{m}/webhooks"),
            json!({"url": "http://127.0.0.1:9/hooks"}),
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_without_a_valid_key_are_unauthorized_and_change_nothing() {
    let svc = start().await;
    let (mid, key, key_id) = manufacturer_with_key(&svc, "Waschwerk AG").await;
    let retailer = Uuid::now_v7();
    let agreement = create_agreement(&svc, mid, retailer).await;
    let event = claim(mid, retailer, 60);
    arrive(&svc, mid, std::slice::from_ref(&event)).await;
    let agreement_id = agreement["id"].as_str().unwrap();
    let unknown = format!("kmr_{}", "0".repeat(64));
    let before = table_counts(&svc.db).await;

    for (method, path, body) in routes_of(mid, agreement_id, event.claim_id, key_id) {
        let what = format!("{method} {path}");
        // No credentials, an unknown key of the right shape.
        for key in [None, Some(unknown.as_str())] {
            let a = call_as(&svc, &method, &path, &body, key).await;
            assert_problem(&a, 401, &what);
            assert_eq!(a.body["code"], "unauthorized", "{what}");
        }
        // Malformed credentials.
        for header in [
            format!("Basic {key}"),
            "Bearer".to_owned(),
            format!("Bearer {}", &key[..20]),
            format!("Bearer {key}x"),
            key.clone(),
        ] {
            let res = svc
                .client
                .request(method.clone(), svc.url(&path))
                .header("authorization", &header)
                .send()
                .await
                .unwrap();
            let challenge = res
                .headers()
                .get("www-authenticate")
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default();
            assert!(
                challenge.starts_with("Bearer"),
                "{what} {header}: {challenge}"
            );
            let a = answer(res).await;
            assert_problem(&a, 401, &format!("{what} with {header}"));
        }
    }
    // Authentication comes first, whatever else is wrong with the request.
    for key in [None, Some(unknown.as_str())] {
        let bad_body = answer(
            request_as(
                &svc,
                reqwest::Method::POST,
                &format!("/api/manufacturers/{mid}/agreements"),
                key,
            )
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap(),
        )
        .await;
        assert_problem(&bad_body, 401, "malformed body, no valid key");
        let bad_path = call_as(
            &svc,
            &reqwest::Method::GET,
            &format!("/api/manufacturers/{mid}/claims/not-a-uuid"),
            &Value::Null,
            key,
        )
        .await;
        assert_problem(&bad_path, 401, "malformed path, no valid key");
    }
    // With the key, an unknown route below the manufacturer is the usual 404 problem.
    let nope = call_as(
        &svc,
        &reqwest::Method::GET,
        &format!("/api/manufacturers/{mid}/nope"),
        &Value::Null,
        Some(&key),
    )
    .await;
    assert_problem(&nope, 404, "unknown route");
    let res = request_as(
        &svc,
        reqwest::Method::GET,
        &format!("/api/manufacturers/{mid}"),
        None,
    )
    .send()
    .await
    .unwrap();
    assert!(
        res.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );
    assert_eq!(table_counts(&svc.db).await, before);

    // The key itself is stored only as its SHA-256.
    let stored = count(
        &svc.db,
        "SELECT count(*) FROM api_keys WHERE id = $1 AND secret_hash = sha256(convert_to($2, 'UTF8')) \
         AND prefix = $3",
        vec![key_id.into(), key.clone().into(), key[..12].to_owned().into()],
    )
    .await;
    assert_eq!(stored, 1);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_manufacturers_key_finds_nothing_of_it() {
    let svc = start().await;
    let (a, a_key, a_key_id) = manufacturer_with_key(&svc, "Waschwerk AG").await;
    let (b, b_key, b_key_id) = manufacturer_with_key(&svc, "Kühlhaus GmbH").await;
    let retailer = Uuid::now_v7();
    let a_agreement = create_agreement(&svc, a, retailer).await;
    let b_agreement = create_agreement(&svc, b, retailer).await;
    let a_claim = claim(a, retailer, 60);
    let b_claim = claim(b, retailer, 60);
    arrive(&svc, a, std::slice::from_ref(&a_claim)).await;
    arrive(&svc, b, std::slice::from_ref(&b_claim)).await;
    let ghost = Uuid::now_v7();
    let unknown = get(&svc, &format!("/api/manufacturers/{ghost}")).await;
    assert_problem(&unknown, 404, "unknown manufacturer");
    let before = table_counts(&svc.db).await;

    // A's key on every route of B: the same 404 as an unknown manufacturer.
    let b_routes = routes_of(
        b,
        b_agreement["id"].as_str().unwrap(),
        b_claim.claim_id,
        b_key_id,
    );
    for (method, path, body) in &b_routes {
        let x = call_as(&svc, method, path, body, Some(&a_key)).await;
        assert_problem(&x, 404, &format!("A's key on {method} {path}"));
        assert_eq!(x.body, unknown.body, "{method} {path}");
        assert!(!x.body.to_string().contains(&b.to_string()));
    }
    // A's key on A's routes with B's agreement, claim and key: 404 too.
    for (method, path, body) in routes_of(
        a,
        b_agreement["id"].as_str().unwrap(),
        b_claim.claim_id,
        b_key_id,
    ) {
        if !path.contains(&b_agreement["id"].as_str().unwrap().to_owned())
            && !path.contains(&b_claim.claim_id.to_string())
            && !path.contains(&b_key_id.to_string())
        {
            continue;
        }
        let x = call_as(&svc, &method, &path, &body, Some(&a_key)).await;
        assert_problem(&x, 404, &format!("A's key on {method} {path}"));
    }
    // A's lists hold nothing of B.
    for path in [
        format!("/api/manufacturers/{a}/claims"),
        format!("/api/manufacturers/{a}/claims?status=pending"),
        format!("/api/manufacturers/{a}/claims?sku=WM-100&limit=1"),
        format!("/api/manufacturers/{a}/claims?from=2000-01-01&to=2100-01-01"),
        format!("/api/manufacturers/{a}/agreements"),
        format!("/api/manufacturers/{a}/api-keys"),
    ] {
        let l = call_as(
            &svc,
            &reqwest::Method::GET,
            &path,
            &Value::Null,
            Some(&a_key),
        )
        .await;
        assert_eq!(l.status, 200, "{path}: {}", l.body);
        let text = l.body.to_string();
        assert_eq!(
            l.body["items"].as_array().unwrap().len(),
            1,
            "{path}: {text}"
        );
        for theirs in [
            b_claim.claim_id.to_string(),
            b_agreement["id"].as_str().unwrap().to_owned(),
            b_key_id.to_string(),
        ] {
            assert!(!text.contains(&theirs), "{path}: {text}");
        }
    }
    assert_eq!(table_counts(&svc.db).await, before);
    // B's key still works, and B's claim is still pending; A's things are untouched.
    let mine = call_as(
        &svc,
        &reqwest::Method::GET,
        &format!("/api/manufacturers/{b}/claims/{}", b_claim.claim_id),
        &Value::Null,
        Some(&b_key),
    )
    .await;
    assert_eq!(mine.status, 200, "{}", mine.body);
    assert_eq!(mine.body["status"], "pending");
    let theirs = claim_of(&svc, a, a_claim.claim_id).await;
    assert_eq!(theirs["status"], "pending");
    assert_eq!(
        get(
            &svc,
            &format!(
                "/api/manufacturers/{a}/agreements/{}",
                a_agreement["id"].as_str().unwrap()
            )
        )
        .await
        .status,
        200
    );
    let _ = a_key_id;
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_rotate_and_a_revoked_key_stops_at_once() {
    use reqwest::Method;
    let svc = start().await;
    let (mid, first, first_id) = manufacturer_with_key(&svc, "Waschwerk AG").await;
    let keys = format!("/api/manufacturers/{mid}/api-keys");
    let me = format!("/api/manufacturers/{mid}");

    // A second key, shown once.
    let made = call_as(
        &svc,
        &Method::POST,
        &keys,
        &json!({"label": "erp 2027"}),
        Some(&first),
    )
    .await;
    assert_eq!(made.status, 201, "{}", made.body);
    let second = made.body["api_key"].as_str().unwrap().to_owned();
    assert!(second.starts_with("kmr_") && second.len() == 68, "{second}");
    assert_ne!(second, first);
    assert_eq!(made.body["prefix"], second[..12]);
    assert_eq!(made.body["label"], "erp 2027");
    assert!(made.body["revoked_at"].is_null());
    let second_id: Uuid = serde_json::from_value(made.body["id"].clone()).unwrap();

    // Both work at once.
    for key in [&first, &second] {
        let a = call_as(&svc, &Method::GET, &me, &Value::Null, Some(key)).await;
        assert_eq!(a.status, 200, "{}", a.body);
    }
    // The listing has both, with no secret.
    let l = call_as(&svc, &Method::GET, &keys, &Value::Null, Some(&second)).await;
    assert_eq!(l.status, 200, "{}", l.body);
    let items = l.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["id"], first_id.to_string());
    assert_eq!(items[0]["label"], "initial");
    assert_eq!(items[1]["id"], second_id.to_string());
    for item in items {
        assert!(item["last_used_at"].is_string(), "{item}");
        let mut fields: Vec<&str> = item
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        fields.sort_unstable();
        assert_eq!(
            fields,
            [
                "created_at",
                "id",
                "label",
                "last_used_at",
                "prefix",
                "revoked_at"
            ]
        );
    }
    let text = l.body.to_string();
    assert!(!text.contains(&first) && !text.contains(&second));

    // Bad labels.
    let before = table_counts(&svc.db).await;
    for body in [
        json!({"label": ""}),
        json!({"label": "x".repeat(101)}),
        json!({}),
    ] {
        let a = call_as(&svc, &Method::POST, &keys, &body, Some(&first)).await;
        assert!(a.status == 422 || a.status == 400, "{body}: {}", a.status);
        assert_problem(&a, a.status, &format!("label {body}"));
    }
    assert_eq!(table_counts(&svc.db).await, before);

    // Revoke the first with the second: the first stops, the second goes on.
    let gone = call_as(
        &svc,
        &Method::DELETE,
        &format!("{keys}/{first_id}"),
        &Value::Null,
        Some(&second),
    )
    .await;
    assert_eq!(gone.status, 204);
    let a = call_as(&svc, &Method::GET, &me, &Value::Null, Some(&first)).await;
    assert_problem(&a, 401, "revoked key");
    assert_eq!(a.body["code"], "unauthorized");
    let a = call_as(&svc, &Method::GET, &me, &Value::Null, Some(&second)).await;
    assert_eq!(a.status, 200);
    // Revoking again is no error; an unknown key id is a 404.
    let again = call_as(
        &svc,
        &Method::DELETE,
        &format!("{keys}/{first_id}"),
        &Value::Null,
        Some(&second),
    )
    .await;
    assert_eq!(again.status, 204);
    let none = call_as(
        &svc,
        &Method::DELETE,
        &format!("{keys}/{}", Uuid::now_v7()),
        &Value::Null,
        Some(&second),
    )
    .await;
    assert_problem(&none, 404, "unknown key id");
    let l = call_as(&svc, &Method::GET, &keys, &Value::Null, Some(&second)).await;
    let items = l.body["items"].as_array().unwrap();
    assert!(items[0]["revoked_at"].is_string());
    assert!(items[1]["revoked_at"].is_null());

    // A third key; then the second revokes itself and stops at once.
    let made = call_as(
        &svc,
        &Method::POST,
        &keys,
        &json!({"label": "erp 2028"}),
        Some(&second),
    )
    .await;
    assert_eq!(made.status, 201);
    let third = made.body["api_key"].as_str().unwrap().to_owned();
    let own = call_as(
        &svc,
        &Method::DELETE,
        &format!("{keys}/{second_id}"),
        &Value::Null,
        Some(&second),
    )
    .await;
    assert_eq!(own.status, 204);
    let a = call_as(&svc, &Method::GET, &keys, &Value::Null, Some(&second)).await;
    assert_problem(&a, 401, "self-revoked key");
    let a = call_as(&svc, &Method::GET, &keys, &Value::Null, Some(&third)).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body["items"].as_array().unwrap().len(), 3);
    svc.stop().await;
}

/// The committed spec file.
const OPENAPI_FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json");

#[test]
fn the_committed_openapi_document_is_the_generated_one() {
    let generated = manufacturer::http::openapi::document_json().unwrap();
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(OPENAPI_FILE, &generated).unwrap();
        return;
    }
    // Every schema the document refers to is in it.
    let spec: Value = serde_json::from_str(&generated).unwrap();
    for name in generated
        .split("\"#/components/schemas/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
    {
        assert!(
            spec["components"]["schemas"][name].is_object(),
            "no schema {name}"
        );
    }
    let committed = std::fs::read_to_string(OPENAPI_FILE).unwrap_or_default();
    assert!(
        committed == generated,
        "services/manufacturer/openapi.json differs from the document the code generates; \
         regenerate it with `UPDATE_OPENAPI=1 cargo nextest run -p manufacturer openapi` \
         and commit it"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_and_docs_page_are_served_and_every_operation_is_routed() {
    let svc = start().await;
    let res = svc
        .client
        .get(svc.url("/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let served = res.text().await.unwrap();
    assert_eq!(
        served,
        manufacturer::http::openapi::document_json().unwrap()
    );
    let spec: Value = serde_json::from_str(&served).unwrap();
    assert!(spec["openapi"].as_str().unwrap().starts_with("3.1"));
    assert_eq!(
        spec["components"]["securitySchemes"]["api_key"]["scheme"],
        "bearer"
    );
    assert!(spec["components"]["schemas"]["Problem"].is_object());

    let docs = svc.client.get(svc.url("/docs")).send().await.unwrap();
    assert_eq!(docs.status(), 200);
    assert!(
        docs.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = docs.text().await.unwrap();
    assert!(page.contains("/openapi.json"));
    assert!(
        !page.contains("https://"),
        "the docs page loads nothing from elsewhere"
    );

    // Every documented operation exists: without a key the authenticated ones answer 401 (not
    // the router's 404 or 405), and each authenticated one says so in the document.
    let ghost = Uuid::now_v7();
    let mut operations = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            let url = path
                .replace("{mid}", &ghost.to_string())
                .replace("{id}", &Uuid::now_v7().to_string())
                .replace("{key_id}", &Uuid::now_v7().to_string())
                .replace("{evidence_id}", &Uuid::now_v7().to_string());
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let a = call_as(&svc, &method, &url, &json!({}), None).await;
            let what = format!("{method} {path}");
            if path.starts_with("/api/manufacturers/{mid}") {
                assert_problem(&a, 401, &what);
                assert!(op["security"].is_array(), "{what}: no security");
                assert!(op["responses"]["401"].is_object(), "{what}");
            } else {
                // The operator's routes: no operator token.
                assert_problem(&a, 401, &what);
                assert!(op["security"].is_array(), "{what}: no security");
            }
            assert!(op["responses"]["500"].is_object(), "{what}");
        }
    }
    assert_eq!(operations, 27);
    svc.stop().await;
}

/// A seeded claim: id, retailer, sku, status, received at.
type Seeded = (Uuid, Uuid, &'static str, &'static str, DateTime<Utc>);

/// A retailer id the route lists use in filters.
const RETAILER_1: &str = "00000000-0000-0000-0000-000000000001";

/// A claim written straight into the table (listing and analytics need many claims with chosen
/// times, statuses and products); returns its id.
#[allow(clippy::too_many_arguments)]
async fn seed_claim(
    db: &DatabaseConnection,
    mid: Uuid,
    retailer_id: Uuid,
    sku: &str,
    category: &str,
    status: &str,
    received_at: DateTime<Utc>,
    decided_after_secs: Option<i64>,
) -> Uuid {
    let id = Uuid::now_v7();
    let decided_at = decided_after_secs.map(|s| received_at + TimeDelta::seconds(s));
    let decided_amount = decided_at.map(|_| rust_decimal::Decimal::new(10000, 2));
    let decided_by = decided_at.map(|_| "manufacturer".to_owned());
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "INSERT INTO claims (id, manufacturer_id, retailer_id, swap_id, case_id, serial, \
         product_sku, product_name, currency, price_paid, sold_at, swapped_at, defect_category, \
         defect_description, status, decided_amount, decided_by, received_at, decided_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'EUR', 499.00, $9, $9, $10, 'seeded', $11, \
         $12, $13, $14, $15)",
        [
            id.into(),
            mid.into(),
            retailer_id.into(),
            Uuid::now_v7().into(),
            Uuid::now_v7().into(),
            format!("SN-{}", id.simple()).into(),
            sku.into(),
            format!("Product {sku}").into(),
            (received_at - TimeDelta::days(30)).into(),
            category.into(),
            status.into(),
            decided_amount.into(),
            decided_by.into(),
            received_at.into(),
            decided_at.into(),
        ],
    ))
    .await
    .unwrap();
    id
}

/// Every page of `path` (a claims listing with its query, without a cursor); the ids in the
/// order they came, after checking each page's size and order.
async fn walk(svc: &TestService, path: &str, limit: usize) -> Vec<Uuid> {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    let sep = if path.contains('?') { '&' } else { '?' };
    let mut last: Option<(DateTime<Utc>, Uuid)> = None;
    for _ in 0..1000 {
        let url = match &cursor {
            Some(c) => format!("{path}{sep}limit={limit}&cursor={c}"),
            None => format!("{path}{sep}limit={limit}"),
        };
        let a = get(svc, &url).await;
        assert_eq!(a.status, 200, "{url}: {}", a.body);
        let items = a.body["items"].as_array().unwrap();
        assert!(items.len() <= limit, "{url}");
        for item in items {
            let key = (
                at(&item["received_at"]),
                serde_json::from_value::<Uuid>(item["id"].clone()).unwrap(),
            );
            if let Some(prev) = last {
                assert!(key < prev, "{url}: newest first");
            }
            last = Some(key);
            ids.push(key.1);
        }
        match a.body["next_cursor"].as_str() {
            Some(c) => {
                assert_eq!(items.len(), limit, "{url}: a full page before the last");
                cursor = Some(c.to_owned());
            }
            None => {
                assert!(a.body["next_cursor"].is_null(), "{url}");
                return ids;
            }
        }
    }
    panic!("{path}: no last page");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claims_are_listed_page_by_page_with_filters() {
    let svc = start().await;
    let a = create_manufacturer(&svc, "Waschwerk AG").await;
    let b = create_manufacturer(&svc, "Kühlhaus GmbH").await;
    let (r1, r2) = (Uuid::now_v7(), Uuid::now_v7());
    let base: DateTime<Utc> = "2026-11-10T12:00:00Z".parse().unwrap();
    // A's claims: (id, retailer, sku, status, received_at); every third shares its time with
    // the one before, so that the id breaks the tie.
    let mut mine = Vec::new();
    for i in 0..23i64 {
        let retailer = if i % 2 == 0 { r1 } else { r2 };
        let sku = if i % 3 == 0 { "WM-100" } else { "DW-200" };
        let status = if i % 4 == 0 { "accepted" } else { "pending" };
        let received_at = base + TimeDelta::hours(i - i64::from(i % 3 == 2));
        let decided = (status == "accepted").then_some(60);
        let id = seed_claim(
            &svc.db,
            a,
            retailer,
            sku,
            "leak",
            status,
            received_at,
            decided,
        )
        .await;
        mine.push((id, retailer, sku, status, received_at));
    }
    // B's claims, with the same retailers, products and times.
    let mut theirs = Vec::new();
    for i in 0..5i64 {
        let id = seed_claim(
            &svc.db,
            b,
            r1,
            "WM-100",
            "leak",
            "pending",
            base + TimeDelta::hours(i),
            None,
        )
        .await;
        theirs.push(id);
    }
    let expected = |keep: &dyn Fn(&Seeded) -> bool| {
        let mut v: Vec<(DateTime<Utc>, Uuid)> = mine
            .iter()
            .filter(|c| keep(c))
            .map(|c| (c.4, c.0))
            .collect();
        v.sort();
        v.reverse();
        v.into_iter().map(|(_, id)| id).collect::<Vec<_>>()
    };
    let list = format!("/api/manufacturers/{a}/claims");

    // Every claim exactly once, in order, across pages of several sizes.
    for limit in [1, 4, 7, 23, 200] {
        let ids = walk(&svc, &list, limit).await;
        assert_eq!(ids, expected(&|_| true), "limit {limit}");
    }
    // Without a limit: pages of 50, so one page.
    let first = get(&svc, &list).await;
    assert_eq!(first.body["items"].as_array().unwrap().len(), 23);
    assert!(first.body["next_cursor"].is_null());

    // Filters combine, and page like the whole list.
    let cases: Vec<(String, Vec<Uuid>)> = vec![
        ("status=pending".into(), expected(&|c| c.3 == "pending")),
        (format!("retailer_id={r1}"), expected(&|c| c.1 == r1)),
        ("sku=WM-100".into(), expected(&|c| c.2 == "WM-100")),
        (
            format!("status=pending&retailer_id={r2}&sku=DW-200"),
            expected(&|c| c.3 == "pending" && c.1 == r2 && c.2 == "DW-200"),
        ),
        (
            "from=2026-11-10T15:00:00Z&to=2026-11-11T02:00:00%2B01:00".into(),
            expected(&|c| c.4 >= base + TimeDelta::hours(3) && c.4 < base + TimeDelta::hours(13)),
        ),
        (
            format!("from=2026-11-10T20:00:00Z&to=2026-11-11&retailer_id={r1}&sku=DW-200"),
            expected(&|c| {
                c.4 >= base + TimeDelta::hours(8)
                    && c.4 < "2026-11-12T00:00:00Z".parse::<DateTime<Utc>>().unwrap()
                    && c.1 == r1
                    && c.2 == "DW-200"
            }),
        ),
        ("from=2026-11-12".into(), vec![]),
        ("sku=NOPE".into(), vec![]),
    ];
    for (query, want) in &cases {
        let ids = walk(&svc, &format!("{list}?{query}"), 3).await;
        assert_eq!(&ids, want, "{query}");
        let selects_none = query == "from=2026-11-12" || query == "sku=NOPE";
        assert_eq!(
            want.is_empty(),
            selects_none,
            "{query}: what the case selects"
        );
    }

    // Another manufacturer's claims never show, whatever the filters; B sees only its own.
    for q in [
        String::new(),
        format!("?retailer_id={r1}"),
        "?sku=WM-100&status=pending".to_owned(),
    ] {
        let ids = walk(&svc, &format!("{list}{q}"), 5).await;
        assert!(ids.iter().all(|id| !theirs.contains(id)), "{q}");
    }
    let b_ids = walk(&svc, &format!("/api/manufacturers/{b}/claims"), 2).await;
    let mut b_sorted = theirs.clone();
    b_sorted.reverse();
    assert_eq!(b_ids, b_sorted);
    // A cursor from B's listing on A's list is only a position: A's claims after it.
    let b_page = get(&svc, &format!("/api/manufacturers/{b}/claims?limit=2")).await;
    let b_cursor = b_page.body["next_cursor"].as_str().unwrap();
    let x = get(&svc, &format!("{list}?limit=200&cursor={b_cursor}")).await;
    assert_eq!(x.status, 200);
    for item in x.body["items"].as_array().unwrap() {
        assert_eq!(item["manufacturer_id"], a.to_string());
    }

    // Bad filters and cursors: 400 problems, nothing changed.
    let before = table_counts(&svc.db).await;
    for query in [
        "cursor=garbage",
        "cursor=",
        "cursor=Zm9vYmFy",
        "cursor=%2B%2F%2F%2F",
        "limit=0",
        "limit=201",
        "limit=-5",
        "limit=ten",
        "status=open",
        "retailer_id=not-a-uuid",
        "from=yesterday",
        "to=2026-13-01",
        "from=2026-11-12&to=2026-11-10",
        "from=2026-11-12T00:00:00Z&to=2026-11-12T00:00:00Z",
    ] {
        let x = get(&svc, &format!("{list}?{query}")).await;
        assert_problem(&x, 400, query);
        assert_eq!(x.body["code"], "bad_query", "{query}");
    }
    assert_eq!(table_counts(&svc.db).await, before);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn analytics_count_only_the_manufacturers_claims() {
    let svc = start().await;
    let a = create_manufacturer(&svc, "Waschwerk AG").await;
    let b = create_manufacturer(&svc, "Kühlhaus GmbH").await;
    let r = Uuid::now_v7();
    let t: DateTime<Utc> = "2026-11-10T12:00:00Z".parse().unwrap();
    for (sku, category, status, decided) in [
        ("WM-100", "does_not_start", "accepted", Some(60)),
        ("WM-100", "does_not_start", "partly_accepted", Some(120)),
        ("WM-100", "leak", "rejected", Some(3_000)),
        ("DW-200", "leak", "pending", None),
    ] {
        seed_claim(&svc.db, a, r, sku, category, status, t, decided).await;
    }
    // Outside the range asked for below.
    seed_claim(
        &svc.db,
        a,
        r,
        "DW-200",
        "noise",
        "rejected",
        t - TimeDelta::days(40),
        Some(9),
    )
    .await;
    // Another manufacturer's.
    for _ in 0..3 {
        seed_claim(&svc.db, b, r, "WM-100", "leak", "rejected", t, Some(1)).await;
    }

    let x = get(
        &svc,
        &format!("/api/manufacturers/{a}/analytics?from=2026-11-01&to=2026-11-30"),
    )
    .await;
    assert_eq!(x.status, 200, "{}", x.body);
    let body = &x.body;
    assert_eq!(body["from"], "2026-11-01T00:00:00Z");
    assert_eq!(body["to"], "2026-12-01T00:00:00Z");
    assert_eq!(body["claims"], 4);
    assert_eq!(body["by_product"][0]["sku"], "WM-100");
    assert_eq!(body["by_product"][0]["name"], "Product WM-100");
    assert_eq!(body["by_product"][0]["claims"], 3);
    assert_eq!(body["by_product"][0]["share"], "0.7500");
    assert_eq!(
        body["by_product"][0]["defect_categories"],
        json!([
            {"defect_category": "does_not_start", "claims": 2, "share": "0.6667"},
            {"defect_category": "leak", "claims": 1, "share": "0.3333"},
        ])
    );
    assert_eq!(body["by_product"][1]["sku"], "DW-200");
    assert_eq!(body["by_product"][1]["share"], "0.2500");
    assert_eq!(
        body["by_defect_category"],
        json!([
            {"defect_category": "does_not_start", "claims": 2, "share": "0.5000"},
            {"defect_category": "leak", "claims": 2, "share": "0.5000"},
        ])
    );
    assert_eq!(
        body["outcomes"],
        json!({"pending": 1, "accepted": 1, "partly_accepted": 1, "rejected": 1, "decided": 3})
    );
    assert_eq!(body["acceptance_rate"], "0.6667");
    assert_eq!(body["median_seconds_to_decision"], 120);

    // All time: the old claim counts too; B's never.
    let all = get(&svc, &format!("/api/manufacturers/{a}/analytics")).await;
    assert_eq!(all.body["claims"], 5);
    assert_eq!(all.body["outcomes"]["rejected"], 2);
    assert_eq!(all.body["acceptance_rate"], "0.5000");
    assert_eq!(all.body["median_seconds_to_decision"], 90);
    assert!(all.body["from"].is_null());

    // Nothing in the range: zeros and nulls.
    let none = get(
        &svc,
        &format!("/api/manufacturers/{a}/analytics?from=2030-01-01"),
    )
    .await;
    assert_eq!(none.status, 200);
    assert_eq!(none.body["claims"], 0);
    assert_eq!(none.body["by_product"], json!([]));
    assert!(none.body["acceptance_rate"].is_null());
    assert!(none.body["median_seconds_to_decision"].is_null());

    for query in [
        "from=soon",
        "to=2026-02-30",
        "from=2026-12-01&to=2026-11-01",
    ] {
        let x = get(&svc, &format!("/api/manufacturers/{a}/analytics?{query}")).await;
        assert_problem(&x, 400, query);
        assert_eq!(x.body["code"], "bad_query");
    }
    svc.stop().await;
}

#[path = "api/credit_notes.rs"]
mod credit_notes;

#[path = "api/webhooks.rs"]
mod webhooks;

#[path = "api/operator.rs"]
mod operator;
