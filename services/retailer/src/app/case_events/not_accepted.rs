//! `manufacturer.claim.not_accepted.v1`: the manufacturer could not take the retailer's message
//! about a claim (the claim, its evidence or its dispute) for a business reason. The answer lands
//! on the case's timeline (`claim_not_accepted`, the reason in words), and a claim still waiting
//! for its first decision becomes `not_accepted` with the reason: the ball is the retailer's,
//! who corrects and resubmits the claim ([`crate::app::resubmit`]). A decided claim keeps its
//! status (the answer is about a late piece of evidence). Once per message: the entry carries the
//! message id.

use kummerer_contracts::ClaimNotAcceptedV1;
use sea_orm::DatabaseTransaction;
use uuid::Uuid;

use super::CaseEventError;
use super::claims::{ClaimIds, claim_for};
use crate::db::{self, Entry};
use crate::domain::TimelineEntry;
use crate::domain::not_accepted::answer_applies;

pub(super) async fn claim_not_accepted(
    txn: &DatabaseTransaction,
    message_id: Uuid,
    ev: &ClaimNotAcceptedV1,
) -> Result<(), CaseEventError> {
    let ids = ClaimIds::of(
        ev.retailer_id.as_uuid(),
        ev.claim_id.as_uuid(),
        ev.swap_id.as_uuid(),
        ev.case_id.as_uuid(),
    );
    let claim = claim_for(txn, ids).await?;
    let inserted = db::insert_timeline(
        txn,
        Entry {
            case_id: claim.case_id,
            retailer_id: claim.retailer_id,
            entry: TimelineEntry::ClaimNotAccepted {
                claim_id: ev.claim_id,
                reason: ev.reason,
                detail: ev.detail.clone(),
                answers: ev.answers.clone(),
            },
            occurred_at: ev.not_accepted_at,
            message_id: Some(message_id),
            dedup_key: None,
        },
    )
    .await?;
    if !inserted {
        return Ok(());
    }
    let moved = answer_applies(claim.status);
    if moved {
        db::claim_not_accepted(
            txn,
            claim.retailer_id,
            claim.id,
            ev.reason.as_str(),
            &ev.detail,
        )
        .await?;
    }
    tracing::warn!(
        case.id = %claim.case_id, claim.id = %claim.id, reason = ev.reason.as_str(),
        answers = %ev.answers, moved, "the manufacturer did not accept the claim"
    );
    Ok(())
}
