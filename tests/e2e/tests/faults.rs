//! Fault scenarios against REAL outages: a RabbitMQ node of the test's own that it stops and
//! starts (`rabbitmqctl stop_app/start_app`, and the whole node), and a PostgreSQL cluster of
//! its own stopped with `-m immediate`. The other tests on 127.0.0.1:5672/5432 never notice.
//! Swaps flow at a steady rate through the outages; afterwards every acknowledged swap is
//! classified by querying all three databases (ok / lost / duplicated, and unexpected swaps
//! nobody acknowledged): 0 lost, 0 duplicated, 0 unexpected, every queue empty with exactly one
//! consumer, every outbox drained, within a bound; the time to recover is printed.
//!
//! Slow: they run only with `KUMMERER_FAULT_TESTS=1` (CI sets it) and pass with a note otherwise.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod faults_support;

use std::time::{Duration, Instant};

use common::{Svc, System};
use faults_support::{Load, PgCluster, RabbitNode, enabled, recovered, start_system};

/// How long the swaps may take to settle once the last fault ended.
const RECOVERY_BOUND: Duration = Duration::from_secs(120);
/// Longer than every internal timeout (heartbeat × 2, connect and close timeouts, the pool's
/// acquire timeout).
const LONG_OUTAGE: Duration = Duration::from_secs(22);

async fn wait_ready_state(system: &System, svc: Svc, want: u16, within: Duration) {
    let url = system.url(svc, "/ready");
    kummerer_testkit::eventually(
        &format!("{svc:?} /ready to answer {want}"),
        within,
        || async {
            let r = system.client.get(&url).send().await.ok()?;
            (r.status().as_u16() == want).then_some(())
        },
    )
    .await;
}

/// Swaps at a steady rate; the broker's application stopped for longer than every internal
/// timeout, started, and the same once more.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swaps_survive_the_broker_application_stopped_twice() {
    if !enabled("swaps_survive_the_broker_application_stopped_twice") {
        return;
    }
    let node = RabbitNode::start().await;
    let system = start_system(Some(&node), None).await;
    let seed = system.seed().await;
    let load = Load::new();
    let faults = async {
        tokio::time::sleep(Duration::from_secs(3)).await;
        for round in 1..=2 {
            node.ctl(&["stop_app"]);
            let down = Instant::now();
            // /ready tells the truth while the broker is away.
            for svc in [Svc::Retailer, Svc::Manufacturer, Svc::Logistics] {
                wait_ready_state(&system, svc, 503, Duration::from_secs(30)).await;
            }
            tokio::time::sleep(LONG_OUTAGE.saturating_sub(down.elapsed())).await;
            node.ctl(&["start_app"]);
            node.await_startup();
            eprintln!(
                "faults: broker stop_app #{round} lasted {:?}",
                down.elapsed()
            );
            for svc in [Svc::Retailer, Svc::Manufacturer, Svc::Logistics] {
                wait_ready_state(&system, svc, 200, Duration::from_secs(60)).await;
            }
            tokio::time::sleep(Duration::from_secs(3)).await;
        }
        load.stop();
        Instant::now()
    };
    let (ended, ()) = tokio::join!(faults, load.run(&system, &seed, Duration::from_millis(250)));
    let took = recovered(&system, &seed, &load, Some(&node), ended, RECOVERY_BOUND).await;
    eprintln!(
        "faults: broker stop_app twice (22 s each): recovered {took:?} after the fault ended"
    );
    system.stop().await;
    node.remove();
}

/// Swaps at a steady rate; the whole broker node stopped for longer than every internal timeout
/// and started again (same data directory: the durable quorum queues come back).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swaps_survive_the_whole_broker_node_restarted() {
    if !enabled("swaps_survive_the_whole_broker_node_restarted") {
        return;
    }
    let node = RabbitNode::start().await;
    let system = start_system(Some(&node), None).await;
    let seed = system.seed().await;
    let load = Load::new();
    let faults = async {
        tokio::time::sleep(Duration::from_secs(3)).await;
        node.ctl(&["stop"]);
        let down = Instant::now();
        for svc in [Svc::Retailer, Svc::Manufacturer, Svc::Logistics] {
            wait_ready_state(&system, svc, 503, Duration::from_secs(30)).await;
        }
        tokio::time::sleep(LONG_OUTAGE.saturating_sub(down.elapsed())).await;
        node.boot();
        node.await_startup();
        eprintln!("faults: broker node down for {:?}", down.elapsed());
        for svc in [Svc::Retailer, Svc::Manufacturer, Svc::Logistics] {
            wait_ready_state(&system, svc, 200, Duration::from_secs(60)).await;
        }
        tokio::time::sleep(Duration::from_secs(3)).await;
        load.stop();
        Instant::now()
    };
    let (ended, ()) = tokio::join!(faults, load.run(&system, &seed, Duration::from_millis(250)));
    let took = recovered(&system, &seed, &load, Some(&node), ended, RECOVERY_BOUND).await;
    eprintln!(
        "faults: whole broker node restarted (22 s): recovered {took:?} after the fault ended"
    );
    system.stop().await;
    node.remove();
}

