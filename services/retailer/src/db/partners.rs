//! `partner_directory` (the manufacturers' public profiles, as announced) and `partner_links`
//! (the retailer's copy of each link with a manufacturer), and the acceptance of an agreement
//! version (`agreements.accepted_at`).

use chrono::{DateTime, Utc};
use kummerer_contracts::{PartnerState, Side};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement, Value};
use serde::Serialize;
use uuid::Uuid;

fn stmt(sql: &str, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
}

/// Keeps the latest announced profile of a manufacturer (an older announcement changes nothing).
pub async fn upsert_directory<C: ConnectionTrait>(
    db: &C,
    manufacturer_id: Uuid,
    name: &str,
    announced_at: DateTime<Utc>,
) -> Result<(), DbErr> {
    db.execute_raw(stmt(
        "INSERT INTO partner_directory (manufacturer_id, name, announced_at) VALUES ($1, $2, $3) \
         ON CONFLICT (manufacturer_id) DO UPDATE SET name = EXCLUDED.name, \
         announced_at = EXCLUDED.announced_at, received_at = now() \
         WHERE partner_directory.announced_at <= EXCLUDED.announced_at",
        vec![manufacturer_id.into(), name.into(), announced_at.into()],
    ))
    .await?;
    Ok(())
}

/// A manufacturer of the directory with the retailer's link to it (if any).
#[derive(Debug, Clone, Serialize)]
pub struct Partner {
    pub manufacturer_id: Uuid,
    pub name: String,
    /// `none`, `invited`, `linked`, `declined`, `unlinked`.
    pub state: String,
    /// The side that invited, while invited.
    pub invited_by: Option<String>,
    pub acted_by: Option<String>,
    pub acted_at: Option<DateTime<Utc>>,
}

impl Partner {
    pub fn is_linked(&self) -> bool {
        self.state == "linked"
    }

    /// An invitation of the manufacturer waiting for the retailer's answer.
    pub fn awaits_answer(&self) -> bool {
        self.state == "invited" && self.invited_by.as_deref() == Some("manufacturer")
    }
}

const PARTNER_SELECT: &str = "SELECT d.manufacturer_id, d.name, coalesce(l.state, 'none') AS \
     state, l.invited_by, l.acted_by, l.acted_at FROM partner_directory d LEFT JOIN \
     partner_links l ON l.manufacturer_id = d.manufacturer_id AND l.retailer_id = $1";

fn partner(r: &sea_orm::QueryResult) -> Result<Partner, DbErr> {
    Ok(Partner {
        manufacturer_id: r.try_get("", "manufacturer_id")?,
        name: r.try_get("", "name")?,
        state: r.try_get("", "state")?,
        invited_by: r.try_get("", "invited_by")?,
        acted_by: r.try_get("", "acted_by")?,
        acted_at: r.try_get("", "acted_at")?,
    })
}

/// Every manufacturer of the directory with the retailer's link state, by name.
pub async fn directory<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
) -> Result<Vec<Partner>, DbErr> {
    let rows = db
        .query_all_raw(stmt(
            &format!("{PARTNER_SELECT} ORDER BY d.name, d.manufacturer_id"),
            vec![retailer_id.into()],
        ))
        .await?;
    rows.iter().map(partner).collect()
}

/// The linked manufacturers, by name (a link implied by the migration for a manufacturer whose
/// profile never arrived is named by its id).
pub async fn linked<C: ConnectionTrait>(db: &C, retailer_id: Uuid) -> Result<Vec<Partner>, DbErr> {
    let rows = db
        .query_all_raw(stmt(
            "SELECT l.manufacturer_id, coalesce(d.name, 'Manufacturer ' || l.manufacturer_id) \
             AS name, l.state, l.invited_by, l.acted_by, l.acted_at FROM partner_links l \
             LEFT JOIN partner_directory d ON d.manufacturer_id = l.manufacturer_id \
             WHERE l.retailer_id = $1 AND l.state = 'linked' ORDER BY 2, 1",
            vec![retailer_id.into()],
        ))
        .await?;
    rows.iter().map(partner).collect()
}

/// The link with one manufacturer, locked for the caller's transaction (`None`: no link yet).
pub async fn lock_link<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    manufacturer_id: Uuid,
) -> Result<Option<PartnerState>, DbErr> {
    let row = db
        .query_one_raw(stmt(
            "SELECT state, invited_by FROM partner_links WHERE retailer_id = $1 AND \
             manufacturer_id = $2 FOR UPDATE",
            vec![retailer_id.into(), manufacturer_id.into()],
        ))
        .await?;
    let Some(row) = row else { return Ok(None) };
    let state: String = row.try_get("", "state")?;
    let invited_by: Option<String> = row.try_get("", "invited_by")?;
    PartnerState::from_row(&state, invited_by.as_deref())
        .map(Some)
        .ok_or_else(|| DbErr::Custom(format!("partner link in state {state:?}")))
}

/// Whether the retailer and the manufacturer are linked now.
pub async fn is_linked<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    manufacturer_id: Uuid,
) -> Result<bool, DbErr> {
    let row = db
        .query_one_raw(stmt(
            "SELECT 1 AS one FROM partner_links WHERE retailer_id = $1 AND manufacturer_id = $2 \
             AND state = 'linked'",
            vec![retailer_id.into(), manufacturer_id.into()],
        ))
        .await?;
    Ok(row.is_some())
}

