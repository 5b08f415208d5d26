//! The manufacturer API fuzzed by schemathesis from its own OpenAPI document: the service runs
//! as a real process against its own database and broker prefix, holds the data of two
//! manufacturers (claims arrive as messages, as from the retailer), and schemathesis calls every
//! operation as manufacturer A with generated valid and invalid input, checking that no answer
//! is a 5xx and that every answer — status, content type (`application/problem+json` for
//! errors), body — is one the document describes. Manufacturer B's claims must come out of it
//! untouched.
//!
//! schemathesis is installed by `.ci/run` into `~/.cache/kummerer/fuzz-venv`; elsewhere point
//! `KUMMERER_SCHEMATHESIS` at the executable. The run is bounded (`--max-examples`, a fixed
//! seed) to stay well under two minutes here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use kummerer_contracts::{ClaimSubmittedV1, Currency, Money, ProductRef};
use kummerer_messaging::Names;
use kummerer_testkit::process::ServiceProcess;
use kummerer_testkit::service::{cleanup_in_background, publish_event};
use kummerer_testkit::{TestBroker, TestDb, eventually, free_port, wait_ready};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use serde_json::{Value, json};
use uuid::Uuid;

/// The version `.ci/run` installs.
const SCHEMATHESIS_VERSION: &str = "4.32.5";
/// Test cases per operation and phase: enough to reach every documented answer, few enough
/// for < 2 min on 2 shared cores.
const MAX_EXAMPLES: &str = "60";
const DEADLINE: Duration = Duration::from_secs(60);

/// The service's operator token (creates the manufacturers; schemathesis never sees it).
const OPERATOR_TOKEN: &str = "fuzz-operator-token-0123456789abcdef";

/// What schemathesis checks on every answer. Not `positive_data_acceptance`: the document's
/// request schemas are looser than the API's validation (no `minLength` on names, labels and
/// currencies, no `enum` on `outcome`, no bounds on the agreement's numbers, no `minItems` on
/// `serials`, no format on the `from`/`to`/`cursor` query texts), so schema-valid requests are
/// rightly refused with 400/422 — a documentation gap, reported, not a fault of the API.
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
response_schema_conformance,negative_data_rejection";

fn schemathesis() -> PathBuf {
    if let Some(path) = std::env::var_os("KUMMERER_SCHEMATHESIS") {
        return PathBuf::from(path);
    }
    let home = std::env::var_os("HOME").unwrap_or_default();
    PathBuf::from(home).join(".cache/kummerer/fuzz-venv/bin/schemathesis")
}

fn eur(amount: &str) -> Money {
    Money::new(amount.parse().unwrap(), Currency::parse("EUR").unwrap()).unwrap()
}

/// A claim of `retailer_id` against `mid` for a unit sold `days_before_swap` days before it was
/// swapped (now).
fn claim(mid: Uuid, retailer_id: Uuid, days_before_swap: i64, n: usize) -> ClaimSubmittedV1 {
    let swapped_at = Utc::now();
    ClaimSubmittedV1 {
        claim_id: Uuid::now_v7(),
        swap_id: Uuid::now_v7(),
        case_id: Uuid::now_v7(),
        retailer_id,
        manufacturer_id: mid,
        serial: format!("SN-FUZZ-{n}-{}", Uuid::now_v7().simple()),
        product: ProductRef {
            sku: format!("WM-{}", 100 + n % 3),
            name: "Washing machine".into(),
            manufacturer_id: mid,
        },
        price_paid: eur("499.00"),
        list_price: Some(eur("499.00")),
        sold_at: swapped_at - TimeDelta::days(days_before_swap),
        swapped_at,
        defect_category: "does_not_start".into(),
        defect_description: "Drum does not turn".into(),
    }
}

async fn post(
    client: &reqwest::Client,
    base: &str,
    path: &str,
    key: Option<&str>,
    body: Value,
) -> Value {
    let mut req = client.post(format!("{base}{path}")).json(&body);
    if let Some(key) = key {
        req = req.bearer_auth(key);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "POST {path} answered {status}: {body}");
    body
}

