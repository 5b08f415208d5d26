//! Webhooks to the manufacturer's own endpoints (Standard Webhooks, see
//! [`crate::domain::webhook`]).
//!
//! An event is queued with [`enqueue`] in the transaction of the change it tells of: one
//! `webhook_deliveries` row per subscribed endpoint, so there is never a change without its
//! webhook or a webhook of a change that did not commit. The delivery worker ([`delivery`])
//! sends them, at least once, retrying with backoff.
//!
//! The body of every event: `{"type": "<event type>", "timestamp": "<RFC 3339>", "data": {…}}`.

pub mod delivery;
pub mod egress;

use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::db::{claim, webhook};
use crate::domain::webhook::{CLAIM_CREATED, CLAIM_UPDATED};

/// Queues an event for every active endpoint of the manufacturer that wants `event_type`, in
/// the caller's transaction. Nothing is written when none does.
pub async fn enqueue<C: ConnectionTrait>(
    db: &C,
    manufacturer_id: Uuid,
    event_type: &str,
    data: Value,
) -> Result<(), DbErr> {
    let endpoints = webhook::subscribed(db, manufacturer_id, event_type).await?;
    if endpoints.is_empty() {
        return Ok(());
    }
    let now = crate::db::now();
    let body = body(event_type, now, data);
    webhook::enqueue(db, manufacturer_id, &endpoints, event_type, &body, now).await?;
    metrics::counter!(crate::metrics::WEBHOOK_EVENTS_QUEUED, "event_type" => event_type.to_owned())
        .increment(endpoints.len() as u64);
    Ok(())
}

fn body(event_type: &str, now: DateTime<Utc>, data: Value) -> String {
    json!({
        "type": event_type,
        "timestamp": now.to_rfc3339_opts(SecondsFormat::Micros, true),
        "data": data,
    })
    .to_string()
}

/// `claim.created` for the claim just recorded, as the caller recorded it (not read back).
pub async fn claim_created<C: ConnectionTrait>(db: &C, c: &claim::Model) -> Result<(), DbErr> {
    enqueue(
        db,
        c.manufacturer_id,
        CLAIM_CREATED,
        claim_data(c, "created"),
    )
    .await
}

/// `claim.updated` for a change of the claim (`change`: `decided`, …), with the claim as it
/// stands in the caller's transaction.
pub async fn claim_updated<C: ConnectionTrait>(
    db: &C,
    claim_id: Uuid,
    change: &str,
) -> Result<(), DbErr> {
    claim_event(db, claim_id, CLAIM_UPDATED, change).await
}

async fn claim_event<C: ConnectionTrait>(
    db: &C,
    claim_id: Uuid,
    event_type: &str,
    change: &str,
) -> Result<(), DbErr> {
    let Some(c) = claim::Entity::find_by_id(claim_id).one(db).await? else {
        return Err(DbErr::RecordNotFound(format!("claim {claim_id}")));
    };
    let data = claim_data(&c, change);
    enqueue(db, c.manufacturer_id, event_type, data).await
}

/// What a claim event says of the claim: enough to act on, and its id to fetch the rest
/// (`GET /api/manufacturers/{mid}/claims/{id}`).
fn claim_data(c: &claim::Model, change: &str) -> Value {
    let currency = c.currency.trim();
    let money = |a: Option<rust_decimal::Decimal>| {
        a.map(|mut a| {
            a.rescale(2);
            json!({ "amount": a.to_string(), "currency": currency })
        })
    };
    json!({
        "change": change,
        "claim_id": c.id,
        "manufacturer_id": c.manufacturer_id,
        "retailer_id": c.retailer_id,
        "swap_id": c.swap_id,
        "case_id": c.case_id,
        "serial": c.serial,
        "product_sku": c.product_sku,
        "status": c.status,
        "pending_reason": c.pending_reason,
        "price_paid": money(Some(c.price_paid)),
        "list_price": c.list_price.zip(c.list_price_currency.as_deref()).map(|(a, lc)| {
            let mut a = a;
            a.rescale(2);
            json!({ "amount": a.to_string(), "currency": lc.trim() })
        }),
        "suggested_amount": money(c.suggested_amount),
        "decided_amount": money(c.decided_amount),
        "reason_code": c.reason_code,
        "decided_by": c.decided_by,
        "decided_at": c.decided_at,
        "deadline_at": c.deadline_at,
        "flags": c.flags,
    })
}