/// Writes the link's new state and who acted.
pub async fn write_link<C: ConnectionTrait>(
    db: &C,
    (retailer_id, manufacturer_id): (Uuid, Uuid),
    state: PartnerState,
    (side, acted_by): (Side, &str),
    acted_at: DateTime<Utc>,
) -> Result<(), DbErr> {
    db.execute_raw(stmt(
        "INSERT INTO partner_links (retailer_id, manufacturer_id, state, invited_by, \
         acted_by_side, acted_by, acted_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (retailer_id, manufacturer_id) DO UPDATE SET state = EXCLUDED.state, \
         invited_by = EXCLUDED.invited_by, acted_by_side = EXCLUDED.acted_by_side, \
         acted_by = EXCLUDED.acted_by, acted_at = EXCLUDED.acted_at, implied = false",
        vec![
            retailer_id.into(),
            manufacturer_id.into(),
            state.as_str().into(),
            state.invited_by().map(Side::as_str).into(),
            side.as_str().into(),
            acted_by.into(),
            acted_at.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// The name the directory knows a manufacturer by.
pub async fn manufacturer_name<C: ConnectionTrait>(
    db: &C,
    manufacturer_id: Uuid,
) -> Result<Option<String>, DbErr> {
    let row = db
        .query_one_raw(stmt(
            "SELECT name FROM partner_directory WHERE manufacturer_id = $1",
            vec![manufacturer_id.into()],
        ))
        .await?;
    row.map(|r| r.try_get("", "name")).transpose()
}

// --- agreement acceptance -------------------------------------------------------------------

/// A version of an agreement as the retailer holds it, with its acceptance.
#[derive(Debug, Clone, Serialize)]
pub struct OfferedVersion {
    pub agreement_id: Uuid,
    pub version: i32,
    pub manufacturer_id: Uuid,
    pub manufacturer_name: String,
    pub valid_from: DateTime<Utc>,
    pub terms: serde_json::Value,
    pub published_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub accepted_by: Option<String>,
}

const VERSION_SELECT: &str = "SELECT agreement_id, version, manufacturer_id, manufacturer_name, \
     valid_from, terms, published_at, accepted_at, accepted_by FROM agreements";

fn offered(r: &sea_orm::QueryResult) -> Result<OfferedVersion, DbErr> {
    Ok(OfferedVersion {
        agreement_id: r.try_get("", "agreement_id")?,
        version: r.try_get("", "version")?,
        manufacturer_id: r.try_get("", "manufacturer_id")?,
        manufacturer_name: r.try_get("", "manufacturer_name")?,
        valid_from: r.try_get("", "valid_from")?,
        terms: r.try_get("", "terms")?,
        published_at: r.try_get("", "published_at")?,
        accepted_at: r.try_get("", "accepted_at")?,
        accepted_by: r.try_get("", "accepted_by")?,
    })
}

/// Every version the retailer holds, newest first per agreement.
pub async fn versions<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
) -> Result<Vec<OfferedVersion>, DbErr> {
    let rows = db
        .query_all_raw(stmt(
            &format!(
                "{VERSION_SELECT} WHERE retailer_id = $1 \
                 ORDER BY manufacturer_name, agreement_id, version DESC"
            ),
            vec![retailer_id.into()],
        ))
        .await?;
    rows.iter().map(offered).collect()
}

/// One version, locked.
pub async fn lock_version<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    agreement_id: Uuid,
    version: i32,
) -> Result<Option<OfferedVersion>, DbErr> {
    let row = db
        .query_one_raw(stmt(
            &format!(
                "{VERSION_SELECT} WHERE retailer_id = $1 AND agreement_id = $2 AND version = $3 \
                 FOR UPDATE"
            ),
            vec![retailer_id.into(), agreement_id.into(), version.into()],
        ))
        .await?;
    row.as_ref().map(offered).transpose()
}

/// The accepted version before `version` of the agreement (what the offered one changes).
pub async fn accepted_before<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    agreement_id: Uuid,
    version: i32,
) -> Result<Option<OfferedVersion>, DbErr> {
    let row = db
        .query_one_raw(stmt(
            &format!(
                "{VERSION_SELECT} WHERE retailer_id = $1 AND agreement_id = $2 AND version < $3 \
                 AND accepted_at IS NOT NULL ORDER BY version DESC LIMIT 1"
            ),
            vec![retailer_id.into(), agreement_id.into(), version.into()],
        ))
        .await?;
    row.as_ref().map(offered).transpose()
}

pub async fn mark_accepted<C: ConnectionTrait>(
    db: &C,
    (retailer_id, agreement_id, version): (Uuid, Uuid, i32),
    accepted_by: &str,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    db.execute_raw(stmt(
        "UPDATE agreements SET accepted_at = $4, accepted_by = $5 WHERE retailer_id = $1 \
         AND agreement_id = $2 AND version = $3",
        vec![
            retailer_id.into(),
            agreement_id.into(),
            version.into(),
            at.into(),
            accepted_by.into(),
        ],
    ))
    .await?;
    Ok(())
}