/// A manufacturer with its first API key: (id, key).
async fn manufacturer(client: &reqwest::Client, base: &str, name: &str) -> (Uuid, String) {
    let m = post(
        client,
        base,
        "/api/manufacturers",
        Some(OPERATOR_TOKEN),
        json!({"name": name}),
    )
    .await;
    (
        m["id"].as_str().unwrap().parse().unwrap(),
        m["api_key"].as_str().unwrap().to_owned(),
    )
}

async fn agreement(client: &reqwest::Client, base: &str, mid: Uuid, key: &str, retailer: Uuid) {
    post(
        client,
        base,
        &format!("/api/manufacturers/{mid}/agreements"),
        Some(key),
        json!({
            "retailer_id": retailer, "currency": "EUR", "coverage_months": 24,
            "doa_days": 14, "reimbursement_percent": "80",
            "handling_fee": {"amount": "25.00", "currency": "EUR"},
            "decision_deadline_days": 14
        }),
    )
    .await;
}

/// The service's OpenAPI document as it serves it, written to a file for schemathesis (so the
/// run's input is kept beside its report).
async fn patched_document(client: &reqwest::Client, base: &str, dir: &std::path::Path) -> PathBuf {
    let doc: Value = client
        .get(format!("{base}/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let file = dir.join("openapi.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    file
}

/// Each claim of `mid` as `id status decided_amount`, in id order.
async fn claims_of(db: &DatabaseConnection, mid: Uuid) -> Vec<String> {
    db.query_all_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT id::text || ' ' || status || ' ' || coalesce(decided_amount::text, '-') \
         FROM claims WHERE manufacturer_id = $1 ORDER BY id",
        [mid.into()],
    ))
    .await
    .unwrap()
    .into_iter()
    .map(|r| r.try_get_by_index::<String>(0).unwrap())
    .collect()
}

