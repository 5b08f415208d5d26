//! The skeleton every fault scenario shares: start the system on a broker node and/or a
//! PostgreSQL cluster of its own (and more processes per service if asked) → a steady swap load
//! → the scenario's fault, while the load runs → every service ready again → the load stops →
//! every swap classified across the three databases, queues and outboxes checked within a bound
//! → the recovery time printed → everything stopped and removed. A scenario is its fault.
#![allow(dead_code)]

use std::sync::Mutex;
use std::time::{Duration, Instant};

use kummerer_testkit::process::ServiceProcess;

use super::{Load, PgCluster, RabbitNode, enabled, recovered, replica, start_system};
use crate::common::{Seed, Svc, System};

pub const SERVICES: [Svc; 3] = [Svc::Retailer, Svc::Manufacturer, Svc::Logistics];

/// What a scenario runs on.
pub struct Setup {
    /// A RabbitMQ node of the scenario's own with this `rabbitmq.conf` and `advanced.config`;
    /// `None`: the shared broker (which the scenario must not break).
    pub broker: Option<(&'static str, &'static str)>,
    /// A PostgreSQL cluster of the scenario's own (else the shared one, not to be broken).
    pub own_postgres: bool,
    /// Processes per service side by side (each with its relay and its consumers).
    pub processes: usize,
    /// One swap (sale, case, approval) every so often.
    pub every: Duration,
    /// How long after the fault ended everything must have settled.
    pub bound: Duration,
}

impl Default for Setup {
    fn default() -> Self {
        Setup {
            broker: Some(("", "[].")),
            own_postgres: false,
            processes: 1,
            every: Duration::from_millis(250),
            bound: Duration::from_secs(120),
        }
    }
}

/// What a scenario's fault may use while the load runs.
pub struct Ctx {
    pub system: System,
    pub node: Option<RabbitNode>,
    pub cluster: Option<PgCluster>,
    pub seed: Seed,
    pub load: Load,
    /// The extra processes still alive, with their service.
    pub replicas: Mutex<Vec<(Svc, ServiceProcess)>>,
}

impl Ctx {
    pub fn node(&self) -> &RabbitNode {
        self.node
            .as_ref()
            .expect("the scenario has no broker node of its own")
    }

    pub fn cluster(&self) -> &PgCluster {
        self.cluster
            .as_ref()
            .expect("the scenario has no PostgreSQL cluster of its own")
    }

    /// Waits until every service's `/ready` answers `want` (503: it says a dependency is away).
    pub async fn all_ready(&self, want: u16, within: Duration) {
        for svc in SERVICES {
            let url = self.system.url(svc, "/ready");
            kummerer_testkit::eventually(
                &format!("{svc:?} /ready to answer {want}"),
                within,
                || async {
                    let r = self.system.client.get(&url).send().await.ok()?;
                    (r.status().as_u16() == want).then_some(())
                },
            )
            .await;
        }
    }

    /// SIGKILL to one extra process of each service.
    pub async fn kill_one_replica_each(&self) {
        let killed: Vec<(Svc, ServiceProcess)> = {
            let mut replicas = self.replicas.lock().unwrap();
            SERVICES
                .iter()
                .filter_map(|svc| {
                    let i = replicas.iter().position(|(s, _)| s == svc)?;
                    Some(replicas.remove(i))
                })
                .collect()
        };
        for (_, mut p) in killed {
            p.kill().await;
        }
    }
}

/// Runs one scenario (only with `KUMMERER_FAULT_TESTS=1`): `fault` breaks something while
/// swaps flow, heals it, and says what it did (for the printed line). Afterwards every service
/// must be ready again; every acknowledged swap complete exactly once, nothing unexpected, every
/// queue empty with one consumer per live process, every outbox drained, within the bound; a
/// request refused meanwhile only with 503.
pub async fn run(name: &str, setup: Setup, fault: impl AsyncFnOnce(&Ctx) -> String) {
    if !enabled(name) {
        return;
    }
    let node = match setup.broker {
        Some((conf, advanced)) => Some(RabbitNode::start_with(conf, advanced).await),
        None => None,
    };
    let cluster = setup.own_postgres.then(PgCluster::create);
    let mut system = start_system(node.as_ref(), cluster.as_ref()).await;
    let mut replicas = Vec::new();
    for n in 2..=setup.processes {
        for svc in SERVICES {
            replicas.push((svc, replica(&mut system, svc, n).await));
        }
    }
    let seed = system.seed().await;
    let ctx = Ctx {
        system,
        node,
        cluster,
        seed,
        load: Load::new(),
        replicas: Mutex::new(replicas),
    };
    let faults = async {
        tokio::time::sleep(Duration::from_secs(3)).await;
        let what = fault(&ctx).await;
        ctx.all_ready(200, Duration::from_secs(60)).await;
        tokio::time::sleep(Duration::from_secs(3)).await;
        ctx.load.stop();
        (what, Instant::now())
    };
    let ((what, ended), ()) =
        tokio::join!(faults, ctx.load.run(&ctx.system, &ctx.seed, setup.every));
    let refused = ctx.load.refused();
    assert!(
        refused.iter().all(|(status, _)| *status == 503),
        "{name}: requests were refused with other statuses than 503: {refused:?}"
    );
    let alive = ctx.replicas.lock().unwrap().len();
    assert_eq!(alive % SERVICES.len(), 0, "uneven replicas");
    let consumers = 1 + (alive / SERVICES.len()) as u64;
    let took = recovered(
        &ctx.system,
        &ctx.load,
        ctx.node.as_ref(),
        consumers,
        ended,
        setup.bound,
    )
    .await;
    eprintln!(
        "faults: {name}: {what}: recovered {took:?} after the fault ended; refused meanwhile {refused:?}"
    );
    let Ctx {
        system,
        node,
        cluster,
        replicas,
        ..
    } = ctx;
    for (_, mut p) in replicas.into_inner().unwrap() {
        p.terminate().await;
    }
    system.stop().await;
    if let Some(node) = node {
        node.remove();
    }
    drop(cluster);
}

