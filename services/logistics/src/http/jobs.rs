//! Job handlers: parse → domain → persist (one transaction, with the outbox row) → respond.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Duration, Utc};
use kummerer_contracts::{
    JobCompletedV1, JobDeliveredV1, JobFailedV1, JobOnTheWayV1, Photo, TimeWindow, UnitCollectedV1,
};
use kummerer_messaging::enqueue;
use kummerer_service::{FieldErrors, Problem};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, DatabaseConnection, DatabaseTransaction, DbErr,
    TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::db::{self, dispatch, job_events, job_photos, jobs};
use crate::domain::dispatch::{DayWindow, choose_revisit, postcode_key, revisit_windows};
use crate::domain::photo::{ImageType, PhotoKind, evidence};
use crate::domain::{
    AfterFailure, Collection, Completion, Delivery, FailedAttempt, JobStatus, NOTE_MAX, SERIAL_MAX,
    Step, StepOutcome, TransitionError, parse_failure_reason,
};
use crate::http::auth::{Caller, crew_held};
use crate::http::dispatch::{ATTEMPTS, Move, busy, move_visit};
use crate::http::photos::{StoredPhoto, insert_photo};
use crate::http::view::{JobList, JobView};
use crate::photos::PhotoStore;

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    pub status: Option<String>,
    pub retailer_id: Option<Uuid>,
}

