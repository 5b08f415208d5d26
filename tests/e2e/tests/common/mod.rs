//! The whole system for one test: three service processes, three fresh databases, one broker
//! prefix, and a TCP proxy in front of RabbitMQ and of PostgreSQL so a test can cut connections.
#![allow(dead_code)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use chrono::{Duration as Days, Utc};
use kummerer_messaging::Names;
use kummerer_testkit::process::ServiceProcess;
use kummerer_testkit::proxy::TcpProxy;
use kummerer_testkit::service::cleanup_broker;
use kummerer_testkit::{TestBroker, TestDb, eventually, free_port, unique, wait_ready};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use serde_json::{Value, json};
use uuid::Uuid;

pub const DEADLINE: Duration = Duration::from_secs(60);

/// The operator's token of the logistics service (`KUMMERER_OPERATOR_TOKEN`): its JSON API
/// wants a bearer token, and the operator's reaches everything.
pub const OPERATOR_TOKEN: &str = "e2e-operator-token-0123456789abcdef0123";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Svc {
    Retailer,
    Manufacturer,
    Logistics,
}

pub struct System {
    pub retailer: ServiceProcess,
    pub manufacturer: ServiceProcess,
    pub logistics: ServiceProcess,
    pub dbs: Vec<TestDb>,
    pub broker: TestBroker,
    pub names: Names,
    pub amqp_proxy: TcpProxy,
    pub pg_proxy: TcpProxy,
    pub client: reqwest::Client,
    /// The blob store the three services share (`KUMMERER_BLOB_DIR`, removed when the system
    /// is dropped): the crew's photos go there, the manufacturer fetches them by key.
    pub blob_dir: std::path::PathBuf,
    /// The retailers and the contracted carriers made so far: [`System::seed_with`] contracts
    /// every carrier made before it, [`System::carrier`] contracts every retailer made before.
    pub parties: std::sync::Mutex<Parties>,
}

/// See [`System::parties`].
#[derive(Debug, Default, Clone)]
pub struct Parties {
    pub retailers: Vec<Uuid>,
    /// (carrier id, its token, its region)
    pub carriers: Vec<(Uuid, String, String)>,
}

/// The message types of the carrier-contract exchange (issue 18). [`outbox_counts`] and
/// [`inbox_counts`] leave them out: the tests that count a swap's messages count those; the
/// contracts made by the seed are counted in `contracts.rs`.
pub const CONTRACT_MESSAGES: &str = "'logistics.carrier.profile_published.v1', \
     'retailer.carrier_contract.offered.v1', 'logistics.carrier_contract.accepted.v1', \
     'logistics.carrier_contract.declined.v1', 'retailer.carrier_contract.ended.v1'";

/// The integration keys of the retailers the tests made (`krt_…`, the retailer's API wants one).
static RETAILER_KEYS: std::sync::Mutex<Option<std::collections::HashMap<Uuid, String>>> =
    std::sync::Mutex::new(None);

/// The integration key of a retailer the tests made.
pub fn retailer_key(retailer_id: Uuid) -> Option<String> {
    RETAILER_KEYS
        .lock()
        .unwrap()
        .as_ref()?
        .get(&retailer_id)
        .cloned()
}

pub struct Seed {
    pub retailer_id: Uuid,
    pub manufacturer_id: Uuid,
    /// The manufacturer's API key (from its creation): its API wants `Authorization: Bearer`.
    pub manufacturer_key: String,
    pub sku: String,
}

pub struct Swap {
    pub case_id: Uuid,
    pub swap_id: Uuid,
    pub claim_id: Uuid,
    pub serial: String,
}

/// A carrier the operator made, with its API token (`kcr_…`) and one crew.
pub struct Carrier {
    pub id: Uuid,
    pub token: String,
    pub crew_id: Uuid,
}

fn bin(svc: Svc) -> &'static str {
    match svc {
        Svc::Retailer => env!("CARGO_BIN_EXE_e2e-retailer"),
        Svc::Manufacturer => env!("CARGO_BIN_EXE_e2e-manufacturer"),
        Svc::Logistics => env!("CARGO_BIN_EXE_e2e-logistics"),
    }
}

impl Drop for System {
    /// A test that panicked never reached `stop`: kill its processes and remove its queues and
    /// databases anyway.
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.blob_dir);
        if self.dbs.is_empty() {
            return;
        }
        for svc in [Svc::Retailer, Svc::Manufacturer, Svc::Logistics] {
            self.process(svc).kill_now();
        }
        let databases = self.dbs.drain(..).map(|db| db.name).collect();
        kummerer_testkit::service::cleanup_in_background(self.broker.prefix.clone(), databases);
    }
}

/// Where a system's services find their broker and databases: by default the shared ones,
/// through the proxies; the fault tests bring a broker node and databases of their own (used
/// directly, the proxies stand unused).
#[derive(Default)]
pub struct Backends {
    /// The broker's AMQP URL, instead of the shared broker behind the proxy.
    pub amqp_url: Option<String>,
    /// The retailer's, manufacturer's and logistics' databases (in that order), instead of
    /// fresh ones on the shared PostgreSQL behind the proxy.
    pub databases: Vec<TestDb>,
    /// More environment for every service.
    pub env: Vec<(String, String)>,
}

