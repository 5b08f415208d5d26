//! Names of the metrics the machinery records (rendered by each service at `/metrics`).

pub const MESSAGES_PUBLISHED: &str = "messages_published_total";
pub const PUBLISH_FAILURES: &str = "message_publish_failures_total";
pub const MESSAGES_CONSUMED: &str = "messages_consumed_total";
pub const HANDLER_DURATION: &str = "message_handler_duration_seconds";
pub const OUTBOX_BACKLOG: &str = "outbox_backlog";
pub const OUTBOX_OLDEST_AGE: &str = "outbox_oldest_unsent_age_seconds";
pub const DEAD_LETTER_DEPTH: &str = "dead_letter_depth";
pub const BROKER_CONNECTED: &str = "broker_connected";
/// Reconnects to the broker, by `component` (counter).
pub const BROKER_RECONNECTS: &str = "kummerer_broker_reconnects_total";
/// Consumers subscribed per `queue` in this process (gauge).
pub const CONSUMERS_ACTIVE: &str = "kummerer_consumers_active";
/// Deliveries taken and not yet settled per consumer `queue` (gauge).
pub const CONSUMER_UNACKED: &str = "kummerer_consumer_unacked_messages";
/// Unix time of the last message applied per `queue` (gauge; `time() - x` = seconds since).
pub const CONSUMER_LAST_APPLIED: &str = "kummerer_consumer_last_applied_timestamp_seconds";
