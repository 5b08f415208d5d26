//! `integration_keys`: the keys a retailer's own systems (POS, shop, ERP) use on the JSON API.
//! A key is `krt_` and 43 base64url characters (32 bytes from the operating system's random
//! source); only its SHA-256 is stored, so one indexed lookup authenticates a request (a slow
//! password hash would protect nothing a 256-bit secret does not). Each key belongs to one
//! retailer, has a name (the actor the timeline and the ledger show: "API key «name»") and an
//! optional approval limit; it is shown once, at creation, and can be revoked.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, TimeDelta, Utc};
use kummerer_contracts::Money;
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement, Value};
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::domain::Limit;

/// What every key starts with, so a leaked one is recognisable (secret scanners).
pub const KEY_PREFIX: &str = "krt_";
/// Length of a key: `krt_` and 43 base64url characters (32 bytes, no padding).
pub const KEY_LEN: usize = KEY_PREFIX.len() + 43;
/// Characters of a key kept for listings (`krt_` and the first 8).
const SHOWN_PREFIX_LEN: usize = KEY_PREFIX.len() + 8;
/// `last_used_at` is written at most this often per key.
const LAST_USED_EVERY: TimeDelta = TimeDelta::minutes(1);

/// A key as listed: everything but the secret.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IntegrationKey {
    pub id: Uuid,
    pub name: String,
    pub prefix: String,
    /// Swaps worth more than this (the replacement's price) wait for a manager; `null`: every
    /// swap this key approves waits for a manager.
    pub approval_limit: Option<Money>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A key just made, with its secret (shown this once).
#[derive(Debug, Clone)]
pub struct NewKey {
    pub key: IntegrationKey,
    pub secret: String,
}

/// The live key a request came with.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyHolder {
    pub id: Uuid,
    pub retailer_id: Uuid,
    pub name: String,
    pub approval_limit: Option<Money>,
}

impl KeyHolder {
    /// The key's authority limit: its approval limit, or nothing alone (every swap to a manager).
    pub fn limit(&self) -> Limit {
        match &self.approval_limit {
            Some(max) => Limit::UpTo(max.clone()),
            None => Limit::Nothing,
        }
    }
}

fn stmt(sql: &str, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
}

