//! What the tests of this binary share: the service under test, requests, rows, bodies.

pub(crate) use chrono::{DateTime, Duration as Span, Utc};
pub(crate) use kummerer_contracts::topology::{RETAILER_CASE_EVENTS, Service};
pub(crate) use kummerer_contracts::{
    ClaimDecidedV1, ClaimOutcome, Currency, DecidedBy, Event, FailureReason, JobCompletedV1,
    JobFailedV1, JobScheduledV1, Money, TimeWindow,
};
pub(crate) use kummerer_testkit::eventually;
pub(crate) use kummerer_testkit::http::assert_problem;
pub(crate) use kummerer_testkit::service::TEST_OPERATOR_TOKEN;
pub(crate) use kummerer_testkit::service::{
    TestService, publish_envelope, publish_event, publish_raw,
};
pub(crate) use kummerer_testkit::sql::{count, outbox};
pub(crate) use retailer::{Migrator, SERVICE, build};
pub(crate) use rust_decimal::Decimal;
pub(crate) use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, Value};
pub(crate) use serde_json::{Value as Json, json};
pub(crate) use std::time::Duration;
pub(crate) use uuid::Uuid;

pub(crate) const DEADLINE: Duration = Duration::from_secs(15);

pub(crate) const SWAP_APPROVED: &str = "retailer.swap.approved.v1";

pub(crate) const CLAIM_SUBMITTED: &str = "retailer.claim.submitted.v1";

pub(crate) async fn start() -> TestService {
    TestService::start::<Migrator>(SERVICE, build).await
}

/// The name of the integration key every test retailer gets.
pub(crate) const TEST_KEY: &str = "tests";

/// Makes an integration key of `retailer_id` (as `retailer create-key` does) and remembers it as
/// the key of that retailer's requests; `limit`: its approval limit.
pub(crate) async fn make_key(
    svc: &TestService,
    retailer_id: Uuid,
    name: &str,
    limit: Option<Money>,
) -> String {
    let made = retailer::app::keys::create(
        &svc.db,
        kummerer_contracts::RetailerId(retailer_id),
        name,
        limit.as_ref(),
    )
    .await
    .unwrap();
    set_key(svc, retailer_id, &made.secret);
    made.secret
}

/// Makes `key` the one the tests send for `retailer_id` (and the last one).
pub(crate) fn set_key(svc: &TestService, retailer_id: Uuid, key: &str) {
    kummerer_testkit::keys::remember_key(svc, retailer_id, key);
}

/// The key a test request to `path` goes with: the key of the path's retailer when the test
/// made one, else the last key made (an authenticated caller asking about an unknown or another
/// retailer: a 404).
pub(crate) fn key_for(svc: &TestService, path: &str) -> Option<String> {
    kummerer_testkit::keys::key_for(svc, "/api/retailers/", path)
}

/// A request to `path` with the credential the tests use there: the operator token for
/// `POST /api/retailers`, else [`key_for`].
pub(crate) fn request(
    svc: &TestService,
    method: reqwest::Method,
    path: &str,
) -> reqwest::RequestBuilder {
    kummerer_testkit::keys::request(svc, method, path, "/api/retailers")
}

/// `GET path` with the tests' credential; the status and the JSON body.
pub(crate) async fn get_json(svc: &TestService, path: &str) -> (u16, Json) {
    let res = request(svc, reqwest::Method::GET, path)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

/// `POST path` with a JSON `body` and the tests' credential; the status and the JSON body. A
/// retailer made here gets an integration key ([`TEST_KEY`], approval limit 1,000,000.00 EUR).
pub(crate) async fn post_json(svc: &TestService, path: &str, body: Json) -> (u16, Json) {
    let res = request(svc, reqwest::Method::POST, path)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let body: Json = res.json().await.unwrap();
    if path == "/api/retailers" && status == 201 {
        let limit = Money::new(
            Decimal::new(100_000_000, 2),
            Currency::parse("EUR").unwrap(),
        );
        make_key(svc, id_of(&body), TEST_KEY, Some(limit.unwrap())).await;
    }
    if status == 201 && path.ends_with("/products") {
        // The tests' retailers and manufacturers are partners as a deployment from before issue
        // 18 had them (`partners.rs` tests the links themselves).
        let rid: Uuid = path.split('/').nth(3).unwrap().parse().unwrap();
        let mid: Uuid = body["manufacturer_id"].as_str().unwrap().parse().unwrap();
        link_as_before(&svc.db, rid, mid).await;
    }
    (status, body)
}

/// The outbox without the retailers' profile announcements (`retailer.tenant.profile.v1`,
/// one per retailer made): what a use case put there.
pub(crate) const OUTBOX_BUT_PROFILES: &str =
    "SELECT 1 FROM outbox WHERE routing_key <> 'retailer.tenant.profile.v1'";

/// The pair linked as the partner-links migration links pairs from before issue 18 (an
/// `implied` link, no messages).
pub(crate) async fn link_as_before(db: &DatabaseConnection, retailer_id: Uuid, mid: Uuid) {
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "INSERT INTO partner_links (retailer_id, manufacturer_id, state, acted_by_side, \
         acted_by, acted_at, implied) VALUES ($1, $2, 'linked', 'retailer', 'tests', now(), \
         true) ON CONFLICT DO NOTHING",
        [retailer_id.into(), mid.into()],
    ))
    .await
    .unwrap();
}

