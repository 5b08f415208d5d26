//! A tenant's public profile (`*.tenant.profile.v1`, issue 18) is announced once, in the
//! transaction that makes the tenant; those made before are announced at start. `table` is the
//! caller's tenant table (`retailers`, `manufacturers`) with `id`, `name` and
//! `profile_announced_at`.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr};
use uuid::Uuid;

use crate::personal::{exec, stmt};

/// The tenants of `table` never announced, locked (another replica announcing right now skips
/// them): id and name.
pub async fn unannounced<C: ConnectionTrait>(
    db: &C,
    table: &'static str,
) -> Result<Vec<(Uuid, String)>, DbErr> {
    let sql = format!(
        "SELECT id, name FROM {table} WHERE profile_announced_at IS NULL \
         ORDER BY id FOR UPDATE SKIP LOCKED"
    );
    db.query_all_raw(stmt(&sql, vec![]))
        .await?
        .iter()
        .map(|r| Ok((r.try_get("", "id")?, r.try_get("", "name")?)))
        .collect()
}

/// Records that the profile of tenant `id` of `table` went into the outbox at `at`.
pub async fn mark_announced<C: ConnectionTrait>(
    db: &C,
    table: &'static str,
    id: Uuid,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    let sql = format!("UPDATE {table} SET profile_announced_at = $2 WHERE id = $1");
    exec(db, &sql, vec![id.into(), at.into()]).await?;
    Ok(())
}

/// Links a retailer and a manufacturer in the caller's `partner_links` as the partner-links
/// migration links the pairs of a deployment from before issue 18 (`implied`, no messages) —
/// for seeding tests and the benchmark, which measure other things than the invitation flow.
/// `side` is the caller's service (`retailer` or `manufacturer`; logistics holds no links); a
/// pair whose tenant of that side the database does not hold is left alone.
pub async fn link_as_before<C: ConnectionTrait>(
    db: &C,
    side: kummerer_contracts::topology::Service,
    retailer_id: Uuid,
    manufacturer_id: Uuid,
) -> Result<(), DbErr> {
    use kummerer_contracts::topology::Service;
    let own = match side {
        Service::Retailer => "retailers WHERE id = $1",
        Service::Manufacturer => "manufacturers WHERE id = $2",
        Service::Logistics => return Ok(()),
    };
    let sql = format!(
        "INSERT INTO partner_links (retailer_id, manufacturer_id, state, acted_by_side, acted_by, \
         acted_at, implied) SELECT $1, $2, 'linked', '{}', 'migration: implied', now(), true \
         WHERE EXISTS (SELECT 1 FROM {own}) ON CONFLICT DO NOTHING",
        side.name()
    );
    exec(db, &sql, vec![retailer_id.into(), manufacturer_id.into()]).await?;
    Ok(())
}
