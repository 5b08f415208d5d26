//! `claim_withdrawals`: claims the retailer withdrew (their swap was cancelled), one row each.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement, Value};
use uuid::Uuid;

fn stmt(sql: &str, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
}

/// A withdrawal as recorded.
pub struct Withdrawal<'a> {
    pub claim_id: Uuid,
    pub withdrawn_at: DateTime<Utc>,
    pub reason: &'a str,
    pub status_then: &'a str,
    pub credited: bool,
}

/// Records the withdrawal; `false` when the claim was withdrawn before.
pub async fn insert<C: ConnectionTrait>(db: &C, w: Withdrawal<'_>) -> Result<bool, DbErr> {
    let done = db
        .execute_raw(stmt(
            "INSERT INTO claim_withdrawals (claim_id, withdrawn_at, reason, status_then, credited) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (claim_id) DO NOTHING",
            vec![
                w.claim_id.into(),
                w.withdrawn_at.into(),
                w.reason.into(),
                w.status_then.into(),
                w.credited.into(),
            ],
        ))
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Whether the claim was withdrawn.
pub async fn exists<C: ConnectionTrait>(db: &C, claim_id: Uuid) -> Result<bool, DbErr> {
    Ok(db
        .query_one_raw(stmt(
            "SELECT 1 AS one FROM claim_withdrawals WHERE claim_id = $1",
            vec![claim_id.into()],
        ))
        .await?
        .is_some())
}