impl System {
    pub async fn start() -> System {
        System::start_with(Backends::default()).await
    }

    pub async fn start_with(backends: Backends) -> System {
        let broker = TestBroker::new();
        let amqp_proxy = TcpProxy::start(SocketAddr::from(([127, 0, 0, 1], 5672))).await;
        let pg_proxy = TcpProxy::start(SocketAddr::from(([127, 0, 0, 1], 5432))).await;
        let amqp_url = backends
            .amqp_url
            .unwrap_or_else(|| format!("amqp://guest:guest@127.0.0.1:{}/%2f", amqp_proxy.port));
        let blob_dir = std::env::temp_dir().join(format!("kummerer-e2e-blobs-{}", broker.prefix));
        let mut own_dbs = backends.databases.into_iter();
        let mut dbs = Vec::new();
        let mut procs = Vec::new();
        for (svc, name) in [
            (Svc::Retailer, "retailer"),
            (Svc::Manufacturer, "manufacturer"),
            (Svc::Logistics, "logistics"),
        ] {
            let (db, url) = match own_dbs.next() {
                Some(db) => {
                    let url = db.url.clone();
                    (db, url)
                }
                None => {
                    let db = TestDb::create(name).await;
                    let url = format!(
                        "postgres://postgres@127.0.0.1:{}/{}",
                        pg_proxy.port, db.name
                    );
                    (db, url)
                }
            };
            let mut env = HashMap::from([
                ("DATABASE_URL".to_owned(), url),
                ("AMQP_URL".to_owned(), amqp_url.clone()),
                ("KUMMERER_BROKER_PREFIX".to_owned(), broker.prefix.clone()),
                (
                    "KUMMERER_BLOB_DIR".to_owned(),
                    blob_dir.display().to_string(),
                ),
                ("KUMMERER_RETRY_DELAYS_MS".to_owned(), "200,400".to_owned()),
                ("KUMMERER_SHUTDOWN_TIMEOUT_S".to_owned(), "10".to_owned()),
                // The tests count a job's history: no escalation of a job left unassigned.
                ("KUMMERER_OVERDUE_SWEEP_SECONDS".to_owned(), "0".to_owned()),
                // The tests count logistics' messages: no delivery-window announcements unless
                // a test asks for them (issue 13; its `env` comes after and wins).
                ("KUMMERER_SLOT_ANNOUNCE_SECONDS".to_owned(), "0".to_owned()),
                // … nor units-sold reports to the manufacturers (issue 12; `failure_rates.rs`
                // turns them on).
                ("KUMMERER_SALES_REPORT_SECONDS".to_owned(), "0".to_owned()),
                (
                    "KUMMERER_OPERATOR_TOKEN".to_owned(),
                    OPERATOR_TOKEN.to_owned(),
                ),
                (
                    "RUST_LOG".to_owned(),
                    std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".to_owned()),
                ),
            ]);
            env.extend(backends.env.iter().cloned());
            let mut p = ServiceProcess::new(name, bin(svc), env, free_port());
            p.start();
            procs.push(p);
            dbs.push(db);
        }
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        for p in &procs {
            wait_ready(&client, &format!("{}/ready", p.base_url()), DEADLINE).await;
        }
        let logistics = procs.pop().unwrap();
        let manufacturer = procs.pop().unwrap();
        let retailer = procs.pop().unwrap();
        let names = Names::new(broker.prefix.clone());
        System {
            retailer,
            manufacturer,
            logistics,
            dbs,
            broker,
            names,
            amqp_proxy,
            pg_proxy,
            client,
            blob_dir,
            parties: std::sync::Mutex::new(Parties::default()),
        }
    }

    pub fn process(&mut self, svc: Svc) -> &mut ServiceProcess {
        match svc {
            Svc::Retailer => &mut self.retailer,
            Svc::Manufacturer => &mut self.manufacturer,
            Svc::Logistics => &mut self.logistics,
        }
    }

    pub async fn restart(&mut self, svc: Svc) {
        let p = self.process(svc);
        p.start();
        let url = format!("{}/ready", p.base_url());
        wait_ready(&self.client, &url, DEADLINE).await;
    }

    /// A direct connection to a service's database (not through the proxy).
    pub async fn db(&self, svc: Svc) -> DatabaseConnection {
        let i = match svc {
            Svc::Retailer => 0,
            Svc::Manufacturer => 1,
            Svc::Logistics => 2,
        };
        self.dbs[i].connect().await
    }

