//! The idempotent consumer.
//!
//! Deliveries are taken in batches (what the prefetch already holds, up to `batch_max`) and
//! applied in one database transaction: the inbox rows `(consumer, message id)` of the whole
//! batch (one multi-row insert) and the handlers' writes commit together, and a duplicate id is
//! acked with no effect. If a handler
//! fails, the batch is applied again with a savepoint per message, so a failing message rolls
//! back only its own savepoint. Acks go out only
//! after the commit. A message that fails transiently is re-published to the queue's retry tier
//! (a TTL'd queue that dead-letters back), and to the dead-letter queue after the last tier; a
//! message that cannot be parsed or applied goes to the dead-letter queue at once. The
//! consumer never stops because of one message. If the database is away, the batch waits and is
//! tried again, unacked.
//!
//! Lanes ([`ConsumerConfig::lanes`]): one AMQP consumer per queue hands its deliveries to a few
//! lanes, each applying its batches one after the other in a transaction of its own, so a
//! backlog drains with the database's round trips overlapped. A message's lane is the hash of
//! its order key, the case it is about ([`order_key`]): the messages of a case are applied in
//! the order they arrived, as with one lane. A message about no case is a barrier: it starts
//! when every lane is idle and nothing starts beside it. With more than one lane each delivery
//! is acked on its own (a multiple ack could settle another lane's unapplied deliveries). A
//! deadlock or serialization failure between lanes rolls the losing batch back and applies it
//! again at once.

use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use futures_util::stream::FuturesUnordered;
use futures_util::{FutureExt, StreamExt};
use kummerer_contracts::topology::QueueSpec;
use kummerer_contracts::{Envelope, Event};
use lapin::message::Delivery;
use lapin::options::{
    BasicAckOptions, BasicCancelOptions, BasicConsumeOptions, BasicNackOptions,
    BasicPublishOptions, BasicQosOptions, BasicRejectOptions, ConfirmSelectOptions,
};
use lapin::types::{AMQPValue, FieldTable, ShortString};
use lapin::{Channel, Confirmation};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, Statement,
    TransactionTrait,
};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;
use uuid::Uuid;

use crate::broker::{Backoff, BrokerConfig};
use crate::db_errors::CONTENDED;
pub use crate::db_errors::{contention, database_unavailable, unstorable_text};
use crate::metrics as m;
use crate::{ATTEMPT_HEADER, ERROR_HEADER, TRACEPARENT_HEADER};

/// A received message, parsed as far as the envelope.
#[derive(Debug, Clone)]
pub struct Incoming {
    pub envelope: Envelope<serde_json::Value>,
    pub routing_key: String,
    /// 0 on the first delivery, n after the n-th retry tier.
    pub attempt: u32,
}

