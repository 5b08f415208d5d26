//! The customer's contact, the store's place, and the notifications: one row per (event,
//! channel), written in the transaction of the change (a redelivered event adds nothing), taken
//! by the worker with `FOR UPDATE SKIP LOCKED` and leased while it sends.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, FromQueryResult, Statement, Value};
use uuid::Uuid;

use crate::domain::notify::{Contact, Language};

fn stmt(sql: &str, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
}

/// Records (or replaces) the customer's contact of a case.
pub async fn set_contact<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    case_id: Uuid,
    contact: &Contact,
    language: Language,
    recorded_by: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    db.execute_raw(stmt(
        "INSERT INTO customer_contacts (retailer_id, case_id, email, phone, by_email, by_sms, \
             consent, language, recorded_by, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (retailer_id, case_id) DO UPDATE SET email = $3, phone = $4, \
             by_email = $5, by_sms = $6, consent = $7, language = $8, recorded_by = $9, \
             recorded_at = $10",
        vec![
            retailer_id.into(),
            case_id.into(),
            contact.email.clone().into(),
            contact.phone.clone().into(),
            contact.by_email.into(),
            contact.by_sms.into(),
            contact.consent.into(),
            language.as_str().into(),
            recorded_by.into(),
            now.into(),
        ],
    ))
    .await?;
    Ok(())
}

#[derive(Debug, Clone, FromQueryResult)]
struct ContactRow {
    email: Option<String>,
    phone: Option<String>,
    by_email: bool,
    by_sms: bool,
    consent: bool,
    language: String,
}

/// The customer's contact of a case, if one was recorded.
pub async fn contact_of<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    case_id: Uuid,
) -> Result<Option<Contact>, DbErr> {
    let row = ContactRow::find_by_statement(stmt(
        "SELECT email, phone, by_email, by_sms, consent, language FROM customer_contacts \
         WHERE retailer_id = $1 AND case_id = $2",
        vec![retailer_id.into(), case_id.into()],
    ))
    .one(db)
    .await?;
    Ok(row.map(|r| Contact {
        email: r.email,
        phone: r.phone,
        by_email: r.by_email,
        by_sms: r.by_sms,
        consent: r.consent,
        language: Language::parse(&r.language),
    }))
}

/// The store a case was opened at, as the customer knows it.
#[derive(Debug, Clone, FromQueryResult)]
pub struct PlaceRow {
    pub store: String,
    pub phone: String,
    pub time_zone: String,
    pub language: String,
}

/// The case's store (its name, phone, time zone, language); without one, the retailer's name,
/// Europe/Berlin and German.
pub async fn place_of<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    case_id: Uuid,
) -> Result<PlaceRow, DbErr> {
    let row = PlaceRow::find_by_statement(stmt(
        "SELECT coalesce(s.name, r.name) AS store, coalesce(s.phone, '') AS phone, \
             coalesce(s.time_zone, 'Europe/Berlin') AS time_zone, \
             coalesce(s.language, 'de') AS language \
         FROM cases c JOIN retailers r ON r.id = c.retailer_id \
             LEFT JOIN stores s ON s.retailer_id = c.retailer_id AND s.id = c.store_id \
         WHERE c.retailer_id = $1 AND c.id = $2",
        vec![retailer_id.into(), case_id.into()],
    ))
    .one(db)
    .await?;
    row.ok_or_else(|| DbErr::RecordNotFound(format!("case {case_id}")))
}

/// A notification to write.
pub struct NewNotification<'a> {
    pub retailer_id: Uuid,
    pub case_id: Uuid,
    pub event_id: Uuid,
    pub channel: &'a str,
    pub kind: &'a str,
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub html: &'a str,
}

