//! The fault tests' own infrastructure: a RabbitMQ node and a PostgreSQL cluster the test starts,
//! breaks and removes, a steady swap load that records what was acknowledged, and the
//! classification of every swap across the three databases.
#![allow(dead_code)]

pub mod scenario;

use std::collections::{HashMap, HashSet};
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::{Duration as Days, Utc};
use kummerer_testkit::process::ServiceProcess;
use kummerer_testkit::rabbit::run;
pub use kummerer_testkit::rabbit::{RabbitNode, queues};
use kummerer_testkit::{TestDb, free_port, unique, wait_ready};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};

use crate::common::{Backends, DEADLINE, Seed, Svc, System, count, counts_by};

/// Whether the slow fault scenarios run (`KUMMERER_FAULT_TESTS=1`); says so when skipped.
pub fn enabled(test: &str) -> bool {
    let on = std::env::var("KUMMERER_FAULT_TESTS").is_ok_and(|v| v == "1");
    if !on {
        eprintln!("{test}: skipped (set KUMMERER_FAULT_TESTS=1 to run the fault scenarios)");
    }
    on
}

/// A PostgreSQL cluster of the test's own (`pg_createcluster <version> <name> --port <free>`,
/// trust for local and 127.0.0.1), dropped with `pg_dropcluster --stop` at the end.
pub struct PgCluster {
    pub version: String,
    pub name: String,
    pub port: u16,
}

impl PgCluster {
    pub fn create() -> PgCluster {
        let version = std::fs::read_dir("/etc/postgresql")
            .ok()
            .and_then(|d| {
                d.filter_map(|e| e.ok()?.file_name().into_string().ok())
                    .max()
            })
            .unwrap_or_else(|| "15".to_owned());
        let cluster = PgCluster {
            version,
            name: format!("kt{}", unique().replace('-', "")),
            port: free_port(),
        };
        let port = cluster.port.to_string();
        let (ok, out) = run(Command::new("pg_createcluster").args([
            &cluster.version,
            &cluster.name,
            "--port",
            &port,
            "--",
            "--auth-local=trust",
            "--auth-host=trust",
        ]));
        assert!(ok, "pg_createcluster failed: {out}");
        cluster.ctl(&["start"]);
        cluster
    }

    pub fn admin_url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// `pg_ctlcluster <version> <name> <args>`, which must succeed.
    pub fn ctl(&self, args: &[&str]) {
        let (ok, out) = run(Command::new("pg_ctlcluster")
            .arg("--skip-systemctl-redirect")
            .args([&self.version, &self.name])
            .args(args));
        assert!(ok, "pg_ctlcluster {args:?} failed: {out}");
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let _ = run(Command::new("pg_dropcluster").args([&self.version, &self.name, "--stop"]));
    }
}

/// The three services against `node` (else the shared broker) and `cluster` (else the shared
/// PostgreSQL), connected directly (the proxies of [`System`] stand unused). Webhooks may reach
/// receivers on this machine.
pub async fn start_system(node: Option<&RabbitNode>, cluster: Option<&PgCluster>) -> System {
    let mut databases = Vec::new();
    if let Some(c) = cluster {
        let admin = Database::connect(c.admin_url()).await.unwrap();
        for name in ["retailer", "manufacturer", "logistics"] {
            let db_name = format!("kt_fault_{}_{name}", unique().replace('-', ""));
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{db_name}\""))
                .await
                .unwrap();
            databases.push(TestDb {
                url: format!("postgres://postgres@127.0.0.1:{}/{db_name}", c.port),
                name: db_name,
            });
        }
        let _ = admin.close().await;
    }
    System::start_with(Backends {
        amqp_url: Some(node.map_or_else(
            || "amqp://guest:guest@127.0.0.1:5672/%2f".to_owned(),
            RabbitNode::amqp_url,
        )),
        databases,
        env: vec![(
            "KUMMERER_WEBHOOK_ALLOW_HOSTS".to_owned(),
            "127.0.0.1/32".to_owned(),
        )],
    })
    .await
}

