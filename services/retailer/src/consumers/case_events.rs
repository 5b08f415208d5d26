//! `retailer.case-events`: what logistics and the manufacturer report about a case lands on its
//! timeline, and moves the swap, the case and the claim.
//!
//! - `logistics.job.scheduled.v1` → `job_scheduled`, swap `scheduled`;
//! - `logistics.job.completed.v1` → `delivered_and_collected` (and `collected_serial_mismatch`
//!   when the crew collected another unit than the case names), swap and case `delivered`;
//! - `logistics.job.failed.v1` → `delivery_failed`, swap `failed_attempt`;
//! - `manufacturer.claim.decided.v1` → `claim_decided`, the claim's decision.
//!
//! The swap or claim is looked up by its id *and* the event's retailer id; one that does not
//! exist (or belongs to another retailer, or to another case than the event says) can never be
//! applied: dead-lettered. Idempotent twice over: the machinery's inbox drops a redelivered
//! message, and each timeline entry carries the message id under a unique key, so a copy that
//! outlived the inbox adds nothing either. Each entry is dated by the event's own time, and the
//! statuses follow the fact that happened last (see [`crate::domain::status_follows`]).

use chrono::{DateTime, Utc};
use kummerer_contracts::{ClaimDecidedV1, Event, JobCompletedV1, JobFailedV1, JobScheduledV1};
use kummerer_messaging::{HandleError, Handler, Incoming};
use sea_orm::DatabaseTransaction;
use serde_json::json;
use uuid::Uuid;

use crate::db::{self, ClaimDecision, Entry, swaps};
use crate::domain::{ClaimStatus, Source, SwapStatus, decision_applies, kind, status_follows};

pub struct CaseEventsConsumer;

impl Handler for CaseEventsConsumer {
    async fn handle(&self, txn: &DatabaseTransaction, msg: &Incoming) -> Result<(), HandleError> {
        let message_id = msg.envelope.id;
        match msg.envelope.ty.as_str() {
            JobScheduledV1::TYPE => {
                let env = msg.decode::<JobScheduledV1>()?;
                job_scheduled(txn, message_id, &env.data).await
            }
            JobCompletedV1::TYPE => {
                let env = msg.decode::<JobCompletedV1>()?;
                job_completed(txn, message_id, &env.data).await
            }
            JobFailedV1::TYPE => {
                let env = msg.decode::<JobFailedV1>()?;
                job_failed(txn, message_id, &env.data).await
            }
            ClaimDecidedV1::TYPE => {
                let env = msg.decode::<ClaimDecidedV1>()?;
                claim_decided(txn, message_id, &env.data).await
            }
            other => Err(HandleError::Permanent(format!("unexpected type {other}"))),
        }
    }
}

/// The swap an event is about, locked; it must exist for that retailer and that case.
async fn swap_for(
    txn: &DatabaseTransaction,
    retailer_id: Uuid,
    swap_id: Uuid,
    case_id: Uuid,
) -> Result<swaps::Model, HandleError> {
    let swap = db::lock_swap(txn, retailer_id, swap_id)
        .await?
        .ok_or_else(|| {
            HandleError::Permanent(format!("no swap {swap_id} of retailer {retailer_id}"))
        })?;
    if swap.case_id != case_id {
        return Err(HandleError::Permanent(format!(
            "swap {swap_id} belongs to case {}, not {case_id}",
            swap.case_id
        )));
    }
    Ok(swap)
}

/// Appends the logistics entry for `swap`; `false` when this message's entry is already there.
async fn logistics_entry(
    txn: &DatabaseTransaction,
    swap: &swaps::Model,
    message_id: Option<Uuid>,
    kind: &'static str,
    at: DateTime<Utc>,
    details: serde_json::Value,
) -> Result<bool, HandleError> {
    Ok(db::insert_timeline(
        txn,
        Entry {
            case_id: swap.case_id,
            retailer_id: swap.retailer_id,
            kind,
            occurred_at: at,
            source: Source::Logistics,
            message_id,
            details,
        },
    )
    .await?)
}

/// Moves the swap to `next` if the fact (at `at`) is newer than what it shows.
async fn move_swap(
    txn: &DatabaseTransaction,
    swap: &swaps::Model,
    next: SwapStatus,
    at: DateTime<Utc>,
) -> Result<(), HandleError> {
    let current = db::swap_status(swap)?;
    if status_follows(current, swap.status_changed_at, next, at) {
        db::set_swap_status(txn, swap.retailer_id, swap.id, next, at).await?;
    } else {
        tracing::info!(
            swap.id = %swap.id, current = current.as_str(), reported = next.as_str(),
            "older fact; swap status kept"
        );
    }
    Ok(())
}

