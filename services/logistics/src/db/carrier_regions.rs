//! `carrier_regions`: the postcode prefixes the operator grants each carrier. A carrier's crews
//! cover only parts of them, jobs are routed only to a crew whose carrier is granted the job's
//! postcode, and a region's unassigned jobs are shown only to the carriers granted it.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};
use uuid::Uuid;

/// SQL: whether carrier `{carrier}` is granted the postcode key `{key}` (both SQL expressions).
pub fn granted_sql(carrier: &str, key: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM carrier_regions g WHERE g.carrier_id = {carrier} \
         AND starts_with({key}, g.postcode_prefix))"
    )
}

/// The carrier's granted prefixes, in order.
pub async fn of<C: ConnectionTrait>(db: &C, carrier_id: Uuid) -> Result<Vec<String>, DbErr> {
    db.query_all_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT postcode_prefix FROM carrier_regions WHERE carrier_id = $1 \
         ORDER BY postcode_prefix",
        [carrier_id.into()],
    ))
    .await?
    .iter()
    .map(|r| r.try_get::<String>("", "postcode_prefix"))
    .collect()
}

/// Replaces the carrier's grant with `prefixes` (already normalised): prefixes no longer listed
/// are taken away, new ones granted at `now`, the others keep their time.
pub async fn replace<C: ConnectionTrait>(
    db: &C,
    carrier_id: Uuid,
    prefixes: &[String],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let list = prefixes.join(",");
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "DELETE FROM carrier_regions WHERE carrier_id = $1 \
         AND NOT (postcode_prefix = ANY(string_to_array($2, ',')))",
        [carrier_id.into(), list.clone().into()],
    ))
    .await?;
    if prefixes.is_empty() {
        return Ok(());
    }
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "INSERT INTO carrier_regions (carrier_id, postcode_prefix, granted_at) \
         SELECT $1, p, $3 FROM unnest(string_to_array($2, ',')) p ON CONFLICT DO NOTHING",
        [carrier_id.into(), list.into(), now.into()],
    ))
    .await?;
    Ok(())
}
