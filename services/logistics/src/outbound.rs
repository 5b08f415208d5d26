//! Every event logistics publishes, built in one place and put in the outbox of the caller's
//! transaction (the relay publishes it after the commit). The use cases in [`crate::app`] and
//! the consumers call these; nothing else builds a `logistics.*` message.

use chrono::{DateTime, Utc};
use kummerer_contracts::{
    JobCompletedV1, JobDeliveredV1, JobFailedV1, JobOnTheWayV1, JobScheduledV1, Photo,
    ReturnArrivedV1, TimeWindow, UnitCollectedV1,
};
use kummerer_messaging::enqueue;
use sea_orm::{ConnectionTrait, DbErr};
use uuid::Uuid;

use crate::db::jobs;
use crate::db::returns::items;
use crate::domain::FailedAttempt;

/// `logistics.job.scheduled.v1` for `job` with `window` (its new one, when it moves).
pub async fn scheduled<C: ConnectionTrait>(
    txn: &C,
    job: &jobs::Model,
    window: TimeWindow,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    scheduled_routed(txn, job, window, at, false).await
}

/// [`scheduled`], saying whether no carrier contracted by the job's retailer could take it.
pub async fn scheduled_routed<C: ConnectionTrait>(
    txn: &C,
    job: &jobs::Model,
    window: TimeWindow,
    at: DateTime<Utc>,
    no_contracted_carrier: bool,
) -> Result<(), DbErr> {
    enqueue(
        txn,
        JobScheduledV1 {
            job_id: job.id.into(),
            swap_id: job.swap_id.into(),
            case_id: job.case_id.into(),
            retailer_id: job.retailer_id.into(),
            window,
            scheduled_at: at,
            no_contracted_carrier,
        },
    )
    .await?;
    Ok(())
}

/// `logistics.job.on_the_way.v1`: the crew set off to `job` (as it is now, with its `eta`).
pub async fn on_the_way<C: ConnectionTrait>(
    txn: &C,
    job: &jobs::Model,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    enqueue(
        txn,
        JobOnTheWayV1 {
            job_id: job.id.into(),
            swap_id: job.swap_id.into(),
            case_id: job.case_id.into(),
            retailer_id: job.retailer_id.into(),
            window: TimeWindow {
                start: job.window_start,
                end: job.window_end,
            },
            eta: job.eta,
            departed_at: at,
        },
    )
    .await?;
    Ok(())
}

/// `logistics.job.delivered.v1`: the replacement of `job` (as it is now) was handed over, with
/// the photo (if any) as evidence.
pub async fn delivered<C: ConnectionTrait>(
    txn: &C,
    job: &jobs::Model,
    photo_taken: bool,
    photo: Option<Photo>,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    enqueue(
        txn,
        JobDeliveredV1 {
            job_id: job.id.into(),
            swap_id: job.swap_id.into(),
            case_id: job.case_id.into(),
            retailer_id: job.retailer_id.into(),
            delivered_serial: job.delivered_serial.clone().unwrap_or_default(),
            recipient_name: job.recipient_name.clone().unwrap_or_default(),
            photo_taken: photo_taken || photo.is_some(),
            delivered_at: at,
            photo,
        },
    )
    .await?;
    Ok(())
}

/// `logistics.job.collected.v1`: the defective unit of `job` (as it is now) was collected, with
/// the photo as evidence.
pub async fn collected<C: ConnectionTrait>(
    txn: &C,
    job: &jobs::Model,
    photo: Option<Photo>,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    enqueue(
        txn,
        UnitCollectedV1 {
            job_id: job.id.into(),
            swap_id: job.swap_id.into(),
            case_id: job.case_id.into(),
            retailer_id: job.retailer_id.into(),
            collected_serial: job.collected_serial.clone().unwrap_or_default(),
            expected_serial: job.collect_serial.clone(),
            serial_matches: job.collected_serial_matches.unwrap_or(false),
            photo,
            collected_at: at,
        },
    )
    .await?;
    Ok(())
}

