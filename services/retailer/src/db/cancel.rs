//! The cancellation of a swap in the `swaps` and `claims` tables (columns added by migration
//! `m20261203_000040_swap_cancel`): the pending request, the cancelled swap, the reserved unit
//! back in stock exactly once, the claim withdrawn once.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement, Value};
use uuid::Uuid;

fn stmt(sql: &str, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
}

/// When a cancellation was asked for and is still waiting for logistics' answer.
pub async fn pending_since<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    swap_id: Uuid,
) -> Result<Option<DateTime<Utc>>, DbErr> {
    let row = db
        .query_one_raw(stmt(
            "SELECT cancel_requested_at FROM swaps WHERE retailer_id = $1 AND id = $2",
            vec![retailer_id.into(), swap_id.into()],
        ))
        .await?;
    Ok(match row {
        Some(row) => row.try_get("", "cancel_requested_at")?,
        None => None,
    })
}

/// Who asks to cancel the swap, and why.
pub struct Request<'a> {
    pub at: DateTime<Utc>,
    pub by: &'a str,
    pub by_key: Option<Uuid>,
    pub reason: &'a str,
}

pub async fn mark_requested<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    swap_id: Uuid,
    r: Request<'_>,
) -> Result<(), DbErr> {
    db.execute_raw(stmt(
        "UPDATE swaps SET cancel_requested_at = $3, cancel_requested_by = $4, \
         cancel_requested_by_key = $5, cancel_reason = $6 WHERE retailer_id = $1 AND id = $2",
        vec![
            retailer_id.into(),
            swap_id.into(),
            r.at.into(),
            r.by.into(),
            r.by_key.into(),
            r.reason.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// Logistics refused: the request no longer waits (the reason stays, for the record).
pub async fn clear_request<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    swap_id: Uuid,
) -> Result<(), DbErr> {
    db.execute_raw(stmt(
        "UPDATE swaps SET cancel_requested_at = NULL WHERE retailer_id = $1 AND id = $2",
        vec![retailer_id.into(), swap_id.into()],
    ))
    .await?;
    Ok(())
}

/// The swap `cancelled` (final); `false` when it was already.
pub async fn mark_cancelled<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    swap_id: Uuid,
    at: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let done = db
        .execute_raw(stmt(
            "UPDATE swaps SET status = 'cancelled', status_changed_at = $3, cancelled_at = $3, \
             cancel_requested_at = NULL \
             WHERE retailer_id = $1 AND id = $2 AND status <> 'cancelled'",
            vec![retailer_id.into(), swap_id.into(), at.into()],
        ))
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Puts the unit the swap reserved back at its stock location, once: `stock_released_at` is set
/// in the same statement, and only where it was not. `false`: nothing was reserved, or it was
/// released before.
pub async fn release_stock_once<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    swap_id: Uuid,
) -> Result<bool, DbErr> {
    let row = db
        .query_one_raw(stmt(
            "WITH s AS ( \
               UPDATE swaps SET stock_released_at = now() \
               WHERE retailer_id = $1 AND id = $2 AND stock_location_id IS NOT NULL \
                 AND stock_released_at IS NULL \
               RETURNING retailer_id, stock_location_id, replacement_product_id) \
             INSERT INTO stock_levels (retailer_id, location_id, product_id, quantity) \
             SELECT retailer_id, stock_location_id, replacement_product_id, 1 FROM s \
             ON CONFLICT (location_id, product_id) \
             DO UPDATE SET quantity = stock_levels.quantity + 1, updated_at = now() \
             RETURNING quantity",
            vec![retailer_id.into(), swap_id.into()],
        ))
        .await?;
    Ok(row.is_some())
}

/// Marks the swap's claim withdrawn, once; its id when this call withdrew it.
pub async fn withdraw_claim<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    swap_id: Uuid,
    at: DateTime<Utc>,
    reason: &str,
) -> Result<Option<Uuid>, DbErr> {
    let row = db
        .query_one_raw(stmt(
            "UPDATE claims SET withdrawn_at = $3, withdrawn_reason = $4 \
             WHERE retailer_id = $1 AND swap_id = $2 AND withdrawn_at IS NULL RETURNING id",
            vec![retailer_id.into(), swap_id.into(), at.into(), reason.into()],
        ))
        .await?;
    row.map(|r| r.try_get("", "id")).transpose()
}

/// The reason the cancellation was asked for (what the withdrawal tells the manufacturer).
pub async fn reason_of<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    swap_id: Uuid,
) -> Result<Option<String>, DbErr> {
    let row = db
        .query_one_raw(stmt(
            "SELECT cancel_reason FROM swaps WHERE retailer_id = $1 AND id = $2",
            vec![retailer_id.into(), swap_id.into()],
        ))
        .await?;
    Ok(match row {
        Some(row) => row.try_get("", "cancel_reason")?,
        None => None,
    })
}