/// Another process of `svc` beside the system's own (same database, broker and prefix: its own
/// relay and consumers), started and ready.
pub async fn replica(system: &mut System, svc: Svc, n: usize) -> ServiceProcess {
    let p = system.process(svc);
    let mut replica = ServiceProcess::new(
        &format!("{}-{n}", p.name),
        p.bin.clone(),
        p.env.clone(),
        free_port(),
    );
    replica.start();
    wait_ready(
        &system.client,
        &format!("{}/ready", replica.base_url()),
        DEADLINE,
    )
    .await;
    replica
}

/// A POST that may fail: status, `Retry-After`, body.
pub async fn post_raw(
    system: &System,
    svc: Svc,
    path: &str,
    body: Value,
) -> (u16, Option<String>, Value) {
    let mut req = system.client.post(system.url(svc, path)).json(&body);
    if let Some(key) = System::default_token(svc, path) {
        req = req.bearer_auth(key);
    }
    let answer = send_raw(req).await;
    let body = serde_json::from_str(&answer.body).unwrap_or(Value::Null);
    (answer.status, answer.retry_after, body)
}

/// What a request that may fail was answered.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub retry_after: Option<String>,
    pub content_type: String,
    pub body: String,
}

pub async fn send_raw(req: reqwest::RequestBuilder) -> Answer {
    let res = req.send().await.unwrap();
    let header = |name: &str| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let retry_after = header("retry-after");
    let content_type = header("content-type").unwrap_or_default();
    Answer {
        status: res.status().as_u16(),
        retry_after,
        content_type,
        body: res.text().await.unwrap_or_default(),
    }
}

/// While the services' database is away: a JSON API route and a page of each service (the
/// manufacturer has no pages) answer 503 with `Retry-After`: problem+json for the API, a
/// readable page for a browser. Never 500.
pub async fn assert_503_while_the_database_is_away(system: &System, seed: &Seed) {
    let browser = |svc: Svc, path: &str, cookie: &str| {
        system
            .client
            .get(system.url(svc, path))
            .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8")
            // A session cookie: the page must look the session up in the database.
            .header("cookie", format!("{cookie}={}", "ab".repeat(32)))
    };
    let api = [
        (
            "retailer POST products",
            system
                .client
                .post(system.url(
                    Svc::Retailer,
                    &format!("/api/retailers/{}/products", seed.retailer_id),
                ))
                .bearer_auth(crate::common::retailer_key(seed.retailer_id).unwrap_or_default())
                .json(&json!({"sku": "WM-200", "name": "Washing machine WM 200",
                    "manufacturer_id": seed.manufacturer_id,
                    "price": {"amount": "599.00", "currency": "EUR"}})),
        ),
        (
            "manufacturer GET claims",
            system
                .client
                .get(system.url(
                    Svc::Manufacturer,
                    &format!("/api/manufacturers/{}/claims", seed.manufacturer_id),
                ))
                .bearer_auth(&seed.manufacturer_key),
        ),
        (
            "logistics POST carriers",
            system
                .client
                .post(system.url(Svc::Logistics, "/api/carriers"))
                .bearer_auth(crate::common::OPERATOR_TOKEN)
                .json(&json!({"name": "Spedition Outage"})),
        ),
    ];
    let pages = [
        (
            "retailer desk page",
            browser(Svc::Retailer, "/desk/sign-in", "kummerer_session"),
        ),
        (
            "logistics crew page",
            browser(Svc::Logistics, "/crew/sign-in", "kummerer_crew_session"),
        ),
        (
            "logistics dispatch page",
            browser(
                Svc::Logistics,
                "/dispatch/sign-in",
                "kummerer_dispatch_session",
            ),
        ),
    ];
    let api = api
        .into_iter()
        .map(|(what, req)| (what, req, "application/problem+json", "service_unavailable"));
    let pages = pages
        .into_iter()
        .map(|(what, req)| (what, req, "text/html", "Try again in a moment"));
    for (what, req, content_type, says) in api.chain(pages) {
        let a = send_raw(req).await;
        assert_eq!(a.status, 503, "{what} while the database is away: {a:?}");
        assert!(a.content_type.starts_with(content_type), "{what}: {a:?}");
        assert!(a.body.contains(says), "{what}: {a:?}");
        assert!(
            a.retry_after.is_some(),
            "{what}: 503 without Retry-After: {a:?}"
        );
    }
}

