//! `carrier_directory` (the carriers' public profiles as logistics announced them) and
//! `carrier_contracts` (the retailer's contracts with carriers and their state), issue 18.
//! Arrays are written from comma-joined strings and read as JSON.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, QueryResult, Statement, Value};
use serde::Serialize;
use uuid::Uuid;

/// A carrier as the directory knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DirectoryCarrier {
    pub carrier_id: Uuid,
    pub name: String,
    /// The postcode prefixes the operator granted it.
    pub regions: Vec<String>,
    pub published_at: DateTime<Utc>,
}

fn json_list<T: serde::de::DeserializeOwned>(row: &QueryResult, col: &str) -> Result<T, DbErr> {
    let v: serde_json::Value = row.try_get("", col)?;
    serde_json::from_value(v).map_err(|e| DbErr::Custom(format!("{col}: {e}")))
}

fn carrier_from_row(row: &QueryResult) -> Result<DirectoryCarrier, DbErr> {
    Ok(DirectoryCarrier {
        carrier_id: row.try_get("", "carrier_id")?,
        name: row.try_get("", "name")?,
        regions: json_list(row, "regions")?,
        published_at: row.try_get("", "published_at")?,
    })
}

/// Keeps the profile if it is newer than what the directory holds; `true` when stored.
pub async fn upsert_carrier<C: ConnectionTrait>(
    db: &C,
    c: &DirectoryCarrier,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let res = db
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO carrier_directory (carrier_id, name, regions, published_at, updated_at) \
             VALUES ($1, $2, COALESCE(string_to_array(NULLIF($3, ''), ','), '{}'), $4, $5) \
             ON CONFLICT (carrier_id) DO UPDATE SET name = EXCLUDED.name, \
             regions = EXCLUDED.regions, published_at = EXCLUDED.published_at, \
             updated_at = EXCLUDED.updated_at \
             WHERE carrier_directory.published_at < EXCLUDED.published_at",
            [
                c.carrier_id.into(),
                c.name.clone().into(),
                c.regions.join(",").into(),
                c.published_at.into(),
                now.into(),
            ],
        ))
        .await?;
    Ok(res.rows_affected() == 1)
}

/// A NULL regions array (an empty grant) reads as `[]`.
fn carriers_where(tail: &str) -> String {
    format!(
        "SELECT carrier_id, name, COALESCE(array_to_json(regions), '[]'::json) AS regions, \
         published_at FROM carrier_directory {tail}"
    )
}

/// Carriers whose name contains `name` (any case), by name; at most `limit`.
pub async fn search<C: ConnectionTrait>(
    db: &C,
    name: &str,
    limit: u64,
) -> Result<Vec<DirectoryCarrier>, DbErr> {
    db.query_all_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        carriers_where(&format!(
            "WHERE strpos(lower(name), lower($1)) > 0 ORDER BY lower(name), carrier_id LIMIT {limit}"
        )),
        [name.into()],
    ))
    .await?
    .iter()
    .map(carrier_from_row)
    .collect()
}

pub async fn find_carrier<C: ConnectionTrait>(
    db: &C,
    carrier_id: Uuid,
) -> Result<Option<DirectoryCarrier>, DbErr> {
    db.query_one_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        carriers_where("WHERE carrier_id = $1"),
        [carrier_id.into()],
    ))
    .await?
    .as_ref()
    .map(carrier_from_row)
    .transpose()
}

/// A contract as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Contract {
    pub id: Uuid,
    pub retailer_id: Uuid,
    pub carrier_id: Uuid,
    pub carrier_name: String,
    pub postcode_prefixes: Vec<String>,
    pub weekdays: Vec<i32>,
    pub daily_capacity: Option<i32>,
    /// `offered` (waiting for the carrier), `active`, `declined` or `ended`.
    pub status: String,
    pub offered_by: String,
    pub offered_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    pub answered_by: Option<String>,
    pub declined_reason: Option<String>,
    pub declined_detail: Option<String>,
    pub ended_by: Option<String>,
    pub ended_at: Option<DateTime<Utc>>,
}

pub mod status {
    pub const OFFERED: &str = "offered";
    pub const ACTIVE: &str = "active";
    pub const DECLINED: &str = "declined";
    pub const ENDED: &str = "ended";
}

const COLUMNS: &str = "id, retailer_id, carrier_id, carrier_name, \
     array_to_json(postcode_prefixes) AS prefixes, array_to_json(weekdays) AS days, \
     daily_capacity, status, offered_by, offered_at, answered_at, answered_by, declined_reason, \
     declined_detail, ended_by, ended_at";

