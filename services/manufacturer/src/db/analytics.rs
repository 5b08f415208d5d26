//! The counts behind the manufacturer's analytics: always of one manufacturer's claims,
//! received within an optional range.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement, Value};
use uuid::Uuid;

use crate::domain::analytics::GroupCount;

/// How the claims received in the range stand.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcomes {
    pub pending: i64,
    pub accepted: i64,
    pub partly_accepted: i64,
    pub rejected: i64,
    /// Median of `decided_at - received_at` over the decided claims, in whole seconds.
    pub median_seconds_to_decision: Option<i64>,
}

/// `WHERE` of every query here, `$1` the manufacturer, `$2` and `$3` the optional bounds.
const SCOPE: &str = "manufacturer_id = $1 \
     AND ($2::timestamptz IS NULL OR received_at >= $2) \
     AND ($3::timestamptz IS NULL OR received_at < $3)";

fn values(mid: Uuid, from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> Vec<Value> {
    vec![mid.into(), from.into(), to.into()]
}

pub async fn groups<C: ConnectionTrait>(
    db: &C,
    mid: Uuid,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> Result<Vec<GroupCount>, DbErr> {
    let sql = format!(
        "SELECT product_sku, max(product_name) AS product_name, defect_category, \
         count(*) AS claims FROM claims WHERE {SCOPE} \
         GROUP BY product_sku, defect_category"
    );
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            sql,
            values(mid, from, to),
        ))
        .await?;
    rows.into_iter()
        .map(|r| {
            Ok(GroupCount {
                sku: r.try_get("", "product_sku")?,
                product_name: r.try_get("", "product_name")?,
                defect_category: r.try_get("", "defect_category")?,
                claims: r.try_get("", "claims")?,
            })
        })
        .collect()
}

pub async fn outcomes<C: ConnectionTrait>(
    db: &C,
    mid: Uuid,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> Result<Outcomes, DbErr> {
    let sql = format!(
        "SELECT \
           count(*) FILTER (WHERE status IN ('pending', 'return_requested', 'unit_arrived', \
                                             'disputed')) AS pending, \
           count(*) FILTER (WHERE status = 'accepted') AS accepted, \
           count(*) FILTER (WHERE status = 'partly_accepted') AS partly_accepted, \
           count(*) FILTER (WHERE status = 'rejected') AS rejected, \
           round(percentile_cont(0.5) WITHIN GROUP ( \
             ORDER BY extract(epoch FROM decided_at - received_at)::float8) \
             FILTER (WHERE decided_at IS NOT NULL))::bigint AS median_seconds \
         FROM claims WHERE {SCOPE}"
    );
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            sql,
            values(mid, from, to),
        ))
        .await?;
    let Some(r) = row else {
        return Ok(Outcomes::default());
    };
    Ok(Outcomes {
        pending: r.try_get("", "pending")?,
        accepted: r.try_get("", "accepted")?,
        partly_accepted: r.try_get("", "partly_accepted")?,
        rejected: r.try_get("", "rejected")?,
        median_seconds_to_decision: r.try_get("", "median_seconds")?,
    })
}
