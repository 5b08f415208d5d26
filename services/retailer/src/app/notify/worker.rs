//! The notification worker: takes due notifications with `FOR UPDATE SKIP LOCKED` and a lease
//! (replicas never send one at once), sends each, and records the outcome.
//!
//! **Once per event and channel.** The row exists once (unique (event, channel)); the lease is
//! written and committed *before* the send, the outcome *after* it. The one window left: the
//! process dies after the SMTP server or the gateway accepted the message and before `sent` is
//! committed. The lease then lapses and the notification is sent again — with the same
//! `Message-ID` (e-mail) and the same `Idempotency-Key` (SMS), so a receiver that deduplicates
//! drops it; otherwise the customer gets that one message twice. At least once, never lost.
//!
//! A failed attempt is tried again after a backoff (`base × 2^(attempt-1)`, capped at an hour);
//! after `max_attempts` the notification is `failed`, shows on the case page, and counts in
//! `kummerer_retailer_notifications_failed_total` (alert rule in `deploy/`).

use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, DbErr};
use tokio_util::sync::CancellationToken;

use super::sender::Senders;
use crate::db::notifications::{self as rows, Claimed};
use crate::domain::notify::Channel;

#[derive(Clone)]
pub struct WorkerConfig {
    pub senders: Senders,
    pub max_attempts: i32,
    pub backoff: chrono::Duration,
    /// How long a taken notification is the worker's: longer than a send may take.
    pub lease: chrono::Duration,
    pub poll: Duration,
}

impl WorkerConfig {
    pub fn new(senders: Senders) -> WorkerConfig {
        WorkerConfig {
            senders,
            max_attempts: 5,
            backoff: chrono::Duration::seconds(30),
            lease: chrono::Duration::seconds(60),
            poll: Duration::from_secs(1),
        }
    }
}

pub const BATCH: i64 = 20;

/// One round at `now`: sends what is due; returns how many were taken.
pub async fn send_due(
    db: &DatabaseConnection,
    config: &WorkerConfig,
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let taken = rows::claim_due(db, now, config.lease, BATCH).await?;
    for n in &taken {
        let outcome = send_one(&config.senders, n).await;
        let done = Utc::now();
        match outcome {
            Ok(()) => {
                rows::mark_sent(db, n.id, done).await?;
                metrics::counter!(crate::metrics::NOTIFICATIONS_SENT, "channel" => n.channel.clone())
                    .increment(1);
                tracing::info!(
                    notification.id = %n.id, case.id = %n.case_id, channel = %n.channel,
                    "customer notified"
                );
            }
            Err(error) => {
                let retry_at = (n.attempts < config.max_attempts).then(|| {
                    let factor = 2i32.saturating_pow((n.attempts - 1).max(0) as u32);
                    let wait = (config.backoff * factor).min(chrono::Duration::hours(1));
                    done + wait
                });
                rows::mark_attempt_failed(db, n.id, &error, retry_at).await?;
                if retry_at.is_none() {
                    metrics::counter!(crate::metrics::NOTIFICATIONS_FAILED, "channel" => n.channel.clone())
                        .increment(1);
                    tracing::error!(
                        notification.id = %n.id, case.id = %n.case_id, channel = %n.channel,
                        attempts = n.attempts, error = %error,
                        "customer notification failed for good: shown on the case"
                    );
                } else {
                    tracing::warn!(
                        notification.id = %n.id, channel = %n.channel, attempts = n.attempts,
                        error = %error, "customer notification not sent; tried again later"
                    );
                }
            }
        }
    }
    Ok(taken.len())
}

async fn send_one(senders: &Senders, n: &Claimed) -> Result<(), String> {
    match Channel::parse(&n.channel) {
        Some(Channel::Email) => match &senders.mail {
            Some(mail) => {
                mail.send(n.id, &n.recipient, &n.subject, &n.body, &n.html)
                    .await
            }
            None => Err("e-mail is not set up (KUMMERER_SMTP_HOST)".to_owned()),
        },
        Some(Channel::Sms) => match &senders.sms {
            Some(sms) => sms.send(n.id, &n.recipient, &n.body).await,
            None => Err("SMS is not set up (KUMMERER_SMS_GATEWAY_URL)".to_owned()),
        },
        None => Err(format!("unknown channel {}", n.channel)),
    }
}

/// Runs rounds until cancelled.
pub async fn run(db: DatabaseConnection, config: WorkerConfig, cancel: CancellationToken) {
    loop {
        let full = match send_due(&db, &config, Utc::now()).await {
            Ok(n) => n as i64 >= BATCH,
            Err(e) => {
                tracing::error!(error = %e, "notification round failed");
                false
            }
        };
        if full {
            continue;
        }
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(config.poll) => {}
        }
    }
}