fn from_row(row: &QueryResult) -> Result<Contract, DbErr> {
    Ok(Contract {
        id: row.try_get("", "id")?,
        retailer_id: row.try_get("", "retailer_id")?,
        carrier_id: row.try_get("", "carrier_id")?,
        carrier_name: row.try_get("", "carrier_name")?,
        postcode_prefixes: json_list(row, "prefixes")?,
        weekdays: json_list(row, "days")?,
        daily_capacity: row.try_get("", "daily_capacity")?,
        status: row.try_get("", "status")?,
        offered_by: row.try_get("", "offered_by")?,
        offered_at: row.try_get("", "offered_at")?,
        answered_at: row.try_get("", "answered_at")?,
        answered_by: row.try_get("", "answered_by")?,
        declined_reason: row.try_get("", "declined_reason")?,
        declined_detail: row.try_get("", "declined_detail")?,
        ended_by: row.try_get("", "ended_by")?,
        ended_at: row.try_get("", "ended_at")?,
    })
}

async fn contracts_where<C: ConnectionTrait>(
    db: &C,
    tail: &str,
    values: Vec<Value>,
) -> Result<Vec<Contract>, DbErr> {
    db.query_all_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        format!("SELECT {COLUMNS} FROM carrier_contracts {tail}"),
        values,
    ))
    .await?
    .iter()
    .map(from_row)
    .collect()
}

/// An offer to store (already checked).
#[derive(Debug, Clone)]
pub struct NewContract {
    pub id: Uuid,
    pub retailer_id: Uuid,
    pub carrier_id: Uuid,
    pub carrier_name: String,
    pub postcode_prefixes: Vec<String>,
    pub weekdays: Vec<i32>,
    pub daily_capacity: Option<i32>,
    pub offered_by: String,
    pub offered_by_key: Option<Uuid>,
    pub offered_at: DateTime<Utc>,
}

pub async fn insert<C: ConnectionTrait>(db: &C, c: &NewContract) -> Result<(), DbErr> {
    let days = c
        .weekdays
        .iter()
        .map(i32::to_string)
        .collect::<Vec<_>>()
        .join(",");
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "INSERT INTO carrier_contracts (id, retailer_id, carrier_id, carrier_name, \
         postcode_prefixes, weekdays, daily_capacity, status, offered_by, offered_by_key, \
         offered_at) VALUES ($1, $2, $3, $4, string_to_array($5, ','), \
         COALESCE(string_to_array(NULLIF($6, ''), ',')::int[], '{}'), $7, 'offered', $8, $9, $10)",
        [
            c.id.into(),
            c.retailer_id.into(),
            c.carrier_id.into(),
            c.carrier_name.clone().into(),
            c.postcode_prefixes.join(",").into(),
            days.into(),
            c.daily_capacity.into(),
            c.offered_by.clone().into(),
            c.offered_by_key.into(),
            c.offered_at.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// The retailer's contracts, newest offer first (at most 500).
pub async fn of_retailer<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
) -> Result<Vec<Contract>, DbErr> {
    contracts_where(
        db,
        "WHERE retailer_id = $1 ORDER BY offered_at DESC, id LIMIT 500",
        vec![retailer_id.into()],
    )
    .await
}

/// The contract, locked; `None` when unknown (or, with `retailer_id`, another retailer's).
pub async fn lock<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    retailer_id: Option<Uuid>,
) -> Result<Option<Contract>, DbErr> {
    Ok(contracts_where(
        db,
        "WHERE id = $1 AND ($2::uuid IS NULL OR retailer_id = $2) FOR UPDATE",
        vec![id.into(), retailer_id.into()],
    )
    .await?
    .pop())
}

/// The carrier's answer: `active` (accepted) or `declined` with its reason.
pub async fn answered<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    status: &str,
    by: Option<&str>,
    reason: Option<(&str, Option<&str>)>,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "UPDATE carrier_contracts SET status = $2, answered_by = $3, declined_reason = $4, \
         declined_detail = $5, answered_at = $6 WHERE id = $1",
        [
            id.into(),
            status.into(),
            by.map(str::to_owned).into(),
            reason.map(|r| r.0.to_owned()).into(),
            reason.and_then(|r| r.1).map(str::to_owned).into(),
            at.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// Ended by `by` at `at`.
pub async fn ended<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    by: &str,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "UPDATE carrier_contracts SET status = 'ended', ended_by = $2, ended_at = $3 WHERE id = $1",
        [id.into(), by.into(), at.into()],
    ))
    .await?;
    Ok(())
}