impl Incoming {
    /// The event the envelope's `type` names; data that does not fit is a permanent failure.
    pub fn decode<E: Event>(&self) -> Result<Envelope<E>, HandleError> {
        self.envelope.decode::<E>().map_err(|e| {
            HandleError::Permanent(format!("{} data does not parse: {e}", self.envelope.ty))
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HandleError {
    /// Can never be applied (unknown type, data that does not fit): dead-lettered at once.
    #[error("{0}")]
    Permanent(String),
    /// May work later: retried with backoff, then dead-lettered.
    #[error(transparent)]
    Transient(#[from] anyhow::Error),
}

impl From<DbErr> for HandleError {
    fn from(e: DbErr) -> Self {
        if unstorable_text(&e) {
            // Text the database can never store (a NUL character): retrying cannot help.
            return HandleError::Permanent(format!(
                "the message holds text the database cannot store: {e}"
            ));
        }
        HandleError::Transient(e.into())
    }
}

/// Applies one message inside the consumer's transaction (the batch's, or a savepoint of it).
/// It may run more than once for a message before one run commits: it must only write through
/// `txn` (never to the outside world).
pub trait Handler: Send + Sync + 'static {
    fn handle(
        &self,
        txn: &DatabaseTransaction,
        msg: &Incoming,
    ) -> impl Future<Output = Result<(), HandleError>> + Send;
}

#[derive(Debug, Clone)]
pub struct ConsumerConfig {
    pub prefetch: u16,
    pub batch_max: usize,
    /// Batches applied side by side, each in a transaction of its own. Messages about the same
    /// case always go to the same lane, in the order they arrived (see [`order_key`]); a message
    /// about no case is a barrier: it waits for every earlier message and holds back every later
    /// one. With one lane the queue is applied strictly in order.
    pub lanes: usize,
}

impl Default for ConsumerConfig {
    fn default() -> Self {
        Self {
            prefetch: 128,
            batch_max: 64,
            lanes: 1,
        }
    }
}

/// Sets the lanes of the busy queues ([`ConsumerConfig::by_case`]), 1–32.
pub const LANES_ENV: &str = "KUMMERER_CONSUMER_LANES";

/// The lanes of [`ConsumerConfig::by_case`] when [`LANES_ENV`] does not say: one. Lanes overlap
/// the round trips of several transactions, which pays where the database has cores to spare;
/// on the 2-core machine of the README's benchmark, PostgreSQL, the broker and the services
/// already use both cores while a backlog drains, and four lanes drained no faster (518 against
/// 556 messages/s) while the manufacturer held more photos at once (peak RSS 134–167 against
/// 94 MiB).
pub const DEFAULT_LANES: usize = 1;

impl ConsumerConfig {
    /// For a queue whose messages are about cases (claims, swaps, jobs): batches of up to 64
    /// from a prefetch of 256, in lanes ordered per case ([`DEFAULT_LANES`], or
    /// `KUMMERER_CONSUMER_LANES`).
    pub fn by_case() -> Self {
        match Self::by_case_with(std::env::var(LANES_ENV).ok().as_deref()) {
            Ok(config) => config,
            Err(problem) => {
                // As every setting: a bad value stops the start, naming the variable.
                tracing::error!(setting = LANES_ENV, "cannot start: {problem}");
                eprintln!("{problem}");
                std::process::exit(2);
            }
        }
    }

    /// [`Self::by_case`] with the lane setting given (`None`: the default); a value that is not
    /// a lane count from 1 to 32 is refused, naming the variable.
    pub fn by_case_with(lanes: Option<&str>) -> Result<Self, String> {
        let lanes = match lanes.map(|l| l.trim().parse::<usize>()) {
            None => DEFAULT_LANES,
            Some(Ok(n)) if (1..=32).contains(&n) => n,
            Some(_) => {
                return Err(format!(
                    "{LANES_ENV}={:?}: not a lane count from 1 to 32",
                    lanes.unwrap_or_default()
                ));
            }
        };
        Ok(Self {
            prefetch: 256,
            batch_max: 64,
            lanes,
        })
    }
}

/// The order key of a message: the case it is about (`data.case_id`, which every message about
/// a claim, a swap or a job carries: the case is the aggregate all three belong to). `None`
/// (partners, agreements, profiles, sales reports, erasures, unreadable messages) makes it a
/// barrier between lanes.
pub fn order_key(data: &serde_json::Value) -> Option<&str> {
    data.get("case_id")?.as_str()
}

enum Outcome {
    Ack {
        duplicate: bool,
    },
    Retry(String),
    Dead(String),
    /// The handler lost a deadlock or a serialization failure to a lane beside it: the whole
    /// batch is rolled back and applied again (never a retry tier for it).
    Contended,
}

/// Consumes `spec`'s queue until `cancel` fires; the batch in flight is finished first.
pub async fn run<H: Handler>(
    db: DatabaseConnection,
    broker: BrokerConfig,
    spec: &'static QueueSpec,
    handler: Arc<H>,
    config: ConsumerConfig,
    cancel: CancellationToken,
) {
    let mut backoff = Backoff::default();
    let purpose = format!("consumer {}", spec.name);
    let status = broker.status.component(&purpose);
    loop {
        let Some(conn) = broker.connect_with_retry(&purpose, &cancel).await else {
            return;
        };
        let session = Session {
            db: &db,
            broker: &broker,
            spec,
            handler: &*handler,
            config: &config,
        };
        let outcome = session.consume(&conn, &cancel, &mut backoff, &status).await;
        status.set(false);
        match outcome {
            Ok(()) => {
                crate::broker::close_for_good(conn, 200, "shutting down").await;
                return;
            }
            Err(error) => {
                tracing::warn!(error = %format!("{error:#}"), queue = spec.name, "consumer lost the broker; reconnecting");
                // Closed for good before a new one opens: no consumer of ours stays behind.
                crate::broker::close_for_good(conn, 320, "reconnecting").await;
                crate::broker::count_reconnect(&purpose);
                tokio::select! {
                    _ = cancel.cancelled() => return,
                    _ = tokio::time::sleep(backoff.next_delay()) => {}
                }
            }
        }
    }
}

/// Keeps a gauge raised by `n` while alive (a consumer subscribed, deliveries held).
struct GaugeHold {
    gauge: metrics::Gauge,
    n: f64,
}

impl GaugeHold {
    fn new(gauge: metrics::Gauge, n: f64) -> Self {
        gauge.increment(n);
        Self { gauge, n }
    }
}

impl Drop for GaugeHold {
    fn drop(&mut self) {
        self.gauge.decrement(self.n);
    }
}

/// A settlement (ack, nack, reject) the broker must have taken: an `Acker` from a dead channel
/// answers `Ok(false)`, which means the connection is gone and the message will come again.
async fn settled(settle: impl Future<Output = Result<bool, lapin::Error>>) -> anyhow::Result<()> {
    if settle.await? {
        Ok(())
    } else {
        anyhow::bail!("the channel closed before the message was settled")
    }
}

struct Session<'a, H> {
    db: &'a DatabaseConnection,
    broker: &'a BrokerConfig,
    spec: &'static QueueSpec,
    handler: &'a H,
    config: &'a ConsumerConfig,
}

impl<H: Handler> Session<'_, H> {
    async fn consume(
        &self,
        conn: &lapin::Connection,
        cancel: &CancellationToken,
        backoff: &mut Backoff,
        status: &crate::broker::ComponentStatus,
    ) -> anyhow::Result<()> {
        let queue = self.broker.names.queue(self.spec);
        let channel = conn.create_channel().await?;
        channel
            .basic_qos(self.config.prefetch, BasicQosOptions::default())
            .await?;
        let publisher = conn.create_channel().await?;
        publisher
            .confirm_select(ConfirmSelectOptions::default())
            .await?;
        crate::topology::declare(&channel, self.broker).await?;
        let tag = format!("{}-{}", self.broker.service.name(), uuid::Uuid::now_v7());
        let mut consumer = channel
            .basic_consume(
                queue.as_str().into(),
                tag.as_str().into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await?;
        tracing::info!(queue, "consuming");
        status.set(true);
        let _subscribed = GaugeHold::new(
            metrics::gauge!(m::CONSUMERS_ACTIVE, "queue" => self.spec.name),
            1.0,
        );
        backoff.reset();
        let lanes = self.config.lanes.max(1);
        // With more than one lane a multiple ack could settle another lane's deliveries before
        // they are applied: each delivery is acked on its own then.
        let ack_multiple = lanes == 1;
        let work = async {
            let mut waiting = Lanes::new(lanes);
            let mut running = FuturesUnordered::new();
            let mut cancelling = false;
            loop {
                // Once cancelled, only what is in flight is finished.
                let startable = if cancelling {
                    Vec::new()
                } else {
                    waiting.ready(self.config.batch_max)
                };
                for (slot, batch) in startable {
                    let (publisher, queue) = (&publisher, queue.as_str());
                    running.push(async move {
                        let done = self
                            .process(publisher, queue, batch, cancel, ack_multiple)
                            .await;
                        (slot, done)
                    });
                }
                if cancelling && running.is_empty() {
                    // What was taken but not started goes back to the queue with the channel.
                    return Ok(());
                }
                let room = waiting.len() < usize::from(self.config.prefetch.max(1));
                tokio::select! {
                    _ = cancel.cancelled(), if !cancelling => {
                        let _ = channel.basic_cancel(tag.as_str().into(), BasicCancelOptions::default()).await;
                        cancelling = true;
                    }
                    Some((slot, done)) = running.next(), if !running.is_empty() => {
                        done?;
                        waiting.finished(slot);
                    }
                    next = consumer.next(), if !cancelling && room => {
                        let item = received(next)?;
                        waiting.push(waiting.slot_of(item.order_key()), item);
                        // What the prefetch already holds joins it.
                        while waiting.len() < usize::from(self.config.prefetch.max(1)) {
                            match consumer.next().now_or_never() {
                                Some(next) => {
                                    let item = received(next)?;
                                    waiting.push(waiting.slot_of(item.order_key()), item);
                                }
                                None => break,
                            }
                        }
                    }
                }
            }
        };
        let watched = [&channel, &publisher];
        tokio::select! {
            done = work => done,
            lost = crate::broker::monitor(conn, &watched, status) => Err(lost),
        }
    }

    /// Applies the batch (retrying in place while the database is away), then settles each
    /// delivery with the broker.
    async fn process(
        &self,
        publisher: &Channel,
        queue: &str,
        batch: Vec<Received>,
        cancel: &CancellationToken,
        ack_multiple: bool,
    ) -> anyhow::Result<()> {
        let _held = GaugeHold::new(
            metrics::gauge!(m::CONSUMER_UNACKED, "queue" => self.spec.name),
            batch.len() as f64,
        );
        let mut backoff = Backoff::default();
        let outcomes = loop {
            match self.apply(&batch).await {
                Ok(outcomes) => break outcomes,
                Err(error) if contention(&error) => {
                    tracing::debug!(%error, queue, "batch contended with another lane; applying it again");
                    metrics::counter!(m::CONSUMER_CONTENDED, "queue" => self.spec.name)
                        .increment(1);
                    tokio::task::yield_now().await;
                }
                Err(error) => {
                    let delay = backoff.next_delay();
                    tracing::warn!(%error, queue, retry_in_ms = delay.as_millis() as u64, "database unavailable; batch held");
                    tokio::select! {
                        // Unacked deliveries go back to the queue when the channel closes.
                        _ = cancel.cancelled() => return Ok(()),
                        _ = tokio::time::sleep(delay) => {}
                    }
                }
            }
        };
        let all_acked = outcomes.iter().all(|o| matches!(o, Outcome::Ack { .. }));
        if all_acked && ack_multiple {
            if let Some(last) = batch.last() {
                settled(last.delivery.acker.ack(BasicAckOptions { multiple: true })).await?;
            }
            self.applied_now();
            return Ok(());
        }
        if all_acked {
            futures_util::future::try_join_all(
                batch
                    .iter()
                    .map(|item| settled(item.delivery.acker.ack(BasicAckOptions::default()))),
            )
            .await?;
            self.applied_now();
            return Ok(());
        }
        for (Received { delivery, .. }, outcome) in batch.iter().zip(outcomes) {
            match outcome {
                Outcome::Ack { .. } => {
                    settled(delivery.acker.ack(BasicAckOptions::default())).await?;
                }
                Outcome::Retry(reason) => {
                    let attempt = attempt_of(delivery) + 1;
                    if attempt as usize > self.broker.retry_delays.len() {
                        self.dead_letter(
                            publisher,
                            queue,
                            delivery,
                            &format!("gave up after {} retries: {reason}", attempt - 1),
                        )
                        .await?;
                    } else {
                        let retry_queue =
                            self.broker.names.retry_queue(self.spec, attempt as usize);
                        let mut extra = FieldTable::default();
                        extra.insert(ATTEMPT_HEADER.into(), AMQPValue::LongInt(attempt as i32));
                        extra.insert(
                            ERROR_HEADER.into(),
                            AMQPValue::LongString(truncate(&reason).into()),
                        );
                        if republish(publisher, "", &retry_queue, delivery, extra).await {
                            settled(delivery.acker.ack(BasicAckOptions::default())).await?;
                        } else {
                            settled(delivery.acker.nack(BasicNackOptions {
                                multiple: false,
                                requeue: true,
                            }))
                            .await?;
                        }
                    }
                }
                Outcome::Dead(reason) => {
                    self.dead_letter(publisher, queue, delivery, &reason)
                        .await?
                }
                // `apply` answers a contended batch with an error and applies it again.
                Outcome::Contended => {
                    settled(delivery.acker.nack(BasicNackOptions {
                        multiple: false,
                        requeue: true,
                    }))
                    .await?
                }
            }
        }
        self.applied_now();
        Ok(())
    }

    /// Records that the queue made progress (a batch settled).
    fn applied_now(&self) {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or_default();
        metrics::gauge!(m::CONSUMER_LAST_APPLIED, "queue" => self.spec.name).set(now);
    }

    async fn dead_letter(
        &self,
        publisher: &Channel,
        queue: &str,
        delivery: &Delivery,
        reason: &str,
    ) -> anyhow::Result<()> {
        tracing::error!(queue, reason, message.id = ?delivery.properties.message_id(), "message dead-lettered");
        let mut extra = FieldTable::default();
        extra.insert(
            ERROR_HEADER.into(),
            AMQPValue::LongString(truncate(reason).into()),
        );
        let dlx = self.broker.names.dead_letter_exchange();
        if republish(publisher, &dlx, queue, delivery, extra).await {
            settled(delivery.acker.ack(BasicAckOptions::default())).await?;
        } else {
            // The queue's own dead-letter exchange routes it to the same place.
            settled(delivery.acker.reject(BasicRejectOptions { requeue: false })).await?;
        }
        Ok(())
    }

    /// One transaction for the batch. First without savepoints (the common case: every message
    /// applies); if a handler fails, that transaction is rolled back and the batch is applied
    /// again with a savepoint per message, so only the failing message is undone. `Err` only
    /// when the database itself failed (nothing is committed then).
    async fn apply(&self, batch: &[Received]) -> Result<Vec<Outcome>, DbErr> {
        let parsed: Vec<&Parsed> = batch.iter().map(|item| &item.parsed).collect();
        // A batch of one too: without a savepoint it is two round trips shorter (and its outcome
        // is final: it is not applied again).
        if let Some(applied) = self.apply_pass(&parsed, false).await? {
            return Ok(applied);
        }
        Ok(self.apply_pass(&parsed, true).await?.unwrap_or_default())
    }

    /// The receive span of a message, a child of the trace its `traceparent` names.
    fn span(&self, msg: &Incoming, traceparent: Option<&str>) -> tracing::Span {
        let span = tracing::info_span!(
            "message receive",
            otel.name = format!("{} receive", msg.envelope.ty),
            otel.kind = "consumer",
            messaging.system = "rabbitmq",
            messaging.operation.type = "process",
            messaging.destination.name = self.spec.name,
            messaging.message.id = %msg.envelope.id,
            messaging.rabbitmq.destination.routing_key = %msg.routing_key,
        );
        crate::trace::set_remote_parent(&span, traceparent);
        span
    }

    /// The inbox rows of every readable message of the batch in one statement; returns the ids
    /// that went in (the others were applied before: duplicates). A message delivered twice
    /// within the batch goes in once.
    async fn record_all(
        &self,
        txn: &DatabaseTransaction,
        messages: &[(&Incoming, &tracing::Span)],
    ) -> Result<HashSet<Uuid>, DbErr> {
        if messages.is_empty() {
            return Ok(HashSet::new());
        }
        let mut values = Vec::with_capacity(messages.len() * 4);
        let mut rows = Vec::with_capacity(messages.len());
        for (i, (msg, span)) in messages.iter().enumerate() {
            let k = i * 4;
            rows.push(format!("(${}, ${}, ${}, ${})", k + 1, k + 2, k + 3, k + 4));
            values.push(self.spec.name.into());
            values.push(msg.envelope.id.into());
            values.push(msg.envelope.ty.clone().into());
            values.push(span.in_scope(crate::trace::current_trace_id).into());
        }
        let sql = format!(
            "INSERT INTO inbox (consumer, message_id, message_type, trace_id) VALUES {} \
             ON CONFLICT DO NOTHING RETURNING message_id",
            rows.join(", ")
        );
        txn.query_all_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            sql,
            values,
        ))
        .await?
        .iter()
        .map(|r| r.try_get_by_index::<Uuid>(0))
        .collect()
    }

    /// `Ok(None)`: without savepoints a handler failed; the transaction was rolled back.
    async fn apply_pass(
        &self,
        parsed: &[&Parsed],
        savepoints: bool,
    ) -> Result<Option<Vec<Outcome>>, DbErr> {
        let txn = self.db.begin().await?;
        let spans: Vec<Option<tracing::Span>> = parsed
            .iter()
            .map(|item| {
                item.as_ref()
                    .ok()
                    .map(|(msg, traceparent)| self.span(msg, traceparent.as_deref()))
            })
            .collect();
        // Without savepoints every inbox row goes in with one statement, before the handlers;
        // with them, each message's row is in its own savepoint (`apply_one`).
        let mut fresh = if savepoints {
            None
        } else {
            let readable: Vec<(&Incoming, &tracing::Span)> = parsed
                .iter()
                .zip(&spans)
                .filter_map(|(item, span)| Some((&item.as_ref().ok()?.0, span.as_ref()?)))
                .collect();
            Some(self.record_all(&txn, &readable).await?)
        };
        let mut outcomes = Vec::with_capacity(parsed.len());
        let mut observed = Vec::with_capacity(parsed.len());
        for (item, span) in parsed.iter().zip(spans) {
            let (msg, span) = match (item, span) {
                (Ok((msg, _)), Some(span)) => (msg, span),
                (Err(reason), _) => {
                    observed.push(("unknown".to_owned(), "dead", None));
                    outcomes.push(Outcome::Dead(reason.clone()));
                    continue;
                }
                (Ok((msg, traceparent)), None) => (msg, self.span(msg, traceparent.as_deref())),
            };
            let started = Instant::now();
            let outcome = match &mut fresh {
                None => {
                    let savepoint = txn.begin().await?;
                    let outcome = self.apply_one(&savepoint, msg).instrument(span).await?;
                    if matches!(outcome, Outcome::Contended) {
                        savepoint.rollback().await?;
                        txn.rollback().await?;
                        return Err(DbErr::Custom(CONTENDED.to_owned()));
                    }
                    match outcome {
                        Outcome::Ack { duplicate: false } => savepoint.commit().await?,
                        _ => savepoint.rollback().await?,
                    }
                    outcome
                }
                Some(fresh) => {
                    let outcome = if fresh.remove(&msg.envelope.id) {
                        self.handle(&txn, msg).instrument(span).await
                    } else {
                        tracing::debug!(message.id = %msg.envelope.id, "duplicate delivery; already applied");
                        Outcome::Ack { duplicate: true }
                    };
                    if matches!(outcome, Outcome::Contended) {
                        txn.rollback().await?;
                        return Err(DbErr::Custom(CONTENDED.to_owned()));
                    }
                    if !matches!(outcome, Outcome::Ack { .. }) {
                        txn.rollback().await?;
                        if parsed.len() > 1 {
                            return Ok(None);
                        }
                        // A batch of one: its outcome is the answer (nothing of it committed),
                        // the handler is not run again in a savepoint.
                        self.observe(vec![(msg.envelope.ty.clone(), &outcome, started.elapsed())]);
                        return Ok(Some(vec![outcome]));
                    }
                    outcome
                }
            };
            observed.push((
                msg.envelope.ty.clone(),
                label_of(&outcome),
                Some(started.elapsed()),
            ));
            outcomes.push(outcome);
        }
        txn.commit().await?;
        // Counted once, for the pass that committed.
        for (ty, label, took) in observed {
            self.count(ty, label, took);
        }
        Ok(Some(outcomes))
    }

    fn observe(&self, done: Vec<(String, &Outcome, std::time::Duration)>) {
        for (ty, outcome, took) in done {
            self.count(ty, label_of(outcome), Some(took));
        }
    }

    fn count(&self, ty: String, label: &'static str, took: Option<std::time::Duration>) {
        if let Some(took) = took {
            metrics::histogram!(m::HANDLER_DURATION, "queue" => self.spec.name, "type" => ty.clone())
                .record(took.as_secs_f64());
        }
        metrics::counter!(m::MESSAGES_CONSUMED, "queue" => self.spec.name, "type" => ty, "outcome" => label)
            .increment(1);
    }

    /// The inbox row, then the handler, in `txn` (the batch's transaction or a savepoint of it).
    /// The caller commits or rolls back according to the outcome.
    async fn apply_one(&self, txn: &DatabaseTransaction, msg: &Incoming) -> Result<Outcome, DbErr> {
        let inserted = txn
            .execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "INSERT INTO inbox (consumer, message_id, message_type, trace_id) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT DO NOTHING",
                [
                    self.spec.name.into(),
                    msg.envelope.id.into(),
                    msg.envelope.ty.clone().into(),
                    crate::trace::current_trace_id().into(),
                ],
            ))
            .await?
            .rows_affected();
        if inserted == 0 {
            tracing::debug!(message.id = %msg.envelope.id, "duplicate delivery; already applied");
            return Ok(Outcome::Ack { duplicate: true });
        }
        Ok(self.handle(txn, msg).await)
    }

    /// The handler in `txn`, its result as an outcome.
    async fn handle(&self, txn: &DatabaseTransaction, msg: &Incoming) -> Outcome {
        match self.handler.handle(txn, msg).await {
            Ok(()) => Outcome::Ack { duplicate: false },
            Err(HandleError::Permanent(reason)) => Outcome::Dead(reason),
            Err(HandleError::Transient(error))
                if error.downcast_ref::<DbErr>().is_some_and(contention) =>
            {
                Outcome::Contended
            }
            Err(HandleError::Transient(error)) => {
                tracing::warn!(error = %format!("{error:#}"), message.id = %msg.envelope.id, "handler failed; will retry");
                Outcome::Retry(format!("{error:#}"))
            }
        }
    }
}

