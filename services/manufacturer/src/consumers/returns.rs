//! `logistics.return.arrived.v1`: a unit the manufacturer asked back reached its depot. The claim
//! becomes `unit_arrived`, and its decision deadline counts again from the arrival
//! (`arrived_at` + the agreement version's `decision_deadline_days`); while the unit travelled
//! the claim had no deadline. A serial that is not the claim's flags it (`serial_mismatch`).
//!
//! An arrival for a claim that is not waiting for its unit (a duplicate report, a claim decided
//! meanwhile) changes nothing and is recorded in the history (`ignored`). An arrival for an
//! unknown claim is dead-lettered: a unit is only requested back for a known claim.

use chrono::TimeDelta;
use kummerer_contracts::{Envelope, ReturnArrivedV1};
use kummerer_messaging::HandleError;
use sea_orm::DatabaseTransaction;
use serde_json::json;

use super::evidence::{known_claim, raise_flag};
use crate::db::{agreement_version, claim, claim_event};
use crate::domain::ClaimStatus;
use crate::domain::flags::ClaimFlag;

pub async fn return_arrived(
    txn: &DatabaseTransaction,
    env: &Envelope<ReturnArrivedV1>,
) -> Result<(), HandleError> {
    let r = &env.data;
    let mut c = known_claim(
        txn,
        r.claim_id.as_uuid(),
        r.manufacturer_id.as_uuid(),
        r.retailer_id.as_uuid(),
        "return arrival",
    )
    .await?;
    let now = crate::db::now();
    let details = json!({
        "message_id": env.id,
        "depot_id": r.depot_id,
        "shipment_id": r.shipment_id,
        "serial": r.serial,
        "received_by": r.received_by,
        "arrived_at": r.arrived_at,
    });
    if c.status != ClaimStatus::ReturnRequested.as_str() {
        // Asked back while its decision stood (`must_return`, after acceptance).
        if crate::unit_back::arrived(txn, c.clone(), env).await? {
            return Ok(());
        }
        let mut details = details;
        details["message"] = json!("return_arrived");
        details["reason"] = json!("the claim is not waiting for its unit");
        details["status"] = json!(c.status);
        claim_event::append(txn, c.id, claim_event::IGNORED, now, details).await?;
        tracing::warn!(claim.id = %c.id, status = %c.status, "return arrival ignored");
        return Ok(());
    }
    let days = agreement_version::judging(txn, &c)
        .await?
        .map(|t| t.decision_deadline_days);
    let mismatch = !r.serial.trim().eq_ignore_ascii_case(c.serial.trim());
    if mismatch {
        raise_flag(&mut c, ClaimFlag::SerialMismatch);
    }
    let arrived_at = r.arrived_at;
    c.status = ClaimStatus::UnitArrived.as_str().to_owned();
    c.arrived_at = Some(arrived_at);
    c.deadline_at = days.map(|days| arrived_at + TimeDelta::days(i64::from(days)));
    let c = claim::save(txn, c).await?;
    let mut details = details;
    details["deadline_at"] = json!(c.deadline_at);
    details["serial_mismatch"] = json!(mismatch);
    claim_event::append(txn, c.id, claim_event::UNIT_ARRIVED, now, details).await?;
    crate::announce::acknowledged(txn, &c, now).await?;
    crate::webhooks::claim_updated(txn, c.id, "unit_arrived").await?;
    metrics::counter!(crate::metrics::RETURNS_ARRIVED).increment(1);
    tracing::info!(claim.id = %c.id, "returned unit arrived");
    Ok(())
}
