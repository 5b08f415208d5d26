//! `idempotency_keys`: the first answer to a POST sent with an `Idempotency-Key`, per
//! manufacturer. The key row is inserted first in the transaction that does the work and gets
//! the answer before that transaction commits, so that the key, the work and the answer are
//! one: a concurrent request with the same key waits on the primary key until the first
//! commits (then it finds the answer) or rolls back (then it does the work itself).

use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};
use uuid::Uuid;

/// The request as hashed: `sha256` (hex) of its canonical text, computed by the database.
const HASH: &str = "encode(sha256(convert_to($3, 'UTF8')), 'hex')";

/// What a key says about a request.
#[derive(Debug, Clone, PartialEq)]
pub enum Begin {
    /// The key is new: do the work, then [`finish`].
    Fresh,
    /// The same request was answered before: answer it again.
    Replay {
        status: u16,
        body: serde_json::Value,
    },
    /// The key was used for another request.
    Reused,
    /// The key's first request has no answer yet.
    InProgress,
}

fn stmt(sql: &str, values: Vec<sea_orm::Value>) -> Statement {
    Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
}

/// Claims `key` for `request` in the caller's transaction, or says what it was used for.
pub async fn begin<C: ConnectionTrait>(
    db: &C,
    manufacturer_id: Uuid,
    key: &str,
    request: &str,
) -> Result<Begin, DbErr> {
    let values = || vec![manufacturer_id.into(), key.into(), request.into()];
    let inserted = db
        .execute_raw(stmt(
            &format!(
                "INSERT INTO idempotency_keys (manufacturer_id, key, request_hash) \
                 VALUES ($1, $2, {HASH}) ON CONFLICT DO NOTHING"
            ),
            values(),
        ))
        .await?;
    if inserted.rows_affected() == 1 {
        return Ok(Begin::Fresh);
    }
    let Some(row) = db
        .query_one_raw(stmt(
            &format!(
                "SELECT request_hash = {HASH} AS same, status, body FROM idempotency_keys \
                 WHERE manufacturer_id = $1 AND key = $2"
            ),
            values(),
        ))
        .await?
    else {
        // Gone between the two statements (not expected): let the client retry.
        return Ok(Begin::InProgress);
    };
    let same: bool = row.try_get("", "same")?;
    let status: Option<i16> = row.try_get("", "status")?;
    let body: Option<serde_json::Value> = row.try_get("", "body")?;
    Ok(match (same, status, body) {
        (false, _, _) => Begin::Reused,
        (true, Some(status), Some(body)) => Begin::Replay {
            status: u16::try_from(status).unwrap_or(500),
            body,
        },
        (true, _, _) => Begin::InProgress,
    })
}

/// Stores the answer to the request that claimed `key`, in the same transaction.
pub async fn finish<C: ConnectionTrait>(
    db: &C,
    manufacturer_id: Uuid,
    key: &str,
    status: u16,
    body: serde_json::Value,
) -> Result<(), DbErr> {
    db.execute_raw(stmt(
        "UPDATE idempotency_keys SET status = $3, body = $4 \
         WHERE manufacturer_id = $1 AND key = $2",
        vec![
            manufacturer_id.into(),
            key.into(),
            i16::try_from(status).unwrap_or(500).into(),
            body.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// How long a key is kept: a retry after that is a new request.
pub const KEEP: chrono::TimeDelta = chrono::TimeDelta::hours(24);

/// Deletes the keys older than [`KEEP`] at `now`; returns how many. Run by the deadline sweep.
pub async fn purge_expired<C: ConnectionTrait>(
    db: &C,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<u64, DbErr> {
    let done = db
        .execute_raw(stmt(
            "DELETE FROM idempotency_keys WHERE created_at < $1",
            vec![(now - KEEP).into()],
        ))
        .await?;
    Ok(done.rows_affected())
}
