//! The desk's dispute page (`/desk/claims/{id}/dispute`, linked from the case page while the
//! claim is rejected): managers and admins dispute a rejection once, with a statement and an
//! optional note; the same [`crate::app::disputes::dispute`] as the JSON API.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::Utc;
use kummerer_service::Problem;
use kummerer_web::i18n::Tr;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::app::disputes::{DisputeError, dispute};
use crate::db;
use crate::domain::{ClaimStatus, Role};
use crate::http::input::checked_dispute;
use crate::http::pages::PathId;
use crate::http::pages::auth::Signed;
use crate::http::pages::auth::SignedIn;
use crate::http::pages::roles::Posted;
use crate::http::pages::{Errors, Me, message_page, not_found, render_status, see_other};
use kummerer_contracts::{ClaimId, RetailerId};

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct DisputeForm {
    pub csrf: String,
    pub statement: String,
    pub note: String,
}

const DISPUTERS: &str = "dispute-managers-only";

#[derive(Template)]
#[template(path = "desk/dispute.html")]
pub struct DisputePage {
    pub me: Me,
    pub tr: Tr,
    pub claim_id: Uuid,
    pub case_id: Uuid,
    pub status: String,
    pub reason_code: String,
    /// Whether the form is shown (a rejected claim, never disputed).
    pub can_dispute: bool,
    pub form: DisputeForm,
    pub errors: Errors,
}

/// The 403 page for a clerk on a managers' page, saying `why`.
pub(crate) fn managers_only(tr: &Tr, why: &str) -> Result<HttpResponse, Problem> {
    message_page(
        tr,
        StatusCode::FORBIDDEN,
        &tr.t("managers-only"),
        &tr.t(why),
    )
}

/// Whether the signed-in person is a manager or an admin.
pub(crate) fn is_manager(me: &Signed) -> bool {
    matches!(me.staff.role, Role::Manager | Role::Admin)
}

/// The page for the claim, or `None` when the retailer has no such claim.
async fn dispute_page(
    db: &DatabaseConnection,
    me: &Signed,
    claim_id: Uuid,
    form: DisputeForm,
    errors: Errors,
) -> Result<Option<DisputePage>, Problem> {
    let retailer_id = me.staff.retailer_id;
    let Some(claim) = db::settlement::find_claim(db, retailer_id, claim_id).await? else {
        return Ok(None);
    };
    let disputed = db::settlement::was_disputed(db, retailer_id, claim_id).await?;
    Ok(Some(DisputePage {
        me: Me::from(me),
        tr: me.tr,
        claim_id,
        case_id: claim.case_id,
        can_dispute: claim.status == ClaimStatus::Rejected && !disputed,
        status: claim.status.as_string(),
        reason_code: claim.reason_code.unwrap_or_default().replace('_', " "),
        form,
        errors,
    }))
}

/// `GET /desk/claims/{id}/dispute`.
pub async fn page(
    SignedIn(me): SignedIn,
    db: web::Data<DatabaseConnection>,
    PathId(path): PathId<ClaimId>,
) -> Result<HttpResponse, Problem> {
    let Some(id) = path.map(Uuid::from) else {
        return not_found(&me.tr);
    };
    let page = dispute_page(
        db.get_ref(),
        &me,
        id,
        DisputeForm::default(),
        Errors::default(),
    )
    .await?;
    match page {
        None => not_found(&me.tr),
        Some(_) if !is_manager(&me) => managers_only(&me.tr, DISPUTERS),
        Some(page) => render_status(StatusCode::OK, &page),
    }
}

/// `POST /desk/claims/{id}/dispute` `{csrf, statement, note}` → 303 to the case; errors (and a
/// claim that cannot be disputed) → the page again with the message, nothing saved.
pub async fn submit(
    db: web::Data<DatabaseConnection>,
    PathId(path): PathId<ClaimId>,
    Posted { me, form, .. }: Posted<DisputeForm>,
) -> Result<HttpResponse, Problem> {
    let Some(id) = path.map(Uuid::from) else {
        return not_found(&me.tr);
    };
    let retailer_id = me.staff.retailer_id;
    if db::settlement::find_claim(db.get_ref(), retailer_id, id)
        .await?
        .is_none()
    {
        return not_found(&me.tr);
    }
    if !is_manager(&me) {
        return managers_only(&me.tr, DISPUTERS);
    }
    let checked = checked_dispute(&form.statement, Some(&form.note), &me.staff.email);
    let (status, errors) = match checked {
        Err(fields) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Errors::fields(fields).in_lang(&me.tr),
        ),
        Ok(d) => {
            let (rid, cid) = (RetailerId(retailer_id), ClaimId(id));
            match dispute(db.get_ref(), rid, cid, d, Utc::now()).await {
                Ok(done) => return Ok(see_other(&format!("/desk/cases/{}", done.case_id))),
                Err(DisputeError::NotFound) => return not_found(&me.tr),
                Err(DisputeError::Db(e)) => return Err(e.into()),
                Err(DisputeError::Refused { reason, .. }) => (
                    StatusCode::CONFLICT,
                    Errors::general(super::errors::dispute(&me.tr, reason)),
                ),
            }
        }
    };
    match dispute_page(db.get_ref(), &me, id, form, errors).await? {
        Some(page) => render_status(status, &page),
        None => not_found(&me.tr),
    }
}
