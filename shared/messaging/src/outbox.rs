//! The transactional outbox. [`enqueue`] writes an event in the caller's transaction; the
//! [`Relay`] publishes unsent rows (persistent, `mandatory`, with publisher confirms) and marks a
//! row sent only after the broker acknowledged it. Rows are claimed with `FOR UPDATE SKIP LOCKED`,
//! so replicas relay side by side. The relay wakes on `NOTIFY outbox` and polls as a fallback;
//! while the broker is away the rows simply wait.

use std::sync::Arc;
use std::time::Duration;

use kummerer_contracts::{Envelope, Event};
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable, ShortString};
use lapin::{BasicProperties, Channel, Confirmation};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement, TransactionTrait, Value,
};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::broker::{Backoff, BrokerConfig, BrokerStatus};
use crate::metrics as m;
use crate::{TRACEPARENT_HEADER, topology};

/// The `NOTIFY` channel the outbox insert trigger signals.
pub const NOTIFY_CHANNEL: &str = "outbox";

/// Writes `event` into the outbox within the caller's transaction, with the current trace
/// context. Returns the message id (the CloudEvents `id`).
pub async fn enqueue<C: ConnectionTrait, E: Event>(db: &C, event: E) -> Result<Uuid, DbErr> {
    let envelope = Envelope::new(event);
    let payload = serde_json::to_value(&envelope).map_err(|e| DbErr::Custom(e.to_string()))?;
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "INSERT INTO outbox (id, routing_key, payload, traceparent, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
        [
            envelope.id.into(),
            E::TYPE.into(),
            payload.into(),
            crate::trace::current_traceparent().into(),
            envelope.time.into(),
        ],
    ))
    .await?;
    Ok(envelope.id)
}

#[derive(Debug, Clone)]
pub struct RelayConfig {
    /// Rows claimed and published per transaction (all in flight at once).
    pub batch_size: u32,
    /// The polling fallback when no `NOTIFY` arrives.
    pub poll_interval: Duration,
    /// How often the backlog and dead-letter gauges are refreshed.
    pub gauge_interval: Duration,
    /// Sent rows older than this are purged.
    pub keep_sent: Duration,
}

impl Default for RelayConfig {
    fn default() -> Self {
        Self {
            batch_size: 256,
            poll_interval: Duration::from_millis(500),
            gauge_interval: Duration::from_secs(5),
            keep_sent: Duration::from_secs(7 * 24 * 3600),
        }
    }
}

