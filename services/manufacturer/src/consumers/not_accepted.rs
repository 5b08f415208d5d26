//! Business rejects answered back: a message from the retailer about a claim that the
//! manufacturer can never apply for a business reason — a claim for a manufacturer it does not
//! know, a claim without an agreement in force on its swap date, evidence or a dispute for a
//! claim it does not know — is answered with `manufacturer.claim.not_accepted.v1` (through the
//! outbox, in the consumer's transaction) instead of being dead-lettered. The retailer's case
//! then shows it and the claim is back in the retailer's hands. Nothing is recorded here: the
//! claim stays unknown, so a resubmission after a correction is judged afresh. The inbox makes
//! a redelivered message answer once; a malformed one is still dead-lettered.

use chrono::{DateTime, Utc};
use kummerer_contracts::{
    CaseId, ClaimId, ClaimNotAcceptedV1, ManufacturerId, NotAcceptedReason, RetailerId, SwapId,
};
use kummerer_messaging::HandleError;
use sea_orm::DatabaseTransaction;
use uuid::Uuid;

/// The claim a message is about, as the message names it.
#[derive(Debug, Clone, Copy)]
pub struct Named {
    pub claim_id: ClaimId,
    pub swap_id: SwapId,
    pub case_id: CaseId,
    pub retailer_id: RetailerId,
    pub manufacturer_id: ManufacturerId,
}

/// The message being answered: its type and id.
#[derive(Debug, Clone, Copy)]
pub struct Answering<'a> {
    pub ty: &'a str,
    pub id: Uuid,
}

/// Answers the message with `reason` and `detail` (words for the retailer's desk).
pub async fn answer(
    txn: &DatabaseTransaction,
    message: Answering<'_>,
    about: Named,
    reason: NotAcceptedReason,
    detail: String,
    now: DateTime<Utc>,
) -> Result<(), HandleError> {
    tracing::warn!(
        claim.id = %about.claim_id, message.id = %message.id, message.type = message.ty,
        reason = reason.as_str(), detail, "not accepted; answered to the retailer"
    );
    crate::announce::not_accepted(
        txn,
        ClaimNotAcceptedV1 {
            claim_id: about.claim_id,
            swap_id: about.swap_id,
            case_id: about.case_id,
            retailer_id: about.retailer_id,
            manufacturer_id: about.manufacturer_id,
            reason,
            detail,
            answers: message.ty.to_owned(),
            answered_message_id: message.id,
            not_accepted_at: now,
        },
    )
    .await?;
    metrics::counter!(crate::metrics::CLAIMS_NOT_ACCEPTED, "reason" => reason.as_str())
        .increment(1);
    Ok(())
}
