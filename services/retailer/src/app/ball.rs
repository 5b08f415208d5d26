//! Reaching a due time of the retailer has an effect: the sweep escalates an overdue holding of
//! the retailer (a case to decide, a visit to agree again, a question to answer, a claim to
//! resubmit) to the store's managers, once — a timeline entry "escalated to the store's
//! managers", counted on the managers' dashboard — and keeps the gauge
//! `kummerer_retailer_overdue_cases` current. At start it first computes the ball of the cases
//! stored before the ball was ([`db::ball::backfill`]).
//!
//! The timer is `case_holdings.due_at` itself, so it survives a restart; time is a parameter of
//! [`escalate_overdue`], so that tests move it without sleeping.

use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{DatabaseConnection, DbErr, TransactionTrait};
use tokio_util::sync::CancellationToken;

use crate::db;
use crate::domain::TimelineEntry;

/// How often the worker looks for overdue holdings.
pub const INTERVAL: Duration = Duration::from_secs(30);
/// Holdings escalated (or cases backfilled) per transaction.
const BATCH: u64 = 100;

/// Escalates the retailer's holdings overdue at `now` (at most one batch); returns how many.
pub async fn escalate_overdue(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<usize, DbErr> {
    let now = now.trunc_subsecs(6);
    let txn = db.begin().await?;
    let overdue = db::ball::claim_overdue(&txn, now, BATCH).await?;
    let mut escalated = 0;
    for o in overdue {
        if !db::ball::mark_escalated(&txn, &o, now).await? {
            continue;
        }
        db::insert_timeline(
            &txn,
            db::Entry {
                case_id: o.case_id,
                retailer_id: o.retailer_id,
                dedup_key: Some(TimelineEntry::escalation_key(&o.holds, o.since)),
                entry: TimelineEntry::Escalated {
                    holds: o.holds.clone(),
                    since: o.since,
                    due_at: o.due_at,
                },
                occurred_at: now,
                message_id: None,
            },
        )
        .await?;
        tracing::warn!(
            retailer.id = %o.retailer_id, case.id = %o.case_id, holds = %o.holds,
            due_at = %o.due_at, "case overdue with the store: escalated to the managers"
        );
        escalated += 1;
    }
    txn.commit().await?;
    metrics::counter!(crate::metrics::ESCALATIONS).increment(escalated as u64);
    Ok(escalated)
}

/// The worker: backfills the ball of older cases, then sweeps every [`INTERVAL`].
pub async fn run(db: DatabaseConnection, cancel: CancellationToken) {
    loop {
        match backfill_batch(&db).await {
            Ok(0) => break,
            Ok(n) => tracing::info!(cases = n, "ball computed for cases stored before it was"),
            Err(e) => {
                tracing::warn!(error = %e, "ball backfill failed; trying again");
                if pause(&cancel).await {
                    return;
                }
            }
        }
    }
    loop {
        let now = Utc::now();
        loop {
            match escalate_overdue(&db, now).await {
                Ok(n) if n as u64 == BATCH => continue,
                Ok(_) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "overdue cases: sweep failed");
                    break;
                }
            }
        }
        match db::ball::count_overdue(&db, now).await {
            Ok(n) => metrics::gauge!(crate::metrics::OVERDUE_CASES).set(n as f64),
            Err(e) => tracing::warn!(error = %e, "overdue cases: count failed"),
        }
        if pause(&cancel).await {
            return;
        }
    }
}

async fn backfill_batch(db: &DatabaseConnection) -> Result<usize, DbErr> {
    let txn = db.begin().await?;
    let n = db::ball::backfill(&txn, BATCH).await?;
    txn.commit().await?;
    Ok(n)
}

/// Waits one interval; `true` when the service stops meanwhile.
async fn pause(cancel: &CancellationToken) -> bool {
    tokio::select! {
        () = cancel.cancelled() => true,
        () = tokio::time::sleep(INTERVAL) => false,
    }
}
