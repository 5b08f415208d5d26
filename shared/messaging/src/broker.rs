//! Connecting to RabbitMQ. Reconnection has **one owner**: each component's own loop (relay,
//! consumer). lapin's automatic recovery stays off, so a connection the component gave up can
//! never come back behind its back with a consumer nobody reads; a given-up connection is closed
//! (bounded by [`CLOSE_TIMEOUT`]) and dropped, and the loop opens a fresh one with backoff, with
//! no limit on how long the broker may stay away. AMQP heartbeats ([`HEARTBEAT_SECS`]) make a
//! half-open connection (packets dropped, not refused) fail within two heartbeat intervals.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kummerer_contracts::topology::Service;
use lapin::uri::AMQPUri;
use lapin::{Connection, ConnectionProperties};
use tokio_util::sync::CancellationToken;

use crate::names::Names;

/// The heartbeat the client asks for (seconds; the broker may lower it, and a URL's own
/// `?heartbeat=` wins). A connection that hears nothing for twice this long is dead.
pub const HEARTBEAT_SECS: u16 = 10;
/// The largest frame the client asks for (bytes; the broker may lower it, and a URL's own
/// `?frame_max=` wins). lapin keeps a receive and a send buffer of 32 frames per connection,
/// written through: at RabbitMQ's default of 128 KiB that is 8 MiB resident per connection, most
/// of an idle service's memory (a service holds 2–4 connections). At 32 KiB it is 2 MiB, and a
/// message larger than a frame (outbox payloads stay under 64 KiB, photos travel by
/// claim-check) is simply sent in more frames.
pub const FRAME_MAX: u32 = 32 * 1024;
/// How long a TCP connect plus the AMQP handshake may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long closing a given-up connection may take before it is simply dropped.
pub const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);

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
    /// Where every component using this configuration reports whether it holds a working
    /// connection (for `/ready`).
    pub status: BrokerStatus,
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
            status: BrokerStatus::default(),
        }
    }

    /// One connection, without lapin's automatic recovery (the caller owns reconnection), with
    /// heartbeats and frames of at most [`FRAME_MAX`]. `purpose` names it in the broker's
    /// management view (`retailer relay`, `logistics consumer logistics.swaps`).
    pub async fn connect(&self, purpose: &str) -> anyhow::Result<Connection> {
        let name = format!(
            "{} {} {}",
            self.names.prefix(),
            self.service.name(),
            purpose
        );
        let mut uri: AMQPUri = self
            .url
            .parse()
            .map_err(|e: String| anyhow::anyhow!("AMQP_URL is not a valid AMQP URI: {e}"))?;
        uri.query.heartbeat.get_or_insert(HEARTBEAT_SECS);
        uri.query.frame_max.get_or_insert(FRAME_MAX);
        uri.query
            .connection_timeout
            .get_or_insert(CONNECT_TIMEOUT.as_millis() as u64);
        let props = ConnectionProperties::default().with_connection_name(name.into());
        match tokio::time::timeout(CONNECT_TIMEOUT, Connection::connect_uri(uri, props)).await {
            Ok(conn) => Ok(conn?),
            Err(_) => anyhow::bail!("no connection within {CONNECT_TIMEOUT:?}"),
        }
    }

    /// Connects, retrying with capped exponential backoff until it succeeds or `cancel` fires.
    pub async fn connect_with_retry(
        &self,
        purpose: &str,
        cancel: &CancellationToken,
    ) -> Option<Connection> {
        let mut backoff = Backoff::default();
        loop {
            let attempt = tokio::select! {
                _ = cancel.cancelled() => return None,
                attempt = self.connect(purpose) => attempt,
            };
            match attempt {
                Ok(conn) => return Some(conn),
                Err(error) => {
                    let delay = backoff.next_delay();
                    tracing::warn!(error = %format!("{error:#}"), purpose, retry_in_ms = delay.as_millis() as u64, "broker unreachable");
                    tokio::select! {
                        _ = cancel.cancelled() => return None,
                        _ = tokio::time::sleep(delay) => {}
                    }
                }
            }
        }
    }
}

/// Closes a connection for good: a polite `Connection.Close` bounded by [`CLOSE_TIMEOUT`], then
/// the handle is dropped. Without automatic recovery nothing can reopen it afterwards, so no
/// consumer registered on it can outlive this call.
pub async fn close_for_good(conn: Connection, code: u16, reason: &str) {
    if conn.status().connected() {
        match tokio::time::timeout(CLOSE_TIMEOUT, conn.close(code, reason.into())).await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => tracing::debug!(%error, "closing the broker connection failed"),
            Err(_) => tracing::warn!("the broker did not confirm the close in time; dropped"),
        }
    }
    drop(conn);
}

/// Counts a reconnect of `component` (`relay`, `consumer <queue>`).
pub fn count_reconnect(component: &str) {
    metrics::counter!(crate::metrics::BROKER_RECONNECTS, "component" => component.to_owned())
        .increment(1);
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

/// Whether every component (the relay, each consumer) currently holds a working broker
/// connection, for `/ready`. Each component registers once with [`BrokerStatus::component`] and
/// reports through its [`ComponentStatus`]; the broker counts as up when at least one component
/// is registered and all of them are connected.
#[derive(Debug, Clone, Default)]
pub struct BrokerStatus(Arc<Mutex<BTreeMap<String, bool>>>);

impl BrokerStatus {
    /// Registers `component` (down until it reports otherwise).
    pub fn component(&self, component: &str) -> ComponentStatus {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let status = ComponentStatus {
            all: self.clone(),
            key: format!("{component}#{n}"),
            component: component.to_owned(),
        };
        status.set(false);
        status
    }
    pub fn is_up(&self) -> bool {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        !map.is_empty() && map.values().all(|up| *up)
    }
    /// The components that are down, for `/ready`'s detail.
    pub fn down(&self) -> Vec<String> {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.iter()
            .filter(|(_, up)| !**up)
            .filter_map(|(key, _)| key.rsplit_once('#').map(|(c, _)| c.to_owned()))
            .collect()
    }
}

/// One component's slot in a [`BrokerStatus`]; it leaves the status when dropped.
#[derive(Debug)]
pub struct ComponentStatus {
    all: BrokerStatus,
    /// The component's name plus a number: two consumers of one queue in one process are two
    /// slots.
    key: String,
    component: String,
}

impl ComponentStatus {
    pub fn set(&self, up: bool) {
        self.all
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(self.key.clone(), up);
        metrics::gauge!(crate::metrics::BROKER_CONNECTED, "component" => self.component.clone())
            .set(if up { 1.0 } else { 0.0 });
    }
}

impl Drop for ComponentStatus {
    fn drop(&mut self) {
        self.all
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&self.key);
    }
}

/// Watches a connection while a component works on it: keeps `status` in step every half
/// second and fails as soon as the channel or its connection is no longer connected (a broker
/// stop, a missed heartbeat, a channel the broker closed). Run it in a `select!` beside the work:
/// when it fails, the work is dropped (its database transaction rolls back, unacked messages
/// return to the queue) and the component closes the connection and reconnects.
pub async fn monitor(
    conn: &Connection,
    channels: &[&lapin::Channel],
    status: &ComponentStatus,
) -> anyhow::Error {
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    loop {
        tick.tick().await;
        let connected =
            conn.status().connected() && channels.iter().all(|c| c.status().connected());
        status.set(connected);
        if !connected {
            return anyhow::anyhow!("the broker connection or a channel of it closed");
        }
    }
}