#[derive(Debug, thiserror::Error)]
enum RelayError {
    #[error("database: {0}")]
    Db(#[from] DbErr),
    #[error("broker: {0}")]
    Broker(#[from] lapin::Error),
    #[error("{0} message(s) not confirmed by the broker: {1}")]
    NotConfirmed(usize, String),
}

pub struct Relay {
    db: DatabaseConnection,
    broker: BrokerConfig,
    config: RelayConfig,
    status: BrokerStatus,
}

impl Relay {
    pub fn new(
        db: DatabaseConnection,
        broker: BrokerConfig,
        config: RelayConfig,
        status: BrokerStatus,
    ) -> Self {
        Self {
            db,
            broker,
            config,
            status,
        }
    }

    /// Runs until `cancel` fires; the batch in flight is finished first. Whenever the
    /// connection fails it is closed for good and a fresh one opened, however long the broker
    /// stays away; the rows wait in the outbox meanwhile.
    pub async fn run(self, cancel: CancellationToken) {
        let wake = Arc::new(Notify::new());
        let listener = tokio::spawn(listen(self.db.clone(), wake.clone(), cancel.clone()));
        let status = self.status.component("relay");
        let mut backoff = Backoff::default();
        loop {
            let Some(conn) = self.broker.connect_with_retry("relay", &cancel).await else {
                break;
            };
            let outcome = match self.open_channel(&conn).await {
                Ok(channel) => {
                    status.set(true);
                    backoff.reset();
                    let watched = [&channel];
                    tokio::select! {
                        done = self.pump(&channel, &wake, &cancel) => done,
                        lost = crate::broker::monitor(&conn, &watched, &status) => Err(lost),
                    }
                }
                Err(e) => Err(e),
            };
            status.set(false);
            match outcome {
                Ok(()) => {
                    crate::broker::close_for_good(conn, 200, "shutting down").await;
                    break;
                }
                Err(error) => {
                    tracing::warn!(error = %format!("{error:#}"), "outbox relay lost the broker; reconnecting");
                    crate::broker::close_for_good(conn, 320, "reconnecting").await;
                    crate::broker::count_reconnect("relay");
                    tokio::select! {
                        _ = cancel.cancelled() => break,
                        _ = tokio::time::sleep(backoff.next_delay()) => {}
                    }
                }
            }
        }
        listener.abort();
    }

    async fn open_channel(&self, conn: &lapin::Connection) -> anyhow::Result<Channel> {
        let channel = conn.create_channel().await?;
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await?;
        topology::declare(&channel, &self.broker).await?;
        Ok(channel)
    }

    async fn pump(
        &self,
        channel: &Channel,
        wake: &Notify,
        cancel: &CancellationToken,
    ) -> anyhow::Result<()> {
        let mut db_backoff = Backoff::default();
        let mut next_gauges = tokio::time::Instant::now();
        loop {
            if cancel.is_cancelled() {
                return Ok(());
            }
            if tokio::time::Instant::now() >= next_gauges {
                self.refresh_gauges(channel).await;
                next_gauges = tokio::time::Instant::now() + self.config.gauge_interval;
            }
            match self.relay_batch(channel).await {
                Ok(n) if n >= self.config.batch_size as usize => {
                    db_backoff.reset();
                    continue;
                }
                Ok(_) => {
                    db_backoff.reset();
                    tokio::select! {
                        _ = cancel.cancelled() => return Ok(()),
                        _ = wake.notified() => {}
                        _ = tokio::time::sleep(self.config.poll_interval) => {}
                    }
                }
                Err(RelayError::Broker(error)) => {
                    // The rows stay unsent (or were marked with their error): a fresh
                    // connection publishes them again.
                    return Err(anyhow::Error::from(error).context("publishing failed"));
                }
                Err(error) => {
                    let delay = db_backoff.next_delay();
                    tracing::warn!(%error, retry_in_ms = delay.as_millis() as u64, "outbox relay batch failed");
                    tokio::select! {
                        _ = cancel.cancelled() => return Ok(()),
                        _ = tokio::time::sleep(delay) => {}
                    }
                }
            }
        }
    }

    /// Claims up to `batch_size` unsent rows, publishes them all, awaits every confirm, marks the
    /// confirmed ones sent, and commits. Returns how many rows it claimed.
    async fn relay_batch(&self, channel: &Channel) -> Result<usize, RelayError> {
        let txn = self.db.begin().await?;
        let rows = txn
            .query_all_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT id, routing_key, payload::text AS payload, traceparent FROM outbox \
                 WHERE sent_at IS NULL ORDER BY created_at, id LIMIT $1 FOR UPDATE SKIP LOCKED",
                [i64::from(self.config.batch_size).into()],
            ))
            .await?;
        if rows.is_empty() {
            txn.commit().await?;
            return Ok(0);
        }
        let claimed = rows.len();
        let exchange = self.broker.names.exchange(self.broker.service);
        let mut in_flight = Vec::with_capacity(claimed);
        let mut broker_error = None;
        for row in rows {
            let id: Uuid = row.try_get("", "id")?;
            let routing_key: String = row.try_get("", "routing_key")?;
            let payload: String = row.try_get("", "payload")?;
            let traceparent: Option<String> = row.try_get("", "traceparent")?;
            let mut headers = FieldTable::default();
            if let Some(tp) = traceparent {
                headers.insert(TRACEPARENT_HEADER.into(), AMQPValue::LongString(tp.into()));
            }
            let properties = BasicProperties::default()
                .with_message_id(id.to_string().into())
                .with_content_type("application/cloudevents+json".into())
                .with_delivery_mode(2)
                .with_timestamp(chrono::Utc::now().timestamp().max(0) as u64)
                .with_type(ShortString::from(routing_key.as_str()))
                .with_app_id(self.broker.service.name().into())
                .with_headers(headers);
            let options = BasicPublishOptions {
                mandatory: true,
                immediate: false,
            };
            match channel
                .basic_publish(
                    exchange.as_str().into(),
                    routing_key.as_str().into(),
                    options,
                    payload.as_bytes(),
                    properties,
                )
                .await
            {
                Ok(confirm) => in_flight.push((id, routing_key, confirm)),
                Err(error) => {
                    broker_error = Some(error);
                    break;
                }
            }
        }
        let mut sent = Vec::with_capacity(in_flight.len());
        let mut failures = Vec::new();
        for (id, routing_key, confirm) in in_flight {
            match confirm.await {
                Ok(Confirmation::Ack(None)) => {
                    metrics::counter!(m::MESSAGES_PUBLISHED, "routing_key" => routing_key)
                        .increment(1);
                    sent.push(id);
                }
                Ok(Confirmation::Ack(Some(returned))) => {
                    failures.push((id, format!("unroutable: {}", returned.reply_text)));
                }
                Ok(Confirmation::Nack(_)) => failures.push((id, "nacked by the broker".to_owned())),
                Ok(Confirmation::NotRequested) => {
                    failures.push((id, "publisher confirms are off".to_owned()))
                }
                Err(error) => {
                    failures.push((id, error.to_string()));
                    broker_error.get_or_insert(error);
                }
            }
        }
        if !sent.is_empty() {
            txn.execute_raw(in_list(
                "UPDATE outbox SET sent_at = now() WHERE id IN ",
                "",
                &sent,
                vec![],
            ))
            .await?;
        }
        if !failures.is_empty() {
            let ids: Vec<Uuid> = failures.iter().map(|(id, _)| *id).collect();
            let reason = failures[0].1.clone();
            txn.execute_raw(in_list(
                "UPDATE outbox SET attempts = attempts + 1, last_error = $1 WHERE id IN ",
                "",
                &ids,
                vec![reason.clone().into()],
            ))
            .await?;
            metrics::counter!(m::PUBLISH_FAILURES).increment(failures.len() as u64);
            txn.commit().await?;
            return Err(match broker_error {
                Some(error) => RelayError::Broker(error),
                None => RelayError::NotConfirmed(failures.len(), reason),
            });
        }
        txn.commit().await?;
        match broker_error {
            Some(error) => Err(RelayError::Broker(error)),
            None => Ok(claimed),
        }
    }

