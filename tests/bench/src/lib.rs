//! What the page and listing benchmarks (`src/bin/*`) share: a fresh database migrated with a
//! service's own `Migrator`, bulk seeding in chunks of server-side `INSERT … SELECT` over
//! `generate_series` with progress on stderr, the service itself started in-process on that
//! database (its own broker prefix, removed afterwards), and the timing of GET requests with
//! p50/p99 against a target.
//!
//! Seeding SQL names its columns, so a column added later (with a default, or nullable) does
//! not break it. Ids are derived from the row number (`md5('<kind>-<n>')::uuid`), so one
//! statement can refer to the rows of another without reading them back.

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, anyhow, bail};
use hdrhistogram::Histogram;
use kummerer_contracts::topology::Service;
use kummerer_service::Config;
use kummerer_service::run::{Context, Parts};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};
use sea_orm_migration::MigratorTrait;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// The PostgreSQL server the benchmarks create their databases on (`--pg` overrides it).
pub const DEFAULT_PG: &str = "postgres://postgres@127.0.0.1:5432";
/// The broker the in-process service connects to (`--amqp` overrides it).
pub const DEFAULT_AMQP: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";

/// The command line every benchmark takes.
#[derive(Debug, Clone)]
pub struct Args {
    pub pg: String,
    pub amqp: String,
    /// Timed requests per probe.
    pub requests: usize,
    /// Scale of the seeded data (1.0: the sizes the benchmark names).
    pub scale: f64,
    /// Keep the database afterwards (its name is printed).
    pub keep: bool,
    /// Print the plan of every probe's query, not only of the slowest one when the target is
    /// missed.
    pub explain: bool,
}

/// `--tiny`: the scale of the smoke run (`tests/smoke.rs`, run by CI) — enough rows that every
/// probe finds something, few enough that seeding takes a second.
pub const TINY_SCALE: f64 = 0.002;
/// `--tiny`: timed requests per probe in the smoke run.
pub const TINY_REQUESTS: usize = 5;

impl Args {
    pub fn parse(usage: &str) -> anyhow::Result<Args> {
        let mut a = Args {
            pg: DEFAULT_PG.to_owned(),
            amqp: DEFAULT_AMQP.to_owned(),
            requests: 300,
            scale: 1.0,
            keep: false,
            explain: false,
        };
        let usage = format!(
            "{usage}\noptions: [--requests N (per probe, default 300)] [--scale F (of the data, \
             default 1)] [--tiny (smoke run: scale {TINY_SCALE}, {TINY_REQUESTS} requests)] \
             [--pg postgres://… (server)] [--amqp URL] [--keep] [--explain]"
        );
        let mut it = std::env::args().skip(1);
        while let Some(flag) = it.next() {
            match flag.as_str() {
                "-h" | "--help" => {
                    println!("{usage}");
                    std::process::exit(0);
                }
                "--keep" => a.keep = true,
                "--explain" => a.explain = true,
                "--tiny" => {
                    a.scale = TINY_SCALE;
                    a.requests = TINY_REQUESTS;
                }
                _ => {
                    let value = it
                        .next()
                        .ok_or_else(|| anyhow!("{flag} needs a value\n{usage}"))?;
                    match flag.as_str() {
                        "--pg" => a.pg = value.trim_end_matches('/').to_owned(),
                        "--amqp" => a.amqp = value,
                        "--requests" => {
                            a.requests = value
                                .parse::<usize>()
                                .ok()
                                .filter(|n| *n > 0)
                                .ok_or_else(|| anyhow!("--requests takes a positive number"))?;
                        }
                        "--scale" => {
                            a.scale = value
                                .parse::<f64>()
                                .ok()
                                .filter(|s| s.is_finite() && *s > 0.0)
                                .ok_or_else(|| anyhow!("--scale takes a positive number"))?;
                        }
                        other => bail!("unknown flag {other}\n{usage}"),
                    }
                }
            }
        }
        Ok(a)
    }

    /// `n` scaled by `--scale` (at least 1).
    pub fn scaled(&self, n: u64) -> u64 {
        ((n as f64 * self.scale).round() as u64).max(1)
    }
}

/// `md5('<kind>-' || (<n>))::uuid`: the id of row `n` of a kind, in SQL.
pub fn uid(kind: &str, n: &str) -> String {
    format!("md5('{kind}-' || ({n}))::uuid")
}

/// A random 256-bit token in hex (the shape of a session cookie).
pub fn token() -> String {
    format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple())
}

fn unix_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// A database of its own, created empty and migrated with the service's `Migrator`.
pub struct BenchDb {
    pub name: String,
    pub url: String,
    pub conn: DatabaseConnection,
    admin_url: String,
}

