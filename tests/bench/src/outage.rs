//! The broker-outage run (issue 15): the three services — in this process, or with
//! `--outage-bins DIR` as processes of their own from DIR's binaries — on a RabbitMQ node of the
//! bench's own (`kummerer_testkit::rabbit`, as the fault tests use; the machine's broker is never
//! stopped), fresh databases and a blob directory of their own.
//!
//! 1. Before the outage: a manufacturer, a retailer, their agreement, a product; swaps whose
//!    jobs reach logistics (their visits are recorded during the outage); the cases to approve
//!    during the outage. Then every outbox empty and every decision back.
//! 2. `rabbitmqctl stop_app` for `--outage-seconds`. Meanwhile the counter approves swaps at
//!    `--outage-rate` (the retailer keeps them in its outbox), and the crew records the visits
//!    of the earlier jobs, each with a photo of the delivered replacement and one of the
//!    collected unit (`POST /api/jobs/{id}/photos`, then `delivered` / `collected` with the
//!    photo's id, as the e2e tests do): a backlog of photo messages forms (the photos travel by
//!    claim-check; the manufacturer fetches and checks each one when the evidence arrives).
//! 3. `start_app`; from the moment its AMQP port accepts again ("back"), the drain: every outbox empty, every swap decided at the retailer and its job
//!    at logistics, every photo stored as evidence by the manufacturer, every queue empty.
//!    Messages/s = inbox rows written by all consumers since the broker was back ÷ the time from
//!    then to the last of them (both by the database's clock).
//!
//! Peak RSS over the outage and the drain: each process's `VmHWM`, reset through its
//! `/proc/<pid>/clear_refs` just before the outage. In this process the services share one
//! figure, which includes the load generator and the photo it is uploading (each service's own
//! peak is at most that); with `--outage-bins`, one figure per service.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow, bail};
use chrono::{DateTime, Utc};
use kummerer_service::run::{Context, Parts};
use kummerer_service::telemetry::memory_bytes_of;
use kummerer_testkit::process::ServiceProcess;
use kummerer_testkit::rabbit::{self, RabbitNode};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use serde_json::json;
use uuid::Uuid;

use crate::{Args, Case, Party, Progress, System, answer, count, for_each, hist, post_as, summary};

/// Issue 15's goal: the backlog after a 60 s broker outage drains at least this fast.
const DRAIN_GOAL: f64 = 5_000.0;
/// Issue 15's goal: each service's RSS under load, a photo backlog included.
const RSS_GOAL_MIB: f64 = 150.0;
/// The drain fails the run when it takes longer.
const DRAIN_LIMIT: Duration = Duration::from_secs(600);
/// Visits recorded at once (each holds the photo it uploads in memory).
const VISITS_IN_FLIGHT: usize = 2;
/// How often the drain is looked at.
const POLL: Duration = Duration::from_millis(100);

/// The outage run's blob directory (a fresh temporary one, removed afterwards): the services'
/// `build` functions are plain `fn`s, so they find it here.
static BLOB_DIR: OnceLock<PathBuf> = OnceLock::new();

fn blobs() -> kummerer_blobs::Settings {
    kummerer_blobs::Settings::Local {
        dir: BLOB_DIR
            .get()
            .cloned()
            .unwrap_or_else(|| kummerer_blobs::DEFAULT_BLOB_DIR.into()),
    }
}

/// The manufacturer as `manufacturer::build` wires it, its blobs in [`BLOB_DIR`].
fn manufacturer_build(ctx: &Context) -> Parts {
    let mut settings = manufacturer::settings::Settings::of(&ctx.config);
    settings.blobs = blobs();
    manufacturer::build_with(ctx, settings)
}

/// Logistics as `logistics::build` wires it, its blobs in [`BLOB_DIR`].
fn logistics_build(ctx: &Context) -> Parts {
    let mut settings = logistics::settings::Settings::from_env(&ctx.config)
        .expect("the logistics variables of the environment");
    settings.blobs = blobs();
    logistics::build_with_settings(ctx, settings)
}

