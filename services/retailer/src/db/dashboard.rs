//! The dashboard's figures, computed in SQL (the caller reads them in one snapshot).

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, FromQueryResult, Statement};
use uuid::Uuid;

use crate::domain::kind;

#[derive(Debug, Clone, FromQueryResult)]
pub struct TimeToSwap {
    /// `None`: cases opened outside a store (the JSON API, staff without a store).
    pub store: Option<String>,
    pub swaps: i64,
    pub median_seconds: f64,
    pub p90_seconds: f64,
}

/// Time to swap — from the case opened to the replacement delivered (the first `delivered` or
/// `delivered_and_collected` entry of its timeline) — per store where the case was opened, for
/// deliveries in `[from, to)`: median and 90th percentile.
pub async fn time_to_swap<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<TimeToSwap>, DbErr> {
    TimeToSwap::find_by_statement(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "WITH delivered AS ( \
           SELECT case_id, min(occurred_at) AS at FROM timeline \
           WHERE retailer_id = $1 AND kind IN ($4, $5) GROUP BY case_id) \
         SELECT s.name AS store, count(*) AS swaps, \
           percentile_cont(0.5) WITHIN GROUP \
             (ORDER BY extract(epoch FROM d.at - c.opened_at))::float8 AS median_seconds, \
           percentile_cont(0.9) WITHIN GROUP \
             (ORDER BY extract(epoch FROM d.at - c.opened_at))::float8 AS p90_seconds \
         FROM delivered d JOIN cases c ON c.id = d.case_id AND c.retailer_id = $1 \
         LEFT JOIN stores s ON s.id = c.store_id \
         WHERE d.at >= $2 AND d.at < $3 \
         GROUP BY s.id, s.name ORDER BY s.name NULLS LAST",
        [
            retailer_id.into(),
            from.into(),
            to.into(),
            kind::DELIVERED.into(),
            kind::DELIVERED_AND_COLLECTED.into(),
        ],
    ))
    .all(db)
    .await
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct BallCount {
    pub party: String,
    pub cases: i64,
    pub oldest: DateTime<Utc>,
}

/// Open cases by who holds the ball: the retailer (an open case to decide, or a failed visit to
/// agree again), the crew (a swap not delivered yet), the manufacturer (a claim not decided, or
/// disputed and waiting for the new decision). A case waiting on the crew and the manufacturer
/// at once counts for both.
pub async fn ball_counts<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
) -> Result<Vec<BallCount>, DbErr> {
    BallCount::find_by_statement(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT party, count(DISTINCT case_id) AS cases, min(since) AS oldest FROM ( \
           SELECT 'retailer' AS party, c.id AS case_id, c.opened_at AS since FROM cases c \
           WHERE c.retailer_id = $1 AND c.status = 'open' \
           UNION ALL \
           SELECT CASE WHEN w.status = 'failed_attempt' THEN 'retailer' ELSE 'crew' END, \
             w.case_id, CASE WHEN w.status = 'approved' THEN w.approved_at \
                             ELSE w.status_changed_at END \
           FROM swaps w JOIN cases c ON c.id = w.case_id \
           WHERE w.retailer_id = $1 AND w.status <> 'delivered' \
             AND c.status NOT IN ('refused', 'closed') \
           UNION ALL \
           SELECT 'manufacturer', k.case_id, k.submitted_at FROM claims k \
           JOIN cases c ON c.id = k.case_id \
           WHERE k.retailer_id = $1 AND k.status IN ('submitted', 'disputed') \
             AND c.status NOT IN ('refused', 'closed') \
         ) h GROUP BY party",
        [retailer_id.into()],
    ))
    .all(db)
    .await
}
