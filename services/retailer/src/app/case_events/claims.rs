//! The events about a claim (the manufacturer's decision, the return, the inspection): the
//! claim is looked up by its id and the event's retailer, swap and case, and each lands on the
//! case's timeline.

use chrono::{DateTime, Utc};
use kummerer_contracts::{CaseId, ClaimDecidedV1, ClaimId, RetailerId, SwapId};
use sea_orm::DatabaseTransaction;
use uuid::Uuid;

use super::CaseEventError;
use crate::db::{self, ClaimDecision, Entry, claims};
use crate::domain::{ClaimStatus, TimelineEntry, decision_applies};

/// The ids an event about a claim names.
#[derive(Debug, Clone, Copy)]
pub(super) struct ClaimIds {
    retailer_id: Uuid,
    claim_id: Uuid,
    swap_id: Uuid,
    case_id: Uuid,
}

impl ClaimIds {
    pub(super) fn of(retailer_id: Uuid, claim_id: Uuid, swap_id: Uuid, case_id: Uuid) -> ClaimIds {
        ClaimIds {
            retailer_id,
            claim_id,
            swap_id,
            case_id,
        }
    }
}

/// The claim an event is about, locked; it must exist for that retailer, swap and case (the
/// claim is filed with the swap, so one that is missing can never arrive).
pub(super) async fn claim_for(
    txn: &DatabaseTransaction,
    ids: ClaimIds,
) -> Result<claims::Model, CaseEventError> {
    let claim = db::lock_claim(txn, ids.retailer_id, ids.claim_id)
        .await?
        .ok_or(CaseEventError::UnknownClaim {
            retailer_id: RetailerId(ids.retailer_id),
            claim_id: ClaimId(ids.claim_id),
        })?;
    if claim.swap_id != ids.swap_id || claim.case_id != ids.case_id {
        return Err(CaseEventError::ClaimOfAnotherSwap {
            claim_id: ClaimId(claim.id),
            swap_id: SwapId(claim.swap_id),
            case_id: CaseId(claim.case_id),
            named_swap: SwapId(ids.swap_id),
            named_case: CaseId(ids.case_id),
        });
    }
    Ok(claim)
}

/// A timeline entry about a claim that moves nothing but the ball (the return and the
/// inspection).
pub(super) async fn claim_entry(
    txn: &DatabaseTransaction,
    message_id: Uuid,
    ids: ClaimIds,
    entry: TimelineEntry,
    at: DateTime<Utc>,
) -> Result<(), CaseEventError> {
    let claim = claim_for(txn, ids).await?;
    let kind = entry.kind().as_string();
    let inserted = db::insert_timeline(
        txn,
        Entry {
            case_id: claim.case_id,
            retailer_id: claim.retailer_id,
            entry,
            occurred_at: at,
            message_id: Some(message_id),
            dedup_key: None,
        },
    )
    .await?;
    if inserted {
        tracing::info!(case.id = %claim.case_id, claim.id = %claim.id, kind, "claim event");
    }
    Ok(())
}

pub(super) async fn claim_decided(
    txn: &DatabaseTransaction,
    message_id: Uuid,
    ev: &ClaimDecidedV1,
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
    if claim.currency.trim() != ev.amount.currency.as_str() {
        return Err(CaseEventError::OtherCurrency {
            claim_id: ClaimId(claim.id),
            claimed: claim.currency.trim().to_owned(),
            decided: ev.amount.currency.to_string(),
        });
    }
    let status = ClaimStatus::from(ev.outcome);
    let entry = TimelineEntry::ClaimDecided {
        claim_id: ClaimId(claim.id),
        outcome: ev.outcome,
        amount: ev.amount.clone(),
        reason_code: ev.reason_code.clone(),
        decided_by: ev.decided_by.clone(),
    };
    let inserted = db::insert_timeline(
        txn,
        Entry {
            case_id: claim.case_id,
            retailer_id: claim.retailer_id,
            entry,
            occurred_at: ev.decided_at,
            message_id: Some(message_id),
            dedup_key: None,
        },
    )
    .await?;
    if !inserted {
        return Ok(());
    }
    if decision_applies(claim.decided_at, ev.decided_at) {
        db::decide_claim(
            txn,
            claim.retailer_id,
            claim.id,
            ClaimDecision {
                status,
                amount: ev.amount.amount,
                reason_code: ev.reason_code.as_deref(),
                decided_at: ev.decided_at,
            },
        )
        .await?;
    }
    tracing::info!(
        case.id = %claim.case_id, claim.id = %claim.id, outcome = ev.outcome.as_str(),
        amount = %ev.amount, "claim decided"
    );
    Ok(())
}
