//! `carrier_contracts`: a retailer's contracts with carriers (issue 18), as offered over the
//! broker and answered by the carrier. Routing, the dispatcher's board, the crew's day and the
//! return pool ask [`serves_sql`] / [`routes_sql`] whether a carrier may have a retailer's job.
//!
//! The arrays are written from comma-joined strings and read as JSON (as `crews`).

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, QueryResult, Statement};
use serde::Serialize;
use uuid::Uuid;

use crate::db::carrier_regions;
use crate::domain::dispatch::COUNTED_STATUSES;

/// A contract as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Contract {
    pub id: Uuid,
    pub retailer_id: Uuid,
    pub retailer_name: String,
    pub carrier_id: Uuid,
    pub postcode_prefixes: Vec<String>,
    pub weekdays: Vec<i32>,
    pub daily_capacity: Option<i32>,
    /// `offered`, `active`, `declined` or `ended`.
    pub status: String,
    pub offered_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    pub answered_by: Option<String>,
    pub ended_at: Option<DateTime<Utc>>,
}

pub mod status {
    pub const OFFERED: &str = "offered";
    pub const ACTIVE: &str = "active";
    pub const DECLINED: &str = "declined";
    pub const ENDED: &str = "ended";
}

const COLUMNS: &str = "id, retailer_id, retailer_name, carrier_id, \
     array_to_json(postcode_prefixes) AS prefixes, array_to_json(weekdays) AS days, \
     daily_capacity, status, offered_at, answered_at, answered_by, ended_at";

fn from_row(row: &QueryResult) -> Result<Contract, DbErr> {
    let prefixes: serde_json::Value = row.try_get("", "prefixes")?;
    let days: serde_json::Value = row.try_get("", "days")?;
    let bad = |e: serde_json::Error| DbErr::Custom(format!("carrier contract: {e}"));
    Ok(Contract {
        id: row.try_get("", "id")?,
        retailer_id: row.try_get("", "retailer_id")?,
        retailer_name: row.try_get("", "retailer_name")?,
        carrier_id: row.try_get("", "carrier_id")?,
        postcode_prefixes: serde_json::from_value(prefixes).map_err(bad)?,
        weekdays: serde_json::from_value(days).map_err(bad)?,
        daily_capacity: row.try_get("", "daily_capacity")?,
        status: row.try_get("", "status")?,
        offered_at: row.try_get("", "offered_at")?,
        answered_at: row.try_get("", "answered_at")?,
        answered_by: row.try_get("", "answered_by")?,
        ended_at: row.try_get("", "ended_at")?,
    })
}

/// What an offer is made of (already checked).
#[derive(Debug, Clone)]
pub struct NewContract {
    pub id: Uuid,
    pub retailer_id: Uuid,
    pub retailer_name: String,
    pub carrier_id: Uuid,
    pub postcode_prefixes: Vec<String>,
    pub weekdays: Vec<i32>,
    pub daily_capacity: Option<i32>,
    pub offered_at: DateTime<Utc>,
}

/// Stores an offer with `status` (`offered`, or `declined` at once); `false` when the contract
/// is already known (the same offer again).
pub async fn insert<C: ConnectionTrait>(
    db: &C,
    c: &NewContract,
    status: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let days = c
        .weekdays
        .iter()
        .map(i32::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let answered = (status != status::OFFERED).then_some(now);
    let res = db
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO carrier_contracts (id, retailer_id, retailer_name, carrier_id, \
             postcode_prefixes, weekdays, daily_capacity, status, offered_at, answered_at, \
             updated_at) VALUES ($1, $2, $3, $4, string_to_array($5, ','), \
             COALESCE(string_to_array(NULLIF($6, ''), ',')::int[], '{}'), $7, $8, $9, $10, $11) \
             ON CONFLICT (id) DO NOTHING",
            [
                c.id.into(),
                c.retailer_id.into(),
                c.retailer_name.clone().into(),
                c.carrier_id.into(),
                c.postcode_prefixes.join(",").into(),
                days.into(),
                c.daily_capacity.into(),
                status.into(),
                c.offered_at.into(),
                answered.into(),
                now.into(),
            ],
        ))
        .await?;
    Ok(res.rows_affected() == 1)
}

async fn one<C: ConnectionTrait>(
    db: &C,
    tail: &str,
    values: Vec<sea_orm::Value>,
) -> Result<Option<Contract>, DbErr> {
    db.query_one_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        format!("SELECT {COLUMNS} FROM carrier_contracts {tail}"),
        values,
    ))
    .await?
    .as_ref()
    .map(from_row)
    .transpose()
}

/// The contract, locked until the caller's transaction ends.
pub async fn lock<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<Option<Contract>, DbErr> {
    one(db, "WHERE id = $1 FOR UPDATE", vec![id.into()]).await
}

/// The carrier's contract, locked; `None` when unknown or another carrier's.
pub async fn lock_of_carrier<C: ConnectionTrait>(
    db: &C,
    carrier_id: Uuid,
    id: Uuid,
) -> Result<Option<Contract>, DbErr> {
    one(
        db,
        "WHERE id = $1 AND carrier_id = $2 FOR UPDATE",
        vec![id.into(), carrier_id.into()],
    )
    .await
}

