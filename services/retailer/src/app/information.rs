//! Answering the manufacturer's question about a claim (`information_requested`) — by staff on
//! the desk or through the API with an integration key. One transaction records the answer, puts
//! the claim back to the manufacturer (`submitted`, or `disputed` when it was disputed), writes an
//! `information_provided` timeline entry and `retailer.claim.information_provided.v1`; the
//! manufacturer then decides with a fresh deadline. A claim that waits for no answer changes
//! nothing.

use chrono::{DateTime, SubsecRound, Utc};
use kummerer_contracts::{CaseId, ClaimId, RetailerId};
use sea_orm::{DatabaseConnection, DbErr, TransactionTrait};
use serde::Serialize;

use crate::db::{self, Entry, information, settlement};
use crate::domain::{ClaimStatus, TimelineEntry};
use crate::outbound;

/// Longest answer.
pub const ANSWER_MAX: usize = 4000;

/// A checked answer.
#[derive(Debug, Clone)]
pub struct Answer {
    pub answer: String,
    /// Who answers, as shown: the staff member's e-mail, or `API key «name»`.
    pub answered_by: String,
    /// The integration key that answers (the JSON API).
    pub by_key: Option<uuid::Uuid>,
}

/// What an answer did.
#[derive(Debug, Serialize)]
pub struct Answered {
    pub claim_id: ClaimId,
    pub case_id: CaseId,
    pub status: String,
    pub answered_at: DateTime<Utc>,
}

#[derive(Debug, thiserror::Error)]
pub enum AnswerError {
    #[error("no such claim")]
    NotFound,
    #[error(
        "claim {claim_id} is {}: the manufacturer asked no question waiting for an answer",
        status.as_string()
    )]
    NotAsked {
        claim_id: ClaimId,
        status: ClaimStatus,
    },
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Answers the open question on the claim; unknown claim or another retailer's →
/// [`AnswerError::NotFound`].
pub async fn answer(
    db: &DatabaseConnection,
    retailer_id: RetailerId,
    claim_id: ClaimId,
    a: Answer,
    now: DateTime<Utc>,
) -> Result<Answered, AnswerError> {
    let (rid, id) = (retailer_id.as_uuid(), claim_id.as_uuid());
    let now = now.trunc_subsecs(6);
    let txn = db.begin().await?;
    let claim = db::lock_claim(&txn, rid, id)
        .await?
        .ok_or(AnswerError::NotFound)?;
    let open = match claim.status {
        ClaimStatus::InformationRequested => information::latest(&txn, rid, id)
            .await?
            .filter(|q| q.answered_at.is_none()),
        _ => None,
    };
    let Some(open) = open else {
        return Err(AnswerError::NotAsked {
            claim_id,
            status: claim.status,
        });
    };
    information::answer(&txn, open.id, &a.answer, &a.answered_by, a.by_key, now).await?;
    let next = if settlement::was_disputed(&txn, rid, id).await? {
        ClaimStatus::Disputed
    } else {
        ClaimStatus::Submitted
    };
    settlement::set_claim_status(&txn, rid, id, next).await?;
    db::insert_timeline(
        &txn,
        Entry {
            case_id: claim.case_id,
            retailer_id: rid,
            entry: TimelineEntry::InformationProvided {
                claim_id,
                answer: a.answer.clone(),
                answered_by: a.answered_by.clone(),
            },
            occurred_at: now,
            message_id: None,
            dedup_key: None,
        },
    )
    .await?;
    outbound::information_provided(&txn, &claim, a.answer, a.answered_by.clone(), now).await?;
    txn.commit().await?;
    tracing::info!(
        retailer.id = %retailer_id, claim.id = %claim_id, case.id = %claim.case_id,
        answered_by = %a.answered_by, "information provided"
    );
    Ok(Answered {
        claim_id,
        case_id: CaseId(claim.case_id),
        status: next.as_string(),
        answered_at: now,
    })
}
