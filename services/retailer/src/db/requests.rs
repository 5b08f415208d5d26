//! `approval_requests`: a swap form a clerk sent to the managers' desks, and its outcome.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, FromQueryResult, Statement, Value};
use uuid::Uuid;

use crate::domain::RequestStatus;

fn stmt(sql: &str, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct Request {
    pub id: Uuid,
    pub retailer_id: Uuid,
    pub case_id: Uuid,
    /// The staff member who asked, or the integration key (`requested_by_key`).
    pub requested_by: Option<Uuid>,
    pub requested_by_key: Option<Uuid>,
    pub requester_name: String,
    pub requester_email: String,
    pub form: serde_json::Value,
    pub status: crate::domain::RequestStatus,
    pub decided_by_email: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decline_reason: Option<String>,
    pub swap_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    /// Past this, escalated once to every manager and admin (`escalated_at`).
    pub due_at: DateTime<Utc>,
    /// Past this, the request ends `expired`.
    pub expires_at: DateTime<Utc>,
    pub escalated_at: Option<DateTime<Utc>>,
}

// A key's request shows the key as the requester: `API key «name»` (as `app::actor` writes it).
const COLUMNS: &str = "r.id, r.retailer_id, r.case_id, r.requested_by, r.requested_by_key, \
    coalesce(q.name, 'API key «' || k.name || '»') AS requester_name, \
    coalesce(q.email, 'API key «' || k.name || '»') AS requester_email, r.form, r.status, \
    d.email AS decided_by_email, r.decided_at, r.decline_reason, r.swap_id, r.created_at, \
    r.due_at, r.expires_at, r.escalated_at";
const FROM: &str = "FROM approval_requests r LEFT JOIN staff q ON q.id = r.requested_by \
    LEFT JOIN integration_keys k ON k.id = r.requested_by_key \
    LEFT JOIN staff d ON d.id = r.decided_by";

/// Who asks the managers: a clerk at the desk, or an integration key above its approval limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requester {
    Staff(Uuid),
    Key(Uuid),
}

/// When an open request is due and when it expires.
#[derive(Debug, Clone, Copy)]
pub struct Due {
    pub due_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// `false` when the case already has an open request.
pub async fn insert<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    retailer_id: Uuid,
    case_id: Uuid,
    requested_by: Requester,
    form: serde_json::Value,
    due: Due,
) -> Result<bool, DbErr> {
    let (staff, key) = match requested_by {
        Requester::Staff(id) => (Some(id), None),
        Requester::Key(id) => (None, Some(id)),
    };
    let done = db
        .execute_raw(stmt(
            "INSERT INTO approval_requests (id, retailer_id, case_id, requested_by, \
             requested_by_key, form, due_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT DO NOTHING",
            vec![
                id.into(),
                retailer_id.into(),
                case_id.into(),
                staff.into(),
                key.into(),
                form.into(),
                due.due_at.into(),
                due.expires_at.into(),
            ],
        ))
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn find<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    id: Uuid,
) -> Result<Option<Request>, DbErr> {
    Request::find_by_statement(stmt(
        &format!("SELECT {COLUMNS} {FROM} WHERE r.retailer_id = $1 AND r.id = $2"),
        vec![retailer_id.into(), id.into()],
    ))
    .one(db)
    .await
}

/// The request, locked until the caller's transaction ends: of two managers deciding at once,
/// the second waits here and then sees the first one's decision.
pub async fn lock<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    id: Uuid,
) -> Result<Option<Request>, DbErr> {
    Request::find_by_statement(stmt(
        &format!("SELECT {COLUMNS} {FROM} WHERE r.retailer_id = $1 AND r.id = $2 FOR UPDATE OF r"),
        vec![retailer_id.into(), id.into()],
    ))
    .one(db)
    .await
}

/// The open request of a case, if any.
pub async fn open_of_case<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    case_id: Uuid,
) -> Result<Option<Request>, DbErr> {
    Request::find_by_statement(stmt(
        &format!(
            "SELECT {COLUMNS} {FROM} WHERE r.retailer_id = $1 AND r.case_id = $2 \
             AND r.status = 'open'"
        ),
        vec![retailer_id.into(), case_id.into()],
    ))
    .one(db)
    .await
}

/// The retailer's open requests, oldest first.
pub async fn open<C: ConnectionTrait>(db: &C, retailer_id: Uuid) -> Result<Vec<Request>, DbErr> {
    Request::find_by_statement(stmt(
        &format!(
            "SELECT {COLUMNS} {FROM} WHERE r.retailer_id = $1 AND r.status = 'open' \
             ORDER BY r.created_at, r.id LIMIT 100"
        ),
        vec![retailer_id.into()],
    ))
    .all(db)
    .await
}

/// Records the outcome of an open request: `false` when it was no longer open.
pub async fn decide<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    id: Uuid,
    outcome: Outcome,
    decided_by: Option<Uuid>,
    at: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let (status, reason, swap_id) = match outcome {
        Outcome::Approved(swap_id) => (RequestStatus::Approved, None, Some(swap_id)),
        Outcome::Declined(reason) => (RequestStatus::Declined, Some(reason), None),
        Outcome::Withdrawn => (RequestStatus::Withdrawn, None, None),
    };
    let done = db
        .execute_raw(stmt(
            "UPDATE approval_requests SET status = $3, decline_reason = $4, swap_id = $5, \
             decided_by = $6, decided_at = $7 \
             WHERE retailer_id = $1 AND id = $2 AND status = 'open'",
            vec![
                retailer_id.into(),
                id.into(),
                status.as_string().into(),
                reason.into(),
                swap_id.into(),
                decided_by.into(),
                at.into(),
            ],
        ))
        .await?;
    Ok(done.rows_affected() == 1)
}

pub enum Outcome {
    Approved(Uuid),
    Declined(String),
    /// The case was decided otherwise meanwhile (approved on the clerk's screen, refused).
    Withdrawn,
}