/// The outcome as the `outcome` label of the consumed-messages counter.
fn label_of(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Ack { duplicate: false } => "ack",
        Outcome::Ack { duplicate: true } => "duplicate",
        Outcome::Retry(_) => "retry",
        Outcome::Dead(_) => "dead",
        Outcome::Contended => "contended",
    }
}

/// A delivery's envelope and trace context, or why it cannot be read.
type Parsed = Result<(Incoming, Option<String>), String>;

/// A delivery, parsed once when it arrives (its order key picks its lane).
struct Received {
    delivery: Delivery,
    parsed: Parsed,
}

impl Received {
    fn order_key(&self) -> Option<&str> {
        order_key(&self.parsed.as_ref().ok()?.0.envelope.data)
    }
}

/// The next item of the consumer stream, parsed; `Err` when the stream failed or ended.
fn received(next: Option<Result<Delivery, lapin::Error>>) -> anyhow::Result<Received> {
    match next {
        Some(Ok(delivery)) => {
            let parsed = parse(&delivery);
            Ok(Received { delivery, parsed })
        }
        Some(Err(error)) => Err(anyhow::Error::from(error).context("the consumer stream failed")),
        None => anyhow::bail!("the broker ended the consumer"),
    }
}

/// Where a batch runs: in a lane, or alone as a barrier (every lane idle).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Lane(usize),
    Barrier,
}

