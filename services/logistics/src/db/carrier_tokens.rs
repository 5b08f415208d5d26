//! `carrier_tokens`: the API tokens a carrier's systems authenticate with. Only a token's
//! SHA-256 is stored: a token is 256 random bits, so a fast hash is the right one (nothing to
//! guess that argon2 would protect), and authentication stays one indexed lookup per request.

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, QueryResult, Statement, Value};
use serde::Serialize;
use uuid::Uuid;

/// What every token starts with, so that a leaked one is recognisable (secret scanners).
pub const TOKEN_PREFIX: &str = "kcr_";
/// Characters of a token shown in listings: `kcr_` and the first 8 hex digits.
const SHOWN_PREFIX_LEN: usize = 12;
/// `last_used_at` is written at most this often per token (not on every request).
const LAST_USED_GRANULARITY: TimeDelta = TimeDelta::minutes(1);

/// A token as listed: everything but the secret.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CarrierToken {
    pub id: Uuid,
    pub carrier_id: Uuid,
    pub prefix: String,
    pub label: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, carrier_id, prefix, label, created_at, revoked_at, last_used_at";

fn stmt(sql: &str, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
}

fn of_row(row: &QueryResult) -> Result<CarrierToken, DbErr> {
    Ok(CarrierToken {
        id: row.try_get("", "id")?,
        carrier_id: row.try_get("", "carrier_id")?,
        prefix: row.try_get("", "prefix")?,
        label: row.try_get("", "label")?,
        created_at: row.try_get("", "created_at")?,
        revoked_at: row.try_get("", "revoked_at")?,
        last_used_at: row.try_get("", "last_used_at")?,
    })
}

/// Whether `s` has the shape of a token.
pub fn well_formed(s: &str) -> bool {
    kummerer_web::is_prefixed_token(s, TOKEN_PREFIX)
}

/// Makes a token for the carrier: the listing fields and the secret (shown this once).
pub async fn create<C: ConnectionTrait>(
    db: &C,
    carrier_id: Uuid,
    label: &str,
    now: DateTime<Utc>,
) -> Result<(CarrierToken, String), DbErr> {
    let secret = kummerer_web::prefixed_token(TOKEN_PREFIX)
        .map_err(|e| DbErr::Custom(format!("random: {e}")))?;
    let row = db
        .query_one_raw(stmt(
            &format!(
                "INSERT INTO carrier_tokens (id, carrier_id, prefix, secret_hash, label, \
                 created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING {COLUMNS}"
            ),
            vec![
                Uuid::now_v7().into(),
                carrier_id.into(),
                secret[..SHOWN_PREFIX_LEN].to_owned().into(),
                kummerer_web::token_hash(&secret).into(),
                label.to_owned().into(),
                now.into(),
            ],
        ))
        .await?
        .ok_or_else(|| DbErr::Custom("insert returned no row".to_owned()))?;
    Ok((of_row(&row)?, secret))
}

/// The carrier a live token belongs to; `None` for an unknown or revoked token. Records the use
/// (to the minute).
pub async fn authenticate<C: ConnectionTrait>(
    db: &C,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<Option<Uuid>, DbErr> {
    let Some(row) = db
        .query_one_raw(stmt(
            "SELECT id, carrier_id, last_used_at FROM carrier_tokens \
             WHERE secret_hash = $1 AND revoked_at IS NULL",
            vec![kummerer_web::token_hash(secret).into()],
        ))
        .await?
    else {
        return Ok(None);
    };
    let id: Uuid = row.try_get("", "id")?;
    let last_used_at: Option<DateTime<Utc>> = row.try_get("", "last_used_at")?;
    if last_used_at.is_none_or(|t| now - t >= LAST_USED_GRANULARITY) {
        db.execute_raw(stmt(
            "UPDATE carrier_tokens SET last_used_at = $2 WHERE id = $1",
            vec![id.into(), now.into()],
        ))
        .await?;
    }
    Ok(Some(row.try_get("", "carrier_id")?))
}

/// The carrier's tokens, oldest first, revoked ones included.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    carrier_id: Uuid,
) -> Result<Vec<CarrierToken>, DbErr> {
    db.query_all_raw(stmt(
        &format!(
            "SELECT {COLUMNS} FROM carrier_tokens WHERE carrier_id = $1 ORDER BY created_at, id"
        ),
        vec![carrier_id.into()],
    ))
    .await?
    .iter()
    .map(of_row)
    .collect()
}

/// Revokes the carrier's token `id` (revoking twice keeps the first time); `false` when the
/// carrier has no such token.
pub async fn revoke<C: ConnectionTrait>(
    db: &C,
    carrier_id: Uuid,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let res = db
        .execute_raw(stmt(
            "UPDATE carrier_tokens SET revoked_at = coalesce(revoked_at, $3) \
             WHERE carrier_id = $1 AND id = $2",
            vec![carrier_id.into(), id.into(), now.into()],
        ))
        .await?;
    Ok(res.rows_affected() == 1)
}
