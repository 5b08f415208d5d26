//! One service run in-process on a free port, with its own database and broker prefix.

use std::collections::HashMap;
use std::sync::OnceLock;
use std::time::Duration;

use kummerer_contracts::topology::{QUEUES, Service};
use kummerer_messaging::Names;
use kummerer_service::Config;
use kummerer_service::run::{Context, Parts};
use kummerer_service::telemetry::TelemetryGuard;
use sea_orm::DatabaseConnection;
use sea_orm_migration::MigratorTrait;
use tokio_util::sync::CancellationToken;

use crate::{
    STEP_LIMIT, TestBroker, TestDb, close_broker, connect_broker, free_port, step, wait_ready,
};

/// The operator token a test service is started with (`KUMMERER_OPERATOR_TOKEN`); a test
/// closes the operator routes by passing an empty one in `extra_env`.
pub const TEST_OPERATOR_TOKEN: &str = "test-operator-token";

/// Retry tiers short enough for tests.
pub const TEST_RETRY_DELAYS_MS: &str = "200,400";

/// How long a stopped service may take to return from `serve`: its shutdown timeout
/// (`KUMMERER_SHUTDOWN_TIMEOUT_S`, 5 s) for requests, then again for background work, and a
/// margin for a loaded machine.
pub const STOP_LIMIT: Duration = Duration::from_secs(20);

/// How long the clean-up of a test that did not reach `stop` may take, in all.
const BACKGROUND_CLEANUP_LIMIT: Duration = Duration::from_secs(120);

pub struct TestService {
    pub base_url: String,
    pub db: DatabaseConnection,
    pub test_db: Option<TestDb>,
    pub broker: TestBroker,
    pub names: Names,
    pub client: reqwest::Client,
    cancel: CancellationToken,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

fn telemetry(config: &Config) {
    static GUARD: OnceLock<TelemetryGuard> = OnceLock::new();
    GUARD.get_or_init(|| kummerer_service::telemetry::init(config));
}

impl TestService {
    /// Starts `service` with a fresh database and broker prefix and waits until it is ready.
    pub async fn start<M: MigratorTrait + 'static>(
        service: Service,
        build: fn(&Context) -> Parts,
    ) -> TestService {
        let test_db = TestDb::create(service.name()).await;
        let broker = TestBroker::new();
        Self::start_with::<M>(service, build, test_db, broker, HashMap::new()).await
    }

    pub async fn start_with<M: MigratorTrait + 'static>(
        service: Service,
        build: fn(&Context) -> Parts,
        test_db: TestDb,
        broker: TestBroker,
        extra_env: HashMap<&'static str, String>,
    ) -> TestService {
        let port = free_port();
        let mut env: HashMap<&'static str, String> = HashMap::from([
            ("KUMMERER_BIND", format!("127.0.0.1:{port}")),
            ("DATABASE_URL", test_db.url.clone()),
            ("KUMMERER_BROKER_PREFIX", broker.prefix.clone()),
            ("KUMMERER_RETRY_DELAYS_MS", TEST_RETRY_DELAYS_MS.to_owned()),
            ("KUMMERER_SHUTDOWN_TIMEOUT_S", "5".to_owned()),
            ("KUMMERER_OPERATOR_TOKEN", TEST_OPERATOR_TOKEN.to_owned()),
        ]);
        env.extend(extra_env);
        let config =
            Config::from_lookup(service, port, |k| env.get(k).cloned()).expect("test config");
        telemetry(&config);
        let cancel = CancellationToken::new();
        let task = tokio::spawn(kummerer_service::run::serve::<M>(
            config,
            build,
            cancel.clone(),
        ));
        let client = reqwest::Client::new();
        let base_url = format!("http://127.0.0.1:{port}");
        wait_ready(
            &client,
            &format!("{base_url}/ready"),
            Duration::from_secs(30),
        )
        .await;
        let db = test_db.connect().await;
        let names = Names::new(broker.prefix.clone());
        TestService {
            base_url,
            db,
            test_db: Some(test_db),
            broker,
            names,
            client,
            cancel,
            task: Some(task),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// Stops the service, deletes its queues and exchanges, drops its database. Every step is
    /// bounded: one that hangs panics naming itself (and `Drop` then cleans up).
    pub async fn stop(mut self) {
        self.cancel.cancel();
        if let Some(mut task) = self.task.take() {
            match tokio::time::timeout(STOP_LIMIT, &mut task).await {
                Ok(Ok(Ok(()))) => {}
                // As before: reported, not failed (a test that broke the service says so itself).
                Ok(Ok(Err(e))) => eprintln!("the service under test ended with an error: {e:#}"),
                Ok(Err(e)) => eprintln!("the service under test ended abnormally: {e}"),
                Err(_) => {
                    task.abort();
                    panic!(
                        "test harness step hung: the service under test did not stop within \
                         {STOP_LIMIT:?} of its cancellation"
                    );
                }
            }
        }
        cleanup_broker(&self.broker, &self.names).await;
        let _ = step(
            "closing the test's database pool",
            STEP_LIMIT,
            self.db.clone().close(),
        )
        .await;
        if let Some(db) = self.test_db.take() {
            db.drop_db().await;
        }
    }
}