/// The deliveries taken from the broker and not yet started, in arrival order, and which lanes
/// are busy. A lane takes its messages in order, one batch at a time; a barrier runs alone.
struct Lanes<T> {
    waiting: std::collections::VecDeque<(Slot, T)>,
    busy: Vec<bool>,
    barrier: bool,
}

/// The slot of a message with order key `key` among `lanes` lanes: a hash of the key, or the
/// barrier when it names none (with one lane, always that lane).
fn slot_for(key: Option<&str>, lanes: usize) -> Slot {
    match key {
        Some(key) if lanes > 1 => Slot::Lane(lane_of(key, lanes)),
        None if lanes > 1 => Slot::Barrier,
        _ => Slot::Lane(0),
    }
}

/// The lane (of `lanes`) the messages with order key `key` take.
pub fn lane_of(key: &str, lanes: usize) -> usize {
    use std::hash::{Hash, Hasher};
    // Fixed keys: the same case takes the same lane in every process, every time.
    let mut h = std::hash::DefaultHasher::new();
    key.hash(&mut h);
    (h.finish() % lanes.max(1) as u64) as usize
}

impl<T> Lanes<T> {
    fn new(lanes: usize) -> Self {
        Self {
            waiting: std::collections::VecDeque::new(),
            busy: vec![false; lanes.max(1)],
            barrier: false,
        }
    }

