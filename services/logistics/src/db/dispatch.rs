//! Carriers, crews and the assignment of jobs to crews' days.
//!
//! Locking order, everywhere: the crews first (all of them in one statement, in id order), then
//! the job. A crew's row is locked while its day is counted and its visits renumbered, so two
//! assignments to one crew are serialised and cannot overfill its day; taking crews before jobs
//! keeps a dispatcher's action and a consumer's assignment from waiting on each other in a circle.
//! A crew's failed attempt that is revisited (`app::visits::fail`) takes the same order:
//! it looks at the job unlocked, locks the crews that may take the revisit, then the job, and
//! starts over if the job changed crew in between.
//!
//! `crews.home_postcode_prefixes` is a `text[]`; it is written from a comma-joined string (the
//! prefixes are letters and digits only) and read as JSON, which spares the array feature.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QueryResult, QuerySelect, Statement, Value,
};
use serde::Serialize;
use uuid::Uuid;

use crate::db::{carrier_contracts, carrier_regions, jobs};
use crate::domain::dispatch::{COUNTED_STATUSES, Candidate, visit_date};
use crate::domain::{JobStatus, LIST_LIMIT};

/// A crew as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Crew {
    pub id: Uuid,
    pub carrier_id: Uuid,
    pub name: String,
    pub home_postcode_prefixes: Vec<String>,
    pub visits_per_day: i32,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

const CREW_COLUMNS: &str = "id, carrier_id, name, array_to_json(home_postcode_prefixes) AS prefixes, \
     visits_per_day, active, created_at";

/// The SQL that turns a postcode column into the key prefixes are matched against; the same
/// rule as [`crate::domain::dispatch::postcode_key`].
pub(crate) const POSTCODE_KEY_SQL: &str =
    r"upper(regexp_replace(jobs.address_postcode, '\s', '', 'g'))";

fn crew_from_row(row: &QueryResult) -> Result<Crew, DbErr> {
    let prefixes: serde_json::Value = row.try_get("", "prefixes")?;
    Ok(Crew {
        id: row.try_get("", "id")?,
        carrier_id: row.try_get("", "carrier_id")?,
        name: row.try_get("", "name")?,
        home_postcode_prefixes: serde_json::from_value(prefixes)
            .map_err(|e| DbErr::Custom(format!("crew prefixes: {e}")))?,
        visits_per_day: row.try_get("", "visits_per_day")?,
        active: row.try_get("", "active")?,
        created_at: row.try_get("", "created_at")?,
    })
}

async fn crews_where<C: ConnectionTrait>(
    db: &C,
    tail: &str,
    values: Vec<Value>,
) -> Result<Vec<Crew>, DbErr> {
    db.query_all_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        format!("SELECT {CREW_COLUMNS} FROM crews {tail}"),
        values,
    ))
    .await?
    .iter()
    .map(crew_from_row)
    .collect()
}

fn id_list(ids: &[Uuid]) -> String {
    ids.iter()
        .map(Uuid::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// What a new crew is made of (already checked).
#[derive(Debug, Clone)]
pub struct NewCrew {
    pub name: String,
    pub prefixes: Vec<String>,
    pub visits_per_day: i32,
    pub active: bool,
}

/// Creates a crew of `carrier_id`; `None` when the carrier already has a crew of that name.
pub async fn insert_crew<C: ConnectionTrait>(
    db: &C,
    carrier_id: Uuid,
    crew: &NewCrew,
    now: DateTime<Utc>,
) -> Result<Option<Crew>, DbErr> {
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "INSERT INTO crews (id, carrier_id, name, home_postcode_prefixes, visits_per_day, \
                 active, created_at) VALUES ($1, $2, $3, string_to_array($4, ','), $5, $6, $7) \
                 ON CONFLICT (carrier_id, name) DO NOTHING RETURNING {CREW_COLUMNS}"
            ),
            [
                Uuid::now_v7().into(),
                carrier_id.into(),
                crew.name.clone().into(),
                crew.prefixes.join(",").into(),
                crew.visits_per_day.into(),
                crew.active.into(),
                now.into(),
            ],
        ))
        .await?;
    row.as_ref().map(crew_from_row).transpose()
}

