//! Fault scenarios against REAL outages: a RabbitMQ node of the test's own that it stops and
//! starts (`rabbitmqctl stop_app/start_app`, and the whole node), and a PostgreSQL cluster of
//! its own stopped with `-m immediate`. The other tests on 127.0.0.1:5672/5432 never notice.
//! Swaps flow at a steady rate through the outages; afterwards every acknowledged swap is
//! classified by querying all three databases (ok / lost / duplicated, and unexpected swaps
//! nobody acknowledged): 0 lost, 0 duplicated, 0 unexpected, every queue empty with one consumer
//! per live process, every outbox drained, within a bound; the time to recover is printed.
//! The skeleton is [`faults_support::scenario::run`]; each scenario here is its fault.
//!
//! The internal timeouts the outages are measured against: AMQP heartbeat 10 s (a silent
//! connection is dead after 20 s), broker connect 10 s and close 5 s, reconnect backoff capped
//! at 5 s, the pool's acquire 3 s and connect 5 s, a consumer's batch retry backoff capped at
//! 5 s, the deadline sweep every 5 s, a webhook request 10 s. [`LONG_OUTAGE`] (22 s) exceeds
//! all of them; [`BROKER_OUTAGE_5_MIN`] and [`DATABASE_OUTAGE_LONG`] exceed them many times over
//! (and RabbitMQ's own 60 s heartbeat).
//!
//! Slow: they run only with `KUMMERER_FAULT_TESTS=1` (CI sets it) and pass with a note otherwise.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod faults_support;

use std::time::{Duration, Instant};

use common::{Svc, System};
use faults_support::scenario::{self, Ctx, Setup};
use sea_orm::{ConnectionTrait, TransactionTrait};

/// Longer than every internal timeout (heartbeat × 2, connect and close timeouts, the pool's
/// acquire timeout, the backoff caps).
const LONG_OUTAGE: Duration = Duration::from_secs(22);
/// The longest: a broker away for five minutes.
const BROKER_OUTAGE_5_MIN: Duration = Duration::from_secs(300);
/// A database away for two and a half minutes.
const DATABASE_OUTAGE_LONG: Duration = Duration::from_secs(150);

/// `stop_app`, every service's /ready saying so, `outage` in all, `start_app`.
async fn stop_broker_app(ctx: &Ctx, outage: Duration) -> Duration {
    ctx.node().ctl(&["stop_app"]);
    let down = Instant::now();
    ctx.all_ready(503, Duration::from_secs(30)).await;
    tokio::time::sleep(outage.saturating_sub(down.elapsed())).await;
    ctx.node().ctl(&["start_app"]);
    ctx.node().await_startup();
    down.elapsed()
}

/// The cluster stopped `-m immediate`; meanwhile /ready says so and a page and an API route of
/// every service answer 503 with `Retry-After`; started again after `outage`.
async fn stop_postgres(ctx: &Ctx, outage: Duration) -> Duration {
    ctx.cluster().ctl(&["stop", "-m", "immediate"]);
    let down = Instant::now();
    ctx.all_ready(503, Duration::from_secs(30)).await;
    faults_support::assert_503_while_the_database_is_away(&ctx.system, &ctx.seed).await;
    tokio::time::sleep(outage.saturating_sub(down.elapsed())).await;
    ctx.cluster().ctl(&["start"]);
    down.elapsed()
}

/// The broker's application stopped for longer than every internal timeout, started, and the
/// same once more.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swaps_survive_the_broker_application_stopped_twice() {
    scenario::run(
        "swaps_survive_the_broker_application_stopped_twice",
        Setup::default(),
        async |ctx| {
            let mut downs = Vec::new();
            for _ in 1..=2 {
                downs.push(stop_broker_app(ctx, LONG_OUTAGE).await);
                ctx.all_ready(200, Duration::from_secs(60)).await;
                tokio::time::sleep(Duration::from_secs(3)).await;
            }
            format!("broker stop_app twice ({downs:?})")
        },
    )
    .await;
}

/// The whole broker node stopped for longer than every internal timeout and started again
/// (same data directory: the durable quorum queues come back).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swaps_survive_the_whole_broker_node_restarted() {
    scenario::run(
        "swaps_survive_the_whole_broker_node_restarted",
        Setup::default(),
        async |ctx| {
            ctx.node().ctl(&["stop"]);
            let down = Instant::now();
            ctx.all_ready(503, Duration::from_secs(30)).await;
            tokio::time::sleep(LONG_OUTAGE.saturating_sub(down.elapsed())).await;
            ctx.node().boot();
            ctx.node().await_startup();
            format!("whole broker node down for {:?}", down.elapsed())
        },
    )
    .await;
}

