//! Kümmerer benchmark: drives N swaps through the running system at a chosen concurrency and
//! prints throughput and latencies, each service's peak RSS, and — in the same run — the raw
//! stack on its own (one PostgreSQL transaction with a row and an outbox row, a confirmed
//! publish, a consumer transaction with an inbox row and a row, the ack), so the cost of our
//! machinery is visible.
//!
//! ```text
//! PROFILE=release deploy/native/up.sh
//! cargo run --release -p bench -- --swaps 2000 --concurrency 32
//! ```
#![allow(clippy::expect_used)]

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow, bail};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use hdrhistogram::Histogram;
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
}

const USAGE: &str = "usage: bench [--swaps N] [--concurrency C] [--retailer URL] [--manufacturer URL] \
[--operator-token TOKEN (default $KUMMERER_OPERATOR_TOKEN or dev-operator-token)] \
[--logistics URL] [--pg postgres://…/ (server, databases kummerer_<service>)] [--amqp URL] \
[--raw-messages N] [--raw-workers N] [--skip-raw] [--rate SWAPS_PER_S (open loop)]";

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
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--skip-raw" {
            a.skip_raw = true;
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
            "--rate" => {
                let r: f64 = value
                    .parse()
                    .map_err(|_| anyhow!("--rate takes swaps per second, got {value:?}"))?;
                if r.is_nan() || r <= 0.0 {
                    bail!("--rate must be positive");
                }
                a.rate = Some(r);
            }
            other => bail!("unknown flag {other}\n{USAGE}"),
        }
    }
    if a.swaps == 0 {
        bail!("--swaps must be at least 1");
    }
    Ok(a)
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
    let res = req.send().await.with_context(|| format!("POST {url}"))?;
    let status = res.status();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        bail!("POST {url} answered {status}: {body}");
    }
    Ok(body)
}

