//! Tables and queries. Every query on a manufacturer's data takes the manufacturer id and
//! filters by it: another manufacturer's row is as absent as an unknown one.

pub mod agreement;
pub mod agreement_version;
pub mod analytics;
pub mod api_key;
pub mod claim;
pub mod claim_event;
pub mod claim_evidence;
pub mod credit_note;
pub mod deadlines;
pub mod depot;
pub mod idempotency;
pub mod information;
pub mod manufacturer;
pub mod partners;
pub mod sales_reports;
pub mod serial;
pub mod webhook;
pub mod withdrawal;

use sea_orm::DbErr;

/// Whether `e` is a unique violation of `constraint`.
pub fn is_unique_violation(e: &DbErr, constraint: &str) -> bool {
    match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(msg)) => msg.contains(constraint),
        _ => false,
    }
}

/// The current time at the database's precision (microseconds), so that what a handler answers
/// is exactly what a later read returns.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    truncate(chrono::Utc::now())
}

/// `t` at the database's precision (microseconds).
pub fn truncate(t: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    use chrono::SubsecRound;
    t.trunc_subsecs(6)
}
