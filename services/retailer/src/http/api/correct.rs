//! `POST /api/retailers/{rid}/cases/{case_id}/swap/correction`
//! `{reason, delivery_address?, window_start?, window_end?}` → 202: asks logistics to correct
//! the visit of the case's swap ([`crate::app::correct`]); the key is who asks. Until logistics
//! answers, the case shows `swap.correction_pending`; the answer lands on the case
//! (`swap_corrected`, and the swap's new address and window, or `swap_correction_refused`).

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use kummerer_contracts::{CaseId, RetailerId};
use kummerer_service::Problem;
use sea_orm::DatabaseConnection;
use serde::Deserialize;
use uuid::Uuid;

use crate::app::correct::{CorrectError, request_correction};
use crate::http::api::key_auth::ApiKey;
use crate::http::input::{AddressBody, correction_of};

#[derive(Debug, Deserialize)]
pub struct CorrectBody {
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub delivery_address: Option<AddressBody>,
    #[serde(default)]
    pub window_start: Option<DateTime<Utc>>,
    #[serde(default)]
    pub window_end: Option<DateTime<Utc>>,
}

impl From<CorrectError> for Problem {
    fn from(e: CorrectError) -> Self {
        match e {
            CorrectError::NotFound => Problem::not_found("case"),
            CorrectError::NoSwap => Problem::not_found("swap"),
            CorrectError::Refused { reason, .. } => Problem::conflict(reason.code(), e.to_string()),
            CorrectError::Db(e) => e.into(),
        }
    }
}

pub async fn create(
    key: ApiKey,
    db: web::Data<DatabaseConnection>,
    path: web::Path<(Uuid, Uuid)>,
    body: web::Json<CorrectBody>,
) -> Result<HttpResponse, Problem> {
    let (retailer_id, case_id) = path.into_inner();
    let now = Utc::now();
    let correction = correction_of(
        body.delivery_address.as_ref(),
        (body.window_start, body.window_end),
        &body.reason,
        now,
    )
    .map_err(Problem::validation)?;
    let done = request_correction(
        db.get_ref(),
        RetailerId(retailer_id),
        CaseId(case_id),
        correction,
        &key.actor(),
        now,
    )
    .await?;
    Ok(HttpResponse::Accepted().json(done))
}