/// The broker-outage run: a node of its own, the services on it, the outage, the drain; all
/// removed afterwards.
pub(crate) async fn run(a: &Args) -> anyhow::Result<()> {
    println!(
        "\nbroker-outage run: a RabbitMQ node of the bench's own (the machine's broker is never \
         stopped), the three services {} on fresh databases",
        match &a.outage_bins {
            Some(bins) => format!("as processes of their own ({})", bins.display()),
            None => "in this process".to_owned(),
        }
    );
    // Blocks this worker while the node boots (nothing else runs yet).
    let node = Arc::new(RabbitNode::start().await);
    let dir =
        std::env::temp_dir().join(format!("kummerer-bench-blobs-{}", Uuid::now_v7().simple()));
    BLOB_DIR
        .set(dir.clone())
        .map_err(|_| anyhow!("the outage run's blob directory was already chosen"))?;
    let amqp = node.amqp_url();
    let sys = match &a.outage_bins {
        Some(bins) => System::processes(a, &amqp, bins, &dir).await,
        None => {
            System::in_process(
                a,
                &amqp,
                [retailer::build, manufacturer_build, logistics_build],
            )
            .await
        }
    };
    let result = match sys {
        Ok(sys) => {
            let started = Instant::now();
            let result = outage(a, &sys, &node).await;
            eprintln!(
                "broker-outage run: {:.1} s from the services' start to the end of the drain",
                started.elapsed().as_secs_f64()
            );
            result.and(sys.finish().await)
        }
        Err(e) => Err(e),
    };
    // The last handle: stops the node and removes its directory (blocking).
    tokio::task::spawn_blocking(move || drop(node)).await?;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn outage(a: &Args, sys: &System, node: &Arc<RabbitNode>) -> anyhow::Result<()> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(a.open_in_flight)
        .build()?;
    sys.check_ready(&client).await?;
    let visits = a.outage_photos.div_ceil(2);
    let swaps = ((a.outage_rate * a.outage_seconds).round() as usize).max(1);
    println!(
        "setup: a manufacturer, a retailer, their agreement, a product; {visits} swaps whose \
         visits the crew records during the outage (2 photos each); {swaps} cases to approve \
         during it"
    );
    let party = Party::setup(sys, &client).await?;
    let visit_cases = party.cases(sys, &client, visits, a.concurrency).await?;
    let approved = party
        .approve_all(sys, &client, &visit_cases, a.concurrency, None)
        .await?;
    let jobs = jobs_of(sys, &approved).await?;
    let cases = party.cases(sys, &client, swaps, a.concurrency).await?;
    sys.analyze().await?;
    until("every outbox empty and every decision back", async || {
        Ok(sys.outbox_waiting().await?.iter().all(|n| *n == 0)
            && decided(sys).await? >= visits as i64)
    })
    .await?;

    let peak = Memory::watch(sys.memory_places());
    let stop = node.clone();
    tokio::task::spawn_blocking(move || stop.ctl(&["stop_app"])).await?;
    let down = Instant::now();
    println!(
        "broker stopped (rabbitmqctl stop_app) for {} s: {swaps} approvals at {}/s (at most {} \
         in flight) and {visits} visits recorded with {} photos of {}–{} KiB",
        a.outage_seconds,
        a.outage_rate,
        a.open_in_flight,
        2 * visits,
        a.photo_bytes.0 / 1024,
        a.photo_bytes.1 / 1024,
    );
    let (approvals, photo_bytes) = tokio::join!(
        party.approve_all(sys, &client, &cases, a.open_in_flight, Some(a.outage_rate)),
        record_visits(sys, &client, &jobs, &visit_cases, a.photo_bytes),
    );
    let approvals = approvals.context("approving swaps while the broker is away")?;
    let photo_bytes = photo_bytes.context("recording visits while the broker is away")?;
    let outage = Duration::from_secs_f64(a.outage_seconds);
    let load_took = down.elapsed();
    if load_took > outage + Duration::from_secs(1) {
        println!(
            "  note: the load took {:.1} s, longer than the outage of {:.0} s: the broker comes \
             back only now",
            load_took.as_secs_f64(),
            a.outage_seconds
        );
    }
    tokio::time::sleep(outage.saturating_sub(load_took)).await;
    let backlog = sys.outbox_waiting().await?;
    let start = node.clone();
    let starting = tokio::task::spawn_blocking(move || {
        start.ctl(&["start_app"]);
        start.await_startup();
    });
    // Back when its AMQP port accepts again: the services reconnect from that moment, before
    // `rabbitmqctl` returns.
    accepting(node.port).await?;
    let away = down.elapsed();
    let back = sys.now().await?;
    let drain = drain(sys, node, back, visits + swaps, 2 * visits).await;
    starting.await?;
    let drain = drain?;
    let applied = sys.applied_since(back).await?;
    let peak = peak.stop();

    println!(
        "\n== broker outage: away {:.1} s, meanwhile {swaps} swaps approved and {} photos \
         ({:.1} MiB) uploaded ==",
        away.as_secs_f64(),
        2 * visits,
        mib(photo_bytes)
    );
    let mut approval = hist();
    for (_, d) in &approvals {
        approval.record(d.as_micros().max(1) as u64)?;
    }
    summary("approval request while the broker is away", &approval);
    println!(
        "  backlog when the broker came back: outbox rows waiting — retailer {}, manufacturer {}, \
         logistics {} ({} in all)",
        backlog[0],
        backlog[1],
        backlog[2],
        backlog.iter().sum::<i64>()
    );
    let seconds = |at: Option<DateTime<Utc>>| {
        at.map(|t| (t - back).num_microseconds().unwrap_or(0).max(1) as f64 / 1e6)
    };
    let (Some(first), Some(last)) = (seconds(applied.first), seconds(applied.last)) else {
        bail!("no message was applied after the broker came back");
    };
    let rate = applied.messages as f64 / last;
    println!(
        "  drain: {} messages applied by the consumers in {last:.2} s after the broker came back \
         = {rate:>8.1} messages/s   goal ≥ {DRAIN_GOAL:.0} messages/s: {}",
        applied.messages,
        met(rate >= DRAIN_GOAL)
    );
    println!(
        "  first message applied {first:.2} s after the broker came back (reconnecting); from \
         the first to the last {:>8.1} messages/s; every outbox empty for good after {:.2} s; all done \
         (queues empty) after {:.2} s",
        applied.messages as f64 / (last - first).max(1e-3),
        drain.outboxes_empty.as_secs_f64(),
        drain.done.as_secs_f64()
    );
    for (what, peak, before) in peak {
        println!(
            "  peak RSS over the outage and the drain, {what} {peak:>8.1} MiB   goal ≤ \
             {RSS_GOAL_MIB:.0} MiB per service: {}   (RSS just before the outage: {before:.1} MiB)",
            met(peak <= RSS_GOAL_MIB),
        );
    }
    Ok(())
}

