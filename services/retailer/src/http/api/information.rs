//! Answering the manufacturer's question about a claim through the API (see
//! [`crate::app::information`]): `POST /api/retailers/{rid}/claims/{claim_id}/information`
//! `{answer}` → 201; a claim that waits for no answer is 409 `claim_not_awaiting_information`,
//! nothing changed. The key answers (recorded with the answer, shown as "API key «name»"); a
//! body's `answered_by` is accepted and ignored.

use actix_web::{HttpResponse, web};
use chrono::Utc;
use kummerer_contracts::{ClaimId, RetailerId};
use kummerer_service::problem::FieldError;
use kummerer_service::{FieldErrors, Problem};
use sea_orm::DatabaseConnection;
use serde::Deserialize;
use uuid::Uuid;

use crate::app::information::{ANSWER_MAX, Answer, AnswerError, answer};
use crate::http::api::key_auth::ApiKey;
use crate::http::input::checked;

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct AnswerBody {
    pub answer: String,
    /// Accepted and ignored: who answers is the credential (the key, the staff member).
    pub answered_by: Option<serde_json::Value>,
}

/// The answer checked (1 to [`ANSWER_MAX`] characters, no NUL), every error at once.
pub fn checked_answer(text: &str, answered_by: &str) -> Result<Answer, Vec<FieldError>> {
    let mut v = FieldErrors::new();
    let answer = v.text("answer", text, ANSWER_MAX);
    checked(v)?;
    Ok(Answer {
        answer,
        answered_by: answered_by.to_owned(),
        by_key: None,
    })
}

impl From<AnswerError> for Problem {
    fn from(e: AnswerError) -> Self {
        match e {
            AnswerError::NotFound => Problem::not_found("claim"),
            AnswerError::NotAsked { .. } => {
                Problem::conflict("claim_not_awaiting_information", e.to_string())
            }
            AnswerError::Db(e) => e.into(),
        }
    }
}

/// `POST /api/retailers/{rid}/claims/{claim_id}/information` `{answer}` → 201; see the module.
pub async fn create(
    key: ApiKey,
    db: web::Data<DatabaseConnection>,
    path: web::Path<(Uuid, Uuid)>,
    body: web::Json<AnswerBody>,
) -> Result<HttpResponse, Problem> {
    let (retailer_id, claim_id) = path.into_inner();
    let actor = key.actor();
    let mut a = checked_answer(&body.answer, &actor.label()).map_err(Problem::validation)?;
    a.by_key = actor.key_id();
    let done = answer(
        db.get_ref(),
        RetailerId(retailer_id),
        ClaimId(claim_id),
        a,
        Utc::now(),
    )
    .await?;
    Ok(HttpResponse::Created().json(done))
}