/// A carrier's crews by name.
pub async fn crews_of<C: ConnectionTrait>(db: &C, carrier_id: Uuid) -> Result<Vec<Crew>, DbErr> {
    crews_where(
        db,
        "WHERE carrier_id = $1 ORDER BY name, id",
        vec![carrier_id.into()],
    )
    .await
}

pub async fn find_crew<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<Option<Crew>, DbErr> {
    Ok(crews_where(db, "WHERE id = $1", vec![id.into()])
        .await?
        .into_iter()
        .next())
}

/// The crew, if it belongs to `carrier_id`.
pub async fn find_crew_of<C: ConnectionTrait>(
    db: &C,
    carrier_id: Uuid,
    id: Uuid,
) -> Result<Option<Crew>, DbErr> {
    Ok(crews_where(
        db,
        "WHERE id = $1 AND carrier_id = $2",
        vec![id.into(), carrier_id.into()],
    )
    .await?
    .into_iter()
    .next())
}

/// Whether the carrier may have retailer `retailer_id`'s job at the postcode (`postcode_key`,
/// already normalised) on `day`: granted the postcode and contracted by the retailer for it
/// ([`carrier_contracts::serves_sql`]).
pub async fn carrier_serves<C: ConnectionTrait>(
    db: &C,
    carrier_id: Uuid,
    retailer_id: Uuid,
    postcode_key: &str,
    day: NaiveDate,
) -> Result<bool, DbErr> {
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "SELECT {} AS covers",
                carrier_contracts::serves_sql("$1", "$3", "$2", Some("$4::date"))
            ),
            [
                carrier_id.into(),
                postcode_key.into(),
                retailer_id.into(),
                day.into(),
            ],
        ))
        .await?;
    match row {
        Some(row) => row.try_get("", "covers"),
        None => Ok(false),
    }
}

/// SQL: the crew covers the postcode `$1` and its carrier is granted it (a crew's prefixes count
/// only inside its carrier's grant, which the operator may have narrowed since).
fn matches() -> String {
    format!(
        "EXISTS (SELECT 1 FROM unnest(crews.home_postcode_prefixes) p WHERE starts_with($1, p)) \
         AND {}",
        carrier_regions::granted_sql("crews.carrier_id", "$1")
    )
}

/// Locks (in id order) every active crew, of any carrier, whose region covers the postcode
/// inside its carrier's grant, of the carriers retailer `retailer_id` contracted for the
/// postcode: on `day`'s weekday and with room left in the contract's daily capacity that day
/// when a day is given (a new job), on any day without. A crew's own prefixes never make a
/// carrier a candidate (issue 18: the region grab has no effect).
pub async fn lock_region_crews<C: ConnectionTrait>(
    db: &C,
    postcode_key: &str,
    retailer_id: Uuid,
    day: Option<NaiveDate>,
) -> Result<Vec<Crew>, DbErr> {
    let contracted = match day {
        Some(_) => carrier_contracts::routes_sql("crews.carrier_id", "$2", "$1", "$3::date"),
        None => carrier_contracts::serves_sql("crews.carrier_id", "$2", "$1", None),
    };
    let mut values = vec![postcode_key.into(), retailer_id.into()];
    if let Some(day) = day {
        values.push(day.into());
    }
    crews_where(
        db,
        &format!(
            "WHERE active AND {} AND {contracted} ORDER BY id FOR UPDATE",
            matches()
        ),
        values,
    )
    .await
}

/// Locks (in id order) the carrier's active crews whose region covers the postcode (inside the
/// carrier's grant), and the crew
/// `also` (the job's current crew) whatever its region or state.
pub async fn lock_carrier_region_crews<C: ConnectionTrait>(
    db: &C,
    carrier_id: Uuid,
    postcode_key: &str,
    also: Option<Uuid>,
) -> Result<Vec<Crew>, DbErr> {
    crews_where(
        db,
        &format!(
            "WHERE (carrier_id = $2 AND active AND {}) OR id = $3 ORDER BY id FOR UPDATE",
            matches()
        ),
        vec![postcode_key.into(), carrier_id.into(), also.into()],
    )
    .await
}

