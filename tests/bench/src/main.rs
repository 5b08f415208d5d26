//! Kümmerer benchmark: drives N swaps through the running system at a chosen concurrency and
//! prints throughput and latencies, the message hops per second through the whole flow (the
//! inbox rows written by every consumer while the run lasted), each service's peak RSS; then
//! open-loop runs at the rates of `--rates`; and — in the same run — the naive hop on the raw
//! stack (8 producers, each per message: a PostgreSQL transaction with a row and an outbox row,
//! a publish to a quorum queue, await its confirm; 8 consumers with prefetch 16, each: a
//! transaction with an inbox row and a row, then the ack) and the ratio of the flow's hops to it.
//!
//! With `--in-process`, last the **broker-outage run** (`outage.rs`): the three services again,
//! on fresh databases and a RabbitMQ node of the bench's own (the machine's broker is never
//! stopped); the broker stopped for `--outage-seconds` (default 60) while the counter approves
//! swaps at `--outage-rate` (default 100/s) and the crew uploads `--outage-photos` photos
//! (default 200, 2–5 MiB each) with its visits; then the broker started and the drain measured:
//! the backlog (outbox rows waiting), messages/s applied by the consumers until every outbox and
//! queue is empty and every swap's flow complete, the time to drain, and the peak RSS over the
//! outage and the drain (in-process: one figure, an upper bound of each service's; with
//! `--outage-bins DIR` the services run as processes from DIR's binaries, one figure each), each
//! beside issue 15's goal. `--outage-seconds 0` leaves it out; without `--in-process` or
//! `--outage-bins` it is skipped.
//!
//! ```text
//! PROFILE=release deploy/native/up.sh
//! cargo run --release -p bench -- --swaps 2000 --concurrency 32 --rates 100,200,400
//! cargo run --release -p bench -- --in-process --swaps 2000   # the three services in this process, then the outage run
//! cargo run --release -p bench -- --in-process --swaps 2000 --outage-seconds 60 --outage-rate 100 --outage-photos 200
//! cargo build --release -p retailer -p manufacturer -p logistics
//! cargo run --release -p bench -- --in-process --outage-bins target/release   # the outage run's services as processes: RSS per service
//! cargo run -p bench -- --tiny                                  # the smoke run CI does (a 3 s outage, 4 small photos)
//! ```
#![allow(clippy::expect_used)]

mod outage;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow, bail};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use hdrhistogram::Histogram;
use kummerer_service::run::{Context, Parts};
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicPublishOptions, BasicQosOptions,
    ConfirmSelectOptions, QueueDeclareOptions, QueueDeleteOptions,
};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Connection, ConnectionProperties};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};
use serde_json::{Value, json};
use uuid::Uuid;

struct Args {
    swaps: usize,
    concurrency: usize,
    retailer: String,
    manufacturer: String,
    /// The manufacturer service's operator token (it creates the manufacturer).
    operator_token: String,
    logistics: String,
    pg: String,
    amqp: String,
    raw_messages: usize,
    raw_workers: usize,
    skip_raw: bool,
    /// Open loop: start this many approvals per second (at most `concurrency` in flight);
    /// latencies count from the planned start, so a stall is not hidden. None: closed loop.
    rate: Option<f64>,
    /// Open-loop runs after the first run, one per rate, each `open_seconds` long with at most
    /// `open_in_flight` approvals in flight.
    rates: Vec<f64>,
    open_seconds: f64,
    open_in_flight: usize,
    /// Start the three services in this process, each on a fresh database of its own, with one
    /// broker prefix (all removed afterwards), instead of using the running system.
    in_process: bool,
    /// The broker-outage run (`--in-process` only): the broker away this long under load, then
    /// the drain measured. 0: no outage run.
    outage_seconds: f64,
    /// Swap approvals per second at the counter while the broker is away.
    outage_rate: f64,
    /// Photos the crew uploads while the broker is away (two per visit: delivered, collected).
    outage_photos: usize,
    /// Each photo's size lies between these (bytes).
    photo_bytes: (usize, usize),
    /// The outage run's services as processes of their own, from the `retailer`, `manufacturer`
    /// and `logistics` binaries in this directory (each one's peak RSS measured apart); else
    /// in this process.
    outage_bins: Option<std::path::PathBuf>,
}

/// `--tiny`: the smoke run (`tests/smoke.rs`, run by CI): the three services in-process, a few
/// swaps closed loop, one short open-loop run, a few hundred naive hops, a 3 s broker outage with
/// 30 approvals and 4 small photos.
fn tiny(a: &mut Args) {
    a.swaps = 20;
    a.concurrency = 4;
    a.raw_messages = 200;
    a.rates = vec![50.0];
    a.open_seconds = 0.4;
    a.open_in_flight = 8;
    a.in_process = true;
    a.outage_seconds = 3.0;
    a.outage_rate = 10.0;
    a.outage_photos = 4;
    a.photo_bytes = (64 * 1024, 128 * 1024);
}

/// The naive hop's consumers' prefetch (as issue 15 describes it).
const NAIVE_PREFETCH: u16 = 16;