    /// SIGTERM to every service (each must exit cleanly), then removes the test's queues,
    /// exchanges and databases.
    pub async fn stop(mut self) {
        for svc in [Svc::Retailer, Svc::Manufacturer, Svc::Logistics] {
            let p = self.process(svc);
            if p.pid().is_some() {
                let name = p.name.clone();
                assert!(
                    p.terminate().await,
                    "{name} did not shut down cleanly on SIGTERM"
                );
            }
        }
        cleanup_broker(&self.broker, &self.names).await;
        for db in self.dbs.drain(..) {
            db.drop_db().await;
        }
    }

    pub fn url(&self, svc: Svc, path: &str) -> String {
        let base = match svc {
            Svc::Retailer => self.retailer.base_url(),
            Svc::Manufacturer => self.manufacturer.base_url(),
            Svc::Logistics => self.logistics.base_url(),
        };
        format!("{base}{path}")
    }

    pub async fn post(&self, svc: Svc, path: &str, body: Value) -> Value {
        self.post_as(svc, path, body, None).await
    }

    /// The token a request to `svc` carries without an explicit one: the operator's, for
    /// logistics and for making a retailer; the retailer's integration key (made with it, see
    /// [`System::seed_with`]) under `/api/retailers/{rid}`.
    pub fn default_token(svc: Svc, path: &str) -> Option<String> {
        match svc {
            Svc::Logistics => Some(OPERATOR_TOKEN.to_owned()),
            Svc::Retailer if path == "/api/retailers" => Some(OPERATOR_TOKEN.to_owned()),
            Svc::Retailer => path
                .strip_prefix("/api/retailers/")
                .and_then(|rest| rest.split(['/', '?']).next())
                .and_then(|rid| Uuid::parse_str(rid).ok())
                .and_then(retailer_key),
            Svc::Manufacturer => None,
        }
    }

    /// A POST with an API key (`Authorization: Bearer <key>`), if given (else the operator's
    /// token for logistics).
    pub async fn post_as(&self, svc: Svc, path: &str, body: Value, key: Option<&str>) -> Value {
        self.post_traced(svc, path, body, key, None).await
    }

    /// [`System::post_as`], the request carrying a W3C `traceparent` if given.
    pub async fn post_traced(
        &self,
        svc: Svc,
        path: &str,
        body: Value,
        key: Option<&str>,
        traceparent: Option<&str>,
    ) -> Value {
        let mut req = self.client.post(self.url(svc, path)).json(&body);
        if let Some(key) = key
            .map(str::to_owned)
            .or_else(|| Self::default_token(svc, path))
        {
            req = req.bearer_auth(key);
        }
        if let Some(tp) = traceparent {
            req = req.header("traceparent", tp);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "POST {path} answered {status}: {body}");
        body
    }

    /// A PUT with the default token (the operator's, for logistics); it must succeed.
    pub async fn put(&self, svc: Svc, path: &str, body: Value) -> Value {
        let mut req = self.client.put(self.url(svc, path)).json(&body);
        if let Some(key) = Self::default_token(svc, path) {
            req = req.bearer_auth(key);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "PUT {path} answered {status}: {body}");
        body
    }

    pub async fn get(&self, svc: Svc, path: &str) -> Value {
        self.get_as(svc, path, None).await
    }

    /// A GET with an API key (`Authorization: Bearer <key>`), if given (else the operator's
    /// token for logistics).
    pub async fn get_as(&self, svc: Svc, path: &str, key: Option<&str>) -> Value {
        let (status, body) = self.fetch(svc, path, key).await;
        assert!(status.is_success(), "GET {path} answered {status}: {body}");
        body
    }

