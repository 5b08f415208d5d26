//! `sales_reports` and `sales_report_lines`: the units sold each linked retailer reported per
//! month and product (issue 12), and the counts behind the failure rates — always of one
//! manufacturer.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, QueryResult, Statement, Value};
use uuid::Uuid;

use crate::domain::failure_rates::{ClaimCounts, Group};

fn stmt(sql: &str, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
}

/// `(manufacturer, retailer, first day of the month)`.
pub type Month = (Uuid, Uuid, NaiveDate);

/// The sequence of the month's report held (`None`: none yet), the row locked until the
/// commit so two reports of one month are applied one after the other.
pub async fn lock<C: ConnectionTrait>(
    db: &C,
    (mid, rid, month): Month,
) -> Result<Option<i64>, DbErr> {
    let row = db
        .query_one_raw(stmt(
            "SELECT sequence FROM sales_reports WHERE manufacturer_id = $1 AND retailer_id = $2 \
             AND month = $3 FOR UPDATE",
            vec![mid.into(), rid.into(), month.into()],
        ))
        .await?;
    row.map(|r| r.try_get("", "sequence")).transpose()
}

/// One product's line of a report.
pub struct Line<'a> {
    pub sku: &'a str,
    pub name: &'a str,
    pub units: u32,
}

/// Replaces the month's report with `sequence` and its lines.
pub async fn replace<C: ConnectionTrait>(
    db: &C,
    (mid, rid, month): Month,
    (sequence, as_of): (i64, DateTime<Utc>),
    lines: &[Line<'_>],
) -> Result<(), DbErr> {
    db.execute_raw(stmt(
        "INSERT INTO sales_reports (manufacturer_id, retailer_id, month, sequence, as_of) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (manufacturer_id, retailer_id, month) \
         DO UPDATE SET sequence = EXCLUDED.sequence, as_of = EXCLUDED.as_of, received_at = now()",
        vec![
            mid.into(),
            rid.into(),
            month.into(),
            sequence.into(),
            as_of.into(),
        ],
    ))
    .await?;
    db.execute_raw(stmt(
        "DELETE FROM sales_report_lines WHERE manufacturer_id = $1 AND retailer_id = $2 \
         AND month = $3",
        vec![mid.into(), rid.into(), month.into()],
    ))
    .await?;
    if lines.is_empty() {
        return Ok(());
    }
    let skus: Vec<String> = lines.iter().map(|l| l.sku.to_owned()).collect();
    let names: Vec<String> = lines.iter().map(|l| l.name.to_owned()).collect();
    let units: Vec<i64> = lines.iter().map(|l| i64::from(l.units)).collect();
    db.execute_raw(stmt(
        "INSERT INTO sales_report_lines (manufacturer_id, retailer_id, month, sku, name, units) \
         SELECT $1, $2, $3, l.sku, l.name, l.units::integer \
         FROM unnest($4::text[], $5::text[], $6::bigint[]) AS l (sku, name, units)",
        vec![
            mid.into(),
            rid.into(),
            month.into(),
            skus.into(),
            names.into(),
            units.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// Which months and retailer the figures are of (months of sale, both ends included).
#[derive(Debug, Clone, Copy, Default)]
pub struct Scope {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub retailer_id: Option<Uuid>,
}

impl Scope {
    fn values(&self, mid: Uuid) -> Vec<Value> {
        vec![
            mid.into(),
            self.from.into(),
            self.to.into(),
            self.retailer_id.into(),
        ]
    }
}

/// The grouping sets of both counts; `GROUPING(sku, month, retailer_id)` tells them apart.
const GROUPS: &str = "GROUP BY GROUPING SETS ((sku, month), (sku), (month), (retailer_id), ())";
/// `$2`, `$3`: the months; `$4`: the retailer.
const WHERE: &str = "($2::date IS NULL OR month >= $2) AND ($3::date IS NULL OR month <= $3) \
     AND ($4::uuid IS NULL OR retailer_id = $4)";

fn group(r: &QueryResult) -> Result<Group, DbErr> {
    let g: i32 = r.try_get("", "g")?;
    let sku = || r.try_get::<String>("", "sku");
    let month = || r.try_get::<NaiveDate>("", "month");
    Ok(match g {
        1 => Group::ProductMonth(sku()?, month()?),
        3 => Group::Product(sku()?),
        5 => Group::Month(month()?),
        6 => Group::Retailer(r.try_get("", "retailer_id")?),
        7 => Group::Total,
        other => return Err(DbErr::Custom(format!("unexpected grouping {other}"))),
    })
}

/// What the counts name: each sku's product name, each retailer's name as announced.
#[derive(Debug, Default)]
pub struct Names {
    pub products: BTreeMap<String, String>,
    pub retailers: BTreeMap<Uuid, String>,
}

fn remember_product(names: &mut Names, g: &Group, r: &QueryResult) -> Result<(), DbErr> {
    if let Group::Product(sku) = g {
        let name: String = r.try_get("", "name")?;
        names.products.entry(sku.clone()).or_insert(name);
    }
    Ok(())
}

/// Units reported sold in the scope, per group.
pub async fn units<C: ConnectionTrait>(
    db: &C,
    mid: Uuid,
    scope: Scope,
    names: &mut Names,
) -> Result<BTreeMap<Group, i64>, DbErr> {
    let sql = format!(
        "SELECT GROUPING(sku, month, retailer_id) AS g, sku, month, retailer_id, \
         max(name) AS name, coalesce(sum(units), 0)::bigint AS units FROM sales_report_lines \
         WHERE manufacturer_id = $1 AND {WHERE} {GROUPS}"
    );
    let rows = db.query_all_raw(stmt(&sql, scope.values(mid))).await?;
    let mut out = BTreeMap::new();
    for r in rows {
        let g = group(&r)?;
        remember_product(names, &g, &r)?;
        out.insert(g, r.try_get("", "units")?);
    }
    Ok(out)
}

/// The claims on units sold in the scope (withdrawn claims left out), per group.
pub async fn claims<C: ConnectionTrait>(
    db: &C,
    mid: Uuid,
    scope: Scope,
    names: &mut Names,
) -> Result<BTreeMap<Group, ClaimCounts>, DbErr> {
    let sql = format!(
        "WITH c AS ( \
           SELECT c.retailer_id, c.product_sku AS sku, c.product_name AS name, \
             date_trunc('month', c.sold_at AT TIME ZONE 'UTC')::date AS month, \
             extract(epoch FROM c.swapped_at - c.sold_at)::float8 / 86400 AS days, \
             c.inspection_result, EXISTS (SELECT 1 FROM sales_reports r \
               WHERE r.manufacturer_id = $1 AND r.retailer_id = c.retailer_id \
               AND r.month = date_trunc('month', c.sold_at AT TIME ZONE 'UTC')::date) \
               AS reported \
           FROM claims c WHERE c.manufacturer_id = $1 \
             AND NOT EXISTS (SELECT 1 FROM claim_withdrawals w WHERE w.claim_id = c.id)) \
         SELECT GROUPING(sku, month, retailer_id) AS g, sku, month, retailer_id, \
           max(name) AS name, count(*) AS claims, \
           count(*) FILTER (WHERE reported) AS claims_reported, \
           round(percentile_cont(0.5) WITHIN GROUP (ORDER BY days))::bigint AS median_days, \
           count(inspection_result) AS inspected, \
           count(*) FILTER (WHERE inspection_result = 'no_fault_found') AS no_fault_found \
         FROM c WHERE {WHERE} {GROUPS}"
    );
    let rows = db.query_all_raw(stmt(&sql, scope.values(mid))).await?;
    let mut out = BTreeMap::new();
    for r in rows {
        let g = group(&r)?;
        remember_product(names, &g, &r)?;
        let counts = ClaimCounts {
            claims: r.try_get("", "claims")?,
            claims_reported: r.try_get("", "claims_reported")?,
            median_days: r.try_get("", "median_days")?,
            inspected: r.try_get("", "inspected")?,
            no_fault_found: r.try_get("", "no_fault_found")?,
        };
        out.insert(g, counts);
    }
    Ok(out)
}

/// The announced names of these retailers (those never announced are left out).
pub async fn retailer_names<C: ConnectionTrait>(
    db: &C,
    ids: Vec<Uuid>,
    names: &mut Names,
) -> Result<(), DbErr> {
    let rows = db
        .query_all_raw(stmt(
            "SELECT retailer_id, name FROM partner_directory WHERE retailer_id = ANY($1)",
            vec![ids.into()],
        ))
        .await?;
    for r in rows {
        names
            .retailers
            .insert(r.try_get("", "retailer_id")?, r.try_get("", "name")?);
    }
    Ok(())
}
