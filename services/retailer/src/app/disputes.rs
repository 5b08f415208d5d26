//! Disputing a rejected claim — once, by staff, with a statement and an optional note that goes
//! to the manufacturer as evidence. One transaction writes the dispute, the claim's status
//! `disputed`, a `claim_disputed` timeline entry and `retailer.claim.disputed.v1`.

use chrono::{DateTime, SubsecRound, Utc};
use kummerer_contracts::{CaseId, ClaimId, RetailerId};
use sea_orm::{DatabaseConnection, DbErr, TransactionTrait};
use serde::Serialize;

use crate::db::integration_keys::{self, Made};
use crate::db::{self, Entry, settlement};
use crate::domain::{DisputeRefused, TimelineEntry};
use crate::outbound;

/// A checked dispute.
#[derive(Debug, Clone)]
pub struct Dispute {
    pub statement: String,
    pub note: Option<String>,
    /// Who disputes, as shown: the staff member's e-mail, or `API key «name»`.
    pub disputed_by: String,
    /// The integration key that disputes (the JSON API), recorded on the dispute.
    pub by_key: Option<uuid::Uuid>,
}

/// What a dispute did.
#[derive(Debug, Serialize)]
pub struct Disputed {
    pub claim_id: ClaimId,
    pub case_id: CaseId,
    pub status: String,
    pub disputed_at: DateTime<Utc>,
}

#[derive(Debug, thiserror::Error)]
pub enum DisputeError {
    #[error("no such claim")]
    NotFound,
    #[error("claim {claim_id}: {reason}")]
    Refused {
        claim_id: ClaimId,
        reason: DisputeRefused,
    },
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Disputes the claim; unknown claim or another retailer's → [`DisputeError::NotFound`].
pub async fn dispute(
    db: &DatabaseConnection,
    retailer_id: RetailerId,
    claim_id: ClaimId,
    d: Dispute,
    now: DateTime<Utc>,
) -> Result<Disputed, DisputeError> {
    let (rid, id) = (retailer_id.as_uuid(), claim_id.as_uuid());
    // To the microsecond the database keeps, so the answer and the stored time agree.
    let now = now.trunc_subsecs(6);
    let txn = db.begin().await?;
    let claim = db::lock_claim(&txn, rid, id)
        .await?
        .ok_or(DisputeError::NotFound)?;
    let status = claim.status;
    let refused = |reason| DisputeError::Refused { claim_id, reason };
    let before = settlement::was_disputed(&txn, rid, id).await?;
    let next = status.dispute(before).map_err(refused)?;
    let inserted = settlement::insert_dispute(
        &txn,
        settlement::NewDispute {
            claim_id: id,
            retailer_id: rid,
            statement: &d.statement,
            note: d.note.as_deref(),
            disputed_by: &d.disputed_by,
            disputed_at: now,
        },
    )
    .await?;
    if !inserted {
        // The claim lock makes this unreachable; the key is the second line of defence.
        return Err(refused(DisputeRefused::AlreadyDisputed));
    }
    if let Some(key_id) = d.by_key {
        integration_keys::record_maker(&txn, Made::Dispute, rid, id, key_id).await?;
    }
    settlement::set_claim_status(&txn, rid, id, next).await?;
    db::insert_timeline(
        &txn,
        Entry {
            case_id: claim.case_id,
            retailer_id: rid,
            entry: TimelineEntry::ClaimDisputed {
                claim_id,
                statement: d.statement.clone(),
                note: d.note.clone(),
                disputed_by: d.disputed_by.clone(),
            },
            occurred_at: now,
            message_id: None,
            dedup_key: None,
        },
    )
    .await?;
    outbound::claim_disputed(
        &txn,
        &claim,
        d.statement,
        d.note,
        d.disputed_by.clone(),
        now,
    )
    .await?;
    txn.commit().await?;
    tracing::info!(
        retailer.id = %retailer_id, claim.id = %claim_id, case.id = %claim.case_id,
        disputed_by = %d.disputed_by, "claim disputed"
    );
    Ok(Disputed {
        claim_id,
        case_id: CaseId(claim.case_id),
        status: next.as_string(),
        disputed_at: now,
    })
}
