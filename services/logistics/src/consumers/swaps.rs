//! `logistics.swaps`: an approved swap becomes one delivery-and-collection job.
//!
//! Idempotent twice over: the machinery's inbox drops a redelivered message (same id), and the
//! unique `swap_id` drops a swap published again under a new id. Only a newly created job is
//! announced (`logistics.job.scheduled.v1`, in the same transaction).
//!
//! In the same transaction the job is assigned to a crew with room that day (see
//! [`crate::domain::dispatch::choose_crew`]), the candidate crews locked while their day is
//! counted; only crews of carriers its retailer contracted for the postcode and day are
//! candidates. With no crew free it stays unassigned for the dispatcher, with no contracted
//! carrier for the operator (and `job.scheduled` says so to the retailer).

use chrono::{DateTime, Utc};
use kummerer_contracts::{
    Event, SwapApprovedV1, SwapCancelRequestedV1, SwapCorrectionRequestedV1, TimeWindow,
};
use kummerer_messaging::{HandleError, Handler, Incoming};
use sea_orm::DatabaseTransaction;
use serde_json::json;

use crate::db::{self, dispatch};
use crate::domain;
use crate::domain::dispatch::{choose_crew, choose_crew_overbooked, postcode_key};

pub struct SwapsConsumer {
    /// Where the photos an erasure removes live.
    pub photos: std::sync::Arc<dyn crate::photos::PhotoStore>,
}

impl Handler for SwapsConsumer {
    async fn handle(&self, txn: &DatabaseTransaction, msg: &Incoming) -> Result<(), HandleError> {
        match msg.envelope.ty.as_str() {
            SwapApprovedV1::TYPE => {
                let env = msg.decode::<SwapApprovedV1>()?;
                swap_approved(txn, &env.data).await
            }
            SwapCancelRequestedV1::TYPE => {
                let env = msg.decode::<SwapCancelRequestedV1>()?;
                cancel_requested(txn, &env.data).await
            }
            SwapCorrectionRequestedV1::TYPE => {
                let env = msg.decode::<SwapCorrectionRequestedV1>()?;
                correction_requested(txn, &env.data).await
            }
            kummerer_contracts::SwapCustomerAnsweredV1::TYPE => {
                let env = msg.decode::<kummerer_contracts::SwapCustomerAnsweredV1>()?;
                customer_answered(txn, &env.data).await
            }
            kummerer_contracts::CustomerErasureRequestedV1::TYPE => {
                let env = msg.decode::<kummerer_contracts::CustomerErasureRequestedV1>()?;
                super::erasure::erasure_requested(txn, &env.data, self.photos.as_ref()).await
            }
            other => Err(HandleError::Permanent(format!("unexpected type {other}"))),
        }
    }
}

/// Turns one approved swap into its job (public so tests can run two at once on their own
/// transactions).
pub async fn swap_approved(
    txn: &DatabaseTransaction,
    swap: &SwapApprovedV1,
) -> Result<(), HandleError> {
    domain::check_swap(swap)
        .map_err(|e| HandleError::Permanent(format!("swap {}: {e}", swap.swap_id)))?;
    let now = Utc::now();
    let Some(job) = db::jobs::insert_for_swap(txn, swap, now).await? else {
        tracing::info!(swap.id = %swap.swap_id, "swap already has its job; nothing to do");
        return Ok(());
    };
    db::job_events::insert(
        txn,
        job.id,
        db::job_events::kind::SCHEDULED,
        now,
        json!({ "window": { "start": job.window_start, "end": job.window_end } }),
    )
    .await?;
    let window = TimeWindow {
        start: job.window_start,
        end: job.window_end,
    };
    let assigned = auto_assign(txn, &job, swap.overbooked, now).await?;
    if let Assigned::To(crew) = &assigned {
        // The counter sees the window fill at once (the horizon's sweep catches the rest).
        crate::app::slots::announce(txn, crew.carrier_id, dispatch::day_of(&job), now).await?;
    }
    let no_contracted_carrier = matches!(assigned, Assigned::NoContractedCarrier);
    crate::outbound::scheduled_routed(txn, &job, window, now, no_contracted_carrier).await?;
    match assigned {
        Assigned::To(crew) => {
            tracing::info!(job.id = %job.id, swap.id = %swap.swap_id, crew.id = %crew.id, "job scheduled and assigned");
        }
        Assigned::NoRoom => {
            tracing::info!(job.id = %job.id, swap.id = %swap.swap_id, "job scheduled; no contracted crew has room, left for the dispatcher");
        }
        Assigned::NoContractedCarrier => {
            tracing::info!(job.id = %job.id, swap.id = %swap.swap_id, "job scheduled; no carrier contracted by its retailer serves it, left for the operator");
        }
    }
    Ok(())
}

/// Where a new job went.
enum Assigned {
    To(dispatch::Crew),
    /// Contracted carriers' crews cover it, but none has room that day.
    NoRoom,
    /// No crew of a carrier the retailer contracted for the postcode (on that day, within the
    /// contract's capacity): only the operator sees the job.
    NoContractedCarrier,
}

