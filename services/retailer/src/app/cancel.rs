//! Cancelling a swap approved by mistake (the customer found the receipt of a newer unit), by a
//! manager at the desk or through the API, until the crew is on the way. A saga of compensating
//! events across the three services:
//!
//! 1. here, one transaction: the swap's request (when, who, why) is recorded, a
//!    `swap_cancel_requested` timeline entry, and `retailer.swap.cancel_requested.v1` to
//!    logistics — nothing is undone yet;
//! 2. logistics cancels the job under its row lock while no crew set off, and answers
//!    `logistics.job.cancelled.v1`, or refuses (`logistics.job.cancel_refused.v1`);
//! 3. on `cancelled` ([`crate::app::case_events`], `cancel.rs`) the swap is `cancelled`, the
//!    reserved unit goes back to stock (once), the claim is withdrawn
//!    (`retailer.claim.withdrawn.v1` → the manufacturer closes it) and the case is closed; on
//!    `cancel_refused` the request is cleared and the swap goes on.

use chrono::{DateTime, SubsecRound, Utc};
use kummerer_contracts::{CaseId, RetailerId, SwapId};
use sea_orm::{DatabaseConnection, DbErr, TransactionTrait};
use serde::Serialize;

use crate::app::actor::Actor;
use crate::db::{self, Entry, cancel};
use crate::domain::TimelineEntry;
use crate::domain::cancel::{CancelRefused, REASON_MAX, may_request_cancel};

#[derive(Debug, thiserror::Error)]
pub enum CancelError {
    /// No such case (or another retailer's).
    #[error("no such case")]
    NotFound,
    #[error("the case has no swap to cancel")]
    NoSwap,
    #[error("swap {swap_id}: {reason}")]
    Refused {
        swap_id: SwapId,
        reason: CancelRefused,
    },
    /// The reason is missing or too long.
    #[error("reason: {0}")]
    Reason(String),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// A request sent to logistics.
#[derive(Debug, Serialize)]
pub struct CancelRequested {
    pub case_id: CaseId,
    pub swap_id: SwapId,
    /// Always `cancel_requested`: logistics answers, the case shows it.
    pub status: &'static str,
    pub requested_at: DateTime<Utc>,
}

/// The reason, checked: present, at most [`REASON_MAX`] characters, no NUL.
pub fn check_reason(reason: &str) -> Result<String, CancelError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(CancelError::Reason("must not be empty".into()));
    }
    if reason.chars().count() > REASON_MAX {
        return Err(CancelError::Reason(format!(
            "must be at most {REASON_MAX} characters"
        )));
    }
    if reason.contains('\0') {
        return Err(CancelError::Reason(
            "must not contain NUL characters".into(),
        ));
    }
    Ok(reason.to_owned())
}

/// Asks logistics to cancel the case's swap (see the module).
pub async fn request_cancel(
    db: &DatabaseConnection,
    retailer_id: RetailerId,
    case_id: CaseId,
    reason: &str,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<CancelRequested, CancelError> {
    let reason = check_reason(reason)?;
    let (rid, cid) = (retailer_id.as_uuid(), case_id.as_uuid());
    let now = now.trunc_subsecs(6);
    let txn = db.begin().await?;
    db::lock_case(&txn, rid, cid)
        .await?
        .ok_or(CancelError::NotFound)?;
    let seen = db::swap_of_case(&txn, rid, cid)
        .await?
        .ok_or(CancelError::NoSwap)?;
    let swap = db::lock_swap(&txn, rid, seen.id)
        .await?
        .ok_or(CancelError::NoSwap)?;
    let pending = cancel::pending_since(&txn, rid, swap.id).await?.is_some();
    may_request_cancel(swap.status, pending).map_err(|reason| CancelError::Refused {
        swap_id: SwapId(swap.id),
        reason,
    })?;
    let by = actor.label();
    cancel::mark_requested(
        &txn,
        rid,
        swap.id,
        cancel::Request {
            at: now,
            by: &by,
            by_key: actor.key_id(),
            reason: &reason,
        },
    )
    .await?;
    db::insert_timeline(
        &txn,
        Entry {
            case_id: cid,
            retailer_id: rid,
            entry: TimelineEntry::SwapCancelRequested {
                swap_id: SwapId(swap.id),
                reason: reason.clone(),
                requested_by: by.clone(),
            },
            occurred_at: now,
            message_id: None,
            dedup_key: None,
        },
    )
    .await?;
    crate::outbound::swap_cancel_requested(&txn, &swap, &reason, &by, now).await?;
    txn.commit().await?;
    tracing::info!(
        retailer.id = %retailer_id, case.id = %case_id, swap.id = %swap.id, requested_by = %by,
        "cancellation of the swap requested"
    );
    Ok(CancelRequested {
        case_id,
        swap_id: SwapId(swap.id),
        status: "cancel_requested",
        requested_at: now,
    })
}
