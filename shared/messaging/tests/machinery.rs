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
        record_applied(txn, msg).await
    }
}

/// The message as applied: its id and the attempt it was applied on.
async fn record_applied(txn: &DatabaseTransaction, msg: &Incoming) -> Result<(), HandleError> {
    txn.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "INSERT INTO applied (message_id, attempt) VALUES ($1, $2)",
        [msg.envelope.id.into(), (msg.attempt as i32).into()],
    ))
    .await?;
    Ok(())
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
        self.consume_with(handler, ConsumerConfig::default());
    }

    fn consume_with<H: Handler>(&mut self, handler: Arc<H>, config: ConsumerConfig) {
        let fut = consumer::run(
            self.db.clone(),
            self.config.clone(),
            &LOGISTICS_SWAPS,
            handler,
            config,
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

/// Records each message with its case, its number within the case (the subject), the
/// transaction that applied it and when; takes a little time, as a real handler's round trips do.
struct Ordered;

impl Handler for Ordered {
    async fn handle(&self, txn: &DatabaseTransaction, msg: &Incoming) -> Result<(), HandleError> {
        let case = msg.envelope.data.get("case_id").and_then(|c| c.as_str());
        let seq: i32 = msg
            .envelope
            .subject
            .as_deref()
            .and_then(|s| s.parse().ok())
            .unwrap_or(-1);
        txn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO ordered (message_id, case_id, seq, txid, started, at) \
             SELECT $1, $2, $3, txid_current(), now(), clock_timestamp() FROM pg_sleep(0.002)",
            [
                msg.envelope.id.into(),
                case.map(str::to_owned).into(),
                seq.into(),
            ],
        ))
        .await?;
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lanes_apply_cases_side_by_side_each_in_order_with_barriers_between() {
    let mut rig = Rig::new().await;
    rig.db
        .execute_unprepared(
            "CREATE TABLE ordered (n bigserial PRIMARY KEY, message_id uuid NOT NULL UNIQUE, \
             case_id text, seq int NOT NULL, txid bigint NOT NULL, started timestamptz NOT NULL, \
             at timestamptz NOT NULL)",
        )
        .await
        .unwrap();
    // 8 cases × 30 messages, interleaved, queued before the consumer starts (a backlog); in the
    // middle a message about no case (a barrier).
    let cases: Vec<SwapApprovedV1> = (0..8).map(|_| swap("ok")).collect();
    let (conn, ch) = rig.broker.channel().await;
    ch.confirm_select(lapin::options::ConfirmSelectOptions::default())
        .await
        .unwrap();
    let exchange = rig.config.names.exchange(Service::Retailer);
    let mut barrier_id = None;
    for seq in 0..30 {
        for case in &cases {
            let mut e = Envelope::new(case.clone());
            e.subject = Some(seq.to_string());
            let mut body = serde_json::to_value(&e).unwrap();
            if seq == 15 && barrier_id.is_none() {
                body["data"].as_object_mut().unwrap().remove("case_id");
                barrier_id = Some(e.id);
            }
            let confirm = ch
                .basic_publish(
                    exchange.as_str().into(),
                    <SwapApprovedV1 as kummerer_contracts::Event>::TYPE.into(),
                    lapin::options::BasicPublishOptions {
                        mandatory: true,
                        immediate: false,
                    },
                    &serde_json::to_vec(&body).unwrap(),
                    lapin::BasicProperties::default().with_delivery_mode(2),
                )
                .await
                .unwrap()
                .await
                .unwrap();
            assert!(matches!(confirm, lapin::Confirmation::Ack(None)));
        }
    }
    let _ = conn.close(200, "ok".into()).await;
    rig.consume_with(
        Arc::new(Ordered),
        ConsumerConfig {
            prefetch: 64,
            batch_max: 8,
            lanes: 4,
        },
    );
    eventually("240 messages applied", DEADLINE, || async {
        (rig.count("SELECT count(*) FROM ordered").await == 240).then_some(())
    })
    .await;
    eventually(
        "the queue empty: every delivery acked",
        DEADLINE,
        || async {
            let depth = rig
                .broker
                .depth(&rig.config.names.queue(&LOGISTICS_SWAPS))
                .await;
            (depth == 0).then_some(())
        },
    )
    .await;
    assert_eq!(rig.count("SELECT count(*) FROM inbox").await, 240);
    // Each case in the order its messages arrived.
    assert_eq!(
        rig.count(
            "SELECT count(*) FROM (SELECT seq, lag(seq) OVER (PARTITION BY case_id ORDER BY n) \
             AS before FROM ordered WHERE case_id IS NOT NULL) o WHERE before >= seq"
        )
        .await,
        0,
        "a case's messages were applied out of their order"
    );
    // The barrier after everything that came before it, before everything after it.
    let barrier = barrier_id.unwrap();
    let seq_of_barrier = format!("(SELECT n FROM ordered WHERE message_id = '{barrier}')");
    assert_eq!(
        rig.count(&format!(
            "SELECT count(*) FROM ordered WHERE case_id IS NOT NULL AND \
             ((seq < 15 AND n > {seq_of_barrier}) OR (seq > 15 AND n < {seq_of_barrier}))"
        ))
        .await,
        0,
        "a message passed the barrier"
    );
    // Lanes ran side by side: two transactions overlapped in time (one lane never does).
    assert!(
        rig.count(
            "WITH t AS (SELECT txid, min(started) AS s, max(at) AS e FROM ordered GROUP BY txid) \
             SELECT count(*) FROM t a JOIN t b ON a.txid < b.txid AND a.s < b.e AND b.s < a.e"
        )
        .await
            > 0,
        "no two batches overlapped"
    );
    rig.stop().await;
}

/// Takes two row locks in the order its subject names ("12" or "21"), pausing between them, so
/// two messages side by side deadlock.
struct Deadlocking;

impl Handler for Deadlocking {
    async fn handle(&self, txn: &DatabaseTransaction, msg: &Incoming) -> Result<(), HandleError> {
        let order: Vec<i32> = match msg.envelope.subject.as_deref() {
            Some("21") => vec![2, 1],
            _ => vec![1, 2],
        };
        for (i, id) in order.into_iter().enumerate() {
            if i == 1 {
                txn.execute_unprepared("SELECT pg_sleep(0.3)").await?;
            }
            txn.execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT id FROM locks WHERE id = $1 FOR UPDATE",
                [id.into()],
            ))
            .await?;
        }
        record_applied(txn, msg).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deadlock_between_lanes_is_applied_again_at_once_not_retried_later() {
    let mut rig = Rig::new().await;
    rig.db
        .execute_unprepared(
            "CREATE TABLE locks (id int PRIMARY KEY); INSERT INTO locks VALUES (1), (2)",
        )
        .await
        .unwrap();
    // Two cases in different lanes, each alone in its batch.
    let lanes = 4;
    let first = swap("ok");
    let mut second = swap("ok");
    while consumer::lane_of(&second.case_id.to_string(), lanes)
        == consumer::lane_of(&first.case_id.to_string(), lanes)
    {
        second = swap("ok");
    }
    let mut a = Envelope::new(first);
    a.subject = Some("12".into());
    let mut b = Envelope::new(second);
    b.subject = Some("21".into());
    publish_envelope(&rig.config.names, &a).await;
    publish_envelope(&rig.config.names, &b).await;
    rig.consume_with(
        Arc::new(Deadlocking),
        ConsumerConfig {
            prefetch: 16,
            batch_max: 1,
            lanes,
        },
    );
    eventually("both applied", DEADLINE, || async {
        (rig.count("SELECT count(*) FROM applied").await == 2).then_some(())
    })
    .await;
    // The loser of the deadlock was applied again at once, on its first delivery: not sent
    // through a retry tier (attempt 1), not dead-lettered.
    assert_eq!(
        rig.count("SELECT count(*) FROM applied WHERE attempt = 0")
            .await,
        2
    );
    assert_eq!(
        rig.broker
            .depth(&rig.config.names.dead_letter_queue(&LOGISTICS_SWAPS))
            .await,
        0
    );
    rig.stop().await;
}

/// Applies a message after a pause, as a slow handler does.
struct Slow;

impl Handler for Slow {
    async fn handle(&self, txn: &DatabaseTransaction, msg: &Incoming) -> Result<(), HandleError> {
        txn.execute_unprepared("SELECT pg_sleep(0.05)").await?;
        record_applied(txn, msg).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopping_consumer_finishes_its_batch_and_leaves_the_rest_to_the_next() {
    let rig = Rig::new().await;
    for _ in 0..40 {
        publish_envelope(&rig.config.names, &scripted("ok")).await;
    }
    let config = ConsumerConfig {
        prefetch: 64,
        batch_max: 4,
        lanes: 1,
    };
    let first = CancellationToken::new();
    let task = tokio::spawn(consumer::run(
        rig.db.clone(),
        rig.config.clone(),
        &LOGISTICS_SWAPS,
        Arc::new(Slow),
        config.clone(),
        first.clone(),
    ));
    eventually("the first batch applied", DEADLINE, || async {
        (rig.count("SELECT count(*) FROM applied").await > 0).then_some(())
    })
    .await;
    first.cancel();
    tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .expect("the consumer stops")
        .unwrap();
    // The batch in flight when it was told to stop, and at most the one it had started: not the
    // forty it had taken from the broker.
    let applied = rig.count("SELECT count(*) FROM applied").await;
    assert!(applied <= 8, "{applied} applied after the stop");
    let second = CancellationToken::new();
    let task = tokio::spawn(consumer::run(
        rig.db.clone(),
        rig.config.clone(),
        &LOGISTICS_SWAPS,
        Arc::new(Slow),
        config,
        second.clone(),
    ));
    eventually("all 40 applied by the next consumer", DEADLINE, || async {
        (rig.count("SELECT count(*) FROM applied").await == 40).then_some(())
    })
    .await;
    assert_eq!(rig.count("SELECT count(*) FROM inbox").await, 40);
    second.cancel();
    task.await.unwrap();
    rig.stop().await;
}

/// A service's connection asks for frames of at most `FRAME_MAX` (lapin holds 32 frames per
/// direction in memory, so the frame size sets most of an idle service's memory), an operator's
/// `?frame_max=` in the URL wins, and a message several frames long still arrives whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_ask_for_small_frames_and_a_larger_message_arrives_whole() {
    use kummerer_messaging::broker::FRAME_MAX;
    use lapin::options::{
        BasicGetOptions, BasicPublishOptions, ConfirmSelectOptions, QueueDeclareOptions,
    };
    use lapin::types::FieldTable;

    let broker = TestBroker::new();
    let config = BrokerConfig::new(
        kummerer_testkit::AMQP_URL,
        broker.prefix.clone(),
        Service::Logistics,
    );
    let conn = config.connect("frame test").await.unwrap();
    assert_eq!(conn.configuration().frame_max(), FRAME_MAX);

    let ch = conn.create_channel().await.unwrap();
    ch.confirm_select(ConfirmSelectOptions::default())
        .await
        .unwrap();
    let queue = format!("{}.frames", broker.prefix);
    ch.queue_declare(
        queue.as_str().into(),
        QueueDeclareOptions {
            exclusive: true,
            auto_delete: true,
            ..QueueDeclareOptions::default()
        },
        FieldTable::default(),
    )
    .await
    .unwrap();
    // Three and a half frames of body.
    let body: Vec<u8> = (0..(FRAME_MAX as usize * 7 / 2))
        .map(|i| (i % 251) as u8)
        .collect();
    let confirm = ch
        .basic_publish(
            "".into(),
            queue.as_str().into(),
            BasicPublishOptions::default(),
            &body,
            lapin::BasicProperties::default(),
        )
        .await
        .unwrap()
        .await
        .unwrap();
    assert!(
        matches!(confirm, lapin::Confirmation::Ack(None)),
        "{confirm:?}"
    );
    let got = eventually("the message back from the queue", DEADLINE, || async {
        ch.basic_get(queue.as_str().into(), BasicGetOptions { no_ack: true })
            .await
            .unwrap()
    })
    .await;
    assert!(got.delivery.data == body, "the body came back altered");
    let _ = conn.close(200, "ok".into()).await;

    let config = BrokerConfig::new(
        format!("{}?frame_max=65536", kummerer_testkit::AMQP_URL),
        broker.prefix.clone(),
        Service::Logistics,
    );
    let conn = config
        .connect("frame test, the operator's size")
        .await
        .unwrap();
    assert_eq!(conn.configuration().frame_max(), 65536);
    let _ = conn.close(200, "ok".into()).await;
}
