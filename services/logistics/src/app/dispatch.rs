//! The dispatcher's work and the carriers' set-up: carriers, crews, the day's board,
//! reassigning and rescheduling a visit, and moving a visit (which the revisit after a failed
//! attempt uses too).
//!
//! Everything is scoped by the carrier: a job on another carrier's crew, or another carrier's
//! crew, is unknown ([`DispatchError::NotFound`]) exactly like an unknown id. An unassigned job
//! is the operator's and the dispatchers' of every carrier the operator granted its postcode
//! ([`grant_regions`]); a carrier's crews cover only parts of its granted regions.

use chrono::{DateTime, NaiveDate, Utc};
use kummerer_contracts::TimeWindow;
use kummerer_contracts::ids::{CarrierId, CrewId, JobId};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    DbErr, TransactionTrait,
};
use serde_json::json;

use super::{Fields, Invalid};
use crate::db::page_prefs;
use crate::db::{self, carrier_regions, carrier_tokens, carriers, dispatch, jobs};
use crate::domain::JobStatus;
use crate::domain::dispatch::{
    NAME_MAX, REASON_MAX, VISITS_PER_DAY_MAX, check_reschedule, keep_or_choose_crew,
    outside_regions, parse_prefixes, parse_regions, postcode_key, visit_date,
};
use crate::outbound;

pub use super::visits::Outcome;
pub use crate::db::dispatch::{Crew, NewCrew};

/// How often a dispatcher action starts over when the job moved to another crew between the
/// first look and the lock.
pub(crate) const ATTEMPTS: usize = 5;

/// Why a dispatcher's or a carrier's action was refused.
#[derive(Debug, thiserror::Error)]
pub enum DispatchError {
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// No such `job`, `crew` or `carrier` (or not the carrier's).
    #[error("no such {0}")]
    NotFound(&'static str),
    #[error("job {0}: the visit is done and stays on its crew's day")]
    AlreadyCompleted(JobId),
    #[error("crew {0} is not active")]
    CrewInactive(CrewId),
    #[error("crew {crew} already has its {visits_per_day} visits on {date}")]
    CrewFull {
        crew: CrewId,
        visits_per_day: i32,
        date: NaiveDate,
    },
    #[error("the carrier already has a crew named {0:?}")]
    CrewNameTaken(String),
    /// Crew prefixes outside the regions the operator granted the carrier.
    #[error(
        "postcode prefixes outside the carrier's granted regions: {}; the operator grants regions",
        .0.join(", ")
    )]
    OutsideRegions(Vec<String>),
    /// The job kept moving between crews while the request waited.
    #[error("job {0} kept moving while this request waited; reload and try again")]
    Busy(JobId),
    #[error("database: {0}")]
    Db(#[from] DbErr),
    #[error("job {0}: the retailer cancelled the visit")]
    Cancelled(JobId),
}

/// A carrier just made, with its first API token (the secret shown this once).
#[derive(Debug)]
pub struct NewCarrier {
    pub carrier: carriers::Model,
    pub token: carrier_tokens::CarrierToken,
    pub secret: String,
}

/// A carrier's name, checked.
pub fn carrier_name(name: &str) -> Result<String, Invalid> {
    let mut v = Fields::new();
    let name = v.text("name", name, NAME_MAX);
    v.finish()?;
    Ok(name)
}

/// Makes a carrier and its first API token, in one transaction.
pub async fn create_carrier(db: &DatabaseConnection, name: &str) -> Result<NewCarrier, DbErr> {
    let now = Utc::now();
    let txn = db.begin().await?;
    let carrier = crate::db::carriers::insert(&txn, name, now).await?;
    let (token, secret) = carrier_tokens::create(&txn, carrier.id, "first token", now).await?;
    super::contracts::announce_profile(&txn, carrier.id).await?;
    txn.commit().await?;
    tracing::info!(carrier.id = %carrier.id, token.id = %token.id, "carrier created");
    Ok(NewCarrier {
        carrier,
        token,
        secret,
    })
}