/// Swaps at a steady rate (the shared broker stays up); the services' PostgreSQL cluster stopped
/// with `-m immediate` for longer than the pool's timeouts and started again. Meanwhile writes
/// are answered 503 with `Retry-After`, never 500, and /ready says the database is down.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swaps_survive_postgres_stopped_immediately() {
    if !enabled("swaps_survive_postgres_stopped_immediately") {
        return;
    }
    let cluster = PgCluster::create();
    let system = start_system(None, Some(&cluster)).await;
    let seed = system.seed().await;
    let load = Load::new();
    let faults = async {
        tokio::time::sleep(Duration::from_secs(3)).await;
        cluster.ctl(&["stop", "-m", "immediate"]);
        let down = Instant::now();
        for svc in [Svc::Retailer, Svc::Manufacturer, Svc::Logistics] {
            wait_ready_state(&system, svc, 503, Duration::from_secs(30)).await;
        }
        // A write while the database is away: 503 + Retry-After, problem+json.
        let (status, retry_after, body) = faults_support::post_raw(
            &system,
            Svc::Retailer,
            &format!("/api/retailers/{}/products", seed.retailer_id),
            serde_json::json!({"sku": "WM-200", "name": "Washing machine WM 200",
                "manufacturer_id": seed.manufacturer_id,
                "price": {"amount": "599.00", "currency": "EUR"}}),
        )
        .await;
        assert_eq!(status, 503, "a write while the database is away: {body}");
        assert_eq!(body["code"], "service_unavailable", "{body}");
        assert!(retry_after.is_some(), "503 without Retry-After: {body}");
        tokio::time::sleep(LONG_OUTAGE.saturating_sub(down.elapsed())).await;
        cluster.ctl(&["start"]);
        eprintln!("faults: PostgreSQL down for {:?}", down.elapsed());
        for svc in [Svc::Retailer, Svc::Manufacturer, Svc::Logistics] {
            wait_ready_state(&system, svc, 200, Duration::from_secs(60)).await;
        }
        tokio::time::sleep(Duration::from_secs(3)).await;
        load.stop();
        Instant::now()
    };
    let (ended, ()) = tokio::join!(faults, load.run(&system, &seed, Duration::from_millis(250)));
    let refused = load.refused();
    assert!(
        refused.iter().all(|(status, _)| *status == 503),
        "during the outage requests were refused with other statuses than 503: {refused:?}"
    );
    let took = recovered(&system, &seed, &load, None, ended, RECOVERY_BOUND).await;
    eprintln!(
        "faults: PostgreSQL stopped -m immediate (22 s): recovered {took:?} after the fault ended; refused meanwhile: {refused:?}"
    );
    system.stop().await;
    drop(cluster);
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
    wait_ready_state(&system, Svc::Retailer, 503, Duration::from_secs(30)).await;
    system.pg_proxy.set_down(false);
    wait_ready_state(&system, Svc::Retailer, 200, Duration::from_secs(60)).await;
    let (status, _, body) = faults_support::post_raw(&system, Svc::Retailer, &path, product).await;
    assert_eq!(status, 201, "{body}");
    system.stop().await;
}

