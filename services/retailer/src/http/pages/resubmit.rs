//! The desk's page for a claim the manufacturer did not accept (`/desk/claims/{id}/resubmit`,
//! linked from the case page while the claim is `not_accepted`): the reason in words, and a
//! form for any staff member to pick the product's manufacturer (those known from the
//! agreements received, or another by id) and resubmit — the same
//! [`crate::app::resubmit::resubmit`] as the JSON API.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::Utc;
use kummerer_contracts::{ClaimId, ManufacturerId, RetailerId};
use kummerer_service::Problem;
use kummerer_web::i18n::Tr;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::app::resubmit::{Resubmission, ResubmitError, resubmit};
use crate::app::write_off::WriteOffError;
use crate::db;
use crate::domain::ClaimStatus;
use crate::http::pages::PathId;
use crate::http::pages::auth::CsrfForm;
use crate::http::pages::auth::{Signed, SignedIn};
use crate::http::pages::roles::{Managers, Posted, is_manager};
use crate::http::pages::{Errors, Me, not_found, render_status, see_other};

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct ResubmitForm {
    pub csrf: String,
    /// The manufacturer picked from the list.
    pub manufacturer_id: String,
    /// Another manufacturer, by id; wins over the list when filled in.
    pub other_manufacturer_id: String,
}

pub struct ManufacturerOption {
    pub id: Uuid,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "desk/resubmit.html")]
pub struct ResubmitPage {
    pub me: Me,
    pub tr: Tr,
    pub claim_id: Uuid,
    pub case_id: Uuid,
    pub status: String,
    pub reason: String,
    pub detail: String,
    pub can_resubmit: bool,
    /// Whether the write-off button is shown (a manager, a claim not accepted).
    pub can_write_off: bool,
    pub manufacturers: Vec<ManufacturerOption>,
    pub form: ResubmitForm,
    pub errors: Errors,
}

/// The page for the claim, or `None` when the retailer has no such claim.
async fn resubmit_page(
    db: &DatabaseConnection,
    me: &Signed,
    claim_id: Uuid,
    form: ResubmitForm,
    errors: Errors,
) -> Result<Option<ResubmitPage>, Problem> {
    let retailer_id = me.staff.retailer_id;
    let Some(claim) = db::settlement::find_claim(db, retailer_id, claim_id).await? else {
        return Ok(None);
    };
    let chosen = form
        .manufacturer_id
        .parse::<Uuid>()
        .unwrap_or(claim.manufacturer_id);
    let mut known = db::settlement::agreement_manufacturers(db, retailer_id).await?;
    if !known.iter().any(|(id, _)| *id == claim.manufacturer_id) {
        known.insert(
            0,
            (
                claim.manufacturer_id,
                me.tr.t("resubmit-current-manufacturer"),
            ),
        );
    }
    let manufacturers = known
        .into_iter()
        .map(|(id, name)| ManufacturerOption {
            label: format!("{name} ({id})"),
            selected: id == chosen,
            id,
        })
        .collect();
    Ok(Some(ResubmitPage {
        me: Me::from(me),
        tr: me.tr,
        claim_id,
        case_id: claim.case_id,
        status: claim.status.as_string(),
        reason: claim
            .not_accepted_reason
            .as_deref()
            .map(|r| me.tr.code("not-accepted", r))
            .unwrap_or_default(),
        detail: claim.not_accepted_detail.unwrap_or_default(),
        can_resubmit: claim.status == ClaimStatus::NotAccepted,
        can_write_off: claim.status == ClaimStatus::NotAccepted && is_manager(&me.staff),
        manufacturers,
        form,
        errors,
    }))
}

/// `GET /desk/claims/{id}/resubmit`.
pub async fn page(
    SignedIn(me): SignedIn,
    db: web::Data<DatabaseConnection>,
    PathId(path): PathId<ClaimId>,
) -> Result<HttpResponse, Problem> {
    let Some(id) = path.map(Uuid::from) else {
        return not_found(&me.tr);
    };
    let page = resubmit_page(
        db.get_ref(),
        &me,
        id,
        ResubmitForm::default(),
        Errors::default(),
    )
    .await?;
    match page {
        None => not_found(&me.tr),
        Some(page) => render_status(StatusCode::OK, &page),
    }
}