/// Locks (in id order) every active crew, of any carrier, whose region covers the postcode
/// inside its carrier's grant, and the crew `also` (the job's current crew) whatever its region
/// or state: a correction of the address may take a job from its crew to another region.
pub async fn lock_region_crews_and<C: ConnectionTrait>(
    db: &C,
    postcode_key: &str,
    also: Option<Uuid>,
) -> Result<Vec<Crew>, DbErr> {
    crews_where(
        db,
        &format!(
            "WHERE (active AND {}) OR id = $2 ORDER BY id FOR UPDATE",
            matches()
        ),
        vec![postcode_key.into(), also.into()],
    )
    .await
}

/// Locks the crews (in id order).
pub async fn lock_crews<C: ConnectionTrait>(db: &C, ids: &[Uuid]) -> Result<Vec<Crew>, DbErr> {
    crews_where(
        db,
        "WHERE id = ANY(string_to_array($1, ',')::uuid[]) ORDER BY id FOR UPDATE",
        vec![id_list(ids).into()],
    )
    .await
}

/// The crews as candidates for a visit on `date`, each with its visits that day other than
/// `job_id`. Call it with the crews locked, so the counts stay true until the commit.
pub async fn candidates<C: ConnectionTrait>(
    db: &C,
    crews: &[Crew],
    date: NaiveDate,
    job_id: Uuid,
) -> Result<Vec<Candidate>, DbErr> {
    Ok(candidates_on_days(db, crews, &[date], job_id)
        .await?
        .into_iter()
        .next()
        .unwrap_or_default())
}

/// The crews as candidates on each of `dates` (in that order), counted in one query; see
/// [`candidates`].
pub async fn candidates_on_days<C: ConnectionTrait>(
    db: &C,
    crews: &[Crew],
    dates: &[NaiveDate],
    job_id: Uuid,
) -> Result<Vec<Vec<Candidate>>, DbErr> {
    if crews.is_empty() || dates.is_empty() {
        return Ok(vec![Vec::new(); dates.len()]);
    }
    let ids: Vec<Uuid> = crews.iter().map(|c| c.id).collect();
    let statuses = COUNTED_STATUSES
        .iter()
        .map(|s| s.as_string())
        .collect::<Vec<_>>()
        .join(",");
    let days = dates
        .iter()
        .map(NaiveDate::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "SELECT crew_id, visit_date, count(*) AS n FROM jobs \
                 WHERE crew_id = ANY(string_to_array($1, ',')::uuid[]) \
                   AND visit_date = ANY(string_to_array($2, ',')::date[]) \
                   AND status = ANY(string_to_array($3, ',')) AND id <> $4 AND {} \
                 GROUP BY crew_id, visit_date",
                crate::db::customer_answers::NOT_FREED
            ),
            [
                id_list(&ids).into(),
                days.into(),
                statuses.into(),
                job_id.into(),
            ],
        ))
        .await?;
    let mut counts = HashMap::with_capacity(rows.len());
    for row in rows {
        counts.insert(
            (
                row.try_get::<Uuid>("", "crew_id")?,
                row.try_get::<NaiveDate>("", "visit_date")?,
            ),
            row.try_get::<i64>("", "n")?,
        );
    }
    Ok(dates
        .iter()
        .map(|date| {
            crews
                .iter()
                .map(|c| Candidate {
                    crew_id: c.id,
                    active: c.active,
                    prefixes: c.home_postcode_prefixes.clone(),
                    visits_per_day: c.visits_per_day,
                    visits_that_day: counts.get(&(c.id, *date)).copied().unwrap_or(0),
                    window_full: false,
                })
                .collect()
        })
        .collect())
}

/// Puts the job on `crew`'s day `date` (or takes it off any crew with `None`) and renumbers that
/// day. The caller holds the crew's lock and renumbers the day the job left.
pub async fn place<C: ConnectionTrait>(
    db: &C,
    job_id: Uuid,
    crew: Option<&Crew>,
    date: NaiveDate,
) -> Result<(), DbErr> {
    match crew {
        None => {
            db.execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "UPDATE jobs SET carrier_id = NULL, crew_id = NULL, position = NULL, \
                 visit_date = $2 WHERE id = $1",
                [job_id.into(), date.into()],
            ))
            .await?;
        }
        Some(crew) => {
            // A provisional position; the renumbering below puts it in window order.
            db.execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "UPDATE jobs SET carrier_id = $2, crew_id = $3, visit_date = $4, \
                 position = (SELECT count(*) + 1 FROM jobs o \
                             WHERE o.crew_id = $3 AND o.visit_date = $4 AND o.id <> $1) \
                 WHERE id = $1",
                [
                    job_id.into(),
                    crew.carrier_id.into(),
                    crew.id.into(),
                    date.into(),
                ],
            ))
            .await?;
            renumber(db, crew.id, date).await?;
        }
    }
    Ok(())
}

