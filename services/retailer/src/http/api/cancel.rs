//! `POST /api/retailers/{rid}/cases/{case_id}/swap/cancel` `{reason}` → 202: asks logistics to
//! cancel the case's swap ([`crate::app::cancel`]); the key is who asks. The answer lands on the
//! case (`swap_cancelled` or `swap_cancel_refused`).

use actix_web::{HttpResponse, web};
use chrono::Utc;
use kummerer_contracts::{CaseId, RetailerId};
use kummerer_service::Problem;
use kummerer_service::problem::FieldError;
use sea_orm::DatabaseConnection;
use serde::Deserialize;
use uuid::Uuid;

use crate::app::cancel::{CancelError, request_cancel};
use crate::http::api::key_auth::ApiKey;

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct CancelBody {
    pub reason: String,
}

impl From<CancelError> for Problem {
    fn from(e: CancelError) -> Self {
        match e {
            CancelError::NotFound => Problem::not_found("case"),
            CancelError::NoSwap => Problem::not_found("swap"),
            CancelError::Refused { reason, .. } => Problem::conflict(reason.code(), e.to_string()),
            CancelError::Reason(message) => Problem::validation(vec![FieldError {
                field: "reason".to_owned(),
                message,
            }]),
            CancelError::Db(e) => e.into(),
        }
    }
}

pub async fn create(
    key: ApiKey,
    db: web::Data<DatabaseConnection>,
    path: web::Path<(Uuid, Uuid)>,
    body: web::Json<CancelBody>,
) -> Result<HttpResponse, Problem> {
    let (retailer_id, case_id) = path.into_inner();
    let done = request_cancel(
        db.get_ref(),
        RetailerId(retailer_id),
        CaseId(case_id),
        &body.reason,
        &key.actor(),
        Utc::now(),
    )
    .await?;
    Ok(HttpResponse::Accepted().json(done))
}