    fn len(&self) -> usize {
        self.waiting.len()
    }

    /// The slot of a message with order key `key`.
    fn slot_of(&self, key: Option<&str>) -> Slot {
        slot_for(key, self.busy.len())
    }

    fn push(&mut self, slot: Slot, item: T) {
        self.waiting.push_back((slot, item));
    }
    /// The batches that may start now: for each idle lane, its oldest waiting messages (up to
    /// `batch_max`) that no barrier precedes; or, when every lane is idle and a barrier is first
    /// in line, the barriers at the front.
    fn ready(&mut self, batch_max: usize) -> Vec<(Slot, Vec<T>)> {
        if self.barrier || self.waiting.is_empty() {
            return Vec::new();
        }
        let idle = self.busy.iter().all(|b| !b);
        let mut take: Vec<Option<Slot>> = vec![None; self.waiting.len()];
        let mut sizes = vec![0usize; self.busy.len()];
        let mut barriers = 0usize;
        for (i, (slot, _)) in self.waiting.iter().enumerate() {
            match *slot {
                Slot::Barrier => {
                    // Only from the front, with every lane idle and nothing taken before it.
                    if idle && i == barriers && barriers < batch_max {
                        take[i] = Some(Slot::Barrier);
                        barriers += 1;
                        continue;
                    }
                    break;
                }
                Slot::Lane(_) if barriers > 0 => break,
                Slot::Lane(lane) => {
                    if !self.busy[lane] && sizes[lane] < batch_max {
                        take[i] = Some(Slot::Lane(lane));
                        sizes[lane] += 1;
                    }
                }
            }
        }
        let mut batches: Vec<(Slot, Vec<T>)> = Vec::new();
        let mut kept = std::collections::VecDeque::with_capacity(self.waiting.len());
        for ((slot, item), taken) in std::mem::take(&mut self.waiting).into_iter().zip(take) {
            let Some(taken) = taken else {
                kept.push_back((slot, item));
                continue;
            };
            match batches.iter_mut().find(|(s, _)| *s == taken) {
                Some((_, batch)) => batch.push(item),
                None => batches.push((taken, vec![item])),
            }
        }
        self.waiting = kept;
        for (slot, _) in &batches {
            match slot {
                Slot::Lane(lane) => self.busy[*lane] = true,
                Slot::Barrier => self.barrier = true,
            }
        }
        batches
    }

