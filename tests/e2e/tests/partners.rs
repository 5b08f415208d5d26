//! End-to-end: partner links with consent (issue 18), across the three real processes.
//!
//! A retailer's admin finds a manufacturer by name and invites it; the manufacturer accepts
//! over its API; a product names its manufacturer picked by name from the linked partners; a
//! swap's claim reaches the manufacturer. An agreement version offered but not accepted has no
//! effect on the desk or on claims (both databases); accepted, it is in force. A claim for a
//! manufacturer that is not linked is refused at the counter and nothing changes anywhere.
//! Unlinking stops new claims, while an old claim still settles.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::process::Stdio;

use chrono::{Duration, Utc};
use common::{DEADLINE, OPERATOR_TOKEN, Svc, System, count};
use kummerer_testkit::eventually;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

const ADMIN: &str = "admin@elektro-maier.example";
const PASSWORD: &str = "partners-admin-password-0123";

/// The retailer and its first admin, made with `retailer create-admin` as an operator would.
fn retailer_with_admin(system: &System, name: &str) -> Uuid {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_e2e-retailer"))
        .args(["create-admin", "--email", ADMIN, "--name", "Anna Admin"])
        .args(["--new-retailer", name])
        .env("DATABASE_URL", &system.dbs[0].url)
        .env("KUMMERER_ADMIN_PASSWORD", PASSWORD)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "create-admin: {stdout}");
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("retailer "))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// A request of the retailer's admin (HTTP Basic): status and JSON body.
async fn as_admin(system: &System, method: Method, path: &str, body: Value) -> (u16, Value) {
    let res = system
        .client
        .request(method, system.url(Svc::Retailer, path))
        .basic_auth(ADMIN, Some(PASSWORD))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// A request with a bearer key: status and JSON body.
async fn with_key(system: &System, svc: Svc, path: &str, key: &str, body: Value) -> (u16, Value) {
    let res = system
        .client
        .post(system.url(svc, path))
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn get_with_key(system: &System, svc: Svc, path: &str, key: &str) -> Value {
    let res = system
        .client
        .get(system.url(svc, path))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "GET {path}: {}", res.status());
    res.json().await.unwrap()
}

struct Maker {
    id: Uuid,
    key: String,
}

async fn manufacturer(system: &System, name: &str) -> Maker {
    let m = system
        .post_as(
            Svc::Manufacturer,
            "/api/manufacturers",
            json!({ "name": name }),
            Some(OPERATOR_TOKEN),
        )
        .await;
    Maker {
        id: m["id"].as_str().unwrap().parse().unwrap(),
        key: m["api_key"].as_str().unwrap().to_owned(),
    }
}

/// The retailer's directory entry named `name`, once it is in `state`.
async fn partner_named(system: &System, rid: Uuid, name: &str, state: &str) -> Value {
    let path = format!("/api/retailers/{rid}/partners");
    eventually(
        &format!("{name} to be {state} at the retailer"),
        DEADLINE,
        || async {
            let (status, list) = as_admin(system, Method::GET, &path, Value::Null).await;
            assert_eq!(status, 200, "{list}");
            list["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["name"] == name && p["state"] == state)
                .cloned()
        },
    )
    .await
}

/// The manufacturer's view of its link with the retailer, once it is in `state`.
async fn retailer_at(system: &System, m: &Maker, rid: Uuid, state: &str) -> Value {
    let path = format!("/api/manufacturers/{}/partners", m.id);
    eventually(
        &format!("the retailer to be {state} at the manufacturer"),
        DEADLINE,
        || async {
            let list = get_with_key(system, Svc::Manufacturer, &path, &m.key).await;
            list["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["retailer_id"] == rid.to_string() && p["state"] == state)
                .cloned()
        },
    )
    .await
}

/// A sale `days_ago` of the product and a case for it; the case id.
async fn open_case(
    system: &System,
    rid: Uuid,
    key: &str,
    sku: &str,
    n: usize,
    days_ago: i64,
) -> Uuid {
    let serial = format!("SN-P{n}-{}", Uuid::now_v7().simple());
    let (status, sale) = with_key(
        system,
        Svc::Retailer,
        &format!("/api/retailers/{rid}/sales"),
        key,
        json!({
            "receipt_no": format!("R-P{n}"), "sku": sku, "serial": serial,
            "price_paid": {"amount": "499.00", "currency": "EUR"},
            "sold_at": (Utc::now() - Duration::days(days_ago)).to_rfc3339(),
            "customer": {"name": "Erika Mustermann", "phone": "+49 30 1234567",
                         "street": "Hauptstr. 1", "postcode": "10115", "city": "Berlin",
                         "country": "DE"}
        }),
    )
    .await;
    assert_eq!(status, 201, "{sale}");
    let (status, case) = with_key(
        system,
        Svc::Retailer,
        &format!("/api/retailers/{rid}/cases"),
        key,
        json!({"serial": serial, "defect_category": "does_not_start",
               "defect_description": "Drum does not turn"}),
    )
    .await;
    assert_eq!(status, 201, "{case}");
    case["id"].as_str().unwrap().parse().unwrap()
}

async fn approve(system: &System, rid: Uuid, key: &str, case_id: Uuid) -> (u16, Value) {
    let start = Utc::now() + Duration::days(1);
    with_key(
        system,
        Svc::Retailer,
        &format!("/api/retailers/{rid}/cases/{case_id}/swap"),
        key,
        json!({"window_start": start.to_rfc3339(),
               "window_end": (start + Duration::hours(4)).to_rfc3339()}),
    )
    .await
}

/// The retailer's claim status of a case, once it is `status`.
async fn claim_becomes(
    system: &System,
    rid: Uuid,
    key: &str,
    case_id: Uuid,
    status: &str,
) -> Value {
    let path = format!("/api/retailers/{rid}/cases/{case_id}");
    eventually(
        &format!("claim of {case_id} {status}"),
        DEADLINE,
        || async {
            let case = get_with_key(system, Svc::Retailer, &path, key).await;
            (case["claim"]["status"] == status).then_some(case)
        },
    )
    .await
}

async fn scalar(system: &System, svc: Svc, sql: &str) -> i64 {
    count(&system.db(svc).await, sql).await
}

/// Row counts that a refused swap must leave alone, in every service.
async fn everything(system: &System) -> Vec<i64> {
    let mut out = Vec::new();
    for sql in [
        "SELECT count(*) FROM swaps",
        "SELECT count(*) FROM claims",
        "SELECT count(*) FROM timeline",
        "SELECT count(*) FROM outbox",
        "SELECT count(*) FROM cases WHERE status <> 'open'",
    ] {
        out.push(scalar(system, Svc::Retailer, sql).await);
    }
    out.push(scalar(system, Svc::Manufacturer, "SELECT count(*) FROM claims").await);
    out.push(scalar(system, Svc::Manufacturer, "SELECT count(*) FROM inbox").await);
    out.push(scalar(system, Svc::Logistics, "SELECT count(*) FROM jobs").await);
    out.push(scalar(system, Svc::Logistics, "SELECT count(*) FROM inbox").await);
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partners_link_by_consent_agreements_take_effect_when_accepted_and_unlinking_stops_new_claims()
 {
    let system = System::start().await;
    let waschwerk = manufacturer(&system, "Waschwerk AG").await;
    let stranger = manufacturer(&system, "Fremdfirma GmbH").await;
    let rid = retailer_with_admin(&system, "Elektro Maier");
    let (status, made) = as_admin(
        &system,
        Method::POST,
        &format!("/api/retailers/{rid}/keys"),
        json!({"name": "till", "approval_limit": {"amount": "100000.00", "currency": "EUR"}}),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    let key = made["secret"].as_str().unwrap().to_owned();

    // 1. Who is who: the retailer finds the manufacturer by name (its profile travelled), and
    // invites it; the manufacturer sees the invitation from the retailer, by name, and accepts.
    let found = partner_named(&system, rid, "Waschwerk AG", "none").await;
    let mid: Uuid = found["manufacturer_id"].as_str().unwrap().parse().unwrap();
    assert_eq!(mid, waschwerk.id);
    let invite = format!("/api/retailers/{rid}/partners/{mid}/invite");
    let (status, body) = as_admin(&system, Method::POST, &invite, Value::Null).await;
    assert_eq!(
        (status, body["state"].as_str()),
        (200, Some("invited")),
        "{body}"
    );
    let (status, body) = as_admin(&system, Method::POST, &invite, Value::Null).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("already_invited")),
        "{body}"
    );
    let at_m = retailer_at(&system, &waschwerk, rid, "invited").await;
    assert_eq!(at_m["name"], "Elektro Maier");
    assert_eq!(at_m["invited_by"], "retailer");
    assert_eq!(at_m["acted_by"], ADMIN);
    // The stranger's key cannot answer for Waschwerk (another tenant's path: 404).
    let accept = format!("/api/manufacturers/{mid}/partners/{rid}/accept");
    let (status, _) = with_key(
        &system,
        Svc::Manufacturer,
        &accept,
        &stranger.key,
        Value::Null,
    )
    .await;
    assert_eq!(status, 404);
    let (status, body) = with_key(
        &system,
        Svc::Manufacturer,
        &accept,
        &waschwerk.key,
        Value::Null,
    )
    .await;
    assert_eq!(
        (status, body["state"].as_str()),
        (200, Some("linked")),
        "{body}"
    );
    let linked = partner_named(&system, rid, "Waschwerk AG", "linked").await;
    assert!(
        linked["acted_by"].as_str().unwrap().starts_with("API key"),
        "{linked}"
    );
    let list = get_with_key(
        &system,
        Svc::Manufacturer,
        &format!("/api/manufacturers/{mid}/partners?state=linked"),
        &waschwerk.key,
    )
    .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list["items"][0]["name"], "Elektro Maier");
    for (svc, sql) in [
        (
            Svc::Retailer,
            "SELECT count(*) FROM partner_links WHERE state = 'linked'",
        ),
        (
            Svc::Manufacturer,
            "SELECT count(*) FROM partner_links WHERE state = 'linked'",
        ),
    ] {
        assert_eq!(scalar(&system, svc, sql).await, 1, "{svc:?}");
    }

    // 2. The product's manufacturer is the linked partner picked by name (the id from the
    // directory entry of that name).
    let (status, product) = with_key(
        &system,
        Svc::Retailer,
        &format!("/api/retailers/{rid}/products"),
        &key,
        json!({"sku": "WM-100", "name": "Washing machine WM 100", "manufacturer_id": mid,
               "price": {"amount": "499.00", "currency": "EUR"}}),
    )
    .await;
    assert_eq!(status, 201, "{product}");

    // 3. An agreement is offered (DOA 14 days), not yet accepted: no effect on the desk (the
    // sale shows no warranty terms) nor on claims (the manufacturer judges by accepted versions
    // only: none, so the claim comes back `no_agreement` and is not recorded).
    let (status, agreement) = with_key(
        &system,
        Svc::Manufacturer,
        &format!("/api/manufacturers/{mid}/agreements"),
        &waschwerk.key,
        json!({"retailer_id": rid, "currency": "EUR", "coverage_months": 24, "doa_days": 14,
               "reimbursement_percent": "80", "decision_deadline_days": 14,
               "handling_fee": {"amount": "25.00", "currency": "EUR"},
               "valid_from": (Utc::now() - Duration::days(30)).to_rfc3339()}),
    )
    .await;
    assert_eq!(status, 201, "{agreement}");
    let aid = agreement["id"].as_str().unwrap().to_owned();
    assert!(agreement["version_in_force"].is_null(), "{agreement}");
    let retailer_db = system.db(Svc::Retailer).await;
    eventually("the retailer to hold the offer", DEADLINE, || async {
        (count(&retailer_db, "SELECT count(*) FROM agreements").await == 1).then_some(())
    })
    .await;
    let (_, held) = as_admin(
        &system,
        Method::GET,
        &format!("/api/retailers/{rid}/agreements"),
        Value::Null,
    )
    .await;
    assert!(held["items"][0]["accepted_at"].is_null(), "{held}");
    let offered_case = open_case(&system, rid, &key, "WM-100", 1, 3).await;
    let (status, swap) = approve(&system, rid, &key, offered_case).await;
    assert_eq!(status, 201, "{swap}");
    let case = claim_becomes(&system, rid, &key, offered_case, "not_accepted").await;
    assert_eq!(
        case["claim"]["not_accepted"]["reason"], "no_agreement",
        "{case}"
    );
    assert_eq!(
        scalar(&system, Svc::Manufacturer, "SELECT count(*) FROM claims").await,
        0
    );
    assert_eq!(
        scalar(
            &system,
            Svc::Manufacturer,
            "SELECT count(*) FROM agreement_versions WHERE accepted_at IS NOT NULL"
        )
        .await,
        0
    );

    // 4. The admin accepts version 1: in force at the retailer and, once the acceptance
    // travelled, at the manufacturer; a claim now is accepted by the DOA rule.
    let accept_v1 = format!("/api/retailers/{rid}/agreements/{aid}/versions/1/accept");
    let (status, body) = as_admin(&system, Method::POST, &accept_v1, Value::Null).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = as_admin(&system, Method::POST, &accept_v1, Value::Null).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("already_accepted")),
        "{body}"
    );
    let manufacturer_db = system.db(Svc::Manufacturer).await;
    eventually("the acceptance at the manufacturer", DEADLINE, || async {
        let sql = "SELECT count(*) FROM agreement_versions WHERE accepted_at IS NOT NULL";
        (count(&manufacturer_db, sql).await == 1).then_some(())
    })
    .await;
    let seen = get_with_key(
        &system,
        Svc::Manufacturer,
        &format!("/api/manufacturers/{mid}/agreements/{aid}"),
        &waschwerk.key,
    )
    .await;
    assert_eq!(seen["version_in_force"], 1, "{seen}");
    let accepted_case = open_case(&system, rid, &key, "WM-100", 2, 3).await;
    let (status, swap) = approve(&system, rid, &key, accepted_case).await;
    assert_eq!(status, 201, "{swap}");
    claim_becomes(&system, rid, &key, accepted_case, "accepted").await;

    // 5. Version 2 is offered (no DOA, 10 %), not accepted: the next claim is still judged by
    // version 1 at the manufacturer.
    let (status, v2) = with_key(
        &system,
        Svc::Manufacturer,
        &format!("/api/manufacturers/{mid}/agreements/{aid}/versions"),
        &waschwerk.key,
        json!({"currency": "EUR", "coverage_months": 24, "doa_days": 0,
               "reimbursement_percent": "10", "decision_deadline_days": 14,
               "handling_fee": {"amount": "0.00", "currency": "EUR"}}),
    )
    .await;
    assert_eq!(status, 201, "{v2}");
    assert_eq!(v2["version_in_force"], 1, "{v2}");
    eventually("the retailer to hold version 2", DEADLINE, || async {
        (count(&retailer_db, "SELECT count(*) FROM agreements").await == 2).then_some(())
    })
    .await;
    let (_, held) = as_admin(
        &system,
        Method::GET,
        &format!("/api/retailers/{rid}/agreements"),
        Value::Null,
    )
    .await;
    assert_eq!(held["items"][0]["version"], 2, "{held}");
    assert!(held["items"][0]["accepted_at"].is_null(), "{held}");
    // An old claim (sold 100 days ago: no DOA, waits for the manufacturer) filed under v1.
    let pending_case = open_case(&system, rid, &key, "WM-100", 3, 100).await;
    let (status, swap) = approve(&system, rid, &key, pending_case).await;
    assert_eq!(status, 201, "{swap}");
    let pending_claim = swap["claim_id"].as_str().unwrap().to_owned();
    eventually(
        "the pending claim at the manufacturer",
        DEADLINE,
        || async {
            let sql = format!(
                "SELECT count(*) FROM claims WHERE id = '{pending_claim}' AND status = 'pending' \
             AND agreement_version = 1"
            );
            (count(&manufacturer_db, &sql).await == 1).then_some(())
        },
    )
    .await;

    // 6. A product of the stranger (not linked): refused at the counter, nothing changed.
    let (status, _) = with_key(
        &system,
        Svc::Retailer,
        &format!("/api/retailers/{rid}/products"),
        &key,
        json!({"sku": "DR-1", "name": "Dryer", "manufacturer_id": stranger.id,
               "price": {"amount": "499.00", "currency": "EUR"}}),
    )
    .await;
    assert_eq!(status, 201);
    let stranger_case = open_case(&system, rid, &key, "DR-1", 4, 3).await;
    let before = everything(&system).await;
    let (status, problem) = approve(&system, rid, &key, stranger_case).await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["code"], "manufacturer_not_linked");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("Fremdfirma GmbH"),
        "{problem}"
    );
    assert_eq!(everything(&system).await, before);

    // 7. The manufacturer unlinks: agreements are refused; at the retailer new claims are
    // refused at the counter; the old pending claim still settles.
    let unlink = format!("/api/manufacturers/{mid}/partners/{rid}/unlink");
    let (status, body) = with_key(
        &system,
        Svc::Manufacturer,
        &unlink,
        &waschwerk.key,
        Value::Null,
    )
    .await;
    assert_eq!(
        (status, body["state"].as_str()),
        (200, Some("unlinked")),
        "{body}"
    );
    partner_named(&system, rid, "Waschwerk AG", "unlinked").await;
    let (status, body) = with_key(
        &system,
        Svc::Manufacturer,
        &format!("/api/manufacturers/{mid}/agreements/{aid}/versions"),
        &waschwerk.key,
        json!({"currency": "EUR", "coverage_months": 24, "doa_days": 7,
               "reimbursement_percent": "50", "decision_deadline_days": 14,
               "handling_fee": {"amount": "0.00", "currency": "EUR"}}),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("retailer_not_linked")),
        "{body}"
    );
    let late_case = open_case(&system, rid, &key, "WM-100", 5, 3).await;
    let before = everything(&system).await;
    let (status, problem) = approve(&system, rid, &key, late_case).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (422, Some("manufacturer_not_linked"))
    );
    assert_eq!(everything(&system).await, before);
    let (status, decided) = with_key(
        &system,
        Svc::Manufacturer,
        &format!("/api/manufacturers/{mid}/claims/{pending_claim}/decision"),
        &waschwerk.key,
        json!({"outcome": "accept"}),
    )
    .await;
    assert_eq!(status, 200, "{decided}");
    claim_becomes(&system, rid, &key, pending_case, "accepted").await;

    system.assert_no_dead_letters().await;
    system.stop().await;
}
