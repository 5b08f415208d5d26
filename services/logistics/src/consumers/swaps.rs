//! `logistics.swaps`: an approved swap becomes one delivery-and-collection job.
//!
//! Idempotent twice over: the machinery's inbox drops a redelivered message (same id), and the
//! unique `swap_id` drops a swap published again under a new id. Only a newly created job is
//! announced (`logistics.job.scheduled.v1`, in the same transaction).

use chrono::Utc;
use kummerer_contracts::{Event, JobScheduledV1, SwapApprovedV1, TimeWindow};
use kummerer_messaging::{HandleError, Handler, Incoming, enqueue};
use sea_orm::DatabaseTransaction;
use serde_json::json;

use crate::db;
use crate::domain;

pub struct SwapsConsumer;

impl Handler for SwapsConsumer {
    async fn handle(&self, txn: &DatabaseTransaction, msg: &Incoming) -> Result<(), HandleError> {
        match msg.envelope.ty.as_str() {
            SwapApprovedV1::TYPE => {
                let env = msg.decode::<SwapApprovedV1>()?;
                swap_approved(txn, &env.data).await
            }
            other => Err(HandleError::Permanent(format!("unexpected type {other}"))),
        }
    }
}

async fn swap_approved(
    txn: &DatabaseTransaction,
    swap: &SwapApprovedV1,
) -> Result<(), HandleError> {
    domain::check_swap(swap)
        .map_err(|e| HandleError::Permanent(format!("swap {}: {e}", swap.swap_id)))?;
    let now = Utc::now();
    let Some(job) = db::insert_job_for_swap(txn, swap, now).await? else {
        tracing::info!(swap.id = %swap.swap_id, "swap already has its job; nothing to do");
        return Ok(());
    };
    db::insert_event(
        txn,
        job.id,
        db::kind::SCHEDULED,
        now,
        json!({ "window": { "start": job.window_start, "end": job.window_end } }),
    )
    .await?;
    enqueue(
        txn,
        JobScheduledV1 {
            job_id: job.id,
            swap_id: job.swap_id,
            case_id: job.case_id,
            retailer_id: job.retailer_id,
            window: TimeWindow {
                start: job.window_start,
                end: job.window_end,
            },
            scheduled_at: now,
        },
    )
    .await?;
    tracing::info!(job.id = %job.id, swap.id = %swap.swap_id, "job scheduled");
    Ok(())
}