    fn finished(&mut self, slot: Slot) {
        match slot {
            Slot::Lane(lane) => self.busy[lane] = false,
            Slot::Barrier => self.barrier = false,
        }
    }
}

/// The envelope and trace context of a delivery, or why it cannot be read.
fn parse(delivery: &Delivery) -> Result<(Incoming, Option<String>), String> {
    let envelope: Envelope<serde_json::Value> =
        serde_json::from_slice(&delivery.data).map_err(|e| format!("malformed envelope: {e}"))?;
    let msg = Incoming {
        envelope,
        routing_key: delivery.routing_key.to_string(),
        attempt: attempt_of(delivery),
    };
    Ok((msg, header_str(delivery, TRACEPARENT_HEADER)))
}

fn attempt_of(delivery: &Delivery) -> u32 {
    match delivery
        .properties
        .headers()
        .as_ref()
        .and_then(|h| h.inner().get(ATTEMPT_HEADER))
    {
        Some(AMQPValue::LongInt(n)) => (*n).max(0) as u32,
        Some(AMQPValue::LongLongInt(n)) => (*n).clamp(0, i64::from(u32::MAX)) as u32,
        Some(AMQPValue::ShortInt(n)) => (*n).max(0) as u32,
        _ => 0,
    }
}

fn header_str(delivery: &Delivery, key: &str) -> Option<String> {
    match delivery.properties.headers().as_ref()?.inner().get(key)? {
        AMQPValue::LongString(s) => Some(String::from_utf8_lossy(s.as_bytes()).into_owned()),
        AMQPValue::ShortString(s) => Some(s.as_str().to_owned()),
        _ => None,
    }
}

