//! `retailer.case-events`: what logistics and the manufacturer report about a case lands on its
//! timeline, and moves the swap, the case and the claim.
//!
//! - `logistics.job.scheduled.v1` → `job_scheduled`, swap `scheduled`;
//! - `logistics.job.on_the_way.v1` → `on_the_way`, swap `on_the_way` (the customer's status
//!   page shows it);
//! - `logistics.job.delivered.v1` → `delivered`, swap and case `delivered`;
//! - `logistics.job.collected.v1` → `collected` (and `collected_serial_mismatch`), and in the
//!   same transaction the evidence goes on to the manufacturer: an outbox
//!   `retailer.claim.evidence_added.v1` for the case's claim with the collected serial (whether
//!   it matches, when), and one with the photo when the crew took one. Evidence ids are derived
//!   from the message id ([`crate::domain::evidence_id`]), so nothing is forwarded twice;
//! - `logistics.job.completed.v1` → `delivered_and_collected` (and `collected_serial_mismatch`
//!   when the crew collected another unit than the case names), swap and case `delivered`;
//! - `logistics.job.failed.v1` → `delivery_failed`, swap `failed_attempt`;
//! - `manufacturer.claim.decided.v1` → `claim_decided`, the claim's decision (a disputed claim
//!   takes the new decision);
//! - `manufacturer.claim.return_requested.v1` → `return_requested` (depot, deadline, who pays
//!   the freight);
//! - `logistics.return.arrived.v1` → `return_arrived`;
//! - `manufacturer.claim.inspected.v1` → `claim_inspected`.
//!
//! The swap or claim is looked up by its id *and* the event's retailer id; one that does not
//! exist (or belongs to another retailer, or to another case than the event says) can never be
//! applied: dead-lettered. Idempotent twice over: the machinery's inbox drops a redelivered
//! message, and each timeline entry carries the message id under a unique key, so a copy that
//! outlived the inbox adds nothing either. Each entry is dated by the event's own time, and the
//! statuses follow the fact that happened last (see [`crate::domain::status_follows`]).

use chrono::{DateTime, Utc};
use kummerer_contracts::{
    ClaimDecidedV1, ClaimEvidence, ClaimInspectedV1, Event, EvidenceKind, JobCompletedV1,
    JobDeliveredV1, JobFailedV1, JobOnTheWayV1, JobScheduledV1, ReturnArrivedV1, ReturnRequestedV1,
    UnitCollectedV1,
};
use kummerer_messaging::{HandleError, Handler, Incoming};
use sea_orm::DatabaseTransaction;
use serde_json::json;
use uuid::Uuid;

use crate::db::{self, ClaimDecision, Entry, claims, swaps};
use crate::domain::{
    ClaimStatus, Source, SwapStatus, decision_applies, evidence_id, kind, status_follows,
};

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
            JobOnTheWayV1::TYPE => {
                let env = msg.decode::<JobOnTheWayV1>()?;
                on_the_way(txn, message_id, &env.data).await
            }
            JobDeliveredV1::TYPE => {
                let env = msg.decode::<JobDeliveredV1>()?;
                job_delivered(txn, message_id, &env.data).await
            }
            UnitCollectedV1::TYPE => {
                let env = msg.decode::<UnitCollectedV1>()?;
                unit_collected(txn, message_id, &env.data).await
            }
            ReturnRequestedV1::TYPE => {
                let env = msg.decode::<ReturnRequestedV1>()?;
                let ev = &env.data;
                let details = json!({
                    "claim_id": ev.claim_id,
                    "depot": ev.depot,
                    "return_by": ev.return_by,
                    "freight_paid_by": ev.freight_paid_by.as_str(),
                });
                let ids = ClaimIds::of(ev.retailer_id, ev.claim_id, ev.swap_id, ev.case_id);
                let at = ev.requested_at;
                claim_entry(txn, message_id, ids, kind::RETURN_REQUESTED, at, details).await
            }
            ReturnArrivedV1::TYPE => {
                let env = msg.decode::<ReturnArrivedV1>()?;
                let ev = &env.data;
                let details = json!({
                    "claim_id": ev.claim_id,
                    "depot_id": ev.depot_id,
                    "shipment_id": ev.shipment_id,
                    "serial": ev.serial,
                    "received_by": ev.received_by,
                });
                let ids = ClaimIds::of(ev.retailer_id, ev.claim_id, ev.swap_id, ev.case_id);
                let at = ev.arrived_at;
                claim_entry(txn, message_id, ids, kind::RETURN_ARRIVED, at, details).await
            }
            ClaimInspectedV1::TYPE => {
                let env = msg.decode::<ClaimInspectedV1>()?;
                let ev = &env.data;
                let details = json!({
                    "claim_id": ev.claim_id,
                    "result": ev.result.as_str(),
                    "note": ev.note,
                });
                let ids = ClaimIds::of(ev.retailer_id, ev.claim_id, ev.swap_id, ev.case_id);
                let at = ev.inspected_at;
                claim_entry(txn, message_id, ids, kind::CLAIM_INSPECTED, at, details).await
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
            dedup_key: None,
        },
    )
    .await?)
}

