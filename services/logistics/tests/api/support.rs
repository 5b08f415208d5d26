//! What the tests of this binary share: the service under test, requests, rows, bodies.

/// The photo tests' service and image, used by the crew's page tests too.
pub(crate) use crate::photos;
pub(crate) use chrono::{Duration as Span, Utc};
pub(crate) use kummerer_contracts::topology::{LOGISTICS_SWAPS, Service};
pub(crate) use kummerer_contracts::{Address, Event, ProductRef, SwapApprovedV1, TimeWindow};
pub(crate) use kummerer_testkit::eventually;
pub(crate) use kummerer_testkit::http::{assert_problem, get_json, post_json};
pub(crate) use kummerer_testkit::service::{
    TestService, publish_envelope, publish_event, publish_raw,
};
pub(crate) use kummerer_testkit::sql::{count, outbox};
pub(crate) use logistics::{Migrator, SERVICE};
pub(crate) use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
pub(crate) use serde_json::{Value as Json, json};
pub(crate) use std::time::Duration;
pub(crate) use uuid::Uuid;

pub(crate) const DEADLINE: Duration = Duration::from_secs(15);

pub(crate) const SCHEDULED: &str = "logistics.job.scheduled.v1";

pub(crate) const COMPLETED: &str = "logistics.job.completed.v1";

pub(crate) const FAILED: &str = "logistics.job.failed.v1";

pub(crate) const ON_THE_WAY: &str = "logistics.job.on_the_way.v1";

pub(crate) const DELIVERED: &str = "logistics.job.delivered.v1";

pub(crate) const COLLECTED: &str = "logistics.job.collected.v1";

/// The operator's token in the tests' services.
pub(crate) const OPERATOR: &str = "operator-token-of-the-tests-0123456789abcdef";

pub(crate) fn http_config() -> logistics::http::HttpConfig {
    logistics::http::HttpConfig::with_operator(Some(OPERATOR.to_owned()))
}

/// The service's client sends the operator's token (a request's own `Authorization` wins).
pub(crate) fn as_operator(mut svc: TestService) -> TestService {
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

pub(crate) async fn start() -> TestService {
    as_operator(TestService::start::<Migrator>(SERVICE, photos::build_for_tests).await)
}

pub(crate) fn swap(retailer_id: Uuid, defective_serial: &str) -> SwapApprovedV1 {
    let start = Utc::now() + Span::days(1);
    SwapApprovedV1 {
        swap_id: Uuid::now_v7().into(),
        case_id: Uuid::now_v7().into(),
        retailer_id: retailer_id.into(),
        defective_serial: defective_serial.to_owned(),
        defective_product: ProductRef {
            sku: "WM-8-OLD".into(),
            name: "Waschmaschine 8 kg".into(),
            manufacturer_id: Uuid::now_v7().into(),
        },
        replacement_product: ProductRef {
            sku: "WM-8-NEW".into(),
            name: "Waschmaschine 8 kg (2026)".into(),
            manufacturer_id: Uuid::now_v7().into(),
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
        overbooked: false,
    }
}

/// Row counts of everything a request could change.
pub(crate) async fn snapshot(db: &DatabaseConnection) -> (i64, i64, i64, String) {
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

/// Waits until the job of `swap_id` is listed for its retailer; returns it.
pub(crate) async fn job_of(svc: &TestService, retailer_id: Uuid, swap_id: Uuid) -> Json {
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

// Carriers, crews, automatic assignment, the dispatcher and the crew's day.

/// A day safely in the future, and a time on it (UTC).
pub(crate) fn day(offset: i64) -> chrono::NaiveDate {
    (Utc::now() + Span::days(offset)).date_naive()
}

pub(crate) fn at(date: chrono::NaiveDate, hour: u32) -> chrono::DateTime<Utc> {
    date.and_hms_opt(hour, 0, 0).unwrap().and_utc()
}

pub(crate) fn swap_on(
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

pub(crate) async fn new_carrier(svc: &TestService, name: &str) -> Uuid {
    let (status, body) = post_json(svc, "/api/carriers", json!({ "name": name })).await;
    assert_eq!(status, 201, "{body}");
    body["id"].as_str().unwrap().parse().unwrap()
}

/// The operator replaces the carrier's granted regions with `prefixes`; answers the grant.
pub(crate) async fn set_regions(svc: &TestService, carrier: Uuid, prefixes: &[&str]) -> Json {
    let res = svc
        .client
        .put(svc.url(&format!("/api/carriers/{carrier}/regions")))
        .json(&json!({ "postcode_prefixes": prefixes }))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let body: Json = res.json().await.unwrap_or(Json::Null);
    assert_eq!(status, 200, "{body}");
    body
}

/// The carrier's granted regions as stored.
pub(crate) async fn granted_regions(db: &DatabaseConnection, carrier: Uuid) -> Vec<String> {
    db.query_all_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT postcode_prefix FROM carrier_regions WHERE carrier_id = $1 ORDER BY 1",
        [carrier.into()],
    ))
    .await
    .unwrap()
    .iter()
    .map(|r| r.try_get::<String>("", "postcode_prefix").unwrap())
    .collect()
}

/// The operator adds `prefixes` to the carrier's granted regions.
pub(crate) async fn grant(svc: &TestService, carrier: Uuid, prefixes: &[&str]) {
    let (status, body) = get_json(svc, &format!("/api/carriers/{carrier}/regions")).await;
    assert_eq!(status, 200, "{body}");
    let mut all: Vec<String> = serde_json::from_value(body["postcode_prefixes"].clone()).unwrap();
    all.extend(prefixes.iter().map(|p| (*p).to_owned()));
    let all: Vec<&str> = all.iter().map(String::as_str).collect();
    set_regions(svc, carrier, &all).await;
}

/// A crew of the carrier covering `prefixes`, which the operator grants the carrier first.
pub(crate) async fn new_crew(
    svc: &TestService,
    carrier: Uuid,
    name: &str,
    prefixes: &[&str],
    per_day: i64,
) -> Uuid {
    grant(svc, carrier, prefixes).await;
    let (status, body) = post_json(
        svc,
        &format!("/api/carriers/{carrier}/crews"),
        json!({ "name": name, "home_postcode_prefixes": prefixes, "visits_per_day": per_day }),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body["id"].as_str().unwrap().parse().unwrap()
}

/// Set-up for the tests of other features (issue 18): the retailer holds an active contract
/// with every carrier for the regions the operator granted it so far, so routing and visibility
/// work as they did by grant alone. Written straight into the table (replacing this helper's
/// earlier rows of the retailer); the contract's own flow over the broker is tested in
/// `contracts.rs`.
pub(crate) async fn contract_granted(db: &DatabaseConnection, retailer: Uuid) {
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "DELETE FROM carrier_contracts WHERE retailer_id = $1 AND retailer_name = 'test support'",
        [retailer.into()],
    ))
    .await
    .unwrap();
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "INSERT INTO carrier_contracts (id, retailer_id, retailer_name, carrier_id, \
         postcode_prefixes, status, offered_at, answered_at, updated_at) \
         SELECT gen_random_uuid(), $1, 'test support', carrier_id, array_agg(postcode_prefix), \
         'active', now(), now(), now() FROM carrier_regions GROUP BY carrier_id",
        [retailer.into()],
    ))
    .await
    .unwrap();
}