/// A new crew as asked for, checked.
pub fn new_crew(
    name: &str,
    home_postcode_prefixes: &[String],
    visits_per_day: i64,
    active: Option<bool>,
) -> Result<NewCrew, Invalid> {
    let mut v = Fields::new();
    let name = v.text("name", name, NAME_MAX);
    let prefixes = parse_prefixes(home_postcode_prefixes)
        .map_err(|e| v.add("home_postcode_prefixes", e))
        .unwrap_or_default();
    let visits_per_day = i32::try_from(visits_per_day)
        .ok()
        .filter(|n| (1..=VISITS_PER_DAY_MAX).contains(n));
    if visits_per_day.is_none() {
        v.add(
            "visits_per_day",
            format!("must be between 1 and {VISITS_PER_DAY_MAX}"),
        );
    }
    v.finish()?;
    Ok(NewCrew {
        name,
        prefixes,
        visits_per_day: visits_per_day.unwrap_or(1),
        active: active.unwrap_or(true),
    })
}

/// Makes a crew of the carrier; its name must be new for the carrier, and its prefixes must lie
/// inside the regions the operator granted the carrier (each starts with a granted prefix).
pub async fn create_crew(
    db: &DatabaseConnection,
    carrier_id: CarrierId,
    new: &NewCrew,
) -> Result<Crew, DispatchError> {
    let txn = db.begin().await?;
    crate::db::carriers::lock(&txn, carrier_id.0)
        .await?
        .ok_or(DispatchError::NotFound("carrier"))?;
    let granted = carrier_regions::of(&txn, carrier_id.0).await?;
    let outside = outside_regions(&new.prefixes, &granted);
    if !outside.is_empty() {
        return Err(DispatchError::OutsideRegions(outside));
    }
    let crew = dispatch::insert_crew(&txn, carrier_id.0, new, Utc::now())
        .await?
        .ok_or_else(|| DispatchError::CrewNameTaken(new.name.clone()))?;
    txn.commit().await?;
    tracing::info!(carrier.id = %carrier_id, crew.id = %crew.id, "crew created");
    Ok(crew)
}

/// The regions (postcode prefixes) granted to the carrier, in order.
pub async fn regions(
    db: &DatabaseConnection,
    carrier_id: CarrierId,
) -> Result<(Vec<String>, String), DispatchError> {
    crate::db::carriers::find(db, carrier_id.0)
        .await?
        .ok_or(DispatchError::NotFound("carrier"))?;
    Ok((
        carrier_regions::of(db, carrier_id.0).await?,
        time_zone_of(db, carrier_id.0).await?,
    ))
}

/// The time zone the carrier's regions are in (the carrier's own without regions).
async fn time_zone_of<C: sea_orm::ConnectionTrait>(
    db: &C,
    carrier_id: uuid::Uuid,
) -> Result<String, DbErr> {
    Ok(match page_prefs::region_time_zone(db, carrier_id).await? {
        Some(tz) => tz,
        None => page_prefs::carrier_time_zone(db, carrier_id).await?,
    })
}