/// An approval the retailer acknowledged (201).
#[derive(Debug, Clone)]
pub struct Approved {
    pub case_id: String,
    pub swap_id: String,
}

/// Swaps at a steady rate, recording what was acknowledged, what was refused (by status) and
/// the cases whose approval got no answer (it may or may not have committed).
pub struct Load {
    /// Its own client with a generous timeout: a slow 503 is a 503, not "no answer".
    client: reqwest::Client,
    stop: AtomicBool,
    approved: Mutex<Vec<Approved>>,
    unanswered: Mutex<Vec<String>>,
    refused: Mutex<HashMap<u16, u64>>,
}

impl Load {
    pub fn new() -> Load {
        Load {
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
            stop: AtomicBool::default(),
            approved: Mutex::default(),
            unanswered: Mutex::default(),
            refused: Mutex::default(),
        }
    }
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }
    pub fn approved(&self) -> Vec<Approved> {
        self.approved.lock().unwrap().clone()
    }
    /// Refusals by status (status, how many), sorted.
    pub fn refused(&self) -> Vec<(u16, u64)> {
        let mut v: Vec<(u16, u64)> = self
            .refused
            .lock()
            .unwrap()
            .iter()
            .map(|(s, n)| (*s, *n))
            .collect();
        v.sort();
        v
    }

    fn refuse(&self, status: u16) {
        *self.refused.lock().unwrap().entry(status).or_default() += 1;
    }

    pub async fn run(&self, system: &System, seed: &Seed, every: Duration) {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut n = 0;
        while !self.stop.load(Ordering::Relaxed) {
            tick.tick().await;
            n += 1;
            self.one(system, seed, n).await;
        }
    }

    /// A sale, a case and its approval; any refusal ends this round.
    async fn one(&self, system: &System, seed: &Seed, n: usize) {
        let rid = seed.retailer_id;
        let serial = format!("SN-F{n}-{}", unique());
        let sale = json!({
            "receipt_no": format!("R-F{n}-{}", unique()), "sku": seed.sku, "serial": serial,
            "price_paid": {"amount": "499.00", "currency": "EUR"},
            "sold_at": (Utc::now() - Days::days(3)).to_rfc3339(),
            "customer": {"name": "Erika Mustermann", "phone": "+49 30 1234567",
                         "street": "Hauptstr. 1", "postcode": "10115", "city": "Berlin",
                         "country": "DE"}
        });
        let post = |path: String, body: Value| async move {
            let mut req = self
                .client
                .post(system.url(Svc::Retailer, &path))
                .json(&body);
            if let Some(key) = System::default_token(Svc::Retailer, &path) {
                req = req.bearer_auth(key);
            }
            match req.send().await {
                Ok(res) => {
                    let status = res.status().as_u16();
                    Some((status, res.json::<Value>().await.unwrap_or(Value::Null)))
                }
                Err(_) => None,
            }
        };
        match post(format!("/api/retailers/{rid}/sales"), sale).await {
            Some((s, _)) if (200..300).contains(&s) => {}
            Some((s, _)) => return self.refuse(s),
            None => return self.refuse(0),
        }
        let case = json!({"serial": serial, "defect_category": "does_not_start",
                          "defect_description": "Drum does not turn"});
        let case_id = match post(format!("/api/retailers/{rid}/cases"), case).await {
            Some((s, body)) if (200..300).contains(&s) => {
                body["id"].as_str().unwrap_or_default().to_owned()
            }
            Some((s, _)) => return self.refuse(s),
            None => return self.refuse(0),
        };
        let start = Utc::now() + Days::days(1);
        let approval = json!({
            "window_start": start.to_rfc3339(), "window_end": (start + Days::hours(4)).to_rfc3339(),
            "approved_by": "clerk.anna"
        });
        match post(
            format!("/api/retailers/{rid}/cases/{case_id}/swap"),
            approval,
        )
        .await
        {
            Some((201, body)) => self.approved.lock().unwrap().push(Approved {
                case_id,
                swap_id: body["swap_id"].as_str().unwrap_or_default().to_owned(),
            }),
            Some((s, _)) => self.refuse(s),
            None => {
                self.refuse(0);
                self.unanswered.lock().unwrap().push(case_id);
            }
        }
    }
}

