//! The crew's visit: the steps (*on the way*, *delivered*, *collected*), both at once
//! (*complete*), and a failed attempt with the revisit it may lead to. Each runs in one
//! transaction under the job's row lock, writes the job's history and puts its events in the
//! outbox ([`crate::outbound`]); the JSON API and the crew's page both come here.

use chrono::{DateTime, Utc};
use kummerer_contracts::Photo;
use kummerer_contracts::ids::{CrewId, JobId};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, DatabaseConnection, DatabaseTransaction, DbErr,
    TransactionTrait,
};
use serde_json::json;

use crate::db::{self, job_events, job_photos, jobs};
use crate::domain::photo::PhotoKind;
use crate::domain::{JobStatus, StepOutcome, TransitionError, UnconfirmedMismatch};
use crate::outbound;
use crate::photos::StoredPhoto;

mod fail;
mod input;

pub use crate::domain::{Collection, Completion, Delivery, FailedAttempt, Step};
pub use fail::fail;
pub use input::{check_eta, collection, completion, delivery, failed_attempt};

/// Why a step, a completion or a failed attempt was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum StepError {
    /// No such job (or, for a crew, a job on another crew).
    #[error("no such job")]
    NotFound,
    /// The visit's state does not allow it (already completed, or partly recorded in steps).
    #[error("job {job}: {reason}")]
    Refused { job: JobId, reason: TransitionError },
    /// The collected serial is not the case's and the crew did not confirm it.
    #[error(transparent)]
    SerialMismatch(UnconfirmedMismatch),
    /// The job kept moving between crews while the request waited.
    #[error("job {0} kept moving while this request waited; reload and try again")]
    Busy(JobId),
    #[error("database: {0}")]
    Db(#[from] DbErr),
}

/// What the crew is told about a collected serial that is not the case's.
pub fn mismatch_advice(m: &UnconfirmedMismatch) -> String {
    format!(
        "{m}: check the unit again; to record it anyway (it will be flagged), confirm the mismatch"
    )
}

/// The outcome of a step of the visit.
#[derive(Debug)]
pub struct StepDone {
    pub job: jobs::Model,
    pub events: Vec<job_events::Model>,
    /// `false`: the step was recorded before and nothing changed (a double tap).
    pub recorded: bool,
    /// This step completed the visit.
    pub completed: bool,
}

impl StepDone {
    /// What happened, in words (the API's `message`).
    pub fn message(&self, step: Step) -> String {
        step_message(step, self.recorded, &self.job)
    }
}

/// A job and its history, as a use case leaves them.
pub type Outcome = (jobs::Model, Vec<job_events::Model>);

/// What recording `step` did to `job` (as it is now), in words: the API's `message` and the
/// crew page's notice. `recorded: false` is a step recorded before (nothing changed).
pub fn step_message(step: Step, recorded: bool, job: &jobs::Model) -> String {
    let when = |at: Option<DateTime<Utc>>| {
        at.map(|t| format!(" at {} UTC", t.format("%H:%M")))
            .unwrap_or_default()
    };
    let completed = job.status == JobStatus::Completed;
    match (step, recorded) {
        (Step::OnTheWay, true) => "Saved: on the way. The customer sees it.".to_owned(),
        (Step::OnTheWay, false) => format!(
            "Already on the way{}: nothing was changed.",
            when(job.on_the_way_at)
        ),
        (Step::Delivered, false) => format!(
            "The delivery was already recorded{}: nothing was changed.",
            when(job.delivered_at)
        ),
        (Step::Collected, false) => format!(
            "The collection was already recorded{}: nothing was changed.",
            when(job.collected_at)
        ),
        (Step::Delivered, true) if completed => {
            "Saved: delivered. Both steps are done: the visit is completed.".to_owned()
        }
        (Step::Collected, true) if completed => {
            "Saved: collected. Both steps are done: the visit is completed.".to_owned()
        }
        (Step::Delivered, true) => "Saved: delivered. Now collect the defective unit.".to_owned(),
        (Step::Collected, true) => "Saved: collected. Now deliver the replacement.".to_owned(),
    }
}

