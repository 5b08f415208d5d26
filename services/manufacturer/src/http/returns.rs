//! Asking for a claim's unit back (the decision `request_return`), and the inspection of the
//! unit once it arrived at the depot.
//!
//! `request_return` is allowed on a pending claim: it becomes `return_requested`, due at the
//! return's `return_by` (its `deadline_at`; past it the sweep applies the agreement's default
//! and withdraws the return), and logistics is asked (`manufacturer.claim.return_requested.v1`)
//! to bring the unit to one of the manufacturer's depots. When logistics reports the arrival the
//! claim is `unit_arrived` and the decision deadline counts again from the arrival. The inspection is recorded
//! once, after the arrival (`manufacturer.claim.inspected.v1`); then the claim is decided as
//! usual.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use kummerer_contracts::ids::ManufacturerId;
use kummerer_contracts::{ClaimInspectedV1, ProductRef, ReturnRequestedV1};
use kummerer_service::Problem;
use sea_orm::{DatabaseConnection, TransactionTrait};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::auth::Manufacturer;
use super::claims::{DecisionBody, claim_answer, status_of};
use super::idempotency::Idempotent;
use super::invalid;
use crate::db::{agreement_version, claim, claim_event, depot};
use crate::domain::returns::{ReturnInput, may_request_return, parse_inspection};
use crate::domain::{ClaimStatus, Invalid};

/// 409 for a claim whose status does not allow the step.
pub fn wrong_status(code: &str, status: ClaimStatus, allowed: &str) -> Problem {
    Problem::conflict(code, format!("the claim is {status}; {allowed}"))
}

/// The `request_return` decision on claim `id` (see [`super::claims::decide`]).
pub async fn request_return(
    mid: Uuid,
    idem: Idempotent,
    db: &DatabaseConnection,
    id: Uuid,
    body: &DecisionBody,
) -> Result<HttpResponse, Problem> {
    let now = crate::db::now();
    let request = ReturnInput {
        depot_id: body.depot_id,
        return_by: body.return_by.clone(),
        freight_paid_by: body.freight_paid_by.clone(),
    }
    .parse(now)
    .map_err(invalid)?;
    let txn = db.begin().await?;
    if let Some(replay) = idem.begin(&txn).await? {
        return Ok(replay);
    }
    let mut c = claim::lock(&txn, mid, id)
        .await?
        .ok_or_else(|| Problem::not_found("claim"))?;
    let status = status_of(&c)?;
    if status != ClaimStatus::Pending {
        return Err(wrong_status(
            "claim_not_pending",
            status,
            "only a pending claim's unit can be requested back",
        ));
    }
    let Some(depot) = depot::find(&txn, ManufacturerId(mid), request.depot_id).await? else {
        return Err(invalid(vec![Invalid::new(
            "depot_id",
            "is not one of the manufacturer's depots",
        )]));
    };
    let disposition = agreement_version::judging(&txn, &c)
        .await?
        .map(|t| t.unit_disposition);
    may_request_return(disposition).map_err(|e| invalid(vec![e]))?;

    c.status = ClaimStatus::ReturnRequested.as_str().to_owned();
    c.return_depot_id = Some(depot.id.as_uuid());
    c.return_by = Some(request.return_by);
    c.freight_paid_by = Some(request.freight_paid_by.as_str().to_owned());
    c.return_requested_at = Some(now);
    // Due at `return_by`: the unit not at the depot by then, the agreement's default applies.
    // The decision deadline counts again from its arrival.
    c.deadline_at = Some(request.return_by);
    let c = claim::save(&txn, c).await?;
    claim_event::append(
        &txn,
        id,
        claim_event::RETURN_REQUESTED,
        now,
        json!({
            "depot_id": depot.id,
            "return_by": request.return_by,
            "freight_paid_by": request.freight_paid_by.as_str(),
        }),
    )
    .await?;
    crate::webhooks::claim_updated(&txn, id, "return_requested").await?;
    kummerer_messaging::enqueue(
        &txn,
        ReturnRequestedV1 {
            claim_id: id.into(),
            swap_id: c.swap_id.into(),
            case_id: c.case_id.into(),
            retailer_id: c.retailer_id.into(),
            manufacturer_id: mid.into(),
            serial: c.serial.clone(),
            product: ProductRef {
                sku: c.product_sku.clone(),
                name: c.product_name.clone(),
                manufacturer_id: mid.into(),
            },
            depot: depot.contract()?,
            return_by: request.return_by,
            freight_paid_by: request.freight_paid_by,
            requested_at: now,
        },
    )
    .await?;
    let view = claim_answer(&txn, c).await?;
    let res = idem.respond(&txn, StatusCode::OK, &view).await?;
    txn.commit().await?;
    tracing::info!(claim.id = %id, manufacturer.id = %mid, depot.id = %depot.id, "unit requested back");
    Ok(res)
}

