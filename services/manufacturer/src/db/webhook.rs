//! `webhook_endpoints`, `webhook_deliveries` and `webhook_attempts`.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, QueryOrder, Statement};

pub const PENDING: &str = "pending";
pub const DELIVERED: &str = "delivered";
pub const FAILED: &str = "failed";

/// Why an endpoint was disabled.
pub const GONE: &str = "gone";
/// It failed continuously for longer than the configured time (the code predates that rule,
/// when it was a count of failures; kept for the API's clients).
pub const TOO_MANY_FAILURES: &str = "too_many_failures";

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_endpoints")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub manufacturer_id: Uuid,
    pub url: String,
    /// A JSON array of event types; empty: all.
    pub event_types: Json,
    pub description: String,
    pub secret: String,
    pub consecutive_failures: i32,
    pub created_at: DateTimeUtc,
    pub disabled_at: Option<DateTimeUtc>,
    pub disabled_reason: Option<String>,
    pub deleted_at: Option<DateTimeUtc>,
    /// The first failed attempt of the current run of failures; `None` while it delivers.
    pub failing_since: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

fn stmt(sql: &str, values: Vec<sea_orm::Value>) -> Statement {
    Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
}

pub async fn insert<C: ConnectionTrait>(db: &C, endpoint: Model) -> Result<Model, DbErr> {
    let active: ActiveModel = endpoint.into();
    active.reset_all().insert(db).await
}

/// The manufacturer's endpoints (not deleted), oldest first.
pub async fn list<C: ConnectionTrait>(db: &C, manufacturer_id: Uuid) -> Result<Vec<Model>, DbErr> {
    Entity::find()
        .filter(Column::ManufacturerId.eq(manufacturer_id))
        .filter(Column::DeletedAt.is_null())
        .order_by_asc(Column::CreatedAt)
        .order_by_asc(Column::Id)
        .all(db)
        .await
}

/// Deletes an endpoint of the manufacturer (kept as a row, with its deliveries: what was sent
/// stays on record) and gives up its waiting deliveries; `false` when there is no such endpoint.
pub async fn delete<C: ConnectionTrait>(
    db: &C,
    manufacturer_id: Uuid,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let done = db
        .execute_raw(stmt(
            "UPDATE webhook_endpoints SET deleted_at = $3 \
             WHERE id = $1 AND manufacturer_id = $2 AND deleted_at IS NULL",
            vec![id.into(), manufacturer_id.into(), now.into()],
        ))
        .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    give_up_pending(db, id, now).await?;
    Ok(true)
}

/// Marks the endpoint's waiting deliveries failed.
async fn give_up_pending<C: ConnectionTrait>(
    db: &C,
    endpoint_id: Uuid,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let done = db
        .execute_raw(stmt(
            "UPDATE webhook_deliveries SET status = 'failed', finished_at = $2 \
             WHERE endpoint_id = $1 AND status = 'pending'",
            vec![endpoint_id.into(), now.into()],
        ))
        .await?;
    Ok(done.rows_affected())
}

/// The manufacturer's active endpoints that want `event_type`.
pub async fn subscribed<C: ConnectionTrait>(
    db: &C,
    manufacturer_id: Uuid,
    event_type: &str,
) -> Result<Vec<Uuid>, DbErr> {
    let rows = db
        .query_all_raw(stmt(
            "SELECT id FROM webhook_endpoints \
             WHERE manufacturer_id = $1 AND disabled_at IS NULL AND deleted_at IS NULL \
               AND (event_types = '[]'::jsonb OR event_types ? $2)",
            vec![manufacturer_id.into(), event_type.into()],
        ))
        .await?;
    rows.iter().map(|r| r.try_get("", "id")).collect()
}

/// Queues `body` for each of `endpoints`, due at once.
pub async fn enqueue<C: ConnectionTrait>(
    db: &C,
    manufacturer_id: Uuid,
    endpoints: &[Uuid],
    event_type: &str,
    body: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    for endpoint_id in endpoints {
        db.execute_raw(stmt(
            "INSERT INTO webhook_deliveries \
             (id, endpoint_id, manufacturer_id, event_type, body, created_at, status, \
              next_attempt_at) VALUES ($1, $2, $3, $4, $5, $6, 'pending', $6)",
            vec![
                Uuid::now_v7().into(),
                (*endpoint_id).into(),
                manufacturer_id.into(),
                event_type.into(),
                body.into(),
                now.into(),
            ],
        ))
        .await?;
    }
    Ok(())
}

/// A delivery taken by a worker, with what it needs to send it.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Due {
    pub id: Uuid,
    pub endpoint_id: Uuid,
    pub event_type: String,
    pub body: String,
    pub attempts: i32,
    pub url: String,
    pub secret: String,
}