/// Writes `collected_serial_mismatch` for the visit `job_id` unless the case has it already:
/// both `job.collected` and `job.completed` report the collected serial, and the fact is one.
/// The entry's dedup key (unique per case) makes the second insert a no-op.
async fn flag_mismatch_once(
    txn: &DatabaseTransaction,
    swap: &swaps::Model,
    job_id: Uuid,
    at: DateTime<Utc>,
    details: serde_json::Value,
) -> Result<(), HandleError> {
    let inserted = db::insert_timeline(
        txn,
        Entry {
            case_id: swap.case_id,
            retailer_id: swap.retailer_id,
            kind: kind::COLLECTED_SERIAL_MISMATCH,
            occurred_at: at,
            source: Source::Logistics,
            message_id: None,
            details,
            dedup_key: Some(format!("{}:{job_id}", kind::COLLECTED_SERIAL_MISMATCH)),
        },
    )
    .await?;
    if inserted {
        tracing::warn!(
            case.id = %swap.case_id, swap.id = %swap.id,
            "the crew collected a unit with another serial than the case names"
        );
    }
    Ok(())
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
        flag_mismatch_once(
            txn,
            &swap,
            ev.job_id,
            ev.completed_at,
            json!({ "job_id": ev.job_id, "collected_serial": ev.collected_serial }),
        )
        .await?;
    }
    mark_delivered(txn, &swap, ev.completed_at).await?;
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

/// The ids an event about a claim names.
#[derive(Debug, Clone, Copy)]
struct ClaimIds {
    retailer_id: Uuid,
    claim_id: Uuid,
    swap_id: Uuid,
    case_id: Uuid,
}

