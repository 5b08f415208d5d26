//! The claims whose decision deadline passed.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, FromQueryResult, Statement};

use super::claim;
use crate::domain::DefaultOutcome;

/// Most claims one sweep decides in one transaction.
pub const BATCH: u64 = 100;

/// Open claims (pending, waiting for their unit — due at its `return_by` —, their unit arrived,
/// or disputed) with `deadline_at <= now`, oldest
/// deadline first, with the default outcome of the agreement version that judged them; locked
/// until the caller's transaction ends, skipping any another sweep holds. A flagged claim is
/// never accepted by a rule, nor one still missing evidence its agreement requires: one whose
/// default is to accept stays for the manufacturer.
pub async fn claim_due<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
) -> Result<Vec<(claim::Model, DefaultOutcome)>, DbErr> {
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT c.*, v.terms->>'default_outcome' AS agreement_default_outcome \
             FROM claims c JOIN agreement_versions v \
               ON v.agreement_id = c.agreement_id AND v.version = c.agreement_version \
             WHERE c.status IN ('pending', 'return_requested', 'unit_arrived', 'disputed') \
               AND c.deadline_at <= $1 \
               AND NOT (v.terms->>'default_outcome' = 'accept' \
                        AND (c.flags <> '[]'::jsonb \
                             OR (c.status = 'pending' \
                                 AND c.pending_reason = 'evidence_missing'))) \
             ORDER BY c.deadline_at, c.id \
             LIMIT $2 \
             FOR UPDATE OF c SKIP LOCKED",
            [now.into(), (BATCH as i64).into()],
        ))
        .await?;
    rows.iter()
        .map(|row| {
            let c = claim::Model::from_query_result(row, "")?;
            let text: String = row.try_get("", "agreement_default_outcome")?;
            let outcome = DefaultOutcome::parse(&text).ok_or_else(|| {
                DbErr::Custom(format!("claim {}: bad default outcome {text}", c.id))
            })?;
            Ok((c, outcome))
        })
        .collect()
}