/// The manufacturer the form names: the id typed in, else the one picked.
fn chosen_manufacturer(tr: &Tr, form: &ResubmitForm) -> Result<ManufacturerId, Errors> {
    let other = form.other_manufacturer_id.trim();
    let (field, text) = if other.is_empty() {
        ("manufacturer_id", form.manufacturer_id.trim())
    } else {
        ("other_manufacturer_id", other)
    };
    text.parse::<Uuid>()
        .map(ManufacturerId)
        .map_err(|_| Errors::field(field, tr.t("resubmit-pick-manufacturer")).in_lang(tr))
}

/// `POST /desk/claims/{id}/resubmit` `{csrf, manufacturer_id, other_manufacturer_id}` → 303 to
/// the case; a bad id or a claim that is not `not_accepted` → the page again with the
/// message, nothing changed.
pub async fn submit(
    db: web::Data<DatabaseConnection>,
    PathId(path): PathId<ClaimId>,
    Posted { me, form, .. }: Posted<ResubmitForm>,
) -> Result<HttpResponse, Problem> {
    let Some(id) = path.map(Uuid::from) else {
        return not_found(&me.tr);
    };
    let retailer_id = me.staff.retailer_id;
    let (status, errors) = match chosen_manufacturer(&me.tr, &form) {
        Err(errors) => (StatusCode::UNPROCESSABLE_ENTITY, errors),
        Ok(m) => {
            let r = Resubmission {
                manufacturer_id: Some(m),
                resubmitted_by: me.staff.email.clone(),
            };
            let (rid, cid) = (RetailerId(retailer_id), ClaimId(id));
            match resubmit(db.get_ref(), rid, cid, r, Utc::now()).await {
                Ok(done) => return Ok(see_other(&format!("/desk/cases/{}", done.case_id))),
                Err(ResubmitError::NotFound) => return not_found(&me.tr),
                Err(ResubmitError::Db(e)) => return Err(e.into()),
                Err(e @ ResubmitError::Refused { .. }) => (
                    StatusCode::CONFLICT,
                    Errors::general(super::errors::resubmit(&me.tr, &e)),
                ),
            }
        }
    };
    match resubmit_page(db.get_ref(), &me, id, form, errors).await? {
        Some(page) => render_status(status, &page),
        None => not_found(&me.tr),
    }
}

/// `POST /desk/claims/{id}/write-off` `{csrf}` (managers) → 303 to the case; a claim that is
/// not `not_accepted` → the page again with the message, nothing changed.
pub async fn write_off(
    db: web::Data<DatabaseConnection>,
    PathId(path): PathId<ClaimId>,
    Posted { me, .. }: Posted<CsrfForm, Managers>,
) -> Result<HttpResponse, Problem> {
    let Some(id) = path.map(Uuid::from) else {
        return not_found(&me.tr);
    };
    let (rid, cid) = (RetailerId(me.staff.retailer_id), ClaimId(id));
    let errors =
        match crate::app::write_off::write_off(db.get_ref(), rid, cid, &me.staff.email, Utc::now())
            .await
        {
            Ok(case_id) => return Ok(see_other(&format!("/desk/cases/{case_id}"))),
            Err(WriteOffError::NotFound) => return not_found(&me.tr),
            Err(WriteOffError::Db(e)) => return Err(e.into()),
            Err(e @ WriteOffError::Refused(_)) => {
                Errors::general(super::errors::write_off(&me.tr, &e))
            }
        };
    let form = ResubmitForm::default();
    match resubmit_page(db.get_ref(), &me, id, form, errors).await? {
        Some(page) => render_status(StatusCode::CONFLICT, &page),
        None => not_found(&me.tr),
    }
}

impl crate::http::pages::roles::WithCsrf for ResubmitForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}