/// Assigns a new job to the best crew with room on its day and in its delivery window (when
/// the slot announcements are on, [`crate::domain::slots`]), among the crews of the carriers
/// its retailer contracted for its postcode and day ([`dispatch::lock_region_crews`]). A job a
/// manager `overbooked` goes to the best covering crew even when none has room.
async fn auto_assign(
    txn: &DatabaseTransaction,
    job: &db::jobs::Model,
    overbooked: bool,
    now: DateTime<Utc>,
) -> Result<Assigned, HandleError> {
    let key = postcode_key(&job.address_postcode);
    let date = dispatch::day_of(job);
    let crews = dispatch::lock_region_crews(txn, &key, job.retailer_id, Some(date)).await?;
    if crews.is_empty() {
        return Ok(Assigned::NoContractedCarrier);
    }
    let mut candidates = dispatch::candidates(txn, &crews, date, job.id).await?;
    if let Some(slots) = crate::app::slots::config() {
        let windows = slots.grid.windows_on(date);
        let ids: Vec<_> = crews.iter().map(|c| c.id).collect();
        let mut starts = db::slots::visit_starts(txn, &ids, date).await?;
        for (c, crew) in candidates.iter_mut().zip(&crews) {
            let day = crate::domain::slots::CrewDay {
                active: crew.active,
                visits_per_day: crew.visits_per_day,
                visit_starts: starts.remove(&crew.id).unwrap_or_default(),
            };
            c.window_full = !crate::domain::slots::has_room_at(&windows, &day, job.window_start);
        }
    }
    let chosen = choose_crew(&candidates, &key).or_else(|| {
        overbooked
            .then(|| choose_crew_overbooked(&candidates, &key))
            .flatten()
    });
    let Some(crew) = chosen.and_then(|id| crews.into_iter().find(|c| c.id == id)) else {
        return Ok(Assigned::NoRoom);
    };
    dispatch::place(txn, job.id, Some(&crew), date).await?;
    db::job_events::insert(
        txn,
        job.id,
        db::job_events::kind::ASSIGNED,
        now,
        json!({ "crew_id": crew.id, "carrier_id": crew.carrier_id,
                "reason": if overbooked { "overbooked" } else { "auto" } }),
    )
    .await?;
    Ok(Assigned::To(crew))
}

/// A cancellation asked by the retailer ([`crate::app::cancel`]). A swap whose job does not
/// exist yet is retried: its approval travels on this queue too and may be in a retry tier.
pub async fn cancel_requested(
    txn: &DatabaseTransaction,
    req: &SwapCancelRequestedV1,
) -> Result<(), HandleError> {
    use crate::app::cancel::{CancelError, Cancelled, cancel};
    match cancel(txn, req).await {
        Ok(Cancelled::Cancelled { job, again }) => {
            tracing::info!(job.id = %job.id, swap.id = %req.swap_id, again, "job cancelled");
            Ok(())
        }
        Ok(Cancelled::Refused { job, reason }) => {
            tracing::info!(job.id = %job.id, swap.id = %req.swap_id, reason = reason.as_str(), "cancellation refused");
            Ok(())
        }
        Err(e @ CancelError::UnknownSwap(_)) => Err(HandleError::Transient(e.into())),
        Err(CancelError::Db(e)) => Err(e.into()),
    }
}

/// A correction of the address or window asked by the retailer ([`crate::app::correct`]). A
/// request that can never apply is dead-lettered; a job that moved meanwhile is retried.
pub async fn correction_requested(
    txn: &DatabaseTransaction,
    req: &SwapCorrectionRequestedV1,
) -> Result<(), HandleError> {
    use crate::app::correct::{CorrectError, Corrected, correct};
    match correct(txn, req).await {
        Ok(Corrected::Applied {
            job,
            crew_assigned,
            again,
        }) => {
            tracing::info!(
                job.id = %job.id, swap.id = %req.swap_id, correction.id = %req.correction_id,
                crew_assigned, again, "job corrected"
            );
            Ok(())
        }
        Ok(Corrected::Refused { job_id, reason }) => {
            tracing::info!(
                job.id = ?job_id, swap.id = %req.swap_id, correction.id = %req.correction_id,
                reason = reason.as_str(), "correction refused"
            );
            Ok(())
        }
        Err(e @ CorrectError::Invalid { .. }) => Err(HandleError::Permanent(e.to_string())),
        Err(e @ CorrectError::Moved(_)) => Err(HandleError::Transient(e.into())),
        Err(CorrectError::Db(e)) => Err(e.into()),
    }
}

/// The customer's answer about the visit ([`crate::app::customer_answer`]). A swap whose job
/// does not exist yet is retried (its approval travels on this queue too); a malformed note is
/// dead-lettered.
pub async fn customer_answered(
    txn: &DatabaseTransaction,
    req: &kummerer_contracts::SwapCustomerAnsweredV1,
) -> Result<(), HandleError> {
    use crate::app::customer_answer::{AnswerError, answered};
    match answered(txn, req).await {
        Ok(outcome) => {
            tracing::info!(
                swap.id = %req.swap_id, answer.id = %req.answer_id,
                answer = req.answer.as_str(), ?outcome, "customer's answer applied"
            );
            Ok(())
        }
        Err(e @ AnswerError::Invalid(_)) => Err(HandleError::Permanent(e.to_string())),
        Err(e @ (AnswerError::UnknownSwap(_) | AnswerError::Moved)) => {
            Err(HandleError::Transient(e.into()))
        }
        Err(AnswerError::Db(e)) => Err(e.into()),
    }
}