/// Numbers a crew's visits of a day 1, 2, … by window start (then id), touching only the rows
/// whose position changes.
pub async fn renumber<C: ConnectionTrait>(
    db: &C,
    crew_id: Uuid,
    date: NaiveDate,
) -> Result<(), DbErr> {
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "UPDATE jobs SET position = r.rn FROM ( \
             SELECT id, (row_number() OVER (ORDER BY window_start, id))::int AS rn \
             FROM jobs WHERE crew_id = $1 AND visit_date = $2) r \
         WHERE jobs.id = r.id AND jobs.position IS DISTINCT FROM r.rn",
        [crew_id.into(), date.into()],
    ))
    .await?;
    Ok(())
}

/// The day a job belongs to.
pub fn day_of(job: &jobs::Model) -> NaiveDate {
    job.visit_date
        .unwrap_or_else(|| visit_date(job.window_start))
}

/// A carrier's assigned jobs of a day, by crew and position.
pub async fn carrier_day<C: ConnectionTrait>(
    db: &C,
    carrier_id: Uuid,
    date: NaiveDate,
) -> Result<Vec<jobs::Model>, DbErr> {
    jobs::Entity::find()
        .filter(jobs::Column::CarrierId.eq(carrier_id))
        .filter(jobs::Column::VisitDate.eq(date))
        .filter(jobs::Column::CrewId.is_not_null())
        // A cancelled job keeps its crew but is no visit any more.
        .filter(jobs::Column::Status.ne(JobStatus::Cancelled))
        .order_by_asc(jobs::Column::CrewId)
        .order_by_asc(jobs::Column::Position)
        .order_by_asc(jobs::Column::Id)
        .all(db)
        .await
}

/// The jobs on the carrier's crews: all a carrier's token sees under `/api/jobs`.
pub fn assigned_to_carrier(carrier_id: Uuid) -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(jobs::Column::CarrierId.eq(carrier_id))
        .add(jobs::Column::CrewId.is_not_null())
}

/// The day's unassigned jobs the carrier serves (granted the postcode and contracted by the
/// job's retailer for it, [`carrier_contracts::serves_sql`]); at most [`LIST_LIMIT`], by window.
pub async fn unassigned_for_carrier<C: ConnectionTrait>(
    db: &C,
    carrier_id: Uuid,
    date: NaiveDate,
) -> Result<Vec<jobs::Model>, DbErr> {
    jobs::Entity::find()
        .from_raw_sql(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "SELECT jobs.* FROM jobs WHERE jobs.visit_date = $2 AND jobs.crew_id IS NULL \
                 AND jobs.status <> 'cancelled' AND {} ORDER BY jobs.window_start, jobs.id LIMIT {LIST_LIMIT}",
                carrier_contracts::serves_sql(
                    "$1",
                    "jobs.retailer_id",
                    POSTCODE_KEY_SQL,
                    Some("jobs.visit_date")
                )
            ),
            [carrier_id.into(), date.into()],
        ))
        .all(db)
        .await
}

/// A crew's visits of a day in the order it makes them.
pub async fn crew_day<C: ConnectionTrait>(
    db: &C,
    crew_id: Uuid,
    date: NaiveDate,
) -> Result<Vec<jobs::Model>, DbErr> {
    jobs::Entity::find()
        .filter(jobs::Column::CrewId.eq(crew_id))
        .filter(jobs::Column::VisitDate.eq(date))
        .filter(jobs::Column::Status.ne(JobStatus::Cancelled))
        .order_by_asc(jobs::Column::Position)
        .order_by_asc(jobs::Column::Id)
        .limit(LIST_LIMIT)
        .all(db)
        .await
}