/// Every agreement version stored so far counts as accepted, as the partner-links migration
/// counts the versions from before issue 18.
pub(crate) async fn accept_as_before(db: &DatabaseConnection) {
    db.execute_raw(Statement::from_string(
        DbBackend::Postgres,
        "UPDATE agreements SET accepted_at = published_at, accepted_by = 'tests' \
         WHERE accepted_at IS NULL",
    ))
    .await
    .unwrap();
}

/// POSTs and expects `201`; returns the body.
pub(crate) async fn created(svc: &TestService, path: &str, body: Json) -> Json {
    let (status, body) = post_json(svc, path, body).await;
    assert_eq!(status, 201, "POST {path}: {body}");
    body
}

/// POSTs `body` and expects a problem.
pub(crate) async fn post_problem(
    svc: &TestService,
    path: &str,
    body: Json,
    status: u16,
    code: &str,
    what: &str,
) -> Json {
    let res = request(svc, reqwest::Method::POST, path)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_problem(res, status, code, what).await
}

/// The fields a 422 names.
pub(crate) fn fields(problem: &Json) -> Vec<String> {
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
pub(crate) fn set(body: &mut Json, key: &str, value: Json) {
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
pub(crate) async fn rejects(svc: &TestService, path: &str, body: Json, expect: &str) {
    rejects_as(svc, None, path, body, expect).await;
}

/// [`rejects`], with HTTP Basic credentials (`(email, password)`) when given.
pub(crate) async fn rejects_as(
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
    let req = match credentials {
        Some((user, password)) => svc
            .client
            .post(svc.url(path))
            .basic_auth(user, Some(password)),
        None => request(svc, reqwest::Method::POST, path),
    };
    let req = req.json(&body);
    let problem = assert_problem(req.send().await.unwrap(), status, code, &what).await;
    if status == 422 && !rest.is_empty() {
        assert_eq!(
            fields(&problem),
            rest.split(',').collect::<Vec<_>>(),
            "{what}: {problem}"
        );
    }
}

pub(crate) async fn one_string(db: &DatabaseConnection, sql: &str, values: Vec<Value>) -> String {
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

/// The manufacturer a claim is filed with, as the retailer stored it.
pub(crate) async fn manufacturer_of_claim(db: &DatabaseConnection, claim_id: Uuid) -> Uuid {
    one_string(
        db,
        "SELECT manufacturer_id::text FROM claims WHERE id = $1",
        vec![claim_id.into()],
    )
    .await
    .parse()
    .unwrap()
}

pub(crate) const TABLES: [&str; 8] = [
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
pub(crate) async fn snapshot(db: &DatabaseConnection) -> Vec<(String, String)> {
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

pub(crate) async fn timeline_count(db: &DatabaseConnection, case_id: Uuid, kind: &str) -> i64 {
    count(
        db,
        "SELECT 1 FROM timeline WHERE case_id = $1 AND kind = $2",
        vec![case_id.into(), kind.into()],
    )
    .await
}

pub(crate) fn eur(amount: &str) -> Json {
    json!({"amount": amount, "currency": "EUR"})
}

pub(crate) fn customer() -> Json {
    json!({"name": "Erika Mustermann", "phone": "+49 30 1234567", "street": "Hauptstraße 1",
           "postcode": "10115", "city": "Berlin", "country": "DE"})
}

pub(crate) fn sale_body(receipt_no: &str, sku: &str, serial: &str) -> Json {
    json!({
        "receipt_no": receipt_no, "sku": sku, "serial": serial,
        "price_paid": eur("499.00"),
        "sold_at": (Utc::now() - Span::days(3)).to_rfc3339(),
        "customer": customer(),
    })
}

pub(crate) fn window_body(approved_by: &str) -> Json {
    let start = Utc::now() + Span::days(1);
    json!({
        "window_start": start.to_rfc3339(),
        "window_end": (start + Span::hours(4)).to_rfc3339(),
        "approved_by": approved_by,
    })
}

/// One retailer with one product (`WM-100`) sold once, and a case on that unit.
pub(crate) struct Shop {
    pub(crate) retailer_id: Uuid,
    pub(crate) manufacturer_id: Uuid,
    pub(crate) product_id: Uuid,
    pub(crate) serial: String,
    pub(crate) sale_id: Uuid,
    pub(crate) case_id: Uuid,
}

impl Shop {
    pub(crate) fn path(&self, rest: &str) -> String {
        format!("/api/retailers/{}{rest}", self.retailer_id)
    }
    pub(crate) fn case_path(&self) -> String {
        self.path(&format!("/cases/{}", self.case_id))
    }
    pub(crate) fn swap_path(&self) -> String {
        self.path(&format!("/cases/{}/swap", self.case_id))
    }
}

pub(crate) fn id_of(body: &Json) -> Uuid {
    body["id"].as_str().unwrap().parse().unwrap()
}

pub(crate) async fn shop(svc: &TestService, name: &str, serial: &str) -> Shop {
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
pub(crate) async fn approve(svc: &TestService, shop: &Shop) -> (Uuid, Uuid) {
    let body = created(svc, &shop.swap_path(), window_body("clerk.anna")).await;
    assert_eq!(body["case_id"], shop.case_id.to_string());
    (
        body["swap_id"].as_str().unwrap().parse().unwrap(),
        body["claim_id"].as_str().unwrap().parse().unwrap(),
    )
}

pub(crate) fn job_scheduled(shop: &Shop, swap_id: Uuid, at: DateTime<Utc>) -> JobScheduledV1 {
    JobScheduledV1 {
        job_id: Uuid::now_v7().into(),
        swap_id: swap_id.into(),
        case_id: shop.case_id.into(),
        retailer_id: shop.retailer_id.into(),
        window: TimeWindow {
            start: at + Span::days(1),
            end: at + Span::days(1) + Span::hours(4),
        },
        scheduled_at: at,
        no_contracted_carrier: false,
    }
}

pub(crate) fn claim_decided(
    shop: &Shop,
    swap_id: Uuid,
    claim_id: Uuid,
    at: DateTime<Utc>,
) -> ClaimDecidedV1 {
    ClaimDecidedV1 {
        claim_id: claim_id.into(),
        swap_id: swap_id.into(),
        case_id: shop.case_id.into(),
        retailer_id: shop.retailer_id.into(),
        manufacturer_id: shop.manufacturer_id.into(),
        outcome: ClaimOutcome::PartlyAccepted,
        amount: Money::new(Decimal::new(39920, 2), Currency::parse("EUR").unwrap()).unwrap(),
        reason_code: Some("wear_and_tear".into()),
        decided_by: DecidedBy::Manufacturer,
        decided_at: at,
        agreement_version: None,
        cost_lines: vec![],
    }
}

pub(crate) async fn swap_status(db: &DatabaseConnection, swap_id: Uuid) -> String {
    one_string(
        db,
        "SELECT status FROM swaps WHERE id = $1",
        vec![swap_id.into()],
    )
    .await
}

/// Waits until the case has `n` timeline entries of `kind`.
pub(crate) async fn wait_kind(svc: &TestService, case_id: Uuid, kind: &str, n: i64) {
    eventually(
        &format!("{n} timeline entries {kind}"),
        DEADLINE,
        || async { (timeline_count(&svc.db, case_id, kind).await == n).then_some(()) },
    )
    .await;
}

/// A time in the JSON (stored to the microsecond).
pub(crate) fn time_of(v: &Json) -> DateTime<Utc> {
    serde_json::from_value(v.clone()).unwrap()
}

/// Whether two times are the same instant, to the microsecond the database keeps.
pub(crate) fn same_instant(a: DateTime<Utc>, b: DateTime<Utc>) -> bool {
    (a - b).num_microseconds().unwrap().abs() < 1
}

/// `[(party, holds)]` of the ball's holders.
pub(crate) fn holders(ball: &Json) -> Vec<(String, String)> {
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
