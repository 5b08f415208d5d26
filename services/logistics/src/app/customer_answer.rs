//! The customer's answer about the visit from the status page
//! (`retailer.swap.customer_answered.v1`, issue 13): "I'll be home" (`confirmed`) or "I won't
//! be home" (`not_home`, with a note). Under the job's row lock (the lock every crew step takes)
//! the answer is kept in `job_customer_answers` while the visit is still ahead and in the
//! window the customer answered about, so the crew's visit page and the dispatcher's board show
//! it at once, and the job's history records it (`customer_confirmed` / `customer_not_home`).
//! A visit the customer won't be home for stays on its crew but takes no room any more
//! ([`crate::db::customer_answers::NOT_FREED`]): its carrier's day is announced again with the
//! room freed. An answer that comes too late (the crew set off, the visit done or cancelled) or
//! about a window the visit no longer has is recorded as `customer_answer_late` and changes
//! nothing. Nothing is answered back: the retailer recorded the answer itself.
//!
//! Idempotent: a redelivery is dropped by the inbox; the same answer id again finds its history
//! entry and changes nothing.

use chrono::Utc;
use kummerer_contracts::{CustomerAnswer, SwapCustomerAnsweredV1};
use sea_orm::{DatabaseTransaction, DbErr};
use serde_json::json;

use crate::db::{self, customer_answers, dispatch, job_events};
use crate::domain::dispatch::postcode_key;
use crate::domain::job::Amend;

#[derive(Debug, thiserror::Error)]
pub enum AnswerError {
    /// No job for the swap yet: its approval travels on the same queue and may be in a retry
    /// tier.
    #[error("no job for swap {0} yet")]
    UnknownSwap(uuid::Uuid),
    /// The note is too long or holds a NUL: a malformed message.
    #[error("answer {0}: the note is not acceptable")]
    Invalid(uuid::Uuid),
    #[error("the job moved while the answer was applied")]
    Moved,
    #[error("database: {0}")]
    Db(#[from] DbErr),
}

/// Longest note kept.
pub const NOTE_MAX: usize = 500;

/// What became of the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answered {
    /// Kept (`again`: this answer id was applied before).
    Kept { again: bool },
    /// Too late or about another window: recorded, nothing changed.
    Late,
}

/// Applies the answer in the caller's transaction.
pub async fn answered(
    txn: &DatabaseTransaction,
    req: &SwapCustomerAnsweredV1,
) -> Result<Answered, AnswerError> {
    if req
        .note
        .as_ref()
        .is_some_and(|n| n.chars().count() > NOTE_MAX || n.contains('\0'))
    {
        return Err(AnswerError::Invalid(req.answer_id));
    }
    let now = Utc::now();
    let Some(seen) = db::jobs::find_of_swap(txn, req.swap_id.as_uuid()).await? else {
        return Err(AnswerError::UnknownSwap(req.swap_id.as_uuid()));
    };
    // Crews before the job, as every assignment takes them.
    let key = postcode_key(&seen.address_postcode);
    dispatch::lock_region_crews_and(txn, &key, seen.crew_id).await?;
    let job = db::jobs::lock(txn, seen.id)
        .await?
        .ok_or(AnswerError::Moved)?;
    if job.crew_id != seen.crew_id {
        return Err(AnswerError::Moved);
    }
    let history = job_events::of_job(txn, job.id).await?;
    if history
        .iter()
        .any(|e| e.details.get("answer_id") == Some(&json!(req.answer_id)))
    {
        return Ok(Answered::Kept { again: true });
    }
    let ahead = matches!(db::jobs::progress_of(&job).amend(false), Ok(Amend::Apply));
    let same_window = job.window_start == req.window.start && job.window_end == req.window.end;
    let details = json!({
        "answer_id": req.answer_id,
        "answer": req.answer.as_str(),
        "note": req.note,
        "window": req.window,
    });
    if !ahead || !same_window {
        job_events::insert(
            txn,
            job.id,
            job_events::kind::CUSTOMER_ANSWER_LATE,
            now,
            details,
        )
        .await?;
        return Ok(Answered::Late);
    }
    let (kind, answer) = match req.answer {
        CustomerAnswer::Confirmed => (
            job_events::kind::CUSTOMER_CONFIRMED,
            customer_answers::answer::CONFIRMED,
        ),
        CustomerAnswer::NotHome => (
            job_events::kind::CUSTOMER_NOT_HOME,
            customer_answers::answer::NOT_HOME,
        ),
    };
    customer_answers::put(
        txn,
        job.id,
        &customer_answers::Answer {
            answer_id: req.answer_id,
            answer: answer.to_owned(),
            note: req.note.clone().filter(|n| !n.trim().is_empty()),
            window_start: req.window.start,
            window_end: req.window.end,
            answered_at: req.answered_at,
        },
    )
    .await?;
    job_events::insert(txn, job.id, kind, now, details).await?;
    if let Some(carrier) = job.carrier_id {
        // The room the visit held is free again (or, confirmed again, unchanged).
        crate::app::slots::announce(txn, carrier, dispatch::day_of(&job), now).await?;
    }
    Ok(Answered::Kept { again: false })
}