#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
pub struct InspectionBody {
    /// `defect_confirmed`, `no_fault_found`, `customer_damage` or `not_the_claimed_unit`.
    pub result: String,
    #[serde(default)]
    pub note: Option<String>,
}

/// Record the inspection of a returned unit
///
/// Once, after the unit arrived at the depot (status `unit_arrived`); the retailer is told
/// (`manufacturer.claim.inspected.v1`). The claim is then decided as usual.
#[utoipa::path(
    post, path = "/api/manufacturers/{mid}/claims/{id}/inspection", tag = "returns", operation_id = "inspect_claim",
    params(("mid" = Uuid, Path, description = "The manufacturer (the API key's)"), ("id" = Uuid, Path, description = "The claim"), ("Idempotency-Key" = Option<String>, Header, description = "1 to 255 visible ASCII characters; a retry with the same key and body answers the first answer")),
    request_body = InspectionBody,
    responses(
        (status = 200, description = "The claim with its inspection", body = super::views::ClaimView),
        (status = 400, description = "Malformed JSON or `Idempotency-Key`", body = super::openapi::ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "`claim_unit_not_arrived` (the detail names the status), `claim_already_inspected`, `request_in_progress`", body = super::openapi::ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`, `idempotency_key_reused`", body = super::openapi::ProblemDoc, content_type = "application/problem+json"),
    )
)]
// `POST /api/manufacturers/{mid}/claims/{id}/inspection` → 200, 404, 409, 422.
pub async fn inspect(
    me: Manufacturer,
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    path: web::Path<(Uuid, Uuid)>,
    body: web::Json<InspectionBody>,
) -> Result<HttpResponse, Problem> {
    let (mid, id) = (me.id, path.into_inner().1);
    let idem = Idempotent::new(&req, mid, &*body)?;
    let (result, note) = parse_inspection(&body.result, body.note.as_deref()).map_err(invalid)?;
    let now = crate::db::now();
    let txn = db.begin().await?;
    if let Some(replay) = idem.begin(&txn).await? {
        return Ok(replay);
    }
    let mut c = claim::lock(&txn, mid, id)
        .await?
        .ok_or_else(|| Problem::not_found("claim"))?;
    let status = status_of(&c)?;
    if status != ClaimStatus::UnitArrived && !crate::unit_back::arrived_while_decided(&c) {
        return Err(wrong_status(
            "claim_unit_not_arrived",
            status,
            "a unit is inspected once it arrived at the depot",
        ));
    }
    if c.inspection_result.is_some() {
        return Err(Problem::conflict(
            "claim_already_inspected",
            "the claim's unit was inspected before",
        ));
    }
    c.inspection_result = Some(result.as_str().to_owned());
    c.inspection_note = note.clone();
    c.inspected_at = Some(now);
    let c = claim::save(&txn, c).await?;
    claim_event::append(
        &txn,
        id,
        claim_event::INSPECTED,
        now,
        json!({ "result": result.as_str(), "note": note }),
    )
    .await?;
    crate::webhooks::claim_updated(&txn, id, "inspected").await?;
    kummerer_messaging::enqueue(
        &txn,
        ClaimInspectedV1 {
            claim_id: id.into(),
            swap_id: c.swap_id.into(),
            case_id: c.case_id.into(),
            retailer_id: c.retailer_id.into(),
            manufacturer_id: mid.into(),
            result,
            note,
            inspected_at: now,
        },
    )
    .await?;
    let view = claim_answer(&txn, c).await?;
    let res = idem.respond(&txn, StatusCode::OK, &view).await?;
    txn.commit().await?;
    tracing::info!(claim.id = %id, manufacturer.id = %mid, result = result.as_str(), "unit inspected");
    Ok(res)
}