fn truncate(s: &str) -> String {
    s.chars().take(1000).collect()
}

/// Publishes a copy of `delivery` (same body and properties, `extra` headers merged) and waits
/// for the broker's confirm. `true` only on a positive, routed confirm.
pub(crate) async fn republish(
    channel: &Channel,
    exchange: &str,
    routing_key: &str,
    delivery: &Delivery,
    extra: FieldTable,
) -> bool {
    let mut headers = delivery.properties.headers().clone().unwrap_or_default();
    for (k, v) in extra.inner() {
        headers.insert(k.clone(), v.clone());
    }
    let properties = delivery.properties.clone().with_headers(headers);
    let options = BasicPublishOptions {
        mandatory: true,
        immediate: false,
    };
    let published = channel
        .basic_publish(
            ShortString::from(exchange),
            ShortString::from(routing_key),
            options,
            &delivery.data,
            properties,
        )
        .await;
    match published {
        Ok(confirm) => matches!(confirm.await, Ok(Confirmation::Ack(None))),
        Err(error) => {
            tracing::warn!(%error, exchange, routing_key, "re-publish failed");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lanes of numbered items: `(key, n)`.
    fn lanes(n: usize, items: &[(Option<&str>, u32)]) -> Lanes<u32> {
        let mut l = Lanes::new(n);
        for (key, item) in items {
            l.push(l.slot_of(*key), *item);
        }
        l
    }

    fn started(batches: &[(Slot, Vec<u32>)]) -> Vec<u32> {
        let mut all: Vec<u32> = batches.iter().flat_map(|(_, b)| b.clone()).collect();
        all.sort_unstable();
        all
    }

    #[test]
    fn one_case_keeps_its_order_in_one_lane_and_waits_for_its_batch() {
        let mut l = lanes(4, &[(Some("a"), 1), (Some("a"), 2), (Some("a"), 3)]);
        let batches = l.ready(2);
        assert_eq!(batches.len(), 1);
        assert_eq!(batches[0].1, vec![1, 2]);
        // The lane is busy: its third message waits, even though nothing else runs.
        assert!(l.ready(2).is_empty());
        l.finished(batches[0].0);
        let next = l.ready(2);
        assert_eq!(next, vec![(batches[0].0, vec![3])]);
    }

    #[test]
    fn cases_spread_over_lanes_and_run_side_by_side() {
        let keys: Vec<String> = (0..64).map(|i| format!("case-{i}")).collect();
        let items: Vec<(Option<&str>, u32)> = keys
            .iter()
            .enumerate()
            .map(|(i, k)| (Some(k.as_str()), i as u32))
            .collect();
        let mut l = lanes(4, &items);
        let batches = l.ready(64);
        assert_eq!(batches.len(), 4, "64 cases use every one of 4 lanes");
        assert_eq!(started(&batches), (0..64).collect::<Vec<_>>());
        for (slot, batch) in &batches {
            assert!(matches!(slot, Slot::Lane(_)));
            assert!(batch.windows(2).all(|w| w[0] < w[1]), "arrival order kept");
        }
        assert_eq!(l.len(), 0);
    }

    #[test]
    fn a_message_about_no_case_waits_for_every_lane_and_holds_back_later_ones() {
        let mut l = lanes(
            4,
            &[
                (Some("a"), 1),
                (Some("b"), 2),
                (None, 3),
                (None, 4),
                (Some("c"), 5),
            ],
        );
        let first = l.ready(64);
        assert_eq!(started(&first), vec![1, 2]);
        assert!(l.ready(64).is_empty(), "the barrier waits while lanes run");
        l.finished(first[0].0);
        assert!(l.ready(64).is_empty(), "…every lane");
        for (slot, _) in &first[1..] {
            l.finished(*slot);
        }
        let barrier = l.ready(64);
        assert_eq!(barrier, vec![(Slot::Barrier, vec![3, 4])]);
        assert!(l.ready(64).is_empty(), "nothing runs beside a barrier");
        l.finished(Slot::Barrier);
        assert_eq!(started(&l.ready(64)), vec![5]);
    }

    #[test]
    fn one_lane_is_the_queue_in_order() {
        let mut l = lanes(1, &[(Some("a"), 1), (None, 2), (Some("b"), 3)]);
        assert_eq!(l.ready(64), vec![(Slot::Lane(0), vec![1, 2, 3])]);
    }

    #[test]
    fn the_lane_setting_is_read_and_a_bad_one_refused() {
        let lanes = |v| ConsumerConfig::by_case_with(v).map(|c| c.lanes);
        assert_eq!(lanes(None), Ok(DEFAULT_LANES));
        assert_eq!(lanes(Some("4")), Ok(4));
        assert_eq!(lanes(Some(" 8 ")), Ok(8));
        for bad in ["0", "33", "four", ""] {
            let problem = lanes(Some(bad)).unwrap_err();
            assert!(problem.contains(LANES_ENV), "{problem}");
        }
    }

    #[test]
    fn the_order_key_is_the_case() {
        let data = serde_json::json!({"case_id": "c-1", "claim_id": "x"});
        assert_eq!(order_key(&data), Some("c-1"));
        assert_eq!(order_key(&serde_json::json!({"retailer_id": "r"})), None);
        assert_eq!(slot_for(Some("c-1"), 4), slot_for(Some("c-1"), 4));
        assert_eq!(slot_for(None, 4), Slot::Barrier);
        assert_eq!(slot_for(None, 1), Slot::Lane(0));
    }
}
