//! End-to-end: personal data by rule (issue 18), across the three real processes.
//! - The manufacturer never holds a customer's name, phone or street (every text and JSON
//!   column of its database scanned after a full swap), while the retailer and logistics do.
//! - An admin's erasure request for one customer (a full swap: delivery and collection with
//!   photos, the claim accepted by rule) leaves no trace of them in any text or JSON column of
//!   any table of the three databases — outboxes included — nor in the photo store; logistics
//!   confirms over the broker and the record shows it; the ledger is unchanged; another
//!   customer's data stay; asking again changes nothing; a customer whose case is still going
//!   is refused; another retailer's admin cannot erase.
//! - The retention sweep with a retention of 0 days does the same once the case is over, and
//!   leaves a customer whose visit is still ahead alone.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Stdio;

use chrono::{Duration as Days, Utc};
use common::{Backends, DEADLINE, Seed, Svc, System, count, strings};
use kummerer_testkit::{TestDb, eventually, unique};
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};
use uuid::Uuid;

/// A real 1×1 PNG.
const PNG: &[u8] = b"\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00\x00\x01\x00\x00\x00\x01\x08\x04\x00\x00\x00\xb5\x1c\x0c\x02\x00\x00\x00\x0b\x49\x44\x41\x54\x78\xda\x63\x64\x60\x00\x00\x00\x06\x00\x02\x30\x81\xd0\x2f\x00\x00\x00\x00\x49\x45\x4e\x44\xae\x42\x60\x82";

const SALES_TOTAL: &str = "SELECT sum(price_paid)::text || ' ' || count(*) FROM sales";

const ADMIN_PASSWORD: &str = "erasure-admin-password-0123";

/// A customer, with values found nowhere else.
struct Customer {
    name: String,
    phone: String,
    street: String,
}

impl Customer {
    fn new(tag: &str) -> Customer {
        let n = unique();
        Customer {
            name: format!("{tag} Quastenberg {n}"),
            phone: format!("+49 171 {n}"),
            street: format!("Lindenallee {n}"),
        }
    }

    fn values(&self) -> [&str; 3] {
        [&self.name, &self.phone, &self.street]
    }
}