const USAGE: &str = "usage: bench [--swaps N] [--concurrency C] [--retailer URL] [--manufacturer URL] \
[--operator-token TOKEN (default $KUMMERER_OPERATOR_TOKEN or dev-operator-token)] \
[--logistics URL] [--pg postgres://…/ (server, databases kummerer_<service>)] [--amqp URL] \
[--raw-messages N] [--raw-workers N] [--skip-raw] [--rate SWAPS_PER_S (open loop)] \
[--rates R1,R2,… (open-loop runs after the first, default none)] [--open-seconds S (each, default 10)] \
[--open-in-flight N (default 64)] [--in-process] [--tiny (smoke run, implies --in-process)] \
[--outage-seconds S (broker-outage run, with --in-process or --outage-bins; default 60, 0: none)] \
[--outage-rate SWAPS_PER_S (approvals during the outage, default 100)] \
[--outage-photos N (crew photos of 2–5 MiB during the outage, default 200)] \
[--outage-bins DIR (the outage run's services as processes: DIR/retailer, DIR/manufacturer, DIR/logistics; \
peak RSS per service; also without --in-process)]";

fn parse_args() -> anyhow::Result<Args> {
    let mut a = Args {
        swaps: 2000,
        concurrency: 32,
        retailer: "http://127.0.0.1:8081".into(),
        manufacturer: "http://127.0.0.1:8082".into(),
        operator_token: std::env::var("KUMMERER_OPERATOR_TOKEN")
            .unwrap_or_else(|_| "dev-operator-token".into()),
        logistics: "http://127.0.0.1:8083".into(),
        pg: "postgres://postgres@127.0.0.1:5432".into(),
        amqp: "amqp://guest:guest@127.0.0.1:5672/%2f".into(),
        raw_messages: 5000,
        raw_workers: 8,
        skip_raw: false,
        rate: None,
        rates: Vec::new(),
        open_seconds: 10.0,
        open_in_flight: 64,
        in_process: false,
        outage_seconds: 60.0,
        outage_rate: 100.0,
        outage_photos: 200,
        photo_bytes: (2 * 1024 * 1024, 5 * 1024 * 1024),
        outage_bins: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--skip-raw" {
            a.skip_raw = true;
            continue;
        }
        if flag == "--in-process" {
            a.in_process = true;
            continue;
        }
        if flag == "--tiny" {
            tiny(&mut a);
            continue;
        }
        if flag == "-h" || flag == "--help" {
            println!("{USAGE}");
            std::process::exit(0);
        }
        let value = it
            .next()
            .ok_or_else(|| anyhow!("{flag} needs a value\n{USAGE}"))?;
        let num = |v: &str| {
            v.parse::<usize>()
                .map_err(|_| anyhow!("{flag} takes a number, got {v:?}"))
        };
        match flag.as_str() {
            "--swaps" => a.swaps = num(&value)?,
            "--concurrency" => a.concurrency = num(&value)?.max(1),
            "--retailer" => a.retailer = value,
            "--manufacturer" => a.manufacturer = value,
            "--operator-token" => a.operator_token = value,
            "--logistics" => a.logistics = value,
            "--pg" => a.pg = value.trim_end_matches('/').to_owned(),
            "--amqp" => a.amqp = value,
            "--raw-messages" => a.raw_messages = num(&value)?,
            "--raw-workers" => a.raw_workers = num(&value)?.max(1),
            "--rate" => a.rate = Some(positive(&flag, &value)?),
            "--rates" => {
                a.rates = value
                    .split(',')
                    .map(|r| positive(&flag, r.trim()))
                    .collect::<anyhow::Result<_>>()?;
            }
            "--open-seconds" => a.open_seconds = positive(&flag, &value)?,
            "--open-in-flight" => a.open_in_flight = num(&value)?.max(1),
            "--outage-seconds" => {
                a.outage_seconds = match value.parse::<f64>() {
                    Ok(s) if s.is_finite() && s >= 0.0 => s,
                    _ => {
                        bail!("{flag} takes a number of seconds (0: no outage run), got {value:?}")
                    }
                }
            }
            "--outage-rate" => a.outage_rate = positive(&flag, &value)?,
            "--outage-photos" => a.outage_photos = num(&value)?,
            "--outage-bins" => a.outage_bins = Some(value.into()),
            other => bail!("unknown flag {other}\n{USAGE}"),
        }
    }
    if a.swaps == 0 {
        bail!("--swaps must be at least 1");
    }
    Ok(a)
}

fn positive(flag: &str, v: &str) -> anyhow::Result<f64> {
    match v.parse::<f64>() {
        Ok(r) if r.is_finite() && r > 0.0 => Ok(r),
        _ => bail!("{flag} takes a positive number, got {v:?}"),
    }
}

fn hist() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 600_000_000, 3).expect("histogram bounds")
}

fn ms(h: &Histogram<u64>, q: f64) -> f64 {
    h.value_at_quantile(q) as f64 / 1000.0
}

fn summary(name: &str, h: &Histogram<u64>) {
    println!(
        "  {name:<44} p50 {:>8.1} ms   p95 {:>8.1} ms   p99 {:>8.1} ms   max {:>8.1} ms   (n={})",
        ms(h, 0.50),
        ms(h, 0.95),
        ms(h, 0.99),
        h.max() as f64 / 1000.0,
        h.len()
    );
}

/// Prints `label done/total` about once a second on one line.
struct Progress {
    label: &'static str,
    total: usize,
    done: AtomicUsize,
}

