//! Resubmitting a claim the manufacturer did not accept (see [`crate::app::resubmit`]):
//! `POST /api/retailers/{rid}/claims/{claim_id}/resubmit` `{manufacturer_id?}` → 200 with the
//! claim's new status. `manufacturer_id` corrects the product's manufacturer first. A claim that
//! is not `not_accepted` answers 409 `claim_not_returned` and changes nothing.

use actix_web::{HttpResponse, web};
use chrono::Utc;
use kummerer_contracts::{ClaimId, ManufacturerId, RetailerId};
use kummerer_service::Problem;
use sea_orm::DatabaseConnection;
use serde::Deserialize;
use uuid::Uuid;

use crate::app::resubmit::{Resubmission, ResubmitError, resubmit};
use crate::http::api::key_auth::ApiKey;

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ResubmitBody {
    /// The product's manufacturer, corrected.
    pub manufacturer_id: Option<Uuid>,
}

impl From<ResubmitError> for Problem {
    fn from(e: ResubmitError) -> Self {
        match e {
            ResubmitError::NotFound => Problem::not_found("claim"),
            ResubmitError::Refused { reason, .. } => {
                Problem::conflict(reason.code(), e.to_string())
            }
            ResubmitError::Db(e) => e.into(),
        }
    }
}

/// See the module. The key resubmits (shown as "API key «name»").
pub async fn create(
    key: ApiKey,
    db: web::Data<DatabaseConnection>,
    path: web::Path<(Uuid, Uuid)>,
    body: web::Json<ResubmitBody>,
) -> Result<HttpResponse, Problem> {
    let (retailer_id, claim_id) = path.into_inner();
    let r = Resubmission {
        manufacturer_id: body.manufacturer_id.map(ManufacturerId),
        resubmitted_by: key.actor().label(),
    };
    let done = resubmit(
        db.get_ref(),
        RetailerId(retailer_id),
        ClaimId(claim_id),
        r,
        Utc::now(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(done))
}