const FLOW: [&str; 4] = [
    "swap_approved",
    "claim_submitted",
    "job_scheduled",
    "claim_decided",
];

/// Every acknowledged swap classified across the three databases.
#[derive(Debug, Default)]
pub struct Classified {
    pub ok: usize,
    pub lost: Vec<String>,
    pub duplicated: Vec<String>,
    pub unexpected: Vec<String>,
}

pub async fn classify(system: &System, load: &Load) -> Classified {
    let approved = load.approved();
    let unanswered: HashSet<String> = load.unanswered.lock().unwrap().iter().cloned().collect();
    let retailer = system.db(Svc::Retailer).await;
    let manufacturer = system.db(Svc::Manufacturer).await;
    let logistics = system.db(Svc::Logistics).await;
    let map = |rows: Vec<(String, i64)>| rows.into_iter().collect::<HashMap<String, i64>>();
    let kinds = FLOW.map(|k| format!("'{k}'")).join(", ");
    let timeline = map(counts_by(
        &retailer,
        &format!(
            "SELECT case_id::text || ' ' || kind, count(*) FROM timeline WHERE kind IN ({kinds}) GROUP BY 1"
        ),
    )
    .await);
    let accepted = map(counts_by(
        &retailer,
        "SELECT swap_id::text, count(*) FROM claims WHERE status = 'accepted' GROUP BY 1",
    )
    .await);
    let swaps = map(counts_by(
        &retailer,
        "SELECT case_id::text, count(*) FROM swaps GROUP BY 1",
    )
    .await);
    let claims = map(counts_by(
        &manufacturer,
        "SELECT swap_id::text, count(*) FROM claims WHERE status = 'accepted' GROUP BY 1",
    )
    .await);
    let all_claims = map(counts_by(
        &manufacturer,
        "SELECT swap_id::text, count(*) FROM claims GROUP BY 1",
    )
    .await);
    let jobs = map(counts_by(
        &logistics,
        "SELECT swap_id::text, count(*) FROM jobs GROUP BY 1",
    )
    .await);
    let mut out = Classified::default();
    let mut known_swaps = HashSet::new();
    let mut known_cases = HashSet::new();
    for a in &approved {
        known_swaps.insert(a.swap_id.clone());
        known_cases.insert(a.case_id.clone());
        let mut counts: Vec<i64> = FLOW
            .iter()
            .map(|k| {
                timeline
                    .get(&format!("{} {k}", a.case_id))
                    .copied()
                    .unwrap_or(0)
            })
            .collect();
        counts.push(accepted.get(&a.swap_id).copied().unwrap_or(0));
        counts.push(claims.get(&a.swap_id).copied().unwrap_or(0));
        counts.push(jobs.get(&a.swap_id).copied().unwrap_or(0));
        if counts.iter().any(|&c| c > 1) {
            out.duplicated.push(format!("{} {counts:?}", a.swap_id));
        } else if counts.contains(&0) {
            out.lost.push(format!("{} {counts:?}", a.swap_id));
        } else {
            out.ok += 1;
        }
    }
    // A swap nobody acknowledged (an approval with no answer may have committed: only its case
    // is known, so it is not counted as unexpected).
    for (case_id, n) in &swaps {
        if !known_cases.contains(case_id) && !unanswered.contains(case_id) || *n > 1 {
            out.unexpected
                .push(format!("retailer swap of case {case_id}"));
        }
    }
    if unanswered.is_empty() {
        for swap_id in all_claims.keys() {
            if !known_swaps.contains(swap_id) {
                out.unexpected
                    .push(format!("manufacturer claim of swap {swap_id}"));
            }
        }
        for swap_id in jobs.keys() {
            if !known_swaps.contains(swap_id) {
                out.unexpected
                    .push(format!("logistics job of swap {swap_id}"));
            }
        }
    }
    out
}