/// A webhook receiver on this machine that answers every request 204, registered as an
/// endpoint of the seed's manufacturer (all event types). Stops when dropped.
pub struct WebhookReceiver {
    task: tokio::task::JoinHandle<()>,
}

impl Drop for WebhookReceiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Whether `got` holds a whole HTTP request (headers and the `Content-Length` body).
fn whole_request(got: &[u8]) -> bool {
    let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") else {
        return false;
    };
    let head = String::from_utf8_lossy(&got[..end]).to_ascii_lowercase();
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    got.len() >= end + 4 + length
}

impl Ctx {
    pub async fn webhook_receiver(&self) -> WebhookReceiver {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let task = tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut got = Vec::new();
                    let mut buf = [0u8; 8192];
                    while !whole_request(&got) {
                        match sock.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => got.extend_from_slice(&buf[..n]),
                        }
                    }
                    let _ = sock
                        .write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
                        .await;
                });
            }
        });
        self.system
            .post_as(
                Svc::Manufacturer,
                &format!("/api/manufacturers/{}/webhooks", self.seed.manufacturer_id),
                serde_json::json!({"url": format!("http://127.0.0.1:{port}/hooks")}),
                Some(&self.seed.manufacturer_key),
            )
            .await;
        WebhookReceiver { task }
    }

    /// Runs `outage` (a fault that returns once its dependency is back) with a webhook receiver
    /// registered, waits for every service to be ready, and asserts the manufacturer's workers
    /// run after it ([`Ctx::assert_workers_run_after`]). Returns what `outage` returned.
    pub async fn then_workers_run<T>(&self, outage: impl Future<Output = T>) -> T {
        let _receiver = self.webhook_receiver().await;
        let out = outage.await;
        let back = chrono::Utc::now();
        self.all_ready(200, Duration::from_secs(60)).await;
        self.assert_workers_run_after(back).await;
        out
    }

    /// The manufacturer's background workers run after an outage that ended at `since`: the
    /// webhook worker delivers (to [`Ctx::webhook_receiver`]) an event of a claim made after it,
    /// and the deadline worker's sweep (which also purges day-old idempotency keys) removes a
    /// key put there after it.
    pub async fn assert_workers_run_after(&self, since: chrono::DateTime<chrono::Utc>) {
        let db = self.system.db(Svc::Manufacturer).await;
        let key = format!("outage-{}", kummerer_testkit::unique());
        sea_orm::ConnectionTrait::execute_unprepared(
            &db,
            &format!(
                "INSERT INTO idempotency_keys (manufacturer_id, key, request_hash, created_at) \
                 VALUES ('{}', '{key}', 'h', now() - interval '2 days')",
                self.seed.manufacturer_id
            ),
        )
        .await
        .unwrap();
        let since = since.to_rfc3339();
        let until = async |what: &str, within: u64, sql: String, done: fn(i64) -> bool| {
            kummerer_testkit::eventually(what, Duration::from_secs(within), || async {
                done(crate::common::count(&db, &sql).await).then_some(())
            })
            .await;
        };
        until(
            "a webhook delivered after the outage",
            90,
            format!(
                "SELECT count(*) FROM webhook_deliveries \
                 WHERE status = 'delivered' AND created_at > '{since}'"
            ),
            |n| n > 0,
        )
        .await;
        until(
            "the deadline sweep to run after the outage",
            60,
            format!("SELECT count(*) FROM idempotency_keys WHERE key = '{key}'"),
            |n| n == 0,
        )
        .await;
        let _ = db.close().await;
    }
}