/// Waits (up to two minutes) until the broker's AMQP port on 127.0.0.1 accepts a connection.
async fn accepting(port: u16) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(120);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        if Instant::now() > deadline {
            bail!(
                "the broker's port {port} does not accept connections two minutes after its start"
            );
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Ok(())
}

fn met(yes: bool) -> &'static str {
    if yes { "MET" } else { "MISSED" }
}

/// How long the drain took, from the broker back (wall clock).
struct Drained {
    outboxes_empty: Duration,
    done: Duration,
}

/// Waits until every outbox is empty, `swaps` claims are decided at the retailer and have their
/// job at logistics, the manufacturer holds `photos` photos as evidence, and every queue of the
/// run is empty; prints the backlog about once a second meanwhile.
async fn drain(
    sys: &System,
    node: &Arc<RabbitNode>,
    back: DateTime<Utc>,
    swaps: usize,
    photos: usize,
) -> anyhow::Result<Drained> {
    let started = Instant::now();
    let mut outboxes_empty = None;
    let mut next_line = Duration::ZERO;
    let prefix = sys
        .in_process
        .as_ref()
        .map(|p| p.prefix.clone())
        .ok_or_else(|| anyhow!("the outage run needs the services in this process"))?;
    loop {
        let waiting = sys.outbox_waiting().await?;
        let empty = waiting.iter().all(|n| *n == 0);
        // Since when every outbox has been empty (a consumer's new rows start it again).
        outboxes_empty = match (empty, outboxes_empty) {
            (true, None) => Some(started.elapsed()),
            (true, since) => since,
            (false, _) => None,
        };
        let t = started.elapsed();
        if t >= next_line {
            println!(
                "  +{:>5.1} s   outbox rows waiting: retailer {:>6}, manufacturer {:>6}, logistics \
                 {:>6}   messages applied since the broker came back {:>7}",
                t.as_secs_f64(),
                waiting[0],
                waiting[1],
                waiting[2],
                sys.applied_since(back).await?.messages
            );
            next_line += Duration::from_secs(1);
        }
        if empty
            && decided(sys).await? >= swaps as i64
            && count(&sys.logistics_db, "SELECT count(*) FROM jobs").await? >= swaps as i64
            && count(
                &sys.manufacturer_db,
                "SELECT count(*) FROM claim_evidence WHERE photo IS NOT NULL",
            )
            .await?
                >= photos as i64
        {
            let (name, prefix) = (node.name.clone(), prefix.clone());
            let queues =
                tokio::task::spawn_blocking(move || rabbit::queues(&name, &prefix)).await?;
            if queues.iter().all(|q| q.ready == 0 && q.unacked == 0) {
                return Ok(Drained {
                    outboxes_empty: outboxes_empty.unwrap_or_default(),
                    done: t,
                });
            }
        }
        if started.elapsed() > DRAIN_LIMIT {
            bail!(
                "the backlog did not drain within {DRAIN_LIMIT:?} (outbox rows waiting: {waiting:?})"
            );
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Claims decided at the retailer (the run's databases hold only the run's).
async fn decided(sys: &System) -> anyhow::Result<i64> {
    count(
        &sys.retailer_db,
        "SELECT count(*) FROM claims WHERE status <> 'submitted'",
    )
    .await
}

/// Polls `check` every [`POLL`] until it holds; fails naming `what` after a minute.
async fn until(
    what: &str,
    mut check: impl AsyncFnMut() -> anyhow::Result<bool>,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !check().await? {
        if Instant::now() > deadline {
            bail!("waited a minute for {what}");
        }
        tokio::time::sleep(POLL).await;
    }
    Ok(())
}

/// The job logistics made for each swap (in the order of `approved`), once all are there.
async fn jobs_of(sys: &System, approved: &[(Uuid, Duration)]) -> anyhow::Result<Vec<Uuid>> {
    let list: Vec<String> = approved.iter().map(|(s, _)| format!("'{s}'")).collect();
    let sql = format!(
        "SELECT swap_id, id FROM jobs WHERE swap_id IN ({})",
        list.join(",")
    );
    let mut jobs = std::collections::HashMap::new();
    until("a job at logistics for every swap", async || {
        jobs.clear();
        for row in sys
            .logistics_db
            .query_all_raw(Statement::from_string(DbBackend::Postgres, sql.clone()))
            .await?
        {
            jobs.insert(
                row.try_get_by_index::<Uuid>(0)?,
                row.try_get_by_index::<Uuid>(1)?,
            );
        }
        Ok(jobs.len() >= approved.len())
    })
    .await?;
    approved
        .iter()
        .map(|(swap, _)| {
            jobs.get(swap)
                .copied()
                .ok_or_else(|| anyhow!("no job for {swap}"))
        })
        .collect()
}

/// The crew records each visit: a photo of the delivered replacement, `delivered`, a photo of
/// the collected unit, `collected`. Returns the bytes uploaded.
async fn record_visits(
    sys: &System,
    client: &reqwest::Client,
    jobs: &[Uuid],
    cases: &[Case],
    sizes: (usize, usize),
) -> anyhow::Result<u64> {
    let base = &sys.logistics;
    let token = sys.operator_token.as_str();
    let sent = for_each(
        jobs.len(),
        VISITS_IN_FLIGHT,
        Progress::new("visits recorded with photos", jobs.len()),
        |i| async move {
            let job = jobs[i];
            let serial = &cases[i].serial;
            let mut bytes = 0;
            for (n, kind, body) in [
                (
                    2 * i,
                    "delivered",
                    json!({"delivered_serial": format!("{serial}-NEW"), "recipient_name": "Kundin"}),
                ),
                (2 * i + 1, "collected", json!({"collected_serial": serial})),
            ] {
                let image = photo(n, sizes);
                bytes += image.len() as u64;
                let url = format!("{base}/api/jobs/{job}/photos?kind={kind}");
                let req = client
                    .post(&url)
                    .bearer_auth(token)
                    .header("content-type", "image/png")
                    .body(image);
                let uploaded = answer(req, &url).await?;
                let mut body = body;
                body["photo_id"] = uploaded["id"].clone();
                post_as(
                    client,
                    &format!("{base}/api/jobs/{job}/{kind}"),
                    body,
                    Some(token),
                )
                .await?;
            }
            Ok(bytes)
        },
    )
    .await?;
    Ok(sent.iter().sum())
}

/// Photo number `n`: between `min` and `max` bytes, a PNG signature and then pseudo-random bytes
/// (as incompressible as a real photo; logistics checks the signature, not the picture).
fn photo(n: usize, (min, max): (usize, usize)) -> Vec<u8> {
    let size = min + n.wrapping_mul(7_919) % (max.saturating_sub(min) + 1);
    let mut bytes = Vec::with_capacity(size + 8);
    bytes.extend_from_slice(b"\x89PNG\r\n\x1a\n");
    let mut x = 0x9E37_79B9_7F4A_7C15_u64 ^ (n as u64 + 1);
    while bytes.len() < size {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        bytes.extend_from_slice(&x.to_le_bytes());
    }
    bytes.truncate(size);
    bytes
}

/// What the consumers of the three services applied since a time.
struct Applied {
    messages: i64,
    first: Option<DateTime<Utc>>,
    last: Option<DateTime<Utc>>,
}

impl System {
    /// The three services as processes of their own (`<bins>/retailer`, `…/manufacturer`,
    /// `…/logistics`) on fresh databases, the broker at `amqp` and the blob directory `blobs`.
    async fn processes(
        a: &Args,
        amqp: &str,
        bins: &std::path::Path,
        blobs: &std::path::Path,
    ) -> anyhow::Result<System> {
        let names = ["retailer", "manufacturer", "logistics"];
        for name in names {
            if !bins.join(name).is_file() {
                bail!(
                    "--outage-bins: no {} (build them first: cargo build --release -p retailer \
                     -p manufacturer -p logistics)",
                    bins.join(name).display()
                );
            }
        }
        let dbs = crate::fresh_databases(a).await?;
        let prefix = bench::broker_prefix();
        let operator_token = crate::operator_token();
        let mut processes = Vec::new();
        for (name, db) in names.into_iter().zip(&dbs) {
            let env = std::collections::HashMap::from([
                ("DATABASE_URL".to_owned(), db.url.clone()),
                ("AMQP_URL".to_owned(), amqp.to_owned()),
                ("KUMMERER_BROKER_PREFIX".to_owned(), prefix.clone()),
                ("KUMMERER_BLOB_DIR".to_owned(), blobs.display().to_string()),
                ("KUMMERER_OPERATOR_TOKEN".to_owned(), operator_token.clone()),
                ("KUMMERER_SHUTDOWN_TIMEOUT_S".to_owned(), "5".to_owned()),
                ("RUST_LOG".to_owned(), "warn".to_owned()),
            ]);
            let mut process =
                ServiceProcess::new(name, bins.join(name), env, kummerer_testkit::free_port());
            process.start();
            processes.push(process);
        }
        let client = reqwest::Client::new();
        for p in &processes {
            kummerer_testkit::wait_ready(
                &client,
                &format!("{}/ready", p.base_url()),
                Duration::from_secs(60),
            )
            .await;
            eprintln!(
                "{} serving on {} (broker prefix {prefix})",
                p.name,
                p.base_url()
            );
        }
        let urls = processes.iter().map(ServiceProcess::base_url).collect();
        Ok(System::started(
            urls,
            operator_token,
            crate::InProcess {
                prefix,
                amqp: amqp.to_owned(),
                running: Vec::new(),
                processes,
                dbs: dbs.into(),
            },
        ))
    }

    /// Where the services' memory is read: each process of its own, else this process.
    fn memory_places(&self) -> Vec<(String, PathBuf)> {
        match &self.in_process {
            Some(started) if !started.processes.is_empty() => started
                .processes
                .iter()
                .filter_map(|p| {
                    let pid = p.pid()?;
                    Some((
                        format!("{:<13}", p.name),
                        PathBuf::from(format!("/proc/{pid}")),
                    ))
                })
                .collect(),
            _ => vec![(
                "this process (all three services, the load and the photo being uploaded; \
                 each service's own is at most this)"
                    .to_owned(),
                PathBuf::from("/proc/self"),
            )],
        }
    }

    /// Outbox rows not yet published: retailer, manufacturer, logistics.
    async fn outbox_waiting(&self) -> anyhow::Result<[i64; 3]> {
        let sql = "SELECT count(*) FROM outbox WHERE sent_at IS NULL";
        Ok([
            count(&self.retailer_db, sql).await?,
            count(&self.manufacturer_db, sql).await?,
            count(&self.logistics_db, sql).await?,
        ])
    }

    /// Inbox rows written by every consumer of the three services since `from`, and the
    /// first and last of their times.
    async fn applied_since(&self, from: DateTime<Utc>) -> anyhow::Result<Applied> {
        let mut all = Applied {
            messages: 0,
            first: None,
            last: None,
        };
        for db in [&self.retailer_db, &self.manufacturer_db, &self.logistics_db] {
            let (n, first, last) = applied_in(db, from).await?;
            all.messages += n;
            all.first = all.first.into_iter().chain(first).min();
            all.last = all.last.into_iter().chain(last).max();
        }
        Ok(all)
    }
}

async fn applied_in(
    db: &DatabaseConnection,
    from: DateTime<Utc>,
) -> anyhow::Result<(i64, Option<DateTime<Utc>>, Option<DateTime<Utc>>)> {
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT count(*), min(received_at), max(received_at) FROM inbox WHERE received_at >= $1",
            [from.into()],
        ))
        .await?
        .ok_or_else(|| anyhow!("no inbox count"))?;
    Ok((
        row.try_get_by_index(0)?,
        row.try_get_by_index(1)?,
        row.try_get_by_index(2)?,
    ))
}

/// Peak resident memory from now on, of each place watched (a process's `/proc/<pid>`):
/// `VmHWM` reset through its `clear_refs` (Linux), and `VmRSS` sampled every 50 ms besides, in
/// case the reset is refused.
struct Memory {
    places: Vec<Place>,
    task: tokio::task::JoinHandle<()>,
}

/// One process watched.
struct Place {
    /// What the process holds, as printed.
    what: String,
    dir: PathBuf,
    /// `VmRSS` when the watch began (MiB).
    before: f64,
    reset: bool,
    sampled: Arc<AtomicU64>,
}

impl Memory {
    /// Watches each `(what, /proc/<pid>)`; a place without a readable status is left out.
    fn watch(places: Vec<(String, PathBuf)>) -> Memory {
        let places: Vec<Place> = places
            .into_iter()
            .filter_map(|(what, dir)| {
                let (rss, _) = memory_bytes_of(&dir)?;
                let reset = std::fs::write(dir.join("clear_refs"), "5").is_ok();
                Some(Place {
                    what,
                    dir,
                    before: mib(rss),
                    reset,
                    sampled: Arc::new(AtomicU64::new(rss)),
                })
            })
            .collect();
        let watched: Vec<(PathBuf, Arc<AtomicU64>)> = places
            .iter()
            .map(|p| (p.dir.clone(), p.sampled.clone()))
            .collect();
        let task = tokio::spawn(async move {
            loop {
                for (dir, max) in &watched {
                    if let Some((rss, _)) = memory_bytes_of(dir) {
                        max.fetch_max(rss, Ordering::Relaxed);
                    }
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        });
        Memory { places, task }
    }

    /// Per place: what it is, the peak in MiB (`VmHWM` if it was reset, else the highest
    /// sample), and the RSS when the watch began.
    fn stop(self) -> Vec<(String, f64, f64)> {
        self.task.abort();
        self.places
            .into_iter()
            .map(|p| {
                let sampled = p.sampled.load(Ordering::Relaxed);
                let peak = match memory_bytes_of(&p.dir) {
                    Some((_, hwm)) if p.reset => hwm.max(sampled),
                    _ => sampled,
                };
                (p.what, mib(peak), p.before)
            })
            .collect()
    }
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / 1024.0 / 1024.0
}

#[cfg(test)]
mod tests {
    use super::photo;

    #[test]
    fn photos_are_pngs_of_a_size_in_the_range() {
        for (n, range) in [
            (0, (64, 128)),
            (1, (64, 128)),
            (7, (64, 128)),
            (3, (1000, 1000)),
            (199, (2 * 1024 * 1024, 5 * 1024 * 1024)),
        ] {
            let p = photo(n, range);
            assert!(
                (range.0..=range.1).contains(&p.len()),
                "photo {n}: {} bytes, not in {range:?}",
                p.len()
            );
            assert!(p.starts_with(b"\x89PNG\r\n\x1a\n"), "photo {n} is no PNG");
        }
        assert_ne!(photo(1, (64, 128)), photo(2, (64, 128)), "photos differ");
    }
}