/// What still stands between the system and "recovered" (empty: recovered).
async fn pending(
    system: &System,
    load: &Load,
    node: &str,
    consumers: u64,
) -> (Classified, Vec<String>) {
    let c = classify(system, load).await;
    let mut waiting = Vec::new();
    for svc in [Svc::Retailer, Svc::Manufacturer, Svc::Logistics] {
        let db = system.db(svc).await;
        let unsent = count(&db, "SELECT count(*) FROM outbox WHERE sent_at IS NULL").await;
        if unsent > 0 {
            waiting.push(format!("{svc:?} outbox holds {unsent} unsent"));
        }
    }
    let main: HashSet<String> = kummerer_contracts::topology::QUEUES
        .iter()
        .map(|q| system.names.queue(q))
        .collect();
    let queues = queues(node, system.names.prefix());
    for m in &main {
        if !queues.iter().any(|q| &q.name == m) {
            waiting.push(format!("queue {m} missing"));
        }
    }
    for q in queues {
        let want_consumers = if main.contains(&q.name) { consumers } else { 0 };
        if q.ready > 0 || q.unacked > 0 || q.consumers != want_consumers {
            waiting.push(format!("{q:?} (want {want_consumers} consumer(s), empty)"));
        }
    }
    if !c.lost.is_empty() {
        waiting.push(format!("{} swap(s) not complete yet", c.lost.len()));
    }
    (c, waiting)
}

/// Waits (at most `bound` after `ended`) until every acknowledged swap completed exactly once,
/// every queue is empty with `consumers` consumers per consumer queue (one per live process of
/// its service), and every outbox is drained; then asserts 0 lost, 0 duplicated, 0 unexpected.
/// Returns the time from `ended` to recovery.
pub async fn recovered(
    system: &System,
    load: &Load,
    node: Option<&RabbitNode>,
    consumers: u64,
    ended: Instant,
    bound: Duration,
) -> Duration {
    let node_name = node.map_or("rabbit@localhost", |n| n.name.as_str());
    let approved = load.approved().len();
    assert!(approved > 0, "no approval was acknowledged");
    loop {
        let (c, waiting) = pending(system, load, node_name, consumers).await;
        assert!(
            c.duplicated.is_empty(),
            "duplicated swaps: {:?}",
            c.duplicated
        );
        assert!(
            c.unexpected.is_empty(),
            "unexpected swaps: {:?}",
            c.unexpected
        );
        if waiting.is_empty() {
            let took = ended.elapsed();
            eprintln!(
                "faults: {approved} acknowledged swaps: {} ok, 0 lost, 0 duplicated, 0 unexpected; refused {:?}",
                c.ok,
                load.refused()
            );
            assert_eq!(c.ok, approved);
            return took;
        }
        assert!(
            ended.elapsed() < bound,
            "not recovered {bound:?} after the fault ended: {} ok of {approved}; lost {:?}; waiting for {waiting:?}",
            c.ok,
            c.lost
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Drops (not refuses) every packet to and from a TCP port on this machine while alive
/// (`iptables -I INPUT … -j DROP`): connections become half-open, as behind a dead link.
pub struct Blackhole {
    port: String,
}

impl Blackhole {
    /// Whether `iptables` can be used here (root, the tool installed).
    pub fn available() -> bool {
        run(Command::new("iptables").args(["-S", "INPUT"])).0
    }

    pub fn start(port: u16) -> Blackhole {
        let b = Blackhole {
            port: port.to_string(),
        };
        for dir in ["--dport", "--sport"] {
            let (ok, out) = run(Command::new("iptables")
                .args(["-I", "INPUT", "-p", "tcp", dir, &b.port, "-j", "DROP"]));
            assert!(ok, "iptables failed: {out}");
        }
        b
    }
}

impl Drop for Blackhole {
    fn drop(&mut self) {
        for dir in ["--dport", "--sport"] {
            let _ = run(Command::new("iptables")
                .args(["-D", "INPUT", "-p", "tcp", dir, &self.port, "-j", "DROP"]));
        }
    }
}
