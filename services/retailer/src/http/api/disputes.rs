//! Disputing a rejected claim — once, by staff, with a statement and an optional note that goes
//! to the manufacturer as evidence. The JSON API and the desk form call the same [`dispute`]:
//! one transaction writes the dispute, the claim's status `disputed`, a `claim_disputed`
//! timeline entry and the outbox row `retailer.claim.disputed.v1`. A claim that is not rejected
//! (409 `claim_not_rejected`) or was disputed before (409 `claim_already_disputed`) changes
//! nothing. The manufacturer's new decision comes back as `manufacturer.claim.decided.v1`.

use actix_web::{HttpResponse, web};
use chrono::Utc;
use kummerer_contracts::{ClaimId, RetailerId};
use kummerer_service::Problem;
use sea_orm::DatabaseConnection;
use serde::Deserialize;
use uuid::Uuid;

pub use crate::app::disputes::{Dispute, DisputeError, Disputed, dispute};
use crate::http::input::checked_dispute;
use kummerer_service::problem::FieldError;

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct DisputeBody {
    pub statement: String,
    pub note: Option<String>,
    pub disputed_by: String,
}

impl DisputeBody {
    /// Every field error at once; `disputed_by` comes from the body (API) or the session (desk).
    pub fn parse(&self, disputed_by: &str) -> Result<Dispute, Vec<FieldError>> {
        checked_dispute(&self.statement, self.note.as_deref(), disputed_by)
    }
}

impl From<DisputeError> for Problem {
    fn from(e: DisputeError) -> Self {
        match e {
            DisputeError::NotFound => Problem::not_found("claim"),
            DisputeError::Refused { reason, .. } => Problem::conflict(reason.code(), e.to_string()),
            DisputeError::Db(e) => e.into(),
        }
    }
}

/// `POST /api/retailers/{rid}/claims/{claim_id}/dispute` `{statement, note?, disputed_by}` →
/// 201; see the module.
pub async fn create(
    db: web::Data<DatabaseConnection>,
    path: web::Path<(Uuid, Uuid)>,
    body: web::Json<DisputeBody>,
) -> Result<HttpResponse, Problem> {
    let (retailer_id, claim_id) = path.into_inner();
    let d = body.parse(&body.disputed_by).map_err(Problem::validation)?;
    let done = dispute(
        db.get_ref(),
        RetailerId(retailer_id),
        ClaimId(claim_id),
        d,
        Utc::now(),
    )
    .await?;
    Ok(HttpResponse::Created().json(done))
}