/// `logistics.job.completed.v1`: both steps of `job`'s visit are recorded.
pub async fn completed<C: ConnectionTrait>(
    txn: &C,
    job: &jobs::Model,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    enqueue(
        txn,
        JobCompletedV1 {
            job_id: job.id.into(),
            swap_id: job.swap_id.into(),
            case_id: job.case_id.into(),
            retailer_id: job.retailer_id.into(),
            delivered_serial: job.delivered_serial.clone().unwrap_or_default(),
            collected_serial: job.collected_serial.clone().unwrap_or_default(),
            collected_serial_matches: job.collected_serial_matches.unwrap_or(false),
            recipient_name: job.recipient_name.clone().unwrap_or_default(),
            completed_at: at,
        },
    )
    .await?;
    Ok(())
}

/// `logistics.job.failed.v1`: attempt number `attempt` at `job`'s visit did not work out.
pub async fn failed<C: ConnectionTrait>(
    txn: &C,
    job: &jobs::Model,
    failure: &FailedAttempt,
    attempt: u32,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    enqueue(
        txn,
        JobFailedV1 {
            job_id: job.id.into(),
            swap_id: job.swap_id.into(),
            case_id: job.case_id.into(),
            retailer_id: job.retailer_id.into(),
            reason: failure.reason,
            note: failure.note.clone(),
            attempt,
            failed_at: at,
        },
    )
    .await?;
    Ok(())
}

/// `logistics.return.arrived.v1`: the unit of return item `item` reached its depot in
/// shipment `shipment_id`.
pub async fn return_arrived<C: ConnectionTrait>(
    txn: &C,
    item: &items::Model,
    shipment_id: Uuid,
    received_by: &str,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    enqueue(
        txn,
        ReturnArrivedV1 {
            claim_id: item.claim_id.into(),
            swap_id: item.swap_id.into(),
            case_id: item.case_id.into(),
            retailer_id: item.retailer_id.into(),
            manufacturer_id: item.manufacturer_id.into(),
            depot_id: item.depot_id.into(),
            shipment_id: shipment_id.into(),
            serial: item.serial.clone(),
            received_by: received_by.to_owned(),
            arrived_at: at,
        },
    )
    .await?;
    Ok(())
}

/// `logistics.job.cancelled.v1`: `job` (as it is now, cancelled) will not be visited.
pub async fn cancelled<C: ConnectionTrait>(txn: &C, job: &jobs::Model) -> Result<(), DbErr> {
    enqueue(
        txn,
        kummerer_contracts::JobCancelledV1 {
            job_id: job.id.into(),
            swap_id: job.swap_id.into(),
            case_id: job.case_id.into(),
            retailer_id: job.retailer_id.into(),
            cancelled_at: job.cancelled_at.unwrap_or(job.updated_at),
        },
    )
    .await?;
    Ok(())
}

/// `logistics.job.cancel_refused.v1`: the retailer asked too late to cancel `job`.
pub async fn cancel_refused<C: ConnectionTrait>(
    txn: &C,
    job: &jobs::Model,
    reason: kummerer_contracts::VisitBegun,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    enqueue(
        txn,
        kummerer_contracts::JobCancelRefusedV1 {
            job_id: job.id.into(),
            swap_id: job.swap_id.into(),
            case_id: job.case_id.into(),
            retailer_id: job.retailer_id.into(),
            reason,
            refused_at: at,
        },
    )
    .await?;
    Ok(())
}

