//! What the tests of this binary share: the service under test, requests, rows, bodies.

pub(crate) use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
pub(crate) use kummerer_contracts::topology::{MANUFACTURER_CLAIMS, RETAILER_CASE_EVENTS, Service};
pub(crate) use kummerer_contracts::{ClaimSubmittedV1, Currency, Event, Money, ProductRef};
pub(crate) use kummerer_testkit::eventually;
pub(crate) use kummerer_testkit::service::{
    TEST_OPERATOR_TOKEN, TestService, publish_envelope, publish_event, publish_raw,
};
pub(crate) use manufacturer::deadlines::fire_deadlines;
pub(crate) use manufacturer::{Migrator, SERVICE, build};
pub(crate) use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, Statement, Value as DbValue,
};
pub(crate) use serde_json::{Value, json};
pub(crate) use std::collections::HashMap;
pub(crate) use std::sync::Mutex;
pub(crate) use std::time::Duration;
pub(crate) use uuid::Uuid;

pub(crate) const DEADLINE: Duration = Duration::from_secs(15);

pub(crate) const PROBLEM: &str = "application/problem+json";

pub(crate) use kummerer_testkit::keys::remember_key;

/// A request to `path` with the key of the path's manufacturer when the test made it, else the
/// key of the manufacturer made last (an authenticated caller asking about an unknown or another
/// manufacturer: a 404); the operator's routes with the operator token.
pub(crate) fn request(
    svc: &TestService,
    method: reqwest::Method,
    path: &str,
) -> reqwest::RequestBuilder {
    kummerer_testkit::keys::request(svc, method, path, "/api/manufacturers")
}

/// A request to `path` with exactly this key (or none).
pub(crate) fn request_as(
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

pub(crate) async fn start() -> TestService {
    TestService::start::<Migrator>(SERVICE, build_for_tests).await
}

/// The blob directory the tests' evidence photos are put in (as logistics would) and the
/// service fetches them from (keys are random: the tests share it).
pub(crate) fn blob_dir() -> std::path::PathBuf {
    std::env::temp_dir().join("kummerer-manufacturer-test-blobs")
}

/// [`manufacturer::build_local`] with the blobs in [`blob_dir`].
fn build_for_tests(ctx: &kummerer_service::Context) -> kummerer_service::Parts {
    let mut settings = manufacturer::settings::Settings::of(&ctx.config);
    settings.webhooks = manufacturer::webhooks::delivery::Settings::local();
    settings.blobs = kummerer_blobs::Settings::Local { dir: blob_dir() };
    manufacturer::build_with(ctx, settings)
}

pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) content_type: String,
    pub(crate) body: Value,
    /// `Idempotent-Replayed: true`: the answer is a stored one.
    pub(crate) replayed: bool,
}

