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
    /// Cases whose holding by this party is past its due time.
    pub overdue: i64,
    /// Of those, escalated to the store's managers.
    pub escalated: i64,
    /// How often the ball changed hands on these cases, all together.
    pub handovers: i64,
}

/// Open cases by who holds the ball, as the one ball rule stored it (`case_holdings`, see
/// [`super::ball`]): per party the cases, the oldest holding, the overdue ones at `now` and the
/// handovers. A case waiting on two parties at once (the crew and the manufacturer) counts for
/// both, once per party.
pub async fn ball_counts<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Vec<BallCount>, DbErr> {
    BallCount::find_by_statement(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT h.party, count(*) AS cases, min(h.since) AS oldest, \
           count(*) FILTER (WHERE h.due_at < $2) AS overdue, \
           count(*) FILTER (WHERE h.escalated) AS escalated, \
           coalesce(sum(c.handovers), 0)::int8 AS handovers \
         FROM (SELECT case_id, party, min(since) AS since, min(due_at) AS due_at, \
                 bool_or(escalated_at IS NOT NULL) AS escalated \
               FROM case_holdings WHERE retailer_id = $1 GROUP BY case_id, party) h \
         JOIN cases c ON c.id = h.case_id \
         GROUP BY h.party",
        [retailer_id.into(), now.into()],
    ))
    .all(db)
    .await
}