/// A retailer admin made with `retailer create-admin`, as an operator would; its e-mail.
fn create_admin(db: &TestDb, retailer: Option<Uuid>) -> String {
    let email = format!("admin-{}@store.example", unique());
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_e2e-retailer"));
    cmd.args(["create-admin", "--email", &email, "--name", "Admin"]);
    match retailer {
        Some(rid) => cmd.args(["--retailer", &rid.to_string()]),
        None => cmd.args(["--new-retailer", "Another store"]),
    };
    let out = cmd
        .env("DATABASE_URL", &db.url)
        .env("KUMMERER_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "create-admin: {} {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    email
}

/// An admin's request to the retailer's API: `(status, body)`.
async fn as_admin(
    system: &System,
    email: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = system
        .client
        .request(method, system.url(Svc::Retailer, path))
        .basic_auth(email, Some(ADMIN_PASSWORD));
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// A sale to `customer` three days ago and a case for it; `(case id, serial)`.
async fn open_case_for(system: &System, seed: &Seed, customer: &Customer) -> (Uuid, String) {
    let rid = seed.retailer_id;
    let serial = format!("SN-E-{}", unique());
    let sale = system
        .post(
            Svc::Retailer,
            &format!("/api/retailers/{rid}/sales"),
            json!({
                "receipt_no": format!("R-E-{}", unique()), "sku": seed.sku, "serial": serial,
                "price_paid": {"amount": "499.00", "currency": "EUR"},
                "sold_at": (Utc::now() - Days::days(3)).to_rfc3339(),
                "customer": {"name": customer.name, "phone": customer.phone,
                             "street": customer.street, "postcode": "10115", "city": "Berlin",
                             "country": "DE"}
            }),
        )
        .await;
    assert!(sale["id"].is_string(), "{sale}");
    let case = system
        .post(
            Svc::Retailer,
            &format!("/api/retailers/{rid}/cases"),
            json!({"serial": serial, "defect_category": "does_not_start",
                   "defect_description": "Drum does not turn"}),
        )
        .await;
    (serde_json::from_value(case["id"].clone()).unwrap(), serial)
}

/// A full swap for `customer`: approved, delivered with a photo (the customer signs), collected
/// with a photo; waits for the visit on the case and the claim accepted by rule.
async fn full_swap(system: &System, seed: &Seed, customer: &Customer) -> (Uuid, Uuid) {
    let (case_id, serial) = open_case_for(system, seed, customer).await;
    let (status, approved) = system.approve(seed, case_id, None).await.unwrap();
    assert_eq!(status, 201, "{approved}");
    let swap_id: Uuid = serde_json::from_value(approved["swap_id"].clone()).unwrap();
    let claim_id: Uuid = serde_json::from_value(approved["claim_id"].clone()).unwrap();
    system
        .wait_timeline(seed, case_id, &["job_scheduled"])
        .await;
    let job = system.job_of(seed, swap_id).await;
    let job_id = job["id"].as_str().unwrap();
    let mut photo_ids = Vec::new();
    for kind in ["delivered", "collected"] {
        let res = system
            .client
            .post(system.url(
                Svc::Logistics,
                &format!("/api/jobs/{job_id}/photos?kind={kind}"),
            ))
            .bearer_auth(common::OPERATOR_TOKEN)
            .header("content-type", "image/png")
            .body(PNG.to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        let photo: Value = res.json().await.unwrap();
        photo_ids.push(photo["id"].clone());
    }
    system
        .post(
            Svc::Logistics,
            &format!("/api/jobs/{job_id}/delivered"),
            json!({"delivered_serial": format!("SN-NEW-{}", unique()),
                   "recipient_name": customer.name, "photo_id": photo_ids[0]}),
        )
        .await;
    system
        .post(
            Svc::Logistics,
            &format!("/api/jobs/{job_id}/collected"),
            json!({"collected_serial": serial, "photo_id": photo_ids[1]}),
        )
        .await;
    system
        .wait_timeline(seed, case_id, &["delivered_and_collected"])
        .await;
    system
        .claim_when(seed, claim_id, "accepted", |c| c["status"] == "accepted")
        .await;
    (case_id, swap_id)
}

/// Every text, character, JSON and array column of every table in the public schema.
async fn text_columns(db: &DatabaseConnection) -> Vec<(String, String)> {
    let tables = strings(
        db,
        "SELECT table_name || '.' || column_name FROM information_schema.columns c \
         JOIN information_schema.tables t USING (table_schema, table_name) \
         WHERE table_schema = 'public' AND t.table_type = 'BASE TABLE' \
         AND data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'ARRAY', \
                           'bytea') \
         ORDER BY 1",
    )
    .await;
    tables
        .into_iter()
        .map(|tc| {
            let (t, c) = tc.split_once('.').unwrap();
            (t.to_owned(), c.to_owned())
        })
        .collect()
}

/// Where in `db` any of `values` occurs: `table.column` per hit.
async fn traces(db: &DatabaseConnection, values: &[&str]) -> Vec<String> {
    let mut hits = Vec::new();
    for (table, column) in text_columns(db).await {
        for v in values {
            let sql = format!(
                "SELECT count(*) FROM \"{table}\" WHERE \"{column}\"::text LIKE '%{}%' \
                 OR (pg_typeof(\"{column}\") = 'bytea'::regtype \
                     AND position(convert_to('{}', 'UTF8') IN \"{column}\"::text::bytea) > 0)",
                v.replace('\'', "''"),
                v.replace('\'', "''"),
            );
            if count(db, &sql).await > 0 {
                hits.push(format!("{table}.{column} holds {v:?}"));
            }
        }
    }
    hits
}

/// The photos logistics keeps in the blob store: the files under its `logistics/` prefix.
fn photo_files(dir: &Path) -> Vec<PathBuf> {
    match std::fs::read_dir(dir.join("logistics")) {
        Ok(entries) => entries.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    }
}

async fn start(photo_dir: &Path, sweep_seconds: &str) -> System {
    System::start_with(Backends {
        env: vec![
            (
                "KUMMERER_BLOB_DIR".to_owned(),
                photo_dir.display().to_string(),
            ),
            (
                "KUMMERER_RETENTION_SWEEP_SECONDS".to_owned(),
                sweep_seconds.to_owned(),
            ),
        ],
        ..Backends::default()
    })
    .await
}

fn temp_photo_dir() -> PathBuf {
    std::env::temp_dir().join(format!("kummerer-erasure-photos-{}", Uuid::now_v7()))
}

/// No trace of `customer` in any text, JSON or array column of any table of the three
/// databases (outboxes included), and no photo file left.
async fn assert_no_trace(system: &System, photo_dir: &Path, customer: &Customer) {
    for svc in [Svc::Retailer, Svc::Manufacturer, Svc::Logistics] {
        let db = system.db(svc).await;
        // The phone as typed and as stored for the counter search (E.164, issue 14).
        let e164 = customer.phone.replace(' ', "");
        let mut values = customer.values().to_vec();
        values.push(&e164);
        let found = traces(&db, &values).await;
        assert_eq!(found, Vec::<String>::new(), "{svc:?}");
    }
    assert_eq!(photo_files(photo_dir), Vec::<PathBuf>::new());
}

/// `customer` still in the retailer's sales and logistics' jobs, untouched.
async fn assert_kept(system: &System, customer: &Customer) {
    let name = &customer.name;
    let sales = format!("SELECT count(*) FROM sales WHERE customer_name = '{name}'");
    assert_eq!(count(&system.db(Svc::Retailer).await, &sales).await, 1);
    let jobs = format!("SELECT count(*) FROM jobs WHERE address_name = '{name}'");
    assert_eq!(count(&system.db(Svc::Logistics).await, &jobs).await, 1);
}

async fn ledger(system: &System, seed: &Seed) -> Value {
    system
        .get(
            Svc::Retailer,
            &format!("/api/retailers/{}/ledger", seed.retailer_id),
        )
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_erasure_request_leaves_no_trace_of_the_customer_in_any_service_and_the_ledger_adds_up()
{
    let photo_dir = temp_photo_dir();
    let system = start(&photo_dir, "0").await;
    let seed = system.seed().await;
    let rid = seed.retailer_id;
    let admin = create_admin(&system.dbs[0], Some(rid));
    let jolanda = Customer::new("Jolanda");
    let other = Customer::new("Otto");

    let (case_id, swap_id) = full_swap(&system, &seed, &jolanda).await;
    let (open_case, _) = open_case_for(&system, &seed, &other).await;
    let (status, _) = system.approve(&seed, open_case, None).await.unwrap();
    assert_eq!(status, 201);

    let retailer = system.db(Svc::Retailer).await;
    let manufacturer = system.db(Svc::Manufacturer).await;
    let logistics = system.db(Svc::Logistics).await;
    // Before: the retailer and logistics hold the customer (the scan finds them), the
    // manufacturer never does — not in its inbox, its claims or its evidence.
    assert!(!traces(&retailer, &jolanda.values()).await.is_empty());
    assert!(!traces(&logistics, &jolanda.values()).await.is_empty());
    assert_eq!(
        traces(&manufacturer, &jolanda.values()).await,
        Vec::<String>::new()
    );
    assert_eq!(
        traces(&manufacturer, &other.values()).await,
        Vec::<String>::new()
    );
    assert_eq!(
        photo_files(&photo_dir).len(),
        2,
        "the two photos of the visit"
    );
    let ledger_before = ledger(&system, &seed).await;
    let sales_total_before = strings(&retailer, SALES_TOTAL).await;
    assert_eq!(
        ledger_before["items"].as_array().unwrap().len(),
        2,
        "{ledger_before}"
    );

    let erasures = format!("/api/retailers/{rid}/erasures");
    // Bad input and walls: neither id, both, an unknown case, the other customer's open case,
    // another retailer's admin, no credentials.
    for body in [json!({}), json!({"case_id": case_id, "sale_id": case_id})] {
        let (s, p) = as_admin(
            &system,
            &admin,
            reqwest::Method::POST,
            &erasures,
            Some(body),
        )
        .await;
        assert_eq!(s, 422, "{p}");
    }
    let unknown = json!({"case_id": Uuid::now_v7()});
    let (s, _) = as_admin(
        &system,
        &admin,
        reqwest::Method::POST,
        &erasures,
        Some(unknown),
    )
    .await;
    assert_eq!(s, 404);
    let (s, p) = as_admin(
        &system,
        &admin,
        reqwest::Method::POST,
        &erasures,
        Some(json!({"case_id": open_case})),
    )
    .await;
    assert_eq!((s, p["code"].as_str()), (409, Some("case_open")), "{p}");
    let stranger = create_admin(&system.dbs[0], None);
    let (s, _) = as_admin(
        &system,
        &stranger,
        reqwest::Method::POST,
        &erasures,
        Some(json!({"case_id": case_id})),
    )
    .await;
    assert_eq!(s, 401, "another retailer's admin");
    let res = system
        .client
        .post(system.url(Svc::Retailer, &erasures))
        .json(&json!({"case_id": case_id}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(
        count(&retailer, "SELECT count(*) FROM customer_erasures").await,
        0
    );

    // The erasure.
    let (s, record) = as_admin(
        &system,
        &admin,
        reqwest::Method::POST,
        &erasures,
        Some(json!({"case_id": case_id})),
    )
    .await;
    assert_eq!(s, 201, "{record}");
    assert_eq!(record["requested_by"], admin.as_str());
    assert_eq!(record["reason"], "request");
    assert_eq!(record["swap_ids"], json!([swap_id]));
    let erasure_id = record["id"].as_str().unwrap().to_owned();
    let list = eventually("logistics to confirm the erasure", DEADLINE, || async {
        let (_, list) = as_admin(&system, &admin, reqwest::Method::GET, &erasures, None).await;
        (list["items"][0]["status"] == "complete").then_some(list)
    })
    .await;
    let done = &list["items"][0];
    assert_eq!(done["id"], erasure_id.as_str());
    assert_eq!(
        (
            done["logistics_jobs"].as_i64(),
            done["logistics_photos"].as_i64()
        ),
        (Some(1), Some(2))
    );
    // Asked again: the same record, nothing sent again.
    let (s, again) = as_admin(
        &system,
        &admin,
        reqwest::Method::POST,
        &erasures,
        Some(json!({"case_id": case_id})),
    )
    .await;
    assert_eq!((s, again["id"].as_str()), (200, Some(erasure_id.as_str())));
    let requested = "SELECT count(*) FROM outbox \
                     WHERE routing_key = 'retailer.customer.erasure_requested.v1'";
    assert_eq!(count(&retailer, requested).await, 1);

    // No trace of the customer in any table of any service (outboxes included), nor any photo
    // file of the visit; the record of it in both services.
    assert_no_trace(&system, &photo_dir, &jolanda).await;
    assert_eq!(
        count(
            &logistics,
            &format!(
                "SELECT count(*) FROM customer_erasures \
               WHERE erasure_id = '{erasure_id}' AND jobs = 1 AND photos = 2"
            )
        )
        .await,
        1
    );
    // The other customer is untouched; the ledger still adds up, amounts unchanged.
    assert_kept(&system, &other).await;
    assert_eq!(ledger(&system, &seed).await, ledger_before);
    // The customer's sale and the replacement sale of their case: erased, amounts kept.
    assert_eq!(
        count(
            &retailer,
            "SELECT count(*) FROM sales WHERE erased_at IS NOT NULL"
        )
        .await,
        2
    );
    assert_eq!(strings(&retailer, SALES_TOTAL).await, sales_total_before);
    system.assert_no_dead_letters().await;
    system.stop().await;
    let _ = std::fs::remove_dir_all(&photo_dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_retention_sweep_erases_a_customer_once_their_case_is_over() {
    let photo_dir = temp_photo_dir();
    let system = start(&photo_dir, "1").await;
    let seed = system.seed().await;
    let rid = seed.retailer_id;
    let admin = create_admin(&system.dbs[0], Some(rid));
    let retention = format!("/api/retailers/{rid}/retention");
    let (s, r) = as_admin(&system, &admin, reqwest::Method::GET, &retention, None).await;
    assert_eq!((s, r["days"].as_i64()), (200, Some(90)), "the default");
    for bad in [
        json!({"days": -1}),
        json!({"days": 3651}),
        json!({"days": "soon"}),
    ] {
        let (s, p) = as_admin(&system, &admin, reqwest::Method::PUT, &retention, Some(bad)).await;
        assert!(s == 422 || s == 400, "{s} {p}");
        assert_ne!(s, 500);
    }
    // The customers' data are kept while the retention lasts.
    let kept = Customer::new("Karl");
    let (kept_case, _) = full_swap(&system, &seed, &kept).await;
    let retailer = system.db(Svc::Retailer).await;
    let (s, r) = as_admin(
        &system,
        &admin,
        reqwest::Method::PUT,
        &retention,
        Some(json!({"days": 0})),
    )
    .await;
    assert_eq!((s, r["days"].as_i64()), (200, Some(0)));
    // From now on a case is erased as soon as it is over; one still going stays.
    let waiting = Customer::new("Wanda");
    let (waiting_case, _) = open_case_for(&system, &seed, &waiting).await;
    let (status, _) = system.approve(&seed, waiting_case, None).await.unwrap();
    assert_eq!(status, 201);
    let swept = eventually(
        "the sweep to erase the case that is over",
        DEADLINE,
        || async {
            (count(
                &retailer,
                "SELECT count(*) FROM customer_erasures WHERE reason = 'retention' \
                           AND logistics_erased_at IS NOT NULL",
            )
            .await
                == 1)
                .then_some(())
        },
    )
    .await;
    let () = swept;
    let case_ids = strings(
        &retailer,
        "SELECT case_ids::text FROM customer_erasures WHERE reason = 'retention'",
    )
    .await;
    assert_eq!(case_ids, vec![format!("{{{kept_case}}}")]);
    assert_no_trace(&system, &photo_dir, &kept).await;
    // The customer whose visit is ahead keeps their data.
    assert_kept(&system, &waiting).await;
    let (_, list) = as_admin(
        &system,
        &admin,
        reqwest::Method::GET,
        &format!("/api/retailers/{rid}/erasures"),
        None,
    )
    .await;
    assert_eq!(list["items"][0]["requested_by"], "retention", "{list}");
    system.assert_no_dead_letters().await;
    system.stop().await;
    let _ = std::fs::remove_dir_all(&photo_dir);
}
