//! The outbox relay and the idempotent consumer against the real PostgreSQL and RabbitMQ, with a
//! test handler whose failures are scripted by the message subject.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use kummerer_contracts::topology::{LOGISTICS_SWAPS, Service};
use kummerer_contracts::{Address, Envelope, ProductRef, SwapApprovedV1, TimeWindow};
use kummerer_messaging::consumer::{self, ConsumerConfig, HandleError, Handler, Incoming};
use kummerer_messaging::migration::OutboxInbox;
use kummerer_messaging::outbox::{Relay, RelayConfig};
use kummerer_messaging::{BrokerConfig, BrokerStatus, enqueue};
use kummerer_testkit::proxy::TcpProxy;
use kummerer_testkit::service::{cleanup_broker, publish_envelope, publish_raw};
use kummerer_testkit::{TestBroker, TestDb, eventually};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, Statement,
    TransactionTrait,
};
use sea_orm_migration::{MigrationTrait, SchemaManager};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

const DEADLINE: Duration = Duration::from_secs(30);

/// Applies a message by inserting its id; subjects script failures:
/// `flaky-N` fails transiently N times, `broken` always fails transiently, `poison` permanently.
#[derive(Default)]
struct Scripted {
    failures: Mutex<HashMap<Uuid, u32>>,
}

impl Handler for Scripted {
    async fn handle(&self, txn: &DatabaseTransaction, msg: &Incoming) -> Result<(), HandleError> {
        let subject = msg.envelope.subject.clone().unwrap_or_default();
        let failed_so_far = {
            let mut f = self.failures.lock().unwrap();
            let n = f.entry(msg.envelope.id).or_default();
            *n += 1;
            *n - 1
        };
        if subject == "poison" {
            return Err(HandleError::Permanent("poison".into()));
        }
        if subject == "broken" {
            return Err(HandleError::Transient(anyhow::anyhow!("still broken")));
        }
        let flaky = subject
            .strip_prefix("flaky-")
            .and_then(|n| n.parse::<u32>().ok());
        if flaky.is_some_and(|n| failed_so_far < n) {
            return Err(HandleError::Transient(anyhow::anyhow!(
                "flaky {failed_so_far}"
            )));
        }
        txn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO applied (message_id, attempt) VALUES ($1, $2)",
            [msg.envelope.id.into(), (msg.attempt as i32).into()],
        ))
        .await?;
        Ok(())
    }
}

