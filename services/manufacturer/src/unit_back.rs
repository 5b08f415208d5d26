//! A unit asked back while the claim's decision stands (issue 11): by the agreement
//! (`unit_disposition: must_return`, as soon as the claim arrives, so the crew that collects the
//! unit already knows it goes back), or by the manufacturer after it accepted the claim (also
//! one accepted by a rule). Unlike the decision `request_return` the claim keeps its status and
//! its deadline: only the return is recorded (`return_depot_id`, `return_by`, …),
//! `manufacturer.claim.return_requested.v1` goes to logistics and the retailer, and the unit
//! travels and is inspected as any other. Its arrival is recorded on the claim (`arrived_at`)
//! without moving its status.

use chrono::{DateTime, Utc};
use kummerer_contracts::agreement::UnitDisposition;
use kummerer_contracts::claims::FreightPayer;
use kummerer_contracts::ids::ManufacturerId;
use kummerer_contracts::{Envelope, ProductRef, ReturnArrivedV1, ReturnRequestedV1};
use sea_orm::{ConnectionTrait, DbErr};
use serde_json::json;

use crate::db::{claim, claim_event, depot};
use crate::domain::ClaimStatus;
use crate::domain::flags::ClaimFlag;

/// Why the unit is asked back while the decision stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// The agreement says `must_return`.
    Agreement,
    /// The manufacturer asked after its decision.
    AfterDecision,
}

impl Why {
    fn as_str(self) -> &'static str {
        match self {
            Why::Agreement => "agreement_must_return",
            Why::AfterDecision => "after_decision",
        }
    }
}

/// Whether a claim in `status` is asked back without changing its status: decided
/// (accepted, partly accepted) claims; a claim already asked back is not asked again.
pub fn after_decision(status: ClaimStatus) -> bool {
    matches!(status, ClaimStatus::Accepted | ClaimStatus::PartlyAccepted)
}

/// Whether the claim's unit arrived at the depot while its decision stood (so it may be
/// inspected, whatever its status).
pub fn arrived_while_decided(c: &claim::Model) -> bool {
    c.arrived_at.is_some()
        && c.inspection_result.is_none()
        && c.claim_status()
            .is_ok_and(|s| s != ClaimStatus::ReturnRequested)
}

/// Records the return on `c` (locked by the caller), keeping status and deadline, and puts
/// `manufacturer.claim.return_requested.v1` into the outbox.
pub async fn ask_back<C: ConnectionTrait>(
    txn: &C,
    mut c: claim::Model,
    to: &depot::Model,
    return_by: DateTime<Utc>,
    freight_paid_by: FreightPayer,
    why: Why,
    now: DateTime<Utc>,
) -> Result<claim::Model, DbErr> {
    c.return_depot_id = Some(to.id.as_uuid());
    c.return_by = Some(return_by);
    c.freight_paid_by = Some(freight_paid_by.as_str().to_owned());
    c.return_requested_at = Some(now);
    let c = claim::save(txn, c).await?;
    claim_event::append(
        txn,
        c.id,
        claim_event::RETURN_REQUESTED,
        now,
        json!({
            "depot_id": to.id,
            "return_by": return_by,
            "freight_paid_by": freight_paid_by.as_str(),
            "why": why.as_str(),
            "status": c.status,
        }),
    )
    .await?;
    crate::webhooks::claim_updated(txn, c.id, "return_requested").await?;
    kummerer_messaging::enqueue(
        txn,
        ReturnRequestedV1 {
            claim_id: c.id.into(),
            swap_id: c.swap_id.into(),
            case_id: c.case_id.into(),
            retailer_id: c.retailer_id.into(),
            manufacturer_id: c.manufacturer_id.into(),
            serial: c.serial.clone(),
            product: ProductRef {
                sku: c.product_sku.clone(),
                name: c.product_name.clone(),
                manufacturer_id: c.manufacturer_id.into(),
            },
            depot: to.contract()?,
            return_by,
            freight_paid_by,
            requested_at: now,
        },
    )
    .await?;
    tracing::info!(claim.id = %c.id, depot.id = %to.id, why = why.as_str(), "unit asked back");
    Ok(c)
}

/// A claim that just arrived under an agreement saying `must_return`: its unit is asked back
/// to the manufacturer's default depot within `KUMMERER_MUST_RETURN_WITHIN_S`
/// ([`crate::settings::must_return_within`], 30 days by default), freight paid by the
/// manufacturer. Without a depot (an agreement cannot say `must_return` then, and depots are
/// never deleted) nothing is asked and the claim keeps its own deadline.
pub async fn on_arrival<C: ConnectionTrait>(
    txn: &C,
    c: claim::Model,
    disposition: Option<UnitDisposition>,
    now: DateTime<Utc>,
) -> Result<claim::Model, DbErr> {
    if disposition != Some(UnitDisposition::MustReturn) {
        return Ok(c);
    }
    let Some(to) = depot::default_of(txn, ManufacturerId(c.manufacturer_id)).await? else {
        tracing::warn!(claim.id = %c.id, "must_return without a depot: unit not asked back");
        return Ok(c);
    };
    let return_by = now + crate::settings::must_return_within();
    ask_back(
        txn,
        c,
        &to,
        return_by,
        FreightPayer::Manufacturer,
        Why::Agreement,
        now,
    )
    .await
}

/// `logistics.return.arrived.v1` for a claim whose unit was asked back while its decision
/// stood: the arrival is recorded (`arrived_at`, a `serial_mismatch` flag when another unit
/// came), the status and deadline stay. `false` when the claim is not such a claim (the caller
/// records the message as ignored).
pub async fn arrived<C: ConnectionTrait>(
    txn: &C,
    mut c: claim::Model,
    env: &Envelope<ReturnArrivedV1>,
) -> Result<bool, DbErr> {
    let r = &env.data;
    let waiting = c.return_requested_at.is_some()
        && c.arrived_at.is_none()
        && c.claim_status()
            .is_ok_and(|s| s != ClaimStatus::ReturnRequested);
    // A return a decision withdrew is not waited for: a unit that arrives anyway is `ignored`.
    if !waiting || claim_event::return_withdrawn(txn, c.id).await? {
        return Ok(false);
    }
    let mismatch = !r.serial.trim().eq_ignore_ascii_case(c.serial.trim());
    if mismatch {
        crate::consumers::evidence::raise_flag(&mut c, ClaimFlag::SerialMismatch);
    }
    c.arrived_at = Some(r.arrived_at);
    let c = claim::save(txn, c).await?;
    claim_event::append(
        txn,
        c.id,
        claim_event::UNIT_ARRIVED,
        crate::db::now(),
        json!({
            "message_id": env.id,
            "depot_id": r.depot_id,
            "shipment_id": r.shipment_id,
            "serial": r.serial,
            "received_by": r.received_by,
            "arrived_at": r.arrived_at,
            "serial_mismatch": mismatch,
            "status": c.status,
        }),
    )
    .await?;
    crate::webhooks::claim_updated(txn, c.id, "unit_arrived").await?;
    metrics::counter!(crate::metrics::RETURNS_ARRIVED).increment(1);
    tracing::info!(claim.id = %c.id, "unit asked back after the decision arrived");
    Ok(true)
}
