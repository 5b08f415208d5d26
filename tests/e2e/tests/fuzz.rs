//! The retailer and logistics APIs are fuzzed the same way from their committed documents
//! (`services/*/openapi.json`), looking for 5xx: the retailer with an integration key of
//! retailer A (and its admin's credentials on the admin's routes), logistics as carrier A's token
//! and as the operator on the operator's routes; B's rows must come out untouched.
//!
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
/// The same for the retailer's and logistics' runs, which only look for 5xx (the three runs
/// share the machine).
const FEW_EXAMPLES: &str = "25";
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
        claim_id: Uuid::now_v7().into(),
        swap_id: Uuid::now_v7().into(),
        case_id: Uuid::now_v7().into(),
        retailer_id: retailer_id.into(),
        manufacturer_id: mid.into(),
        serial: format!("SN-FUZZ-{n}-{}", Uuid::now_v7().simple()),
        product: ProductRef {
            sku: format!("WM-{}", 100 + n % 3),
            name: "Washing machine".into(),
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

/// A bounded, reproducible schemathesis run of `document` against `base` (the caller adds the
/// credential, the checks and what the config file reads from the environment).
fn schemathesis_run(
    st: &std::path::Path,
    config: &std::path::Path,
    document: &std::path::Path,
    base: &str,
    work: &std::path::Path,
    max_examples: &str,
) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(st);
    cmd.arg("--config-file")
        .arg(config)
        .arg("--no-color")
        .arg("run")
        .arg(document)
        .args(["--url", base])
        .args(["--max-examples", max_examples])
        .args(["--seed", "20261123"])
        .args(["--phases", "examples,coverage,fuzzing"])
        .args(["--generation-database", "none"])
        .args(["--request-timeout", "10"])
        .args(["--workers", "1"])
        .current_dir(work)
        .stdin(Stdio::null())
        .kill_on_drop(true);
    cmd
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
    // The pairs are partners and the versions accepted, as the partner-links migration (issue
    // 18) has them for a deployment from before.
    let links = db.connect().await;
    for (mid, retailer) in [(a, r1), (a, r2), (b, r1)] {
        links
            .execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "INSERT INTO partner_links (manufacturer_id, retailer_id, state, acted_by_side, \
                 acted_by, acted_at, implied) VALUES ($1, $2, 'linked', 'manufacturer', \
                 'migration', now(), true)",
                [mid.into(), retailer.into()],
            ))
            .await
            .unwrap();
    }
    agreement(&client, &base, a, &a_key, r1).await;
    agreement(&client, &base, a, &a_key, r2).await;
    agreement(&client, &base, b, &b_key, r1).await;
    links
        .execute_unprepared("UPDATE agreement_versions SET accepted_at = created_at")
        .await
        .unwrap();
    // Claims as the retailer sends them: within the DOA window (accepted by rule), within
    // coverage (pending with a suggestion), and from a retailer without an agreement (answered
    // `manufacturer.claim.not_accepted.v1`, not recorded).
    let mut sent = 0;
    let mut recorded = 0;
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
            if retailer != r3 {
                recorded += 1;
            }
        }
    }
    let conn = db.connect().await;
    eventually(&format!("{recorded} claims recorded"), DEADLINE, || async {
        let n = conn
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT count(*) FROM claims",
            ))
            .await
            .ok()??
            .try_get_by_index::<i64>(0)
            .ok()?;
        (n == recorded as i64).then_some(())
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
    let run = schemathesis_run(&st, &config, &document, &base, &work, MAX_EXAMPLES)
        .args(["--header", &format!("Authorization: Bearer {a_key}")])
        .args(["--checks", CHECKS])
        // The operator's route wants the operator token, which a manufacturer never holds:
        // with A's key it can only answer 401 (its own tests cover it).
        .args(["--exclude-operation-id", "create_manufacturer"])
        .env("KUMMERER_FUZZ_MID", a.to_string())
        .env("KUMMERER_FUZZ_CLAIM", &accepted)
        .env("KUMMERER_FUZZ_PENDING_CLAIM", &pending)
        .env("KUMMERER_FUZZ_AGREEMENT", &agreement)
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

/// A service started as a real process for a fuzz run, with its own database, broker prefix and
/// work directory (all removed when `cleanup` drops).
struct Fuzzed {
    service: ServiceProcess,
    base: String,
    db: TestDb,
    client: reqwest::Client,
    cleanup: Cleanup,
}

