//! Correct the address or the window of a swap's visit on the retailer's request
//! (`retailer.swap.correction_requested.v1`), before the visit. Under the job's row lock — the
//! lock every crew step takes — the correction is applied while no crew set off and nothing is
//! delivered, collected or cancelled ([`crate::domain::Progress::amend`]); otherwise it is
//! refused (`on_the_way`, `delivered`, `cancelled`, or `unknown_job` when logistics has no job
//! for the swap). Either way the retailer is answered in the same transaction
//! (`logistics.job.corrected.v1` / `logistics.job.correction_refused.v1`) and the job's history
//! records it (`corrected` / `correction_refused`, with the correction's id).
//!
//! A changed postcode or day (or a job without a crew) re-routes the job as a reschedule does:
//! the crews of the new region are locked before the job, the job keeps its crew when that crew
//! covers the new postcode and has room on the new day, else goes to the best crew with room, else
//! waits unassigned for the dispatcher ([`crate::app::dispatch::relocate`]).
//!
//! A correction the **customer** asked for on the status page (`requested_by.kind = customer`,
//! a new window picked among those announced with room) must still find room: the crews are
//! counted with their delivery windows ([`crate::domain::slots`], the job itself left out),
//! and with no crew having room in the window the request is refused `window_full` — the
//! window was just taken — and nothing changes. The visit's room moves at once
//! (`logistics.slots.announced.v1` for the day left and the day taken).
//!
//! Idempotent: a redelivered request is dropped by the inbox; the same correction sent again
//! under a new message id finds its history entry and is answered again, changing nothing.

use chrono::{DateTime, Utc};
use kummerer_contracts::{CorrectionRefusal, RequesterKind, SwapCorrectionRequestedV1, TimeWindow};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseTransaction, DbErr};
use serde_json::json;
use uuid::Uuid;

use crate::app::dispatch::relocate;
use crate::db::{self, dispatch, job_events, jobs};
use crate::domain::dispatch::{keep_or_choose_crew, postcode_key, visit_date};
use crate::domain::job::{Amend, check_correction};
use crate::outbound;

