//! Declares the whole message map on the broker, idempotently. Every service declares all of
//! it at start, so a message is routable even before its consumer first ran.

use kummerer_contracts::topology::{QUEUES, QueueSpec, Service};
use lapin::options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use lapin::{Channel, ExchangeKind};

use crate::broker::BrokerConfig;

fn quorum_args() -> FieldTable {
    let mut args = FieldTable::default();
    args.insert(
        "x-queue-type".into(),
        AMQPValue::LongString("quorum".into()),
    );
    args
}

fn dead_letter_to(args: &mut FieldTable, exchange: &str, routing_key: &str) {
    args.insert(
        "x-dead-letter-exchange".into(),
        AMQPValue::LongString(LongString::from(exchange)),
    );
    args.insert(
        "x-dead-letter-routing-key".into(),
        AMQPValue::LongString(LongString::from(routing_key)),
    );
    // At-least-once dead-lettering (RabbitMQ ≥ 3.10) needs reject-publish overflow.
    args.insert(
        "x-dead-letter-strategy".into(),
        AMQPValue::LongString("at-least-once".into()),
    );
    args.insert(
        "x-overflow".into(),
        AMQPValue::LongString("reject-publish".into()),
    );
}

fn durable() -> QueueDeclareOptions {
    QueueDeclareOptions {
        durable: true,
        ..QueueDeclareOptions::default()
    }
}

async fn declare_queue(channel: &Channel, name: &str, args: FieldTable) -> lapin::Result<()> {
    channel
        .queue_declare(ShortString::from(name), durable(), args)
        .await
        .map(|_| ())
}

/// Declares exchanges, every queue with its retry tiers and dead-letter queue, and the bindings.
pub async fn declare(channel: &Channel, config: &BrokerConfig) -> lapin::Result<()> {
    let names = &config.names;
    let exchange_options = ExchangeDeclareOptions {
        durable: true,
        ..Default::default()
    };
    for producer in Service::ALL {
        channel
            .exchange_declare(
                names.exchange(producer).into(),
                ExchangeKind::Topic,
                exchange_options,
                FieldTable::default(),
            )
            .await?;
    }
    let dlx = names.dead_letter_exchange();
    channel
        .exchange_declare(
            dlx.clone().into(),
            ExchangeKind::Direct,
            exchange_options,
            FieldTable::default(),
        )
        .await?;
    for spec in QUEUES.iter() {
        declare_one(channel, config, spec, &dlx).await?;
    }
    Ok(())
}

async fn declare_one(
    channel: &Channel,
    config: &BrokerConfig,
    spec: &QueueSpec,
    dlx: &str,
) -> lapin::Result<()> {
    let names = &config.names;
    let queue = names.queue(spec);

    let mut args = quorum_args();
    args.insert(
        "x-delivery-limit".into(),
        AMQPValue::LongInt(config.delivery_limit as i32),
    );
    dead_letter_to(&mut args, dlx, &queue);
    declare_queue(channel, &queue, args).await?;

    for (tier, delay) in config.retry_delays.iter().enumerate() {
        let mut args = quorum_args();
        let ttl_ms = i64::try_from(delay.as_millis()).unwrap_or(i64::MAX);
        args.insert("x-message-ttl".into(), AMQPValue::LongLongInt(ttl_ms));
        // Back into the queue through the default exchange once the delay has passed.
        dead_letter_to(&mut args, "", &queue);
        declare_queue(channel, &names.retry_queue(spec, tier + 1), args).await?;
    }

    let dlq = names.dead_letter_queue(spec);
    declare_queue(channel, &dlq, quorum_args()).await?;
    channel
        .queue_bind(
            dlq.into(),
            dlx.into(),
            queue.clone().into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await?;

    for (producer, routing_key) in spec.bindings {
        channel
            .queue_bind(
                queue.clone().into(),
                names.exchange(*producer).into(),
                (*routing_key).into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await?;
    }
    Ok(())
}
