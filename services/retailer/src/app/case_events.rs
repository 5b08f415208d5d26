//! What logistics and the manufacturer report about a case: each event lands on the case's
//! timeline and moves the swap, the case and the claim, in the consumer's transaction.
//!
//! - `logistics.job.scheduled.v1` → `job_scheduled`, swap `scheduled`;
//! - `logistics.job.on_the_way.v1` → `on_the_way`, swap `on_the_way` (the customer's status
//!   page shows it);
//! - `logistics.job.delivered.v1` → `delivered`, swap and case `delivered`; the crew's photo of
//!   the replacement (if carried) goes on to the claim as `delivered_photo` evidence, its id
//!   derived from the message id;
//! - `logistics.job.collected.v1` → `collected` (and `collected_serial_mismatch`), and in the
//!   same transaction the evidence goes on to the manufacturer: an outbox
//!   `retailer.claim.evidence_added.v1` for the case's claim with the collected serial (whether
//!   it matches, when), and one with the photo when the crew took one. Evidence ids are derived
//!   from the message id ([`crate::domain::evidence_id`]), so nothing is forwarded twice;
//! - `logistics.job.completed.v1` → `delivered_and_collected` (and `collected_serial_mismatch`
//!   when the crew collected another unit than the case names), swap and case `delivered`;
//! - both delivery events also record the delivered serial as the customer's unit
//!   ([`replacement`]);
//! - `logistics.job.failed.v1` → `delivery_failed`, swap `failed_attempt`;
//! - `manufacturer.claim.decided.v1` → `claim_decided`, the claim's decision (a disputed claim
//!   takes the new decision);
//! - `manufacturer.claim.return_requested.v1` → `return_requested` (depot, deadline, who pays
//!   the freight);
//! - `logistics.return.arrived.v1` → `return_arrived`;
//! - `manufacturer.claim.inspected.v1` → `claim_inspected`;
//! - `logistics.job.cancelled.v1` / `job.cancel_refused.v1` → the cancellation saga's end
//!   (`case_events/cancel.rs`).
//! - `logistics.job.corrected.v1` / `job.correction_refused.v1` → the correction saga's end:
//!   the swap's new address and window, or the refusal on the timeline (`case_events/correct.rs`).
//! - `manufacturer.claim.information_requested.v1` → `information_requested` (question, answer
//!   deadline), claim `information_requested` (see `information`).
//! - `manufacturer.claim.not_accepted.v1` → `claim_not_accepted`, a claim waiting for its
//!   decision `not_accepted` (back with the retailer; see `not_accepted.rs`).
//!
//! The swap or claim is looked up by its id *and* the event's retailer id; one that does not
//! exist (or belongs to another retailer, or to another case than the event says) can never be
//! applied ([`CaseEventError`] says which). Each timeline entry carries the message id under a
//! unique key, so a copy that outlived the consumer's inbox adds nothing. Each entry is dated by
//! the event's own time, and the statuses follow the fact that happened last (see
//! [`crate::domain::status_follows`]).

use chrono::{DateTime, Utc};
use kummerer_contracts::ClaimNotAcceptedV1;
use kummerer_contracts::{
    CaseId, ClaimAcknowledgedV1, ClaimDecidedV1, ClaimEvidence, ClaimId, ClaimInspectedV1,
    EvidenceKind, JobCompletedV1, JobDeliveredV1, JobFailedV1, JobId, JobOnTheWayV1,
    JobScheduledV1, RetailerId, ReturnArrivedV1, ReturnRequestedV1, SwapId, UnitCollectedV1,
};
use sea_orm::{DatabaseTransaction, DbErr};
use uuid::Uuid;

mod cancel;
mod claims;
mod correct;
mod information;
mod not_accepted;
mod replacement;

use crate::db::{self, Entry, swaps};
use crate::domain::notify::Notice;
use crate::domain::{SwapStatus, TimelineEntry, evidence_id, status_follows};
use claims::{ClaimIds, claim_decided, claim_entry};