impl BenchDb {
    pub async fn create<M: MigratorTrait>(args: &Args, label: &str) -> anyhow::Result<BenchDb> {
        let admin_url = format!("{}/postgres", args.pg);
        let admin = Database::connect(&admin_url)
            .await
            .with_context(|| format!("PostgreSQL at {}", args.pg))?;
        let name = format!(
            "bench_{label}_{}_{}",
            unix_seconds(),
            &Uuid::new_v4().simple().to_string()[..6]
        );
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await?;
        let _ = admin.close().await;
        let url = format!("{}/{name}", args.pg);
        let conn = Database::connect(&url).await?;
        M::up(&conn, None).await.context("migrations")?;
        eprintln!("database {name} created and migrated");
        Ok(BenchDb {
            name,
            url,
            conn,
            admin_url,
        })
    }

    pub async fn exec(&self, sql: &str) -> anyhow::Result<u64> {
        let res = self
            .conn
            .execute_unprepared(sql)
            .await
            .with_context(|| sql.to_owned())?;
        Ok(res.rows_affected())
    }

    /// Runs `sql(from, to)` for row numbers `from..to` (half-open) in chunks of `chunk`,
    /// printing progress; checks that every row went in.
    pub async fn seed(
        &self,
        what: &str,
        total: u64,
        chunk: u64,
        sql: impl Fn(u64, u64) -> String,
    ) -> anyhow::Result<()> {
        let start = Instant::now();
        let mut done = 0;
        while done < total {
            let to = (done + chunk).min(total);
            let n = self.exec(&sql(done, to)).await?;
            if n != to - done {
                bail!("seeding {what}: {n} rows went in for {}..{to}", done);
            }
            done = to;
            eprint!(
                "\r  {what:<12} {done:>9}/{total}  {:>6.1} s",
                start.elapsed().as_secs_f64()
            );
        }
        eprintln!();
        Ok(())
    }

    /// `VACUUM ANALYZE` of the tables: fresh statistics and visibility, as a database that has
    /// run for a while has.
    pub async fn vacuum(&self, tables: &[&str]) -> anyhow::Result<()> {
        let start = Instant::now();
        for t in tables {
            self.exec(&format!("VACUUM ANALYZE {t}")).await?;
        }
        eprintln!(
            "  vacuum analyze {}  {:.1} s",
            tables.join(", "),
            start.elapsed().as_secs_f64()
        );
        Ok(())
    }

    /// `EXPLAIN (ANALYZE, BUFFERS)` of a query.
    pub async fn explain(&self, sql: &str) -> anyhow::Result<String> {
        let rows = self
            .conn
            .query_all_raw(Statement::from_string(
                DbBackend::Postgres,
                format!("EXPLAIN (ANALYZE, BUFFERS) {sql}"),
            ))
            .await
            .with_context(|| format!("EXPLAIN {sql}"))?;
        let mut out = String::new();
        for r in rows {
            out.push_str("    ");
            out.push_str(&r.try_get_by_index::<String>(0)?);
            out.push('\n');
        }
        Ok(out)
    }

    /// A signed-in session as the sign-in forms write it: a row of `table` keyed by the SHA-256
    /// (hex) of a random token, `columns` saying whose it is (`values`, SQL), live for `hours`.
    /// Returns the token: the value of the session cookie.
    pub async fn session(
        &self,
        table: &str,
        columns: &str,
        values: &str,
        hours: u32,
    ) -> anyhow::Result<String> {
        let cookie = token();
        self.exec(&format!(
            "INSERT INTO {table} (id, {columns}, csrf_token, expires_at) \
             VALUES (encode(sha256(convert_to({}, 'UTF8')), 'hex'), {values}, {}, \
                     now() + make_interval(hours => {hours}))",
            lit(&cookie),
            lit(&token()),
        ))
        .await?;
        Ok(cookie)
    }

    /// One text value of a query.
    pub async fn text(&self, sql: &str) -> anyhow::Result<String> {
        self.conn
            .query_one_raw(Statement::from_string(DbBackend::Postgres, sql.to_owned()))
            .await?
            .ok_or_else(|| anyhow!("no row: {sql}"))?
            .try_get_by_index::<String>(0)
            .map_err(|e| anyhow!("{sql}: {e}"))
    }

    /// Closes the connection and drops the database, unless `keep`.
    pub async fn finish(self, keep: bool) -> anyhow::Result<()> {
        let _ = self.conn.close().await;
        if keep {
            eprintln!("database {} kept", self.name);
            return Ok(());
        }
        let admin = Database::connect(&self.admin_url).await?;
        admin
            .execute_unprepared(&format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                self.name
            ))
            .await?;
        let _ = admin.close().await;
        Ok(())
    }
}