struct Rig {
    db: DatabaseConnection,
    test_db: TestDb,
    broker: TestBroker,
    config: BrokerConfig,
    cancel: CancellationToken,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Rig {
    async fn new() -> Rig {
        let test_db = TestDb::create("messaging").await;
        let db = test_db.connect().await;
        OutboxInbox.up(&SchemaManager::new(&db)).await.unwrap();
        db.execute_unprepared(
            "CREATE TABLE applied (message_id uuid PRIMARY KEY, attempt int NOT NULL)",
        )
        .await
        .unwrap();
        let broker = TestBroker::new();
        let mut config = BrokerConfig::new(
            kummerer_testkit::AMQP_URL,
            broker.prefix.clone(),
            Service::Logistics,
        );
        config.retry_delays = vec![Duration::from_millis(100), Duration::from_millis(200)];
        // Declare the topology before anything is published.
        let (conn, ch) = broker.channel().await;
        kummerer_messaging::topology::declare(&ch, &config)
            .await
            .unwrap();
        let _ = conn.close(200, "ok".into()).await;
        Rig {
            db,
            test_db,
            broker,
            config,
            cancel: CancellationToken::new(),
            tasks: Vec::new(),
        }
    }

    fn consume(&mut self, handler: Arc<Scripted>) {
        let fut = consumer::run(
            self.db.clone(),
            self.config.clone(),
            &LOGISTICS_SWAPS,
            handler,
            ConsumerConfig::default(),
            self.cancel.clone(),
        );
        self.tasks.push(tokio::spawn(fut));
    }

    /// A relay as the retailer runs it (the events under test are the retailer's).
    fn relay(&mut self, mut config: BrokerConfig) {
        config.service = Service::Retailer;
        let relay = Relay::new(
            self.db.clone(),
            config,
            RelayConfig::default(),
            BrokerStatus::default(),
        );
        self.tasks
            .push(tokio::spawn(relay.run(self.cancel.clone())));
    }

    async fn count(&self, sql: &str) -> i64 {
        let row = self
            .db
            .query_one_raw(Statement::from_string(DbBackend::Postgres, sql.to_owned()))
            .await
            .unwrap()
            .unwrap();
        row.try_get_by_index::<i64>(0).unwrap()
    }

    async fn stop(self) {
        self.cancel.cancel();
        for t in self.tasks {
            tokio::time::timeout(Duration::from_secs(10), t)
                .await
                .expect("task stops on cancel")
                .unwrap();
        }
        cleanup_broker(&self.broker, &self.config.names).await;
        let _ = self.db.close().await;
        self.test_db.drop_db().await;
    }
}

fn swap(subject_tag: &str) -> SwapApprovedV1 {
    let product = ProductRef {
        sku: "WM-1".into(),
        name: "WM".into(),
        manufacturer_id: Uuid::now_v7().into(),
    };
    let _ = subject_tag;
    SwapApprovedV1 {
        swap_id: Uuid::now_v7().into(),
        case_id: Uuid::now_v7().into(),
        retailer_id: Uuid::now_v7().into(),
        defective_serial: "SN-1".into(),
        defective_product: product.clone(),
        replacement_product: product,
        delivery_address: Address {
            name: "E".into(),
            phone: "1".into(),
            street: "S".into(),
            postcode: "1".into(),
            city: "B".into(),
            country: "DE".into(),
        },
        window: TimeWindow {
            start: Utc::now(),
            end: Utc::now(),
        },
        approved_by: "t".into(),
        approved_at: Utc::now(),
        replacement_from: None,
        overbooked: false,
    }
}

/// An envelope whose subject scripts the handler.
fn scripted(subject: &str) -> Envelope<SwapApprovedV1> {
    let mut e = Envelope::new(swap(subject));
    e.subject = Some(subject.to_owned());
    e
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outbox_rows_are_published_once_confirmed_and_applied_once() {
    let mut rig = Rig::new().await;
    let txn = rig.db.begin().await.unwrap();
    for _ in 0..50 {
        enqueue(&txn, swap("ok")).await.unwrap();
    }
    txn.commit().await.unwrap();
    // Two relays side by side: rows are claimed with SKIP LOCKED, so each goes out once.
    rig.relay(rig.config.clone());
    rig.relay(rig.config.clone());
    rig.consume(Arc::new(Scripted::default()));
    eventually("50 messages applied", DEADLINE, || async {
        (rig.count("SELECT count(*) FROM applied").await == 50).then_some(())
    })
    .await;
    eventually("50 rows marked sent", DEADLINE, || async {
        (rig.count("SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL")
            .await
            == 50)
            .then_some(())
    })
    .await;
    assert_eq!(rig.count("SELECT count(*) FROM inbox").await, 50);
    assert_eq!(
        rig.count("SELECT count(*) FROM outbox WHERE attempts > 0")
            .await,
        0
    );
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redelivered_message_is_applied_once() {
    let mut rig = Rig::new().await;
    rig.consume(Arc::new(Scripted::default()));
    let env = scripted("ok");
    publish_envelope(&rig.config.names, &env).await;
    publish_envelope(&rig.config.names, &env).await;
    let marker = scripted("ok");
    publish_envelope(&rig.config.names, &marker).await;
    // The marker comes after both copies on the same queue.
    eventually("the marker applied", DEADLINE, || async {
        (rig.count(&format!(
            "SELECT count(*) FROM applied WHERE message_id = '{}'",
            marker.id
        ))
        .await
            == 1)
            .then_some(())
    })
    .await;
    assert_eq!(rig.count("SELECT count(*) FROM applied").await, 2);
    assert_eq!(rig.count("SELECT count(*) FROM inbox").await, 2);
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flaky_message_is_retried_with_backoff_and_applied_once() {
    let mut rig = Rig::new().await;
    rig.consume(Arc::new(Scripted::default()));
    let env = scripted("flaky-2");
    publish_envelope(&rig.config.names, &env).await;
    eventually("applied after two retries", DEADLINE, || async {
        (rig.count("SELECT count(*) FROM applied WHERE attempt = 2")
            .await
            == 1)
            .then_some(())
    })
    .await;
    assert_eq!(rig.count("SELECT count(*) FROM applied").await, 1);
    assert_eq!(
        rig.broker
            .depth(&rig.config.names.dead_letter_queue(&LOGISTICS_SWAPS))
            .await,
        0
    );
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poison_and_hopeless_messages_are_dead_lettered_and_the_consumer_goes_on() {
    let mut rig = Rig::new().await;
    rig.consume(Arc::new(Scripted::default()));
    let names = rig.config.names.clone();
    publish_raw(
        &names,
        Service::Retailer,
        "retailer.swap.approved.v1",
        b"{not json",
    )
    .await;
    publish_envelope(&names, &scripted("poison")).await;
    publish_envelope(&names, &scripted("broken")).await;
    let good = scripted("ok");
    publish_envelope(&names, &good).await;
    let dlq = names.dead_letter_queue(&LOGISTICS_SWAPS);
    eventually("three messages dead-lettered", DEADLINE, || async {
        (rig.broker.depth(&dlq).await == 3).then_some(())
    })
    .await;
    assert_eq!(rig.count("SELECT count(*) FROM applied").await, 1);
    // Nothing of a failed message stays behind: its inbox row rolled back with its savepoint.
    assert_eq!(rig.count("SELECT count(*) FROM inbox").await, 1);

    // What an operator sees, and the replay once the cause is mended.
    let letters = kummerer_messaging::dlq::list(&rig.config, 10)
        .await
        .unwrap();
    assert_eq!(letters.len(), 3);
    assert!(letters.iter().all(|l| l.error.is_some()), "{letters:?}");
    assert!(letters.iter().any(|l| {
        l.error
            .as_deref()
            .unwrap_or("")
            .contains("gave up after 2 retries")
    }));
    assert_eq!(
        rig.broker.depth(&dlq).await,
        3,
        "listing leaves them in place"
    );
    let moved = kummerer_messaging::dlq::replay(&rig.config, 10)
        .await
        .unwrap();
    assert_eq!(moved, 3);
    eventually(
        "replayed messages dead-lettered again",
        DEADLINE,
        || async { (rig.broker.depth(&dlq).await == 3).then_some(()) },
    )
    .await;
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outbox_rows_wait_while_the_broker_is_away() {
    let mut rig = Rig::new().await;
    let proxy = TcpProxy::start(SocketAddr::from(([127, 0, 0, 1], 5672))).await;
    proxy.set_down(true);
    let mut via_proxy = rig.config.clone();
    via_proxy.url = format!("amqp://guest:guest@127.0.0.1:{}/%2f", proxy.port);
    rig.relay(via_proxy);
    rig.consume(Arc::new(Scripted::default()));
    let txn = rig.db.begin().await.unwrap();
    for _ in 0..5 {
        enqueue(&txn, swap("ok")).await.unwrap();
    }
    txn.commit().await.unwrap();
    // Held for a while with the broker unreachable: nothing is marked sent.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        rig.count("SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL")
            .await,
        0
    );
    proxy.set_down(false);
    eventually(
        "all five applied after the broker came back",
        DEADLINE,
        || async { (rig.count("SELECT count(*) FROM applied").await == 5).then_some(()) },
    )
    .await;
    eventually("all five marked sent", DEADLINE, || async {
        (rig.count("SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL")
            .await
            == 5)
            .then_some(())
    })
    .await;
    rig.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_message_in_a_batch_undoes_only_itself() {
    let mut rig = Rig::new().await;
    let names = rig.config.names.clone();
    // Queued before the consumer starts, so they arrive as one batch.
    for i in 0..21 {
        let subject = if i == 10 { "poison" } else { "ok" };
        publish_envelope(&names, &scripted(subject)).await;
    }
    let dup = scripted("ok");
    publish_envelope(&names, &dup).await;
    publish_envelope(&names, &dup).await;
    rig.consume(Arc::new(Scripted::default()));
    let dlq = names.dead_letter_queue(&LOGISTICS_SWAPS);
    eventually("the poison dead-lettered", DEADLINE, || async {
        (rig.broker.depth(&dlq).await == 1).then_some(())
    })
    .await;
    eventually("the 21 good ones applied", DEADLINE, || async {
        (rig.count("SELECT count(*) FROM applied").await == 21).then_some(())
    })
    .await;
    assert_eq!(rig.count("SELECT count(*) FROM inbox").await, 21);
    rig.stop().await;
}