impl Progress {
    fn new(label: &'static str, total: usize) -> Arc<Self> {
        let p = Arc::new(Self {
            label,
            total,
            done: AtomicUsize::new(0),
        });
        let q = p.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                let d = q.done.load(Ordering::Relaxed);
                eprint!("\r  {} {d}/{}   ", q.label, q.total);
                if d >= q.total {
                    eprintln!();
                    break;
                }
            }
        });
        p
    }
    fn tick(&self) {
        self.done.fetch_add(1, Ordering::Relaxed);
    }
}

/// A POST with an API key (`Authorization: Bearer <key>`), if given.
async fn post_as(
    client: &reqwest::Client,
    url: &str,
    body: Value,
    key: Option<&str>,
) -> anyhow::Result<Value> {
    let mut req = client.post(url).json(&body);
    if let Some(key) = key {
        req = req.bearer_auth(key);
    }
    answer(req, url).await
}

/// Sends `req` (a POST to `url`); its JSON answer, or an error with the status and body unless
/// it succeeded.
async fn answer(req: reqwest::RequestBuilder, url: &str) -> anyhow::Result<Value> {
    let res = req.send().await.with_context(|| format!("POST {url}"))?;
    let status = res.status();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        bail!("POST {url} answered {status}: {body}");
    }
    Ok(body)
}

/// The number a `SELECT count(*) …` answers.
async fn count(db: &DatabaseConnection, sql: &str) -> anyhow::Result<i64> {
    db.query_one_raw(Statement::from_string(DbBackend::Postgres, sql.to_owned()))
        .await?
        .ok_or_else(|| anyhow!("no count: {sql}"))?
        .try_get_by_index::<i64>(0)
        .map_err(|e| anyhow!("{sql}: {e}"))
}