/// The operator grants the carrier exactly `raw` as its regions (an empty list takes them all
/// away), and sets their time zone (the pages' local time) when `time_zone` names one; answers
/// the grant as stored with its time zone. Crews keep their prefixes, but a prefix outside the
/// new grant no longer routes jobs to them, and the region's unassigned jobs no longer show.
pub async fn grant_regions(
    db: &DatabaseConnection,
    carrier_id: CarrierId,
    raw: &[String],
    time_zone: Option<&str>,
) -> Result<(Vec<String>, String), DispatchError> {
    let prefixes = parse_regions(raw).map_err(|e| Invalid::field("postcode_prefixes", e))?;
    let time_zone = match time_zone {
        None => None,
        Some(raw) => Some(
            kummerer_web::i18n::parse_tz(raw)
                .ok_or_else(|| {
                    Invalid::field(
                        "time_zone",
                        "must be an IANA time zone name such as Europe/Berlin",
                    )
                })?
                .name()
                .to_owned(),
        ),
    };
    let txn = db.begin().await?;
    crate::db::carriers::lock(&txn, carrier_id.0)
        .await?
        .ok_or(DispatchError::NotFound("carrier"))?;
    carrier_regions::replace(&txn, carrier_id.0, &prefixes, Utc::now()).await?;
    if let Some(tz) = &time_zone {
        page_prefs::set_region_time_zone(&txn, carrier_id.0, tz).await?;
        page_prefs::set_carrier_time_zone(&txn, carrier_id.0, tz).await?;
    }
    let granted = carrier_regions::of(&txn, carrier_id.0).await?;
    let tz = time_zone_of(&txn, carrier_id.0).await?;
    super::contracts::announce_profile(&txn, carrier_id.0).await?;
    txn.commit().await?;
    tracing::info!(carrier.id = %carrier_id, regions = ?granted, time_zone = %tz,
        "carrier's regions granted");
    Ok((granted, tz))
}

/// The carrier's day: its crews with their jobs in order, and the unassigned jobs in the
/// carrier's granted regions.
#[derive(Debug)]
pub struct Board {
    pub carrier_id: CarrierId,
    pub date: NaiveDate,
    pub crews: Vec<(Crew, Vec<jobs::Model>)>,
    pub unassigned: Vec<jobs::Model>,
}

/// The carrier's [`Board`] of `date`. The JSON board and the dispatcher's page both come here.
pub async fn board(
    db: &DatabaseConnection,
    carrier_id: CarrierId,
    date: NaiveDate,
) -> Result<Board, DispatchError> {
    crate::db::carriers::find(db, carrier_id.0)
        .await?
        .ok_or(DispatchError::NotFound("carrier"))?;
    let crews = dispatch::crews_of(db, carrier_id.0).await?;
    let mut assigned = dispatch::carrier_day(db, carrier_id.0, date).await?;
    let unassigned = dispatch::unassigned_for_carrier(db, carrier_id.0, date).await?;
    let crews = crews
        .into_iter()
        .map(|crew| {
            let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut assigned)
                .into_iter()
                .partition(|j| j.crew_id == Some(crew.id));
            assigned = rest;
            (crew, mine)
        })
        .collect();
    Ok(Board {
        carrier_id,
        date,
        crews,
        unassigned,
    })
}

/// Whether the carrier's dispatcher may see and act on the job: it is on one of the carrier's
/// crews, or on none and the carrier serves it — granted its postcode by the operator and
/// contracted by the job's retailer for it on its day (issue 18).
async fn dispatchable<C: ConnectionTrait>(
    txn: &C,
    carrier_id: CarrierId,
    job: &jobs::Model,
) -> Result<bool, DbErr> {
    Ok(match job.crew_id {
        Some(_) => job.carrier_id == Some(carrier_id.0),
        None => {
            dispatch::carrier_serves(
                txn,
                carrier_id.0,
                job.retailer_id,
                &postcode_key(&job.address_postcode),
                dispatch::day_of(job),
            )
            .await?
        }
    })
}

/// The job as the carrier's dispatcher may see it (unlocked, a first look); `None` when it is
/// unknown, on another carrier's crew, or unassigned where the carrier does not serve it. The
/// dispatcher's routes (board, assign, reschedule) and pages check a job here.
pub async fn visible_job<C: ConnectionTrait>(
    txn: &C,
    carrier_id: CarrierId,
    job_id: JobId,
) -> Result<Option<jobs::Model>, DbErr> {
    match db::jobs::find(txn, job_id.0).await? {
        Some(job) if dispatchable(txn, carrier_id, &job).await? => Ok(Some(job)),
        _ => Ok(None),
    }
}

