#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The retailer service against the real PostgreSQL and RabbitMQ: the desk flow (retailer,
//! product, sale, case, swap) with its outbox rows, concurrent approvals, the case events from
//! logistics and the manufacturer landing on the timeline, the tenant wall, and bad input that
//! changes nothing.

use std::time::Duration;

use chrono::{DateTime, Duration as Span, Utc};
use kummerer_contracts::topology::{RETAILER_CASE_EVENTS, Service};
use kummerer_contracts::{
    ClaimDecidedV1, ClaimOutcome, Currency, DecidedBy, Event, FailureReason, JobCompletedV1,
    JobFailedV1, JobScheduledV1, Money, TimeWindow,
};
use kummerer_testkit::eventually;
use kummerer_testkit::service::{TestService, publish_envelope, publish_event, publish_raw};
use retailer::{Migrator, SERVICE, build};
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, Value};
use serde_json::{Value as Json, json};
use uuid::Uuid;

const DEADLINE: Duration = Duration::from_secs(15);
const SWAP_APPROVED: &str = "retailer.swap.approved.v1";
const CLAIM_SUBMITTED: &str = "retailer.claim.submitted.v1";

async fn start() -> TestService {
    TestService::start::<Migrator>(SERVICE, build).await
}

// --- HTTP helpers -------------------------------------------------------------------------------

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

