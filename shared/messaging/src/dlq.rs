//! Dead-letter queues for operators: look at what is there, and replay it into the queue once
//! the cause is mended.

use kummerer_contracts::topology::{QueueSpec, queues_of};
use lapin::options::{
    BasicAckOptions, BasicGetOptions, BasicRejectOptions, ConfirmSelectOptions, QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable};

use crate::broker::BrokerConfig;
use crate::consumer::republish;
use crate::{ATTEMPT_HEADER, ERROR_HEADER};

#[derive(Debug, Clone)]
pub struct DeadLetter {
    pub queue: String,
    pub message_id: Option<String>,
    pub routing_key: Option<String>,
    pub error: Option<String>,
    pub body: String,
}

/// Up to `limit` messages of each of this service's dead-letter queues, left in place.
pub async fn list(broker: &BrokerConfig, limit: usize) -> anyhow::Result<Vec<DeadLetter>> {
    let conn = broker.connect("dlq list").await?;
    let channel = conn.create_channel().await?;
    crate::topology::declare(&channel, broker).await?;
    let mut out = Vec::new();
    for spec in queues_of(broker.service) {
        let dlq = broker.names.dead_letter_queue(spec);
        let mut taken = Vec::new();
        while taken.len() < limit {
            let Some(msg) = channel
                .basic_get(dlq.as_str().into(), BasicGetOptions { no_ack: false })
                .await?
            else {
                break;
            };
            out.push(DeadLetter {
                queue: broker.names.queue(spec),
                message_id: msg
                    .delivery
                    .properties
                    .message_id()
                    .as_ref()
                    .map(|s| s.to_string()),
                routing_key: msg
                    .delivery
                    .properties
                    .kind()
                    .as_ref()
                    .map(|s| s.to_string()),
                error: header(&msg.delivery.properties, ERROR_HEADER),
                body: String::from_utf8_lossy(&msg.delivery.data).into_owned(),
            });
            taken.push(msg.delivery);
        }
        // Hand them back: an operator's look changes nothing.
        for delivery in taken {
            delivery
                .acker
                .reject(BasicRejectOptions { requeue: true })
                .await?;
        }
    }
    let _ = conn.close(200, "done".into()).await;
    Ok(out)
}

/// Moves up to `limit` messages from each dead-letter queue back into its queue (retry count
/// reset). Returns how many were moved.
pub async fn replay(broker: &BrokerConfig, limit: usize) -> anyhow::Result<usize> {
    let conn = broker.connect("dlq replay").await?;
    let channel = conn.create_channel().await?;
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await?;
    crate::topology::declare(&channel, broker).await?;
    let mut moved = 0;
    for spec in queues_of(broker.service) {
        moved += replay_queue(broker, &channel, spec, limit).await?;
    }
    let _ = conn.close(200, "done".into()).await;
    Ok(moved)
}

async fn replay_queue(
    broker: &BrokerConfig,
    channel: &lapin::Channel,
    spec: &QueueSpec,
    limit: usize,
) -> anyhow::Result<usize> {
    let dlq = broker.names.dead_letter_queue(spec);
    let queue = broker.names.queue(spec);
    // Only what is there now: a replayed message that fails again comes back behind them.
    let passive = QueueDeclareOptions {
        passive: true,
        durable: true,
        ..Default::default()
    };
    let present = channel
        .queue_declare(dlq.as_str().into(), passive, FieldTable::default())
        .await?
        .message_count();
    let limit = limit.min(present as usize);
    let mut moved = 0;
    while moved < limit {
        let Some(msg) = channel
            .basic_get(dlq.as_str().into(), BasicGetOptions { no_ack: false })
            .await?
        else {
            break;
        };
        let mut reset = FieldTable::default();
        reset.insert(ATTEMPT_HEADER.into(), AMQPValue::LongInt(0));
        if republish(channel, "", &queue, &msg.delivery, reset).await {
            msg.delivery.acker.ack(BasicAckOptions::default()).await?;
            moved += 1;
        } else {
            msg.delivery
                .acker
                .reject(BasicRejectOptions { requeue: true })
                .await?;
            anyhow::bail!("could not re-publish into {queue}");
        }
    }
    Ok(moved)
}

fn header(props: &lapin::BasicProperties, key: &str) -> Option<String> {
    match props.headers().as_ref()?.inner().get(key)? {
        AMQPValue::LongString(s) => Some(String::from_utf8_lossy(s.as_bytes()).into_owned()),
        AMQPValue::ShortString(s) => Some(s.as_str().to_owned()),
        _ => None,
    }
}