fn id(v: &Value) -> anyhow::Result<Uuid> {
    v["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| anyhow!("no id in {v}"))
}

/// Runs `f(i)` for i in 0..n with `concurrency` in flight.
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
    let results: Vec<anyhow::Result<T>> = futures_util::stream::iter(0..n)
        .map(|i| {
            let p = progress.clone();
            let fut = f(i);
            async move {
                let r = fut.await;
                p.tick();
                r
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    results.into_iter().collect()
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

async fn system_run(a: &Args) -> anyhow::Result<f64> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(a.concurrency)
        .build()?;
    for base in [&a.retailer, &a.manufacturer, &a.logistics] {
        let ready = client.get(format!("{base}/ready")).send().await;
        if !ready.map(|r| r.status().is_success()).unwrap_or(false) {
            bail!("{base}/ready does not answer 200: start the system first (deploy/native/up.sh)");
        }
    }
    let retailer_db = Database::connect(format!("{}/kummerer_retailer", a.pg))
        .await
        .context("retailer database")?;
    let logistics_db = Database::connect(format!("{}/kummerer_logistics", a.pg))
        .await
        .context("logistics database")?;

    println!(
        "setup: a manufacturer, a retailer, their agreement, a product, {} sales and cases",
        a.swaps
    );
    let m = post_as(
        &client,
        &format!("{}/api/manufacturers", a.manufacturer),
        json!({"name": "Bench Werke"}),
        Some(&a.operator_token),
    )
    .await?;
    let mid = id(&m)?;
    let manufacturer_key = m["api_key"]
        .as_str()
        .ok_or_else(|| anyhow!("no api_key in {m}"))?
        .to_owned();
    // The operator makes the retailer with its first integration key (approving up to any
    // bench swap alone: the run measures approvals, not managers).
    let r = post_as(
        &client,
        &format!("{}/api/retailers", a.retailer),
        json!({"name": "Bench Markt", "first_key": {"name": "bench",
               "approval_limit": {"amount": "1000000.00", "currency": "EUR"}}}),
        Some(&a.operator_token),
    )
    .await?;
    let rid = id(&r)?;
    let retailer_key = r["first_key"]["secret"]
        .as_str()
        .ok_or_else(|| anyhow!("no first_key in {r}"))?
        .to_owned();
    post_as(
        &client,
        &format!("{}/api/manufacturers/{mid}/agreements", a.manufacturer),
        json!({"retailer_id": rid, "currency": "EUR", "coverage_months": 24, "doa_days": 14,
               "reimbursement_percent": "80", "handling_fee": {"amount": "25.00", "currency": "EUR"},
               "decision_deadline_days": 14}),
        Some(&manufacturer_key),
    )
    .await?;
    post_as(
        &client,
        &format!("{}/api/retailers/{rid}/products", a.retailer),
        json!({"sku": "B-1", "name": "Bench washer", "manufacturer_id": mid, "price": {"amount": "499.00", "currency": "EUR"}}),
        Some(&retailer_key),
    )
    .await?;
    let run = Uuid::now_v7().simple().to_string();
    let sold_at = (Utc::now() - chrono::Duration::days(3)).to_rfc3339();
    let cases = for_each(a.swaps, a.concurrency, Progress::new("cases", a.swaps), |i| {
        let (client, base, run, sold_at, key) =
            (&client, &a.retailer, &run, &sold_at, &retailer_key);
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
            id(&case)
        }
    })
    .await?;

    match a.rate {
        Some(r) => println!(
            "run: {} swap approvals, open loop at {r}/s, at most {} in flight",
            a.swaps, a.concurrency
        ),
        None => println!(
            "run: {} swap approvals, closed loop at concurrency {}",
            a.swaps, a.concurrency
        ),
    }
    let window_start = (Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    let window_end =
        (Utc::now() + chrono::Duration::days(1) + chrono::Duration::hours(4)).to_rfc3339();
    let started = Instant::now();
    let latencies = for_each(
        a.swaps,
        a.concurrency,
        Progress::new("approved", a.swaps),
        |i| {
            let (client, base, cases, ws, we, key) = (
                &client,
                &a.retailer,
                &cases,
                &window_start,
                &window_end,
                &retailer_key,
            );
            let planned = a
                .rate
                .map(|r| started + Duration::from_secs_f64(i as f64 / r));
            async move {
                if let Some(at) = planned {
                    tokio::time::sleep_until(at.into()).await;
                }
                let t = planned.unwrap_or_else(Instant::now);
                let body = post_as(
                    client,
                    &format!("{base}/api/retailers/{rid}/cases/{}/swap", cases[i]),
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
    .await?;
    let approvals_done = started.elapsed();

    // Wait until every claim decision is visible at the retailer.
    let swap_ids: Vec<String> = latencies.iter().map(|(s, _)| format!("'{s}'")).collect();
    let in_run = swap_ids.join(",");
    let decided_sql = format!(
        "SELECT count(*) FROM claims WHERE swap_id IN ({in_run}) AND status <> 'submitted'"
    );
    let progress = Progress::new("decisions back at the retailer", a.swaps);
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let row = retailer_db
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                decided_sql.clone(),
            ))
            .await?
            .ok_or_else(|| anyhow!("no count"))?;
        let n = row.try_get_by_index::<i64>(0)? as usize;
        progress.done.store(n, Ordering::Relaxed);
        if n >= a.swaps {
            break;
        }
        if Instant::now() > deadline {
            bail!(
                "only {n} of {} claim decisions reached the retailer within 5 minutes",
                a.swaps
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let flow_done = started.elapsed();
    tokio::time::sleep(Duration::from_millis(1100)).await; // let the progress line finish

    let approved_at = timestamps(
        &retailer_db,
        &format!("SELECT id, approved_at FROM swaps WHERE id IN ({in_run})"),
    )
    .await?;
    let job_at = timestamps(
        &logistics_db,
        &format!("SELECT swap_id, created_at FROM jobs WHERE swap_id IN ({in_run})"),
    )
    .await?;
    let decision_seen = timestamps(
        &retailer_db,
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
    let swaps_per_s = a.swaps as f64 / flow_done.as_secs_f64();
    println!(
        "\n== the system: {} swaps, {} concurrent clients ==",
        a.swaps, a.concurrency
    );
    println!(
        "  approvals/s {:>10.1}   swaps/s through the whole flow {:>8.1}   ({:.2} s to the last decision)",
        a.swaps as f64 / approvals_done.as_secs_f64(),
        swaps_per_s,
        flow_done.as_secs_f64()
    );
    summary("approval request (HTTP round trip)", &approval);
    summary("approval → job stored by logistics", &to_job);
    summary("approval → claim decision at the retailer", &to_decision);
    for (name, base) in [
        ("retailer", &a.retailer),
        ("manufacturer", &a.manufacturer),
        ("logistics", &a.logistics),
    ] {
        match peak_rss(&client, base).await {
            Some(mb) => println!("  peak RSS {name:<13} {mb:>8.1} MiB"),
            None => println!("  peak RSS {name:<13}      n/a"),
        }
    }
    Ok(swaps_per_s)
}

/// The raw stack: producers (tx: row + outbox row; confirmed publish) and consumers (tx: inbox
/// row + row; ack), no framework of ours. Returns hops per second.
async fn raw_run(a: &Args) -> anyhow::Result<f64> {
    let admin = Database::connect(format!("{}/postgres", a.pg)).await?;
    let dbname = "kummerer_bench_raw";
    let exists = admin
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            format!("SELECT 1 FROM pg_database WHERE datname = '{dbname}'"),
        ))
        .await?
        .is_some();
    if !exists {
        admin
            .execute_unprepared(&format!("CREATE DATABASE {dbname}"))
            .await?;
    }
    let _ = admin.close().await;
    let db = Database::connect(format!("{}/{dbname}", a.pg)).await?;
    db.execute_unprepared(
        "DROP TABLE IF EXISTS raw_row, raw_outbox, raw_inbox; \
         CREATE TABLE raw_row (id uuid PRIMARY KEY, side text NOT NULL, at timestamptz NOT NULL DEFAULT now()); \
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
    println!("\nraw stack: {n} hops, {workers} producers / {workers} consumers");
    let progress = Progress::new("raw hops", n);
    let hops = Arc::new(tokio::sync::Mutex::new(hist()));
    let received = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut consumers = Vec::new();
    for _ in 0..workers {
        let ch = conn.create_channel().await?;
        ch.basic_qos(64, BasicQosOptions::default()).await?;
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
                db.execute_raw(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "UPDATE raw_outbox SET sent_at = now() WHERE id = $1",
                    [mid.into()],
                ))
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
    println!("\n== the raw stack ==");
    println!("  hops/s {rate:>10.1}   ({:.2} s)", elapsed.as_secs_f64());
    summary(
        "one hop: tx → confirmed publish → tx → ack",
        &*hops.lock().await,
    );
    setup
        .queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
        .await?;
    let _ = conn.close(200, "done".into()).await;
    db.execute_unprepared("DROP TABLE IF EXISTS raw_row, raw_outbox, raw_inbox")
        .await?;
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
    let swaps_per_s = system_run(&args).await?;
    if !args.skip_raw {
        let raw = raw_run(&args).await?;
        // A swap is 4 hops through the broker (swap approved, claim submitted, job scheduled,
        // claim decided), each an outbox row, a confirmed publish and an inbox transaction.
        println!("\n== ratio ==");
        println!(
            "  swaps/s ÷ raw hops/s = {:.2}   (message hops/s through our machinery ÷ raw = {:.2})",
            swaps_per_s / raw,
            swaps_per_s * 4.0 / raw
        );
    }
    Ok(())
}
