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
use crate::http::api::key_auth::ApiKey;
use crate::http::input::checked_dispute;
use kummerer_service::problem::FieldError;

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct DisputeBody {
    pub statement: String,
    pub note: Option<String>,
    /// Accepted and ignored: who disputes is the credential (the key, the staff member).
    pub disputed_by: Option<serde_json::Value>,
}

impl DisputeBody {
    /// Every field error at once; `disputed_by` comes from the credential (the API's key, the
    /// desk's session).
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

/// `POST /api/retailers/{rid}/claims/{claim_id}/dispute` `{statement, note?}` → 201; see the
/// module. The key disputes (recorded with the dispute, shown as "API key «name»"); a body's
/// `disputed_by` is accepted and ignored.
pub async fn create(
    key: ApiKey,
    db: web::Data<DatabaseConnection>,
    path: web::Path<(Uuid, Uuid)>,
    body: web::Json<DisputeBody>,
) -> Result<HttpResponse, Problem> {
    let (retailer_id, claim_id) = path.into_inner();
    let actor = key.actor();
    let mut d = body.parse(&actor.label()).map_err(Problem::validation)?;
    d.by_key = actor.key_id();
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
