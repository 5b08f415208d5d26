//! What the manufacturer tells the retailer about a claim, through the outbox in the caller's
//! transaction.

use chrono::{DateTime, Utc};
use kummerer_contracts::{ClaimAcknowledgedV1, ClaimDecidedV1, DecidedBy};
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
            agreement_version: c.agreement_version.and_then(|v| u32::try_from(v).ok()),
            cost_lines: lines_of(c, &decision.amount),
        },
    )
    .await?;
    Ok(())
}

/// The claim's stored cost lines where they add up to `amount` (a decision by the rule that
/// gave them); none where a person decided another amount.
fn lines_of(
    c: &claim::Model,
    amount: &kummerer_contracts::Money,
) -> Vec<kummerer_contracts::CostLine> {
    crate::domain::credit_note::lines_adding_up(
        &c.cost_lines,
        amount.currency.as_str(),
        amount.amount,
    )
}

/// The return of claim `c` (decided meanwhile) is withdrawn for `reason`:
/// `manufacturer.claim.return_withdrawn.v1` tells logistics (which removes the item unless the
/// unit travels) and the retailer. The claim's history says so in the `decided` event
/// (`return_withdrawn`: the reason; see [`crate::domain::returns::withdrawal_detail`]).
pub async fn return_withdrawn<C: ConnectionTrait>(
    txn: &C,
    c: &claim::Model,
    reason: crate::domain::returns::WithdrawReason,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    kummerer_messaging::enqueue(
        txn,
        kummerer_contracts::ReturnWithdrawnV1 {
            claim_id: c.id.into(),
            swap_id: c.swap_id.into(),
            case_id: c.case_id.into(),
            retailer_id: c.retailer_id.into(),
            manufacturer_id: c.manufacturer_id.into(),
            serial: c.serial.clone(),
            reason: reason.as_str().to_owned(),
            withdrawn_at: now,
        },
    )
    .await?;
    Ok(())
}

/// `manufacturer.claim.acknowledged.v1` for claim `c` when it waits for a decision with a
/// deadline (recorded, disputed, or its unit arrived): the retailer learns when it is decided at
/// the latest. Nothing for a claim without a deadline or decided already.
pub async fn acknowledged<C: ConnectionTrait>(
    txn: &C,
    c: &claim::Model,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    let decidable = crate::domain::claim::ClaimStatus::parse(&c.status)
        .is_some_and(crate::domain::claim::ClaimStatus::is_decidable);
    let Some(decision_due_at) = c.deadline_at.filter(|_| decidable) else {
        return Ok(());
    };
    kummerer_messaging::enqueue(
        txn,
        ClaimAcknowledgedV1 {
            claim_id: c.id.into(),
            swap_id: c.swap_id.into(),
            case_id: c.case_id.into(),
            retailer_id: c.retailer_id.into(),
            manufacturer_id: c.manufacturer_id.into(),
            decision_due_at,
            acknowledged_at: at,
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
