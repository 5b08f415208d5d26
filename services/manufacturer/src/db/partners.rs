//! `partner_directory` (the retailers' public profiles, as announced), `partner_links` (the
//! manufacturer's copy of each link with a retailer), and the retailer's acceptance of an
//! agreement version (`agreement_versions.accepted_at`).

use chrono::{DateTime, Utc};
use kummerer_contracts::{PartnerState, Side};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, QueryResult, Statement, Value};
use uuid::Uuid;

fn sql(text: &str, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(DbBackend::Postgres, text, values)
}

/// The latest announcement of a retailer's profile wins.
pub async fn remember_retailer<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    name: &str,
    country: Option<&str>,
    announced_at: DateTime<Utc>,
) -> Result<(), DbErr> {
    // A country that is no ISO 3166-1 alpha-2 code is not kept: unknown, never a guess.
    let country = country
        .map(|c| c.trim().to_ascii_uppercase())
        .filter(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase()));
    db.execute_raw(sql(
        "INSERT INTO partner_directory AS d (retailer_id, name, country, announced_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (retailer_id) DO UPDATE SET name = EXCLUDED.name, \
         country = COALESCE(EXCLUDED.country, d.country), \
         announced_at = EXCLUDED.announced_at, received_at = now() \
         WHERE d.announced_at <= EXCLUDED.announced_at",
        vec![
            retailer_id.into(),
            name.into(),
            country.into(),
            announced_at.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// The retailer's country as its profile announced it (`None`: not announced, or a profile
/// from before countries were announced).
pub async fn retailer_country<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
) -> Result<Option<String>, DbErr> {
    let row = db
        .query_one_raw(sql(
            "SELECT country FROM partner_directory WHERE retailer_id = $1",
            vec![retailer_id.into()],
        ))
        .await?;
    Ok(row
        .map(|r| r.try_get::<Option<String>>("", "country"))
        .transpose()?
        .flatten())
}

/// A retailer of the directory (or only of a link, named by id) with the link's state.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct RetailerPartner {
    pub retailer_id: Uuid,
    /// The retailer's display name as announced; `null` until its profile arrived.
    pub name: Option<String>,
    /// `none`, `invited`, `linked`, `declined` or `unlinked`.
    pub state: String,
    /// While `invited`: the side that invited (`retailer` or `manufacturer`).
    pub invited_by: Option<String>,
    /// Who acted last (a retailer admin's e-mail, or this manufacturer's API key).
    pub acted_by: Option<String>,
    pub acted_at: Option<DateTime<Utc>>,
}

fn retailer_partner(r: &QueryResult) -> Result<RetailerPartner, DbErr> {
    Ok(RetailerPartner {
        retailer_id: r.try_get("", "retailer_id")?,
        name: r.try_get("", "name")?,
        state: r.try_get("", "state")?,
        invited_by: r.try_get("", "invited_by")?,
        acted_by: r.try_get("", "acted_by")?,
        acted_at: r.try_get("", "acted_at")?,
    })
}

/// The directory joined with the manufacturer's links (links to retailers not announced yet
/// included), by name; only the linked ones with `linked_only`.
pub async fn retailers<C: ConnectionTrait>(
    db: &C,
    manufacturer_id: Uuid,
    linked_only: bool,
) -> Result<Vec<RetailerPartner>, DbErr> {
    let rows = db
        .query_all_raw(sql(
            "SELECT coalesce(d.retailer_id, l.retailer_id) AS retailer_id, d.name, \
             coalesce(l.state, 'none') AS state, l.invited_by, l.acted_by, l.acted_at \
             FROM partner_directory d FULL JOIN (SELECT * FROM partner_links \
             WHERE manufacturer_id = $1) l ON l.retailer_id = d.retailer_id \
             WHERE NOT $2 OR l.state = 'linked' ORDER BY d.name NULLS LAST, 1",
            vec![manufacturer_id.into(), linked_only.into()],
        ))
        .await?;
    rows.iter().map(retailer_partner).collect()
}

/// Whether a retailer's profile was announced here.
pub async fn retailer_known<C: ConnectionTrait>(db: &C, retailer_id: Uuid) -> Result<bool, DbErr> {
    Ok(db
        .query_one_raw(sql(
            "SELECT 1 AS one FROM partner_directory WHERE retailer_id = $1",
            vec![retailer_id.into()],
        ))
        .await?
        .is_some())
}

/// The pair's link, locked (`PartnerState::None` when there is none yet).
pub async fn lock<C: ConnectionTrait>(
    db: &C,
    manufacturer_id: Uuid,
    retailer_id: Uuid,
) -> Result<PartnerState, DbErr> {
    let Some(row) = db
        .query_one_raw(sql(
            "SELECT state, invited_by FROM partner_links \
             WHERE manufacturer_id = $1 AND retailer_id = $2 FOR UPDATE",
            vec![manufacturer_id.into(), retailer_id.into()],
        ))
        .await?
    else {
        return Ok(PartnerState::None);
    };
    let state: String = row.try_get("", "state")?;
    let by: Option<String> = row.try_get("", "invited_by")?;
    PartnerState::from_row(&state, by.as_deref())
        .ok_or_else(|| DbErr::Custom(format!("partner link in state {state:?}")))
}

/// Whether the pair is linked now.
pub async fn linked<C: ConnectionTrait>(
    db: &C,
    manufacturer_id: Uuid,
    retailer_id: Uuid,
) -> Result<bool, DbErr> {
    Ok(db
        .query_one_raw(sql(
            "SELECT 1 AS one FROM partner_links WHERE manufacturer_id = $1 AND retailer_id = $2 \
             AND state = 'linked'",
            vec![manufacturer_id.into(), retailer_id.into()],
        ))
        .await?
        .is_some())
}

/// Stores the pair's state after `side` acted (`who`, at `at`).
pub async fn store<C: ConnectionTrait>(
    db: &C,
    (manufacturer_id, retailer_id): (Uuid, Uuid),
    state: PartnerState,
    side: Side,
    who: &str,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    let invited_by = state.invited_by().map(Side::as_str);
    db.execute_raw(sql(
        "INSERT INTO partner_links AS l (manufacturer_id, retailer_id, state, invited_by, \
         acted_by_side, acted_by, acted_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (manufacturer_id, retailer_id) DO UPDATE SET (state, invited_by, \
         acted_by_side, acted_by, acted_at, implied) = (EXCLUDED.state, EXCLUDED.invited_by, \
         EXCLUDED.acted_by_side, EXCLUDED.acted_by, EXCLUDED.acted_at, false)",
        vec![
            manufacturer_id.into(),
            retailer_id.into(),
            state.as_str().into(),
            invited_by.into(),
            side.as_str().into(),
            who.into(),
            at.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// Records the retailer's acceptance of a version of one of the manufacturer's agreements with
/// it; `false` when there is no such version (or it was accepted before: the first stands).
pub async fn version_accepted<C: ConnectionTrait>(
    db: &C,
    (manufacturer_id, retailer_id): (Uuid, Uuid),
    (agreement_id, version): (Uuid, i32),
    by: &str,
    at: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let done = db
        .execute_raw(sql(
            "UPDATE agreement_versions v SET accepted_at = $5, accepted_by = $6 \
             FROM agreements a WHERE a.id = v.agreement_id AND a.manufacturer_id = $1 \
             AND a.retailer_id = $2 AND v.agreement_id = $3 AND v.version = $4 \
             AND v.accepted_at IS NULL",
            vec![
                manufacturer_id.into(),
                retailer_id.into(),
                agreement_id.into(),
                version.into(),
                at.into(),
                by.into(),
            ],
        ))
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The acceptance of each version of the agreements given (`(agreement, version)` →
/// `accepted_at`).
pub async fn acceptances<C: ConnectionTrait>(
    db: &C,
    agreement_ids: &[Uuid],
) -> Result<std::collections::HashMap<(Uuid, i32), DateTime<Utc>>, DbErr> {
    let rows = db
        .query_all_raw(sql(
            "SELECT agreement_id, version, accepted_at FROM agreement_versions \
             WHERE agreement_id = ANY($1) AND accepted_at IS NOT NULL",
            vec![agreement_ids.to_vec().into()],
        ))
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                (r.try_get("", "agreement_id")?, r.try_get("", "version")?),
                r.try_get("", "accepted_at")?,
            ))
        })
        .collect()
}
