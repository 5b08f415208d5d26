//! Correcting the address or the window of a swap's visit before the visit, by staff at the
//! desk or through the API (and, later, by the customer: the message names who asked). A saga
//! of compensating events, like the cancellation:
//!
//! 1. here, one transaction: the correction is recorded `pending` in `swap_corrections` (one at
//!    a time per swap), a `swap_correction_requested` entry, and
//!    `retailer.swap.correction_requested.v1` to logistics — the swap's address and window do
//!    not change yet;
//! 2. logistics applies it under the job's lock while no crew set off (re-routing the job) and
//!    answers `logistics.job.corrected.v1`, or refuses (`logistics.job.correction_refused.v1`);
//! 3. on `corrected` ([`crate::app::case_events`], `correct.rs`) the swap takes the address and
//!    window logistics confirmed; on `correction_refused` the case's timeline says why, and the
//!    visit stays as it was. Either way the correction is answered and another may follow.

use chrono::{DateTime, SubsecRound, Utc};
use kummerer_contracts::{CaseId, RequestedBy, RequesterKind, RetailerId, SwapId, TimeWindow};
use sea_orm::{DatabaseConnection, DbErr, TransactionTrait};
use serde::Serialize;
use uuid::Uuid;

use crate::app::actor::Actor;
use crate::db::{self, Entry, cancel, corrections};
use crate::domain::TimelineEntry;
use crate::domain::correction::{Correction, CorrectionRefused, may_request_correction};

#[derive(Debug, thiserror::Error)]
pub enum CorrectError {
    /// No such case (or another retailer's).
    #[error("no such case")]
    NotFound,
    #[error("the case has no swap to correct")]
    NoSwap,
    #[error("swap {swap_id}: {reason}")]
    Refused {
        swap_id: SwapId,
        reason: CorrectionRefused,
    },
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// A correction sent to logistics.
#[derive(Debug, Serialize)]
pub struct CorrectionRequested {
    pub case_id: CaseId,
    pub swap_id: SwapId,
    pub correction_id: Uuid,
    /// Always `correction_pending`: logistics answers, the case shows it.
    pub status: &'static str,
    pub requested_at: DateTime<Utc>,
}

/// Asks logistics to correct the case's visit (see the module).
pub async fn request_correction(
    db: &DatabaseConnection,
    retailer_id: RetailerId,
    case_id: CaseId,
    correction: Correction,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<CorrectionRequested, CorrectError> {
    let (rid, cid) = (retailer_id.as_uuid(), case_id.as_uuid());
    let now = now.trunc_subsecs(6);
    let txn = db.begin().await?;
    db::lock_case(&txn, rid, cid)
        .await?
        .ok_or(CorrectError::NotFound)?;
    let seen = db::swap_of_case(&txn, rid, cid)
        .await?
        .ok_or(CorrectError::NoSwap)?;
    let swap = db::lock_swap(&txn, rid, seen.id)
        .await?
        .ok_or(CorrectError::NoSwap)?;
    let refused = |reason| CorrectError::Refused {
        swap_id: SwapId(swap.id),
        reason,
    };
    let cancel_pending = cancel::pending_since(&txn, rid, swap.id).await?.is_some();
    let pending = corrections::pending_of(&txn, rid, swap.id).await?.is_some();
    may_request_correction(swap.status, cancel_pending, pending).map_err(refused)?;
    let by = actor.label();
    let correction_id = Uuid::now_v7();
    record(
        &txn,
        &swap,
        Recorded {
            correction_id,
            correction,
            kind: RequesterKind::Staff,
            by: &by,
            by_key: actor.key_id(),
            at: now,
        },
    )
    .await?;
    txn.commit().await?;
    tracing::info!(
        retailer.id = %retailer_id, case.id = %case_id, swap.id = %swap.id,
        correction.id = %correction_id, requested_by = %by,
        "correction of the visit requested"
    );
    Ok(CorrectionRequested {
        case_id,
        swap_id: SwapId(swap.id),
        correction_id,
        status: "correction_pending",
        requested_at: now,
    })
}

/// What [`record`] writes.
pub(crate) struct Recorded<'a> {
    pub correction_id: Uuid,
    pub correction: Correction,
    pub kind: RequesterKind,
    pub by: &'a str,
    pub by_key: Option<Uuid>,
    pub at: DateTime<Utc>,
}

/// Records the correction `pending` for the locked `swap`, its timeline entry and
/// `retailer.swap.correction_requested.v1`, in `txn` (the caller checked that it may be asked).
pub(crate) async fn record(
    txn: &sea_orm::DatabaseTransaction,
    swap: &db::swaps::Model,
    r: Recorded<'_>,
) -> Result<(), CorrectError> {
    let (rid, cid) = (swap.retailer_id, swap.case_id);
    let Recorded {
        correction_id,
        correction,
        kind,
        by,
        by_key,
        at: now,
    } = r;
    let window = correction.window.map(|w| TimeWindow {
        start: w.start,
        end: w.end,
    });
    let recorded = corrections::insert(
        txn,
        corrections::New {
            id: correction_id,
            retailer_id: rid,
            swap_id: swap.id,
            case_id: cid,
            address: correction.address.as_ref(),
            window: window.as_ref(),
            reason: &correction.reason,
            kind,
            by,
            by_key,
            at: now,
        },
    )
    .await?;
    if !recorded {
        // The swap's lock makes this unreachable; the unique index is the second line.
        return Err(CorrectError::Refused {
            swap_id: SwapId(swap.id),
            reason: CorrectionRefused::Pending,
        });
    }
    db::insert_timeline(
        txn,
        Entry {
            case_id: cid,
            retailer_id: rid,
            entry: TimelineEntry::SwapCorrectionRequested {
                swap_id: SwapId(swap.id),
                correction_id,
                address: correction.address.clone(),
                window: window.clone(),
                reason: correction.reason.clone(),
                requested_by: by.to_owned(),
            },
            occurred_at: now,
            message_id: None,
            dedup_key: None,
        },
    )
    .await?;
    crate::outbound::swap_correction_requested(
        txn,
        kummerer_contracts::SwapCorrectionRequestedV1 {
            swap_id: SwapId(swap.id),
            case_id: CaseId(cid),
            retailer_id: RetailerId(rid),
            correction_id,
            address: correction.address,
            window,
            requested_by: RequestedBy {
                kind,
                label: by.to_owned(),
            },
            reason: correction.reason,
            requested_at: now,
        },
    )
    .await?;
    Ok(())
}
