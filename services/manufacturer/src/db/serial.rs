//! Serial checks: other claims on a serial, and the manufacturer's serial registry.

use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};
use uuid::Uuid;

use crate::domain::SerialFacts;

/// Most serials one upload may hold.
pub const UPLOAD_LIMIT: usize = 10_000;

fn stmt(sql: &str, values: Vec<sea_orm::Value>) -> Statement {
    Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
}

/// Serialises the arrival of claims on the same serial of the same manufacturer until the
/// caller's transaction ends, so that two claims arriving together see each other.
pub async fn lock<C: ConnectionTrait>(
    db: &C,
    manufacturer_id: Uuid,
    serial: &str,
) -> Result<(), DbErr> {
    db.execute_raw(stmt(
        "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
        vec![format!("claim-serial:{manufacturer_id}:{serial}").into()],
    ))
    .await?;
    Ok(())
}

/// What the checks know about `serial` for a new claim `claim_id`.
pub async fn facts<C: ConnectionTrait>(
    db: &C,
    manufacturer_id: Uuid,
    serial: &str,
    claim_id: Uuid,
) -> Result<SerialFacts, DbErr> {
    let row = db
        .query_one_raw(stmt(
            "SELECT \
               EXISTS (SELECT 1 FROM claims WHERE manufacturer_id = $1 AND serial = $2 \
                       AND id <> $3) AS claimed_before, \
               EXISTS (SELECT 1 FROM serial_registry WHERE manufacturer_id = $1) AS has_registry, \
               EXISTS (SELECT 1 FROM serial_registry WHERE manufacturer_id = $1 \
                       AND serial = $2) AS in_registry",
            vec![manufacturer_id.into(), serial.into(), claim_id.into()],
        ))
        .await?
        .ok_or_else(|| DbErr::Custom("serial facts: no row".into()))?;
    let claimed_before: bool = row.try_get("", "claimed_before")?;
    let has_registry: bool = row.try_get("", "has_registry")?;
    let in_registry: bool = row.try_get("", "in_registry")?;
    Ok(SerialFacts {
        claimed_before,
        in_registry: has_registry.then_some(in_registry),
    })
}

/// Adds `serials` to the manufacturer's registry; returns how many were new.
pub async fn register<C: ConnectionTrait>(
    db: &C,
    manufacturer_id: Uuid,
    serials: &[String],
) -> Result<u64, DbErr> {
    let list = serde_json::to_value(serials).map_err(|e| DbErr::Custom(e.to_string()))?;
    let res = db
        .execute_raw(stmt(
            "INSERT INTO serial_registry (manufacturer_id, serial) \
             SELECT $1, s FROM jsonb_array_elements_text($2::jsonb) AS s \
             ON CONFLICT DO NOTHING",
            vec![manufacturer_id.into(), list.into()],
        ))
        .await?;
    Ok(res.rows_affected())
}

/// How many serials the manufacturer's registry holds.
pub async fn registry_size<C: ConnectionTrait>(
    db: &C,
    manufacturer_id: Uuid,
) -> Result<i64, DbErr> {
    let row = db
        .query_one_raw(stmt(
            "SELECT count(*) AS n FROM serial_registry WHERE manufacturer_id = $1",
            vec![manufacturer_id.into()],
        ))
        .await?
        .ok_or_else(|| DbErr::Custom("registry size: no row".into()))?;
    row.try_get("", "n")
}
