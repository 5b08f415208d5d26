//! Waiting jobs past their due time (see [`crate::domain::overdue`]): the sweep's candidates,
//! claimed with `FOR UPDATE SKIP LOCKED`, its marks, the count the metric reports, and the
//! overdue jobs a carrier's dispatcher sees at the top of the board.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, EntityTrait, Statement, Value};
use uuid::Uuid;

use crate::db::dispatch::POSTCODE_KEY_SQL;
use crate::db::jobs;
use crate::domain::overdue::Thresholds;

/// Most jobs one sweep handles.
pub const BATCH: u64 = 100;

/// SQL: the job is overdue at `$1` under `limits` (the same rule as
/// [`crate::domain::overdue::waiting`]).
fn overdue_sql(limits: &Thresholds) -> String {
    format!(
        "((jobs.status = 'scheduled' AND jobs.window_end <= $1) \
          OR (jobs.status = 'scheduled' AND jobs.crew_id IS NULL \
              AND jobs.window_start - interval '{lead} seconds' <= $1) \
          OR (jobs.status = 'failed' AND jobs.updated_at + interval '{within} seconds' <= $1))",
        lead = limits.unassigned_lead.num_seconds(),
        within = limits.reschedule_within.num_seconds(),
    )
}

fn stmt(sql: &str, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
}

/// Overdue jobs at `now`, locked (skipping those another sweep or a dispatcher holds); the
/// caller checks which of them were escalated for this wait already.
pub async fn claim_overdue<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    limits: &Thresholds,
) -> Result<Vec<jobs::Model>, DbErr> {
    jobs::Entity::find()
        .from_raw_sql(stmt(
            &format!(
                "SELECT jobs.* FROM jobs WHERE {} ORDER BY jobs.window_start, jobs.id \
                 LIMIT {BATCH} FOR UPDATE SKIP LOCKED",
                overdue_sql(limits)
            ),
            vec![now.into()],
        ))
        .all(db)
        .await
}

/// Whether some carrier serves the job (granted its postcode and contracted by its retailer for
/// it on its day); else its wait is the operator's.
pub async fn covered<C: ConnectionTrait>(db: &C, job_id: Uuid) -> Result<bool, DbErr> {
    let row = db
        .query_one_raw(stmt(
            &format!(
                "SELECT EXISTS (SELECT 1 FROM carriers s WHERE {}) AS covered \
                 FROM jobs WHERE jobs.id = $1",
                crate::db::carrier_contracts::serves_sql(
                    "s.id",
                    "jobs.retailer_id",
                    POSTCODE_KEY_SQL,
                    Some("jobs.visit_date")
                )
            ),
            vec![job_id.into()],
        ))
        .await?;
    match row {
        Some(r) => r.try_get("", "covered"),
        None => Ok(false),
    }
}

/// Marks the job escalated for `kind` at `at`, to `to`.
pub async fn mark_escalated<C: ConnectionTrait>(
    db: &C,
    job_id: Uuid,
    kind: &str,
    to: &str,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    db.execute_raw(stmt(
        "UPDATE jobs SET escalated_for = $2, escalated_to = $3, escalated_at = $4 WHERE id = $1",
        vec![job_id.into(), kind.into(), to.into(), at.into()],
    ))
    .await?;
    Ok(())
}

/// How many jobs are overdue at `now` (the metric `kummerer_logistics_jobs_overdue`).
pub async fn count<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    limits: &Thresholds,
) -> Result<i64, DbErr> {
    let row = db
        .query_one_raw(stmt(
            &format!(
                "SELECT count(*) AS n FROM jobs WHERE {}",
                overdue_sql(limits)
            ),
            vec![now.into()],
        ))
        .await?;
    match row {
        Some(r) => r.try_get("", "n"),
        None => Ok(0),
    }
}

/// The carrier's overdue jobs at `now` (on its crews, or unassigned where it serves the job's retailer: granted and contracted), of
/// any day, the longest overdue first.
pub async fn of_carrier<C: ConnectionTrait>(
    db: &C,
    carrier_id: Uuid,
    now: DateTime<Utc>,
    limits: &Thresholds,
) -> Result<Vec<jobs::Model>, DbErr> {
    jobs::Entity::find()
        .from_raw_sql(stmt(
            &format!(
                "SELECT jobs.* FROM jobs WHERE {} AND (jobs.carrier_id = $2 \
                 OR (jobs.crew_id IS NULL AND {})) ORDER BY jobs.window_start, jobs.id LIMIT {BATCH}",
                overdue_sql(limits),
                crate::db::carrier_contracts::serves_sql(
                    "$2",
                    "jobs.retailer_id",
                    POSTCODE_KEY_SQL,
                    Some("jobs.visit_date")
                )
            ),
            vec![now.into(), carrier_id.into()],
        ))
        .all(db)
        .await
}