#[derive(Debug, thiserror::Error)]
pub enum CorrectError {
    /// The request can never be applied (nothing to correct, a reversed window, an empty
    /// postcode): a malformed message.
    #[error("correction {correction_id}: {reason}")]
    Invalid { correction_id: Uuid, reason: String },
    /// The job moved to another crew between the first look and the lock: try again.
    #[error("job {0} moved while it was being corrected")]
    Moved(Uuid),
    #[error("database: {0}")]
    Db(#[from] DbErr),
}

/// What became of the request.
#[derive(Debug, Clone)]
pub enum Corrected {
    /// The job goes to the new address in the new window (`again`: answered before).
    Applied {
        job: Box<jobs::Model>,
        crew_assigned: bool,
        again: bool,
    },
    /// Nothing changed.
    Refused {
        job_id: Option<Uuid>,
        reason: CorrectionRefusal,
    },
}

/// Applies (or refuses) the correction in the caller's transaction and answers the retailer.
pub async fn correct(
    txn: &DatabaseTransaction,
    req: &SwapCorrectionRequestedV1,
) -> Result<Corrected, CorrectError> {
    check_correction(req).map_err(|e| CorrectError::Invalid {
        correction_id: req.correction_id,
        reason: e.to_string(),
    })?;
    let now = Utc::now();
    let Some(seen) = db::jobs::find_of_swap(txn, req.swap_id.as_uuid()).await? else {
        let reason = CorrectionRefusal::UnknownJob;
        outbound::correction_refused(txn, None, req, reason, now).await?;
        return Ok(Corrected::Refused {
            job_id: None,
            reason,
        });
    };
    let address = req
        .address
        .clone()
        .unwrap_or_else(|| jobs::address_of(&seen));
    let key = postcode_key(&address.postcode);
    // Crews before the job, as every assignment takes them.
    let locked = dispatch::lock_region_crews_and(txn, &key, seen.crew_id).await?;
    let job = db::jobs::lock(txn, seen.id)
        .await?
        .ok_or(CorrectError::Moved(seen.id))?;
    if job.crew_id != seen.crew_id {
        return Err(CorrectError::Moved(job.id));
    }
    if let Some(answer) = job_events::of_correction(txn, job.id, req.correction_id).await? {
        return answer_again(txn, job, answer, req).await;
    }
    if let Err(begun) = db::jobs::progress_of(&job)
        .amend(false)
        .and_then(|a| match a {
            Amend::Apply => Ok(()),
            Amend::AlreadyCancelled => Err(kummerer_contracts::VisitBegun::Cancelled),
        })
    {
        return refuse(txn, &job, req, CorrectionRefusal::from(begun), now).await;
    }

    let window = req.window.clone().unwrap_or(TimeWindow {
        start: job.window_start,
        end: job.window_end,
    });
    // The customer picks a window on the status page among those announced with room: it must
    // still have room now, in a crew's window, or the request is refused (`window_full`) and
    // nothing changes. Staff corrections keep their rule: no room goes to the dispatcher.
    let by_customer = req.requested_by.kind == RequesterKind::Customer && req.window.is_some();
    let reroute = by_customer
        || job.crew_id.is_none()
        || key != postcode_key(&job.address_postcode)
        || visit_date(window.start) != dispatch::day_of(&job);
    let crew_id = if reroute {
        // The crews whose region covers the new postcode (already locked above), of the
        // carriers the retailer contracted for it on the new day (issue 18).
        let date = visit_date(window.start);
        let region = dispatch::lock_region_crews(txn, &key, job.retailer_id, Some(date)).await?;
        let mut candidates = dispatch::candidates(txn, &region, date, job.id).await?;
        if by_customer {
            mark_full_windows(txn, &region, &mut candidates, date, job.id, window.start).await?;
        }
        let current = job.crew_id.filter(|id| region.iter().any(|c| c.id == *id));
        let chosen = keep_or_choose_crew(&candidates, &key, current);
        if chosen.is_none() && by_customer {
            return refuse(txn, &job, req, CorrectionRefusal::WindowFull, now).await;
        }
        chosen
    } else {
        job.crew_id
    };
    let crew = crew_id.and_then(|id| locked.iter().find(|c| c.id == id));
    let mut active: jobs::ActiveModel = job.clone().into();
    active.address_name = Set(address.name.clone());
    active.address_phone = Set(address.phone.clone());
    active.address_street = Set(address.street.clone());
    active.address_postcode = Set(address.postcode.clone());
    active.address_city = Set(address.city.clone());
    active.address_country = Set(address.country.clone());
    active.updated_at = Set(now);
    active.update(txn).await?;
    relocate(txn, &job, (window.start, window.end), crew, now).await?;
    // The customer's answer was about the old window.
    db::customer_answers::clear(txn, job.id).await?;
    job_events::insert(
        txn,
        job.id,
        job_events::kind::CORRECTED,
        now,
        json!({
            "correction_id": req.correction_id,
            "from": {
                "address": jobs::address_of(&job),
                "window": { "start": job.window_start, "end": job.window_end },
            },
            "to": { "address": address, "window": window },
            "crew_from": job.crew_id,
            "crew_to": crew_id,
            "reason": req.reason,
            "requested_by": req.requested_by,
        }),
    )
    .await?;
    let before = job.clone();
    let job = db::jobs::find(txn, job.id)
        .await?
        .ok_or(CorrectError::Moved(job.id))?;
    let crew_assigned = job.crew_id.is_some();
    outbound::corrected(txn, &job, req.correction_id, crew_assigned, now).await?;
    // The counter sees the room move at once (the horizon's sweep catches the rest).
    for (carrier, day) in [
        (before.carrier_id, dispatch::day_of(&before)),
        (job.carrier_id, dispatch::day_of(&job)),
    ] {
        if let Some(carrier) = carrier {
            crate::app::slots::announce(txn, carrier, day, now).await?;
        }
    }
    Ok(Corrected::Applied {
        job: Box::new(job),
        crew_assigned,
        again: false,
    })
}

/// Refuses the correction: the history says why, the retailer is answered; nothing else changes.
async fn refuse(
    txn: &DatabaseTransaction,
    job: &jobs::Model,
    req: &SwapCorrectionRequestedV1,
    reason: CorrectionRefusal,
    now: DateTime<Utc>,
) -> Result<Corrected, CorrectError> {
    job_events::insert(
        txn,
        job.id,
        job_events::kind::CORRECTION_REFUSED,
        now,
        json!({
            "correction_id": req.correction_id,
            "reason": reason.as_str(),
            "requested_by": req.requested_by,
        }),
    )
    .await?;
    outbound::correction_refused(txn, Some(job.id), req, reason, now).await?;
    Ok(Corrected::Refused {
        job_id: Some(job.id),
        reason,
    })
}

/// Marks the candidates whose delivery window at `start` is full (when the slot announcements
/// are on, [`crate::domain::slots`]), not counting the job that moves.
async fn mark_full_windows(
    txn: &DatabaseTransaction,
    crews: &[dispatch::Crew],
    candidates: &mut [crate::domain::dispatch::Candidate],
    date: chrono::NaiveDate,
    job_id: Uuid,
    start: DateTime<Utc>,
) -> Result<(), DbErr> {
    let Some(slots) = crate::app::slots::config() else {
        return Ok(());
    };
    let windows = slots.grid.windows_on(date);
    let ids: Vec<_> = crews.iter().map(|c| c.id).collect();
    let mut starts = db::slots::visit_starts_except(txn, &ids, date, Some(job_id)).await?;
    for (c, crew) in candidates.iter_mut().zip(crews) {
        let day = crate::domain::slots::CrewDay {
            active: crew.active,
            visits_per_day: crew.visits_per_day,
            visit_starts: starts.remove(&crew.id).unwrap_or_default(),
        };
        c.window_full = !crate::domain::slots::has_room_at(&windows, &day, start);
    }
    Ok(())
}

/// The same correction asked again: the answer it had, sent again (the job as it is now).
async fn answer_again(
    txn: &DatabaseTransaction,
    job: jobs::Model,
    answer: job_events::Model,
    req: &SwapCorrectionRequestedV1,
) -> Result<Corrected, CorrectError> {
    let at: DateTime<Utc> = answer.occurred_at;
    if answer.kind == job_events::kind::CORRECTED {
        let crew_assigned = job.crew_id.is_some();
        outbound::corrected(txn, &job, req.correction_id, crew_assigned, at).await?;
        return Ok(Corrected::Applied {
            job: Box::new(job),
            crew_assigned,
            again: true,
        });
    }
    let reason = answer
        .details
        .get("reason")
        .cloned()
        .and_then(|r| serde_json::from_value(r).ok())
        .unwrap_or(CorrectionRefusal::Delivered);
    outbound::correction_refused(txn, Some(job.id), req, reason, at).await?;
    Ok(Corrected::Refused {
        job_id: Some(job.id),
        reason,
    })
}