/// `logistics.job.corrected.v1`: the retailer's correction `correction_id` is applied to `job`
/// (as it is now: its address and window).
pub async fn corrected<C: ConnectionTrait>(
    txn: &C,
    job: &jobs::Model,
    correction_id: Uuid,
    crew_assigned: bool,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    enqueue(
        txn,
        kummerer_contracts::JobCorrectedV1 {
            job_id: job.id.into(),
            swap_id: job.swap_id.into(),
            case_id: job.case_id.into(),
            retailer_id: job.retailer_id.into(),
            correction_id,
            address: jobs::address_of(job),
            window: TimeWindow {
                start: job.window_start,
                end: job.window_end,
            },
            crew_assigned,
            corrected_at: at,
        },
    )
    .await?;
    Ok(())
}

/// `logistics.job.correction_refused.v1`: the correction `req` is not applied (`job_id`: the
/// swap's job, if logistics has one).
pub async fn correction_refused<C: ConnectionTrait>(
    txn: &C,
    job_id: Option<Uuid>,
    req: &kummerer_contracts::SwapCorrectionRequestedV1,
    reason: kummerer_contracts::CorrectionRefusal,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    enqueue(
        txn,
        kummerer_contracts::JobCorrectionRefusedV1 {
            job_id: job_id.map(Into::into),
            swap_id: req.swap_id,
            case_id: req.case_id,
            retailer_id: req.retailer_id,
            correction_id: req.correction_id,
            reason,
            refused_at: at,
        },
    )
    .await?;
    Ok(())
}

/// `logistics.customer.erased.v1`: the answer to a retailer's erasure request.
pub async fn customer_erased<C: ConnectionTrait>(
    txn: &C,
    ev: kummerer_contracts::CustomerErasedV1,
) -> Result<(), DbErr> {
    enqueue(txn, ev).await?;
    Ok(())
}

/// `logistics.carrier.profile_published.v1`: the carrier's public profile as it is now.
pub async fn carrier_profile<C: ConnectionTrait>(
    txn: &C,
    carrier: &crate::db::carriers::Model,
    regions: Vec<String>,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    enqueue(
        txn,
        kummerer_contracts::CarrierProfilePublishedV1 {
            carrier_id: carrier.id.into(),
            name: carrier.name.clone(),
            regions,
            published_at: at,
        },
    )
    .await?;
    Ok(())
}

/// `logistics.carrier_contract.accepted.v1`: the carrier consented to `contract`.
pub async fn contract_accepted<C: ConnectionTrait>(
    txn: &C,
    contract: &crate::db::carrier_contracts::Contract,
    by: &str,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    enqueue(
        txn,
        kummerer_contracts::CarrierContractAcceptedV1 {
            contract_id: contract.id.into(),
            retailer_id: contract.retailer_id.into(),
            carrier_id: contract.carrier_id.into(),
            accepted_by: by.to_owned(),
            accepted_at: at,
        },
    )
    .await?;
    Ok(())
}

/// `logistics.carrier_contract.declined.v1`: the offer will not become a contract (`reason`).
pub async fn contract_declined<C: ConnectionTrait>(
    txn: &C,
    contract: &crate::db::carrier_contracts::NewContract,
    reason: &str,
    detail: Option<String>,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    enqueue(
        txn,
        kummerer_contracts::CarrierContractDeclinedV1 {
            contract_id: contract.id.into(),
            retailer_id: contract.retailer_id.into(),
            carrier_id: contract.carrier_id.into(),
            reason: reason.to_owned(),
            detail,
            declined_at: at,
        },
    )
    .await?;
    Ok(())
}

/// `logistics.slots.announced.v1`: the room of `carrier_id`'s crews on `date`, announcement
/// `sequence`.
pub async fn slots_announced<C: ConnectionTrait>(
    txn: &C,
    carrier_id: Uuid,
    date: chrono::NaiveDate,
    sequence: i64,
    crews: Vec<kummerer_contracts::CrewSlots>,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    enqueue(
        txn,
        kummerer_contracts::SlotsAnnouncedV1 {
            carrier_id: carrier_id.into(),
            date,
            sequence,
            crews,
            announced_at: at,
        },
    )
    .await?;
    Ok(())
}
