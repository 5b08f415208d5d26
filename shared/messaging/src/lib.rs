//! The message machinery every Kümmerer service uses the same way:
//!
//! - [`topology`]: exchanges, quorum queues, retry tiers and dead-letter queues, declared
//!   idempotently at start;
//! - [`outbox`]: write an event in the caller's transaction ([`outbox::enqueue`]); a [`outbox::Relay`]
//!   publishes it with publisher confirms and marks it sent only on a positive confirm;
//! - [`consumer`]: the idempotent consumer: inbox row in the handler's own transaction, ack after
//!   commit, retries with backoff, dead-lettering of poison and malformed messages;
//! - [`trace`]: W3C trace context from the current span into the outbox row and the AMQP headers,
//!   and back out into the consumer's span;
//! - [`dlq`]: inspect and replay dead-lettered messages;
//! - [`migration`]: the outbox and inbox tables, for each service's migrator.

pub mod broker;
pub mod consumer;
pub mod db_errors;
pub mod dlq;
pub mod metrics;
pub mod migration;
pub mod names;
pub mod outbox;
pub mod personal;
pub mod profiles;
pub mod topology;
pub mod trace;

pub use broker::{BrokerConfig, BrokerStatus};
pub use consumer::{ConsumerConfig, HandleError, Handler, Incoming};
pub use names::Names;
pub use outbox::{Relay, RelayConfig, enqueue};

/// Header carrying how many times a message was sent to a retry queue.
pub const ATTEMPT_HEADER: &str = "x-kummerer-attempt";
/// Header carrying why a message was dead-lettered.
pub const ERROR_HEADER: &str = "x-kummerer-error";
/// Header carrying the W3C trace context.
pub const TRACEPARENT_HEADER: &str = "traceparent";