/// The job if it is on one of the carrier's crews (unlocked, a first look); `None` otherwise,
/// unassigned jobs included. A carrier's token reaches a job under `/api/jobs/{id}` only so.
pub async fn assigned_job<C: ConnectionTrait>(
    txn: &C,
    carrier_id: CarrierId,
    job_id: JobId,
) -> Result<Option<jobs::Model>, DbErr> {
    Ok(db::jobs::find(txn, job_id.0)
        .await?
        .filter(|job| job.crew_id.is_some() && job.carrier_id == Some(carrier_id.0)))
}

async fn peek_job<C: ConnectionTrait>(
    txn: &C,
    carrier_id: CarrierId,
    job_id: JobId,
) -> Result<jobs::Model, DispatchError> {
    visible_job(txn, carrier_id, job_id)
        .await?
        .ok_or(DispatchError::NotFound("job"))
}

/// The job locked; `None` when it moved to another crew or day since `seen` (start over).
async fn relock_job(
    txn: &DatabaseTransaction,
    seen: &jobs::Model,
) -> Result<Option<jobs::Model>, DispatchError> {
    let job = db::jobs::lock(txn, seen.id)
        .await?
        .ok_or(DispatchError::NotFound("job"))?;
    Ok((job.crew_id == seen.crew_id).then_some(job))
}

fn refuse_completed(job: &jobs::Model) -> Result<(), DispatchError> {
    if job.status == JobStatus::Completed {
        return Err(DispatchError::AlreadyCompleted(JobId(job.id)));
    }
    if job.status == JobStatus::Cancelled {
        return Err(DispatchError::Cancelled(JobId(job.id)));
    }
    Ok(())
}

/// A dispatcher's reason, checked.
fn reason_of(reason: &str) -> Result<String, Invalid> {
    let mut v = Fields::new();
    let reason = v.text("reason", reason, REASON_MAX);
    v.finish()?;
    Ok(reason)
}

/// Puts the job on one of the carrier's crews (which must have room that day); records
/// `reassigned` with from, to and reason. Assigning a job to the crew it is on changes nothing.
pub async fn reassign(
    db: &DatabaseConnection,
    carrier_id: CarrierId,
    job_id: JobId,
    crew_id: CrewId,
    reason: &str,
) -> Result<Outcome, DispatchError> {
    let reason = reason_of(reason)?;
    for _ in 0..ATTEMPTS {
        let txn = db.begin().await?;
        let seen = peek_job(&txn, carrier_id, job_id).await?;
        let target = dispatch::find_crew_of(&txn, carrier_id.0, crew_id.0)
            .await?
            .ok_or(DispatchError::NotFound("crew"))?;
        let ids: Vec<_> = seen.crew_id.into_iter().chain([target.id]).collect();
        let locked = dispatch::lock_crews(&txn, &ids).await?;
        let Some(job) = relock_job(&txn, &seen).await? else {
            continue;
        };
        refuse_completed(&job)?;
        let date = dispatch::day_of(&job);
        if job.crew_id == Some(target.id) {
            let events = db::job_events::of_job(&txn, job_id.0).await?;
            return Ok((job, events));
        }
        let target = locked
            .into_iter()
            .find(|c| c.id == target.id)
            .ok_or(DispatchError::NotFound("crew"))?;
        if !target.active {
            return Err(DispatchError::CrewInactive(CrewId(target.id)));
        }
        let candidate = dispatch::candidates(&txn, std::slice::from_ref(&target), date, job.id)
            .await?
            .into_iter()
            .next();
        if !candidate.is_some_and(|c| c.has_room()) {
            return Err(DispatchError::CrewFull {
                crew: CrewId(target.id),
                visits_per_day: target.visits_per_day,
                date,
            });
        }
        let now = Utc::now();
        dispatch::place(&txn, job.id, Some(&target), date).await?;
        if let Some(old) = job.crew_id {
            dispatch::renumber(&txn, old, date).await?;
        }
        let mut active: jobs::ActiveModel = job.clone().into();
        active.updated_at = Set(now);
        active.update(&txn).await?;
        db::job_events::insert(
            &txn,
            job_id.0,
            db::job_events::kind::REASSIGNED,
            now,
            json!({
                "from": job.crew_id,
                "to": target.id,
                "carrier_id": carrier_id,
                "reason": reason,
            }),
        )
        .await?;
        let job = db::jobs::find(&txn, job_id.0)
            .await?
            .ok_or(DispatchError::NotFound("job"))?;
        let events = db::job_events::of_job(&txn, job_id.0).await?;
        txn.commit().await?;
        tracing::info!(job.id = %job_id, carrier.id = %carrier_id, crew.id = %target.id, "job reassigned");
        return Ok((job, events));
    }
    Err(DispatchError::Busy(job_id))
}

