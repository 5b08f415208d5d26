//! `logistics.returns`: a unit the manufacturer wants back becomes a return item, found by its
//! swap: the job that collects (or collected) it. The item joins the open return shipment of the
//! job's carrier for that manufacturer and depot; it can travel once the crew collected the unit
//! (see [`crate::domain::returns`]). A unit to be scrapped sends no message, so nothing happens.
//!
//! Idempotent twice over: the inbox drops a redelivered message, and the unique `claim_id`
//! drops a request published again under a new id. A request whose swap has no job yet is
//! retried (the swap may still arrive; the retry tiers end in the DLQ if it never does).
//!
//! `manufacturer.claim.return_withdrawn.v1` (the manufacturer no longer wants the unit) takes
//! the item out of its open shipment or the pool ([`crate::app::returns::withdraw`]); once the
//! unit travels the withdrawal is refused and recorded, and the unit arrives. Applied once: a
//! withdrawn item stays withdrawn (and a late request cannot make it again, `claim_id` is
//! unique). A withdrawal overtaking its request (no item yet) is retried like the request.

use chrono::Utc;
use kummerer_contracts::{Event, ReturnRequestedV1, ReturnWithdrawnV1};
use kummerer_messaging::{HandleError, Handler, Incoming};
use sea_orm::DatabaseTransaction;

use crate::db::returns;

pub struct ReturnsConsumer;

impl Handler for ReturnsConsumer {
    async fn handle(&self, txn: &DatabaseTransaction, msg: &Incoming) -> Result<(), HandleError> {
        match msg.envelope.ty.as_str() {
            ReturnRequestedV1::TYPE => {
                let env = msg.decode::<ReturnRequestedV1>()?;
                return_requested(txn, &env.data).await
            }
            ReturnWithdrawnV1::TYPE => {
                let env = msg.decode::<ReturnWithdrawnV1>()?;
                return_withdrawn(txn, &env.data).await
            }
            other => Err(HandleError::Permanent(format!("unexpected type {other}"))),
        }
    }
}

/// Turns one return request into its return item.
pub async fn return_requested(
    txn: &DatabaseTransaction,
    req: &ReturnRequestedV1,
) -> Result<(), HandleError> {
    if req.serial.trim().is_empty() {
        return Err(HandleError::Permanent(format!(
            "return of claim {}: no serial",
            req.claim_id
        )));
    }
    let Some(job) = crate::db::jobs::lock_of_swap(txn, req.swap_id.as_uuid()).await? else {
        return Err(HandleError::Transient(anyhow::anyhow!(
            "return of claim {}: no job for swap {} (yet)",
            req.claim_id,
            req.swap_id
        )));
    };
    let now = Utc::now();
    let Some(item) = returns::insert_item(txn, req, &job, now).await? else {
        tracing::info!(claim.id = %req.claim_id, "claim already has its return item; nothing to do");
        return Ok(());
    };
    let placed = returns::place_items_of_job(txn, &job, now).await?;
    metrics::counter!(crate::metrics::RETURN_ITEMS).increment(1);
    tracing::info!(
        claim.id = %req.claim_id, swap.id = %req.swap_id, job.id = %job.id, item.id = %item.id,
        collected = job.collected_at.is_some(), in_shipment = placed > 0,
        "return requested"
    );
    Ok(())
}

/// Takes the item of one withdrawn return out of its shipment (or records why it could not).
pub async fn return_withdrawn(
    txn: &DatabaseTransaction,
    w: &ReturnWithdrawnV1,
) -> Result<(), HandleError> {
    use crate::app::returns::{Withdrawn, withdraw};
    use crate::domain::returns::Withdrawal;
    match withdraw(txn, w.claim_id.as_uuid(), &w.reason, Utc::now()).await? {
        Withdrawn::NoItem => Err(HandleError::Transient(anyhow::anyhow!(
            "return of claim {} withdrawn before its item was made",
            w.claim_id
        ))),
        Withdrawn::Done(Withdrawal::Remove) => {
            metrics::counter!(crate::metrics::RETURN_ITEMS_WITHDRAWN).increment(1);
            tracing::info!(claim.id = %w.claim_id, reason = %w.reason, "return withdrawn; the item left its shipment");
            Ok(())
        }
        Withdrawn::Done(Withdrawal::AlreadyWithdrawn) => {
            tracing::info!(claim.id = %w.claim_id, "return withdrawn before; nothing to do");
            Ok(())
        }
        Withdrawn::Done(Withdrawal::Refused) => {
            tracing::warn!(claim.id = %w.claim_id, reason = %w.reason, "return withdrawal refused: the unit already travels to the depot and will arrive");
            Ok(())
        }
    }
}