impl Drop for TestService {
    /// A test that panicked never reached `stop`: remove its queues and database anyway.
    fn drop(&mut self) {
        self.cancel.cancel();
        if let Some(task) = self.task.take() {
            task.abort();
        }
        if let Some(db) = self.test_db.take() {
            cleanup_in_background(self.broker.prefix.clone(), vec![db.name]);
        }
    }
}

/// Removes a test's broker objects and database from a thread of its own (usable from `Drop`,
/// where nothing can be awaited). Waits for it, so the clean-up is done when the test ends —
/// but at most [`BACKGROUND_CLEANUP_LIMIT`]: then it says so on stderr and leaves the thread
/// (it runs in `Drop`, often while a panic unwinds, where panicking again would abort).
pub fn cleanup_in_background(prefix: String, databases: Vec<String>) {
    let (done, finished) = std::sync::mpsc::channel::<()>();
    let _work = std::thread::spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        rt.block_on(async move {
            let broker = TestBroker {
                prefix: prefix.clone(),
            };
            cleanup_broker(&broker, &Names::new(prefix)).await;
            for name in databases {
                TestDb {
                    url: String::new(),
                    name,
                }
                .drop_db()
                .await;
            }
        });
        let _ = done.send(());
    });
    match finished.recv_timeout(BACKGROUND_CLEANUP_LIMIT) {
        Ok(()) => {}
        // The thread ended without sending: a clean-up step panicked (its message is printed).
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            eprintln!(
                "test clean-up failed (see the panic above); stale databases are dropped later"
            )
        }
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => eprintln!(
            "test harness step hung: the clean-up after a failed test did not finish within \
             {BACKGROUND_CLEANUP_LIMIT:?}; leaving it"
        ),
    }
}

/// Deletes every queue and exchange of the topology under `names`' prefix.
pub async fn cleanup_broker(broker: &TestBroker, names: &Names) {
    let mut queues = Vec::new();
    for spec in QUEUES.iter() {
        queues.push(names.queue(spec));
        queues.push(names.dead_letter_queue(spec));
        for tier in 1..=10 {
            queues.push(names.retry_queue(spec, tier));
        }
    }
    let mut exchanges: Vec<String> = Service::ALL.iter().map(|s| names.exchange(*s)).collect();
    exchanges.push(names.dead_letter_exchange());
    broker.cleanup(&queues, &exchanges).await;
}

/// Publishes raw bytes on `producer`'s exchange with `routing_key` (waits for the confirm).
pub async fn publish_raw(names: &Names, producer: Service, routing_key: &str, body: &[u8]) {
    use lapin::options::{BasicPublishOptions, ConfirmSelectOptions};
    let conn = connect_broker().await;
    let ch = step(
        "opening a RabbitMQ channel",
        STEP_LIMIT,
        conn.create_channel(),
    )
    .await
    .unwrap();
    step(
        "selecting publisher confirms",
        STEP_LIMIT,
        ch.confirm_select(ConfirmSelectOptions::default()),
    )
    .await
    .unwrap();
    let props = lapin::BasicProperties::default().with_delivery_mode(2);
    let confirm = step(
        format_args!("publishing {routing_key} and waiting for its confirm"),
        STEP_LIMIT,
        async {
            ch.basic_publish(
                names.exchange(producer).as_str().into(),
                routing_key.into(),
                BasicPublishOptions {
                    mandatory: true,
                    immediate: false,
                },
                body,
                props,
            )
            .await
            .unwrap()
            .await
            .unwrap()
        },
    )
    .await;
    assert!(
        matches!(confirm, lapin::Confirmation::Ack(None)),
        "message to {routing_key} was not routed: {confirm:?}"
    );
    close_broker(conn, Some(ch)).await;
}

/// Publishes `event` in a fresh envelope; returns the envelope (its id is the message id).
pub async fn publish_event<E: kummerer_contracts::Event + Clone>(
    names: &Names,
    event: E,
) -> kummerer_contracts::Envelope<E> {
    let envelope = kummerer_contracts::Envelope::new(event);
    publish_envelope(names, &envelope).await;
    envelope
}

/// Publishes an existing envelope again (a redelivery as the broker could make it).
pub async fn publish_envelope<E: kummerer_contracts::Event>(
    names: &Names,
    envelope: &kummerer_contracts::Envelope<E>,
) {
    let body = serde_json::to_vec(envelope).unwrap();
    publish_raw(names, E::PRODUCER, E::TYPE, &body).await;
}
