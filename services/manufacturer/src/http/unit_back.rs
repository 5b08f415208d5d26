//! `request_return` on a claim whose decision stands (accepted or partly accepted, also by a
//! rule): the unit is asked back, the claim keeps its status (see [`crate::unit_back`]). A claim
//! whose unit was asked back already (`must_return`, or after its decision) is not asked again
//! (409 `return_already_requested`). Any other claim is left to [`super::returns`].

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use kummerer_contracts::ids::ManufacturerId;
use kummerer_service::Problem;
use sea_orm::{DatabaseConnection, TransactionTrait};
use uuid::Uuid;

use super::auth::Manufacturer;
use super::claims::{DecisionBody, claim_answer, status_of};
use super::idempotency::Idempotent;
use super::invalid;
use crate::db::{agreement_version, claim, depot};
use crate::domain::returns::{ReturnInput, may_request_return};
use crate::domain::{ClaimStatus, Invalid};
use crate::unit_back::{Why, after_decision, ask_back};

/// The return of a decided claim's unit; `None` when the claim is not one this module handles
/// (nothing done, the transaction dropped).
pub async fn request_return(
    me: &Manufacturer,
    idem: &Idempotent,
    db: &DatabaseConnection,
    id: Uuid,
    body: &DecisionBody,
) -> Result<Option<HttpResponse>, Problem> {
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
        return Ok(Some(replay));
    }
    let c = claim::lock(&txn, me.id, id)
        .await?
        .ok_or_else(|| Problem::not_found("claim"))?;
    let status = status_of(&c)?;
    let asked_before = c.return_requested_at.is_some() && status != ClaimStatus::ReturnRequested;
    if asked_before {
        return Err(Problem::conflict(
            "return_already_requested",
            format!("the claim is {status} and its unit was asked back already"),
        ));
    }
    if !after_decision(status) {
        return Ok(None);
    }
    let Some(to) = depot::find(&txn, ManufacturerId(me.id), request.depot_id).await? else {
        return Err(invalid(vec![Invalid::new(
            "depot_id",
            "is not one of the manufacturer's depots",
        )]));
    };
    let disposition = agreement_version::judging(&txn, &c)
        .await?
        .map(|t| t.unit_disposition);
    may_request_return(disposition).map_err(|e| invalid(vec![e]))?;
    let c = ask_back(
        &txn,
        c,
        &to,
        request.return_by,
        request.freight_paid_by,
        Why::AfterDecision,
        now,
    )
    .await?;
    let view = claim_answer(&txn, c).await?;
    let res = idem.respond(&txn, StatusCode::OK, &view).await?;
    txn.commit().await?;
    Ok(Some(res))
}
