//! Logistics' answer to a cancellation ([`crate::app::cancel`]), the saga's last step:
//!
//! - `logistics.job.cancelled.v1` → the swap `cancelled`, the reserved unit back in stock, the
//!   claim withdrawn (`retailer.claim.withdrawn.v1` in the same transaction), the case closed,
//!   and one `swap_cancelled` entry. Each of these is guarded so that it happens once however
//!   often the answer comes (redelivered, or sent again for a second request): the stock by
//!   `stock_released_at`, the claim by `withdrawn_at`, the entry by its dedup key;
//! - `logistics.job.cancel_refused.v1` → the request no longer waits, and the case shows
//!   `swap_cancel_refused` with the reason (the crew already set off): the swap goes on.

use kummerer_contracts::{JobCancelRefusedV1, JobCancelledV1};
use uuid::Uuid;

use super::{CaseEventError, case_entry, swap_for};
use crate::db::{self, cancel};
use crate::domain::{CaseStatus, TimelineEntry};
use sea_orm::DatabaseTransaction;

pub(super) async fn job_cancelled(
    txn: &DatabaseTransaction,
    message_id: Uuid,
    ev: &JobCancelledV1,
) -> Result<(), CaseEventError> {
    let (rid, swap_id) = (ev.retailer_id.as_uuid(), ev.swap_id.as_uuid());
    // The case before the swap, as the desk's request locks them.
    let case = db::lock_case(txn, rid, ev.case_id.as_uuid()).await?;
    let swap = swap_for(txn, rid, swap_id, ev.case_id.as_uuid()).await?;
    let at = ev.cancelled_at;
    cancel::mark_cancelled(txn, rid, swap_id, at).await?;
    let stock_released = cancel::release_stock_once(txn, rid, swap_id).await?;
    let reason = cancel::reason_of(txn, rid, swap_id)
        .await?
        .unwrap_or_else(|| "swap cancelled".to_owned());
    let withdrawn = cancel::withdraw_claim(txn, rid, swap_id, at, &reason).await?;
    if withdrawn.is_some() {
        let claim = db::claim_of_swap(txn, rid, swap_id)
            .await?
            .ok_or(CaseEventError::SwapWithoutClaim(ev.swap_id))?;
        crate::outbound::claim_withdrawn(txn, &claim, reason, at).await?;
    }
    if let Some(case) = case
        && !matches!(case.status, CaseStatus::Closed | CaseStatus::Refused)
    {
        db::set_case_status(txn, rid, swap.case_id, CaseStatus::Closed).await?;
    }
    let entry = TimelineEntry::SwapCancelled {
        swap_id: ev.swap_id,
        job_id: ev.job_id,
        stock_released,
        claim_withdrawn: withdrawn.is_some(),
    };
    let key = Some(TimelineEntry::cancelled_key(ev.swap_id));
    if case_entry(txn, &swap, Some(message_id), entry, at, key).await? {
        tracing::info!(
            case.id = %swap.case_id, swap.id = %swap_id, stock_released,
            claim_withdrawn = withdrawn.is_some(), "swap cancelled"
        );
    }
    Ok(())
}

pub(super) async fn cancel_refused(
    txn: &DatabaseTransaction,
    message_id: Uuid,
    ev: &JobCancelRefusedV1,
) -> Result<(), CaseEventError> {
    let (rid, swap_id) = (ev.retailer_id.as_uuid(), ev.swap_id.as_uuid());
    let swap = swap_for(txn, rid, swap_id, ev.case_id.as_uuid()).await?;
    let entry = TimelineEntry::SwapCancelRefused {
        swap_id: ev.swap_id,
        job_id: ev.job_id,
        reason: ev.reason,
    };
    if !case_entry(txn, &swap, Some(message_id), entry, ev.refused_at, None).await? {
        return Ok(());
    }
    cancel::clear_request(txn, rid, swap_id).await?;
    tracing::info!(
        case.id = %swap.case_id, swap.id = %swap_id, reason = ev.reason.as_str(),
        "cancellation refused by logistics; the swap goes on"
    );
    Ok(())
}
