//! Carriers, crews and the dispatcher's work through the API: the day's board, reassigning and
//! rescheduling ([`crate::app::dispatch`]).
//!
//! Every dispatcher route is scoped by the carrier in its path: a job on another carrier's crew,
//! or another carrier's crew, answers 404 exactly like an unknown id.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
use kummerer_contracts::ids::{CarrierId, CrewId, JobId};
use kummerer_service::Problem;
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::app::dispatch as app;
use crate::db::dispatch;
use crate::http::auth::Operator;
use crate::http::view::{CarrierView, CrewList, CrewVisits, DispatchDay, JobView, VisitView};

#[derive(Debug, Deserialize)]
pub struct CarrierBody {
    pub name: String,
}

/// A carrier just made, with its first API token in `api_token` (shown this once).
#[derive(Debug, Serialize)]
pub struct CreatedCarrier {
    #[serde(flatten)]
    pub carrier: CarrierView,
    pub api_token: String,
    pub api_token_id: Uuid,
}

/// `POST /api/carriers {name}` (the operator) → 201 with the carrier and its first API token.
pub async fn create_carrier(
    db: web::Data<DatabaseConnection>,
    body: web::Json<CarrierBody>,
) -> Result<HttpResponse, Problem> {
    let name = app::carrier_name(&body.name)?;
    let made = app::create_carrier(db.get_ref(), &name).await?;
    Ok(HttpResponse::Created().json(CreatedCarrier {
        carrier: CarrierView::from(made.carrier),
        api_token: made.secret,
        api_token_id: made.token.id,
    }))
}

#[derive(Debug, Deserialize)]
pub struct RegionsBody {
    pub postcode_prefixes: Vec<String>,
    /// The regions' time zone (IANA, e.g. `Europe/Berlin`): the crew's and dispatcher's pages
    /// show and take times in it. Absent: unchanged.
    #[serde(default)]
    pub time_zone: Option<String>,
}

/// The postcode regions granted to a carrier.
#[derive(Debug, Serialize)]
pub struct Regions {
    pub carrier_id: CarrierId,
    /// Upper-case prefixes in order; a postcode is in a region when it starts with one
    /// (whitespace removed, letters upper-cased).
    pub postcode_prefixes: Vec<String>,
    /// The regions' time zone (IANA): the crew's and dispatcher's pages are in its local time.
    pub time_zone: String,
}

/// `GET /api/carriers/{cid}/regions` (the operator, or the carrier itself) → the regions the
/// operator granted the carrier.
pub async fn regions(
    db: web::Data<DatabaseConnection>,
    path: web::Path<CarrierId>,
) -> Result<HttpResponse, Problem> {
    let carrier_id = path.into_inner();
    let (postcode_prefixes, time_zone) = app::regions(db.get_ref(), carrier_id).await?;
    Ok(HttpResponse::Ok().json(Regions {
        carrier_id,
        postcode_prefixes,
        time_zone,
    }))
}

