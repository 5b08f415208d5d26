//! `api_keys`: the keys a manufacturer's system authenticates with. Only a key's SHA-256 is
//! stored. A key is 256 bits from the operating system's random source, so a fast hash is the
//! right one here: there is nothing to guess that a slow password hash (argon2) would protect,
//! and authentication stays one indexed lookup per request.

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// What every key starts with, so that a leaked one is recognisable (secret scanners).
pub const KEY_PREFIX: &str = "kmr_";
/// Characters of a key shown in listings: `kmr_` and the first 8 hex digits.
pub const SHOWN_PREFIX_LEN: usize = 12;
/// Length of a key: `kmr_` and 64 hex digits (32 random bytes).
pub const KEY_LEN: usize = KEY_PREFIX.len() + 64;
/// `last_used_at` is written at most this often per key (not on every request).
const LAST_USED_GRANULARITY: TimeDelta = TimeDelta::minutes(1);

/// A key as listed: everything but the secret.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ApiKey {
    pub id: Uuid,
    pub prefix: String,
    pub label: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A key just made: the listing fields and the key itself, shown this once.
#[derive(Debug, Clone)]
pub struct NewKey {
    pub key: ApiKey,
    pub secret: String,
}

fn stmt(sql: &str, values: Vec<sea_orm::Value>) -> Statement {
    Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
}

fn hash(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// A fresh key: `kmr_` and 32 random bytes in hex.
pub fn generate() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    let mut key = String::with_capacity(KEY_LEN);
    key.push_str(KEY_PREFIX);
    for b in bytes {
        key.push_str(&format!("{b:02x}"));
    }
    Ok(key)
}

/// Whether `s` has the shape of a key (checked before any database work).
pub fn well_formed(s: &str) -> bool {
    s.len() == KEY_LEN
        && s.starts_with(KEY_PREFIX)
        && s[KEY_PREFIX.len()..]
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

const COLUMNS: &str = "id, prefix, label, created_at, revoked_at, last_used_at";

fn of_row(row: &sea_orm::QueryResult) -> Result<ApiKey, DbErr> {
    Ok(ApiKey {
        id: row.try_get("", "id")?,
        prefix: row.try_get("", "prefix")?,
        label: row.try_get("", "label")?,
        created_at: row.try_get("", "created_at")?,
        revoked_at: row.try_get("", "revoked_at")?,
        last_used_at: row.try_get("", "last_used_at")?,
    })
}

/// Makes a key for the manufacturer (in the caller's transaction, if any).
pub async fn create<C: ConnectionTrait>(
    db: &C,
    manufacturer_id: Uuid,
    label: &str,
) -> Result<NewKey, DbErr> {
    let secret = generate().map_err(|e| DbErr::Custom(format!("random: {e}")))?;
    let id = Uuid::now_v7();
    let row = db
        .query_one_raw(stmt(
            &format!(
                "INSERT INTO api_keys (id, manufacturer_id, prefix, secret_hash, label, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING {COLUMNS}"
            ),
            vec![
                id.into(),
                manufacturer_id.into(),
                secret[..SHOWN_PREFIX_LEN].to_owned().into(),
                hash(&secret).into(),
                label.to_owned().into(),
                super::now().into(),
            ],
        ))
        .await?
        .ok_or_else(|| DbErr::Custom("insert returned no row".to_owned()))?;
    Ok(NewKey {
        key: of_row(&row)?,
        secret,
    })
}

/// The manufacturer and key id a live key belongs to; `None` for an unknown or revoked key.
/// Records the use (to the minute).
pub async fn authenticate<C: ConnectionTrait>(
    db: &C,
    secret: &str,
) -> Result<Option<(Uuid, Uuid)>, DbErr> {
    let Some(row) = db
        .query_one_raw(stmt(
            "SELECT id, manufacturer_id, last_used_at FROM api_keys \
             WHERE secret_hash = $1 AND revoked_at IS NULL",
            vec![hash(secret).into()],
        ))
        .await?
    else {
        return Ok(None);
    };
    let id: Uuid = row.try_get("", "id")?;
    let manufacturer_id: Uuid = row.try_get("", "manufacturer_id")?;
    let last_used_at: Option<DateTime<Utc>> = row.try_get("", "last_used_at")?;
    let now = super::now();
    if last_used_at.is_none_or(|t| now - t >= LAST_USED_GRANULARITY) {
        db.execute_raw(stmt(
            "UPDATE api_keys SET last_used_at = $2 WHERE id = $1",
            vec![id.into(), now.into()],
        ))
        .await?;
    }
    Ok(Some((manufacturer_id, id)))
}

/// The manufacturer's keys, oldest first, revoked ones included.
/// The label of key `id` (revoked or not), to record which key made a decision.
pub async fn label<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<Option<String>, DbErr> {
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT label FROM api_keys WHERE id = $1",
            [id.into()],
        ))
        .await?;
    row.map(|r| r.try_get::<String>("", "label")).transpose()
}

pub async fn list<C: ConnectionTrait>(db: &C, manufacturer_id: Uuid) -> Result<Vec<ApiKey>, DbErr> {
    db.query_all_raw(stmt(
        &format!(
            "SELECT {COLUMNS} FROM api_keys WHERE manufacturer_id = $1 ORDER BY created_at, id"
        ),
        vec![manufacturer_id.into()],
    ))
    .await?
    .iter()
    .map(of_row)
    .collect()
}

/// Revokes the manufacturer's key `id` (revoking twice keeps the first time); `false` when the
/// manufacturer has no such key.
pub async fn revoke<C: ConnectionTrait>(
    db: &C,
    manufacturer_id: Uuid,
    id: Uuid,
) -> Result<bool, DbErr> {
    let res = db
        .execute_raw(stmt(
            "UPDATE api_keys SET revoked_at = coalesce(revoked_at, $3) \
             WHERE manufacturer_id = $1 AND id = $2",
            vec![manufacturer_id.into(), id.into(), super::now().into()],
        ))
        .await?;
    Ok(res.rows_affected() == 1)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn keys_are_well_formed_and_distinct() {
        let a = generate().unwrap();
        let b = generate().unwrap();
        assert!(well_formed(&a), "{a}");
        assert_ne!(a, b);
        assert_eq!(a.len(), KEY_LEN);
        assert!(!well_formed(&a[..KEY_LEN - 1]));
        assert!(!well_formed(&a.to_uppercase()));
        assert!(!well_formed(&format!("xyz_{}", &a[4..])));
        assert_eq!(hash(&a).len(), 32);
    }
}
