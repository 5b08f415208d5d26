//! Cancel a job on the retailer's request (`retailer.swap.cancel_requested.v1`), the second step
//! of the cancellation saga: under the job's row lock — the same lock every crew step takes — the
//! job is cancelled while no crew set off and nothing of the visit is recorded
//! ([`crate::domain::Progress::amend`]), and the retailer is answered either way
//! (`logistics.job.cancelled.v1` or `logistics.job.cancel_refused.v1`, in the same transaction).
//!
//! Idempotent: a redelivered request is dropped by the inbox; a request sent again under a new id
//! for a job already cancelled is answered `cancelled` again, with the first cancellation's time.
//! A cancelled job keeps its crew (so a crew that opens it is told "cancelled", not "not found")
//! but leaves the crew's and the dispatcher's pages and no longer takes a slot of the crew's day.

use chrono::Utc;
use kummerer_contracts::ids::SwapId;
use kummerer_contracts::{SwapCancelRequestedV1, VisitBegun};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseTransaction, DbErr};
use serde_json::json;

use crate::db::{self, job_events, jobs};
use crate::domain::JobStatus;
use crate::domain::job::Amend;
use crate::outbound;

/// Longest reason kept with a cancelled job.
const REASON_MAX: usize = 500;

#[derive(Debug, thiserror::Error)]
pub enum CancelError {
    /// No job for the swap (yet): the approval may still be on its way.
    #[error("swap {0} has no job")]
    UnknownSwap(SwapId),
    #[error("database: {0}")]
    Db(#[from] DbErr),
}

/// What became of the request.
#[derive(Debug, Clone)]
pub enum Cancelled {
    /// The job is cancelled now (or was before: `again`).
    Cancelled { job: jobs::Model, again: bool },
    /// The visit has begun: the swap goes on.
    Refused {
        job: jobs::Model,
        reason: VisitBegun,
    },
}

/// Cancels the swap's job in the caller's transaction, or refuses, and answers the retailer.
pub async fn cancel(
    txn: &DatabaseTransaction,
    req: &SwapCancelRequestedV1,
) -> Result<Cancelled, CancelError> {
    let now = Utc::now();
    let job = db::jobs::lock_of_swap(txn, req.swap_id.as_uuid())
        .await?
        .ok_or(CancelError::UnknownSwap(req.swap_id))?;
    match db::jobs::progress_of(&job).amend(true) {
        Ok(Amend::AlreadyCancelled) => {
            outbound::cancelled(txn, &job).await?;
            Ok(Cancelled::Cancelled { job, again: true })
        }
        Ok(Amend::Apply) => {
            let reason: String = req.reason.chars().take(REASON_MAX).collect();
            let mut active: jobs::ActiveModel = job.clone().into();
            active.status = Set(JobStatus::Cancelled);
            active.cancelled_at = Set(Some(now));
            active.cancel_reason = Set(Some(reason.clone()));
            active.updated_at = Set(now);
            let job = active.update(txn).await?;
            job_events::insert(
                txn,
                job.id,
                job_events::kind::CANCELLED,
                now,
                json!({ "reason": reason, "requested_by": req.requested_by }),
            )
            .await?;
            outbound::cancelled(txn, &job).await?;
            Ok(Cancelled::Cancelled { job, again: false })
        }
        Err(reason) => {
            job_events::insert(
                txn,
                job.id,
                job_events::kind::CANCEL_REFUSED,
                now,
                json!({ "reason": reason.as_str(), "requested_by": req.requested_by }),
            )
            .await?;
            outbound::cancel_refused(txn, &job, reason, now).await?;
            Ok(Cancelled::Refused { job, reason })
        }
    }
}