fn id(v: &Value) -> anyhow::Result<Uuid> {
    v["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| anyhow!("no id in {v}"))
}

/// Runs `f(i)` for i in 0..n with `concurrency` in flight; the results in the order of `i`.
async fn for_each<F, Fut, T>(
    n: usize,
    concurrency: usize,
    progress: Arc<Progress>,
    f: F,
) -> anyhow::Result<Vec<T>>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<T>>,
{
    let mut results: Vec<(usize, anyhow::Result<T>)> = futures_util::stream::iter(0..n)
        .map(|i| {
            let p = progress.clone();
            let fut = f(i);
            async move {
                let r = fut.await;
                p.tick();
                (i, r)
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

async fn peak_rss(client: &reqwest::Client, base: &str) -> Option<f64> {
    let text = client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .ok()?
        .text()
        .await
        .ok()?;
    text.lines()
        .find(|l| l.starts_with("kummerer_process_peak_resident_memory_bytes"))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse::<f64>().ok())
        .map(|b| b / 1024.0 / 1024.0)
}

async fn timestamps(
    db: &DatabaseConnection,
    sql: &str,
) -> anyhow::Result<HashMap<Uuid, DateTime<Utc>>> {
    let rows = db
        .query_all_raw(Statement::from_string(DbBackend::Postgres, sql.to_owned()))
        .await?;
    let mut out = HashMap::with_capacity(rows.len());
    for r in rows {
        out.insert(
            r.try_get_by_index::<Uuid>(0)?,
            r.try_get_by_index::<DateTime<Utc>>(1)?,
        );
    }
    Ok(out)
}

/// The system under load: the three services' URLs and databases; with `--in-process`, the
/// services running in this process.
struct System {
    retailer: String,
    manufacturer: String,
    logistics: String,
    operator_token: String,
    retailer_db: DatabaseConnection,
    manufacturer_db: DatabaseConnection,
    logistics_db: DatabaseConnection,
    in_process: Option<InProcess>,
}

/// Fresh databases for the three services (retailer, manufacturer, logistics), migrated.
async fn fresh_databases(a: &Args) -> anyhow::Result<[bench::BenchDb; 3]> {
    let lib_args = bench::Args {
        pg: a.pg.clone(),
        amqp: a.amqp.clone(),
        requests: 0,
        scale: 1.0,
        keep: false,
        explain: false,
    };
    Ok([
        bench::BenchDb::create::<retailer::Migrator>(&lib_args, "flow_r").await?,
        bench::BenchDb::create::<manufacturer::Migrator>(&lib_args, "flow_m").await?,
        bench::BenchDb::create::<logistics::Migrator>(&lib_args, "flow_l").await?,
    ])
}

/// A fresh operator token for the services the bench starts.
fn operator_token() -> String {
    format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple())
}

/// How each service is wired (retailer, manufacturer, logistics): its `build`, or a variant.
type Builds = [fn(&Context) -> Parts; 3];

/// The services' own wiring.
const BUILDS: Builds = [retailer::build, manufacturer::build, logistics::build];

/// The services the bench started (in this process, or as processes of their own: the outage
/// run's `--outage-bins`), their broker prefix and databases.
struct InProcess {
    prefix: String,
    amqp: String,
    running: Vec<bench::Running>,
    processes: Vec<kummerer_testkit::process::ServiceProcess>,
    dbs: Vec<bench::BenchDb>,
}

impl System {
    /// `ANALYZE` on the three databases, after a set-up: a running system's tables have
    /// statistics (autovacuum keeps them), the bench's fresh ones do not, and the planner, taking
    /// a table for empty, walks a whole index where a running system looks one row up (measured:
    /// a claim's serial check by the manufacturer's month-of-sale index, 20–35 ms at 400 claims).
    async fn analyze(&self) -> anyhow::Result<()> {
        for db in [&self.retailer_db, &self.manufacturer_db, &self.logistics_db] {
            db.execute_unprepared("ANALYZE").await?;
        }
        Ok(())
    }

    /// The running system (`deploy/native/up.sh`): its URLs and its databases
    /// `kummerer_<service>` on `--pg`.
    async fn running(a: &Args) -> anyhow::Result<System> {
        let db = |name: &'static str| {
            let url = format!("{}/kummerer_{name}", a.pg);
            async move {
                Database::connect(url)
                    .await
                    .with_context(|| format!("the {name} database"))
            }
        };
        Ok(System {
            retailer: a.retailer.clone(),
            manufacturer: a.manufacturer.clone(),
            logistics: a.logistics.clone(),
            operator_token: a.operator_token.clone(),
            retailer_db: db("retailer").await?,
            manufacturer_db: db("manufacturer").await?,
            logistics_db: db("logistics").await?,
            in_process: None,
        })
    }

    /// The three services started in this process, each on a fresh database of its own, sharing
    /// one broker prefix of their own on the broker at `amqp`; each wired by its `build`
    /// (retailer, manufacturer, logistics).
    async fn in_process(a: &Args, amqp: &str, builds: Builds) -> anyhow::Result<System> {
        let [retailer_build, manufacturer_build, logistics_build] = builds;
        let prefix = bench::broker_prefix();
        let operator_token = operator_token();
        let env = [("KUMMERER_OPERATOR_TOKEN", operator_token.clone())];
        let [r_db, m_db, l_db] = fresh_databases(a).await?;
        let mut running = Vec::new();
        running.push(
            bench::serve_on::<retailer::Migrator>(
                amqp,
                &prefix,
                &env,
                retailer::SERVICE,
                retailer_build,
                &r_db.url,
            )
            .await?,
        );
        running.push(
            bench::serve_on::<manufacturer::Migrator>(
                amqp,
                &prefix,
                &env,
                manufacturer::SERVICE,
                manufacturer_build,
                &m_db.url,
            )
            .await?,
        );
        running.push(
            bench::serve_on::<logistics::Migrator>(
                amqp,
                &prefix,
                &env,
                logistics::SERVICE,
                logistics_build,
                &l_db.url,
            )
            .await?,
        );
        let urls = running.iter().map(|r| r.base_url.clone()).collect();
        Ok(System::started(
            urls,
            operator_token,
            InProcess {
                prefix,
                amqp: amqp.to_owned(),
                running,
                processes: Vec::new(),
                dbs: vec![r_db, m_db, l_db],
            },
        ))
    }

    /// The system the bench started: the services' URLs (retailer, manufacturer, logistics)
    /// and what it holds.
    fn started(urls: Vec<String>, operator_token: String, started: InProcess) -> System {
        let url = |i: usize| urls.get(i).cloned().unwrap_or_default();
        let db = |i: usize| started.dbs[i].conn.clone();
        System {
            retailer: url(0),
            manufacturer: url(1),
            logistics: url(2),
            operator_token,
            retailer_db: db(0),
            manufacturer_db: db(1),
            logistics_db: db(2),
            in_process: Some(started),
        }
    }

    /// Stops the services started in this process and removes their databases and queues.
    async fn finish(self) -> anyhow::Result<()> {
        let Some(p) = self.in_process else {
            return Ok(());
        };
        for r in p.running {
            r.stop_keeping_topology().await;
        }
        for mut process in p.processes {
            process.terminate().await;
        }
        bench::delete_topology(&p.amqp, &p.prefix).await?;
        for db in p.dbs {
            db.finish(false).await?;
        }
        Ok(())
    }

    /// Links the pair in both databases as the partner-links migration links the pairs of a
    /// deployment from before issue 18 (`implied`): the bench measures swaps, not the
    /// invitation flow (which wants a retailer admin signed in).
    async fn link_as_before(&self, retailer_id: Uuid, manufacturer_id: Uuid) -> anyhow::Result<()> {
        use kummerer_contracts::topology::Service;
        for (db, side) in [
            (&self.retailer_db, Service::Retailer),
            (&self.manufacturer_db, Service::Manufacturer),
        ] {
            kummerer_messaging::profiles::link_as_before(db, side, retailer_id, manufacturer_id)
                .await
                .context("linking the bench's retailer and manufacturer")?;
        }
        Ok(())
    }

    /// Waits until the retailer holds the agreement just made, then counts its version accepted
    /// in both databases, as the partner-links migration counts the versions from before.
    async fn accept_as_before(&self, retailer_id: Uuid) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let held = self
                .retailer_db
                .query_one_raw(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "SELECT count(*) FROM agreements WHERE retailer_id = $1",
                    [retailer_id.into()],
                ))
                .await?
                .ok_or_else(|| anyhow!("no count"))?
                .try_get_by_index::<i64>(0)?;
            if held > 0 {
                break;
            }
            if Instant::now() > deadline {
                bail!("the retailer did not receive the agreement within 60 s");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        for (db, table, at) in [
            (&self.retailer_db, "agreements", "published_at"),
            (&self.manufacturer_db, "agreement_versions", "created_at"),
        ] {
            db.execute_unprepared(&format!(
                "UPDATE {table} SET accepted_at = {at}, accepted_by = 'migration' \
                 WHERE accepted_at IS NULL"
            ))
            .await?;
        }
        Ok(())
    }

    /// Fails unless every service's `/ready` answers 200.
    async fn check_ready(&self, client: &reqwest::Client) -> anyhow::Result<()> {
        for base in [&self.retailer, &self.manufacturer, &self.logistics] {
            let ready = client.get(format!("{base}/ready")).send().await;
            if !ready.map(|r| r.status().is_success()).unwrap_or(false) {
                bail!(
                    "{base}/ready does not answer 200: start the system first (deploy/native/up.sh)"
                );
            }
        }
        Ok(())
    }

    /// The database's clock.
    async fn now(&self) -> anyhow::Result<DateTime<Utc>> {
        self.retailer_db
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT now()".to_owned(),
            ))
            .await?
            .ok_or_else(|| anyhow!("no now()"))?
            .try_get_by_index::<DateTime<Utc>>(0)
            .map_err(Into::into)
    }

    /// Messages every consumer of the three services applied (inbox rows) between `from` and
    /// `to`: the message hops of that time.
    async fn hops_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> anyhow::Result<u64> {
        let mut n = 0;
        for db in [&self.retailer_db, &self.manufacturer_db, &self.logistics_db] {
            let row = db
                .query_one_raw(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "SELECT count(*) FROM inbox WHERE received_at >= $1 AND received_at <= $2",
                    [from.into(), to.into()],
                ))
                .await?
                .ok_or_else(|| anyhow!("no count"))?;
            n += row.try_get_by_index::<i64>(0)?.max(0) as u64;
        }
        Ok(n)
    }
}