pub(crate) async fn answer(res: reqwest::Response) -> Answer {
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

/// `POST path`. The tests' manufacturers and retailers are partners as a deployment from
/// before issue 18 had them ([`as_before_partner_links`]); `partners.rs` tests the links
/// themselves with [`post_as_is`].
pub(crate) async fn post(svc: &TestService, path: &str, body: &Value) -> Answer {
    as_before_partner_links(svc, path, body, None).await;
    let a = post_as_is(svc, path, body).await;
    as_before_partner_links(svc, path, body, Some(a.status)).await;
    a
}

/// `POST path` exactly as given.
pub(crate) async fn post_as_is(svc: &TestService, path: &str, body: &Value) -> Answer {
    answer(
        request(svc, reqwest::Method::POST, path)
            .json(body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// What the partner-links migration does for a deployment from before issue 18: before an
/// agreement is made, the pair is linked (`implied`); once a version is written, it counts as
/// accepted by the retailer.
pub(crate) async fn as_before_partner_links(
    svc: &TestService,
    path: &str,
    body: &Value,
    answered: Option<u16>,
) {
    let Some(rest) = path.strip_prefix("/api/manufacturers/") else {
        return;
    };
    let mut parts = rest.split('/');
    let (Some(mid), Some("agreements")) = (parts.next(), parts.next()) else {
        return;
    };
    let Ok(mid) = mid.parse::<Uuid>() else { return };
    match answered {
        None => {
            if let Some(rid) = body["retailer_id"]
                .as_str()
                .and_then(|r| r.parse::<Uuid>().ok())
            {
                link_as_before(&svc.db, mid, rid).await;
            }
        }
        Some(201) => {
            svc.db
                .execute_raw(Statement::from_string(
                    DbBackend::Postgres,
                    "UPDATE agreement_versions SET accepted_at = created_at, \
                     accepted_by = 'tests: as before acceptance existed' \
                     WHERE accepted_at IS NULL",
                ))
                .await
                .unwrap();
        }
        Some(_) => {}
    }
}

/// An agreement as the API shows it, without what the retailer's acceptance changes
/// (`version_in_force`, each version's `accepted_at`): an answer given before
/// [`as_before_partner_links`] accepted the version compares with a later read.
pub(crate) fn without_acceptance(agreement: &Value) -> Value {
    let mut a = agreement.clone();
    if let Some(o) = a.as_object_mut() {
        o.remove("version_in_force");
    }
    for v in a["versions"].as_array_mut().into_iter().flatten() {
        if let Some(o) = v.as_object_mut() {
            o.remove("accepted_at");
        }
    }
    a
}

/// The pair linked as the migration links pairs from before issue 18 (no messages).
pub(crate) async fn link_as_before(db: &DatabaseConnection, mid: Uuid, rid: Uuid) {
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "INSERT INTO partner_links (manufacturer_id, retailer_id, state, acted_by_side, \
         acted_by, acted_at, implied) SELECT id, $2, 'linked', 'manufacturer', 'tests', now(), \
         true FROM manufacturers WHERE id = $1 ON CONFLICT DO NOTHING",
        [mid.into(), rid.into()],
    ))
    .await
    .unwrap();
}

pub(crate) async fn post_raw(
    svc: &TestService,
    path: &str,
    body: impl Into<reqwest::Body>,
) -> Answer {
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

pub(crate) async fn get(svc: &TestService, path: &str) -> Answer {
    answer(
        request(svc, reqwest::Method::GET, path)
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// The `i64` that `sql` (a `SELECT count(*) …` of its own) returns. Unlike
/// `kummerer_testkit::sql::count`, which counts the rows of any query, this runs `sql` as given.
pub(crate) async fn count(db: &DatabaseConnection, sql: &str, values: Vec<DbValue>) -> i64 {
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
pub(crate) async fn table_counts(db: &DatabaseConnection) -> Vec<(&'static str, i64)> {
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

pub(crate) async fn create_manufacturer(svc: &TestService, name: &str) -> Uuid {
    let a = post(svc, "/api/manufacturers", &json!({ "name": name })).await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(a.body["name"], name);
    let mid = serde_json::from_value(a.body["id"].clone()).unwrap();
    remember_key(svc, mid, a.body["api_key"].as_str().unwrap());
    mid
}

pub(crate) fn agreement_body(retailer_id: Uuid) -> Value {
    json!({
        "retailer_id": retailer_id, "currency": "EUR", "coverage_months": 24, "doa_days": 14,
        "reimbursement_percent": "80",
        "handling_fee": {"amount": "25.00", "currency": "EUR"},
        "decision_deadline_days": 14
    })
}

pub(crate) async fn create_agreement(svc: &TestService, mid: Uuid, retailer_id: Uuid) -> Value {
    let a = post(
        svc,
        &format!("/api/manufacturers/{mid}/agreements"),
        &agreement_body(retailer_id),
    )
    .await;
    assert_eq!(a.status, 201, "{}", a.body);
    a.body
}

pub(crate) fn eur(amount: &str) -> Money {
    Money::new(amount.parse().unwrap(), Currency::parse("EUR").unwrap()).unwrap()
}

/// A claim for a unit sold `days_before_swap` days before it was swapped (now), for 499.00 EUR.
pub(crate) fn claim(mid: Uuid, retailer_id: Uuid, days_before_swap: i64) -> ClaimSubmittedV1 {
    let swapped_at: DateTime<Utc> = Utc::now();
    ClaimSubmittedV1 {
        claim_id: Uuid::now_v7().into(),
        swap_id: Uuid::now_v7().into(),
        case_id: Uuid::now_v7().into(),
        retailer_id: retailer_id.into(),
        manufacturer_id: mid.into(),
        serial: format!("SN-{}", Uuid::now_v7().simple()),
        product: ProductRef {
            sku: "WM-100".into(),
            name: "Washing machine WM 100".into(),
            manufacturer_id: mid.into(),
        },
        price_paid: eur("499.00"),
        list_price: Some(eur("499.00")),
        sold_at: swapped_at - TimeDelta::days(days_before_swap),
        swapped_at,
        defect_category: "does_not_start".into(),
        defect_description: "Drum does not turn".into(),
    }
}

/// Waits until the claim is visible through the API; returns it.
pub(crate) async fn wait_claim(svc: &TestService, mid: Uuid, claim_id: Uuid) -> Value {
    let path = format!("/api/manufacturers/{mid}/claims/{claim_id}");
    eventually(&format!("claim {claim_id}"), DEADLINE, || async {
        let a = get(svc, &path).await;
        (a.status == 200).then_some(a.body)
    })
    .await
}

/// The `manufacturer.claim.decided.v1` payloads in the outbox for `claim_id`.
pub(crate) async fn decided_events(db: &DatabaseConnection, claim_id: Uuid) -> Vec<Value> {
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
pub(crate) async fn wait_sent(svc: &TestService, claim_id: Uuid) {
    eventually(
        &format!("decided event of {claim_id} sent"),
        DEADLINE,
        || async {
            let n = count(
                &svc.db,
                "SELECT count(*) FROM outbox WHERE payload->'data'->>'claim_id' = $1 \
             AND routing_key = 'manufacturer.claim.decided.v1' AND sent_at IS NOT NULL",
                vec![claim_id.to_string().into()],
            )
            .await;
            (n == 1).then_some(())
        },
    )
    .await;
}

pub(crate) fn event_kinds(claim: &Value) -> Vec<String> {
    claim["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect()
}

pub(crate) fn assert_problem(a: &Answer, status: u16, what: &str) {
    assert_eq!(a.status, status, "{what}: {}", a.body);
    assert!(
        a.content_type.starts_with(PROBLEM),
        "{what}: content-type {}",
        a.content_type
    );
    assert_eq!(a.body["status"], status, "{what}: {}", a.body);
    assert!(a.body["code"].is_string(), "{what}: {}", a.body);
}

/// `POST path` with an `Idempotency-Key`, the pair linked as [`post`] links it.
pub(crate) async fn post_keyed(svc: &TestService, path: &str, body: &Value, key: &str) -> Answer {
    as_before_partner_links(svc, path, body, None).await;
    let a = post_keyed_as_is(svc, path, body, key).await;
    as_before_partner_links(svc, path, body, Some(a.status)).await;
    a
}

async fn post_keyed_as_is(svc: &TestService, path: &str, body: &Value, key: &str) -> Answer {
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
pub(crate) async fn arrive(
    svc: &TestService,
    mid: Uuid,
    events: &[ClaimSubmittedV1],
) -> Vec<Value> {
    for event in events {
        publish_event(&svc.names, event.clone()).await;
    }
    let mut out = Vec::new();
    for event in events {
        out.push(wait_claim(svc, mid, event.claim_id.as_uuid()).await);
    }
    out
}

pub(crate) async fn claim_of(svc: &TestService, mid: Uuid, id: Uuid) -> Value {
    let a = get(svc, &format!("/api/manufacturers/{mid}/claims/{id}")).await;
    assert_eq!(a.status, 200, "{}", a.body);
    a.body
}

pub(crate) fn at(v: &Value) -> DateTime<Utc> {
    serde_json::from_value(v.clone()).unwrap()
}

/// Sends `method path` with exactly `key` (or none), with a JSON body for the writes.
pub(crate) async fn call_as(
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
pub(crate) async fn manufacturer_with_key(svc: &TestService, name: &str) -> (Uuid, String, Uuid) {
    let a = post(svc, "/api/manufacturers", &json!({ "name": name })).await;
    assert_eq!(a.status, 201, "{}", a.body);
    let mid = serde_json::from_value(a.body["id"].clone()).unwrap();
    let key = a.body["api_key"].as_str().unwrap().to_owned();
    remember_key(svc, mid, &key);
    let key_id = serde_json::from_value(a.body["api_key_id"].clone()).unwrap();
    (mid, key, key_id)
}

/// A retailer id the route lists use in filters.
pub(crate) const RETAILER_1: &str = "00000000-0000-0000-0000-000000000001";
