//! What the manufacturer tells the retailer about a claim, through the outbox in the caller's
//! transaction.

use chrono::{DateTime, Utc};
use kummerer_contracts::{ClaimDecidedV1, DecidedBy};
use sea_orm::{ConnectionTrait, DbErr};

use crate::db::claim;
use crate::domain::decision::Decision;

/// `manufacturer.claim.decided.v1` for `decision` on claim `c`.
pub async fn decided<C: ConnectionTrait>(
    txn: &C,
    c: &claim::Model,
    decision: &Decision,
    decided_by: DecidedBy,
    decided_at: DateTime<Utc>,
) -> Result<(), DbErr> {
    kummerer_messaging::enqueue(
        txn,
        ClaimDecidedV1 {
            claim_id: c.id.into(),
            swap_id: c.swap_id.into(),
            case_id: c.case_id.into(),
            retailer_id: c.retailer_id.into(),
            manufacturer_id: c.manufacturer_id.into(),
            outcome: decision.outcome,
            amount: decision.amount.clone(),
            reason_code: decision.reason_code.clone(),
            decided_by,
            decided_at,
        },
    )
    .await?;
    Ok(())
}

/// `manufacturer.claim.not_accepted.v1`: the answer to a retailer's message about a claim that
/// can never apply for a business reason (see [`crate::consumers::not_accepted`]).
pub async fn not_accepted<C: ConnectionTrait>(
    txn: &C,
    event: kummerer_contracts::ClaimNotAcceptedV1,
) -> Result<(), DbErr> {
    kummerer_messaging::enqueue(txn, event).await?;
    Ok(())
}