/// Takes up to `limit` deliveries due at `now` of active endpoints: locks them
/// (`FOR UPDATE SKIP LOCKED`, so that workers side by side take different ones) and moves
/// their `next_attempt_at` to `now + lease` in the same statement, so that once this commits no
/// other worker takes them while they are being sent (the lease outlasts the request's
/// timeout). A worker that dies mid-send leaves them to be taken again after the lease.
pub async fn take_due<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    lease: chrono::TimeDelta,
    limit: u64,
) -> Result<Vec<Due>, DbErr> {
    let rows = db
        .query_all_raw(stmt(
            "WITH due AS ( \
                 SELECT d.id FROM webhook_deliveries d \
                 JOIN webhook_endpoints e ON e.id = d.endpoint_id \
                 WHERE d.status = 'pending' AND d.next_attempt_at <= $1 \
                   AND e.disabled_at IS NULL AND e.deleted_at IS NULL \
                 ORDER BY d.next_attempt_at, d.id \
                 LIMIT $3 \
                 FOR UPDATE OF d SKIP LOCKED) \
             UPDATE webhook_deliveries d SET next_attempt_at = $2 \
             FROM due, webhook_endpoints e \
             WHERE d.id = due.id AND e.id = d.endpoint_id \
             RETURNING d.id, d.endpoint_id, d.event_type, d.body, d.attempts, e.url, e.secret",
            vec![
                now.into(),
                (now + lease).into(),
                i64::try_from(limit).unwrap_or(i64::MAX).into(),
            ],
        ))
        .await?;
    rows.iter().map(|r| Due::from_query_result(r, "")).collect()
}

/// One attempt's record.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub delivery_id: Uuid,
    pub attempted_at: DateTime<Utc>,
    pub status_code: Option<u16>,
    pub error: Option<String>,
    pub duration_ms: i32,
}

