//! A failed attempt, and the revisit it may lead to.

use chrono::{Duration, Utc};
use kummerer_contracts::ids::{CrewId, JobId};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, DatabaseConnection, DatabaseTransaction, TransactionTrait,
};
use serde_json::json;

use super::{FailedAttempt, Outcome, StepError, lock_for, refused};
use crate::app::dispatch::{ATTEMPTS, Move, move_visit};
use crate::db::{self, dispatch, jobs};
use crate::domain::dispatch::{DayWindow, choose_revisit, postcode_key, revisit_windows};
use crate::domain::{AfterFailure, JobStatus};
use crate::outbound;

/// Records a failed attempt on job `id` in one transaction: the job locked, its history, the
/// `JobFailedV1` in the outbox. With `crew` set, a job on another crew is unknown.
///
/// When another visit makes sense ([`AfterFailure::Revisit`]) the same transaction moves the
/// visit to the first of the next days ([`revisit_windows`]) on which a crew of the job's
/// carrier (of any carrier covering the postcode, for a job on no crew) has room, the same
/// window hours, keeping its crew when that one has room; it is `scheduled` again and
/// `JobScheduledV1` with the new window follows the `JobFailedV1`. The crews that may take it
/// are locked before the job (the order of [`crate::db::dispatch`]). With no crew free on any of
/// those days, or for a refusal or a wrong address, the job stays `failed` for the dispatcher;
/// the retailer, told of the failure, sees that it needs attention.
pub async fn fail(
    db: &DatabaseConnection,
    id: JobId,
    crew: Option<CrewId>,
    attempt: FailedAttempt,
) -> Result<Outcome, StepError> {
    let revisit = attempt.after() == AfterFailure::Revisit;
    for _ in 0..ATTEMPTS {
        let txn = db.begin().await?;
        let (seen, crews) = if revisit {
            let seen = db::jobs::find(&txn, id.0)
                .await?
                .ok_or(StepError::NotFound)?;
            let key = postcode_key(&seen.address_postcode);
            let crews = match seen.carrier_id {
                Some(carrier) => {
                    dispatch::lock_carrier_region_crews(&txn, carrier, &key, seen.crew_id).await?
                }
                None => dispatch::lock_region_crews(&txn, &key, seen.retailer_id, None).await?,
            };
            (Some(seen), crews)
        } else {
            (None, Vec::new())
        };
        let job = lock_for(&txn, id, crew).await?;
        if seen
            .as_ref()
            .is_some_and(|s| (s.crew_id, s.carrier_id) != (job.crew_id, job.carrier_id))
        {
            // Moved to another crew between the first look and the lock: other crews to lock.
            continue;
        }
        let (job, revisit) =
            fail_locked(&txn, job, &attempt, revisit.then_some(&crews[..])).await?;
        let events = db::job_events::of_job(&txn, id.0).await?;
        txn.commit().await?;
        metrics::counter!(
            crate::metrics::FAILED_ATTEMPTS,
            "reason" => attempt.reason.as_str(),
            "rescheduled" => if revisit.is_some() { "yes" } else { "no" },
        )
        .increment(1);
        match revisit {
            Some(w) => tracing::info!(
                job.id = %id, swap.id = %job.swap_id, attempt = job.attempts,
                reason = attempt.reason.as_str(), crew.id = ?job.crew_id, revisit.date = %w.date,
                "job attempt failed; visit rescheduled"
            ),
            None => tracing::info!(
                job.id = %id, swap.id = %job.swap_id, attempt = job.attempts,
                reason = attempt.reason.as_str(), "job attempt failed; waits for the dispatcher"
            ),
        }
        return Ok((job, events));
    }
    Err(StepError::Busy(id))
}

/// The failed attempt on the locked `job`, and with `crews` (locked) the revisit: the job as it
/// is now and the revisit's window, if there is one.
async fn fail_locked(
    txn: &DatabaseTransaction,
    job: jobs::Model,
    attempt: &FailedAttempt,
    crews: Option<&[dispatch::Crew]>,
) -> Result<(jobs::Model, Option<DayWindow>), StepError> {
    let id = JobId(job.id);
    let so_far = u32::try_from(job.attempts).unwrap_or(0);
    let attempts = attempt.apply(job.status, so_far).map_err(refused(id))?;
    let now = Utc::now();
    let mut active: jobs::ActiveModel = job.into();
    active.status = Set(JobStatus::Failed);
    active.attempts = Set(i32::try_from(attempts).unwrap_or(i32::MAX));
    active.failure_reason = Set(Some(attempt.reason));
    active.failure_note = Set(attempt.note.clone());
    // The next attempt sets off again; what was delivered or collected stays done.
    active.on_the_way_at = Set(None);
    active.eta = Set(None);
    active.updated_at = Set(now);
    let job = active.update(txn).await?;
    db::job_events::insert(
        txn,
        id.0,
        db::job_events::kind::FAILED,
        now,
        json!({
            "reason": attempt.reason.as_str(),
            "note": attempt.note,
            "attempt": attempts,
        }),
    )
    .await?;
    outbound::failed(txn, &job, attempt, attempts, now).await?;
    let Some(crews) = crews else {
        return Ok((job, None));
    };
    let key = postcode_key(&job.address_postcode);
    let windows = revisit_windows(job.window_start, job.window_end, now);
    let dates: Vec<_> = windows.iter().map(|w| w.date).collect();
    let days = dispatch::candidates_on_days(txn, crews, &dates, id.0).await?;
    let chosen = choose_revisit(&days, &key, job.crew_id).and_then(|(day, crew_id)| {
        let window = windows.get(day)?;
        let crew = crews.iter().find(|c| c.id == crew_id)?;
        Some((*window, crew))
    });
    let Some((window, crew)) = chosen else {
        return Ok((job, None));
    };
    // The revisit follows the failure: strictly later, so every reader orders them so.
    let at = now + Duration::microseconds(1);
    move_visit(
        txn,
        &job,
        Move {
            window: (window.start, window.end),
            crew: Some(crew),
            carrier_id: crew.carrier_id,
            reason: &format!(
                "revisit after a failed attempt ({})",
                attempt.reason.as_str()
            ),
            at,
        },
    )
    .await?;
    let job = db::jobs::find(txn, id.0)
        .await?
        .ok_or(StepError::NotFound)?;
    Ok((job, Some(window)))
}
