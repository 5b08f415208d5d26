//! `manufacturer.claim.information_requested.v1`: the manufacturer sent the claim back with a
//! question. The question lands on the timeline (`information_requested`, with the answer's
//! deadline) and in `claim_information_requests`, and the claim is `information_requested`
//! (the ball is with the retailer) unless a later decision already arrived.

use kummerer_contracts::{ClaimId, ClaimInformationRequestedV1};
use sea_orm::DatabaseTransaction;
use uuid::Uuid;

use super::CaseEventError;
use super::claims::{ClaimIds, claim_for};
use crate::db::{self, Entry, information, settlement};
use crate::domain::{ClaimStatus, TimelineEntry, decision_applies};

pub(super) async fn information_requested(
    txn: &DatabaseTransaction,
    message_id: Uuid,
    ev: &ClaimInformationRequestedV1,
) -> Result<(), CaseEventError> {
    let claim = claim_for(
        txn,
        ClaimIds::of(
            ev.retailer_id.as_uuid(),
            ev.claim_id.as_uuid(),
            ev.swap_id.as_uuid(),
            ev.case_id.as_uuid(),
        ),
    )
    .await?;
    let inserted = db::insert_timeline(
        txn,
        Entry {
            case_id: claim.case_id,
            retailer_id: claim.retailer_id,
            entry: TimelineEntry::InformationRequested {
                claim_id: ClaimId(claim.id),
                question: ev.question.clone(),
                answer_by: ev.answer_by,
            },
            occurred_at: ev.requested_at,
            message_id: Some(message_id),
            // One question per claim and instant, whatever message carried it.
            dedup_key: Some(format!(
                "information_requested:{}:{}",
                claim.id,
                ev.requested_at.timestamp_micros()
            )),
        },
    )
    .await?;
    if !inserted {
        return Ok(());
    }
    information::insert(
        txn,
        claim.retailer_id,
        claim.id,
        message_id,
        &ev.question,
        ev.answer_by,
        ev.requested_at,
    )
    .await?;
    // A decision taken after the question (its deadline passed) wins.
    if decision_applies(claim.decided_at, ev.requested_at) {
        settlement::set_claim_status(
            txn,
            claim.retailer_id,
            claim.id,
            ClaimStatus::InformationRequested,
        )
        .await?;
    }
    tracing::info!(
        case.id = %claim.case_id, claim.id = %claim.id, answer_by = %ev.answer_by,
        "manufacturer asks for information"
    );
    Ok(())
}