/// The broker's application stopped for five minutes: far past every internal timeout.
/// Consumers and relays come back, and so do the manufacturer's workers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swaps_survive_the_broker_stopped_for_five_minutes() {
    scenario::run(
        "swaps_survive_the_broker_stopped_for_five_minutes",
        Setup {
            every: Duration::from_millis(500),
            bound: Duration::from_secs(240),
            ..Setup::default()
        },
        async |ctx| {
            let down = ctx
                .then_workers_run(stop_broker_app(ctx, BROKER_OUTAGE_5_MIN))
                .await;
            format!("broker stop_app for {down:?}")
        },
    )
    .await;
}

/// The services' PostgreSQL cluster stopped with `-m immediate` for longer than the pool's
/// timeouts (the shared broker stays up). Meanwhile requests are answered 503 with
/// `Retry-After` (pages and APIs of every service), never 500, and /ready says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swaps_survive_postgres_stopped_immediately() {
    scenario::run(
        "swaps_survive_postgres_stopped_immediately",
        Setup {
            broker: None,
            own_postgres: true,
            ..Setup::default()
        },
        async |ctx| {
            let down = stop_postgres(ctx, LONG_OUTAGE).await;
            format!("PostgreSQL stopped -m immediate for {down:?}")
        },
    )
    .await;
}

/// The services' PostgreSQL cluster stopped for two and a half minutes; afterwards the
/// consumers, relays, the webhook worker and the deadline sweep all work again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swaps_survive_postgres_stopped_for_minutes() {
    scenario::run(
        "swaps_survive_postgres_stopped_for_minutes",
        Setup {
            broker: None,
            own_postgres: true,
            every: Duration::from_millis(500),
            bound: Duration::from_secs(180),
            ..Setup::default()
        },
        async |ctx| {
            let down = ctx
                .then_workers_run(stop_postgres(ctx, DATABASE_OUTAGE_LONG))
                .await;
            format!("PostgreSQL stopped -m immediate for {down:?}")
        },
    )
    .await;
}

/// Fast, always run: while the services' database is unreachable (connections cut and refused
/// by the proxy), a write is answered 503 `service_unavailable` with `Retry-After`, never 500;
/// once it is back the same write succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_while_the_database_is_away_is_answered_503_with_retry_after() {
    let system = System::start().await;
    let seed = system.seed().await;
    // The reliability series are there: each consumer subscribed, every component connected.
    let metrics = system
        .client
        .get(system.url(Svc::Retailer, "/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for line in [
        "kummerer_consumers_active{queue=\"retailer.case-events\"} 1",
        "kummerer_consumers_active{queue=\"retailer.settlement\"} 1",
        "kummerer_broker_connected{component=\"relay\"} 1",
    ] {
        assert!(
            metrics.lines().any(|l| l == line),
            "/metrics lacks {line:?}:\n{metrics}"
        );
    }
    let ready = async |want: u16| {
        let url = system.url(Svc::Retailer, "/ready");
        kummerer_testkit::eventually(
            &format!("/ready to answer {want}"),
            Duration::from_secs(60),
            || async {
                let r = system.client.get(&url).send().await.ok()?;
                (r.status().as_u16() == want).then_some(())
            },
        )
        .await;
    };
    let path = format!("/api/retailers/{}/products", seed.retailer_id);
    let product = serde_json::json!({"sku": "WM-300", "name": "Washing machine WM 300",
        "manufacturer_id": seed.manufacturer_id,
        "price": {"amount": "699.00", "currency": "EUR"}});
    system.pg_proxy.set_down(true);
    let (status, retry_after, body) =
        faults_support::post_raw(&system, Svc::Retailer, &path, product.clone()).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["code"], "service_unavailable", "{body}");
    assert_eq!(retry_after.as_deref(), Some("5"), "{body}");
    ready(503).await;
    system.pg_proxy.set_down(false);
    ready(200).await;
    let (status, _, body) = faults_support::post_raw(&system, Svc::Retailer, &path, product).await;
    assert_eq!(status, 201, "{body}");
    system.stop().await;
}