    /// A POST like [`System::post_as`] that may fail: its status and body (`Null` if not JSON).
    pub async fn try_post(
        &self,
        svc: Svc,
        path: &str,
        body: Value,
        key: Option<&str>,
    ) -> (reqwest::StatusCode, Value) {
        let mut req = self.client.post(self.url(svc, path)).json(&body);
        if let Some(key) = key
            .map(str::to_owned)
            .or_else(|| Self::default_token(svc, path))
        {
            req = req.bearer_auth(key);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// A GET like [`System::get_as`] that may fail: its status and body (`Null` if not JSON).
    pub async fn fetch(
        &self,
        svc: Svc,
        path: &str,
        key: Option<&str>,
    ) -> (reqwest::StatusCode, Value) {
        let mut req = self.client.get(self.url(svc, path));
        if let Some(key) = key
            .map(str::to_owned)
            .or_else(|| Self::default_token(svc, path))
        {
            req = req.bearer_auth(key);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// A manufacturer, a retailer, their agreement (DOA 14 days: a swap 3 days after the sale
    /// is accepted by rule) once the retailer holds it, and a product.
    pub async fn seed(&self) -> Seed {
        self.seed_with(json!({})).await
    }

    /// [`System::seed`] with the agreement's fields replaced by `changes` (e.g.
    /// `evidence_required`).
    pub async fn seed_with(&self, changes: Value) -> Seed {
        self.seed_with_limit(changes, "1000000.00").await
    }

    /// [`System::seed_with`], the retailer's integration key approving swaps up to `limit` EUR
    /// (above it a swap waits for a manager).
    pub async fn seed_with_limit(&self, changes: Value, limit: &str) -> Seed {
        let m = self
            .post_as(
                Svc::Manufacturer,
                "/api/manufacturers",
                json!({"name": "Waschwerk AG"}),
                Some(OPERATOR_TOKEN),
            )
            .await;
        let manufacturer_id: Uuid = serde_json::from_value(m["id"].clone()).unwrap();
        let manufacturer_key = m["api_key"].as_str().unwrap().to_owned();
        let r = self
            .post(
                Svc::Retailer,
                "/api/retailers",
                json!({"name": "Elektro Maier", "first_key": {
                    "name": "e2e", "approval_limit": {"amount": limit, "currency": "EUR"}}}),
            )
            .await;
        let retailer_id: Uuid = serde_json::from_value(r["id"].clone()).unwrap();
        let key = r["first_key"]["secret"].as_str().unwrap().to_owned();
        RETAILER_KEYS
            .lock()
            .unwrap()
            .get_or_insert_with(Default::default)
            .insert(retailer_id, key);
        // The seed's pair are partners as a deployment from before issue 18 had them: the
        // partner-links migration's implied link in both databases (`partners.rs` links through
        // the real invitation flow).
        self.link_as_before(retailer_id, manufacturer_id).await;
        let carriers = {
            let mut parties = self.parties.lock().unwrap();
            parties.retailers.push(retailer_id);
            parties.carriers.clone()
        };
        for (carrier_id, token, prefix) in carriers {
            self.contract(retailer_id, carrier_id, &token, &[&prefix])
                .await;
        }
        let mut agreement = json!({
            "retailer_id": retailer_id, "currency": "EUR", "coverage_months": 24,
            "doa_days": 14, "reimbursement_percent": "80",
            "handling_fee": {"amount": "25.00", "currency": "EUR"},
            "decision_deadline_days": 14
        });
        for (k, v) in changes.as_object().into_iter().flatten() {
            agreement[k] = v.clone();
        }
        self.post_as(
            Svc::Manufacturer,
            &format!("/api/manufacturers/{manufacturer_id}/agreements"),
            agreement,
            Some(&manufacturer_key),
        )
        .await;
        // The agreement is published to the retailer (it shows the entitlement at the counter).
        let retailer = self.db(Svc::Retailer).await;
        eventually("the retailer to hold the agreement", DEADLINE, || async {
            (count(&retailer, "SELECT count(*) FROM agreements").await == 1).then_some(())
        })
        .await;
        // … and its version counts as accepted, as the migration counts the versions before it.
        self.accept_as_before().await;
        let sku = "WM-100".to_owned();
        self.post(
            Svc::Retailer,
            &format!("/api/retailers/{retailer_id}/products"),
            json!({"sku": sku, "name": "Washing machine WM 100", "manufacturer_id": manufacturer_id,
                   "price": {"amount": "499.00", "currency": "EUR"}}),
        )
        .await;
        Seed {
            retailer_id,
            manufacturer_id,
            manufacturer_key,
            sku,
        }
    }

    /// Links the pair in both databases as the partner-links migration links the pairs of a
    /// deployment from before issue 18 (`implied`, no messages).
    pub async fn link_as_before(&self, retailer_id: Uuid, manufacturer_id: Uuid) {
        // Each side holds links of its own tenants only (a manufacturer unknown to the
        // manufacturer service has no row there).
        for (svc, side) in [
            (
                Svc::Retailer,
                kummerer_contracts::topology::Service::Retailer,
            ),
            (
                Svc::Manufacturer,
                kummerer_contracts::topology::Service::Manufacturer,
            ),
        ] {
            kummerer_messaging::profiles::link_as_before(
                &self.db(svc).await,
                side,
                retailer_id,
                manufacturer_id,
            )
            .await
            .unwrap();
        }
    }

    /// Every agreement version held so far counts as accepted in both databases, as the
    /// partner-links migration counts the versions from before issue 18.
    pub async fn accept_as_before(&self) {
        for (svc, table, at) in [
            (Svc::Retailer, "agreements", "published_at"),
            (Svc::Manufacturer, "agreement_versions", "created_at"),
        ] {
            let sql = format!(
                "UPDATE {table} SET accepted_at = {at}, accepted_by = 'migration' \
                 WHERE accepted_at IS NULL"
            );
            self.db(svc).await.execute_unprepared(&sql).await.unwrap();
        }
    }

    /// Waits until the retailer holds `versions` agreement versions, then counts them accepted
    /// as [`System::accept_as_before`] does (the tests of other features than issue 18's).
    pub async fn hold_and_accept(&self, versions: i64) {
        let retailer = self.db(Svc::Retailer).await;
        eventually("the retailer to hold the versions", DEADLINE, || async {
            (count(&retailer, "SELECT count(*) FROM agreements").await == versions).then_some(())
        })
        .await;
        self.accept_as_before().await;
    }

    /// The id of the seed's agreement, as the manufacturer lists it.
    pub async fn agreement_id(&self, seed: &Seed) -> String {
        let agreements = self
            .get_as(
                Svc::Manufacturer,
                &format!("/api/manufacturers/{}/agreements", seed.manufacturer_id),
                Some(&seed.manufacturer_key),
            )
            .await;
        agreements["items"][0]["id"].as_str().unwrap().to_owned()
    }

    /// A depot of the seed's manufacturer (Hamburg), where units asked back go; its id.
    pub async fn depot(&self, seed: &Seed) -> String {
        let mid = seed.manufacturer_id;
        let depot = self
            .post_as(
                Svc::Manufacturer,
                &format!("/api/manufacturers/{mid}/depots"),
                json!({"name": "Retourenlager Hamburg",
                       "address": {"name": "Waschwerk Retouren", "phone": "+49 40 1234",
                                   "street": "Hafenstr. 1", "postcode": "20457",
                                   "city": "Hamburg", "country": "DE"}}),
                Some(&seed.manufacturer_key),
            )
            .await;
        depot["id"].as_str().unwrap().to_owned()
    }

    /// A depot of the seed's manufacturer, then an agreement version saying `must_return`.
    pub async fn must_return(&self, seed: &Seed) {
        let mid = seed.manufacturer_id;
        let key = Some(seed.manufacturer_key.as_str());
        self.depot(seed).await;
        let agreement = self.agreement_id(seed).await;
        let version = self
            .post_as(
                Svc::Manufacturer,
                &format!("/api/manufacturers/{mid}/agreements/{agreement}/versions"),
                json!({"currency": "EUR", "coverage_months": 24, "doa_days": 14,
                       "reimbursement_percent": "80",
                       "handling_fee": {"amount": "25.00", "currency": "EUR"},
                       "decision_deadline_days": 14, "unit_disposition": "must_return"}),
                key,
            )
            .await;
        assert_eq!(version["unit_disposition"], "must_return", "{version}");
        // The retailer accepts the version it was offered (issue 18), as the seed's was.
        self.hold_and_accept(2).await;
    }

    /// A sale three days ago and a case for it; returns the case id and the serial.
    pub async fn open_case(&self, seed: &Seed, n: usize) -> (Uuid, String) {
        self.open_case_sold(seed, n, 3).await
    }

    /// A sale `days_ago` and a case for it; returns the case id and the serial.
    pub async fn open_case_sold(&self, seed: &Seed, n: usize, days_ago: i64) -> (Uuid, String) {
        let rid = seed.retailer_id;
        let serial = format!("SN-{n}-{}", unique());
        self.post(
            Svc::Retailer,
            &format!("/api/retailers/{rid}/sales"),
            json!({
                "receipt_no": format!("R-{n}-{}", unique()), "sku": seed.sku, "serial": serial,
                "price_paid": {"amount": "499.00", "currency": "EUR"},
                "sold_at": (Utc::now() - Days::days(days_ago)).to_rfc3339(),
                "customer": {"name": "Erika Mustermann", "phone": "+49 30 1234567",
                             "street": "Hauptstr. 1", "postcode": "10115", "city": "Berlin",
                             "country": "DE"}
            }),
        )
        .await;
        let case = self
            .post(
                Svc::Retailer,
                &format!("/api/retailers/{rid}/cases"),
                json!({"serial": serial, "defect_category": "does_not_start",
                       "defect_description": "Drum does not turn"}),
            )
            .await;
        (serde_json::from_value(case["id"].clone()).unwrap(), serial)
    }

    /// Approves a swap of the same model, delivered tomorrow.
    pub async fn approve(
        &self,
        seed: &Seed,
        case_id: Uuid,
        traceparent: Option<&str>,
    ) -> reqwest::Result<(u16, Value)> {
        let start = Utc::now() + Days::days(1);
        let body = json!({
            "window_start": start.to_rfc3339(), "window_end": (start + Days::hours(4)).to_rfc3339(),
            "approved_by": "clerk.anna"
        });
        let path = format!("/api/retailers/{}/cases/{case_id}/swap", seed.retailer_id);
        let mut req = self.client.post(self.url(Svc::Retailer, &path)).json(&body);
        if let Some(key) = retailer_key(seed.retailer_id) {
            req = req.bearer_auth(key);
        }
        if let Some(tp) = traceparent {
            req = req.header("traceparent", tp);
        }
        let res = req.send().await?;
        let status = res.status().as_u16();
        Ok((status, res.json().await.unwrap_or(Value::Null)))
    }

    pub async fn swap(&self, seed: &Seed, n: usize) -> Swap {
        let (case_id, serial) = self.open_case(seed, n).await;
        let (status, body) = self.approve(seed, case_id, None).await.unwrap();
        assert_eq!(status, 201, "approval answered {status}: {body}");
        Swap {
            case_id,
            swap_id: serde_json::from_value(body["swap_id"].clone()).unwrap(),
            claim_id: serde_json::from_value(body["claim_id"].clone()).unwrap(),
            serial,
        }
    }

    pub async fn case(&self, seed: &Seed, case_id: Uuid) -> Value {
        self.get(
            Svc::Retailer,
            &format!("/api/retailers/{}/cases/{case_id}", seed.retailer_id),
        )
        .await
    }

    /// Waits until the case's timeline holds every one of `kinds`.
    pub async fn wait_timeline(&self, seed: &Seed, case_id: Uuid, kinds: &[&str]) -> Value {
        let path = format!("/api/retailers/{}/cases/{case_id}", seed.retailer_id);
        eventually(
            &format!("case {case_id} timeline to show {kinds:?}"),
            DEADLINE,
            || async {
                let res = self
                    .client
                    .get(self.url(Svc::Retailer, &path))
                    .bearer_auth(retailer_key(seed.retailer_id)?)
                    .send()
                    .await
                    .ok()?;
                let case: Value = res.json().await.ok()?;
                let have = timeline_kinds(&case);
                kinds
                    .iter()
                    .all(|k| have.iter().any(|h| h == k))
                    .then_some(case)
            },
        )
        .await
    }

    /// A carrier made with the operator's token and granted the region `prefix` by the
    /// operator, and one crew of it (made with the carrier's own token) covering the postcodes
    /// starting with `prefix`, contracted for `prefix` by every retailer the test made (before
    /// or after): new jobs of theirs there are assigned to it.
    pub async fn carrier(&self, name: &str, prefix: &str) -> Carrier {
        let carrier = self.uncontracted_carrier(name, prefix).await;
        let retailers = {
            let mut parties = self.parties.lock().unwrap();
            parties
                .carriers
                .push((carrier.id, carrier.token.clone(), prefix.to_owned()));
            parties.retailers.clone()
        };
        for retailer_id in retailers {
            self.contract(retailer_id, carrier.id, &carrier.token, &[prefix])
                .await;
        }
        carrier
    }

    /// Retailer `retailer_id` contracts the carrier for `prefixes` through its API (the
    /// carrier found in the directory first), the carrier accepts with its token, and the
    /// retailer holds the contract `active`; its id.
    pub async fn contract(
        &self,
        retailer_id: Uuid,
        carrier_id: Uuid,
        carrier_token: &str,
        prefixes: &[&str],
    ) -> Uuid {
        self.contract_with(
            retailer_id,
            carrier_id,
            carrier_token,
            json!({ "postcode_prefixes": prefixes }),
        )
        .await
    }

    /// [`System::contract`] with the offer's terms (`postcode_prefixes`, `weekdays`,
    /// `daily_capacity`).
    pub async fn contract_with(
        &self,
        retailer_id: Uuid,
        carrier_id: Uuid,
        carrier_token: &str,
        terms: Value,
    ) -> Uuid {
        let directory = format!("/api/retailers/{retailer_id}/carriers?name=");
        eventually(
            "the carrier in the retailer's directory",
            DEADLINE,
            || async {
                let list = self.get(Svc::Retailer, &directory).await;
                list["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|c| c["carrier_id"] == json!(carrier_id) && c["regions"] != json!([]))
                    .then_some(())
            },
        )
        .await;
        let mut body = terms;
        body["carrier_id"] = json!(carrier_id);
        let offer = self
            .post(
                Svc::Retailer,
                &format!("/api/retailers/{retailer_id}/carrier-contracts"),
                body,
            )
            .await;
        let contract_id: Uuid = serde_json::from_value(offer["id"].clone()).unwrap();
        let offers = format!("/api/carriers/{carrier_id}/contracts");
        eventually("the offer at the carrier", DEADLINE, || async {
            let list = self
                .get_as(Svc::Logistics, &offers, Some(carrier_token))
                .await;
            list["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["id"] == json!(contract_id))
                .then_some(())
        })
        .await;
        self.post_as(
            Svc::Logistics,
            &format!("/api/carriers/{carrier_id}/contracts/{contract_id}/accept"),
            json!({}),
            Some(carrier_token),
        )
        .await;
        let contracts = format!("/api/retailers/{retailer_id}/carrier-contracts");
        eventually("the contract active at the retailer", DEADLINE, || async {
            let list = self.get(Svc::Retailer, &contracts).await;
            list["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["id"] == json!(contract_id) && c["status"] == "active")
                .then_some(())
        })
        .await;
        contract_id
    }

    /// [`System::carrier`] without any contract: no retailer's job goes to it.
    pub async fn uncontracted_carrier(&self, name: &str, prefix: &str) -> Carrier {
        let c = self
            .post(Svc::Logistics, "/api/carriers", json!({ "name": name }))
            .await;
        let id: Uuid = serde_json::from_value(c["id"].clone()).unwrap();
        let token = c["api_token"].as_str().unwrap().to_owned();
        self.put(
            Svc::Logistics,
            &format!("/api/carriers/{id}/regions"),
            json!({ "postcode_prefixes": [prefix] }),
        )
        .await;
        let crew = self
            .post_as(
                Svc::Logistics,
                &format!("/api/carriers/{id}/crews"),
                json!({"name": format!("{name} 1"), "home_postcode_prefixes": [prefix],
                       "visits_per_day": 5}),
                Some(&token),
            )
            .await;
        Carrier {
            id,
            token,
            crew_id: serde_json::from_value(crew["id"].clone()).unwrap(),
        }
    }

    /// The manufacturer's view of a claim (with its events and evidence) once `ok` holds for
    /// it; `what` names the awaited state.
    pub async fn claim_when(
        &self,
        seed: &Seed,
        claim_id: Uuid,
        what: &str,
        ok: fn(&Value) -> bool,
    ) -> Value {
        let path = format!(
            "/api/manufacturers/{}/claims/{claim_id}",
            seed.manufacturer_id
        );
        let key = Some(seed.manufacturer_key.as_str());
        eventually(
            &format!("the manufacturer's claim {claim_id} {what}"),
            DEADLINE,
            || async {
                // Not known until the claim's message arrived.
                let (status, c) = self.fetch(Svc::Manufacturer, &path, key).await;
                (status.is_success() && ok(&c)).then_some(c)
            },
        )
        .await
    }

    /// Asserts that no consumer queue dead-lettered anything: nothing was refused on the way.
    pub async fn assert_no_dead_letters(&self) {
        for queue in kummerer_contracts::topology::QUEUES {
            let dlq = self.names.dead_letter_queue(&queue);
            assert_eq!(self.broker.depth(&dlq).await, 0, "{dlq}");
        }
    }

    /// The logistics job of a swap.
    pub async fn job_of(&self, seed: &Seed, swap_id: Uuid) -> Value {
        let jobs = self
            .get(
                Svc::Logistics,
                &format!("/api/jobs?retailer_id={}", seed.retailer_id),
            )
            .await;
        jobs["items"]
            .as_array()
            .and_then(|items| {
                items
                    .iter()
                    .find(|j| j["swap_id"].as_str() == Some(&swap_id.to_string()))
                    .cloned()
            })
            .unwrap_or_else(|| panic!("no job for swap {swap_id} in {jobs}"))
    }
}

/// The (first) timeline entry of `kind` in a case.
pub fn entry(case: &Value, kind: &str) -> Value {
    case["timeline"]
        .as_array()
        .and_then(|t| t.iter().find(|e| e["kind"] == kind))
        .cloned()
        .unwrap_or_else(|| panic!("no {kind} in {case}"))
}

/// The kinds of the claim's history at the manufacturer, in order.
pub fn event_kinds(claim: &Value) -> Vec<String> {
    claim["events"]
        .as_array()
        .map(|t| {
            t.iter()
                .filter_map(|e| e["kind"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

pub fn timeline_kinds(case: &Value) -> Vec<String> {
    case["timeline"]
        .as_array()
        .map(|t| {
            t.iter()
                .filter_map(|e| e["kind"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

pub async fn count(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(DbBackend::Postgres, sql.to_owned()))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

pub async fn strings(db: &DatabaseConnection, sql: &str) -> Vec<String> {
    db.query_all_raw(Statement::from_string(DbBackend::Postgres, sql.to_owned()))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .into_iter()
        .map(|r| {
            r.try_get_by_index::<Option<String>>(0)
                .unwrap()
                .unwrap_or_default()
        })
        .collect()
}

/// `(first column, count)` rows of a `SELECT x, count(*) … GROUP BY x`, ordered by `x`: what a
/// table holds per kind, to compare with exactly what the flow must have produced.
pub async fn counts_by(db: &DatabaseConnection, sql: &str) -> Vec<(String, i64)> {
    let mut rows: Vec<(String, i64)> = db
        .query_all_raw(Statement::from_string(DbBackend::Postgres, sql.to_owned()))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .into_iter()
        .map(|r| {
            (
                r.try_get_by_index::<String>(0).unwrap(),
                r.try_get_by_index::<i64>(1).unwrap(),
            )
        })
        .collect();
    rows.sort();
    rows
}

/// `[(key, n)]` as owned rows, sorted like [`counts_by`]'s answer.
pub fn expect(rows: &[(&str, i64)]) -> Vec<(String, i64)> {
    let mut v: Vec<(String, i64)> = rows.iter().map(|(k, n)| ((*k).to_owned(), *n)).collect();
    v.sort();
    v
}

/// What a service's outbox holds, per routing key — without the tenants' profile
/// announcements (`*.tenant.profile.v1`, one per retailer or manufacturer made, issue 18), which
/// the tests' counts of a swap's messages leave aside.
pub async fn outbox_counts(db: &DatabaseConnection) -> Vec<(String, i64)> {
    counts_by(
        db,
        &format!(
            "SELECT routing_key, count(*) FROM outbox \
             WHERE routing_key NOT LIKE '%.tenant.profile.v1' \
             AND routing_key NOT IN ({CONTRACT_MESSAGES}) GROUP BY 1"
        ),
    )
    .await
}

/// What a service's inbox holds (the messages it applied), per message type — without the
/// profile announcements (see [`outbox_counts`]).
pub async fn inbox_counts(db: &DatabaseConnection) -> Vec<(String, i64)> {
    counts_by(
        db,
        &format!(
            "SELECT message_type, count(*) FROM inbox \
             WHERE message_type NOT LIKE '%.tenant.profile.v1' \
             AND message_type NOT IN ({CONTRACT_MESSAGES}) GROUP BY 1"
        ),
    )
    .await
}

/// Asserts that each `SELECT count(*) …` of `expected` answers its number in `db` (the database
/// of `service`, named in the failure).
pub async fn assert_counts(db: &DatabaseConnection, service: &str, expected: &[(&str, i64)]) {
    for (sql, n) in expected {
        assert_eq!(count(db, sql).await, *n, "{service}: {sql}");
    }
}

/// Asserts exactly which messages a service applied (its inbox, per message type) and sent (its
/// outbox, per routing key).
pub async fn assert_messages(
    db: &DatabaseConnection,
    service: &str,
    applied: &[(&str, i64)],
    sent: &[(&str, i64)],
) {
    assert_eq!(inbox_counts(db).await, expect(applied), "{service}: inbox");
    assert_eq!(outbox_counts(db).await, expect(sent), "{service}: outbox");
}

/// A service's /metrics page (Prometheus text).
pub async fn metrics_text(system: &System, svc: Svc) -> String {
    system
        .client
        .get(system.url(svc, "/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Signs in on a page (`/desk`, `/crew`, `/dispatch`) as a browser would and returns the session
/// cookie (`name=value`); the sign-in must answer 303 to the page. `client` must not follow
/// redirects.
pub async fn sign_in(
    client: &reqwest::Client,
    base: &str,
    root: &str,
    email: &str,
    password: &str,
) -> String {
    use reqwest::StatusCode;
    use reqwest::header::{CONTENT_TYPE, LOCATION, ORIGIN, SET_COOKIE};
    let res = client
        .post(format!("{base}{root}/sign-in"))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(ORIGIN, base)
        .body(format!(
            "email={}&password={password}",
            email.replace('@', "%40")
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "{email} signs in on {root}"
    );
    assert_eq!(res.headers()[LOCATION], root);
    res.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or_default().to_owned())
        .find(|c| !c.contains("_probe=") && !c.ends_with('='))
        .unwrap_or_else(|| panic!("no session cookie for {email}"))
}

/// The counter `kummerer_messages_consumed_total` of one outcome, from a service's /metrics.
pub async fn consumed(system: &System, svc: Svc, outcome: &str) -> u64 {
    let label = format!("outcome=\"{outcome}\"");
    metric(system, svc, "kummerer_messages_consumed_total", &label).await
}

/// The sum of a labelled series `name` over its lines carrying `label` (e.g. `channel="sms"`),
/// from a service's /metrics.
pub async fn metric(system: &System, svc: Svc, name: &str, label: &str) -> u64 {
    let text = metrics_text(system, svc).await;
    text.lines()
        .filter(|l| l.starts_with(&format!("{name}{{")) && l.contains(label))
        .filter_map(|l| l.rsplit(' ').next().and_then(|v| v.parse::<f64>().ok()))
        .sum::<f64>() as u64
}

/// Publishes every row of a service's outbox again (but the profile announcements), as the
/// broker would redeliver it (same message ids); returns how many.
pub async fn republish_outbox(
    system: &System,
    svc: Svc,
    producer: kummerer_contracts::topology::Service,
) -> usize {
    let db = system.db(svc).await;
    // The tenants' profile announcements are left aside, as the counts leave them.
    let order = "WHERE routing_key NOT LIKE '%.tenant.profile.v1' ORDER BY created_at, id";
    let keys = strings(&db, &format!("SELECT routing_key FROM outbox {order}")).await;
    let payloads = strings(&db, &format!("SELECT payload::text FROM outbox {order}")).await;
    for (key, payload) in keys.iter().zip(&payloads) {
        kummerer_testkit::service::publish_raw(&system.names, producer, key, payload.as_bytes())
            .await;
    }
    keys.len()
}

/// Publishes every outbox row of `svc` with routing key `key` again: as it was (the same message
/// id: a redelivery) and under a new id (the same fact sent again).
pub async fn send_again(
    system: &System,
    svc: Svc,
    producer: kummerer_contracts::topology::Service,
    key: &str,
) -> usize {
    let db = system.db(svc).await;
    let payloads = strings(
        &db,
        &format!("SELECT payload::text FROM outbox WHERE routing_key = '{key}' ORDER BY id"),
    )
    .await;
    for payload in &payloads {
        kummerer_testkit::service::publish_raw(&system.names, producer, key, payload.as_bytes())
            .await;
        let mut again: Value = serde_json::from_str(payload).unwrap();
        again["id"] = json!(Uuid::now_v7());
        kummerer_testkit::service::publish_raw(
            &system.names,
            producer,
            key,
            again.to_string().as_bytes(),
        )
        .await;
    }
    payloads.len()
}
