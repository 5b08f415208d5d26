//! Carriers, crews and the dispatcher's work: the day's board, reassigning and rescheduling.
//!
//! Every dispatcher route is scoped by the carrier in its path: a job on another carrier's crew,
//! or another carrier's crew, answers 404 exactly like an unknown id. An unassigned job belongs to
//! every carrier whose crews cover its postcode. The JSON routes and the dispatcher's pages
//! (`http::dispatcher`) call the same [`board`], [`reassign`] and [`reschedule_job`].

use actix_web::{HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
use kummerer_contracts::TimeWindow;
use kummerer_service::{FieldErrors, Problem};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::db::{self, carrier_tokens, dispatch, job_events, jobs};
use crate::domain::JobStatus;
use crate::domain::dispatch::{
    NAME_MAX, REASON_MAX, VISITS_PER_DAY_MAX, check_reschedule, keep_or_choose_crew,
    parse_prefixes, postcode_key, visit_date,
};
use crate::http::view::{
    CarrierView, CrewJobs, CrewList, CrewVisits, DispatchDay, JobView, VisitView,
};

/// How often a dispatcher action starts over when the job moved to another crew between the
/// first look and the lock.
pub(crate) const ATTEMPTS: usize = 5;

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
    let mut v = FieldErrors::new();
    let name = v.text("name", &body.name, NAME_MAX);
    v.finish()?;
    let now = Utc::now();
    let txn = db.begin().await?;
    let carrier = dispatch::insert_carrier(&txn, &name, now).await?;
    let (token, secret) = carrier_tokens::create(&txn, carrier.id, "first token", now).await?;
    txn.commit().await?;
    tracing::info!(carrier.id = %carrier.id, token.id = %token.id, "carrier created");
    Ok(HttpResponse::Created().json(CreatedCarrier {
        carrier: CarrierView::from(carrier),
        api_token: secret,
        api_token_id: token.id,
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

impl CrewBody {
    fn parse(&self) -> Result<dispatch::NewCrew, Problem> {
        let mut v = FieldErrors::new();
        let name = v.text("name", &self.name, NAME_MAX);
        let prefixes = parse_prefixes(&self.home_postcode_prefixes)
            .map_err(|e| v.add("home_postcode_prefixes", e))
            .unwrap_or_default();
        let visits_per_day = i32::try_from(self.visits_per_day)
            .ok()
            .filter(|n| (1..=VISITS_PER_DAY_MAX).contains(n));
        if visits_per_day.is_none() {
            v.add(
                "visits_per_day",
                format!("must be between 1 and {VISITS_PER_DAY_MAX}"),
            );
        }
        v.finish()?;
        Ok(dispatch::NewCrew {
            name,
            prefixes,
            visits_per_day: visits_per_day.unwrap_or(1),
            active: self.active.unwrap_or(true),
        })
    }
}

/// `POST /api/carriers/{cid}/crews {name, home_postcode_prefixes, visits_per_day, active?}` → 201.
pub async fn create_crew(
    db: web::Data<DatabaseConnection>,
    path: web::Path<Uuid>,
    body: web::Json<CrewBody>,
) -> Result<HttpResponse, Problem> {
    let carrier_id = path.into_inner();
    let new = body.parse()?;
    let txn = db.begin().await?;
    dispatch::find_carrier(&txn, carrier_id)
        .await?
        .ok_or_else(|| Problem::not_found("carrier"))?;
    let crew = dispatch::insert_crew(&txn, carrier_id, &new, Utc::now())
        .await?
        .ok_or_else(|| {
            Problem::conflict(
                "crew_name_taken",
                format!("the carrier already has a crew named {:?}", new.name),
            )
        })?;
    txn.commit().await?;
    tracing::info!(carrier.id = %carrier_id, crew.id = %crew.id, "crew created");
    Ok(HttpResponse::Created().json(crew))
}

/// `GET /api/carriers/{cid}/crews` → `{items}` by name.
pub async fn list_crews(
    db: web::Data<DatabaseConnection>,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    let carrier_id = path.into_inner();
    dispatch::find_carrier(db.get_ref(), carrier_id)
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
/// unassigned ones in the carrier's regions.
pub async fn day(
    db: web::Data<DatabaseConnection>,
    path: web::Path<Uuid>,
    query: web::Query<DateQuery>,
) -> Result<HttpResponse, Problem> {
    Ok(HttpResponse::Ok().json(board(db.get_ref(), path.into_inner(), query.date).await?))
}

/// The carrier's day: its crews with their jobs in order, and the unassigned jobs in the
/// carrier's regions. The JSON board and the dispatcher's page both come here.
pub async fn board(
    db: &DatabaseConnection,
    carrier_id: Uuid,
    date: NaiveDate,
) -> Result<DispatchDay, Problem> {
    dispatch::find_carrier(db, carrier_id)
        .await?
        .ok_or_else(|| Problem::not_found("carrier"))?;
    let crews = dispatch::crews_of(db, carrier_id).await?;
    let mut assigned = dispatch::carrier_day(db, carrier_id, date).await?;
    let unassigned = dispatch::unassigned_for_carrier(db, carrier_id, date).await?;
    let crews = crews
        .into_iter()
        .map(|crew| {
            let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut assigned)
                .into_iter()
                .partition(|j| j.crew_id == Some(crew.id));
            assigned = rest;
            CrewJobs {
                crew,
                jobs: mine.into_iter().map(|j| JobView::new(j, None)).collect(),
            }
        })
        .collect();
    Ok(DispatchDay {
        carrier_id,
        date,
        crews,
        unassigned: unassigned
            .into_iter()
            .map(|j| JobView::new(j, None))
            .collect(),
    })
}

/// Whether the carrier may see and act on the job: it is on one of the carrier's crews, or on
/// none and in one of the carrier's regions.
async fn visible_to<C: ConnectionTrait>(
    txn: &C,
    carrier_id: Uuid,
    job: &jobs::Model,
) -> Result<bool, Problem> {
    Ok(match job.crew_id {
        Some(_) => job.carrier_id == Some(carrier_id),
        None => {
            dispatch::carrier_covers(txn, carrier_id, &postcode_key(&job.address_postcode)).await?
        }
    })
}

/// The job as the carrier may see it (unlocked, a first look), or 404. The API's carrier
/// tokens and the dispatcher's pages check a job here.
pub async fn peek_job<C: ConnectionTrait>(
    txn: &C,
    carrier_id: Uuid,
    job_id: Uuid,
) -> Result<jobs::Model, Problem> {
    match db::find_job(txn, job_id).await? {
        Some(job) if visible_to(txn, carrier_id, &job).await? => Ok(job),
        _ => Err(Problem::not_found("job")),
    }
}

/// The job locked; `None` when it moved to another crew or day since `seen` (start over).
async fn relock_job(
    txn: &DatabaseTransaction,
    seen: &jobs::Model,
) -> Result<Option<jobs::Model>, Problem> {
    let job = db::lock_job(txn, seen.id)
        .await?
        .ok_or_else(|| Problem::not_found("job"))?;
    Ok((job.crew_id == seen.crew_id).then_some(job))
}

fn refuse_completed(job: &jobs::Model) -> Result<(), Problem> {
    if db::status_of(job)? == JobStatus::Completed {
        return Err(Problem::conflict(
            "job_already_completed",
            format!(
                "job {}: the visit is done and stays on its crew's day",
                job.id
            ),
        ));
    }
    Ok(())
}

pub(crate) fn busy(job_id: Uuid) -> Problem {
    Problem::conflict(
        "job_busy",
        format!("job {job_id} kept moving while this request waited; reload and try again"),
    )
}

#[derive(Debug, Deserialize)]
pub struct AssignBody {
    pub crew_id: Uuid,
    pub reason: String,
}

/// `POST /api/carriers/{cid}/jobs/{id}/assign {crew_id, reason}`: see [`reassign`].
pub async fn assign(
    db: web::Data<DatabaseConnection>,
    path: web::Path<(Uuid, Uuid)>,
    body: web::Json<AssignBody>,
) -> Result<HttpResponse, Problem> {
    let (carrier_id, job_id) = path.into_inner();
    let (job, events) =
        reassign(db.get_ref(), carrier_id, job_id, body.crew_id, &body.reason).await?;
    Ok(HttpResponse::Ok().json(JobView::new(job, Some(events))))
}

/// A job and its history, as an action leaves them.
pub type Outcome = (jobs::Model, Vec<job_events::Model>);

/// Puts the job on one of the carrier's crews (which must have room that day); records
/// `reassigned` with from, to and reason. Assigning a job to the crew it is on changes nothing.
/// The JSON API and the dispatcher's page both come here.
pub async fn reassign(
    db: &DatabaseConnection,
    carrier_id: Uuid,
    job_id: Uuid,
    crew_id: Uuid,
    reason: &str,
) -> Result<Outcome, Problem> {
    let mut v = FieldErrors::new();
    let reason = v.text("reason", reason, REASON_MAX);
    v.finish()?;
    for _ in 0..ATTEMPTS {
        let txn = db.begin().await?;
        let seen = peek_job(&txn, carrier_id, job_id).await?;
        let target = dispatch::find_crew_of(&txn, carrier_id, crew_id)
            .await?
            .ok_or_else(|| Problem::not_found("crew"))?;
        let ids: Vec<Uuid> = seen.crew_id.into_iter().chain([target.id]).collect();
        let locked = dispatch::lock_crews(&txn, &ids).await?;
        let Some(job) = relock_job(&txn, &seen).await? else {
            continue;
        };
        refuse_completed(&job)?;
        let date = dispatch::day_of(&job);
        if job.crew_id == Some(target.id) {
            let events = db::events_of(&txn, job_id).await?;
            return Ok((job, events));
        }
        let target = locked
            .into_iter()
            .find(|c| c.id == target.id)
            .ok_or_else(|| Problem::not_found("crew"))?;
        if !target.active {
            return Err(Problem::conflict(
                "crew_inactive",
                format!("crew {} is not active", target.id),
            ));
        }
        let candidate = dispatch::candidates(&txn, std::slice::from_ref(&target), date, job.id)
            .await?
            .into_iter()
            .next();
        if !candidate.is_some_and(|c| c.has_room()) {
            return Err(Problem::conflict(
                "crew_full",
                format!(
                    "crew {} already has its {} visits on {date}",
                    target.id, target.visits_per_day
                ),
            ));
        }
        let now = Utc::now();
        dispatch::place(&txn, job.id, Some(&target), date).await?;
        if let Some(old) = job.crew_id {
            dispatch::renumber(&txn, old, date).await?;
        }
        let mut active: jobs::ActiveModel = job.clone().into();
        active.updated_at = Set(now);
        active.update(&txn).await?;
        db::insert_event(
            &txn,
            job_id,
            db::kind::REASSIGNED,
            now,
            json!({
                "from": job.crew_id,
                "to": target.id,
                "carrier_id": carrier_id,
                "reason": reason,
            }),
        )
        .await?;
        let job = db::find_job(&txn, job_id)
            .await?
            .ok_or_else(|| Problem::not_found("job"))?;
        let events = db::events_of(&txn, job_id).await?;
        txn.commit().await?;
        tracing::info!(job.id = %job_id, carrier.id = %carrier_id, crew.id = %target.id, "job reassigned");
        return Ok((job, events));
    }
    Err(busy(job_id))
}

#[derive(Debug, Deserialize)]
pub struct RescheduleBody {
    pub window_start: DateTime<Utc>,
    pub window_end: DateTime<Utc>,
    pub reason: String,
}

/// `POST /api/carriers/{cid}/jobs/{id}/reschedule {window_start, window_end, reason}`: see
/// [`reschedule_job`].
pub async fn reschedule(
    db: web::Data<DatabaseConnection>,
    path: web::Path<(Uuid, Uuid)>,
    body: web::Json<RescheduleBody>,
) -> Result<HttpResponse, Problem> {
    let (carrier_id, job_id) = path.into_inner();
    let body = body.into_inner();
    let (job, events) = reschedule_job(
        db.get_ref(),
        carrier_id,
        job_id,
        (body.window_start, body.window_end),
        &body.reason,
    )
    .await?;
    Ok(HttpResponse::Ok().json(JobView::new(job, Some(events))))
}

/// Moves the visit to a new window. It stays with its crew when the crew has room on the new
/// day; else it goes to the carrier's best crew with room there, or to none. A failed job is
/// scheduled again; the retailer learns the new window (`logistics.job.scheduled.v1`). The JSON
/// API and the dispatcher's page both come here.
pub async fn reschedule_job(
    db: &DatabaseConnection,
    carrier_id: Uuid,
    job_id: Uuid,
    (start, end): (DateTime<Utc>, DateTime<Utc>),
    reason: &str,
) -> Result<Outcome, Problem> {
    let now = Utc::now();
    let mut v = FieldErrors::new();
    let reason = v.text("reason", reason, REASON_MAX);
    for (field, message) in check_reschedule(start, end, now) {
        v.add(field, message);
    }
    v.finish()?;
    let new_date = visit_date(start);
    for _ in 0..ATTEMPTS {
        let txn = db.begin().await?;
        let seen = peek_job(&txn, carrier_id, job_id).await?;
        let key = postcode_key(&seen.address_postcode);
        let locked =
            dispatch::lock_carrier_region_crews(&txn, carrier_id, &key, seen.crew_id).await?;
        let Some(job) = relock_job(&txn, &seen).await? else {
            continue;
        };
        refuse_completed(&job)?;
        let candidates = dispatch::candidates(&txn, &locked, new_date, job.id).await?;
        let own: Vec<_> = candidates
            .into_iter()
            .filter(|c| {
                locked
                    .iter()
                    .any(|l| l.id == c.crew_id && l.carrier_id == carrier_id)
            })
            .collect();
        let crew_id = keep_or_choose_crew(&own, &key, job.crew_id);
        let crew = crew_id.and_then(|id| locked.iter().find(|c| c.id == id));
        move_visit(
            &txn,
            &job,
            Move {
                window: (start, end),
                crew,
                carrier_id,
                reason: &reason,
                at: now,
            },
        )
        .await?;
        let job = db::find_job(&txn, job_id)
            .await?
            .ok_or_else(|| Problem::not_found("job"))?;
        let events = db::events_of(&txn, job_id).await?;
        txn.commit().await?;
        tracing::info!(job.id = %job_id, carrier.id = %carrier_id, crew.id = ?crew_id, "job rescheduled");
        return Ok((job, events));
    }
    Err(busy(job_id))
}

/// A visit moving to another window: where to, onto which crew (or none), why and when.
pub struct Move<'a> {
    pub window: (DateTime<Utc>, DateTime<Utc>),
    pub crew: Option<&'a dispatch::Crew>,
    /// The carrier on whose behalf it moves (the history's `carrier_id`).
    pub carrier_id: Uuid,
    pub reason: &'a str,
    pub at: DateTime<Utc>,
}

/// Moves the locked `job` to a new window and onto `crew` (or none), in the caller's
/// transaction: the window and its day, a failed job `scheduled` again, its place on the new
/// day and the old day renumbered, the history entry `rescheduled`, and
/// `logistics.job.scheduled.v1` with the new window for the retailer. The caller holds the locks
/// of the job's current crew and of `crew` (crews before the job).
pub async fn move_visit(
    txn: &DatabaseTransaction,
    job: &jobs::Model,
    mv: Move<'_>,
) -> Result<(), Problem> {
    let (start, end) = mv.window;
    let new_date = visit_date(start);
    let old_date = dispatch::day_of(job);
    let mut active: jobs::ActiveModel = job.clone().into();
    active.window_start = Set(start);
    active.window_end = Set(end);
    active.visit_date = Set(Some(new_date));
    if db::status_of(job)? == JobStatus::Failed {
        active.status = Set(JobStatus::Scheduled.as_str().to_owned());
    }
    active.updated_at = Set(mv.at);
    active.update(txn).await?;
    dispatch::place(txn, job.id, mv.crew, new_date).await?;
    if let Some(old) = job.crew_id {
        dispatch::renumber(txn, old, old_date).await?;
    }
    let crew_to = mv.crew.map(|c| c.id);
    db::insert_event(
        txn,
        job.id,
        db::kind::RESCHEDULED,
        mv.at,
        json!({
            "from": { "start": job.window_start, "end": job.window_end },
            "to": { "start": start, "end": end },
            "crew_from": job.crew_id,
            "crew_to": crew_to,
            "carrier_id": mv.carrier_id,
            "reason": mv.reason,
        }),
    )
    .await?;
    db::announce_scheduled(txn, job, TimeWindow { start, end }, mv.at).await?;
    Ok(())
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