pub async fn record_attempt<C: ConnectionTrait>(db: &C, a: &Attempt) -> Result<(), DbErr> {
    db.execute_raw(stmt(
        "INSERT INTO webhook_attempts (id, delivery_id, attempted_at, status_code, error, \
         duration_ms) VALUES ($1, $2, $3, $4, $5, $6)",
        vec![
            Uuid::now_v7().into(),
            a.delivery_id.into(),
            a.attempted_at.into(),
            a.status_code
                .map(|s| i16::try_from(s).unwrap_or(i16::MAX))
                .into(),
            a.error.clone().into(),
            a.duration_ms.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// A delivered delivery: done, and its endpoint's run of failures is over.
pub async fn delivered<C: ConnectionTrait>(
    db: &C,
    d: &Due,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    db.execute_raw(stmt(
        "UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1, \
         finished_at = $2 WHERE id = $1",
        vec![d.id.into(), now.into()],
    ))
    .await?;
    db.execute_raw(stmt(
        "UPDATE webhook_endpoints SET consecutive_failures = 0, failing_since = NULL \
         WHERE id = $1",
        vec![d.endpoint_id.into()],
    ))
    .await?;
    Ok(())
}

/// A failed attempt: counts it on the delivery and, as one more consecutive failure, on the
/// endpoint (whose run of failures starts now if it was delivering); the delivery waits until
/// `retry_at`, or is given up when `None`. Returns the endpoint's consecutive failures and
/// since when it has been failing.
pub async fn failed<C: ConnectionTrait>(
    db: &C,
    d: &Due,
    now: DateTime<Utc>,
    retry_at: Option<DateTime<Utc>>,
) -> Result<(i32, DateTime<Utc>), DbErr> {
    match retry_at {
        Some(at) => {
            db.execute_raw(stmt(
                "UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = $2 \
                 WHERE id = $1",
                vec![d.id.into(), at.into()],
            ))
            .await?
        }
        None => {
            db.execute_raw(stmt(
                "UPDATE webhook_deliveries SET status = 'failed', attempts = attempts + 1, \
                 finished_at = $2 WHERE id = $1",
                vec![d.id.into(), now.into()],
            ))
            .await?
        }
    };
    let row = db
        .query_one_raw(stmt(
            "UPDATE webhook_endpoints SET consecutive_failures = consecutive_failures + 1, \
             failing_since = coalesce(failing_since, $2) \
             WHERE id = $1 RETURNING consecutive_failures, failing_since",
            vec![d.endpoint_id.into(), now.into()],
        ))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("webhook endpoint {}", d.endpoint_id)))?;
    Ok((
        row.try_get("", "consecutive_failures")?,
        row.try_get("", "failing_since")?,
    ))
}

/// Enables a disabled endpoint of the manufacturer again, with a fresh run (no failures);
/// `None` when there is no such endpoint (or it is deleted).
pub async fn enable<C: ConnectionTrait>(
    db: &C,
    manufacturer_id: Uuid,
    id: Uuid,
) -> Result<Option<Model>, DbErr> {
    db.execute_raw(stmt(
        "UPDATE webhook_endpoints SET disabled_at = NULL, disabled_reason = NULL, \
         consecutive_failures = 0, failing_since = NULL \
         WHERE id = $1 AND manufacturer_id = $2 AND deleted_at IS NULL",
        vec![id.into(), manufacturer_id.into()],
    ))
    .await?;
    Entity::find_by_id(id)
        .filter(Column::ManufacturerId.eq(manufacturer_id))
        .filter(Column::DeletedAt.is_null())
        .one(db)
        .await
}

/// The manufacturer's endpoint (not deleted).
pub async fn find<C: ConnectionTrait>(
    db: &C,
    manufacturer_id: Uuid,
    id: Uuid,
) -> Result<Option<Model>, DbErr> {
    Entity::find_by_id(id)
        .filter(Column::ManufacturerId.eq(manufacturer_id))
        .filter(Column::DeletedAt.is_null())
        .one(db)
        .await
}

/// Queues the endpoint's given-up (`failed`) deliveries created at or after `since` again, due
/// at `now`, with a fresh retry schedule (their attempts stay on record); returns how many.
pub async fn replay_failed<C: ConnectionTrait>(
    db: &C,
    endpoint_id: Uuid,
    since: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let done = db
        .execute_raw(stmt(
            "UPDATE webhook_deliveries SET status = 'pending', attempts = 0, \
             next_attempt_at = $3, finished_at = NULL \
             WHERE endpoint_id = $1 AND status = 'failed' \
               AND ($2::timestamptz IS NULL OR created_at >= $2)",
            vec![endpoint_id.into(), since.into(), now.into()],
        ))
        .await?;
    Ok(done.rows_affected())
}

/// Disables the endpoint (if it is not already) and gives up its waiting deliveries.
pub async fn disable<C: ConnectionTrait>(
    db: &C,
    endpoint_id: Uuid,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    db.execute_raw(stmt(
        "UPDATE webhook_endpoints SET disabled_at = $2, disabled_reason = $3 \
         WHERE id = $1 AND disabled_at IS NULL",
        vec![endpoint_id.into(), now.into(), reason.into()],
    ))
    .await?;
    give_up_pending(db, endpoint_id, now).await?;
    Ok(())
}

/// A delivery as the API lists it, with its last attempt.
#[derive(Debug, Clone, FromQueryResult)]
pub struct DeliveryRow {
    pub id: Uuid,
    pub event_type: String,
    pub status: String,
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
    pub next_attempt_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub last_attempted_at: Option<DateTime<Utc>>,
    pub last_status_code: Option<i16>,
    pub last_error: Option<String>,
    pub last_duration_ms: Option<i32>,
}

/// Whether the manufacturer has this endpoint (deleted ones too: their history stays readable).
pub async fn exists<C: ConnectionTrait>(
    db: &C,
    manufacturer_id: Uuid,
    id: Uuid,
) -> Result<bool, DbErr> {
    Ok(Entity::find_by_id(id)
        .filter(Column::ManufacturerId.eq(manufacturer_id))
        .one(db)
        .await?
        .is_some())
}

/// One page of an endpoint's deliveries, newest first (`created_at`, then `id`, descending),
/// after `after`; at most `limit` plus one.
pub async fn deliveries_page<C: ConnectionTrait>(
    db: &C,
    endpoint_id: Uuid,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: u64,
) -> Result<Vec<DeliveryRow>, DbErr> {
    let (after_at, after_id) = after.unzip();
    let rows = db
        .query_all_raw(stmt(
            "SELECT d.id, d.event_type, d.status, d.attempts, d.created_at, d.next_attempt_at, \
                    d.finished_at, a.attempted_at AS last_attempted_at, \
                    a.status_code AS last_status_code, a.error AS last_error, \
                    a.duration_ms AS last_duration_ms \
             FROM webhook_deliveries d \
             LEFT JOIN LATERAL (SELECT * FROM webhook_attempts x WHERE x.delivery_id = d.id \
                                ORDER BY x.attempted_at DESC, x.id DESC LIMIT 1) a ON true \
             WHERE d.endpoint_id = $1 \
               AND ($2::timestamptz IS NULL OR (d.created_at, d.id) < ($2, $3)) \
             ORDER BY d.created_at DESC, d.id DESC \
             LIMIT $4",
            vec![
                endpoint_id.into(),
                after_at.into(),
                after_id.into(),
                i64::try_from(limit.saturating_add(1))
                    .unwrap_or(i64::MAX)
                    .into(),
            ],
        ))
        .await?;
    rows.iter()
        .map(|r| DeliveryRow::from_query_result(r, ""))
        .collect()
}
