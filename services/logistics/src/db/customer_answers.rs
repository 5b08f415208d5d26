//! `job_customer_answers` (migration `m20261206_000300_customer_answers`): the customer's latest
//! answer about a job's visit from the status page (`retailer.swap.customer_answered.v1`):
//! `confirmed`, or `not_home` with their note. A visit the customer won't be home for stays on
//! its crew, so the crew and the dispatcher see it, but takes no room any more
//! ([`NOT_FREED`] in the counts of [`crate::db::slots`] and [`crate::db::dispatch`]).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement, Value};
use uuid::Uuid;

/// A condition on `jobs` (aliased `jobs`): the job still takes its room (the customer did not
/// say they won't be home).
pub const NOT_FREED: &str = "NOT EXISTS (SELECT 1 FROM job_customer_answers ca \
                             WHERE ca.job_id = jobs.id AND ca.answer = 'not_home')";

pub mod answer {
    pub const CONFIRMED: &str = "confirmed";
    pub const NOT_HOME: &str = "not_home";
}

/// A job's latest answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub answer_id: Uuid,
    /// `confirmed` or `not_home`.
    pub answer: String,
    pub note: Option<String>,
    pub window_start: DateTime<Utc>,
    pub window_end: DateTime<Utc>,
    pub answered_at: DateTime<Utc>,
}

impl Answer {
    pub fn not_home(&self) -> bool {
        self.answer == answer::NOT_HOME
    }
}

fn stmt(sql: &str, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
}

/// Records `a` as the job's answer (replacing an earlier one).
pub async fn put<C: ConnectionTrait>(db: &C, job_id: Uuid, a: &Answer) -> Result<(), DbErr> {
    db.execute_raw(stmt(
        "INSERT INTO job_customer_answers (job_id, answer_id, answer, note, window_start, \
         window_end, answered_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (job_id) DO UPDATE SET answer_id = $2, answer = $3, note = $4, \
         window_start = $5, window_end = $6, answered_at = $7",
        vec![
            job_id.into(),
            a.answer_id.into(),
            a.answer.clone().into(),
            a.note.clone().into(),
            a.window_start.into(),
            a.window_end.into(),
            a.answered_at.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// Forgets the job's answer (its visit moved: the answer was about the old window).
pub async fn clear<C: ConnectionTrait>(db: &C, job_id: Uuid) -> Result<(), DbErr> {
    db.execute_raw(stmt(
        "DELETE FROM job_customer_answers WHERE job_id = $1",
        vec![job_id.into()],
    ))
    .await?;
    Ok(())
}

fn answer_of(r: &sea_orm::QueryResult) -> Result<(Uuid, Answer), DbErr> {
    Ok((
        r.try_get("", "job_id")?,
        Answer {
            answer_id: r.try_get("", "answer_id")?,
            answer: r.try_get("", "answer")?,
            note: r.try_get("", "note")?,
            window_start: r.try_get("", "window_start")?,
            window_end: r.try_get("", "window_end")?,
            answered_at: r.try_get("", "answered_at")?,
        },
    ))
}

/// The answer of each of `job_ids` that has one.
pub async fn of_jobs<C: ConnectionTrait>(
    db: &C,
    job_ids: &[Uuid],
) -> Result<HashMap<Uuid, Answer>, DbErr> {
    if job_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let ids = job_ids
        .iter()
        .map(Uuid::to_string)
        .collect::<Vec<_>>()
        .join(",");
    db.query_all_raw(stmt(
        "SELECT job_id, answer_id, answer, note, window_start, window_end, answered_at \
         FROM job_customer_answers WHERE job_id = ANY(string_to_array($1, ',')::uuid[])",
        vec![ids.into()],
    ))
    .await?
    .iter()
    .map(answer_of)
    .collect()
}

/// The job's answer, if any.
pub async fn of_job<C: ConnectionTrait>(db: &C, job_id: Uuid) -> Result<Option<Answer>, DbErr> {
    Ok(of_jobs(db, &[job_id]).await?.remove(&job_id))
}
