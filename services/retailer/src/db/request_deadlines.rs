//! The approval requests' deadlines: which open requests are due or expired at an instant,
//! claimed with `FOR UPDATE SKIP LOCKED` (replicas side by side handle each once), and the
//! escalated ones every manager and admin sees on the dashboard.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, FromQueryResult, Statement, Value};
use uuid::Uuid;

/// How many requests one sweep handles at most (per effect).
pub const BATCH: u64 = 100;

fn stmt(sql: &str, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
}

/// A request a sweep acted on.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Swept {
    pub id: Uuid,
    pub retailer_id: Uuid,
    pub case_id: Uuid,
}

/// Open requests past their expiry at `now` end `expired` (decided by nobody, at `now`).
pub async fn expire_due<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
) -> Result<Vec<Swept>, DbErr> {
    Swept::find_by_statement(stmt(
        "WITH due AS (SELECT id FROM approval_requests WHERE status = 'open' AND expires_at <= $1 \
             ORDER BY expires_at, id LIMIT $2 FOR UPDATE SKIP LOCKED) \
         UPDATE approval_requests r SET status = 'expired', decided_at = $1 FROM due \
         WHERE r.id = due.id RETURNING r.id, r.retailer_id, r.case_id",
        vec![now.into(), (BATCH as i64).into()],
    ))
    .all(db)
    .await
}

/// Open requests past their due time at `now`, not escalated yet, are escalated (once).
pub async fn escalate_due<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
) -> Result<Vec<Swept>, DbErr> {
    Swept::find_by_statement(stmt(
        "WITH due AS (SELECT id FROM approval_requests WHERE status = 'open' \
             AND escalated_at IS NULL AND due_at <= $1 \
             ORDER BY due_at, id LIMIT $2 FOR UPDATE SKIP LOCKED) \
         UPDATE approval_requests r SET escalated_at = $1 FROM due \
         WHERE r.id = due.id RETURNING r.id, r.retailer_id, r.case_id",
        vec![now.into(), (BATCH as i64).into()],
    ))
    .all(db)
    .await
}

/// An escalated request still waiting, as the dashboard lists it.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Overdue {
    pub id: Uuid,
    pub case_id: Uuid,
    pub requester_name: String,
    pub created_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// The retailer's escalated open requests, the longest overdue first.
pub async fn escalated<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
) -> Result<Vec<Overdue>, DbErr> {
    Overdue::find_by_statement(stmt(
        "SELECT r.id, r.case_id, \
             coalesce(q.name, 'API key «' || k.name || '»') AS requester_name, \
             r.created_at, r.due_at, r.expires_at \
         FROM approval_requests r LEFT JOIN staff q ON q.id = r.requested_by \
             LEFT JOIN integration_keys k ON k.id = r.requested_by_key \
         WHERE r.retailer_id = $1 AND r.status = 'open' AND r.escalated_at IS NOT NULL \
         ORDER BY r.due_at, r.id LIMIT 100",
        vec![retailer_id.into()],
    ))
    .all(db)
    .await
}