impl ClaimIds {
    fn of(retailer_id: Uuid, claim_id: Uuid, swap_id: Uuid, case_id: Uuid) -> ClaimIds {
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
async fn claim_for(txn: &DatabaseTransaction, ids: ClaimIds) -> Result<claims::Model, HandleError> {
    let claim = db::lock_claim(txn, ids.retailer_id, ids.claim_id)
        .await?
        .ok_or_else(|| {
            HandleError::Permanent(format!(
                "no claim {} of retailer {}",
                ids.claim_id, ids.retailer_id
            ))
        })?;
    if claim.swap_id != ids.swap_id || claim.case_id != ids.case_id {
        return Err(HandleError::Permanent(format!(
            "claim {} is for swap {} of case {}, not swap {} of case {}",
            claim.id, claim.swap_id, claim.case_id, ids.swap_id, ids.case_id
        )));
    }
    Ok(claim)
}

/// A timeline entry about a claim that moves nothing but the ball (the return and the
/// inspection): from the manufacturer, except the arrival at the depot (logistics).
async fn claim_entry(
    txn: &DatabaseTransaction,
    message_id: Uuid,
    ids: ClaimIds,
    kind: &'static str,
    at: DateTime<Utc>,
    details: serde_json::Value,
) -> Result<(), HandleError> {
    let claim = claim_for(txn, ids).await?;
    let source = if kind == crate::domain::kind::RETURN_ARRIVED {
        Source::Logistics
    } else {
        Source::Manufacturer
    };
    let inserted = db::insert_timeline(
        txn,
        Entry {
            case_id: claim.case_id,
            retailer_id: claim.retailer_id,
            kind,
            occurred_at: at,
            source,
            message_id: Some(message_id),
            details,
            dedup_key: None,
        },
    )
    .await?;
    if inserted {
        tracing::info!(case.id = %claim.case_id, claim.id = %claim.id, kind, "claim event");
    }
    Ok(())
}

async fn on_the_way(
    txn: &DatabaseTransaction,
    message_id: Uuid,
    ev: &JobOnTheWayV1,
) -> Result<(), HandleError> {
    let swap = swap_for(txn, ev.retailer_id, ev.swap_id, ev.case_id).await?;
    let details = json!({
        "job_id": ev.job_id,
        "window": ev.window,
        "eta": ev.eta,
        "departed_at": ev.departed_at,
    });
    let at = ev.departed_at;
    if !logistics_entry(txn, &swap, Some(message_id), kind::ON_THE_WAY, at, details).await? {
        return Ok(());
    }
    move_swap(txn, &swap, SwapStatus::OnTheWay, at).await?;
    tracing::info!(case.id = %swap.case_id, swap.id = %swap.id, "crew on the way");
    Ok(())
}

/// The swap and (if it still may move) the case are delivered.
async fn mark_delivered(
    txn: &DatabaseTransaction,
    swap: &swaps::Model,
    at: DateTime<Utc>,
) -> Result<(), HandleError> {
    move_swap(txn, swap, SwapStatus::Delivered, at).await?;
    let case = db::lock_case(txn, swap.retailer_id, swap.case_id)
        .await?
        .ok_or_else(|| HandleError::Permanent(format!("case {} vanished", swap.case_id)))?;
    if let Some(next) = db::case_status(&case)?.after_delivery() {
        db::set_case_status(txn, swap.retailer_id, swap.case_id, next).await?;
    }
    Ok(())
}

async fn job_delivered(
    txn: &DatabaseTransaction,
    message_id: Uuid,
    ev: &JobDeliveredV1,
) -> Result<(), HandleError> {
    let swap = swap_for(txn, ev.retailer_id, ev.swap_id, ev.case_id).await?;
    let details = json!({
        "job_id": ev.job_id,
        "delivered_serial": ev.delivered_serial,
        "recipient_name": ev.recipient_name,
        "photo_taken": ev.photo_taken,
    });
    let at = ev.delivered_at;
    if !logistics_entry(txn, &swap, Some(message_id), kind::DELIVERED, at, details).await? {
        return Ok(());
    }
    mark_delivered(txn, &swap, at).await?;
    tracing::info!(case.id = %swap.case_id, swap.id = %swap.id, "replacement delivered");
    Ok(())
}

/// The collected unit: on the timeline, and its serial (and photo) forwarded to the
/// manufacturer's claim as evidence, in this transaction.
async fn unit_collected(
    txn: &DatabaseTransaction,
    message_id: Uuid,
    ev: &UnitCollectedV1,
) -> Result<(), HandleError> {
    let swap = swap_for(txn, ev.retailer_id, ev.swap_id, ev.case_id).await?;
    let claim = db::claim_of_swap(txn, swap.retailer_id, swap.id)
        .await?
        .ok_or_else(|| HandleError::Permanent(format!("swap {} has no claim", swap.id)))?;
    let at = ev.collected_at;
    let details = json!({
        "job_id": ev.job_id,
        "collected_serial": ev.collected_serial,
        "expected_serial": ev.expected_serial,
        "serial_matches": ev.serial_matches,
        "photo_taken": ev.photo.is_some(),
        "evidence_forwarded": true,
        "claim_id": claim.id,
    });
    if !logistics_entry(txn, &swap, Some(message_id), kind::COLLECTED, at, details).await? {
        return Ok(());
    }
    if !ev.serial_matches {
        flag_mismatch_once(
            txn,
            &swap,
            ev.job_id,
            at,
            json!({
                "job_id": ev.job_id,
                "collected_serial": ev.collected_serial,
                "expected_serial": ev.expected_serial,
            }),
        )
        .await?;
    }
    let mut evidence = vec![ClaimEvidence {
        evidence_id: evidence_id(message_id, EvidenceKind::CollectedSerial),
        kind: EvidenceKind::CollectedSerial,
        serial: Some(ev.collected_serial.clone()),
        serial_matches: Some(ev.serial_matches),
        note: None,
        photo: None,
        observed_at: at,
    }];
    if let Some(photo) = &ev.photo {
        evidence.push(ClaimEvidence {
            evidence_id: evidence_id(message_id, EvidenceKind::CollectedPhoto),
            kind: EvidenceKind::CollectedPhoto,
            serial: Some(ev.collected_serial.clone()),
            serial_matches: Some(ev.serial_matches),
            note: None,
            photo: Some(photo.clone()),
            observed_at: at,
        });
    }
    crate::outbound::evidence_added(txn, &swap, &claim, evidence).await?;
    metrics::counter!(crate::metrics::EVIDENCE_FORWARDED).increment(1);
    tracing::info!(
        case.id = %swap.case_id, swap.id = %swap.id, claim.id = %claim.id,
        serial_matches = ev.serial_matches, "unit collected, evidence forwarded"
    );
    Ok(())
}

async fn claim_decided(
    txn: &DatabaseTransaction,
    message_id: Uuid,
    ev: &ClaimDecidedV1,
) -> Result<(), HandleError> {
    let claim = claim_for(
        txn,
        ClaimIds::of(ev.retailer_id, ev.claim_id, ev.swap_id, ev.case_id),
    )
    .await?;
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