/// Removes the test's queues, exchanges, database and files when it ends, however it ends.
struct Cleanup {
    prefix: String,
    database: String,
    work: PathBuf,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.work);
        cleanup_in_background(self.prefix.clone(), vec![self.database.clone()]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_manufacturer_api_holds_to_its_openapi_document_under_schemathesis() {
    let st = schemathesis();
    assert!(
        st.is_file(),
        "schemathesis is not installed at {st:?}: `bash .ci/run` installs it (or: python3 -m venv \
         ~/.cache/kummerer/fuzz-venv && ~/.cache/kummerer/fuzz-venv/bin/pip install \
         schemathesis=={SCHEMATHESIS_VERSION}), or set KUMMERER_SCHEMATHESIS to its executable"
    );

    let db = TestDb::create("manufacturer").await;
    let broker = TestBroker::new();
    let names = Names::new(broker.prefix.clone());
    // Declared before the service, so dropped after it: also when the test panics.
    let cleanup = Cleanup {
        prefix: broker.prefix.clone(),
        database: db.name.clone(),
        work: std::env::temp_dir().join(format!("kummerer-fuzz-{}", broker.prefix)),
    };
    let env = HashMap::from([
        ("DATABASE_URL".to_owned(), db.url.clone()),
        ("KUMMERER_BROKER_PREFIX".to_owned(), broker.prefix.clone()),
        ("KUMMERER_RETRY_DELAYS_MS".to_owned(), "200,400".to_owned()),
        ("KUMMERER_SHUTDOWN_TIMEOUT_S".to_owned(), "10".to_owned()),
        (
            "KUMMERER_OPERATOR_TOKEN".to_owned(),
            OPERATOR_TOKEN.to_owned(),
        ),
        (
            "RUST_LOG".to_owned(),
            std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".to_owned()),
        ),
    ]);
    let mut service = ServiceProcess::new(
        "manufacturer",
        env!("CARGO_BIN_EXE_e2e-manufacturer"),
        env,
        free_port(),
    );
    service.start();
    let base = service.base_url();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    wait_ready(&client, &format!("{base}/ready"), DEADLINE).await;

    // Two manufacturers; A has agreements with two retailers, B with one of them.
    let (a, a_key) = manufacturer(&client, &base, "Waschwerk AG").await;
    let (b, b_key) = manufacturer(&client, &base, "Kühlhaus GmbH").await;
    let (r1, r2, r3) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    agreement(&client, &base, a, &a_key, r1).await;
    agreement(&client, &base, a, &a_key, r2).await;
    agreement(&client, &base, b, &b_key, r1).await;
    // Claims as the retailer sends them: within the DOA window (accepted by rule), within
    // coverage (pending with a suggestion), and from a retailer without an agreement (pending).
    let mut sent = 0;
    for (mid, retailer, days) in [
        (a, r1, 3),
        (a, r1, 100),
        (a, r2, 3),
        (a, r2, 200),
        (a, r3, 10),
        (b, r1, 3),
        (b, r1, 100),
        (b, r3, 10),
    ] {
        for _ in 0..2 {
            publish_event(&names, claim(mid, retailer, days, sent)).await;
            sent += 1;
        }
    }
    let conn = db.connect().await;
    eventually(&format!("{sent} claims recorded"), DEADLINE, || async {
        let n = conn
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT count(*) FROM claims",
            ))
            .await
            .ok()??
            .try_get_by_index::<i64>(0)
            .ok()?;
        (n == sent as i64).then_some(())
    })
    .await;
    let b_before = claims_of(&conn, b).await;
    // Ids of A for the operations on one claim or agreement (else they only ever see 404).
    let first_id = |sql: &str| {
        let conn = conn.clone();
        let sql = sql.replace("$1", &format!("'{a}'"));
        async move {
            conn.query_one_raw(Statement::from_string(DbBackend::Postgres, sql))
                .await
                .unwrap()
                .unwrap()
                .try_get_by_index::<String>(0)
                .unwrap()
        }
    };
    let accepted = first_id(
        "SELECT id::text FROM claims WHERE manufacturer_id = $1 AND status = 'accepted' LIMIT 1",
    )
    .await;
    let pending = first_id(
        "SELECT id::text FROM claims WHERE manufacturer_id = $1 AND status = 'pending' \
         AND suggested_amount IS NOT NULL LIMIT 1",
    )
    .await;
    let agreement =
        first_id("SELECT id::text FROM agreements WHERE manufacturer_id = $1 LIMIT 1").await;

    let work = cleanup.work.clone();
    std::fs::create_dir_all(&work).unwrap();
    let document = patched_document(&client, &base, &work).await;

    let config = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/schemathesis.toml");
    let run = tokio::process::Command::new(&st)
        .arg("--config-file")
        .arg(&config)
        .arg("--no-color")
        .arg("run")
        .arg(&document)
        .args(["--url", &base])
        .args(["--header", &format!("Authorization: Bearer {a_key}")])
        .args(["--checks", CHECKS])
        .args(["--max-examples", MAX_EXAMPLES])
        .args(["--seed", "20261123"])
        .args(["--phases", "examples,coverage,fuzzing"])
        .args(["--generation-database", "none"])
        .args(["--request-timeout", "10"])
        .args(["--workers", "1"])
        // The operator's route wants the operator token, which a manufacturer never holds:
        // with A's key it can only answer 401 (its own tests cover it).
        .args(["--exclude-operation-id", "create_manufacturer"])
        .env("KUMMERER_FUZZ_MID", a.to_string())
        .env("KUMMERER_FUZZ_CLAIM", &accepted)
        .env("KUMMERER_FUZZ_PENDING_CLAIM", &pending)
        .env("KUMMERER_FUZZ_AGREEMENT", &agreement)
        .current_dir(&work)
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    let run = tokio::time::timeout(Duration::from_secs(240), run).await;

    let b_after = claims_of(&conn, b).await;
    let stopped = service.terminate().await;
    let _ = conn.close().await;

    let output = run
        .expect("schemathesis ran longer than 4 minutes")
        .unwrap_or_else(|e| panic!("cannot run {st:?}: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    // The run's report (shown by nextest on failure, or with --no-capture).
    eprintln!("{stdout}");
    assert!(
        output.status.success(),
        "schemathesis found failures ({}); its report is above\n{stderr}",
        output.status
    );
    assert_eq!(
        b_after, b_before,
        "manufacturer A's key changed manufacturer B's claims"
    );
    assert!(
        stopped,
        "the manufacturer did not shut down cleanly on SIGTERM"
    );
}