/// POSTs and expects `201`; returns the body.
async fn created(svc: &TestService, path: &str, body: Json) -> Json {
    let (status, body) = post_json(svc, path, body).await;
    assert_eq!(status, 201, "POST {path}: {body}");
    body
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

/// POSTs `body` and expects a problem.
async fn post_problem(
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

/// The fields a 422 names.
fn fields(problem: &Json) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| e["field"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Sets `key` (dotted for nested objects) in `body`; `null` removes it (a missing field).
fn set(body: &mut Json, key: &str, value: Json) {
    let (parents, last) = match key.rsplit_once('.') {
        Some((parents, last)) => (parents.split('.').collect::<Vec<_>>(), last),
        None => (Vec::new(), key),
    };
    let mut target = body;
    for p in parents {
        target = &mut target[p];
    }
    let object = target.as_object_mut().unwrap();
    if value.is_null() {
        object.remove(last);
    } else {
        object.insert(last.to_owned(), value);
    }
}

/// POSTs `body` and expects a problem: `expect` is `"<status>"`, `"<status> <code>"`, or for a 422
/// `"422 <field>,<field>"` (exactly the fields named, in order).
async fn rejects(svc: &TestService, path: &str, body: Json, expect: &str) {
    rejects_as(svc, None, path, body, expect).await;
}

/// [`rejects`], with HTTP Basic credentials (`(email, password)`) when given.
async fn rejects_as(
    svc: &TestService,
    credentials: Option<(&str, &str)>,
    path: &str,
    body: Json,
    expect: &str,
) {
    let what = format!("POST {path} {body} (expecting {expect})");
    let (status, rest) = expect.split_once(' ').unwrap_or((expect, ""));
    let status: u16 = status.parse().unwrap();
    let code = match (status, rest) {
        (422, _) => "validation_failed",
        (404, _) => "not_found",
        (401, _) => "unauthorized",
        (_, code) => code,
    };
    let mut req = svc.client.post(svc.url(path)).json(&body);
    if let Some((user, password)) = credentials {
        req = req.basic_auth(user, Some(password));
    }
    let problem = assert_problem(req.send().await.unwrap(), status, code, &what).await;
    if status == 422 && !rest.is_empty() {
        assert_eq!(
            fields(&problem),
            rest.split(',').collect::<Vec<_>>(),
            "{what}: {problem}"
        );
    }
}

// --- DB helpers ---------------------------------------------------------------------------------

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

async fn one_string(db: &DatabaseConnection, sql: &str, values: Vec<Value>) -> String {
    db.query_one_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        sql,
        values,
    ))
    .await
    .unwrap()
    .unwrap_or_else(|| panic!("no row: {sql}"))
    .try_get_by_index::<String>(0)
    .unwrap()
}

const TABLES: [&str; 8] = [
    "retailers",
    "products",
    "sales",
    "cases",
    "swaps",
    "claims",
    "timeline",
    "outbox",
];

/// Row counts of every table a request could change, and the states that could move.
async fn snapshot(db: &DatabaseConnection) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for table in TABLES {
        let n = count(db, &format!("SELECT 1 FROM {table}"), vec![]).await;
        out.push((table.to_owned(), n.to_string()));
    }
    let states = one_string(
        db,
        "SELECT coalesce((SELECT string_agg(id::text || status, ',' ORDER BY id) \
         FROM cases), '') || '|' || \
         coalesce((SELECT string_agg(id::text || status, ',' ORDER BY id) FROM swaps), '')",
        vec![],
    )
    .await;
    out.push(("states".to_owned(), states));
    out
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

async fn timeline_count(db: &DatabaseConnection, case_id: Uuid, kind: &str) -> i64 {
    count(
        db,
        "SELECT 1 FROM timeline WHERE case_id = $1 AND kind = $2",
        vec![case_id.into(), kind.into()],
    )
    .await
}

// --- the desk flow ------------------------------------------------------------------------------

fn eur(amount: &str) -> Json {
    json!({"amount": amount, "currency": "EUR"})
}

fn customer() -> Json {
    json!({"name": "Erika Mustermann", "phone": "+49 30 1234567", "street": "Hauptstraße 1",
           "postcode": "10115", "city": "Berlin", "country": "DE"})
}

fn sale_body(receipt_no: &str, sku: &str, serial: &str) -> Json {
    json!({
        "receipt_no": receipt_no, "sku": sku, "serial": serial,
        "price_paid": eur("499.00"),
        "sold_at": (Utc::now() - Span::days(3)).to_rfc3339(),
        "customer": customer(),
    })
}

fn window_body(approved_by: &str) -> Json {
    let start = Utc::now() + Span::days(1);
    json!({
        "window_start": start.to_rfc3339(),
        "window_end": (start + Span::hours(4)).to_rfc3339(),
        "approved_by": approved_by,
    })
}

/// One retailer with one product (`WM-100`) sold once, and a case on that unit.
struct Shop {
    retailer_id: Uuid,
    manufacturer_id: Uuid,
    product_id: Uuid,
    serial: String,
    sale_id: Uuid,
    case_id: Uuid,
}

impl Shop {
    fn path(&self, rest: &str) -> String {
        format!("/api/retailers/{}{rest}", self.retailer_id)
    }
    fn case_path(&self) -> String {
        self.path(&format!("/cases/{}", self.case_id))
    }
    fn swap_path(&self) -> String {
        self.path(&format!("/cases/{}/swap", self.case_id))
    }
}

fn id_of(body: &Json) -> Uuid {
    body["id"].as_str().unwrap().parse().unwrap()
}

async fn shop(svc: &TestService, name: &str, serial: &str) -> Shop {
    let retailer = created(svc, "/api/retailers", json!({"name": name})).await;
    assert_eq!(retailer["name"], name);
    let retailer_id = id_of(&retailer);
    let manufacturer_id = Uuid::now_v7();
    let product = created(
        svc,
        &format!("/api/retailers/{retailer_id}/products"),
        json!({"sku": "WM-100", "name": "Washing machine WM 100",
               "manufacturer_id": manufacturer_id, "price": eur("549.00")}),
    )
    .await;
    assert_eq!(product["sku"], "WM-100");
    assert_eq!(product["price"], eur("549.00"));
    let sale = created(
        svc,
        &format!("/api/retailers/{retailer_id}/sales"),
        sale_body("R-1", "WM-100", serial),
    )
    .await;
    assert_eq!(sale["serial"], serial);
    assert_eq!(sale["product"]["sku"], "WM-100");
    assert_eq!(sale["price_paid"], eur("499.00"));
    assert_eq!(sale["customer"]["city"], "Berlin");
    let case = created(
        svc,
        &format!("/api/retailers/{retailer_id}/cases"),
        json!({"serial": serial, "defect_category": "does_not_start",
               "defect_description": "Drum does not turn"}),
    )
    .await;
    assert_eq!(case["status"], "open");
    assert_eq!(case["sale"]["id"], sale["id"]);
    assert!(case["swap"].is_null() && case["claim"].is_null(), "{case}");
    Shop {
        retailer_id,
        manufacturer_id,
        product_id: id_of(&product),
        serial: serial.to_owned(),
        sale_id: id_of(&sale),
        case_id: id_of(&case),
    }
}

/// Approves the shop's case (same model, tomorrow); returns `(swap_id, claim_id)`.
async fn approve(svc: &TestService, shop: &Shop) -> (Uuid, Uuid) {
    let body = created(svc, &shop.swap_path(), window_body("clerk.anna")).await;
    assert_eq!(body["case_id"], shop.case_id.to_string());
    (
        body["swap_id"].as_str().unwrap().parse().unwrap(),
        body["claim_id"].as_str().unwrap().parse().unwrap(),
    )
}

// --- tests --------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_swap_is_approved_with_its_claim_timeline_and_events() {
    let svc = start().await;
    let shop = shop(&svc, "Elektro Maier", "SN-1").await;

    // The desk finds the sale by serial and by receipt.
    let (status, found) = get_json(&svc, &shop.path("/sales?serial=SN-1")).await;
    assert_eq!(status, 200, "{found}");
    let items = found["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], shop.sale_id.to_string());
    assert_eq!(
        items[0]["product"]["manufacturer_id"],
        shop.manufacturer_id.to_string()
    );
    let (_, found) = get_json(&svc, &shop.path("/sales?receipt_no=R-1")).await;
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
    let (_, found) = get_json(&svc, &shop.path("/sales?serial=SN-OTHER")).await;
    assert_eq!(found["items"], json!([]));

    let before = Utc::now();
    let (swap_id, claim_id) = approve(&svc, &shop).await;

    // The database: swap, claim, case status, two timeline entries, two outbox rows.
    let db = &svc.db;
    assert_eq!(
        count(
            db,
            "SELECT 1 FROM swaps WHERE id = $1 AND case_id = $2 AND retailer_id = $3 \
             AND replacement_product_id = $4 AND status = 'approved' \
             AND approved_by = 'clerk.anna' AND street = 'Hauptstraße 1' AND city = 'Berlin' \
             AND address_name = 'Erika Mustermann'",
            vec![
                swap_id.into(),
                shop.case_id.into(),
                shop.retailer_id.into(),
                shop.product_id.into()
            ],
        )
        .await,
        1
    );
    assert_eq!(
        count(
            db,
            "SELECT 1 FROM claims WHERE id = $1 AND swap_id = $2 AND retailer_id = $3 \
             AND manufacturer_id = $4 AND amount_claimed = 499.00 AND currency = 'EUR' \
             AND status = 'submitted' AND decided_at IS NULL",
            vec![
                claim_id.into(),
                swap_id.into(),
                shop.retailer_id.into(),
                shop.manufacturer_id.into()
            ],
        )
        .await,
        1
    );
    assert_eq!(
        one_string(
            db,
            "SELECT status FROM cases WHERE id = $1",
            vec![shop.case_id.into()]
        )
        .await,
        "swap_approved"
    );
    assert_eq!(count(db, "SELECT 1 FROM timeline", vec![]).await, 2);
    assert_eq!(
        count(
            db,
            "SELECT 1 FROM timeline WHERE source = 'retailer' AND message_id IS NULL \
             AND kind IN ('swap_approved', 'claim_submitted') AND case_id = $1",
            vec![shop.case_id.into()]
        )
        .await,
        2
    );
    assert_eq!(count(db, "SELECT 1 FROM outbox", vec![]).await, 2);

    let swaps = outbox(db, SWAP_APPROVED).await;
    assert_eq!(swaps.len(), 1);
    assert_eq!(swaps[0]["type"], SWAP_APPROVED);
    let data = &swaps[0]["data"];
    assert_eq!(data["swap_id"], swap_id.to_string());
    assert_eq!(data["case_id"], shop.case_id.to_string());
    assert_eq!(data["retailer_id"], shop.retailer_id.to_string());
    assert_eq!(data["defective_serial"], "SN-1");
    assert_eq!(data["defective_product"]["sku"], "WM-100");
    assert_eq!(data["replacement_product"]["sku"], "WM-100");
    assert_eq!(
        data["replacement_product"]["manufacturer_id"],
        shop.manufacturer_id.to_string()
    );
    assert_eq!(data["delivery_address"], customer());
    assert_eq!(data["approved_by"], "clerk.anna");
    let approved_at: DateTime<Utc> = serde_json::from_value(data["approved_at"].clone()).unwrap();
    assert!(approved_at >= before);

    let claims = outbox(db, CLAIM_SUBMITTED).await;
    assert_eq!(claims.len(), 1);
    let data = &claims[0]["data"];
    assert_eq!(data["claim_id"], claim_id.to_string());
    assert_eq!(data["swap_id"], swap_id.to_string());
    assert_eq!(data["case_id"], shop.case_id.to_string());
    assert_eq!(data["manufacturer_id"], shop.manufacturer_id.to_string());
    assert_eq!(data["serial"], "SN-1");
    assert_eq!(data["product"]["sku"], "WM-100");
    assert_eq!(data["price_paid"], eur("499.00"));
    assert_eq!(data["defect_category"], "does_not_start");
    assert_eq!(data["defect_description"], "Drum does not turn");
    assert_eq!(data["swapped_at"], swaps[0]["data"]["approved_at"]);

    // The relay publishes both.
    eventually("both events to be published", DEADLINE, || async {
        let sent = count(db, "SELECT 1 FROM outbox WHERE sent_at IS NOT NULL", vec![]).await;
        (sent == 2).then_some(())
    })
    .await;

    // The case view.
    let (status, case) = get_json(&svc, &shop.case_path()).await;
    assert_eq!(status, 200, "{case}");
    assert_eq!(case["id"], shop.case_id.to_string());
    assert_eq!(case["status"], "swap_approved");
    assert_eq!(case["defect_category"], "does_not_start");
    assert_eq!(case["defect_description"], "Drum does not turn");
    assert!(case["opened_at"].is_string());
    assert_eq!(case["sale"]["serial"], "SN-1");
    assert_eq!(case["sale"]["receipt_no"], "R-1");
    assert_eq!(case["swap"]["id"], swap_id.to_string());
    assert_eq!(case["swap"]["status"], "approved");
    assert_eq!(case["swap"]["replacement"]["sku"], "WM-100");
    assert_eq!(case["swap"]["delivery_address"], customer());
    assert_eq!(case["claim"]["id"], claim_id.to_string());
    assert_eq!(case["claim"]["status"], "submitted");
    assert_eq!(case["claim"]["amount_claimed"], eur("499.00"));
    assert!(case["claim"]["decided_amount"].is_null());
    let timeline = case["timeline"].as_array().unwrap();
    let mut kinds: Vec<&str> = timeline
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    kinds.sort_unstable();
    assert_eq!(kinds, ["claim_submitted", "swap_approved"]);
    assert!(timeline.iter().all(|e| e["source"] == "retailer"));
    let approved = timeline
        .iter()
        .find(|e| e["kind"] == "swap_approved")
        .unwrap();
    assert_eq!(approved["details"]["swap_id"], swap_id.to_string());
    assert_eq!(approved["details"]["approved_by"], "clerk.anna");

    // A second case on the same unit while this one is in progress: refused.
    post_problem(
        &svc,
        &shop.path("/cases"),
        json!({"serial": "SN-1", "defect_category": "noise", "defect_description": "again"}),
        409,
        "case_exists",
        "second case on the unit",
    )
    .await;
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_swap_to_another_model_goes_to_the_address_given() {
    let svc = start().await;
    let shop = shop(&svc, "Elektro Maier", "SN-1").await;
    let other_manufacturer = Uuid::now_v7();
    created(
        &svc,
        &shop.path("/products"),
        json!({"sku": "WM-200", "name": "Washing machine WM 200",
               "manufacturer_id": other_manufacturer, "price": eur("649.00")}),
    )
    .await;
    let (status, list) = get_json(&svc, &shop.path("/products")).await;
    assert_eq!(status, 200);
    assert_eq!(list["items"].as_array().unwrap().len(), 2);

    let mut body = window_body("manager.bea");
    body["replacement_sku"] = json!("WM-200");
    body["delivery_address"] = json!({"name": "Max Mustermann", "phone": "+49 89 1",
        "street": "Nebenweg 2", "postcode": "80331", "city": "München", "country": "de"});
    created(&svc, &shop.swap_path(), body).await;

    let (_, case) = get_json(&svc, &shop.case_path()).await;
    assert_eq!(case["swap"]["replacement"]["sku"], "WM-200");
    assert_eq!(case["swap"]["delivery_address"]["city"], "München");
    assert_eq!(case["swap"]["delivery_address"]["country"], "DE");
    let data = &outbox(&svc.db, SWAP_APPROVED).await[0]["data"];
    assert_eq!(data["defective_product"]["sku"], "WM-100");
    assert_eq!(data["replacement_product"]["sku"], "WM-200");
    assert_eq!(
        data["replacement_product"]["manufacturer_id"],
        other_manufacturer.to_string()
    );
    assert_eq!(data["delivery_address"]["street"], "Nebenweg 2");
    // The claim goes to the maker of the defective unit, for what the customer paid.
    let data = &outbox(&svc.db, CLAIM_SUBMITTED).await[0]["data"];
    assert_eq!(data["manufacturer_id"], shop.manufacturer_id.to_string());
    assert_eq!(data["price_paid"], eur("499.00"));
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_approvals_at_once_make_one_swap() {
    let svc = start().await;
    let shop = shop(&svc, "Elektro Maier", "SN-1").await;
    let path = shop.swap_path();
    let send = |who: &'static str| {
        svc.client
            .post(svc.url(&path))
            .json(&window_body(who))
            .send()
    };
    let (a, b) = tokio::join!(send("clerk.anna"), send("clerk.ben"));
    let (a, b) = (a.unwrap(), b.unwrap());
    let (winner, loser) = if a.status().as_u16() == 201 {
        (a, b)
    } else {
        (b, a)
    };
    assert_eq!(winner.status().as_u16(), 201);
    assert_problem(loser, 409, "swap_already_approved", "the second approval").await;

    // And once more, after the fact.
    post_problem(
        &svc,
        &path,
        window_body("clerk.carl"),
        409,
        "swap_already_approved",
        "a late approval",
    )
    .await;

    let db = &svc.db;
    assert_eq!(count(db, "SELECT 1 FROM swaps", vec![]).await, 1);
    assert_eq!(count(db, "SELECT 1 FROM claims", vec![]).await, 1);
    assert_eq!(count(db, "SELECT 1 FROM timeline", vec![]).await, 2);
    assert_eq!(count(db, "SELECT 1 FROM outbox", vec![]).await, 2);
    assert_eq!(outbox(db, SWAP_APPROVED).await.len(), 1);
    assert_eq!(outbox(db, CLAIM_SUBMITTED).await.len(), 1);
    svc.stop().await;
}

fn job_scheduled(shop: &Shop, swap_id: Uuid, at: DateTime<Utc>) -> JobScheduledV1 {
    JobScheduledV1 {
        job_id: Uuid::now_v7(),
        swap_id,
        case_id: shop.case_id,
        retailer_id: shop.retailer_id,
        window: TimeWindow {
            start: at + Span::days(1),
            end: at + Span::days(1) + Span::hours(4),
        },
        scheduled_at: at,
    }
}

fn job_failed(shop: &Shop, swap_id: Uuid, attempt: u32, at: DateTime<Utc>) -> JobFailedV1 {
    JobFailedV1 {
        job_id: Uuid::now_v7(),
        swap_id,
        case_id: shop.case_id,
        retailer_id: shop.retailer_id,
        reason: FailureReason::NotHome,
        note: Some("nobody opened".into()),
        attempt,
        failed_at: at,
    }
}

fn claim_decided(shop: &Shop, swap_id: Uuid, claim_id: Uuid, at: DateTime<Utc>) -> ClaimDecidedV1 {
    ClaimDecidedV1 {
        claim_id,
        swap_id,
        case_id: shop.case_id,
        retailer_id: shop.retailer_id,
        manufacturer_id: shop.manufacturer_id,
        outcome: ClaimOutcome::PartlyAccepted,
        amount: Money::new(Decimal::new(39920, 2), Currency::parse("EUR").unwrap()).unwrap(),
        reason_code: Some("wear_and_tear".into()),
        decided_by: DecidedBy::Manufacturer,
        decided_at: at,
    }
}

async fn swap_status(db: &DatabaseConnection, swap_id: Uuid) -> String {
    one_string(
        db,
        "SELECT status FROM swaps WHERE id = $1",
        vec![swap_id.into()],
    )
    .await
}

/// Waits until the case has `n` timeline entries of `kind`.
async fn wait_kind(svc: &TestService, case_id: Uuid, kind: &str, n: i64) {
    eventually(
        &format!("{n} timeline entries {kind}"),
        DEADLINE,
        || async { (timeline_count(&svc.db, case_id, kind).await == n).then_some(()) },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn case_events_land_on_the_timeline_in_the_order_they_happened() {
    let svc = start().await;
    let shop = shop(&svc, "Elektro Maier", "SN-1").await;
    let (swap_id, claim_id) = approve(&svc, &shop).await;
    let t0 = Utc::now();
    let db = &svc.db;

    // Logistics schedules the visit.
    let scheduled = publish_event(
        &svc.names,
        job_scheduled(&shop, swap_id, t0 + Span::minutes(1)),
    )
    .await;
    wait_kind(&svc, shop.case_id, "job_scheduled", 1).await;
    assert_eq!(swap_status(db, swap_id).await, "scheduled");
    assert_eq!(
        count(
            db,
            "SELECT 1 FROM timeline WHERE kind = 'job_scheduled' AND source = 'logistics' \
             AND message_id = $1 AND occurred_at = $2",
            vec![scheduled.id.into(), scheduled.data.scheduled_at.into()]
        )
        .await,
        1
    );

    // A failed attempt.
    publish_event(
        &svc.names,
        job_failed(&shop, swap_id, 1, t0 + Span::minutes(2)),
    )
    .await;
    wait_kind(&svc, shop.case_id, "delivery_failed", 1).await;
    assert_eq!(swap_status(db, swap_id).await, "failed_attempt");

    // Delivered and collected, but another unit than the case names.
    let completed = JobCompletedV1 {
        job_id: scheduled.data.job_id,
        swap_id,
        case_id: shop.case_id,
        retailer_id: shop.retailer_id,
        delivered_serial: "SN-NEW-1".into(),
        collected_serial: "SN-ELSE".into(),
        collected_serial_matches: false,
        recipient_name: "Erika Mustermann".into(),
        completed_at: t0 + Span::minutes(3),
    };
    publish_event(&svc.names, completed).await;
    wait_kind(&svc, shop.case_id, "delivered_and_collected", 1).await;
    assert_eq!(
        timeline_count(db, shop.case_id, "collected_serial_mismatch").await,
        1
    );
    assert_eq!(swap_status(db, swap_id).await, "delivered");
    assert_eq!(
        one_string(
            db,
            "SELECT status FROM cases WHERE id = $1",
            vec![shop.case_id.into()]
        )
        .await,
        "delivered"
    );

    // A failure reported after the delivery lands on the timeline but does not undo it.
    publish_event(
        &svc.names,
        job_failed(&shop, swap_id, 2, t0 + Span::minutes(4)),
    )
    .await;
    wait_kind(&svc, shop.case_id, "delivery_failed", 2).await;
    assert_eq!(swap_status(db, swap_id).await, "delivered");

    // The manufacturer's decision, taken before the visit, arrives last.
    let decided_at = t0 + Span::seconds(30);
    publish_event(
        &svc.names,
        claim_decided(&shop, swap_id, claim_id, decided_at),
    )
    .await;
    wait_kind(&svc, shop.case_id, "claim_decided", 1).await;
    assert_eq!(
        count(
            db,
            "SELECT 1 FROM claims WHERE id = $1 AND status = 'partly_accepted' \
             AND decided_amount = 399.20 AND reason_code = 'wear_and_tear' AND decided_at = $2",
            vec![claim_id.into(), decided_at.into()]
        )
        .await,
        1
    );

    let (status, case) = get_json(&svc, &shop.case_path()).await;
    assert_eq!(status, 200, "{case}");
    assert_eq!(case["status"], "delivered");
    assert_eq!(case["swap"]["status"], "delivered");
    assert_eq!(case["claim"]["status"], "partly_accepted");
    assert_eq!(case["claim"]["decided_amount"], eur("399.20"));
    assert_eq!(case["claim"]["reason_code"], "wear_and_tear");
    let timeline = case["timeline"].as_array().unwrap();
    let kinds: Vec<&str> = timeline
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds[2..],
        [
            "claim_decided",
            "job_scheduled",
            "delivery_failed",
            "delivered_and_collected",
            "collected_serial_mismatch",
            "delivery_failed",
        ],
        "{case}"
    );
    let times: Vec<DateTime<Utc>> = timeline
        .iter()
        .map(|e| serde_json::from_value(e["occurred_at"].clone()).unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    let entry = |kind: &str| timeline.iter().find(|e| e["kind"] == kind).unwrap();
    let decided = entry("claim_decided");
    assert_eq!(decided["source"], "manufacturer");
    assert_eq!(decided["details"]["outcome"], "partly_accepted");
    assert_eq!(decided["details"]["amount"], eur("399.20"));
    assert_eq!(decided["details"]["decided_by"]["kind"], "manufacturer");
    let delivered = entry("delivered_and_collected");
    assert_eq!(delivered["source"], "logistics");
    assert_eq!(delivered["details"]["delivered_serial"], "SN-NEW-1");
    assert_eq!(delivered["details"]["collected_serial"], "SN-ELSE");
    assert_eq!(delivered["details"]["collected_serial_matches"], false);
    assert_eq!(delivered["details"]["recipient_name"], "Erika Mustermann");
    let failed = entry("delivery_failed");
    assert_eq!(failed["details"]["reason"], "not_home");
    assert_eq!(failed["details"]["note"], "nobody opened");
    assert_eq!(failed["details"]["attempt"], 1);

    assert_eq!(
        svc.broker
            .depth(&svc.names.dead_letter_queue(&RETAILER_CASE_EVENTS))
            .await,
        0
    );
    // Consuming emits nothing.
    assert_eq!(count(db, "SELECT 1 FROM outbox", vec![]).await, 2);
    svc.stop().await;
}

/// A time in the JSON (stored to the microsecond).
fn time_of(v: &Json) -> DateTime<Utc> {
    serde_json::from_value(v.clone()).unwrap()
}

/// Whether two times are the same instant, to the microsecond the database keeps.
fn same_instant(a: DateTime<Utc>, b: DateTime<Utc>) -> bool {
    (a - b).num_microseconds().unwrap().abs() < 1
}

/// The case's `ball`, once `ready` holds for it.
async fn ball_when(
    svc: &TestService,
    shop: &Shop,
    what: &str,
    ready: impl Fn(&Json) -> bool,
) -> Json {
    eventually(what, DEADLINE, || async {
        let (status, case) = get_json(svc, &shop.case_path()).await;
        assert_eq!(status, 200, "{case}");
        ready(&case["ball"]).then(|| case["ball"].clone())
    })
    .await
}

/// `[(party, holds)]` of the ball's holders.
fn holders(ball: &Json) -> Vec<(String, String)> {
    ball["holders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["party"].as_str().unwrap().to_owned(),
                h["holds"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ball_passes_between_retailer_crew_and_manufacturer() {
    let svc = start().await;
    let shop = shop(&svc, "Elektro Maier", "SN-1").await;
    let pair = |a: &str, b: &str| (a.to_owned(), b.to_owned());

    // An open case waits for the store, since it was opened.
    let (_, case) = get_json(&svc, &shop.case_path()).await;
    let ball = &case["ball"];
    assert_eq!(ball["party"], "retailer", "{case}");
    assert_eq!(time_of(&ball["since"]), time_of(&case["opened_at"]));
    assert!(ball["held_for_seconds"].as_i64().unwrap() >= 0, "{ball}");
    assert_eq!(ball["handovers"], 0);
    assert_eq!(holders(ball), [pair("retailer", "decision")]);

    // The approval gives the delivery to the crew and the claim to the manufacturer: one handover,
    // the crew shown (the customer waits for it), both listed.
    let (swap_id, claim_id) = approve(&svc, &shop).await;
    let (_, case) = get_json(&svc, &shop.case_path()).await;
    let approved_at = time_of(&case["swap"]["approved_at"]);
    let ball = &case["ball"];
    assert_eq!(ball["party"], "crew", "{case}");
    assert_eq!(time_of(&ball["since"]), approved_at);
    assert_eq!(ball["handovers"], 1);
    assert_eq!(
        holders(ball),
        [pair("crew", "delivery"), pair("manufacturer", "claim")]
    );
    let t0 = Utc::now();

    // Scheduled: still the crew, since the approval.
    let scheduled = publish_event(
        &svc.names,
        job_scheduled(&shop, swap_id, t0 + Span::minutes(1)),
    )
    .await;
    wait_kind(&svc, shop.case_id, "job_scheduled", 1).await;
    let ball = ball_when(&svc, &shop, "scheduled", |b| b["party"] == "crew").await;
    assert_eq!(time_of(&ball["since"]), approved_at);
    assert_eq!(ball["handovers"], 1);

    // A failed visit hands the delivery back to the store; the manufacturer has waited longer
    // (since the approval), so it is shown, and both are listed.
    let failed_at = t0 + Span::minutes(2);
    publish_event(&svc.names, job_failed(&shop, swap_id, 1, failed_at)).await;
    let ball = ball_when(&svc, &shop, "failed", |b| b["handovers"] == 2).await;
    assert_eq!(ball["party"], "manufacturer", "{ball}");
    assert_eq!(time_of(&ball["since"]), approved_at);
    assert_eq!(
        holders(&ball),
        [pair("manufacturer", "claim"), pair("retailer", "delivery")]
    );
    assert!(same_instant(
        time_of(&ball["holders"][1]["since"]),
        failed_at
    ));

    // The manufacturer decides: only the store holds it, since the failure.
    publish_event(
        &svc.names,
        claim_decided(&shop, swap_id, claim_id, t0 + Span::minutes(3)),
    )
    .await;
    let ball = ball_when(&svc, &shop, "decided", |b| b["party"] == "retailer").await;
    assert!(same_instant(time_of(&ball["since"]), failed_at), "{ball}");
    assert_eq!(ball["handovers"], 2);
    assert_eq!(holders(&ball), [pair("retailer", "delivery")]);

    // A new visit is scheduled: the crew again.
    let rescheduled_at = t0 + Span::minutes(4);
    publish_event(&svc.names, job_scheduled(&shop, swap_id, rescheduled_at)).await;
    let ball = ball_when(&svc, &shop, "rescheduled", |b| b["party"] == "crew").await;
    assert!(
        same_instant(time_of(&ball["since"]), rescheduled_at),
        "{ball}"
    );
    assert_eq!(ball["handovers"], 3);
    assert_eq!(holders(&ball), [pair("crew", "delivery")]);

    // Delivered and collected, the claim decided: settled, nobody holds it.
    let completed_at = t0 + Span::minutes(5);
    publish_event(
        &svc.names,
        JobCompletedV1 {
            job_id: scheduled.data.job_id,
            swap_id,
            case_id: shop.case_id,
            retailer_id: shop.retailer_id,
            delivered_serial: "SN-NEW-1".into(),
            collected_serial: shop.serial.clone(),
            collected_serial_matches: true,
            recipient_name: "Erika Mustermann".into(),
            completed_at,
        },
    )
    .await;
    let ball = ball_when(&svc, &shop, "delivered", |b| b["party"].is_null()).await;
    assert!(
        same_instant(time_of(&ball["since"]), completed_at),
        "{ball}"
    );
    assert!(ball["held_for_seconds"].is_null(), "{ball}");
    assert_eq!(ball["handovers"], 3);
    assert!(holders(&ball).is_empty());
    assert_eq!(
        svc.broker
            .depth(&svc.names.dead_letter_queue(&RETAILER_CASE_EVENTS))
            .await,
        0
    );
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_matching_collection_is_not_flagged_and_a_message_twice_has_one_effect() {
    let svc = start().await;
    let shop = shop(&svc, "Elektro Maier", "SN-1").await;
    let (swap_id, _) = approve(&svc, &shop).await;
    let db = &svc.db;
    let t0 = Utc::now();

    let envelope = publish_event(&svc.names, job_scheduled(&shop, swap_id, t0)).await;
    wait_kind(&svc, shop.case_id, "job_scheduled", 1).await;
    // A redelivery (same id) and a marker behind it: once the marker is applied, so was it.
    publish_envelope(&svc.names, &envelope).await;
    publish_event(
        &svc.names,
        job_failed(&shop, swap_id, 1, t0 + Span::seconds(1)),
    )
    .await;
    wait_kind(&svc, shop.case_id, "delivery_failed", 1).await;
    assert_eq!(timeline_count(db, shop.case_id, "job_scheduled").await, 1);

    // Even once the inbox has forgotten it, the timeline's message id keeps it out.
    db.execute_unprepared("DELETE FROM inbox").await.unwrap();
    publish_envelope(&svc.names, &envelope).await;
    publish_event(
        &svc.names,
        job_failed(&shop, swap_id, 2, t0 + Span::seconds(2)),
    )
    .await;
    wait_kind(&svc, shop.case_id, "delivery_failed", 2).await;
    assert_eq!(timeline_count(db, shop.case_id, "job_scheduled").await, 1);
    assert_eq!(swap_status(db, swap_id).await, "failed_attempt");

    let completed = publish_event(
        &svc.names,
        JobCompletedV1 {
            job_id: envelope.data.job_id,
            swap_id,
            case_id: shop.case_id,
            retailer_id: shop.retailer_id,
            delivered_serial: "SN-NEW-1".into(),
            collected_serial: shop.serial.clone(),
            collected_serial_matches: true,
            recipient_name: "Erika Mustermann".into(),
            completed_at: t0 + Span::seconds(3),
        },
    )
    .await;
    wait_kind(&svc, shop.case_id, "delivered_and_collected", 1).await;
    publish_envelope(&svc.names, &completed).await;
    publish_event(
        &svc.names,
        job_failed(&shop, swap_id, 3, t0 + Span::seconds(4)),
    )
    .await;
    wait_kind(&svc, shop.case_id, "delivery_failed", 3).await;
    assert_eq!(
        timeline_count(db, shop.case_id, "delivered_and_collected").await,
        1
    );
    assert_eq!(
        timeline_count(db, shop.case_id, "collected_serial_mismatch").await,
        0
    );
    assert_eq!(swap_status(db, swap_id).await, "delivered");
    assert_eq!(
        svc.broker
            .depth(&svc.names.dead_letter_queue(&RETAILER_CASE_EVENTS))
            .await,
        0
    );
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_and_unknown_events_are_dead_lettered_and_the_next_still_applied() {
    let svc = start().await;
    let shop = shop(&svc, "Elektro Maier", "SN-1").await;
    let (swap_id, claim_id) = approve(&svc, &shop).await;
    let dlq = svc.names.dead_letter_queue(&RETAILER_CASE_EVENTS);
    let db = &svc.db;

    publish_raw(
        &svc.names,
        Service::Logistics,
        JobScheduledV1::TYPE,
        b"{not json",
    )
    .await;
    eventually("the malformed body in the DLQ", DEADLINE, || async {
        (svc.broker.depth(&dlq).await == 1).then_some(())
    })
    .await;

    // A well-formed envelope whose data does not fit the contract.
    let bad = json!({
        "specversion": "1.0", "id": Uuid::now_v7(), "source": "/kummerer/logistics",
        "type": JobScheduledV1::TYPE, "time": Utc::now(), "data": {"job_id": 5},
    });
    publish_raw(
        &svc.names,
        Service::Logistics,
        JobScheduledV1::TYPE,
        &serde_json::to_vec(&bad).unwrap(),
    )
    .await;
    // Events about a swap, a claim or a case that does not exist (or not for that retailer).
    let now = Utc::now();
    publish_event(&svc.names, job_scheduled(&shop, Uuid::now_v7(), now)).await;
    publish_event(
        &svc.names,
        claim_decided(&shop, swap_id, Uuid::now_v7(), now),
    )
    .await;
    let mut other_retailer = job_failed(&shop, swap_id, 1, now);
    other_retailer.retailer_id = Uuid::now_v7();
    publish_event(&svc.names, other_retailer).await;
    let mut other_case = job_failed(&shop, swap_id, 1, now);
    other_case.case_id = Uuid::now_v7();
    publish_event(&svc.names, other_case).await;
    let mut other_currency = claim_decided(&shop, swap_id, claim_id, now);
    other_currency.amount = Money::zero(Currency::parse("USD").unwrap());
    publish_event(&svc.names, other_currency).await;
    eventually("seven messages in the DLQ", DEADLINE, || async {
        (svc.broker.depth(&dlq).await == 7).then_some(())
    })
    .await;
    assert_eq!(count(db, "SELECT 1 FROM timeline", vec![]).await, 2);
    assert_eq!(swap_status(db, swap_id).await, "approved");
    assert_eq!(
        one_string(
            db,
            "SELECT status FROM claims WHERE id = $1",
            vec![claim_id.into()]
        )
        .await,
        "submitted"
    );

    // The consumer goes on.
    publish_event(&svc.names, job_scheduled(&shop, swap_id, now)).await;
    wait_kind(&svc, shop.case_id, "job_scheduled", 1).await;
    assert_eq!(swap_status(db, swap_id).await, "scheduled");
    assert_eq!(svc.broker.depth(&dlq).await, 7);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_retailer_never_sees_another_ones_data() {
    let svc = start().await;
    let a = shop(&svc, "Elektro Maier", "SN-A").await;
    let (swap_id, _) = approve(&svc, &a).await;
    let b = created(&svc, "/api/retailers", json!({"name": "Technik Huber"})).await;
    let b_id = id_of(&b);
    let b_path = |rest: &str| format!("/api/retailers/{b_id}{rest}");

    // A's case under B's id, or under an unknown retailer: 404 like an unknown case.
    for path in [
        b_path(&format!("/cases/{}", a.case_id)),
        format!("/api/retailers/{}/cases/{}", Uuid::now_v7(), a.case_id),
        a.path(&format!("/cases/{}", Uuid::now_v7())),
    ] {
        let res = svc.client.get(svc.url(&path)).send().await.unwrap();
        assert_problem(res, 404, "not_found", &path).await;
    }
    let before = snapshot(&svc.db).await;
    post_problem(
        &svc,
        &b_path(&format!("/cases/{}/swap", a.case_id)),
        window_body("intruder"),
        404,
        "not_found",
        "B approving A's case",
    )
    .await;
    // B cannot open a case on A's unit, nor sell A's product, nor find A's sale.
    let problem = post_problem(
        &svc,
        &b_path("/cases"),
        json!({"serial": "SN-A", "defect_category": "noise", "defect_description": "x"}),
        422,
        "validation_failed",
        "B's case on A's serial",
    )
    .await;
    assert_eq!(fields(&problem), ["serial"]);
    let problem = post_problem(
        &svc,
        &b_path("/sales"),
        sale_body("R-B", "WM-100", "SN-B"),
        422,
        "validation_failed",
        "B selling A's product",
    )
    .await;
    assert_eq!(fields(&problem), ["sku"]);
    let (status, found) = get_json(&svc, &b_path("/sales?serial=SN-A")).await;
    assert_eq!(status, 200);
    assert_eq!(found["items"], json!([]));
    let (_, found) = get_json(&svc, &b_path("/sales?receipt_no=R-1")).await;
    assert_eq!(found["items"], json!([]));
    let (_, products) = get_json(&svc, &b_path("/products")).await;
    assert_eq!(products["items"], json!([]));
    assert_eq!(snapshot(&svc.db).await, before);

    // Another retailer may use the same SKU, receipt and serial as A (events naming A's swap
    // with another retailer's id are dead-lettered: see the DLQ test).
    let other = shop(&svc, "Technik Huber", "SN-A").await;
    let (_, other_case) = get_json(&svc, &other.case_path()).await;
    assert_eq!(other_case["sale"]["id"], other.sale_id.to_string());
    let (_, a_found) = get_json(&svc, &a.path("/sales?serial=SN-A")).await;
    let items = a_found["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], a.sale_id.to_string());
    let (_, a_case) = get_json(&svc, &a.case_path()).await;
    assert_eq!(a_case["swap"]["id"], swap_id.to_string());
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_a_problem_and_changes_nothing() {
    let svc = start().await;
    let shop = shop(&svc, "Elektro Maier", "SN-1").await;
    let before = snapshot(&svc.db).await;
    let (products, sales, cases) = (
        shop.path("/products"),
        shop.path("/sales"),
        shop.path("/cases"),
    );
    let swap = shop.swap_path();
    let product = |price: Json| {
        json!({"sku": "WM-9", "name": "Nine", "manufacturer_id": Uuid::now_v7(),
               "price": price})
    };
    let money = |amount: &str, currency: &str| json!({"amount": amount, "currency": currency});
    let sale = |key: &str, value: Json| {
        let mut body = sale_body("R-2", "WM-100", "SN-2");
        set(&mut body, key, value);
        body
    };
    let approval = |key: &str, value: Json| {
        let mut body = window_body("clerk.anna");
        set(&mut body, key, value);
        body
    };
    let case = |serial: &str, category: &str| {
        json!({"serial": serial, "defect_category": category,
               "defect_description": "x"})
    };
    let later = |days: i64| json!((Utc::now() + Span::days(days)).to_rfc3339());

    // Retailers.
    rejects(&svc, "/api/retailers", json!({}), "422").await;
    rejects(&svc, "/api/retailers", json!({"name": 5}), "422").await;
    rejects(&svc, "/api/retailers", json!({"name": "  "}), "422 name").await;
    // Products: money that is negative, too precise, in a bad currency, not an object.
    rejects(&svc, &products, product(money("-1.00", "EUR")), "422").await;
    rejects(&svc, &products, product(money("1.001", "EUR")), "422").await;
    rejects(&svc, &products, product(money("1.00", "eur")), "422").await;
    rejects(&svc, &products, product(json!("1.00")), "422").await;
    let mut body = product(money("1.00", "EUR"));
    set(&mut body, "manufacturer_id", Json::Null);
    rejects(&svc, &products, body, "422").await;
    let mut body = product(money("1.00", "EUR"));
    set(&mut body, "manufacturer_id", json!("nope"));
    rejects(&svc, &products, body, "422").await;
    let mut body = product(money("1.00", "EUR"));
    set(&mut body, "sku", json!(""));
    rejects(&svc, &products, body, "422 sku").await;
    let mut body = product(money("1.00", "EUR"));
    set(&mut body, "sku", json!("WM-100"));
    rejects(&svc, &products, body, "409 product_exists").await;
    let unknown = format!("/api/retailers/{}/products", Uuid::now_v7());
    rejects(&svc, &unknown, product(money("1.00", "EUR")), "404").await;
    // Sales.
    rejects(&svc, &sales, sale("sku", json!("WM-404")), "422 sku").await;
    rejects(
        &svc,
        &sales,
        sale_body("R-1", "WM-100", "SN-1"),
        "409 sale_exists",
    )
    .await;
    rejects(&svc, &sales, sale("sold_at", later(1)), "422 sold_at").await;
    rejects(&svc, &sales, sale("sold_at", json!("yesterday")), "422").await;
    rejects(
        &svc,
        &sales,
        sale("price_paid", money("-1.00", "EUR")),
        "422",
    )
    .await;
    rejects(&svc, &sales, sale("customer", Json::Null), "422").await;
    let mut body = sale("customer.country", json!("Germany"));
    set(&mut body, "customer.city", json!(""));
    rejects(&svc, &sales, body, "422 customer.country,customer.city").await;
    // Cases.
    rejects(
        &svc,
        &cases,
        case("SN-1", "malfunction"),
        "422 defect_category",
    )
    .await;
    rejects(&svc, &cases, case("SN-404", "noise"), "422 serial").await;
    rejects(
        &svc,
        &cases,
        json!({"serial": "SN-1", "defect_category": "noise"}),
        "422",
    )
    .await;
    rejects(&svc, &cases, case("SN-1", "noise"), "409 case_exists").await;
    // Swaps.
    rejects(
        &svc,
        &swap,
        approval("window_end", later(0)),
        "422 window_end",
    )
    .await;
    rejects(
        &svc,
        &swap,
        approval("window_start", later(-3)),
        "422 window_start",
    )
    .await;
    rejects(
        &svc,
        &swap,
        approval("window_end", later(61)),
        "422 window_end",
    )
    .await;
    rejects(
        &svc,
        &swap,
        approval("replacement_sku", json!("WM-404")),
        "422 replacement_sku",
    )
    .await;
    rejects(
        &svc,
        &swap,
        approval("delivery_address", json!({"name": "x"})),
        "422",
    )
    .await;
    rejects(&svc, &swap, approval("approved_by", Json::Null), "422").await;
    rejects(
        &svc,
        &swap,
        approval("approved_by", json!("")),
        "422 approved_by",
    )
    .await;
    let unknown = shop.path(&format!("/cases/{}/swap", Uuid::now_v7()));
    rejects(&svc, &unknown, window_body("clerk.anna"), "404").await;
    // Ids in the path that are no UUIDs.
    rejects(
        &svc,
        "/api/retailers/not-a-uuid/cases",
        case("SN-1", "noise"),
        "404",
    )
    .await;
    rejects(
        &svc,
        &shop.path("/cases/not-a-uuid/swap"),
        window_body("x"),
        "404",
    )
    .await;

    // Not JSON at all, and a body over 64 KiB.
    let res = svc
        .client
        .post(svc.url(&cases))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_problem(res, 400, "malformed_json", "syntax error").await;
    let huge = json!({"serial": "SN-1", "defect_category": "noise",
                      "defect_description": "x".repeat(70 * 1024)});
    let res = svc
        .client
        .post(svc.url(&cases))
        .json(&huge)
        .send()
        .await
        .unwrap();
    assert_problem(res, 413, "payload_too_large", "huge body").await;

    // Searching needs something to search by; a bad UUID in a GET path is a 404.
    let res = svc.client.get(svc.url(&sales)).send().await.unwrap();
    assert_problem(res, 422, "validation_failed", "search without criteria").await;
    let res = svc
        .client
        .get(svc.url(&shop.path("/cases/123")))
        .send()
        .await
        .unwrap();
    assert_problem(res, 404, "not_found", "non-UUID case id").await;

    assert_eq!(snapshot(&svc.db).await, before);
    // The case is still open and can still be approved.
    approve(&svc, &shop).await;
    svc.stop().await;
}

#[path = "api/desk.rs"]
mod desk;
#[path = "api/disputes.rs"]
mod disputes;
#[path = "api/ledger.rs"]
mod ledger;
#[path = "api/settlement.rs"]
mod settlement;
#[path = "api/visits.rs"]
mod visits;
