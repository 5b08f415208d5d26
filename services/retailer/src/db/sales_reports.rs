//! `sales_reports_sent` (what was last reported to each linked manufacturer per month) and the
//! count of units sold behind the reports (issue 12). Both only for linked pairs.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement, Value};

use crate::domain::sales_report::{Counted, Key, Sent};

fn stmt(sql: &str, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
}

/// Held by the sweep for its transaction, so two replicas never send the same month twice.
const SWEEP_LOCK: i64 = 0x6b75_6d5f_7361_6c65; // "kum_sale"

/// Takes the sweep's lock for the caller's transaction; `false` when another sweep holds it.
pub async fn try_lock_sweep<C: ConnectionTrait>(db: &C) -> Result<bool, DbErr> {
    let row = db
        .query_one_raw(stmt(
            "SELECT pg_try_advisory_xact_lock($1) AS locked",
            vec![SWEEP_LOCK.into()],
        ))
        .await?;
    Ok(match row {
        Some(r) => r.try_get("", "locked")?,
        None => false,
    })
}

/// Units sold from `since` (a month's first day) per linked retailer and manufacturer, UTC
/// month and product. A replacement unit delivered for a swap is not a sale.
pub async fn counted<C: ConnectionTrait>(
    db: &C,
    since: NaiveDate,
) -> Result<BTreeMap<Key, BTreeMap<String, Counted>>, DbErr> {
    let rows = db
        .query_all_raw(stmt(
            "SELECT s.retailer_id, p.manufacturer_id, \
             date_trunc('month', s.sold_at AT TIME ZONE 'UTC')::date AS month, \
             p.sku, max(p.name) AS name, count(*) AS units \
             FROM sales s JOIN products p ON p.id = s.product_id \
             JOIN partner_links l ON l.retailer_id = s.retailer_id \
               AND l.manufacturer_id = p.manufacturer_id AND l.state = 'linked' \
             WHERE s.replaces_case_id IS NULL AND s.sold_at >= ($1::date AT TIME ZONE 'UTC') \
             GROUP BY 1, 2, 3, 4",
            vec![since.into()],
        ))
        .await?;
    let mut out: BTreeMap<Key, BTreeMap<String, Counted>> = BTreeMap::new();
    for r in rows {
        let key: Key = (
            r.try_get("", "retailer_id")?,
            r.try_get("", "manufacturer_id")?,
            r.try_get("", "month")?,
        );
        let units: i64 = r.try_get("", "units")?;
        let counted = Counted {
            name: r.try_get("", "name")?,
            units: u32::try_from(units).unwrap_or(u32::MAX),
        };
        out.entry(key)
            .or_default()
            .insert(r.try_get("", "sku")?, counted);
    }
    Ok(out)
}

/// What was last sent from `since`, to manufacturers that are linked now.
pub async fn sent<C: ConnectionTrait>(
    db: &C,
    since: NaiveDate,
) -> Result<BTreeMap<Key, Sent>, DbErr> {
    let rows = db
        .query_all_raw(stmt(
            "SELECT r.retailer_id, r.manufacturer_id, r.month, r.sequence, r.counts \
             FROM sales_reports_sent r JOIN partner_links l ON l.retailer_id = r.retailer_id \
               AND l.manufacturer_id = r.manufacturer_id AND l.state = 'linked' \
             WHERE r.month >= $1",
            vec![since.into()],
        ))
        .await?;
    let mut out = BTreeMap::new();
    for r in rows {
        let key: Key = (
            r.try_get("", "retailer_id")?,
            r.try_get("", "manufacturer_id")?,
            r.try_get("", "month")?,
        );
        let counts: serde_json::Value = r.try_get("", "counts")?;
        let counts = serde_json::from_value(counts)
            .map_err(|e| DbErr::Custom(format!("sales_reports_sent.counts: {e}")))?;
        let sequence = r.try_get("", "sequence")?;
        out.insert(key, Sent { sequence, counts });
    }
    Ok(out)
}

/// Records that `counts` were sent for the month under `sequence`.
pub async fn save<C: ConnectionTrait>(
    db: &C,
    (retailer_id, manufacturer_id, month): Key,
    sequence: i64,
    counts: &BTreeMap<String, u32>,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    let counts = serde_json::to_value(counts).map_err(|e| DbErr::Custom(e.to_string()))?;
    db.execute_raw(stmt(
        "INSERT INTO sales_reports_sent (retailer_id, manufacturer_id, month, sequence, counts, \
         sent_at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (retailer_id, manufacturer_id, month) DO UPDATE SET \
         sequence = EXCLUDED.sequence, counts = EXCLUDED.counts, sent_at = EXCLUDED.sent_at",
        vec![
            retailer_id.into(),
            manufacturer_id.into(),
            month.into(),
            sequence.into(),
            counts.into(),
            at.into(),
        ],
    ))
    .await?;
    Ok(())
}