/// One run's throughput.
struct Flow {
    swaps_per_s: f64,
    hops_per_s: f64,
}

/// The tenants of a run, made over the APIs: a manufacturer, a retailer with its first
/// integration key (approving up to any bench swap alone: the runs measure approvals, not
/// managers), their accepted agreement, and a product.
struct Party {
    rid: Uuid,
    retailer_key: String,
    /// Tells this party's receipts and serials apart from other runs'.
    run: String,
    /// Cases made so far (numbers the next ones' receipts and serials).
    made: AtomicUsize,
    /// The swaps' visit window: tomorrow, four hours.
    window: (String, String),
}

/// A case ready for a swap: its id and the serial of the defective unit sold.
struct Case {
    id: Uuid,
    serial: String,
}

impl Party {
    async fn setup(sys: &System, client: &reqwest::Client) -> anyhow::Result<Party> {
        let m = post_as(
            client,
            &format!("{}/api/manufacturers", sys.manufacturer),
            json!({"name": "Bench Werke"}),
            Some(&sys.operator_token),
        )
        .await?;
        let mid = id(&m)?;
        let manufacturer_key = m["api_key"]
            .as_str()
            .ok_or_else(|| anyhow!("no api_key in {m}"))?
            .to_owned();
        let r = post_as(
            client,
            &format!("{}/api/retailers", sys.retailer),
            json!({"name": "Bench Markt", "first_key": {"name": "bench",
                   "approval_limit": {"amount": "1000000.00", "currency": "EUR"}}}),
            Some(&sys.operator_token),
        )
        .await?;
        let rid = id(&r)?;
        let retailer_key = r["first_key"]["secret"]
            .as_str()
            .ok_or_else(|| anyhow!("no first_key in {r}"))?
            .to_owned();
        sys.link_as_before(rid, mid).await?;
        post_as(
            client,
            &format!("{}/api/manufacturers/{mid}/agreements", sys.manufacturer),
            json!({"retailer_id": rid, "currency": "EUR", "coverage_months": 24, "doa_days": 14,
                   "reimbursement_percent": "80", "handling_fee": {"amount": "25.00", "currency": "EUR"},
                   "decision_deadline_days": 14}),
            Some(&manufacturer_key),
        )
        .await?;
        sys.accept_as_before(rid).await?;
        post_as(
            client,
            &format!("{}/api/retailers/{rid}/products", sys.retailer),
            json!({"sku": "B-1", "name": "Bench washer", "manufacturer_id": mid, "price": {"amount": "499.00", "currency": "EUR"}}),
            Some(&retailer_key),
        )
        .await?;
        let tomorrow = Utc::now() + chrono::Duration::days(1);
        Ok(Party {
            rid,
            retailer_key,
            run: Uuid::now_v7().simple().to_string(),
            made: AtomicUsize::new(0),
            window: (
                tomorrow.to_rfc3339(),
                (tomorrow + chrono::Duration::hours(4)).to_rfc3339(),
            ),
        })
    }

