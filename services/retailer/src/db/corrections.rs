//! `swap_corrections` (migration `m20261204_000010_swap_corrections`): the corrections of a
//! swap's address or window, each `pending` until logistics answers (`applied` or `refused`),
//! at most one pending per swap. Applying one writes the swap's address and window as logistics
//! confirmed them.

use chrono::{DateTime, Utc};
use kummerer_contracts::{Address, RequesterKind, TimeWindow};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, QueryResult, Statement, Value};
use uuid::Uuid;

fn stmt(sql: &str, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
}

/// A correction as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub id: Uuid,
    pub swap_id: Uuid,
    pub address: Option<Address>,
    pub window: Option<TimeWindow>,
    pub reason: String,
    pub requested_by: String,
    pub requested_at: DateTime<Utc>,
    /// `pending`, `applied` or `refused`.
    pub status: String,
    pub refusal_reason: Option<String>,
}

const COLUMNS: &str = "id, swap_id, address, window_start, window_end, reason, requested_by, \
                       requested_at, status, refusal_reason";

fn row_of(r: &QueryResult) -> Result<Row, DbErr> {
    let address: Option<serde_json::Value> = r.try_get("", "address")?;
    let start: Option<DateTime<Utc>> = r.try_get("", "window_start")?;
    let end: Option<DateTime<Utc>> = r.try_get("", "window_end")?;
    Ok(Row {
        id: r.try_get("", "id")?,
        swap_id: r.try_get("", "swap_id")?,
        address: address
            .map(serde_json::from_value)
            .transpose()
            .map_err(|e| DbErr::Type(format!("swap_corrections.address: {e}")))?,
        window: start.zip(end).map(|(start, end)| TimeWindow { start, end }),
        reason: r.try_get("", "reason")?,
        requested_by: r.try_get("", "requested_by")?,
        requested_at: r.try_get("", "requested_at")?,
        status: r.try_get("", "status")?,
        refusal_reason: r.try_get("", "refusal_reason")?,
    })
}

/// The swap's correction waiting for logistics' answer, if any.
pub async fn pending_of<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    swap_id: Uuid,
) -> Result<Option<Row>, DbErr> {
    db.query_one_raw(stmt(
        &format!(
            "SELECT {COLUMNS} FROM swap_corrections \
             WHERE retailer_id = $1 AND swap_id = $2 AND status = 'pending'"
        ),
        vec![retailer_id.into(), swap_id.into()],
    ))
    .await?
    .as_ref()
    .map(row_of)
    .transpose()
}

/// The swap's latest correction the customer asked for (on the status page), if any.
pub async fn latest_by_customer<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    swap_id: Uuid,
) -> Result<Option<Row>, DbErr> {
    db.query_one_raw(stmt(
        &format!(
            "SELECT {COLUMNS} FROM swap_corrections \
             WHERE retailer_id = $1 AND swap_id = $2 AND requested_kind = 'customer' \
             ORDER BY requested_at DESC, id DESC LIMIT 1"
        ),
        vec![retailer_id.into(), swap_id.into()],
    ))
    .await?
    .as_ref()
    .map(row_of)
    .transpose()
}

/// Whether the correction `id` exists (a form sent twice names the same one).
pub async fn exists<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    id: Uuid,
) -> Result<bool, DbErr> {
    Ok(db
        .query_one_raw(stmt(
            "SELECT 1 AS one FROM swap_corrections WHERE retailer_id = $1 AND id = $2",
            vec![retailer_id.into(), id.into()],
        ))
        .await?
        .is_some())
}

/// How many corrections the customer asked for on the case's swaps since `since`.
pub async fn customer_requests_since<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    case_id: Uuid,
    since: DateTime<Utc>,
) -> Result<i64, DbErr> {
    let row = db
        .query_one_raw(stmt(
            "SELECT count(*) AS n FROM swap_corrections WHERE retailer_id = $1 AND case_id = $2 \
             AND requested_kind = 'customer' AND requested_at >= $3",
            vec![retailer_id.into(), case_id.into(), since.into()],
        ))
        .await?;
    match row {
        Some(r) => r.try_get("", "n"),
        None => Ok(0),
    }
}

/// A new correction, pending.
pub struct New<'a> {
    pub id: Uuid,
    pub retailer_id: Uuid,
    pub swap_id: Uuid,
    pub case_id: Uuid,
    pub address: Option<&'a Address>,
    pub window: Option<&'a TimeWindow>,
    pub reason: &'a str,
    pub kind: RequesterKind,
    pub by: &'a str,
    pub by_key: Option<Uuid>,
    pub at: DateTime<Utc>,
}

/// Records the correction; `false` when the swap already has one pending (the unique index).
pub async fn insert<C: ConnectionTrait>(db: &C, n: New<'_>) -> Result<bool, DbErr> {
    let address = n
        .address
        .map(serde_json::to_value)
        .transpose()
        .map_err(|e| DbErr::Type(format!("address: {e}")))?;
    let kind = match n.kind {
        RequesterKind::Staff => "staff",
        RequesterKind::Customer => "customer",
    };
    let done = db
        .execute_raw(stmt(
            "INSERT INTO swap_corrections (id, retailer_id, swap_id, case_id, address, \
             window_start, window_end, reason, requested_kind, requested_by, requested_by_key, \
             requested_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
             ON CONFLICT (swap_id) WHERE status = 'pending' DO NOTHING",
            vec![
                n.id.into(),
                n.retailer_id.into(),
                n.swap_id.into(),
                n.case_id.into(),
                address.into(),
                n.window.map(|w| w.start).into(),
                n.window.map(|w| w.end).into(),
                n.reason.into(),
                kind.into(),
                n.by.into(),
                n.by_key.into(),
                n.at.into(),
            ],
        ))
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Logistics applied the correction: it is `applied`, and the swap goes to `address` in
/// `window` (as logistics confirmed them). `false` when it was answered before (nothing done).
pub async fn mark_applied<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    id: Uuid,
    address: &Address,
    window: &TimeWindow,
    at: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let row = db
        .query_one_raw(stmt(
            "WITH c AS ( \
               UPDATE swap_corrections SET status = 'applied', answered_at = $3 \
               WHERE retailer_id = $1 AND id = $2 AND status = 'pending' \
               RETURNING swap_id) \
             UPDATE swaps SET address_name = $4, address_phone = $5, street = $6, \
               postcode = $7, city = $8, country = $9, window_start = $10, window_end = $11 \
             FROM c WHERE swaps.id = c.swap_id AND swaps.retailer_id = $1 \
             RETURNING swaps.id",
            vec![
                retailer_id.into(),
                id.into(),
                at.into(),
                address.name.clone().into(),
                address.phone.clone().into(),
                address.street.clone().into(),
                address.postcode.clone().into(),
                address.city.clone().into(),
                address.country.clone().into(),
                window.start.into(),
                window.end.into(),
            ],
        ))
        .await?;
    Ok(row.is_some())
}

/// Logistics refused the correction (`reason`); `false` when it was answered before.
pub async fn mark_refused<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    id: Uuid,
    reason: &str,
    at: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let done = db
        .execute_raw(stmt(
            "UPDATE swap_corrections SET status = 'refused', answered_at = $3, \
             refusal_reason = $4 WHERE retailer_id = $1 AND id = $2 AND status = 'pending'",
            vec![retailer_id.into(), id.into(), at.into(), reason.into()],
        ))
        .await?;
    Ok(done.rows_affected() > 0)
}