/// An event of `retailer.case-events`, decoded once.
#[derive(Debug, Clone)]
pub enum CaseEvent {
    JobScheduled(JobScheduledV1),
    OnTheWay(JobOnTheWayV1),
    Delivered(JobDeliveredV1),
    Collected(UnitCollectedV1),
    Completed(JobCompletedV1),
    Failed(JobFailedV1),
    ClaimDecided(ClaimDecidedV1),
    ReturnRequested(ReturnRequestedV1),
    ReturnArrived(ReturnArrivedV1),
    ClaimInspected(ClaimInspectedV1),
    JobCancelled(kummerer_contracts::JobCancelledV1),
    CancelRefused(kummerer_contracts::JobCancelRefusedV1),
    ReturnWithdrawn(kummerer_contracts::ReturnWithdrawnV1),
    InformationRequested(kummerer_contracts::ClaimInformationRequestedV1),
    ClaimNotAccepted(ClaimNotAcceptedV1),
    /// The manufacturer's decision deadline (`manufacturer.claim.acknowledged.v1`).
    ClaimAcknowledged(ClaimAcknowledgedV1),
    JobCorrected(kummerer_contracts::JobCorrectedV1),
    CorrectionRefused(kummerer_contracts::JobCorrectionRefusedV1),
}

/// Why an event cannot be applied. Every variant but `Db` is a fact that will never fit, however
/// often it is retried.
#[derive(Debug, thiserror::Error)]
pub enum CaseEventError {
    #[error("no swap {swap_id} of retailer {retailer_id}")]
    UnknownSwap {
        retailer_id: RetailerId,
        swap_id: SwapId,
    },
    #[error("swap {swap_id} belongs to case {belongs_to}, not {named}")]
    SwapOfAnotherCase {
        swap_id: SwapId,
        belongs_to: CaseId,
        named: CaseId,
    },
    #[error("swap {0} has no claim")]
    SwapWithoutClaim(SwapId),
    #[error("no case {case_id} of retailer {retailer_id} for swap {swap_id}")]
    CaseOfSwapMissing {
        retailer_id: RetailerId,
        case_id: CaseId,
        swap_id: SwapId,
    },
    #[error("no claim {claim_id} of retailer {retailer_id}")]
    UnknownClaim {
        retailer_id: RetailerId,
        claim_id: ClaimId,
    },
    #[error(
        "claim {claim_id} is for swap {swap_id} of case {case_id}, not swap {named_swap} of case \
         {named_case}"
    )]
    ClaimOfAnotherSwap {
        claim_id: ClaimId,
        swap_id: SwapId,
        case_id: CaseId,
        named_swap: SwapId,
        named_case: CaseId,
    },
    #[error("claim {claim_id} is in {claimed}, the decision in {decided}")]
    OtherCurrency {
        claim_id: ClaimId,
        claimed: String,
        decided: String,
    },
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Applies one event in `txn`; `message_id` dates nothing but makes each entry once.
pub async fn apply(
    txn: &DatabaseTransaction,
    message_id: Uuid,
    event: &CaseEvent,
) -> Result<(), CaseEventError> {
    match event {
        CaseEvent::JobScheduled(ev) => job_scheduled(txn, message_id, ev).await,
        CaseEvent::OnTheWay(ev) => on_the_way(txn, message_id, ev).await,
        CaseEvent::Delivered(ev) => job_delivered(txn, message_id, ev).await,
        CaseEvent::Collected(ev) => unit_collected(txn, message_id, ev).await,
        CaseEvent::Completed(ev) => job_completed(txn, message_id, ev).await,
        CaseEvent::Failed(ev) => job_failed(txn, message_id, ev).await,
        CaseEvent::ClaimDecided(ev) => claim_decided(txn, message_id, ev).await,
        CaseEvent::ReturnRequested(ev) => {
            let entry = TimelineEntry::ReturnRequested {
                claim_id: ev.claim_id,
                depot: ev.depot.clone(),
                return_by: ev.return_by,
                freight_paid_by: ev.freight_paid_by,
            };
            let ids = ClaimIds::of(
                ev.retailer_id.as_uuid(),
                ev.claim_id.as_uuid(),
                ev.swap_id.as_uuid(),
                ev.case_id.as_uuid(),
            );
            claim_entry(txn, message_id, ids, entry, ev.requested_at).await
        }
        CaseEvent::ReturnWithdrawn(ev) => {
            let entry = TimelineEntry::ReturnWithdrawn {
                claim_id: ev.claim_id,
                reason: ev.reason.clone(),
            };
            let ids = ClaimIds::of(
                ev.retailer_id.as_uuid(),
                ev.claim_id.as_uuid(),
                ev.swap_id.as_uuid(),
                ev.case_id.as_uuid(),
            );
            claim_entry(txn, message_id, ids, entry, ev.withdrawn_at).await
        }
        CaseEvent::ReturnArrived(ev) => {
            let entry = TimelineEntry::ReturnArrived {
                claim_id: ev.claim_id,
                depot_id: ev.depot_id,
                shipment_id: ev.shipment_id,
                serial: ev.serial.clone(),
                received_by: ev.received_by.clone(),
            };
            let ids = ClaimIds::of(
                ev.retailer_id.as_uuid(),
                ev.claim_id.as_uuid(),
                ev.swap_id.as_uuid(),
                ev.case_id.as_uuid(),
            );
            claim_entry(txn, message_id, ids, entry, ev.arrived_at).await
        }
        CaseEvent::ClaimInspected(ev) => {
            let entry = TimelineEntry::ClaimInspected {
                claim_id: ev.claim_id,
                result: ev.result,
                note: ev.note.clone(),
            };
            let ids = ClaimIds::of(
                ev.retailer_id.as_uuid(),
                ev.claim_id.as_uuid(),
                ev.swap_id.as_uuid(),
                ev.case_id.as_uuid(),
            );
            claim_entry(txn, message_id, ids, entry, ev.inspected_at).await
        }
        CaseEvent::JobCancelled(ev) => cancel::job_cancelled(txn, message_id, ev).await,
        CaseEvent::CancelRefused(ev) => cancel::cancel_refused(txn, message_id, ev).await,
        CaseEvent::JobCorrected(ev) => correct::job_corrected(txn, message_id, ev).await,
        CaseEvent::CorrectionRefused(ev) => correct::correction_refused(txn, message_id, ev).await,
        CaseEvent::InformationRequested(ev) => {
            information::information_requested(txn, message_id, ev).await
        }
        CaseEvent::ClaimNotAccepted(ev) => {
            not_accepted::claim_not_accepted(txn, message_id, ev).await
        }
        CaseEvent::ClaimAcknowledged(ev) => {
            let entry = TimelineEntry::ClaimAcknowledged {
                claim_id: ev.claim_id,
                decision_due_at: ev.decision_due_at,
            };
            let ids = ClaimIds::of(
                ev.retailer_id.as_uuid(),
                ev.claim_id.as_uuid(),
                ev.swap_id.as_uuid(),
                ev.case_id.as_uuid(),
            );
            claim_entry(txn, message_id, ids, entry, ev.acknowledged_at).await
        }
    }
}

