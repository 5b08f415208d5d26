//! Names and descriptions of the metrics the machinery records (rendered by each service at
//! `/metrics`). Every series of Kümmerer is named `kummerer_<what>[_<unit>][_total]`; each one
//! has HELP text, given by [`describe`] at start.

pub const MESSAGES_PUBLISHED: &str = "kummerer_messages_published_total";
pub const PUBLISH_FAILURES: &str = "kummerer_message_publish_failures_total";
pub const MESSAGES_CONSUMED: &str = "kummerer_messages_consumed_total";
pub const HANDLER_DURATION: &str = "kummerer_message_handler_duration_seconds";
pub const OUTBOX_BACKLOG: &str = "kummerer_outbox_backlog";
pub const OUTBOX_OLDEST_AGE: &str = "kummerer_outbox_oldest_unsent_age_seconds";
pub const DEAD_LETTER_DEPTH: &str = "kummerer_dead_letter_depth";
pub const BROKER_CONNECTED: &str = "kummerer_broker_connected";
/// Reconnects to the broker, by `component` (counter).
pub const BROKER_RECONNECTS: &str = "kummerer_broker_reconnects_total";
/// Consumers subscribed per `queue` in this process (gauge).
pub const CONSUMERS_ACTIVE: &str = "kummerer_consumers_active";
/// Deliveries taken and not yet settled per consumer `queue` (gauge).
pub const CONSUMER_UNACKED: &str = "kummerer_consumer_unacked_messages";
/// Unix time of the last message applied per `queue` (gauge; `time() - x` = seconds since).
pub const CONSUMER_LAST_APPLIED: &str = "kummerer_consumer_last_applied_timestamp_seconds";
/// Batches rolled back and applied again because a lane beside them won a deadlock or a
/// serialization conflict, per `queue` (counter).
pub const CONSUMER_CONTENDED: &str = "kummerer_consumer_contended_batches_total";

/// Gives the machinery's series their HELP text (and units); call once the recorder is
/// installed.
pub fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        MESSAGES_PUBLISHED,
        "Outbox messages published and confirmed by the broker, by routing_key."
    );
    describe_counter!(
        PUBLISH_FAILURES,
        "Outbox messages the broker did not confirm (they stay in the outbox and are sent again)."
    );
    describe_counter!(
        MESSAGES_CONSUMED,
        "Messages handled by a consumer, by queue, type and outcome (ack, duplicate, retry, dead)."
    );
    describe_histogram!(
        HANDLER_DURATION,
        Unit::Seconds,
        "Time a consumer took to handle one message, by queue and type."
    );
    describe_counter!(
        CONSUMER_CONTENDED,
        "Consumer batches rolled back and applied again at once because a lane beside them won a deadlock or serialization conflict, by queue."
    );
    describe_gauge!(
        OUTBOX_BACKLOG,
        "Outbox rows not yet published (grows while the broker is unreachable)."
    );
    describe_gauge!(
        OUTBOX_OLDEST_AGE,
        Unit::Seconds,
        "Age of the oldest outbox row not yet published (0 when the outbox is empty)."
    );
    describe_gauge!(
        DEAD_LETTER_DEPTH,
        "Messages waiting in a dead-letter queue of this service, by queue (see `dlq list`)."
    );
    describe_gauge!(
        BROKER_CONNECTED,
        "1 while the component (relay, consumer <queue>) holds a working RabbitMQ connection, else 0."
    );
    describe_counter!(
        BROKER_RECONNECTS,
        "Broker connections given up and opened afresh, by component."
    );
    describe_gauge!(
        CONSUMERS_ACTIVE,
        "Consumers this process currently runs on the queue (1 per consumer task while subscribed)."
    );
    describe_gauge!(
        CONSUMER_UNACKED,
        "Messages of the queue this process holds unacknowledged (taken and not yet settled)."
    );
    describe_gauge!(
        CONSUMER_LAST_APPLIED,
        Unit::Seconds,
        "Unix time of the last message of the queue this process applied and acknowledged; time() minus it is the seconds since."
    );
}