/// Swaps at a steady rate; the broker's memory alarm raised (every publisher blocked) for 20 s,
/// then cleared: the relays resume by themselves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swaps_survive_a_broker_memory_alarm() {
    if !enabled("swaps_survive_a_broker_memory_alarm") {
        return;
    }
    let node = RabbitNode::start().await;
    let system = start_system(Some(&node), None).await;
    let seed = system.seed().await;
    let load = Load::new();
    let faults = async {
        tokio::time::sleep(Duration::from_secs(3)).await;
        node.ctl(&["set_vm_memory_high_watermark", "0.0000001"]);
        let raised = Instant::now();
        tokio::time::sleep(Duration::from_secs(20)).await;
        node.ctl(&["set_vm_memory_high_watermark", "0.4"]);
        eprintln!("faults: memory alarm raised for {:?}", raised.elapsed());
        for svc in [Svc::Retailer, Svc::Manufacturer, Svc::Logistics] {
            wait_ready_state(&system, svc, 200, Duration::from_secs(60)).await;
        }
        tokio::time::sleep(Duration::from_secs(3)).await;
        load.stop();
        Instant::now()
    };
    let (ended, ()) = tokio::join!(faults, load.run(&system, &seed, Duration::from_millis(250)));
    let took = recovered(&system, &seed, &load, Some(&node), ended, RECOVERY_BOUND).await;
    eprintln!("faults: broker memory alarm (20 s): recovered {took:?} after the alarm cleared");
    system.stop().await;
    node.remove();
}

/// Swaps at a steady rate; every packet between the services and the broker dropped for 45 s
/// (half-open connections: nothing is refused, nothing arrives). Heartbeats notice, /ready says
/// so, and once packets flow again everything heals.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swaps_survive_half_open_broker_connections() {
    if !enabled("swaps_survive_half_open_broker_connections") {
        return;
    }
    if !faults_support::Blackhole::available() {
        eprintln!("swaps_survive_half_open_broker_connections: skipped (needs iptables as root)");
        return;
    }
    let node = RabbitNode::start().await;
    let system = start_system(Some(&node), None).await;
    let seed = system.seed().await;
    let load = Load::new();
    let faults = async {
        tokio::time::sleep(Duration::from_secs(3)).await;
        let hole = faults_support::Blackhole::start(node.port);
        let cut = Instant::now();
        for svc in [Svc::Retailer, Svc::Manufacturer, Svc::Logistics] {
            wait_ready_state(&system, svc, 503, Duration::from_secs(60)).await;
        }
        eprintln!("faults: half-open noticed after {:?}", cut.elapsed());
        tokio::time::sleep(Duration::from_secs(45).saturating_sub(cut.elapsed())).await;
        drop(hole);
        for svc in [Svc::Retailer, Svc::Manufacturer, Svc::Logistics] {
            wait_ready_state(&system, svc, 200, Duration::from_secs(60)).await;
        }
        tokio::time::sleep(Duration::from_secs(3)).await;
        load.stop();
        Instant::now()
    };
    let (ended, ()) = tokio::join!(faults, load.run(&system, &seed, Duration::from_millis(250)));
    let took = recovered(&system, &seed, &load, Some(&node), ended, RECOVERY_BOUND).await;
    eprintln!(
        "faults: half-open broker connections (45 s): recovered {took:?} after the fault ended"
    );
    system.stop().await;
    node.remove();
}

/// Two replicas of every service (two relays, two consumers per queue) under a steady load; one
/// replica of each is killed (SIGKILL) mid-run: what it held unacked or had claimed in the
/// outbox goes to the survivor, and the queues end with exactly one consumer each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swaps_survive_a_replica_of_each_service_killed() {
    if !enabled("swaps_survive_a_replica_of_each_service_killed") {
        return;
    }
    let node = RabbitNode::start().await;
    let mut system = start_system(Some(&node), None).await;
    let mut replicas = Vec::new();
    for svc in [Svc::Retailer, Svc::Manufacturer, Svc::Logistics] {
        let p = system.process(svc);
        let mut replica = kummerer_testkit::process::ServiceProcess::new(
            &format!("{}-2", p.name),
            p.bin.clone(),
            p.env.clone(),
            kummerer_testkit::free_port(),
        );
        replica.start();
        kummerer_testkit::wait_ready(
            &system.client,
            &format!("{}/ready", replica.base_url()),
            common::DEADLINE,
        )
        .await;
        replicas.push(replica);
    }
    let seed = system.seed().await;
    let load = Load::new();
    let faults = async {
        tokio::time::sleep(Duration::from_secs(8)).await;
        for replica in &mut replicas {
            replica.kill().await;
        }
        eprintln!("faults: one replica of each service killed");
        tokio::time::sleep(Duration::from_secs(8)).await;
        load.stop();
        Instant::now()
    };
    let (ended, ()) = tokio::join!(faults, load.run(&system, &seed, Duration::from_millis(250)));
    let took = recovered(&system, &seed, &load, Some(&node), ended, RECOVERY_BOUND).await;
    eprintln!("faults: a replica of each service killed: recovered {took:?} after the load ended");
    system.stop().await;
    node.remove();
}