/// The broker's memory alarm raised (every publisher blocked) for 20 s, then cleared: the
/// relays resume by themselves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swaps_survive_a_broker_memory_alarm() {
    scenario::run(
        "swaps_survive_a_broker_memory_alarm",
        Setup::default(),
        async |ctx| {
            ctx.node()
                .ctl(&["set_vm_memory_high_watermark", "0.0000001"]);
            let raised = Instant::now();
            tokio::time::sleep(Duration::from_secs(20)).await;
            ctx.node().ctl(&["set_vm_memory_high_watermark", "0.4"]);
            format!("memory alarm raised for {:?}", raised.elapsed())
        },
    )
    .await;
}

/// Every packet between the services and the broker dropped for 45 s (half-open connections:
/// nothing is refused, nothing arrives). Heartbeats notice, /ready says so, and once packets
/// flow again everything heals.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swaps_survive_half_open_broker_connections() {
    let name = "swaps_survive_half_open_broker_connections";
    if !faults_support::enabled(name) {
        return;
    }
    // With the fault scenarios on, a missing iptables is a failure, not a quiet skip: `.ci/run`
    // installs it, and a scenario that silently never runs proves nothing.
    assert!(
        faults_support::Blackhole::available(),
        "{name} needs iptables as root (Debian's iptables package; .ci/run installs it)"
    );
    scenario::run(
        "swaps_survive_half_open_broker_connections",
        Setup::default(),
        async |ctx| {
            let hole = faults_support::Blackhole::start(ctx.node().port);
            let cut = Instant::now();
            ctx.all_ready(503, Duration::from_secs(60)).await;
            let noticed = cut.elapsed();
            tokio::time::sleep(Duration::from_secs(45).saturating_sub(cut.elapsed())).await;
            drop(hole);
            format!(
                "half-open for {:?} (noticed after {noticed:?})",
                cut.elapsed()
            )
        },
    )
    .await;
}

/// Three processes of every service side by side (three relays, three consumers per queue);
/// one of each killed (SIGKILL) mid-run: what it held unacked or had claimed in the outbox goes
/// to the others, and the queues end with exactly two consumers each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swaps_survive_one_of_three_replicas_killed() {
    scenario::run(
        "swaps_survive_one_of_three_replicas_killed",
        Setup {
            processes: 3,
            ..Setup::default()
        },
        async |ctx| {
            tokio::time::sleep(Duration::from_secs(5)).await;
            ctx.kill_one_replica_each().await;
            tokio::time::sleep(Duration::from_secs(8)).await;
            "one of three processes of each service killed".to_owned()
        },
    )
    .await;
}

/// The broker's consumer timeout (5 s here; checked every second) passes while the
/// manufacturer's consumers hold deliveries they cannot apply (the test holds a lock on their
/// inbox table): the broker closes their channels with PRECONDITION_FAILED and requeues. The
/// service notices, subscribes again and, once the lock is gone, applies every message once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swaps_survive_a_consumer_past_the_broker_consumer_timeout() {
    scenario::run(
        "swaps_survive_a_consumer_past_the_broker_consumer_timeout",
        Setup {
            broker: Some((
                "consumer_timeout = 5000\n",
                "[{rabbit, [{channel_tick_interval, 1000}]}].",
            )),
            ..Setup::default()
        },
        async |ctx| {
            let db = ctx.system.db(Svc::Manufacturer).await;
            let txn = db.begin().await.unwrap();
            txn.execute_unprepared("LOCK TABLE inbox IN ACCESS EXCLUSIVE MODE")
                .await
                .unwrap();
            let held = Instant::now();
            kummerer_testkit::eventually(
                "the broker to close a consumer's channel past its consumer timeout",
                Duration::from_secs(120),
                || async {
                    let log = ctx.node().log().to_ascii_lowercase();
                    (log.contains("precondition_failed") && log.contains("timed out"))
                        .then_some(())
                },
            )
            .await;
            let closed_after = held.elapsed();
            // Long enough for the service to notice and subscribe again (and be timed out once
            // more, still blocked).
            tokio::time::sleep(Duration::from_secs(8)).await;
            txn.commit().await.unwrap();
            let _ = db.close().await;
            format!(
                "manufacturer's inbox locked for {:?}; the broker closed a channel after {closed_after:?}",
                held.elapsed()
            )
        },
    )
    .await;
}
