//! The decision `request_information`: the claim goes back to the retailer with a question and
//! an answer deadline (see [`crate::information`]).

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use kummerer_service::Problem;
use sea_orm::{DatabaseConnection, TransactionTrait};
use serde_json::json;
use uuid::Uuid;

use super::auth::Manufacturer;
use super::claims::{DecisionBody, claim_answer, status_of};
use super::idempotency::Idempotent;
use super::invalid;
use super::returns::wrong_status;
use crate::db::claim;
use crate::domain::ClaimStatus;
use crate::domain::information::{QuestionInput, may_ask};

/// 409 for a claim that waits for the retailer's answer.
pub fn awaiting(status: ClaimStatus) -> Problem {
    wrong_status(
        "claim_awaiting_information",
        status,
        "it is decided once the retailer answered (or its answer deadline passed)",
    )
}

/// `request_information` on claim `id` (see [`super::claims::decide`]).
pub async fn request(
    me: &Manufacturer,
    idem: Idempotent,
    db: &DatabaseConnection,
    id: Uuid,
    body: &DecisionBody,
) -> Result<HttpResponse, Problem> {
    let now = crate::db::now();
    let q = QuestionInput {
        question: body.question.clone(),
        answer_by: body.answer_by.clone(),
    }
    .parse(now)
    .map_err(invalid)?;
    let txn = db.begin().await?;
    if let Some(replay) = idem.begin(&txn).await? {
        return Ok(replay);
    }
    let c = claim::lock(&txn, me.id, id)
        .await?
        .ok_or_else(|| Problem::not_found("claim"))?;
    let status = status_of(&c)?;
    match status {
        ClaimStatus::InformationRequested => return Err(awaiting(status)),
        ClaimStatus::ReturnRequested => {
            return Err(wrong_status(
                "claim_awaiting_return",
                status,
                "it is decided once its unit arrived",
            ));
        }
        s if !may_ask(s) => {
            return Err(wrong_status(
                "claim_not_decidable",
                s,
                "information is requested of a pending, unit_arrived or disputed claim",
            ));
        }
        _ => {}
    }
    let label = crate::db::api_key::label(&txn, me.key_id).await?;
    let key = json!({"id": me.key_id, "label": label});
    let c = crate::information::ask(&txn, c, &q, key, now).await?;
    let view = claim_answer(&txn, c).await?;
    let res = idem.respond(&txn, StatusCode::OK, &view).await?;
    txn.commit().await?;
    Ok(res)
}
