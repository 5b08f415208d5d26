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

use crate::{TestBroker, TestDb, free_port, wait_ready};

/// The operator token a test service is started with (`KUMMERER_OPERATOR_TOKEN`); a test
/// closes the operator routes by passing an empty one in `extra_env`.
pub const TEST_OPERATOR_TOKEN: &str = "test-operator-token";

/// Retry tiers short enough for tests.
pub const TEST_RETRY_DELAYS_MS: &str = "200,400";

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

    /// Stops the service, deletes its queues and exchanges, drops its database.
    pub async fn stop(mut self) {
        self.cancel.cancel();
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(Duration::from_secs(15), task).await;
        }
        cleanup_broker(&self.broker, &self.names).await;
        let _ = self.db.clone().close().await;
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
/// where nothing can be awaited). Waits for it, so the clean-up is done when the test ends.
pub fn cleanup_in_background(prefix: String, databases: Vec<String>) {
    let work = std::thread::spawn(move || {
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
    });
    let _ = work.join();
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
    let conn = lapin::Connection::connect(crate::AMQP_URL, lapin::ConnectionProperties::default())
        .await
        .unwrap();
    let ch = conn.create_channel().await.unwrap();
    ch.confirm_select(ConfirmSelectOptions::default())
        .await
        .unwrap();
    let props = lapin::BasicProperties::default().with_delivery_mode(2);
    let confirm = ch
        .basic_publish(
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
        .unwrap();
    assert!(
        matches!(confirm, lapin::Confirmation::Ack(None)),
        "message to {routing_key} was not routed: {confirm:?}"
    );
    let _ = conn.close(200, "done".into()).await;
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
