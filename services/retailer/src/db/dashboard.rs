//! The dashboard's figures, computed in SQL (the caller reads them in one snapshot).

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, FromQueryResult, Statement};
use uuid::Uuid;

use crate::domain::TimelineKind;

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
            TimelineKind::Delivered.as_string().into(),
            TimelineKind::DeliveredAndCollected.as_string().into(),
        ],
    ))
    .all(db)
    .await
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct BallCount {
    pub party: String,
    pub cases: i64,
    /// `None` when the party holds nothing.
    pub oldest: Option<DateTime<Utc>>,
}

/// Open cases by who holds the ball: the retailer (an open case to decide, or a failed visit to
/// agree again), the crew (a swap not delivered yet), the manufacturer (a claim not decided, or
/// disputed and waiting for the new decision). A case waiting on the crew and the manufacturer
/// at once counts for both. Swaps and claims exist only on approved cases (a refused case has
/// neither), so they are counted without looking at the case: one aggregate per party, no sort.
pub async fn ball_counts<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
) -> Result<Vec<BallCount>, DbErr> {
    BallCount::find_by_statement(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT 'retailer' AS party, count(*) AS cases, min(since) AS oldest FROM ( \
           SELECT opened_at AS since FROM cases WHERE retailer_id = $1 AND status = 'open' \
           UNION ALL \
           SELECT status_changed_at FROM swaps \
           WHERE retailer_id = $1 AND status = 'failed_attempt' \
         ) r \
         UNION ALL \
         SELECT 'crew', count(*), min(CASE WHEN status = 'approved' THEN approved_at \
                                          ELSE status_changed_at END) \
         FROM swaps WHERE retailer_id = $1 AND status NOT IN ('delivered', 'failed_attempt') \
         UNION ALL \
         SELECT 'manufacturer', count(*), min(submitted_at) FROM claims \
         WHERE retailer_id = $1 AND status IN ('submitted', 'disputed')",
        [retailer_id.into()],
    ))
    .all(db)
    .await
}
