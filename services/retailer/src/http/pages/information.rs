//! The desk's answer page (`/desk/claims/{id}/information`, linked from the case page while the
//! manufacturer waits for an answer): shows the manufacturer's question and its deadline, and
//! any staff member answers; the same [`crate::app::information::answer`] as the JSON API.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::Utc;
use kummerer_contracts::{ClaimId, RetailerId};
use kummerer_service::Problem;
use kummerer_web::i18n::Tr;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::app::information::{AnswerError, answer};
use crate::db;
use crate::domain::ClaimStatus;
use crate::http::api::information::checked_answer;
use crate::http::pages::PathId;
use crate::http::pages::auth::{Signed, SignedIn};
use crate::http::pages::roles::Posted;
use crate::http::pages::{Errors, Me, not_found, render_status, see_other};

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct AnswerForm {
    pub csrf: String,
    pub answer: String,
}

#[derive(Template)]
#[template(path = "desk/information.html")]
pub struct InformationPage {
    pub me: Me,
    pub tr: Tr,
    pub claim_id: Uuid,
    pub case_id: Uuid,
    pub status: String,
    /// The latest question, its deadline (as shown) and its answer, if any.
    pub question: String,
    pub answer_by: String,
    pub answer: String,
    /// Whether the form is shown (a question waits for its answer).
    pub can_answer: bool,
    pub form: AnswerForm,
    pub errors: Errors,
}

/// The page for the claim, or `None` when the retailer has no such claim.
async fn information_page(
    db: &DatabaseConnection,
    me: &Signed,
    claim_id: Uuid,
    form: AnswerForm,
    errors: Errors,
) -> Result<Option<InformationPage>, Problem> {
    let retailer_id = me.staff.retailer_id;
    let Some(claim) = db::settlement::find_claim(db, retailer_id, claim_id).await? else {
        return Ok(None);
    };
    let q = db::information::latest(db, retailer_id, claim_id).await?;
    let can_answer = claim.status == ClaimStatus::InformationRequested
        && q.as_ref().is_some_and(|q| q.answered_at.is_none());
    Ok(Some(InformationPage {
        me: Me::from(me),
        tr: me.tr,
        claim_id,
        case_id: claim.case_id,
        status: claim.status.as_string(),
        question: q.as_ref().map(|q| q.question.clone()).unwrap_or_default(),
        answer_by: q
            .as_ref()
            .map(|q| me.tr.datetime(q.answer_by))
            .unwrap_or_default(),
        answer: q.and_then(|q| q.answer).unwrap_or_default(),
        can_answer,
        form,
        errors,
    }))
}

/// `GET /desk/claims/{id}/information`.
pub async fn page(
    SignedIn(me): SignedIn,
    db: web::Data<DatabaseConnection>,
    PathId(path): PathId<ClaimId>,
) -> Result<HttpResponse, Problem> {
    let Some(id) = path.map(Uuid::from) else {
        return not_found(&me.tr);
    };
    match information_page(
        db.get_ref(),
        &me,
        id,
        AnswerForm::default(),
        Errors::default(),
    )
    .await?
    {
        None => not_found(&me.tr),
        Some(page) => render_status(StatusCode::OK, &page),
    }
}

/// `POST /desk/claims/{id}/information` `{csrf, answer}` → 303 to the case; errors (and a claim
/// that waits for no answer) → the page again with the message, nothing saved.
pub async fn submit(
    db: web::Data<DatabaseConnection>,
    PathId(path): PathId<ClaimId>,
    Posted { me, form, .. }: Posted<AnswerForm>,
) -> Result<HttpResponse, Problem> {
    let Some(id) = path.map(Uuid::from) else {
        return not_found(&me.tr);
    };
    let retailer_id = me.staff.retailer_id;
    let (status, errors) = match checked_answer(&form.answer, &me.staff.email) {
        Err(fields) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Errors::fields(fields).in_lang(&me.tr),
        ),
        Ok(a) => {
            let (rid, cid) = (RetailerId(retailer_id), ClaimId(id));
            match answer(db.get_ref(), rid, cid, a, Utc::now()).await {
                Ok(done) => return Ok(see_other(&format!("/desk/cases/{}", done.case_id))),
                Err(AnswerError::NotFound) => return not_found(&me.tr),
                Err(AnswerError::Db(e)) => return Err(e.into()),
                Err(e @ AnswerError::NotAsked { .. }) => (
                    StatusCode::CONFLICT,
                    Errors::general(super::errors::answer(&me.tr, &e)),
                ),
            }
        }
    };
    match information_page(db.get_ref(), &me, id, form, errors).await? {
        Some(page) => render_status(status, &page),
        None => not_found(&me.tr),
    }
}

impl crate::http::pages::roles::WithCsrf for AnswerForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}
