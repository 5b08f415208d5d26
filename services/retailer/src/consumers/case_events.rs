//! `retailer.case-events`: what logistics and the manufacturer report about a case. Each message
//! is decoded once into a [`CaseEvent`] and applied by [`crate::app::case_events`] (which says
//! what each event does); this module only maps the outcome to the machinery's terms.
//!
//! Idempotent twice over: the machinery's inbox drops a redelivered message, and each timeline
//! entry carries the message id under a unique key. A fact that can never fit (an unknown type,
//! a swap or claim this retailer does not have) is dead-lettered at once; the database failing
//! is retried.

use kummerer_contracts::{
    ClaimAcknowledgedV1, ClaimDecidedV1, ClaimInspectedV1, Event, JobCancelRefusedV1,
    JobCancelledV1, JobCompletedV1, JobDeliveredV1, JobFailedV1, JobOnTheWayV1, JobScheduledV1,
    ReturnArrivedV1, ReturnRequestedV1, UnitCollectedV1,
};
use kummerer_contracts::{ClaimNotAcceptedV1, CustomerErasedV1};
use kummerer_messaging::{HandleError, Handler, Incoming};
use sea_orm::DatabaseTransaction;

use crate::app::case_events::{self, CaseEvent, CaseEventError};

pub struct CaseEventsConsumer;

impl Handler for CaseEventsConsumer {
    async fn handle(&self, txn: &DatabaseTransaction, msg: &Incoming) -> Result<(), HandleError> {
        if msg.envelope.ty == CustomerErasedV1::TYPE {
            return customer_erased(txn, msg).await;
        }
        let event = decode(msg)?;
        case_events::apply(txn, msg.envelope.id, &event)
            .await
            .map_err(|e| match e {
                CaseEventError::Db(e) => HandleError::from(e),
                CaseEventError::UnknownSwap { .. }
                | CaseEventError::SwapOfAnotherCase { .. }
                | CaseEventError::SwapWithoutClaim(_)
                | CaseEventError::CaseOfSwapMissing { .. }
                | CaseEventError::UnknownClaim { .. }
                | CaseEventError::ClaimOfAnotherSwap { .. }
                | CaseEventError::OtherCurrency { .. } => HandleError::Permanent(e.to_string()),
            })
    }
}

/// Logistics erased its copy of a customer: recorded on the retailer's erasure record. An
/// erasure this retailer never asked for can never apply.
async fn customer_erased(txn: &DatabaseTransaction, msg: &Incoming) -> Result<(), HandleError> {
    let ev = msg.decode::<CustomerErasedV1>()?.data;
    if crate::app::erasure::logistics_erased(txn, &ev).await? {
        tracing::info!(erasure.id = %ev.erasure_id, erasure.jobs = ev.jobs,
            erasure.photos = ev.photos, "logistics erased its copy of the customer");
        Ok(())
    } else {
        Err(HandleError::Permanent(format!(
            "no erasure {} of retailer {}",
            ev.erasure_id, ev.retailer_id
        )))
    }
}

/// The message as the event its type names; an unknown type or data that does not parse can
/// never be applied.
fn decode(msg: &Incoming) -> Result<CaseEvent, HandleError> {
    Ok(match msg.envelope.ty.as_str() {
        JobScheduledV1::TYPE => CaseEvent::JobScheduled(msg.decode()?.data),
        JobOnTheWayV1::TYPE => CaseEvent::OnTheWay(msg.decode()?.data),
        JobDeliveredV1::TYPE => CaseEvent::Delivered(msg.decode()?.data),
        UnitCollectedV1::TYPE => CaseEvent::Collected(msg.decode()?.data),
        JobCompletedV1::TYPE => CaseEvent::Completed(msg.decode()?.data),
        JobFailedV1::TYPE => CaseEvent::Failed(msg.decode()?.data),
        ClaimDecidedV1::TYPE => CaseEvent::ClaimDecided(msg.decode()?.data),
        ReturnRequestedV1::TYPE => CaseEvent::ReturnRequested(msg.decode()?.data),
        ReturnArrivedV1::TYPE => CaseEvent::ReturnArrived(msg.decode()?.data),
        ClaimInspectedV1::TYPE => CaseEvent::ClaimInspected(msg.decode()?.data),
        JobCancelledV1::TYPE => CaseEvent::JobCancelled(msg.decode()?.data),
        JobCancelRefusedV1::TYPE => CaseEvent::CancelRefused(msg.decode()?.data),
        kummerer_contracts::ReturnWithdrawnV1::TYPE => {
            CaseEvent::ReturnWithdrawn(msg.decode()?.data)
        }
        kummerer_contracts::ClaimInformationRequestedV1::TYPE => {
            CaseEvent::InformationRequested(msg.decode()?.data)
        }
        ClaimNotAcceptedV1::TYPE => CaseEvent::ClaimNotAccepted(msg.decode()?.data),
        ClaimAcknowledgedV1::TYPE => CaseEvent::ClaimAcknowledged(msg.decode()?.data),
        kummerer_contracts::JobCorrectedV1::TYPE => CaseEvent::JobCorrected(msg.decode()?.data),
        kummerer_contracts::JobCorrectionRefusedV1::TYPE => {
            CaseEvent::CorrectionRefused(msg.decode()?.data)
        }
        other => return Err(HandleError::Permanent(format!("unexpected type {other}"))),
    })
}