pub(super) fn refused(job: JobId) -> impl Fn(TransitionError) -> StepError {
    move |reason| StepError::Refused { job, reason }
}

/// The job, locked until the transaction ends; with `crew` set, a job of another crew is
/// unknown, and so is every job while that crew is inactive (an inactive crew cannot act).
pub(super) async fn lock_for(
    txn: &DatabaseTransaction,
    id: JobId,
    crew: Option<CrewId>,
) -> Result<jobs::Model, StepError> {
    if let Some(crew) = crew {
        let active = db::dispatch::find_crew(txn, crew.0)
            .await?
            .is_some_and(|c| c.active);
        if !active {
            return Err(StepError::NotFound);
        }
    }
    db::jobs::lock(txn, id.0)
        .await?
        .filter(|job| crew.is_none() || job.crew_id == crew.map(|c| c.0))
        .ok_or(StepError::NotFound)
}

/// A step asked for under the job's lock: to record (with whether it completes the visit), or
/// recorded before (nothing to do; the transaction is already closed).
enum Begun {
    Record {
        txn: DatabaseTransaction,
        job: jobs::Model,
        completes: bool,
    },
    Unchanged(StepDone),
}

async fn begin_step(
    db: &DatabaseConnection,
    id: JobId,
    crew: Option<CrewId>,
    step: Step,
) -> Result<Begun, StepError> {
    let txn = db.begin().await?;
    let job = lock_for(&txn, id, crew).await?;
    let outcome = db::jobs::progress_of(&job)
        .record(step)
        .map_err(refused(id))?;
    match outcome {
        StepOutcome::Recorded { completes } => Ok(Begun::Record {
            txn,
            job,
            completes,
        }),
        StepOutcome::AlreadyRecorded => {
            let events = db::job_events::of_job(&txn, id.0).await?;
            txn.commit().await?;
            Ok(Begun::Unchanged(StepDone {
                job,
                events,
                recorded: false,
                completed: false,
            }))
        }
    }
}

/// Commits a recorded step and counts it (`logistics_visit_steps_total{step}`, and
/// `logistics_visits_completed_total` when it completed the visit).
async fn finish_step(
    txn: DatabaseTransaction,
    job: jobs::Model,
    step: Step,
    completed: bool,
) -> Result<StepDone, StepError> {
    let events = db::job_events::of_job(&txn, job.id).await?;
    txn.commit().await?;
    metrics::counter!(crate::metrics::VISIT_STEPS, "step" => step.as_str()).increment(1);
    if completed {
        metrics::counter!(crate::metrics::VISITS_COMPLETED).increment(1);
    }
    Ok(StepDone {
        job,
        events,
        recorded: true,
        completed,
    })
}

/// After a step: completed when it was the last one, else open (a failed job takes up again).
fn set_open_or_completed(active: &mut jobs::ActiveModel, completes: bool, now: DateTime<Utc>) {
    if completes {
        active.status = Set(JobStatus::Completed);
        active.completed_at = Set(Some(now));
    } else {
        active.status = Set(JobStatus::Scheduled);
    }
    active.updated_at = Set(now);
}

/// Completes a job whose delivery and collection are both recorded: the history entry and
/// `JobCompletedV1` (which existing consumers rely on), in the caller's transaction.
async fn complete_job(
    txn: &DatabaseTransaction,
    job: &jobs::Model,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    db::job_events::insert(
        txn,
        job.id,
        db::job_events::kind::COMPLETED,
        now,
        json!({
            "delivered_serial": job.delivered_serial.clone().unwrap_or_default(),
            "collected_serial": job.collected_serial.clone().unwrap_or_default(),
            "collected_serial_matches": job.collected_serial_matches.unwrap_or(false),
            "recipient_name": job.recipient_name.clone().unwrap_or_default(),
        }),
    )
    .await?;
    outbound::completed(txn, job, now).await
}

