//! Nobody waits forever for a manager: an approval request past its due time is escalated once
//! to every manager and admin of the retailer (their dashboard lists it as overdue); past its
//! expiry it ends `expired`, the clerk's waiting page says so and the case is open again for a
//! decision (a swap, a refusal, or a new request).
//!
//! The timers are the `due_at` / `expires_at` columns, so they survive a restart; the sweep
//! claims rows with `FOR UPDATE SKIP LOCKED` and is idempotent (an escalated request is not
//! escalated again, an expired one is no longer open). Time is a parameter of [`fire`], so tests
//! move time instead of sleeping.

use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{DatabaseConnection, DbErr, TransactionTrait};
use tokio_util::sync::CancellationToken;

use crate::db::request_deadlines as due;

/// How often the worker looks for due requests, by default (`KUMMERER_REQUEST_SWEEP_SECONDS`).
pub const INTERVAL: Duration = Duration::from_secs(15);

/// What one sweep did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Fired {
    pub escalated: usize,
    pub expired: usize,
}

/// Expires, then escalates, the requests due at `now` (at most a batch of each), in one
/// transaction.
pub async fn fire(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<Fired, DbErr> {
    let now = now.trunc_subsecs(6);
    let txn = db.begin().await?;
    let expired = due::expire_due(&txn, now).await?;
    let escalated = due::escalate_due(&txn, now).await?;
    txn.commit().await?;
    for r in &expired {
        tracing::info!(retailer.id = %r.retailer_id, case.id = %r.case_id, request.id = %r.id,
            "approval request expired: the case is open again");
    }
    for r in &escalated {
        tracing::warn!(retailer.id = %r.retailer_id, case.id = %r.case_id, request.id = %r.id,
            "approval request overdue: escalated to the managers and admins");
    }
    crate::metrics::requests_swept(escalated.len(), expired.len());
    Ok(Fired {
        escalated: escalated.len(),
        expired: expired.len(),
    })
}

/// The background worker: a sweep every `every` (by default [`INTERVAL`]; at once again after a
/// full batch) until `cancel` fires.
pub async fn worker(db: DatabaseConnection, every: Duration, cancel: CancellationToken) {
    loop {
        let full = match fire(&db, Utc::now()).await {
            Ok(f) => f.escalated.max(f.expired) as u64 >= due::BATCH,
            Err(e) => {
                tracing::error!(error = %e, "approval request sweep failed");
                false
            }
        };
        if full && !cancel.is_cancelled() {
            continue;
        }
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(every) => {}
        }
    }
}