async fn job_scheduled(
    txn: &DatabaseTransaction,
    message_id: Uuid,
    ev: &JobScheduledV1,
) -> Result<(), HandleError> {
    let swap = swap_for(txn, ev.retailer_id, ev.swap_id, ev.case_id).await?;
    let details = json!({ "job_id": ev.job_id, "window": ev.window });
    if !logistics_entry(
        txn,
        &swap,
        Some(message_id),
        kind::JOB_SCHEDULED,
        ev.scheduled_at,
        details,
    )
    .await?
    {
        return Ok(());
    }
    move_swap(txn, &swap, SwapStatus::Scheduled, ev.scheduled_at).await?;
    tracing::info!(
        case.id = %swap.case_id, swap.id = %swap.id, job.id = %ev.job_id,
        "job scheduled"
    );
    Ok(())
}

async fn job_completed(
    txn: &DatabaseTransaction,
    message_id: Uuid,
    ev: &JobCompletedV1,
) -> Result<(), HandleError> {
    let swap = swap_for(txn, ev.retailer_id, ev.swap_id, ev.case_id).await?;
    let details = json!({
        "job_id": ev.job_id,
        "delivered_serial": ev.delivered_serial,
        "collected_serial": ev.collected_serial,
        "collected_serial_matches": ev.collected_serial_matches,
        "recipient_name": ev.recipient_name,
    });
    if !logistics_entry(
        txn,
        &swap,
        Some(message_id),
        kind::DELIVERED_AND_COLLECTED,
        ev.completed_at,
        details,
    )
    .await?
    {
        return Ok(());
    }
    if !ev.collected_serial_matches {
        // Written only with the entry above, so it is deduplicated with it.
        logistics_entry(
            txn,
            &swap,
            None,
            kind::COLLECTED_SERIAL_MISMATCH,
            ev.completed_at,
            json!({ "job_id": ev.job_id, "collected_serial": ev.collected_serial }),
        )
        .await?;
        tracing::warn!(
            case.id = %swap.case_id, swap.id = %swap.id, collected_serial = %ev.collected_serial,
            "the crew collected a unit with another serial than the case names"
        );
    }
    move_swap(txn, &swap, SwapStatus::Delivered, ev.completed_at).await?;
    let case = db::lock_case(txn, swap.retailer_id, swap.case_id)
        .await?
        .ok_or_else(|| HandleError::Permanent(format!("case {} vanished", swap.case_id)))?;
    if let Some(next) = db::case_status(&case)?.after_delivery() {
        db::set_case_status(txn, swap.retailer_id, swap.case_id, next).await?;
    }
    tracing::info!(case.id = %swap.case_id, swap.id = %swap.id, "delivered and collected");
    Ok(())
}

async fn job_failed(
    txn: &DatabaseTransaction,
    message_id: Uuid,
    ev: &JobFailedV1,
) -> Result<(), HandleError> {
    let swap = swap_for(txn, ev.retailer_id, ev.swap_id, ev.case_id).await?;
    let details = json!({
        "job_id": ev.job_id,
        "reason": ev.reason.as_str(),
        "note": ev.note,
        "attempt": ev.attempt,
    });
    if !logistics_entry(
        txn,
        &swap,
        Some(message_id),
        kind::DELIVERY_FAILED,
        ev.failed_at,
        details,
    )
    .await?
    {
        return Ok(());
    }
    move_swap(txn, &swap, SwapStatus::FailedAttempt, ev.failed_at).await?;
    tracing::info!(
        case.id = %swap.case_id, swap.id = %swap.id, attempt = ev.attempt,
        reason = ev.reason.as_str(), "delivery attempt failed"
    );
    Ok(())
}

async fn claim_decided(
    txn: &DatabaseTransaction,
    message_id: Uuid,
    ev: &ClaimDecidedV1,
) -> Result<(), HandleError> {
    let claim = db::lock_claim(txn, ev.retailer_id, ev.claim_id)
        .await?
        .ok_or_else(|| {
            HandleError::Permanent(format!(
                "no claim {} of retailer {}",
                ev.claim_id, ev.retailer_id
            ))
        })?;
    if claim.swap_id != ev.swap_id || claim.case_id != ev.case_id {
        return Err(HandleError::Permanent(format!(
            "claim {} is for swap {} of case {}, not swap {} of case {}",
            claim.id, claim.swap_id, claim.case_id, ev.swap_id, ev.case_id
        )));
    }
    if claim.currency.trim() != ev.amount.currency.as_str() {
        return Err(HandleError::Permanent(format!(
            "claim {} is in {}, the decision in {}",
            claim.id,
            claim.currency.trim(),
            ev.amount.currency
        )));
    }
    let status = ClaimStatus::from(ev.outcome);
    let details = json!({
        "claim_id": claim.id,
        "outcome": ev.outcome.as_str(),
        "amount": ev.amount,
        "reason_code": ev.reason_code,
        "decided_by": ev.decided_by,
    });
    let inserted = db::insert_timeline(
        txn,
        Entry {
            case_id: claim.case_id,
            retailer_id: claim.retailer_id,
            kind: kind::CLAIM_DECIDED,
            occurred_at: ev.decided_at,
            source: Source::Manufacturer,
            message_id: Some(message_id),
            details,
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
                status: status.as_str(),
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