    /// `n` sales, three days old, and a case on each; `concurrency` in flight.
    async fn cases(
        &self,
        sys: &System,
        client: &reqwest::Client,
        n: usize,
        concurrency: usize,
    ) -> anyhow::Result<Vec<Case>> {
        let sold_at = (Utc::now() - chrono::Duration::days(3)).to_rfc3339();
        let first = self.made.fetch_add(n, Ordering::Relaxed);
        for_each(n, concurrency, Progress::new("cases", n), |i| {
            let (base, rid, run, key, sold_at) =
                (&sys.retailer, self.rid, &self.run, &self.retailer_key, &sold_at);
            let i = first + i;
            async move {
                let serial = format!("B-{run}-{i}");
                post_as(
                    client,
                    &format!("{base}/api/retailers/{rid}/sales"),
                    json!({"receipt_no": format!("R-{run}-{i}"), "sku": "B-1", "serial": serial,
                           "price_paid": {"amount": "499.00", "currency": "EUR"}, "sold_at": sold_at,
                           "customer": {"name": "Kundin", "phone": "+49 1", "street": "Weg 1", "postcode": "10115", "city": "Berlin", "country": "DE"}}),
                    Some(key),
                )
                .await?;
                let case = post_as(
                    client,
                    &format!("{base}/api/retailers/{rid}/cases"),
                    json!({"serial": serial, "defect_category": "does_not_start", "defect_description": "bench"}),
                    Some(key),
                )
                .await?;
                Ok(Case {
                    id: id(&case)?,
                    serial,
                })
            }
        })
        .await
    }

    /// Approves a swap on every case: closed loop at `concurrency`, or open loop at `rate` (at
    /// most `concurrency` in flight; each latency counts from the planned start, so a stall is
    /// not hidden). Returns each swap's id and its approval's latency.
    async fn approve_all(
        &self,
        sys: &System,
        client: &reqwest::Client,
        cases: &[Case],
        concurrency: usize,
        rate: Option<f64>,
    ) -> anyhow::Result<Vec<(Uuid, Duration)>> {
        let started = Instant::now();
        for_each(
            cases.len(),
            concurrency,
            Progress::new("approved", cases.len()),
            |i| {
                let (base, rid, key, (ws, we)) =
                    (&sys.retailer, self.rid, &self.retailer_key, &self.window);
                let planned = rate.map(|r| started + Duration::from_secs_f64(i as f64 / r));
                async move {
                    if let Some(at) = planned {
                        tokio::time::sleep_until(at.into()).await;
                    }
                    let t = planned.unwrap_or_else(Instant::now);
                    let body = post_as(
                        client,
                        &format!("{base}/api/retailers/{rid}/cases/{}/swap", cases[i].id),
                        json!({"window_start": ws, "window_end": we}),
                        Some(key),
                    )
                    .await?;
                    let swap_id: Uuid = body["swap_id"]
                        .as_str()
                        .and_then(|s| s.parse().ok())
                        .ok_or_else(|| anyhow!("no swap_id"))?;
                    Ok((swap_id, t.elapsed()))
                }
            },
        )
        .await
    }
}