/// `GET /api/jobs?status=&retailer_id=`: a carrier sees only the jobs on its crews and the
/// unassigned ones in its regions.
pub async fn list(
    caller: Caller,
    db: web::Data<DatabaseConnection>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, Problem> {
    let query = query.into_inner();
    let status = match query.status.as_deref() {
        None => None,
        Some(s) => match JobStatus::parse(s) {
            Some(status) => Some(status),
            None => {
                let mut v = FieldErrors::new();
                v.add("status", "must be one of scheduled, completed, failed");
                v.finish()?;
                None
            }
        },
    };
    let items = db::list_jobs(db.get_ref(), status, query.retailer_id, caller.carrier())
        .await?
        .into_iter()
        .map(|job| JobView::new(job, None))
        .collect();
    Ok(HttpResponse::Ok().json(JobList { items }))
}

/// `GET /api/jobs/{id}`: the job with its history.
pub async fn get(
    db: web::Data<DatabaseConnection>,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    let id = path.into_inner();
    let job = db::find_job(db.get_ref(), id)
        .await?
        .ok_or_else(|| Problem::not_found("job"))?;
    let events = db::events_of(db.get_ref(), id).await?;
    Ok(HttpResponse::Ok().json(JobView::new(job, Some(events))))
}

#[derive(Debug, Deserialize)]
pub struct CompleteBody {
    pub delivered_serial: String,
    pub collected_serial: String,
    pub recipient_name: String,
}

impl CompleteBody {
    pub fn parse(&self) -> Result<Completion, Problem> {
        let mut v = FieldErrors::new();
        let delivered_serial = v.text("delivered_serial", &self.delivered_serial, SERIAL_MAX);
        let collected_serial = v.text("collected_serial", &self.collected_serial, SERIAL_MAX);
        let recipient_name = v.text("recipient_name", &self.recipient_name, SERIAL_MAX);
        v.finish()?;
        Ok(Completion {
            delivered_serial,
            collected_serial,
            recipient_name,
        })
    }
}

fn already_completed(id: Uuid, e: TransitionError) -> Problem {
    match e {
        TransitionError::AlreadyCompleted => {
            Problem::conflict("job_already_completed", format!("job {id}: {e}"))
        }
        TransitionError::PartlyRecorded => {
            Problem::conflict("visit_partly_recorded", format!("job {id}: {e}"))
        }
    }
}

/// The job, locked until the transaction ends; with `crew` set, a job of another crew is
/// unknown (404).
async fn lock_for(
    txn: &DatabaseTransaction,
    id: Uuid,
    crew: Option<Uuid>,
) -> Result<jobs::Model, Problem> {
    db::lock_job(txn, id)
        .await?
        .filter(|job| crew.is_none() || job.crew_id == crew)
        .ok_or_else(|| Problem::not_found("job"))
}

/// Completes a job whose delivery and collection are both recorded: the history entry and
/// `JobCompletedV1` (which existing consumers rely on), in the caller's transaction.
async fn announce_completion(
    txn: &DatabaseTransaction,
    job: &jobs::Model,
    now: DateTime<Utc>,
) -> Result<(), Problem> {
    let delivered_serial = job.delivered_serial.clone().unwrap_or_default();
    let collected_serial = job.collected_serial.clone().unwrap_or_default();
    let recipient_name = job.recipient_name.clone().unwrap_or_default();
    let matches = job.collected_serial_matches.unwrap_or(false);
    db::insert_event(
        txn,
        job.id,
        db::kind::COMPLETED,
        now,
        json!({
            "delivered_serial": delivered_serial,
            "collected_serial": collected_serial,
            "collected_serial_matches": matches,
            "recipient_name": recipient_name,
        }),
    )
    .await?;
    enqueue(
        txn,
        JobCompletedV1 {
            job_id: job.id,
            swap_id: job.swap_id,
            case_id: job.case_id,
            retailer_id: job.retailer_id,
            delivered_serial,
            collected_serial,
            collected_serial_matches: matches,
            recipient_name,
            completed_at: now,
        },
    )
    .await?;
    Ok(())
}

async fn announce_delivery(
    txn: &DatabaseTransaction,
    job: &jobs::Model,
    photo_taken: bool,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    enqueue(
        txn,
        JobDeliveredV1 {
            job_id: job.id,
            swap_id: job.swap_id,
            case_id: job.case_id,
            retailer_id: job.retailer_id,
            delivered_serial: job.delivered_serial.clone().unwrap_or_default(),
            recipient_name: job.recipient_name.clone().unwrap_or_default(),
            photo_taken,
            delivered_at: now,
        },
    )
    .await?;
    Ok(())
}

async fn announce_collection(
    txn: &DatabaseTransaction,
    job: &jobs::Model,
    photo: Option<Photo>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    enqueue(
        txn,
        UnitCollectedV1 {
            job_id: job.id,
            swap_id: job.swap_id,
            case_id: job.case_id,
            retailer_id: job.retailer_id,
            collected_serial: job.collected_serial.clone().unwrap_or_default(),
            expected_serial: job.collect_serial.clone(),
            serial_matches: job.collected_serial_matches.unwrap_or(false),
            photo,
            collected_at: now,
        },
    )
    .await?;
    Ok(())
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

/// What recording `step` did to `job` (as it is now), in words: the API's `message` and the
/// crew page's notice. `recorded: false` is a step recorded before (nothing changed).
pub fn step_message(step: Step, recorded: bool, job: &jobs::Model) -> String {
    let when = |at: Option<DateTime<Utc>>| {
        at.map(|t| format!(" at {} UTC", t.format("%H:%M")))
            .unwrap_or_default()
    };
    let completed = job.status == JobStatus::Completed.as_str();
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

/// What a step request answers.
#[derive(Debug, Serialize)]
pub struct StepAnswer {
    pub step: &'static str,
    /// `false`: recorded before; nothing changed.
    pub recorded: bool,
    pub completed: bool,
    pub message: String,
    pub job: JobView,
}

fn step_answer(step: Step, done: StepDone) -> HttpResponse {
    let message = done.message(step);
    HttpResponse::Ok().json(StepAnswer {
        step: step.as_str(),
        recorded: done.recorded,
        completed: done.completed,
        message,
        job: JobView::new(done.job, Some(done.events)),
    })
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
    id: Uuid,
    crew: Option<Uuid>,
    step: Step,
) -> Result<Begun, Problem> {
    let txn = db.begin().await?;
    let job = lock_for(&txn, id, crew).await?;
    let outcome = db::progress_of(&job)?
        .record(step)
        .map_err(|e| already_completed(id, e))?;
    match outcome {
        StepOutcome::Recorded { completes } => Ok(Begun::Record {
            txn,
            job,
            completes,
        }),
        StepOutcome::AlreadyRecorded => {
            let events = db::events_of(&txn, id).await?;
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
) -> Result<StepDone, Problem> {
    let events = db::events_of(&txn, job.id).await?;
    txn.commit().await?;
    metrics::counter!("logistics_visit_steps_total", "step" => step.as_str()).increment(1);
    if completed {
        metrics::counter!("logistics_visits_completed_total").increment(1);
    }
    Ok(StepDone {
        job,
        events,
        recorded: true,
        completed,
    })
}

/// Longest the crew's estimate may lie ahead.
const ETA_AHEAD_HOURS: i64 = 48;

#[derive(Debug, Default, Deserialize)]
pub struct OnTheWayBody {
    #[serde(default)]
    pub eta: Option<DateTime<Utc>>,
}

/// Checks an estimate of arrival against `now`: not in the past (a minute's grace), at most
/// two days ahead.
pub fn check_eta(eta: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Result<(), Problem> {
    let mut v = FieldErrors::new();
    if let Some(eta) = eta {
        if eta < now - Duration::minutes(1) {
            v.add("eta", "must not be in the past");
        } else if eta > now + Duration::hours(ETA_AHEAD_HOURS) {
            v.add(
                "eta",
                format!("must be at most {ETA_AHEAD_HOURS} hours ahead"),
            );
        }
    }
    v.finish()
}

/// `POST /api/jobs/{id}/on-the-way {eta?}`: the crew set off to the customer
/// (`JobOnTheWayV1`; the customer's status page shows it). A second call records nothing and
/// says so.
pub async fn on_the_way(
    caller: Caller,
    db: web::Data<DatabaseConnection>,
    path: web::Path<Uuid>,
    body: web::Json<OnTheWayBody>,
) -> Result<HttpResponse, Problem> {
    check_eta(body.eta, Utc::now())?;
    let id = path.into_inner();
    let crew = crew_held(db.get_ref(), caller, id).await?;
    let done = record_on_the_way(db.get_ref(), id, crew, body.eta).await?;
    Ok(step_answer(Step::OnTheWay, done))
}

/// Records *on the way* on job `id` under its row lock, with `JobOnTheWayV1` in the outbox.
pub async fn record_on_the_way(
    db: &DatabaseConnection,
    id: Uuid,
    crew: Option<Uuid>,
    eta: Option<DateTime<Utc>>,
) -> Result<StepDone, Problem> {
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
    active.status = Set(JobStatus::Scheduled.as_str().to_owned());
    active.updated_at = Set(now);
    let job = active.update(&txn).await?;
    db::insert_event(&txn, id, db::kind::ON_THE_WAY, now, json!({ "eta": eta })).await?;
    enqueue(
        &txn,
        JobOnTheWayV1 {
            job_id: id,
            swap_id: job.swap_id,
            case_id: job.case_id,
            retailer_id: job.retailer_id,
            window: TimeWindow {
                start: job.window_start,
                end: job.window_end,
            },
            eta,
            departed_at: now,
        },
    )
    .await?;
    tracing::info!(job.id = %id, swap.id = %job.swap_id, "crew on the way");
    finish_step(txn, job, Step::OnTheWay, completes).await
}

#[derive(Debug, Deserialize)]
pub struct DeliveredBody {
    pub delivered_serial: String,
    pub recipient_name: String,
    /// A photo of the delivered replacement uploaded before
    /// (`POST /api/jobs/{id}/photos?kind=delivered`).
    #[serde(default)]
    pub photo_id: Option<Uuid>,
}

impl DeliveredBody {
    pub fn parse(&self) -> Result<Delivery, Problem> {
        let mut v = FieldErrors::new();
        let delivered_serial = v.text("delivered_serial", &self.delivered_serial, SERIAL_MAX);
        let recipient_name = v.text("recipient_name", &self.recipient_name, SERIAL_MAX);
        v.finish()?;
        Ok(Delivery {
            delivered_serial,
            recipient_name,
        })
    }
}

#[derive(Debug, Deserialize)]
pub struct CollectedBody {
    pub collected_serial: String,
    /// Set to record a serial that is not the case's (flagged); without it such a serial is
    /// refused (422 `serial_mismatch`) and nothing is recorded.
    #[serde(default)]
    pub confirm_mismatch: bool,
    /// A photo of the collected unit uploaded before
    /// (`POST /api/jobs/{id}/photos?kind=collected`); it travels as evidence.
    #[serde(default)]
    pub photo_id: Option<Uuid>,
}

impl CollectedBody {
    pub fn parse(&self) -> Result<Collection, Problem> {
        let mut v = FieldErrors::new();
        let collected_serial = v.text("collected_serial", &self.collected_serial, SERIAL_MAX);
        v.finish()?;
        Ok(Collection {
            collected_serial,
            confirm_mismatch: self.confirm_mismatch,
        })
    }
}

/// A photo uploaded before for this step: it must be the job's and of the step's kind.
async fn uploaded_photo(
    db: &DatabaseConnection,
    job_id: Uuid,
    photo_id: Option<Uuid>,
    kind: PhotoKind,
) -> Result<Option<job_photos::Model>, Problem> {
    let Some(photo_id) = photo_id else {
        return Ok(None);
    };
    let photo = job_photos::find(db, job_id, photo_id)
        .await?
        .filter(|p| p.kind == kind.as_str());
    if photo.is_none() {
        let mut v = FieldErrors::new();
        v.add(
            "photo_id",
            format!("must be a {} photo uploaded for this job", kind.as_str()),
        );
        v.finish()?;
    }
    Ok(photo)
}

/// `POST /api/jobs/{id}/delivered {delivered_serial, recipient_name, photo_id?}`: the
/// replacement was handed over (`JobDeliveredV1`). A second call records nothing and says so.
pub async fn delivered(
    caller: Caller,
    db: web::Data<DatabaseConnection>,
    path: web::Path<Uuid>,
    body: web::Json<DeliveredBody>,
) -> Result<HttpResponse, Problem> {
    let id = path.into_inner();
    let crew = crew_held(db.get_ref(), caller, id).await?;
    let delivery = body.parse()?;
    let photo = uploaded_photo(db.get_ref(), id, body.photo_id, PhotoKind::Delivered).await?;
    let done = record_delivered(db.get_ref(), id, crew, delivery, &[], photo.is_some()).await?;
    Ok(step_answer(Step::Delivered, done))
}

/// Records *delivered* on job `id` under its row lock, with the rows of `photos` (already in the
/// store) and `JobDeliveredV1` in the outbox; completes the job when the collection is recorded
/// too. When nothing is recorded (`recorded: false`) or on an error, the caller removes the
/// photos' bytes again.
pub async fn record_delivered(
    db: &DatabaseConnection,
    id: Uuid,
    crew: Option<Uuid>,
    delivery: Delivery,
    photos: &[StoredPhoto],
    photo_taken: bool,
) -> Result<StepDone, Problem> {
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
    db::insert_event(
        &txn,
        id,
        db::kind::DELIVERED,
        now,
        json!({
            "delivered_serial": delivery.delivered_serial,
            "recipient_name": delivery.recipient_name,
        }),
    )
    .await?;
    for photo in photos {
        insert_photo(&txn, id, photo, now).await?;
    }
    announce_delivery(&txn, &job, photo_taken || !photos.is_empty(), now).await?;
    if completes {
        announce_completion(&txn, &job, now).await?;
    }
    tracing::info!(job.id = %id, swap.id = %job.swap_id, completed = completes, "replacement delivered");
    finish_step(txn, job, Step::Delivered, completes).await
}

/// After a step: completed when it was the last one, else open (a failed job takes up again).
fn set_open_or_completed(active: &mut jobs::ActiveModel, completes: bool, now: DateTime<Utc>) {
    if completes {
        active.status = Set(JobStatus::Completed.as_str().to_owned());
        active.completed_at = Set(Some(now));
    } else {
        active.status = Set(JobStatus::Scheduled.as_str().to_owned());
    }
    active.updated_at = Set(now);
}

/// `POST /api/jobs/{id}/collected {collected_serial, confirm_mismatch?, photo_id?}`: the
/// defective unit was collected (`UnitCollectedV1`, with the photo as evidence). A serial that
/// is not the case's needs `confirm_mismatch` and is then flagged. A second call records nothing
/// and says so.
pub async fn collected(
    caller: Caller,
    db: web::Data<DatabaseConnection>,
    store: web::Data<dyn PhotoStore>,
    path: web::Path<Uuid>,
    body: web::Json<CollectedBody>,
) -> Result<HttpResponse, Problem> {
    let id = path.into_inner();
    let crew = crew_held(db.get_ref(), caller, id).await?;
    let collection = body.parse()?;
    let photo = uploaded_photo(db.get_ref(), id, body.photo_id, PhotoKind::Collected).await?;
    let evidence = match photo {
        None => None,
        Some(photo) => Some(stored_evidence(store.get_ref(), &photo).await?),
    };
    let done = record_collected(db.get_ref(), id, crew, collection, &[], evidence).await?;
    Ok(step_answer(Step::Collected, done))
}

/// A recorded photo's bytes as evidence for a message.
pub async fn stored_evidence(
    store: &dyn PhotoStore,
    photo: &job_photos::Model,
) -> Result<Photo, Problem> {
    let bytes = store
        .get(&photo.storage_key)
        .await
        .map_err(|e| Problem::internal(format!("photo store: {e}")))?
        .ok_or_else(|| Problem::internal(format!("photo {} is not in the store", photo.id)))?;
    let image = ImageType::from_content_type(&photo.content_type)
        .ok_or_else(|| Problem::internal(format!("photo {} has no image type", photo.id)))?;
    Ok(evidence(image, &bytes))
}

/// The problem of a collected serial that is not the case's, not confirmed (422
/// `serial_mismatch`).
pub fn mismatch(e: crate::domain::UnconfirmedMismatch) -> Problem {
    let message = format!(
        "{e}: check the unit again; to record it anyway (it will be flagged), confirm the mismatch"
    );
    let mut p = Problem::new(
        actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
        "serial_mismatch",
        "The collected serial is not the case's",
        Some(message.clone()),
    );
    p.errors = vec![kummerer_service::problem::FieldError {
        field: "collected_serial".to_owned(),
        message,
    }];
    p
}

/// Records *collected* on job `id` under its row lock, with the rows of `photos` (already in the
/// store), `UnitCollectedV1` (carrying `evidence`) in the outbox, and the job's return items put
/// in a shipment; completes the job when the delivery is recorded too. When nothing is recorded
/// (`recorded: false`) or on an error, the caller removes the photos' bytes again.
pub async fn record_collected(
    db: &DatabaseConnection,
    id: Uuid,
    crew: Option<Uuid>,
    collection: Collection,
    photos: &[StoredPhoto],
    evidence: Option<Photo>,
) -> Result<StepDone, Problem> {
    let (txn, job, completes) = match begin_step(db, id, crew, Step::Collected).await? {
        Begun::Record {
            txn,
            job,
            completes,
        } => (txn, job, completes),
        Begun::Unchanged(done) => return Ok(done),
    };
    let matches = collection.check(&job.collect_serial).map_err(mismatch)?;
    let now = Utc::now();
    let mut active: jobs::ActiveModel = job.into();
    active.collected_serial = Set(Some(collection.collected_serial.clone()));
    active.collected_serial_matches = Set(Some(matches));
    active.collected_at = Set(Some(now));
    set_open_or_completed(&mut active, completes, now);
    let job = active.update(&txn).await?;
    db::insert_event(
        &txn,
        id,
        db::kind::COLLECTED,
        now,
        json!({
            "collected_serial": collection.collected_serial,
            "collected_serial_matches": matches,
            "photo": evidence.as_ref().map(|p| json!({"sha256": p.sha256, "size_bytes": p.size_bytes})),
        }),
    )
    .await?;
    for photo in photos {
        insert_photo(&txn, id, photo, now).await?;
    }
    announce_collection(&txn, &job, evidence, now).await?;
    if completes {
        announce_completion(&txn, &job, now).await?;
    }
    db::returns::place_items_of_job(&txn, &job, now).await?;
    if matches {
        tracing::info!(job.id = %id, swap.id = %job.swap_id, completed = completes, "unit collected");
    } else {
        tracing::warn!(job.id = %id, swap.id = %job.swap_id, completed = completes, "unit collected; its serial does not match the case (flagged)");
    }
    finish_step(txn, job, Step::Collected, completes).await
}

/// `POST /api/jobs/{id}/complete`: the replacement was delivered and the defective unit collected.
pub async fn complete(
    caller: Caller,
    db: web::Data<DatabaseConnection>,
    path: web::Path<Uuid>,
    body: web::Json<CompleteBody>,
) -> Result<HttpResponse, Problem> {
    let completion = body.parse()?;
    let id = path.into_inner();
    let crew = crew_held(db.get_ref(), caller, id).await?;
    let (job, events) = record_completion(db.get_ref(), id, crew, completion, &[], None).await?;
    Ok(HttpResponse::Ok().json(JobView::new(job, Some(events))))
}

/// Records a completed visit on job `id` in one transaction (the job locked, its history, the
/// `JobDeliveredV1`, `UnitCollectedV1` (with `evidence`) and `JobCompletedV1` in the outbox, the
/// rows of `photos` already in the photo store, the job's return items put in a shipment). With
/// `crew` set, a job on another crew is unknown (404). The JSON API and the crew's page both
/// come here; on an error the caller removes the photos' bytes again.
pub async fn record_completion(
    db: &DatabaseConnection,
    id: Uuid,
    crew: Option<Uuid>,
    completion: Completion,
    photos: &[StoredPhoto],
    evidence: Option<Photo>,
) -> Result<(jobs::Model, Vec<job_events::Model>), Problem> {
    let txn = db.begin().await?;
    let job = lock_for(&txn, id, crew).await?;
    let matches = completion
        .apply(db::progress_of(&job)?, &job.collect_serial)
        .map_err(|e| already_completed(id, e))?;
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
        insert_photo(&txn, id, photo, now).await?;
    }
    let delivered_photo = photos.iter().any(|p| p.kind == PhotoKind::Delivered);
    announce_delivery(&txn, &job, delivered_photo, now).await?;
    announce_collection(&txn, &job, evidence, now).await?;
    announce_completion(&txn, &job, now).await?;
    db::returns::place_items_of_job(&txn, &job, now).await?;
    let events = db::events_of(&txn, id).await?;
    txn.commit().await?;
    if matches {
        tracing::info!(job.id = %id, swap.id = %job.swap_id, "job completed");
    } else {
        tracing::warn!(job.id = %id, swap.id = %job.swap_id, "job completed; collected serial does not match the case");
    }
    Ok((job, events))
}

#[derive(Debug, Deserialize)]
pub struct FailBody {
    pub reason: String,
    #[serde(default)]
    pub note: Option<String>,
}

impl FailBody {
    pub fn parse(&self) -> Result<FailedAttempt, Problem> {
        let mut v = FieldErrors::new();
        let reason = parse_failure_reason(self.reason.trim());
        if reason.is_none() {
            v.add(
                "reason",
                "must be one of not_home, wrong_address, refused, unit_not_ready",
            );
        }
        let note = self
            .note
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_owned);
        if note.as_ref().is_some_and(|n| n.chars().count() > NOTE_MAX) {
            v.add("note", format!("must be at most {NOTE_MAX} characters"));
        }
        v.finish()?;
        match reason {
            Some(reason) => Ok(FailedAttempt { reason, note }),
            None => Err(Problem::internal(
                "failure reason vanished after validation",
            )),
        }
    }
}

/// `POST /api/jobs/{id}/fail`: a visit that did not work out. Not home or unit not ready: the
/// visit is rescheduled at once (see [`record_failure`]); refused or wrong address: the job
/// waits for the dispatcher.
pub async fn fail(
    caller: Caller,
    db: web::Data<DatabaseConnection>,
    path: web::Path<Uuid>,
    body: web::Json<FailBody>,
) -> Result<HttpResponse, Problem> {
    let attempt = body.parse()?;
    let id = path.into_inner();
    let crew = crew_held(db.get_ref(), caller, id).await?;
    let (job, events) = record_failure(db.get_ref(), id, crew, attempt).await?;
    Ok(HttpResponse::Ok().json(JobView::new(job, Some(events))))
}

/// Records a failed attempt on job `id` in one transaction: the job locked, its history, the
/// `JobFailedV1` in the outbox. With `crew` set, a job on another crew is unknown (404).
///
/// When another visit makes sense ([`AfterFailure::Revisit`]) the same transaction moves the
/// visit to the first of the next days ([`revisit_windows`]) on which a crew of the job's
/// carrier (of any carrier covering the postcode, for a job on no crew) has room, the same
/// window hours, keeping its crew when that one has room; it is `scheduled` again and
/// `JobScheduledV1` with the new window follows the `JobFailedV1`. The crews that may take it
/// are locked before the job (the order of [`crate::db::dispatch`]). With no crew free on any of
/// those days, or for a refusal or a wrong address, the job stays `failed` for the dispatcher;
/// the retailer, told of the failure, sees that it needs attention.
///
/// The JSON API and the crew's page both come here.
pub async fn record_failure(
    db: &DatabaseConnection,
    id: Uuid,
    crew: Option<Uuid>,
    attempt: FailedAttempt,
) -> Result<(jobs::Model, Vec<job_events::Model>), Problem> {
    let revisit = attempt.after() == AfterFailure::Revisit;
    for _ in 0..ATTEMPTS {
        let txn = db.begin().await?;
        let (seen, crews) = if revisit {
            let seen = db::find_job(&txn, id)
                .await?
                .ok_or_else(|| Problem::not_found("job"))?;
            let key = postcode_key(&seen.address_postcode);
            let crews = match seen.carrier_id {
                Some(carrier) => {
                    dispatch::lock_carrier_region_crews(&txn, carrier, &key, seen.crew_id).await?
                }
                None => dispatch::lock_region_crews(&txn, &key).await?,
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
        let events = db::events_of(&txn, id).await?;
        txn.commit().await?;
        metrics::counter!(
            "logistics_failed_attempts_total",
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
    Err(busy(id))
}

/// The failed attempt on the locked `job`, and with `crews` (locked) the revisit: the job as it
/// is now and the revisit's window, if there is one.
async fn fail_locked(
    txn: &DatabaseTransaction,
    job: jobs::Model,
    attempt: &FailedAttempt,
    crews: Option<&[dispatch::Crew]>,
) -> Result<(jobs::Model, Option<DayWindow>), Problem> {
    let id = job.id;
    let so_far = u32::try_from(job.attempts).unwrap_or(0);
    let attempts = attempt
        .apply(db::status_of(&job)?, so_far)
        .map_err(|e| already_completed(id, e))?;
    let now = Utc::now();
    let mut active: jobs::ActiveModel = job.into();
    active.status = Set(JobStatus::Failed.as_str().to_owned());
    active.attempts = Set(i32::try_from(attempts).unwrap_or(i32::MAX));
    active.failure_reason = Set(Some(attempt.reason.as_str().to_owned()));
    active.failure_note = Set(attempt.note.clone());
    // The next attempt sets off again; what was delivered or collected stays done.
    active.on_the_way_at = Set(None);
    active.eta = Set(None);
    active.updated_at = Set(now);
    let job = active.update(txn).await?;
    db::insert_event(
        txn,
        id,
        db::kind::FAILED,
        now,
        json!({
            "reason": attempt.reason.as_str(),
            "note": attempt.note,
            "attempt": attempts,
        }),
    )
    .await?;
    enqueue(
        txn,
        JobFailedV1 {
            job_id: id,
            swap_id: job.swap_id,
            case_id: job.case_id,
            retailer_id: job.retailer_id,
            reason: attempt.reason,
            note: attempt.note.clone(),
            attempt: attempts,
            failed_at: now,
        },
    )
    .await?;
    let Some(crews) = crews else {
        return Ok((job, None));
    };
    let key = postcode_key(&job.address_postcode);
    let windows = revisit_windows(job.window_start, job.window_end, now);
    let dates: Vec<_> = windows.iter().map(|w| w.date).collect();
    let days = dispatch::candidates_on_days(txn, crews, &dates, id).await?;
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
    let job = db::find_job(txn, id)
        .await?
        .ok_or_else(|| Problem::not_found("job"))?;
    Ok((job, Some(window)))
}
