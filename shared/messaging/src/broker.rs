//! Connecting to RabbitMQ: lapin's automatic recovery, plus an outer reconnect loop in each
//! component for what recovery cannot mend (a broker that stayed away too long, a closed channel).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use kummerer_contracts::topology::Service;
use lapin::{Connection, ConnectionProperties};
use tokio_util::sync::CancellationToken;

use crate::names::Names;

#[derive(Debug, Clone)]
pub struct BrokerConfig {
    pub url: String,
    pub names: Names,
    pub service: Service,
    /// Delays of the retry tiers: a message that fails transiently waits `retry_delays[n-1]`
    /// before its n-th retry; after the last tier it is dead-lettered.
    pub retry_delays: Vec<Duration>,
    /// The broker's own guard against a message that kills the consumer: after this many
    /// deliveries it is dead-lettered (`x-delivery-limit`).
    pub delivery_limit: u32,
}

impl BrokerConfig {
    pub fn new(url: impl Into<String>, prefix: impl Into<String>, service: Service) -> Self {
        Self {
            url: url.into(),
            names: Names::new(prefix),
            service,
            retry_delays: vec![
                Duration::from_secs(1),
                Duration::from_secs(10),
                Duration::from_secs(60),
            ],
            delivery_limit: 10,
        }
    }

    /// One connection, with lapin's automatic recovery on. `purpose` names it in the broker's
    /// management view (`retailer relay`, `logistics consumer logistics.swaps`).
    pub async fn connect(&self, purpose: &str) -> lapin::Result<Connection> {
        let name = format!(
            "{} {} {}",
            self.names.prefix(),
            self.service.name(),
            purpose
        );
        // lapin's own reconnects: quick and bounded (about a minute); past that the component's
        // outer loop reconnects from scratch, with no limit.
        let props = ConnectionProperties::default()
            .with_connection_name(name.into())
            .configure_backoff(|b| {
                b.with_min_delay(Duration::from_millis(200))
                    .with_max_delay(Duration::from_secs(2))
                    .with_max_times(30)
            })
            .enable_auto_recover();
        Connection::connect(&self.url, props).await
    }

    /// Connects, retrying with capped exponential backoff until it succeeds or `cancel` fires.
    pub async fn connect_with_retry(
        &self,
        purpose: &str,
        cancel: &CancellationToken,
    ) -> Option<Connection> {
        let mut backoff = Backoff::default();
        loop {
            match self.connect(purpose).await {
                Ok(conn) => return Some(conn),
                Err(error) => {
                    let delay = backoff.next_delay();
                    tracing::warn!(%error, purpose, retry_in_ms = delay.as_millis() as u64, "broker unreachable");
                    tokio::select! {
                        _ = cancel.cancelled() => return None,
                        _ = tokio::time::sleep(delay) => {}
                    }
                }
            }
        }
    }
}

/// Capped exponential backoff: 100 ms, 200 ms, … up to 5 s.
#[derive(Debug, Default)]
pub struct Backoff {
    attempt: u32,
}

impl Backoff {
    pub fn next_delay(&mut self) -> Duration {
        let ms = 100u64.saturating_mul(1 << self.attempt.min(6)).min(5_000);
        self.attempt = self.attempt.saturating_add(1);
        Duration::from_millis(ms)
    }
    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

/// Whether the components currently hold a working broker connection, for `/ready`.
#[derive(Debug, Clone, Default)]
pub struct BrokerStatus(Arc<AtomicBool>);

impl BrokerStatus {
    pub fn set(&self, up: bool) {
        self.0.store(up, Ordering::Relaxed);
        metrics::gauge!(crate::metrics::BROKER_CONNECTED).set(if up { 1.0 } else { 0.0 });
    }
    pub fn is_up(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// How long lapin's automatic recovery may take before a component gives up on the connection
/// and reconnects from scratch.
pub const RECOVERY_TIMEOUT: Duration = Duration::from_secs(15);

/// Waits for lapin to recover `channel` after `error`. `Ok(true)`: recovered; `Ok(false)`:
/// cancelled; `Err`: recovery failed or took longer than [`RECOVERY_TIMEOUT`] — reconnect.
pub async fn recover(
    channel: &lapin::Channel,
    error: lapin::Error,
    cancel: &CancellationToken,
) -> anyhow::Result<bool> {
    tokio::select! {
        _ = cancel.cancelled() => Ok(false),
        recovered = tokio::time::timeout(RECOVERY_TIMEOUT, channel.wait_for_recovery(error)) => match recovered {
            Ok(Ok(())) => Ok(true),
            Ok(Err(e)) => Err(e.into()),
            Err(_) => anyhow::bail!("no recovery within {RECOVERY_TIMEOUT:?}"),
        },
    }
}

/// Notices a channel that stays disconnected (a recovery that never finishes, or never
/// surfaces as an error): `expired` after [`RECOVERY_TIMEOUT`] without a connection.
#[derive(Debug, Default)]
pub struct Watchdog {
    down_since: Option<tokio::time::Instant>,
}

impl Watchdog {
    pub fn expired(&mut self, connected: bool) -> bool {
        if connected {
            self.down_since = None;
            return false;
        }
        let since = *self
            .down_since
            .get_or_insert_with(tokio::time::Instant::now);
        since.elapsed() > RECOVERY_TIMEOUT
    }
}

/// Watches a channel while a component works on it: keeps `status` (if any) in step with the
/// connection every half second, and fails once the channel has stayed disconnected longer than
/// [`RECOVERY_TIMEOUT`] — whatever the component is waiting on meanwhile (a confirm, an ack).
/// Run it in a `select!` beside the work: when it fails, the work is dropped (its database
/// transaction rolls back, unacked messages return to the queue) and the component reconnects.
pub async fn monitor(channel: &lapin::Channel, status: Option<&BrokerStatus>) -> anyhow::Error {
    let mut watchdog = Watchdog::default();
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    loop {
        tick.tick().await;
        let connected = channel.status().connected();
        if let Some(status) = status {
            status.set(connected);
        }
        if watchdog.expired(connected) {
            return anyhow::anyhow!("the channel stayed disconnected for {RECOVERY_TIMEOUT:?}");
        }
    }
}