/// Publishes the swap (its retailer contracting every carrier for its granted regions first,
/// see [`contract_granted`]) and waits for its job.
pub(crate) async fn job_for(svc: &TestService, event: &SwapApprovedV1) -> Json {
    contract_granted(&svc.db, event.retailer_id.as_uuid()).await;
    publish_event(&svc.names, event.clone()).await;
    job_of(svc, event.retailer_id.as_uuid(), event.swap_id.as_uuid()).await
}

pub(crate) fn id_of(job: &Json) -> String {
    job["id"].as_str().unwrap().to_owned()
}

/// Everything a dispatcher or crew request could change.
pub(crate) async fn board(db: &DatabaseConnection) -> (i64, i64, i64, i64, String) {
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

pub(crate) async fn post_expect_problem(
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

pub(crate) async fn get_expect_problem(
    svc: &TestService,
    path: &str,
    status: u16,
    code: &str,
    what: &str,
) {
    let res = svc.client.get(svc.url(path)).send().await.unwrap();
    assert_problem(res, status, code, what).await;
}

pub(crate) fn kinds(job: &Json) -> Vec<String> {
    job["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect()
}

/// The job ids on the crew's list of the day, in order.
pub(crate) async fn visits_of(
    svc: &TestService,
    crew: Uuid,
    date: chrono::NaiveDate,
) -> Vec<String> {
    let (status, body) = get_json(svc, &format!("/api/crews/{crew}/visits?date={date}")).await;
    assert_eq!(status, 200, "{body}");
    body["visits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["job_id"].as_str().unwrap().to_owned())
        .collect()
}

/// A browser-like client (keeps cookies, does not follow redirects) that reads the pages in
/// English: the tests that check English texts use it; [`browser_in`] for another language.
pub(crate) fn browser() -> reqwest::Client {
    browser_in("en")
}

/// A browser-like client whose `Accept-Language` is `lang`.
pub(crate) fn browser_in(lang: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::ACCEPT_LANGUAGE,
        reqwest::header::HeaderValue::from_str(lang).unwrap(),
    );
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .build()
        .unwrap()
}

/// The pages' words, dates and times as an English reader sees them in the default region's
/// time zone (Europe/Berlin).
pub(crate) fn en() -> kummerer_web::i18n::Tr {
    kummerer_web::i18n::Tr::new(
        &logistics::http::pages::i18n::CATALOG,
        kummerer_web::i18n::Lang::En,
        chrono_tz::Europe::Berlin,
    )
}