/// Records *on the way* on job `id` under its row lock, with `JobOnTheWayV1` in the outbox.
pub async fn on_the_way(
    db: &DatabaseConnection,
    id: JobId,
    crew: Option<CrewId>,
    eta: Option<DateTime<Utc>>,
) -> Result<StepDone, StepError> {
    let (txn, job, completes) = match begin_step(db, id, crew, Step::OnTheWay).await? {
        Begun::Record {
            txn,
            job,
            completes,
        } => (txn, job, completes),
        Begun::Unchanged(done) => return Ok(done),
    };
    let now = Utc::now();
    let mut active: jobs::ActiveModel = job.into();
    active.on_the_way_at = Set(Some(now));
    active.eta = Set(eta);
    active.status = Set(JobStatus::Scheduled);
    active.updated_at = Set(now);
    let job = active.update(&txn).await?;
    db::job_events::insert(
        &txn,
        id.0,
        db::job_events::kind::ON_THE_WAY,
        now,
        json!({ "eta": eta }),
    )
    .await?;
    outbound::on_the_way(&txn, &job, now).await?;
    tracing::info!(job.id = %id, swap.id = %job.swap_id, "crew on the way");
    finish_step(txn, job, Step::OnTheWay, completes).await
}

/// Records *delivered* on job `id` under its row lock, with the rows of `photos` (already in the
/// store) and `JobDeliveredV1` (carrying `evidence`) in the outbox; completes the job when the
/// collection is recorded too. When nothing is recorded (`recorded: false`) or on an error, the caller removes the
/// photos' bytes again.
pub async fn delivered(
    db: &DatabaseConnection,
    id: JobId,
    crew: Option<CrewId>,
    delivery: Delivery,
    photos: &[StoredPhoto],
    photo_taken: bool,
    evidence: Option<Photo>,
) -> Result<StepDone, StepError> {
    let (txn, job, completes) = match begin_step(db, id, crew, Step::Delivered).await? {
        Begun::Record {
            txn,
            job,
            completes,
        } => (txn, job, completes),
        Begun::Unchanged(done) => return Ok(done),
    };
    let now = Utc::now();
    let mut active: jobs::ActiveModel = job.into();
    active.delivered_serial = Set(Some(delivery.delivered_serial.clone()));
    active.recipient_name = Set(Some(delivery.recipient_name.clone()));
    active.delivered_at = Set(Some(now));
    set_open_or_completed(&mut active, completes, now);
    let job = active.update(&txn).await?;
    db::job_events::insert(
        &txn,
        id.0,
        db::job_events::kind::DELIVERED,
        now,
        json!({
            "delivered_serial": delivery.delivered_serial,
            "recipient_name": delivery.recipient_name,
        }),
    )
    .await?;
    for photo in photos {
        job_photos::insert(&txn, id.0, photo, now).await?;
    }
    outbound::delivered(&txn, &job, photo_taken || !photos.is_empty(), evidence, now).await?;
    if completes {
        complete_job(&txn, &job, now).await?;
    }
    tracing::info!(job.id = %id, swap.id = %job.swap_id, completed = completes, "replacement delivered");
    finish_step(txn, job, Step::Delivered, completes).await
}

