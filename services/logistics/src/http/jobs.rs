//! Job handlers: parse → domain → persist (one transaction, with the outbox row) → respond.

use actix_web::{HttpResponse, web};
use chrono::Utc;
use kummerer_contracts::{JobCompletedV1, JobFailedV1};
use kummerer_messaging::enqueue;
use kummerer_service::{FieldErrors, Problem};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseConnection, TransactionTrait};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use crate::db::{self, job_events, jobs};
use crate::domain::{
    Completion, FailedAttempt, JobStatus, NOTE_MAX, SERIAL_MAX, TransitionError,
    parse_failure_reason,
};
use crate::http::auth::{Caller, crew_held};
use crate::http::photos::{StoredPhoto, insert_photo};
use crate::http::view::{JobList, JobView};

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
    }
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
    let (job, events) = record_completion(db.get_ref(), id, crew, completion, &[]).await?;
    Ok(HttpResponse::Ok().json(JobView::new(job, Some(events))))
}

/// Records a completed visit on job `id` in one transaction (the job locked, its history, the
/// `JobCompletedV1` in the outbox, the rows of `photos` already in the photo store). With `crew`
/// set, a job on another crew is unknown (404). The JSON API and the crew's page both come here;
/// on an error the caller removes the photos' bytes again.
pub async fn record_completion(
    db: &DatabaseConnection,
    id: Uuid,
    crew: Option<Uuid>,
    completion: Completion,
    photos: &[StoredPhoto],
) -> Result<(jobs::Model, Vec<job_events::Model>), Problem> {
    let txn = db.begin().await?;
    let job = db::lock_job(&txn, id)
        .await?
        .filter(|job| crew.is_none() || job.crew_id == crew)
        .ok_or_else(|| Problem::not_found("job"))?;
    let matches = completion
        .apply(db::status_of(&job)?, &job.collect_serial)
        .map_err(|e| already_completed(id, e))?;
    let now = Utc::now();
    let mut active: jobs::ActiveModel = job.into();
    active.status = Set(JobStatus::Completed.as_str().to_owned());
    active.delivered_serial = Set(Some(completion.delivered_serial.clone()));
    active.collected_serial = Set(Some(completion.collected_serial.clone()));
    active.collected_serial_matches = Set(Some(matches));
    active.recipient_name = Set(Some(completion.recipient_name.clone()));
    active.completed_at = Set(Some(now));
    active.updated_at = Set(now);
    let job = active.update(&txn).await?;
    db::insert_event(
        &txn,
        id,
        db::kind::COMPLETED,
        now,
        json!({
            "delivered_serial": completion.delivered_serial,
            "collected_serial": completion.collected_serial,
            "collected_serial_matches": matches,
            "recipient_name": completion.recipient_name,
        }),
    )
    .await?;
    for photo in photos {
        insert_photo(&txn, id, photo, now).await?;
    }
    enqueue(
        &txn,
        JobCompletedV1 {
            job_id: id,
            swap_id: job.swap_id,
            case_id: job.case_id,
            retailer_id: job.retailer_id,
            delivered_serial: completion.delivered_serial,
            collected_serial: completion.collected_serial,
            collected_serial_matches: matches,
            recipient_name: completion.recipient_name,
            completed_at: now,
        },
    )
    .await?;
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

/// `POST /api/jobs/{id}/fail`: a visit that did not work out; the job waits for another attempt.
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

/// Records a failed attempt on job `id` in one transaction (the job locked, its history, the
/// `JobFailedV1` in the outbox). With `crew` set, a job on another crew is unknown (404).
/// The JSON API and the crew's page both come here.
pub async fn record_failure(
    db: &DatabaseConnection,
    id: Uuid,
    crew: Option<Uuid>,
    attempt: FailedAttempt,
) -> Result<(jobs::Model, Vec<job_events::Model>), Problem> {
    let txn = db.begin().await?;
    let job = db::lock_job(&txn, id)
        .await?
        .filter(|job| crew.is_none() || job.crew_id == crew)
        .ok_or_else(|| Problem::not_found("job"))?;
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
    active.updated_at = Set(now);
    let job = active.update(&txn).await?;
    db::insert_event(
        &txn,
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
        &txn,
        JobFailedV1 {
            job_id: id,
            swap_id: job.swap_id,
            case_id: job.case_id,
            retailer_id: job.retailer_id,
            reason: attempt.reason,
            note: attempt.note,
            attempt: attempts,
            failed_at: now,
        },
    )
    .await?;
    let events = db::events_of(&txn, id).await?;
    txn.commit().await?;
    tracing::info!(job.id = %id, swap.id = %job.swap_id, attempt = attempts, reason = attempt.reason.as_str(), "job attempt failed");
    Ok((job, events))
}