/// Moves the visit to a new window. It stays with its crew when the crew has room on the new
/// day; else it goes to the carrier's best crew with room there, or to none. A failed job is
/// scheduled again; the retailer learns the new window (`logistics.job.scheduled.v1`).
pub async fn reschedule(
    db: &DatabaseConnection,
    carrier_id: CarrierId,
    job_id: JobId,
    (start, end): (DateTime<Utc>, DateTime<Utc>),
    reason: &str,
) -> Result<Outcome, DispatchError> {
    let now = Utc::now();
    let mut v = Fields::new();
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
            dispatch::lock_carrier_region_crews(&txn, carrier_id.0, &key, seen.crew_id).await?;
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
                    .any(|l| l.id == c.crew_id && l.carrier_id == carrier_id.0)
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
                carrier_id: carrier_id.0,
                reason: &reason,
                at: now,
            },
        )
        .await?;
        let job = db::jobs::find(&txn, job_id.0)
            .await?
            .ok_or(DispatchError::NotFound("job"))?;
        let events = db::job_events::of_job(&txn, job_id.0).await?;
        txn.commit().await?;
        tracing::info!(job.id = %job_id, carrier.id = %carrier_id, crew.id = ?crew_id, "job rescheduled");
        return Ok((job, events));
    }
    Err(DispatchError::Busy(job_id))
}

/// A visit moving to another window: where to, onto which crew (or none), why and when.
pub struct Move<'a> {
    pub window: (DateTime<Utc>, DateTime<Utc>),
    pub crew: Option<&'a Crew>,
    /// The carrier on whose behalf it moves (the history's `carrier_id`).
    pub carrier_id: uuid::Uuid,
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
) -> Result<(), DbErr> {
    let (start, end) = mv.window;
    relocate(txn, job, mv.window, mv.crew, mv.at).await?;
    let crew_to = mv.crew.map(|c| c.id);
    db::job_events::insert(
        txn,
        job.id,
        db::job_events::kind::RESCHEDULED,
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
    outbound::scheduled(txn, job, TimeWindow { start, end }, mv.at).await
}

/// Puts the locked `job` (as it was before) into `window` and onto `crew` (or none), without a
/// history entry or a message: the window and its day, a failed job `scheduled` again, its
/// place on the new day and the old day renumbered. The caller holds the locks of the job's
/// current crew and of `crew` (crews before the job). A move ([`move_visit`]) and a correction
/// asked by the retailer ([`crate::app::correct`]) share it.
pub async fn relocate(
    txn: &DatabaseTransaction,
    job: &jobs::Model,
    (start, end): (DateTime<Utc>, DateTime<Utc>),
    crew: Option<&Crew>,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    let new_date = visit_date(start);
    let old_date = dispatch::day_of(job);
    let mut active: jobs::ActiveModel = job.clone().into();
    active.window_start = Set(start);
    active.window_end = Set(end);
    active.visit_date = Set(Some(new_date));
    if job.status == JobStatus::Failed {
        active.status = Set(JobStatus::Scheduled);
    }
    active.updated_at = Set(at);
    active.update(txn).await?;
    dispatch::place(txn, job.id, crew, new_date).await?;
    if let Some(old) = job.crew_id {
        dispatch::renumber(txn, old, old_date).await?;
    }
    Ok(())
}