/// Records *collected* on job `id` under its row lock, with the rows of `photos` (already in the
/// store), `UnitCollectedV1` (carrying `evidence`) in the outbox, and the job's return items put
/// in a shipment; completes the job when the delivery is recorded too. When nothing is recorded
/// (`recorded: false`) or on an error, the caller removes the photos' bytes again.
pub async fn collected(
    db: &DatabaseConnection,
    id: JobId,
    crew: Option<CrewId>,
    collection: Collection,
    photos: &[StoredPhoto],
    evidence: Option<Photo>,
) -> Result<StepDone, StepError> {
    let (txn, job, completes) = match begin_step(db, id, crew, Step::Collected).await? {
        Begun::Record {
            txn,
            job,
            completes,
        } => (txn, job, completes),
        Begun::Unchanged(done) => return Ok(done),
    };
    let matches = collection
        .check(&job.collect_serial)
        .map_err(StepError::SerialMismatch)?;
    let now = Utc::now();
    let mut active: jobs::ActiveModel = job.into();
    active.collected_serial = Set(Some(collection.collected_serial.clone()));
    active.collected_serial_matches = Set(Some(matches));
    active.collected_at = Set(Some(now));
    set_open_or_completed(&mut active, completes, now);
    let job = active.update(&txn).await?;
    db::job_events::insert(
        &txn,
        id.0,
        db::job_events::kind::COLLECTED,
        now,
        json!({
            "collected_serial": collection.collected_serial,
            "collected_serial_matches": matches,
            "photo": evidence.as_ref().map(|p| json!({"sha256": p.sha256, "size_bytes": p.size_bytes})),
        }),
    )
    .await?;
    for photo in photos {
        job_photos::insert(&txn, id.0, photo, now).await?;
    }
    outbound::collected(&txn, &job, evidence, now).await?;
    if completes {
        complete_job(&txn, &job, now).await?;
    }
    db::returns::place_items_of_job(&txn, &job, now).await?;
    if matches {
        tracing::info!(job.id = %id, swap.id = %job.swap_id, completed = completes, "unit collected");
    } else {
        tracing::warn!(job.id = %id, swap.id = %job.swap_id, completed = completes, "unit collected; its serial does not match the case (flagged)");
    }
    finish_step(txn, job, Step::Collected, completes).await
}

/// The photos of a visit that travel as evidence: of the delivered replacement and of the
/// collected unit.
#[derive(Debug, Default)]
pub struct StepEvidence {
    pub delivered: Option<Photo>,
    pub collected: Option<Photo>,
}

/// Records a completed visit on job `id` in one transaction (the job locked, its history, the
/// `JobDeliveredV1` and `UnitCollectedV1` (with their `evidence`) and `JobCompletedV1` in the outbox, the
/// rows of `photos` already in the photo store, the job's return items put in a shipment). With
/// `crew` set, a job on another crew is unknown. On an error the caller removes the photos'
/// bytes again.
pub async fn complete(
    db: &DatabaseConnection,
    id: JobId,
    crew: Option<CrewId>,
    completion: Completion,
    photos: &[StoredPhoto],
    evidence: StepEvidence,
) -> Result<Outcome, StepError> {
    let txn = db.begin().await?;
    let job = lock_for(&txn, id, crew).await?;
    let matches = completion
        .apply(db::jobs::progress_of(&job), &job.collect_serial)
        .map_err(refused(id))?;
    let now = Utc::now();
    let mut active: jobs::ActiveModel = job.into();
    active.delivered_serial = Set(Some(completion.delivered_serial.clone()));
    active.collected_serial = Set(Some(completion.collected_serial.clone()));
    active.collected_serial_matches = Set(Some(matches));
    active.recipient_name = Set(Some(completion.recipient_name.clone()));
    active.delivered_at = Set(Some(now));
    active.collected_at = Set(Some(now));
    set_open_or_completed(&mut active, true, now);
    let job = active.update(&txn).await?;
    for photo in photos {
        job_photos::insert(&txn, id.0, photo, now).await?;
    }
    let delivered_photo = photos.iter().any(|p| p.kind == PhotoKind::Delivered);
    outbound::delivered(&txn, &job, delivered_photo, evidence.delivered, now).await?;
    outbound::collected(&txn, &job, evidence.collected, now).await?;
    complete_job(&txn, &job, now).await?;
    db::returns::place_items_of_job(&txn, &job, now).await?;
    let events = db::job_events::of_job(&txn, id.0).await?;
    txn.commit().await?;
    if matches {
        tracing::info!(job.id = %id, swap.id = %job.swap_id, "job completed");
    } else {
        tracing::warn!(job.id = %id, swap.id = %job.swap_id, "job completed; collected serial does not match the case");
    }
    Ok((job, events))
}