    async fn refresh_gauges(&self, channel: &Channel) {
        let backlog = self
            .db
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT count(*) AS n, COALESCE(EXTRACT(EPOCH FROM now() - min(created_at))::float8, 0) AS age \
                 FROM outbox WHERE sent_at IS NULL",
            ))
            .await;
        if let Ok(Some(row)) = backlog {
            let n: i64 = row.try_get("", "n").unwrap_or(0);
            let age: f64 = row.try_get("", "age").unwrap_or(0.0);
            metrics::gauge!(m::OUTBOX_BACKLOG).set(n as f64);
            metrics::gauge!(m::OUTBOX_OLDEST_AGE).set(age);
        }
        let keep = self.config.keep_sent.as_secs() as i64;
        if let Err(error) = self
            .db
            .execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "DELETE FROM outbox WHERE sent_at < now() - make_interval(secs => $1)",
                [keep.into()],
            ))
            .await
        {
            tracing::debug!(%error, "purging sent outbox rows failed");
        }
        for spec in kummerer_contracts::topology::queues_of(self.broker.service) {
            let dlq = self.broker.names.dead_letter_queue(spec);
            let passive = QueueDeclareOptions {
                passive: true,
                durable: true,
                ..Default::default()
            };
            if let Ok(q) = channel
                .queue_declare(dlq.as_str().into(), passive, FieldTable::default())
                .await
            {
                metrics::gauge!(m::DEAD_LETTER_DEPTH, "queue" => self.broker.names.queue(spec))
                    .set(f64::from(q.message_count()));
            }
        }
    }
}

/// `<prefix>($k, $k+1, …)<suffix>` for the ids, after `leading` parameters.
fn in_list(prefix: &str, suffix: &str, ids: &[Uuid], mut leading: Vec<Value>) -> Statement {
    let first = leading.len() + 1;
    let placeholders: Vec<String> = (0..ids.len()).map(|i| format!("${}", first + i)).collect();
    let sql = format!("{prefix}({}){suffix}", placeholders.join(", "));
    leading.extend(ids.iter().map(|id| Value::from(*id)));
    Statement::from_sql_and_values(DbBackend::Postgres, sql, leading)
}

/// Wakes the relay on every `NOTIFY outbox` (sent by the insert trigger at commit).
async fn listen(db: DatabaseConnection, wake: Arc<Notify>, cancel: CancellationToken) {
    use sea_orm::sqlx::postgres::PgListener;
    let mut backoff = Backoff::default();
    loop {
        let pool = db.get_postgres_connection_pool().clone();
        let listener = async {
            let mut listener = PgListener::connect_with(&pool).await?;
            listener.listen(NOTIFY_CHANNEL).await?;
            Ok::<_, sea_orm::sqlx::Error>(listener)
        };
        let mut listener = tokio::select! {
            _ = cancel.cancelled() => return,
            l = listener => match l {
                Ok(l) => l,
                Err(error) => {
                    tracing::debug!(%error, "LISTEN failed; polling meanwhile");
                    tokio::time::sleep(backoff.next_delay()).await;
                    continue;
                }
            }
        };
        backoff.reset();
        wake.notify_one();
        loop {
            tokio::select! {
                _ = cancel.cancelled() => return,
                n = listener.recv() => match n {
                    Ok(_) => wake.notify_one(),
                    Err(error) => {
                        tracing::debug!(%error, "LISTEN connection lost; polling meanwhile");
                        tokio::time::sleep(backoff.next_delay()).await;
                        break;
                    }
                }
            }
        }
    }
}