/// One run: `swaps` approvals, closed loop at `concurrency` or open loop at `rate` (at most
/// `concurrency` in flight), until every claim decision is back at the retailer.
async fn system_run(
    sys: &System,
    swaps: usize,
    concurrency: usize,
    rate: Option<f64>,
) -> anyhow::Result<Flow> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()?;
    sys.check_ready(&client).await?;
    let retailer_db = &sys.retailer_db;
    let logistics_db = &sys.logistics_db;

    println!(
        "setup: a manufacturer, a retailer, their agreement, a product, {} sales and cases",
        swaps
    );
    let party = Party::setup(sys, &client).await?;
    let cases = party.cases(sys, &client, swaps, concurrency).await?;
    sys.analyze().await?;

    match rate {
        Some(r) => println!(
            "run: {} swap approvals, open loop at {r}/s, at most {} in flight",
            swaps, concurrency
        ),
        None => println!(
            "run: {} swap approvals, closed loop at concurrency {}",
            swaps, concurrency
        ),
    }
    let db_started = sys.now().await?;
    let started = Instant::now();
    let latencies = party
        .approve_all(sys, &client, &cases, concurrency, rate)
        .await?;
    let approvals_done = started.elapsed();

    // Wait until every claim decision is visible at the retailer.
    let swap_ids: Vec<String> = latencies.iter().map(|(s, _)| format!("'{s}'")).collect();
    let in_run = swap_ids.join(",");
    let decided_sql = format!(
        "SELECT count(*) FROM claims WHERE swap_id IN ({in_run}) AND status <> 'submitted'"
    );
    let progress = Progress::new("decisions back at the retailer", swaps);
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let n = count(retailer_db, &decided_sql).await?.max(0) as usize;
        progress.done.store(n, Ordering::Relaxed);
        if n >= swaps {
            break;
        }
        if Instant::now() > deadline {
            bail!(
                "only {n} of {} claim decisions reached the retailer within 5 minutes",
                swaps
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let flow_done = started.elapsed();
    let db_done = sys.now().await?;
    tokio::time::sleep(Duration::from_millis(1100)).await; // let the progress line finish
    let hops = sys.hops_between(db_started, db_done).await?;

    let approved_at = timestamps(
        retailer_db,
        &format!("SELECT id, approved_at FROM swaps WHERE id IN ({in_run})"),
    )
    .await?;
    let job_at = timestamps(
        logistics_db,
        &format!("SELECT swap_id, created_at FROM jobs WHERE swap_id IN ({in_run})"),
    )
    .await?;
    let decision_seen = timestamps(
        retailer_db,
        &format!(
            "SELECT s.id, i.received_at FROM swaps s JOIN claims c ON c.swap_id = s.id \
             JOIN timeline t ON t.case_id = s.case_id AND t.kind = 'claim_decided' \
             JOIN inbox i ON i.message_id = t.message_id WHERE s.id IN ({in_run})"
        ),
    )
    .await?;

    let mut approval = hist();
    for (_, d) in &latencies {
        approval.record(d.as_micros().max(1) as u64)?;
    }
    let mut to_job = hist();
    let mut to_decision = hist();
    for (swap, at) in &approved_at {
        if let Some(j) = job_at.get(swap) {
            to_job.record((*j - *at).num_microseconds().unwrap_or(0).max(1) as u64)?;
        }
        if let Some(d) = decision_seen.get(swap) {
            to_decision.record((*d - *at).num_microseconds().unwrap_or(0).max(1) as u64)?;
        }
    }
    let swaps_per_s = swaps as f64 / flow_done.as_secs_f64();
    let hops_per_s = hops as f64 / flow_done.as_secs_f64();
    match rate {
        Some(r) => println!(
            "\n== the system: {swaps} swaps, open loop at {r}/s, at most {concurrency} in flight =="
        ),
        None => println!("\n== the system: {swaps} swaps, {concurrency} concurrent clients =="),
    }
    println!(
        "  approvals/s {:>10.1}   swaps/s through the whole flow {:>8.1}   ({:.2} s to the last decision)",
        swaps as f64 / approvals_done.as_secs_f64(),
        swaps_per_s,
        flow_done.as_secs_f64()
    );
    println!(
        "  message hops/s {hops_per_s:>7.1}   ({hops} messages applied by the consumers until the last decision, {:.2} per swap)",
        hops as f64 / swaps as f64
    );
    summary("approval request (HTTP round trip)", &approval);
    summary("approval → job stored by logistics", &to_job);
    summary("approval → claim decision at the retailer", &to_decision);
    if sys.in_process.is_some() {
        match peak_rss(&client, &sys.retailer).await {
            Some(mb) => println!(
                "  peak RSS (bench process: all three services and the load) {mb:>8.1} MiB"
            ),
            None => println!("  peak RSS n/a"),
        }
        return Ok(Flow {
            swaps_per_s,
            hops_per_s,
        });
    }
    for (name, base) in [
        ("retailer", &sys.retailer),
        ("manufacturer", &sys.manufacturer),
        ("logistics", &sys.logistics),
    ] {
        match peak_rss(&client, base).await {
            Some(mb) => println!("  peak RSS {name:<13} {mb:>8.1} MiB"),
            None => println!("  peak RSS {name:<13}      n/a"),
        }
    }
    Ok(Flow {
        swaps_per_s,
        hops_per_s,
    })
}

/// The naive hop on the raw stack, no framework of ours, one message at a time: producers (per
/// message a transaction with a row and an outbox row, a publish to a quorum queue, await its
/// confirm) and consumers (prefetch 16; per message a transaction with an inbox row and a row,
/// then the ack). On a database of its own, dropped afterwards. Returns hops per second.
async fn raw_run(a: &Args) -> anyhow::Result<f64> {
    let admin = Database::connect(format!("{}/postgres", a.pg)).await?;
    let dbname = format!("bench_naive_{}", &Uuid::new_v4().simple().to_string()[..8]);
    admin
        .execute_unprepared(&format!("CREATE DATABASE {dbname}"))
        .await?;
    let db = Database::connect(format!("{}/{dbname}", a.pg)).await?;
    db.execute_unprepared(
        "CREATE TABLE raw_row (id uuid PRIMARY KEY, side text NOT NULL, at timestamptz NOT NULL DEFAULT now()); \
         CREATE TABLE raw_outbox (id uuid PRIMARY KEY, payload jsonb NOT NULL, sent_at timestamptz); \
         CREATE TABLE raw_inbox (message_id uuid PRIMARY KEY, at timestamptz NOT NULL DEFAULT now());",
    )
    .await?;
    let conn = Connection::connect(&a.amqp, ConnectionProperties::default()).await?;
    let queue = format!("bench.raw.{}", Uuid::now_v7().simple());
    let setup = conn.create_channel().await?;
    let mut args = FieldTable::default();
    args.insert(
        "x-queue-type".into(),
        AMQPValue::LongString("quorum".into()),
    );
    setup
        .queue_declare(
            queue.as_str().into(),
            QueueDeclareOptions {
                durable: true,
                ..Default::default()
            },
            args,
        )
        .await?;

    let n = a.raw_messages;
    let workers = a.raw_workers;
    println!(
        "\nnaive hop: {n} hops, {workers} producers / {workers} consumers (prefetch {NAIVE_PREFETCH})"
    );
    let progress = Progress::new("naive hops", n);
    let hops = Arc::new(tokio::sync::Mutex::new(hist()));
    let received = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut consumers = Vec::new();
    for _ in 0..workers {
        let ch = conn.create_channel().await?;
        ch.basic_qos(NAIVE_PREFETCH, BasicQosOptions::default())
            .await?;
        let mut consumer = ch
            .basic_consume(
                queue.as_str().into(),
                "".into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await?;
        let (db, hops, received, progress) =
            (db.clone(), hops.clone(), received.clone(), progress.clone());
        consumers.push(tokio::spawn(async move {
            while received.load(Ordering::Relaxed) < n {
                let next = tokio::time::timeout(Duration::from_millis(200), consumer.next()).await;
                let Ok(Some(Ok(d))) = next else { continue };
                let body: Value = serde_json::from_slice(&d.data)?;
                let mid: Uuid = body["id"]
                    .as_str()
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| anyhow!("id"))?;
                let sent_us = body["sent_us"].as_u64().unwrap_or(0);
                let txn = sea_orm::TransactionTrait::begin(&db).await?;
                txn.execute_raw(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "INSERT INTO raw_inbox (message_id) VALUES ($1) ON CONFLICT DO NOTHING",
                    [mid.into()],
                ))
                .await?;
                txn.execute_raw(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "INSERT INTO raw_row (id, side) VALUES ($1, 'consumer')",
                    [Uuid::now_v7().into()],
                ))
                .await?;
                txn.commit().await?;
                d.ack(BasicAckOptions::default()).await?;
                let now_us = started.elapsed().as_micros() as u64;
                hops.lock()
                    .await
                    .record(now_us.saturating_sub(sent_us).max(1))?;
                received.fetch_add(1, Ordering::Relaxed);
                progress.tick();
            }
            Ok::<_, anyhow::Error>(())
        }));
    }
    let per = n.div_ceil(workers);
    let mut producers = Vec::new();
    for w in 0..workers {
        let ch = conn.create_channel().await?;
        ch.confirm_select(ConfirmSelectOptions::default()).await?;
        let (db, queue) = (db.clone(), queue.clone());
        let count = per.min(n.saturating_sub(w * per));
        producers.push(tokio::spawn(async move {
            for _ in 0..count {
                let mid = Uuid::now_v7();
                let sent_us = started.elapsed().as_micros() as u64;
                let payload = json!({"id": mid, "sent_us": sent_us});
                let txn = sea_orm::TransactionTrait::begin(&db).await?;
                txn.execute_raw(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "INSERT INTO raw_row (id, side) VALUES ($1, 'producer')",
                    [Uuid::now_v7().into()],
                ))
                .await?;
                txn.execute_raw(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "INSERT INTO raw_outbox (id, payload) VALUES ($1, $2)",
                    [mid.into(), payload.clone().into()],
                ))
                .await?;
                txn.commit().await?;
                ch.basic_publish(
                    "".into(),
                    queue.as_str().into(),
                    BasicPublishOptions::default(),
                    payload.to_string().as_bytes(),
                    BasicProperties::default().with_delivery_mode(2),
                )
                .await?
                .await?;
            }
            Ok::<_, anyhow::Error>(())
        }));
    }
    for p in producers {
        p.await??;
    }
    for c in consumers {
        c.await??;
    }
    let elapsed = started.elapsed();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let rate = n as f64 / elapsed.as_secs_f64();
    println!("\n== the naive hop ==");
    println!("  hops/s {rate:>10.1}   ({:.2} s)", elapsed.as_secs_f64());
    summary(
        "one hop: tx → confirmed publish → tx → ack",
        &*hops.lock().await,
    );
    setup
        .queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
        .await?;
    let _ = conn.close(200, "done".into()).await;
    let _ = db.close().await;
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {dbname} WITH (FORCE)"))
        .await?;
    let _ = admin.close().await;
    Ok(rate)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    println!(
        "machine: {} cores, {}",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|m| m.lines().next().map(|l| l
                .split_whitespace()
                .nth(1)
                .unwrap_or("?")
                .to_owned()))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map(|kb| format!("{:.1} GiB RAM", kb / 1024.0 / 1024.0))
            .unwrap_or_default()
    );
    println!("load average (1, 5, 15 min): {}", load_average());
    let sys = if args.in_process {
        System::in_process(&args, &args.amqp, BUILDS).await?
    } else {
        System::running(&args).await?
    };
    let result = runs(&args, &sys).await;
    sys.finish().await?;
    result?;
    if args.outage_seconds > 0.0 {
        if args.in_process || args.outage_bins.is_some() {
            outage::run(&args).await?;
        } else {
            println!(
                "\nbroker-outage run: skipped — it needs --in-process or --outage-bins (the bench \
                 stops a RabbitMQ node of its own, never the machine's broker the running system \
                 uses)"
            );
        }
    }
    println!("\nload average at the end: {}", load_average());
    Ok(())
}

/// The first run (closed loop, or open loop with `--rate`), the open-loop runs of `--rates`, the
/// naive hop and the ratio.
async fn runs(args: &Args, sys: &System) -> anyhow::Result<()> {
    let first = system_run(sys, args.swaps, args.concurrency, args.rate).await?;
    for &rate in &args.rates {
        let swaps = ((rate * args.open_seconds).round() as usize).max(1);
        system_run(sys, swaps, args.open_in_flight, Some(rate)).await?;
    }
    if !args.skip_raw {
        let naive = raw_run(args).await?;
        println!("\n== ratio (first run) ==");
        println!(
            "  message hops/s through the flow ÷ naive hops/s = {:.2}   ({:.1} ÷ {naive:.1}; swaps/s ÷ naive hops/s = {:.2})",
            first.hops_per_s / naive,
            first.hops_per_s,
            first.swaps_per_s / naive
        );
    }
    println!("\nload average after the runs: {}", load_average());
    Ok(())
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "n/a".to_owned())
}