fn hash(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// A fresh key: `krt_` and 32 random bytes in base64url.
pub fn generate() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(format!("{KEY_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes)))
}

/// Whether `s` has the shape of a key (checked before any database work).
pub fn well_formed(s: &str) -> bool {
    s.len() == KEY_LEN
        && s.starts_with(KEY_PREFIX)
        && s[KEY_PREFIX.len()..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn limit_of(row: &sea_orm::QueryResult) -> Result<Option<Money>, DbErr> {
    let amount: Option<Decimal> = row.try_get("", "approval_limit")?;
    let currency: Option<String> = row.try_get("", "approval_currency")?;
    match (amount, currency) {
        (Some(amount), Some(currency)) => Ok(Some(super::money(amount, &currency)?)),
        _ => Ok(None),
    }
}

const COLUMNS: &str = "id, name, prefix, approval_limit, approval_currency::text AS \
    approval_currency, created_at, last_used_at, revoked_at";

fn of_row(row: &sea_orm::QueryResult) -> Result<IntegrationKey, DbErr> {
    Ok(IntegrationKey {
        id: row.try_get("", "id")?,
        name: row.try_get("", "name")?,
        prefix: row.try_get("", "prefix")?,
        approval_limit: limit_of(row)?,
        created_at: row.try_get("", "created_at")?,
        last_used_at: row.try_get("", "last_used_at")?,
        revoked_at: row.try_get("", "revoked_at")?,
    })
}

/// Makes a key for the retailer.
pub async fn create<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    name: &str,
    approval_limit: Option<&Money>,
) -> Result<NewKey, DbErr> {
    let secret = generate().map_err(|e| DbErr::Custom(format!("random: {e}")))?;
    let row = db
        .query_one_raw(stmt(
            &format!(
                "INSERT INTO integration_keys (id, retailer_id, name, prefix, secret_hash, \
                 approval_limit, approval_currency, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {COLUMNS}"
            ),
            vec![
                Uuid::now_v7().into(),
                retailer_id.into(),
                name.to_owned().into(),
                secret[..SHOWN_PREFIX_LEN].to_owned().into(),
                hash(&secret).into(),
                approval_limit.map(|m| m.amount).into(),
                approval_limit.map(|m| m.currency.to_string()).into(),
                Utc::now().into(),
            ],
        ))
        .await?
        .ok_or_else(|| DbErr::Custom("insert returned no row".to_owned()))?;
    Ok(NewKey {
        key: of_row(&row)?,
        secret,
    })
}

/// The live key `secret` is; `None` for an unknown or revoked one. Records the use (to the
/// minute).
pub async fn authenticate<C: ConnectionTrait>(
    db: &C,
    secret: &str,
) -> Result<Option<KeyHolder>, DbErr> {
    let Some(row) = db
        .query_one_raw(stmt(
            "SELECT id, retailer_id, name, approval_limit, \
             approval_currency::text AS approval_currency, last_used_at \
             FROM integration_keys WHERE secret_hash = $1 AND revoked_at IS NULL",
            vec![hash(secret).into()],
        ))
        .await?
    else {
        return Ok(None);
    };
    let holder = KeyHolder {
        id: row.try_get("", "id")?,
        retailer_id: row.try_get("", "retailer_id")?,
        name: row.try_get("", "name")?,
        approval_limit: limit_of(&row)?,
    };
    let last_used_at: Option<DateTime<Utc>> = row.try_get("", "last_used_at")?;
    let now = Utc::now();
    if last_used_at.is_none_or(|t| now - t >= LAST_USED_EVERY) {
        db.execute_raw(stmt(
            "UPDATE integration_keys SET last_used_at = $2 WHERE id = $1",
            vec![holder.id.into(), now.into()],
        ))
        .await?;
    }
    Ok(Some(holder))
}

/// The retailer's keys, oldest first, revoked ones included.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
) -> Result<Vec<IntegrationKey>, DbErr> {
    db.query_all_raw(stmt(
        &format!(
            "SELECT {COLUMNS} FROM integration_keys WHERE retailer_id = $1 \
             ORDER BY created_at, id"
        ),
        vec![retailer_id.into()],
    ))
    .await?
    .iter()
    .map(of_row)
    .collect()
}

/// Revokes the retailer's key `id` (again: the first time stays); `false` when the retailer has
/// no such key.
pub async fn revoke<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    id: Uuid,
) -> Result<bool, DbErr> {
    let done = db
        .execute_raw(stmt(
            "UPDATE integration_keys SET revoked_at = coalesce(revoked_at, $3) \
             WHERE retailer_id = $1 AND id = $2",
            vec![retailer_id.into(), id.into(), Utc::now().into()],
        ))
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The tables whose rows record the key that made them, and their column (a swap's key is
/// written with the swap row, `swaps.approved_by_key`).
#[derive(Debug, Clone, Copy)]
pub enum Made {
    Sale,
    Case,
    /// A claim's dispute (`id` is the claim's).
    Dispute,
}

/// Records `key_id` as the maker of the row `id` (a sale, case or dispute of the retailer).
pub async fn record_maker<C: ConnectionTrait>(
    db: &C,
    made: Made,
    retailer_id: Uuid,
    id: Uuid,
    key_id: Uuid,
) -> Result<(), DbErr> {
    let sql = match made {
        Made::Sale => "UPDATE sales SET recorded_by_key = $3 WHERE retailer_id = $1 AND id = $2",
        Made::Case => "UPDATE cases SET opened_by_key = $3 WHERE retailer_id = $1 AND id = $2",
        Made::Dispute => {
            "UPDATE claim_disputes SET disputed_by_key = $3 WHERE retailer_id = $1 AND claim_id = $2"
        }
    };
    db.execute_raw(stmt(
        sql,
        vec![retailer_id.into(), id.into(), key_id.into()],
    ))
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn keys_have_the_documented_shape() {
        let a = generate().unwrap();
        let b = generate().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), KEY_LEN, "{a}");
        assert!(well_formed(&a), "{a}");
        assert!(!well_formed(&a[..KEY_LEN - 1]));
        assert!(!well_formed(&format!("kmr_{}", &a[4..])));
        assert!(!well_formed(&format!("{}+", &a[..KEY_LEN - 1])));
        assert_eq!(hash(&a).len(), 32);
    }
}
