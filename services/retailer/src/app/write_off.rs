//! Writing off a claim the manufacturer did not accept, at the store's cost (a manager, at the
//! desk): one transaction moves the claim to the final `written_off` (decided for nothing) and
//! writes `claim_written_off` on the timeline; the ball's claim is nobody's any more and the
//! ledger counts it as written off. The manufacturer recorded nothing of the claim, so nothing
//! is sent.

use chrono::{DateTime, SubsecRound, Utc};
use kummerer_contracts::{CaseId, ClaimId, RetailerId};
use sea_orm::{DatabaseConnection, DbErr, TransactionTrait};

use crate::db::{self, Entry};
use crate::domain::TimelineEntry;
use crate::domain::not_accepted::{WriteOffRefused, write_off as next_status};

#[derive(Debug, thiserror::Error)]
pub enum WriteOffError {
    #[error("no such claim")]
    NotFound,
    #[error(transparent)]
    Refused(#[from] WriteOffRefused),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Writes the claim off; `by`: the manager's e-mail. Returns the claim's case.
pub async fn write_off(
    db: &DatabaseConnection,
    retailer_id: RetailerId,
    claim_id: ClaimId,
    by: &str,
    now: DateTime<Utc>,
) -> Result<CaseId, WriteOffError> {
    let (rid, id) = (retailer_id.as_uuid(), claim_id.as_uuid());
    let now = now.trunc_subsecs(6);
    let txn = db.begin().await?;
    let claim = db::lock_claim(&txn, rid, id)
        .await?
        .ok_or(WriteOffError::NotFound)?;
    next_status(claim.status)?;
    db::claims::claim_written_off(&txn, rid, id, now).await?;
    db::insert_timeline(
        &txn,
        Entry {
            case_id: claim.case_id,
            retailer_id: rid,
            entry: TimelineEntry::ClaimWrittenOff {
                claim_id,
                written_off_by: by.to_owned(),
            },
            occurred_at: now,
            message_id: None,
            dedup_key: None,
        },
    )
    .await?;
    txn.commit().await?;
    tracing::info!(
        retailer.id = %retailer_id, claim.id = %claim_id, case.id = %claim.case_id, by,
        "claim written off at the store's cost"
    );
    Ok(CaseId(claim.case_id))
}