async fn start_fuzzed(name: &str, bin: &str, extra: &[(&str, String)]) -> Fuzzed {
    let db = TestDb::create(name).await;
    let broker = TestBroker::new();
    let cleanup = Cleanup {
        prefix: broker.prefix.clone(),
        database: db.name.clone(),
        work: std::env::temp_dir().join(format!("kummerer-fuzz-{}", broker.prefix)),
    };
    std::fs::create_dir_all(&cleanup.work).unwrap();
    let mut env = HashMap::from([
        ("DATABASE_URL".to_owned(), db.url.clone()),
        ("KUMMERER_BROKER_PREFIX".to_owned(), broker.prefix.clone()),
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
    env.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
    let mut service = ServiceProcess::new(name, bin, env, free_port());
    service.start();
    let base = service.base_url();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    wait_ready(&client, &format!("{base}/ready"), DEADLINE).await;
    Fuzzed {
        service,
        base,
        db,
        client,
        cleanup,
    }
}

/// Runs schemathesis; panics with its report unless it found nothing.
async fn expect_clean(run: &mut tokio::process::Command, what: &str) {
    let output = tokio::time::timeout(Duration::from_secs(240), run.output())
        .await
        .unwrap_or_else(|_| panic!("{what}: schemathesis ran longer than 4 minutes"))
        .unwrap_or_else(|e| panic!("{what}: cannot run schemathesis: {e}"));
    eprintln!("{}", String::from_utf8_lossy(&output.stdout));
    assert!(
        output.status.success(),
        "{what}: schemathesis found failures ({}); its report is above\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A checksum per table of every row whose text mentions `id`.
async fn rows_of(db: &DatabaseConnection, tables: &[&str], id: Uuid) -> Vec<String> {
    let mut out = Vec::new();
    for table in tables {
        out.push(rows_mentioning(db, table, id).await);
    }
    out
}

/// A checksum of every row of `table` whose text mentions `id`.
async fn rows_mentioning(db: &DatabaseConnection, table: &str, id: Uuid) -> String {
    db.query_one_raw(Statement::from_string(
        DbBackend::Postgres,
        format!(
            "SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {table} t \
             WHERE t::text LIKE '%{id}%'"
        ),
    ))
    .await
    .unwrap()
    .unwrap()
    .try_get_by_index::<String>(0)
    .unwrap()
}

/// The retailer admin's HTTP Basic credentials (e-mail, password) as an `Authorization` value:
/// the admin's routes (staff, authority limits, integration keys) take these.
fn admin_basic(admin: (&str, &str)) -> String {
    use base64::Engine as _;
    let basic =
        base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", admin.0, admin.1));
    format!("Basic {basic}")
}

/// An integration key of the retailer, made with `retailer create-key` as its admin would (with
/// an approval limit, so the fuzzer's approvals exercise both answers): `Bearer krt_…`.
fn retailer_credentials(db: &TestDb, retailer: Uuid) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_e2e-retailer"))
        .args([
            "create-key",
            "--retailer",
            &retailer.to_string(),
            "--name",
            "fuzz",
        ])
        .args(["--approval-limit", "300.00", "--currency", "EUR"])
        .env("DATABASE_URL", &db.url)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "create-key: {stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let secret = stdout
        .lines()
        .find_map(|l| l.strip_prefix("secret "))
        .unwrap()
        .trim();
    format!("Bearer {secret}")
}

/// The admin's routes of the retailer API (HTTP Basic); every other route takes a key.
const RETAILER_ADMIN_PATHS: &str = "/(staff|authority-limits|keys)";

const FUZZ_ADMIN_PASSWORD: &str = "fuzz-admin-password-0123";

/// A retailer with its first admin, made with `retailer create-admin` as an operator would.
fn create_retailer(db: &TestDb, name: &str, email: &str) -> Uuid {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_e2e-retailer"))
        .args([
            "create-admin",
            "--email",
            email,
            "--name",
            "Admin",
            "--new-retailer",
            name,
        ])
        .env("DATABASE_URL", &db.url)
        .env("KUMMERER_ADMIN_PASSWORD", FUZZ_ADMIN_PASSWORD)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "create-admin: {stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("retailer "))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

async fn retailer_post(f: &Fuzzed, auth: &Option<String>, path: &str, body: Value) -> Value {
    let mut req = f.client.post(format!("{}{path}", f.base)).json(&body);
    if let Some(auth) = auth {
        req = req.header("Authorization", auth);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "POST {path} answered {status}: {body}");
    body
}

/// A retailer's product, sale and open case; returns the case id.
async fn retailer_data(f: &Fuzzed, rid: Uuid, auth: &Option<String>, n: u32) -> String {
    let base = format!("/api/retailers/{rid}");
    retailer_post(
        f,
        auth,
        &format!("{base}/products"),
        json!({
        "sku": format!("WM-{n}"), "name": "Washing machine", "manufacturer_id": Uuid::now_v7(),
        "price": {"amount": "499.00", "currency": "EUR"}}),
    )
    .await;
    retailer_post(f, auth, &format!("{base}/sales"), json!({
        "receipt_no": format!("R-{n}"), "sku": format!("WM-{n}"), "serial": format!("SN-{n}"),
        "price_paid": {"amount": "499.00", "currency": "EUR"}, "sold_at": Utc::now() - TimeDelta::days(20),
        "customer": {"name": "Erika Muster", "phone": "+49 40 123456", "street": "Kai 1",
            "postcode": "20457", "city": "Hamburg", "country": "DE"}})).await;
    let case = retailer_post(
        f,
        auth,
        &format!("{base}/cases"),
        json!({
        "serial": format!("SN-{n}"), "defect_category": "does_not_start",
        "defect_description": "Drum does not turn"}),
    )
    .await;
    case["id"]
        .as_str()
        .or(case["case"]["id"].as_str())
        .unwrap_or_default()
        .to_owned()
}

/// Only the server-error check on the hand-written documents (the requirement: no 5xx); the
/// conformance checks stay with the generated manufacturer document.
const SERVER_ERRORS: &str = "not_a_server_error";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_retailer_api_answers_no_5xx_under_schemathesis() {
    let st = schemathesis();
    assert!(
        st.is_file(),
        "schemathesis is not installed at {st:?}: `bash .ci/run` installs it"
    );
    let f = start_fuzzed("retailer", env!("CARGO_BIN_EXE_e2e-retailer"), &[]).await;
    let a = create_retailer(&f.db, "Elektro Nord", "admin-a@fuzz.test");
    let b = create_retailer(&f.db, "Technik Süd", "admin-b@fuzz.test");
    let a_auth = Some(retailer_credentials(&f.db, a));
    let b_auth = Some(retailer_credentials(&f.db, b));
    let case = retailer_data(&f, a, &a_auth, 1).await;
    retailer_data(&f, b, &b_auth, 2).await;
    let conn = f.db.connect().await;
    let tables = [
        "retailers",
        "products",
        "sales",
        "cases",
        "staff",
        "integration_keys",
    ];
    let b_before = rows_of(&conn, &tables, b).await;

    let work = f.cleanup.work.clone();
    let document = work.join("openapi.json");
    std::fs::write(&document, retailer::http::openapi::DOCUMENT).unwrap();
    let config = work.join("schemathesis.toml");
    std::fs::write(
        &config,
        format!(
            "[parameters]\n\"path.rid\" = \"{a}\"\n\n[[operations]]\n\
             include-path-regex = \"cases/\\\\{{case_id\\\\}}\"\nparameters = {{ \"path.case_id\" = \"{case}\" }}\n"
        ),
    )
    .unwrap();
    let mut run = schemathesis_run(&st, &config, &document, &f.base, &work, FEW_EXAMPLES);
    run.args(["--checks", SERVER_ERRORS])
        // The operator's route: its own tests cover it.
        .args(["--exclude-path", "/api/retailers"])
        .args(["--exclude-path-regex", RETAILER_ADMIN_PATHS]);
    if let Some(auth) = &a_auth {
        run.args(["--header", &format!("Authorization: {auth}")]);
    }
    expect_clean(&mut run, "retailer (integration key)").await;
    // The admin's routes, with retailer A's admin's credentials.
    let mut run = schemathesis_run(&st, &config, &document, &f.base, &work, FEW_EXAMPLES);
    run.args(["--checks", SERVER_ERRORS])
        .args(["--include-path-regex", RETAILER_ADMIN_PATHS])
        .args([
            "--header",
            &format!(
                "Authorization: {}",
                admin_basic(("admin-a@fuzz.test", FUZZ_ADMIN_PASSWORD))
            ),
        ]);
    expect_clean(&mut run, "retailer (admin)").await;

    let b_after = rows_of(&conn, &tables, b).await;
    let _ = conn.close().await;
    let mut f = f;
    let stopped = f.service.terminate().await;
    assert_eq!(
        b_after, b_before,
        "retailer A's run changed retailer B's rows"
    );
    assert!(stopped, "the retailer did not shut down cleanly on SIGTERM");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_logistics_api_answers_no_5xx_under_schemathesis() {
    let st = schemathesis();
    assert!(
        st.is_file(),
        "schemathesis is not installed at {st:?}: `bash .ci/run` installs it"
    );
    let photos = std::env::temp_dir().join(format!("kummerer-fuzz-photos-{}", Uuid::now_v7()));
    let f = start_fuzzed(
        "logistics",
        env!("CARGO_BIN_EXE_e2e-logistics"),
        &[("KUMMERER_BLOB_DIR", photos.display().to_string())],
    )
    .await;
    let post = |path: &str, token: &str, body: Value| {
        let (client, base, path, token) = (
            f.client.clone(),
            f.base.clone(),
            path.to_owned(),
            token.to_owned(),
        );
        async move { self::post(&client, &base, &path, Some(&token), body).await }
    };
    let mut carriers = Vec::new();
    for (n, name) in ["Nordfracht", "Südkurier"].iter().enumerate() {
        let c = post("/api/carriers", OPERATOR_TOKEN, json!({"name": name})).await;
        let cid: Uuid = c["id"]
            .as_str()
            .or(c["carrier"]["id"].as_str())
            .unwrap()
            .parse()
            .unwrap();
        let token = c["api_token"].as_str().unwrap().to_owned();
        // The operator grants the carrier its region first: crews live inside it.
        let granted = f
            .client
            .put(format!("{}/api/carriers/{cid}/regions", f.base))
            .bearer_auth(OPERATOR_TOKEN)
            .json(&json!({"postcode_prefixes": [format!("{}", n + 2)]}))
            .send()
            .await
            .unwrap();
        assert!(granted.status().is_success(), "grant: {}", granted.status());
        let crew = post(
            &format!("/api/carriers/{cid}/crews"),
            &token,
            json!({
            "name": format!("Crew {n}"), "home_postcode_prefixes": [format!("{}", n + 2)],
            "visits_per_day": 6}),
        )
        .await;
        post(
            &format!("/api/carriers/{cid}/dispatchers"),
            &token,
            json!({
            "email": format!("dispatch-{n}@fuzz.test"), "name": "Dispatcher",
            "password": "fuzz-dispatcher-password-1"}),
        )
        .await;
        carriers.push((cid, token, crew["id"].as_str().unwrap().to_owned()));
    }
    let (a, a_token, a_crew) = carriers[0].clone();
    let b = carriers[1].0;
    let conn = f.db.connect().await;
    let tables = ["carriers", "carrier_tokens", "crews", "dispatchers"];
    let b_before = rows_of(&conn, &tables, b).await;

    let work = f.cleanup.work.clone();
    let document = work.join("openapi.json");
    std::fs::write(&document, logistics::http::openapi::DOCUMENT).unwrap();
    let config = work.join("schemathesis.toml");
    std::fs::write(
        &config,
        format!("[parameters]\n\"path.cid\" = \"{a}\"\n\"path.crew_id\" = \"{a_crew}\"\n"),
    )
    .unwrap();
    // As carrier A (the operator's routes excluded: a carrier token never opens them) …
    let mut run = schemathesis_run(&st, &config, &document, &f.base, &work, FEW_EXAMPLES);
    run.args(["--checks", SERVER_ERRORS])
        .args(["--header", &format!("Authorization: Bearer {a_token}")])
        .args([
            "--exclude-path-regex",
            "^/api/carriers(/\\{cid\\}/regions)?$",
        ]);
    expect_clean(&mut run, "logistics, carrier token").await;
    // … and as the operator on the operator's routes.
    let mut run = schemathesis_run(&st, &config, &document, &f.base, &work, FEW_EXAMPLES);
    run.args(["--checks", SERVER_ERRORS])
        .args([
            "--header",
            &format!("Authorization: Bearer {OPERATOR_TOKEN}"),
        ])
        .args([
            "--include-path-regex",
            "^/api/carriers(/\\{cid\\}/regions)?$",
        ]);
    expect_clean(&mut run, "logistics, operator token").await;

    let b_after = rows_of(&conn, &tables, b).await;
    let _ = conn.close().await;
    let mut f = f;
    let stopped = f.service.terminate().await;
    let _ = std::fs::remove_dir_all(&photos);
    assert_eq!(
        b_after, b_before,
        "carrier A's run changed carrier B's rows"
    );
    assert!(stopped, "logistics did not shut down cleanly on SIGTERM");
}