/// The service running in this process on a free port, until [`Running::stop`].
pub struct Running {
    pub base_url: String,
    prefix: String,
    amqp: String,
    cancel: CancellationToken,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

/// A broker prefix of its own for a benchmark run (`bench<8 hex>`).
pub fn broker_prefix() -> String {
    format!("bench{}", &Uuid::new_v4().simple().to_string()[..8])
}

/// Starts `service` on `db` (its migrations are already applied) with a broker prefix of its own
/// and waits until `/ready` answers 200.
pub async fn serve<M: MigratorTrait + 'static>(
    args: &Args,
    service: Service,
    build: fn(&Context) -> Parts,
    db: &BenchDb,
) -> anyhow::Result<Running> {
    serve_on::<M>(&args.amqp, &broker_prefix(), &[], service, build, &db.url).await
}

/// Starts `service` in this process on the database at `database_url` with the broker prefix
/// `prefix` (services that should talk to each other share one) and the further service
/// variables `env`, and waits until `/ready` answers 200.
pub async fn serve_on<M: MigratorTrait + 'static>(
    amqp: &str,
    prefix: &str,
    env: &[(&'static str, String)],
    service: Service,
    build: fn(&Context) -> Parts,
    database_url: &str,
) -> anyhow::Result<Running> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let prefix = prefix.to_owned();
    let mut env: HashMap<&str, String> = env.iter().cloned().collect();
    env.extend([
        ("KUMMERER_BIND", format!("127.0.0.1:{port}")),
        ("DATABASE_URL", database_url.to_owned()),
        ("AMQP_URL", amqp.to_owned()),
        ("KUMMERER_BROKER_PREFIX", prefix.clone()),
        ("KUMMERER_SHUTDOWN_TIMEOUT_S", "5".to_owned()),
    ]);
    let config = Config::from_lookup(service, port, |k| env.get(k).cloned())
        .map_err(|e| anyhow!("config: {e}"))?;
    let cancel = CancellationToken::new();
    let task = tokio::spawn(kummerer_service::run::serve::<M>(
        config,
        build,
        cancel.clone(),
    ));
    let base_url = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(r) = client.get(format!("{base_url}/ready")).send().await
            && r.status().is_success()
        {
            break;
        }
        if task.is_finished() || Instant::now() > deadline {
            bail!("{service} did not become ready on {base_url}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    eprintln!("{service} serving on {base_url} (broker prefix {prefix})");
    Ok(Running {
        base_url,
        prefix,
        amqp: amqp.to_owned(),
        cancel,
        task,
    })
}

impl Running {
    /// Stops the service and deletes the queues and exchanges it declared.
    pub async fn stop(self) -> anyhow::Result<()> {
        let prefix = self.prefix.clone();
        let amqp = self.amqp.clone();
        self.stop_keeping_topology().await;
        delete_topology(&amqp, &prefix).await
    }

    /// Stops the service; its queues and exchanges stay (another service of the run may still
    /// use them: see [`delete_topology`]).
    pub async fn stop_keeping_topology(self) {
        self.cancel.cancel();
        match tokio::time::timeout(Duration::from_secs(15), self.task).await {
            Ok(Ok(Ok(()))) => {}
            Ok(Ok(Err(e))) => eprintln!("service stopped with an error: {e:#}"),
            Ok(Err(e)) => eprintln!("service task failed: {e}"),
            Err(_) => eprintln!("service did not stop within 15 s"),
        }
    }
}

/// Deletes the queues and exchanges of the broker prefix `prefix`.
pub async fn delete_topology(amqp: &str, prefix: &str) -> anyhow::Result<()> {
    use kummerer_contracts::topology::QUEUES;
    let names = kummerer_messaging::Names::new(prefix.to_owned());
    let conn = lapin::Connection::connect(amqp, lapin::ConnectionProperties::default()).await?;
    let ch = conn.create_channel().await?;
    for spec in QUEUES.iter() {
        let mut queues = vec![names.queue(spec), names.dead_letter_queue(spec)];
        queues.extend((1..=10).map(|tier| names.retry_queue(spec, tier)));
        for q in queues {
            // A queue that was never declared closes the channel: open a fresh one each time.
            let ch = conn.create_channel().await?;
            let _ = ch.queue_delete(q.as_str().into(), Default::default()).await;
        }
    }
    let mut exchanges: Vec<String> = Service::ALL.iter().map(|s| names.exchange(*s)).collect();
    exchanges.push(names.dead_letter_exchange());
    for e in exchanges {
        let ch = conn.create_channel().await?;
        let _ = ch
            .exchange_delete(e.as_str().into(), Default::default())
            .await;
    }
    let _ = ch.close(200, "done".into()).await;
    let _ = conn.close(200, "done".into()).await;
    Ok(())
}

/// One kind of request measured: a name, a path (with query), and the SQL of the query that
/// dominates it, for `EXPLAIN`.
pub struct Probe {
    pub name: String,
    pub path: String,
    pub sql: String,
}

/// The latencies of one probe.
pub struct Measured {
    pub name: String,
    pub hist: Histogram<u64>,
    pub sql: String,
}

impl Measured {
    pub fn ms(&self, q: f64) -> f64 {
        self.hist.value_at_quantile(q) as f64 / 1000.0
    }
}

/// What a benchmark measures: a title, the headers of every request (the session cookie or the
/// API key), the probes, and the target for p99.
pub struct Plan {
    pub title: String,
    pub headers: Vec<(&'static str, String)>,
    pub probes: Vec<Probe>,
    pub target_ms: f64,
}

/// Starts the service on `db`, measures `plan` against it, stops it, and drops the database
/// (unless `--keep`).
pub async fn serve_and_measure<M: MigratorTrait + 'static>(
    args: &Args,
    db: BenchDb,
    service: Service,
    build: fn(&Context) -> Parts,
    plan: Plan,
) -> anyhow::Result<()> {
    let running = serve::<M>(args, service, build, &db).await?;
    println!(
        "{}, {} sequential requests per probe:",
        plan.title, args.requests
    );
    let result = measure(args, &db, &running.base_url, &plan).await;
    running.stop().await?;
    db.finish(args.keep).await?;
    result.map(|_| ())
}

/// Times `args.requests` sequential GETs of every probe (after 10 untimed ones to warm the
/// caches), each answer checked to be a 200; prints p50/p99 per probe and whether each
/// meets `target_ms` at p99; prints the plan of the slowest probe's query if it misses (of
/// every probe with `--explain`). Returns whether all met the target.
async fn measure(args: &Args, db: &BenchDb, base_url: &str, plan: &Plan) -> anyhow::Result<bool> {
    let (headers, probes, target_ms) = (&plan.headers, &plan.probes, plan.target_ms);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()?;
    let mut results = Vec::new();
    for p in probes {
        let url = format!("{base_url}{}", p.path);
        let mut hist = Histogram::new_with_bounds(1, 60_000_000, 3)?;
        let mut bytes = 0;
        for i in 0..args.requests + 10 {
            let mut req = client.get(&url);
            for (name, value) in headers {
                req = req.header(*name, value);
            }
            let start = Instant::now();
            let res = req.send().await.with_context(|| format!("GET {url}"))?;
            let status = res.status().as_u16();
            let body = res.bytes().await?;
            let took = start.elapsed();
            if status != 200 {
                bail!(
                    "GET {} answered {status}, not 200: {}",
                    p.path,
                    String::from_utf8_lossy(&body)
                        .chars()
                        .take(500)
                        .collect::<String>()
                );
            }
            bytes = body.len();
            if i >= 10 {
                hist.record(took.as_micros().max(1) as u64)?;
            }
        }
        let m = Measured {
            name: p.name.clone(),
            hist,
            sql: p.sql.clone(),
        };
        println!(
            "  {:<44} p50 {:>7.2} ms   p99 {:>7.2} ms   max {:>7.2} ms   {:>7} B  {}",
            m.name,
            m.ms(0.50),
            m.ms(0.99),
            m.hist.max() as f64 / 1000.0,
            bytes,
            if m.ms(0.99) < target_ms {
                "ok"
            } else {
                "MISSED"
            }
        );
        results.push(m);
    }
    let slowest = results
        .iter()
        .max_by(|a, b| a.ms(0.99).total_cmp(&b.ms(0.99)))
        .ok_or_else(|| anyhow!("no probes"))?;
    let met = slowest.ms(0.99) < target_ms;
    println!(
        "target p99 < {target_ms} ms: {} (slowest: {}, p99 {:.2} ms)",
        if met { "MET" } else { "MISSED" },
        slowest.name,
        slowest.ms(0.99)
    );
    if args.explain {
        for m in &results {
            println!("\nplan of {}:\n{}", m.name, db.explain(&m.sql).await?);
        }
    } else if !met {
        println!(
            "\nplan of the slowest ({}):\n{}",
            slowest.name,
            db.explain(&slowest.sql).await?
        );
    }
    Ok(met)
}

/// A SQL string literal.
pub fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}