/// The customer's notifications of `notice` (see [`crate::app::notify`]), keyed by the
/// message id: a redelivery writes none.
pub(super) async fn tell(
    txn: &DatabaseTransaction,
    swap: &swaps::Model,
    message_id: Uuid,
    notice: Notice,
) -> Result<(), CaseEventError> {
    let (rid, cid) = (swap.retailer_id, swap.case_id);
    // Due now, whatever time the event carries.
    crate::app::notify::tell(txn, rid, cid, message_id, &notice, Utc::now()).await?;
    Ok(())
}

/// The swap an event is about, locked; it must exist for that retailer and that case.
async fn swap_for(
    txn: &DatabaseTransaction,
    retailer_id: Uuid,
    swap_id: Uuid,
    case_id: Uuid,
) -> Result<swaps::Model, CaseEventError> {
    let swap =
        db::lock_swap(txn, retailer_id, swap_id)
            .await?
            .ok_or(CaseEventError::UnknownSwap {
                retailer_id: RetailerId(retailer_id),
                swap_id: SwapId(swap_id),
            })?;
    if swap.case_id != case_id {
        return Err(CaseEventError::SwapOfAnotherCase {
            swap_id: SwapId(swap_id),
            belongs_to: CaseId(swap.case_id),
            named: CaseId(case_id),
        });
    }
    Ok(swap)
}