/// The carrier's contracts, newest offer first (at most [`crate::domain::LIST_LIMIT`]).
pub async fn of_carrier<C: ConnectionTrait>(
    db: &C,
    carrier_id: Uuid,
) -> Result<Vec<Contract>, DbErr> {
    db.query_all_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        format!(
            "SELECT {COLUMNS} FROM carrier_contracts WHERE carrier_id = $1 \
             ORDER BY offered_at DESC, id LIMIT {}",
            crate::domain::LIST_LIMIT
        ),
        [carrier_id.into()],
    ))
    .await?
    .iter()
    .map(from_row)
    .collect()
}

/// Moves the contract to `status`: `active`/`declined` record who answered and when, `ended`
/// when it ended.
pub async fn set_status<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    status: &str,
    by: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let sql = if status == status::ENDED {
        "UPDATE carrier_contracts SET status = $2, ended_at = $4, updated_at = $4, \
         answered_by = COALESCE(answered_by, $3) WHERE id = $1"
    } else {
        "UPDATE carrier_contracts SET status = $2, answered_at = $4, answered_by = $3, \
         updated_at = $4 WHERE id = $1"
    };
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        sql,
        [
            id.into(),
            status.into(),
            by.map(str::to_owned).into(),
            now.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// SQL: carrier `{carrier}` may have retailer `{retailer}`'s job at postcode key `{key}` (all
/// SQL expressions): the operator granted it the postcode, and it holds an active contract of
/// that retailer whose regions cover the postcode — on the weekday of `{day}` when a day is
/// given. What a carrier sees and may take follows this; capacity is [`routes_sql`]'s.
pub fn serves_sql(carrier: &str, retailer: &str, key: &str, day: Option<&str>) -> String {
    contract_sql(carrier, retailer, key, &day_sql(day))
}

fn contract_sql(carrier: &str, retailer: &str, key: &str, extra: &str) -> String {
    format!(
        "({} AND EXISTS (SELECT 1 FROM carrier_contracts k WHERE k.carrier_id = {carrier} \
         AND k.retailer_id = {retailer} AND k.status = 'active' \
         AND EXISTS (SELECT 1 FROM unnest(k.postcode_prefixes) kp WHERE starts_with({key}, kp)) \
         {extra}))",
        carrier_regions::granted_sql(carrier, key),
    )
}

fn day_sql(day: Option<&str>) -> String {
    day.map(|d| {
        format!(
            "AND (cardinality(k.weekdays) = 0 OR extract(isodow FROM {d})::int = ANY(k.weekdays))"
        )
    })
    .unwrap_or_default()
}

/// SQL: as [`serves_sql`] on day `{day}`, and the contract still has room that day: fewer of
/// the retailer's visits in the contract's regions on the carrier's crews than its daily
/// capacity. Automatic routing asks this.
pub fn routes_sql(carrier: &str, retailer: &str, key: &str, day: &str) -> String {
    let counted = COUNTED_STATUSES
        .iter()
        .map(|s| format!("'{}'", s.as_string()))
        .collect::<Vec<_>>()
        .join(",");
    let room = format!(
        "AND (k.daily_capacity IS NULL OR (SELECT count(*) FROM jobs c \
         WHERE c.carrier_id = k.carrier_id AND c.retailer_id = k.retailer_id \
         AND c.visit_date = {day} AND c.crew_id IS NOT NULL AND c.status IN ({counted}) \
         AND EXISTS (SELECT 1 FROM unnest(k.postcode_prefixes) cp \
         WHERE starts_with(upper(regexp_replace(c.address_postcode, '\\s', '', 'g')), cp))) \
         < k.daily_capacity)"
    );
    contract_sql(
        carrier,
        retailer,
        key,
        &format!("{} {room}", day_sql(Some(day))),
    )
}

/// Carriers whose public profile was never announced (made before contracts existed).
pub async fn unannounced_carriers<C: ConnectionTrait>(db: &C) -> Result<Vec<Uuid>, DbErr> {
    db.query_all_raw(Statement::from_string(
        DbBackend::Postgres,
        "SELECT id FROM carriers WHERE profile_published_at IS NULL ORDER BY id FOR UPDATE SKIP LOCKED",
    ))
    .await?
    .iter()
    .map(|r| r.try_get::<Uuid>("", "id"))
    .collect()
}

/// Records that the carrier's profile went into the outbox at `now`.
pub async fn mark_announced<C: ConnectionTrait>(
    db: &C,
    carrier_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "UPDATE carriers SET profile_published_at = $2 WHERE id = $1",
        [carrier_id.into(), now.into()],
    ))
    .await?;
    Ok(())
}

/// The names of `retailer_ids` as their latest contract with `carrier_id` gives them.
pub async fn retailer_names<C: ConnectionTrait>(
    db: &C,
    carrier_id: Uuid,
    retailer_ids: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, String>, DbErr> {
    if retailer_ids.is_empty() {
        return Ok(Default::default());
    }
    let list = retailer_ids
        .iter()
        .map(Uuid::to_string)
        .collect::<Vec<_>>()
        .join(",");
    db.query_all_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT DISTINCT ON (retailer_id) retailer_id, retailer_name FROM carrier_contracts \
         WHERE carrier_id = $1 AND retailer_id = ANY(string_to_array($2, ',')::uuid[]) \
         ORDER BY retailer_id, updated_at DESC",
        [carrier_id.into(), list.into()],
    ))
    .await?
    .iter()
    .map(|r| {
        Ok((
            r.try_get("", "retailer_id")?,
            r.try_get("", "retailer_name")?,
        ))
    })
    .collect()
}