/// Writes one notification, due at `now`; `false` when this event already has one on this
/// channel (a redelivery).
pub async fn insert<C: ConnectionTrait>(
    db: &C,
    n: NewNotification<'_>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let res = db
        .execute_raw(stmt(
            "INSERT INTO notifications (id, retailer_id, case_id, event_id, channel, kind, \
                 recipient, subject, body, html, next_attempt_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) \
             ON CONFLICT (event_id, channel) DO NOTHING",
            vec![
                Uuid::now_v7().into(),
                n.retailer_id.into(),
                n.case_id.into(),
                n.event_id.into(),
                n.channel.into(),
                n.kind.into(),
                n.recipient.into(),
                n.subject.into(),
                n.body.into(),
                n.html.into(),
                now.into(),
            ],
        ))
        .await?;
    Ok(res.rows_affected() == 1)
}

/// Whether the case has told its customer anything yet.
pub async fn any_of_case<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    case_id: Uuid,
) -> Result<bool, DbErr> {
    let row = db
        .query_one_raw(stmt(
            "SELECT 1 AS one FROM notifications WHERE retailer_id = $1 AND case_id = $2 LIMIT 1",
            vec![retailer_id.into(), case_id.into()],
        ))
        .await?;
    Ok(row.is_some())
}

/// A notification the worker took.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Claimed {
    pub id: Uuid,
    pub retailer_id: Uuid,
    pub case_id: Uuid,
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub html: String,
    pub attempts: i32,
}

/// Takes up to `batch` due notifications (pending, or sending with a lapsed lease: the worker
/// that held it died) and leases them until `now + lease`, counting the attempt.
pub async fn claim_due<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    lease: chrono::Duration,
    batch: i64,
) -> Result<Vec<Claimed>, DbErr> {
    Claimed::find_by_statement(stmt(
        "WITH due AS (SELECT id FROM notifications \
             WHERE status IN ('pending', 'sending') AND next_attempt_at <= $1 \
                 AND (leased_until IS NULL OR leased_until <= $1) \
             ORDER BY next_attempt_at, id LIMIT $3 FOR UPDATE SKIP LOCKED) \
         UPDATE notifications n SET status = 'sending', attempts = n.attempts + 1, \
             leased_until = $2 FROM due WHERE n.id = due.id \
         RETURNING n.id, n.retailer_id, n.case_id, n.channel, n.recipient, n.subject, n.body, \
             n.html, n.attempts",
        vec![now.into(), (now + lease).into(), batch.into()],
    ))
    .all(db)
    .await
}

pub async fn mark_sent<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    db.execute_raw(stmt(
        "UPDATE notifications SET status = 'sent', sent_at = $2, leased_until = NULL, \
             last_error = NULL WHERE id = $1 AND status = 'sending'",
        vec![id.into(), now.into()],
    ))
    .await?;
    Ok(())
}

/// A failed attempt: tried again at `retry_at`, or (`None`) failed for good.
pub async fn mark_attempt_failed<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
) -> Result<(), DbErr> {
    match retry_at {
        Some(at) => {
            db.execute_raw(stmt(
                "UPDATE notifications SET status = 'pending', next_attempt_at = $3, \
                     leased_until = NULL, last_error = $2 WHERE id = $1 AND status = 'sending'",
                vec![id.into(), error.into(), at.into()],
            ))
            .await?
        }
        None => {
            db.execute_raw(stmt(
                "UPDATE notifications SET status = 'failed', leased_until = NULL, \
                     last_error = $2 WHERE id = $1 AND status = 'sending'",
                vec![id.into(), error.into()],
            ))
            .await?
        }
    };
    Ok(())
}

/// A notification as the case page lists it.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Listed {
    pub channel: String,
    pub kind: String,
    pub recipient: String,
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

pub async fn of_case<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    case_id: Uuid,
) -> Result<Vec<Listed>, DbErr> {
    Listed::find_by_statement(stmt(
        "SELECT channel, kind, recipient, status, attempts, last_error, created_at, sent_at \
         FROM notifications WHERE retailer_id = $1 AND case_id = $2 \
         ORDER BY created_at, channel",
        vec![retailer_id.into(), case_id.into()],
    ))
    .all(db)
    .await
}
