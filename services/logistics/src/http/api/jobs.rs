//! `/api/jobs/…`: the job list and one job, and the crew's steps through the API. Each handler
//! parses, calls [`crate::app::visits`], and answers.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use kummerer_contracts::ids::{CrewId, JobId};
use kummerer_service::{FieldErrors, Problem};
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::app::visits::{Step, StepDone};
use crate::app::{self, visits};
use crate::db;
use crate::domain::JobStatus;
use crate::domain::photo::PhotoKind;
use crate::http::auth::{Caller, crew_held};
use crate::http::view::{JobList, JobView};
use crate::photos::PhotoStore;

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    pub status: Option<String>,
    pub retailer_id: Option<Uuid>,
}

/// `GET /api/jobs?status=&retailer_id=`: a carrier sees only the jobs on its crews (the
/// unassigned ones in its granted regions are on its dispatcher's board).
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
    let items = db::jobs::list(db.get_ref(), status, query.retailer_id, caller.carrier())
        .await?
        .into_iter()
        .map(|job| JobView::new(job, None))
        .collect();
    Ok(HttpResponse::Ok().json(JobList { items }))
}

/// `GET /api/jobs/{id}`: the job with its history.
pub async fn get(
    db: web::Data<DatabaseConnection>,
    path: web::Path<JobId>,
) -> Result<HttpResponse, Problem> {
    let id = path.into_inner();
    let job = db::jobs::find(db.get_ref(), id.0)
        .await?
        .ok_or_else(|| Problem::not_found("job"))?;
    let events = db::job_events::of_job(db.get_ref(), id.0).await?;
    Ok(HttpResponse::Ok().json(JobView::new(job, Some(events))))
}

/// The crew a carrier's action on job `id` must still find the job on.
async fn crew_of(
    db: &DatabaseConnection,
    caller: Caller,
    id: JobId,
) -> Result<Option<CrewId>, Problem> {
    Ok(crew_held(db, caller, id.0).await?.map(CrewId))
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

#[derive(Debug, Default, Deserialize)]
pub struct OnTheWayBody {
    #[serde(default)]
    pub eta: Option<DateTime<Utc>>,
}

/// `POST /api/jobs/{id}/on-the-way {eta?}`: the crew set off to the customer
/// (`JobOnTheWayV1`; the customer's status page shows it). A second call records nothing and
/// says so.
pub async fn on_the_way(
    caller: Caller,
    db: web::Data<DatabaseConnection>,
    path: web::Path<JobId>,
    body: web::Json<OnTheWayBody>,
) -> Result<HttpResponse, Problem> {
    visits::check_eta(body.eta, Utc::now())?;
    let id = path.into_inner();
    let crew = crew_of(db.get_ref(), caller, id).await?;
    let done = visits::on_the_way(db.get_ref(), id, crew, body.eta).await?;
    Ok(step_answer(Step::OnTheWay, done))
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

/// `POST /api/jobs/{id}/delivered {delivered_serial, recipient_name, photo_id?}`: the
/// replacement was handed over (`JobDeliveredV1`, with the photo as evidence). A second call
/// records nothing and says so.
pub async fn delivered(
    caller: Caller,
    db: web::Data<DatabaseConnection>,
    store: web::Data<dyn PhotoStore>,
    path: web::Path<JobId>,
    body: web::Json<DeliveredBody>,
) -> Result<HttpResponse, Problem> {
    let id = path.into_inner();
    let db = db.get_ref();
    let crew = crew_of(db, caller, id).await?;
    let delivery = visits::delivery(&body.delivered_serial, &body.recipient_name)?;
    let photo =
        app::photos::uploaded_for_step(db, id, body.photo_id, PhotoKind::Delivered).await??;
    let evidence = match photo {
        None => None,
        Some(photo) => Some(app::photos::evidence_of(db, store.get_ref(), &photo).await?),
    };
    let done = visits::delivered(db, id, crew, delivery, &[], false, evidence).await?;
    Ok(step_answer(Step::Delivered, done))
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

/// `POST /api/jobs/{id}/collected {collected_serial, confirm_mismatch?, photo_id?}`: the
/// defective unit was collected (`UnitCollectedV1`, with the photo as evidence). A serial that
/// is not the case's needs `confirm_mismatch` and is then flagged. A second call records nothing
/// and says so.
pub async fn collected(
    caller: Caller,
    db: web::Data<DatabaseConnection>,
    store: web::Data<dyn PhotoStore>,
    path: web::Path<JobId>,
    body: web::Json<CollectedBody>,
) -> Result<HttpResponse, Problem> {
    let id = path.into_inner();
    let db = db.get_ref();
    let crew = crew_of(db, caller, id).await?;
    let collection = visits::collection(&body.collected_serial, body.confirm_mismatch)?;
    let photo =
        app::photos::uploaded_for_step(db, id, body.photo_id, PhotoKind::Collected).await??;
    let evidence = match photo {
        None => None,
        Some(photo) => Some(app::photos::evidence_of(db, store.get_ref(), &photo).await?),
    };
    let done = visits::collected(db, id, crew, collection, &[], evidence).await?;
    Ok(step_answer(Step::Collected, done))
}

#[derive(Debug, Deserialize)]
pub struct CompleteBody {
    pub delivered_serial: String,
    pub collected_serial: String,
    pub recipient_name: String,
}

/// `POST /api/jobs/{id}/complete`: the replacement was delivered and the defective unit collected.
pub async fn complete(
    caller: Caller,
    db: web::Data<DatabaseConnection>,
    path: web::Path<JobId>,
    body: web::Json<CompleteBody>,
) -> Result<HttpResponse, Problem> {
    let completion = visits::completion(
        &body.delivered_serial,
        &body.collected_serial,
        &body.recipient_name,
    )?;
    let id = path.into_inner();
    let crew = crew_of(db.get_ref(), caller, id).await?;
    let (job, events) =
        visits::complete(db.get_ref(), id, crew, completion, &[], Default::default()).await?;
    Ok(HttpResponse::Ok().json(JobView::new(job, Some(events))))
}

#[derive(Debug, Deserialize)]
pub struct FailBody {
    pub reason: String,
    #[serde(default)]
    pub note: Option<String>,
}

/// `POST /api/jobs/{id}/fail`: a visit that did not work out. Not home or unit not ready: the
/// visit is rescheduled at once (see [`visits::fail`]); refused or wrong address: the job
/// waits for the dispatcher.
pub async fn fail(
    caller: Caller,
    db: web::Data<DatabaseConnection>,
    path: web::Path<JobId>,
    body: web::Json<FailBody>,
) -> Result<HttpResponse, Problem> {
    let attempt = visits::failed_attempt(&body.reason, body.note.as_deref())?;
    let id = path.into_inner();
    let crew = crew_of(db.get_ref(), caller, id).await?;
    let (job, events) = visits::fail(db.get_ref(), id, crew, attempt).await?;
    Ok(HttpResponse::Ok().json(JobView::new(job, Some(events))))
}