/// Appends a timeline entry of the case `swap` is for; `false` when the entry (from this
/// message, or with this dedup key) is already there.
async fn case_entry(
    txn: &DatabaseTransaction,
    swap: &swaps::Model,
    message_id: Option<Uuid>,
    entry: TimelineEntry,
    at: DateTime<Utc>,
    dedup_key: Option<String>,
) -> Result<bool, CaseEventError> {
    Ok(db::insert_timeline(
        txn,
        Entry {
            case_id: swap.case_id,
            retailer_id: swap.retailer_id,
            entry,
            occurred_at: at,
            message_id,
            dedup_key,
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
    job_id: JobId,
    at: DateTime<Utc>,
    collected_serial: &str,
    expected_serial: Option<&str>,
) -> Result<(), CaseEventError> {
    let entry = TimelineEntry::CollectedSerialMismatch {
        job_id,
        collected_serial: collected_serial.to_owned(),
        expected_serial: expected_serial.map(str::to_owned),
    };
    let key = Some(TimelineEntry::mismatch_key(job_id));
    if case_entry(txn, swap, None, entry, at, key).await? {
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
) -> Result<(), CaseEventError> {
    let current = swap.status;
    if status_follows(current, swap.status_changed_at, next, at) {
        db::set_swap_status(txn, swap.retailer_id, swap.id, next, at).await?;
    } else {
        tracing::info!(
            swap.id = %swap.id, current = current.as_string(), reported = next.as_string(),
            "older fact; swap status kept"
        );
    }
    Ok(())
}

async fn job_scheduled(
    txn: &DatabaseTransaction,
    message_id: Uuid,
    ev: &JobScheduledV1,
) -> Result<(), CaseEventError> {
    let swap = swap_for(
        txn,
        ev.retailer_id.as_uuid(),
        ev.swap_id.as_uuid(),
        ev.case_id.as_uuid(),
    )
    .await?;
    let entry = TimelineEntry::JobScheduled {
        job_id: ev.job_id,
        window: ev.window.clone(),
        no_contracted_carrier: ev.no_contracted_carrier,
    };
    let at = ev.scheduled_at;
    if !case_entry(txn, &swap, Some(message_id), entry, at, None).await? {
        return Ok(());
    }
    move_swap(txn, &swap, SwapStatus::Scheduled, at).await?;
    tell(
        txn,
        &swap,
        message_id,
        Notice::VisitScheduled {
            window: ev.window.clone(),
        },
    )
    .await?;
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
) -> Result<(), CaseEventError> {
    let swap = swap_for(
        txn,
        ev.retailer_id.as_uuid(),
        ev.swap_id.as_uuid(),
        ev.case_id.as_uuid(),
    )
    .await?;
    let entry = TimelineEntry::DeliveredAndCollected {
        job_id: ev.job_id,
        delivered_serial: ev.delivered_serial.clone(),
        collected_serial: ev.collected_serial.clone(),
        collected_serial_matches: ev.collected_serial_matches,
        recipient_name: ev.recipient_name.clone(),
    };
    let at = ev.completed_at;
    if !case_entry(txn, &swap, Some(message_id), entry, at, None).await? {
        return Ok(());
    }
    if !ev.collected_serial_matches {
        let job_id = ev.job_id;
        flag_mismatch_once(txn, &swap, job_id, at, &ev.collected_serial, None).await?;
    }
    let sale_id = mark_delivered(txn, &swap, at).await?;
    replacement::record_replacement(txn, &swap, sale_id, &ev.delivered_serial, at).await?;
    tracing::info!(case.id = %swap.case_id, swap.id = %swap.id, "delivered and collected");
    tell(txn, &swap, message_id, Notice::DeliveredAndCollected).await?;
    Ok(())
}

async fn job_failed(
    txn: &DatabaseTransaction,
    message_id: Uuid,
    ev: &JobFailedV1,
) -> Result<(), CaseEventError> {
    let swap = swap_for(
        txn,
        ev.retailer_id.as_uuid(),
        ev.swap_id.as_uuid(),
        ev.case_id.as_uuid(),
    )
    .await?;
    let entry = TimelineEntry::DeliveryFailed {
        job_id: ev.job_id,
        reason: ev.reason,
        note: ev.note.clone(),
        attempt: ev.attempt,
    };
    let at = ev.failed_at;
    if !case_entry(txn, &swap, Some(message_id), entry, at, None).await? {
        return Ok(());
    }
    move_swap(txn, &swap, SwapStatus::FailedAttempt, at).await?;
    tell(
        txn,
        &swap,
        message_id,
        Notice::AttemptFailed { reason: ev.reason },
    )
    .await?;
    tracing::info!(
        case.id = %swap.case_id, swap.id = %swap.id, attempt = ev.attempt,
        reason = ev.reason.as_str(), "delivery attempt failed"
    );
    Ok(())
}

async fn on_the_way(
    txn: &DatabaseTransaction,
    message_id: Uuid,
    ev: &JobOnTheWayV1,
) -> Result<(), CaseEventError> {
    let swap = swap_for(
        txn,
        ev.retailer_id.as_uuid(),
        ev.swap_id.as_uuid(),
        ev.case_id.as_uuid(),
    )
    .await?;
    let entry = TimelineEntry::OnTheWay {
        job_id: ev.job_id,
        window: ev.window.clone(),
        eta: ev.eta,
        departed_at: ev.departed_at,
    };
    let at = ev.departed_at;
    if !case_entry(txn, &swap, Some(message_id), entry, at, None).await? {
        return Ok(());
    }
    move_swap(txn, &swap, SwapStatus::OnTheWay, at).await?;
    tell(
        txn,
        &swap,
        message_id,
        Notice::OnTheWay {
            window: ev.window.clone(),
            eta: ev.eta,
        },
    )
    .await?;
    tracing::info!(case.id = %swap.case_id, swap.id = %swap.id, "crew on the way");
    Ok(())
}

/// The swap and (if it still may move) the case are delivered; returns the case's sale.
async fn mark_delivered(
    txn: &DatabaseTransaction,
    swap: &swaps::Model,
    at: DateTime<Utc>,
) -> Result<Uuid, CaseEventError> {
    move_swap(txn, swap, SwapStatus::Delivered, at).await?;
    let case = db::lock_case(txn, swap.retailer_id, swap.case_id)
        .await?
        .ok_or(CaseEventError::CaseOfSwapMissing {
            retailer_id: RetailerId(swap.retailer_id),
            case_id: CaseId(swap.case_id),
            swap_id: SwapId(swap.id),
        })?;
    if let Some(next) = case.status.after_delivery() {
        db::set_case_status(txn, swap.retailer_id, swap.case_id, next).await?;
    }
    Ok(case.sale_id)
}

async fn job_delivered(
    txn: &DatabaseTransaction,
    message_id: Uuid,
    ev: &JobDeliveredV1,
) -> Result<(), CaseEventError> {
    let swap = swap_for(
        txn,
        ev.retailer_id.as_uuid(),
        ev.swap_id.as_uuid(),
        ev.case_id.as_uuid(),
    )
    .await?;
    let entry = TimelineEntry::Delivered {
        job_id: ev.job_id,
        delivered_serial: ev.delivered_serial.clone(),
        recipient_name: ev.recipient_name.clone(),
        photo_taken: ev.photo_taken,
    };
    let at = ev.delivered_at;
    if !case_entry(txn, &swap, Some(message_id), entry, at, None).await? {
        return Ok(());
    }
    let sale_id = mark_delivered(txn, &swap, at).await?;
    replacement::record_replacement(txn, &swap, sale_id, &ev.delivered_serial, at).await?;
    if let Some(photo) = &ev.photo {
        forward_delivered_photo(txn, message_id, &swap, ev, photo).await?;
    }
    tracing::info!(case.id = %swap.case_id, swap.id = %swap.id, "replacement delivered");
    Ok(())
}

/// The crew's photo of the handed-over replacement, forwarded to the swap's claim as
/// `delivered_photo` evidence (its id derived from the message id: forwarded once).
async fn forward_delivered_photo(
    txn: &DatabaseTransaction,
    message_id: Uuid,
    swap: &swaps::Model,
    ev: &JobDeliveredV1,
    photo: &kummerer_contracts::Photo,
) -> Result<(), CaseEventError> {
    let claim = db::claim_of_swap(txn, swap.retailer_id, swap.id)
        .await?
        .ok_or(CaseEventError::SwapWithoutClaim(SwapId(swap.id)))?;
    let evidence = ClaimEvidence {
        evidence_id: evidence_id(message_id, EvidenceKind::DeliveredPhoto),
        kind: EvidenceKind::DeliveredPhoto,
        // The replacement's serial is not the claim's unit: it goes in the note, not as a
        // serial the manufacturer would compare (and flag).
        serial: None,
        serial_matches: None,
        note: Some(format!("replacement {} delivered", ev.delivered_serial)),
        photo: Some(photo.clone()),
        observed_at: ev.delivered_at,
    };
    crate::outbound::evidence_added(txn, swap, &claim, vec![evidence]).await?;
    metrics::counter!(crate::metrics::EVIDENCE_FORWARDED).increment(1);
    Ok(())
}

/// The collected unit: on the timeline, and its serial (and photo) forwarded to the
/// manufacturer's claim as evidence, in this transaction.
async fn unit_collected(
    txn: &DatabaseTransaction,
    message_id: Uuid,
    ev: &UnitCollectedV1,
) -> Result<(), CaseEventError> {
    let swap = swap_for(
        txn,
        ev.retailer_id.as_uuid(),
        ev.swap_id.as_uuid(),
        ev.case_id.as_uuid(),
    )
    .await?;
    let claim = db::claim_of_swap(txn, swap.retailer_id, swap.id)
        .await?
        .ok_or(CaseEventError::SwapWithoutClaim(SwapId(swap.id)))?;
    let at = ev.collected_at;
    let job_id = ev.job_id;
    let entry = TimelineEntry::Collected {
        job_id,
        collected_serial: ev.collected_serial.clone(),
        expected_serial: ev.expected_serial.clone(),
        serial_matches: ev.serial_matches,
        photo_taken: ev.photo.is_some(),
        evidence_forwarded: true,
        claim_id: ClaimId(claim.id),
    };
    if !case_entry(txn, &swap, Some(message_id), entry, at, None).await? {
        return Ok(());
    }
    if !ev.serial_matches {
        let expected = Some(ev.expected_serial.as_str());
        flag_mismatch_once(txn, &swap, job_id, at, &ev.collected_serial, expected).await?;
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
