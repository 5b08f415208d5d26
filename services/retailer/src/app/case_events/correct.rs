//! Logistics' answer to a correction of the visit ([`crate::app::correct`]), the saga's last
//! step:
//!
//! - `logistics.job.corrected.v1` → the correction `applied`, the swap's address and window as
//!   logistics confirmed them, and one `swap_corrected` entry (the visit's new deadline for the
//!   ball);
//! - `logistics.job.correction_refused.v1` → the correction `refused` (with the reason) and one
//!   `swap_correction_refused` entry: the visit stays as it was.
//!
//! A correction that moved the window tells the customer the new one (`visit_scheduled`, in the
//! same transaction), whoever asked for it.
//!
//! Each happens once however often the answer comes: only a `pending` correction is answered,
//! and the entry carries a dedup key per correction.

use kummerer_contracts::{JobCorrectedV1, JobCorrectionRefusedV1};
use sea_orm::DatabaseTransaction;
use uuid::Uuid;

use super::{CaseEventError, case_entry, swap_for};
use crate::db::corrections;
use crate::domain::{TimelineEntry, TimelineKind};

fn key(kind: TimelineKind, correction_id: Uuid) -> Option<String> {
    Some(format!("{}:{correction_id}", kind.as_string()))
}

pub(super) async fn job_corrected(
    txn: &DatabaseTransaction,
    message_id: Uuid,
    ev: &JobCorrectedV1,
) -> Result<(), CaseEventError> {
    let rid = ev.retailer_id.as_uuid();
    let swap = swap_for(txn, rid, ev.swap_id.as_uuid(), ev.case_id.as_uuid()).await?;
    let at = ev.corrected_at;
    if !corrections::mark_applied(txn, rid, ev.correction_id, &ev.address, &ev.window, at).await? {
        tracing::info!(
            swap.id = %ev.swap_id, correction.id = %ev.correction_id,
            "correction answered before (or unknown); nothing to do"
        );
        return Ok(());
    }
    let entry = TimelineEntry::SwapCorrected {
        swap_id: ev.swap_id,
        job_id: ev.job_id,
        correction_id: ev.correction_id,
        address: ev.address.clone(),
        window: ev.window.clone(),
        crew_assigned: ev.crew_assigned,
    };
    let dedup = key(TimelineKind::SwapCorrected, ev.correction_id);
    case_entry(txn, &swap, Some(message_id), entry, at, dedup).await?;
    if (swap.window_start, swap.window_end) != (ev.window.start, ev.window.end) {
        // The visit moved: the customer is told the new window (once: the message id).
        let notice = crate::domain::notify::Notice::VisitScheduled {
            window: ev.window.clone(),
        };
        super::tell(txn, &swap, message_id, notice).await?;
    }
    tracing::info!(
        case.id = %swap.case_id, swap.id = %swap.id, correction.id = %ev.correction_id,
        crew_assigned = ev.crew_assigned, "visit corrected"
    );
    Ok(())
}

pub(super) async fn correction_refused(
    txn: &DatabaseTransaction,
    message_id: Uuid,
    ev: &JobCorrectionRefusedV1,
) -> Result<(), CaseEventError> {
    let rid = ev.retailer_id.as_uuid();
    let swap = swap_for(txn, rid, ev.swap_id.as_uuid(), ev.case_id.as_uuid()).await?;
    let at = ev.refused_at;
    let reason = ev.reason.as_str();
    if !corrections::mark_refused(txn, rid, ev.correction_id, reason, at).await? {
        return Ok(());
    }
    let entry = TimelineEntry::SwapCorrectionRefused {
        swap_id: ev.swap_id,
        job_id: ev.job_id,
        correction_id: ev.correction_id,
        reason: ev.reason,
    };
    let dedup = key(TimelineKind::SwapCorrectionRefused, ev.correction_id);
    case_entry(txn, &swap, Some(message_id), entry, at, dedup).await?;
    tracing::info!(
        case.id = %swap.case_id, swap.id = %swap.id, correction.id = %ev.correction_id,
        reason, "correction refused by logistics; the visit stays as it was"
    );
    Ok(())
}