/// `PUT /api/carriers/{cid}/regions {postcode_prefixes, time_zone?}` (the operator only) → 200 with the
/// grant as stored: it replaces the carrier's regions (`[]` takes them all away). 422 for a bad
/// prefix, 404 for an unknown carrier, 401 for a carrier's token.
pub async fn grant_regions(
    _: Operator,
    db: web::Data<DatabaseConnection>,
    path: web::Path<CarrierId>,
    body: web::Json<RegionsBody>,
) -> Result<HttpResponse, Problem> {
    let carrier_id = path.into_inner();
    let (postcode_prefixes, time_zone) = app::grant_regions(
        db.get_ref(),
        carrier_id,
        &body.postcode_prefixes,
        body.time_zone.as_deref(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(Regions {
        carrier_id,
        postcode_prefixes,
        time_zone,
    }))
}

#[derive(Debug, Deserialize)]
pub struct CrewBody {
    pub name: String,
    pub home_postcode_prefixes: Vec<String>,
    pub visits_per_day: i64,
    #[serde(default)]
    pub active: Option<bool>,
}

/// `POST /api/carriers/{cid}/crews {name, home_postcode_prefixes, visits_per_day, active?}` →
/// 201. Each prefix must start with one of the carrier's granted regions, else 422
/// `prefix_outside_regions` (the carrier picks its crews' areas inside its grant, never beyond).
pub async fn create_crew(
    db: web::Data<DatabaseConnection>,
    path: web::Path<CarrierId>,
    body: web::Json<CrewBody>,
) -> Result<HttpResponse, Problem> {
    let new = app::new_crew(
        &body.name,
        &body.home_postcode_prefixes,
        body.visits_per_day,
        body.active,
    )?;
    let crew = app::create_crew(db.get_ref(), path.into_inner(), &new).await?;
    Ok(HttpResponse::Created().json(crew))
}

/// `GET /api/carriers/{cid}/crews` → `{items}` by name.
pub async fn list_crews(
    db: web::Data<DatabaseConnection>,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    let carrier_id = path.into_inner();
    crate::db::carriers::find(db.get_ref(), carrier_id)
        .await?
        .ok_or_else(|| Problem::not_found("carrier"))?;
    let items = dispatch::crews_of(db.get_ref(), carrier_id).await?;
    Ok(HttpResponse::Ok().json(CrewList { items }))
}

#[derive(Debug, Deserialize)]
pub struct DateQuery {
    pub date: NaiveDate,
}

/// `GET /api/carriers/{cid}/dispatch?date=YYYY-MM-DD`: the day's jobs by crew, and the
/// unassigned ones in the carrier's granted regions.
pub async fn day(
    db: web::Data<DatabaseConnection>,
    path: web::Path<CarrierId>,
    query: web::Query<DateQuery>,
) -> Result<HttpResponse, Problem> {
    let board = app::board(db.get_ref(), path.into_inner(), query.date).await?;
    Ok(HttpResponse::Ok().json(DispatchDay::from(board)))
}

#[derive(Debug, Deserialize)]
pub struct AssignBody {
    pub crew_id: CrewId,
    pub reason: String,
}

/// `POST /api/carriers/{cid}/jobs/{id}/assign {crew_id, reason}`: see [`app::reassign`].
pub async fn assign(
    db: web::Data<DatabaseConnection>,
    path: web::Path<(CarrierId, JobId)>,
    body: web::Json<AssignBody>,
) -> Result<HttpResponse, Problem> {
    let (carrier_id, job_id) = path.into_inner();
    let (job, events) =
        app::reassign(db.get_ref(), carrier_id, job_id, body.crew_id, &body.reason).await?;
    Ok(HttpResponse::Ok().json(JobView::new(job, Some(events))))
}

#[derive(Debug, Deserialize)]
pub struct RescheduleBody {
    pub window_start: DateTime<Utc>,
    pub window_end: DateTime<Utc>,
    pub reason: String,
}

/// `POST /api/carriers/{cid}/jobs/{id}/reschedule {window_start, window_end, reason}`: see
/// [`app::reschedule`].
pub async fn reschedule(
    db: web::Data<DatabaseConnection>,
    path: web::Path<(CarrierId, JobId)>,
    body: web::Json<RescheduleBody>,
) -> Result<HttpResponse, Problem> {
    let (carrier_id, job_id) = path.into_inner();
    let body = body.into_inner();
    let (job, events) = app::reschedule(
        db.get_ref(),
        carrier_id,
        job_id,
        (body.window_start, body.window_end),
        &body.reason,
    )
    .await?;
    Ok(HttpResponse::Ok().json(JobView::new(job, Some(events))))
}

/// `GET /api/crews/{crew_id}/visits?date=YYYY-MM-DD`: the crew's visits of the day in order,
/// with address, window, phone, what to deliver and what to collect.
pub async fn crew_visits(
    db: web::Data<DatabaseConnection>,
    path: web::Path<Uuid>,
    query: web::Query<DateQuery>,
) -> Result<HttpResponse, Problem> {
    let crew_id = path.into_inner();
    let date = query.date;
    let crew = dispatch::find_crew(db.get_ref(), crew_id)
        .await?
        .ok_or_else(|| Problem::not_found("crew"))?;
    let visits = dispatch::crew_day(db.get_ref(), crew_id, date)
        .await?
        .into_iter()
        .map(VisitView::from)
        .collect();
    Ok(HttpResponse::Ok().json(CrewVisits {
        crew_id,
        crew_name: crew.name,
        date,
        visits,
    }))
}
