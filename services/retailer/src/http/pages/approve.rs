//! Approving a swap from the case page (or asking a manager): the form parsed into an
//! [`Approval`], the use case called, its error variants shown on the form.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use kummerer_service::{FieldErrors, Problem};
use kummerer_web::i18n::Tr;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::app::approve::{Approval, ApproveError, SwapApproved, approve};
use crate::app::requests::AskError;
use crate::db::{self};
use crate::domain::{CODE_MAX, DeliveryWindow, Role, WindowError};
use crate::http::input::{AddressBody, checked};
use crate::http::pages::PathId;
use crate::http::pages::auth::{Signed, authorize_manager};
use crate::http::pages::locale::local_moment;
use crate::http::pages::requests;
use crate::http::pages::roles::Posted;
use crate::http::pages::{Errors, not_found, render, see_other};
use kummerer_contracts::{CaseId, RetailerId};
use kummerer_service::problem::FieldError;

use crate::http::pages::case::{SwapForm, case_page, my_limit};

/// A `datetime-local` field typed in the reader's local time, as UTC; a field error (in the
/// reader's language) when it is no moment or does not exist locally (clocks going forward).
pub(crate) fn parse_local(
    tr: &Tr,
    field: &str,
    raw: &str,
    v: &mut FieldErrors,
) -> Option<DateTime<Utc>> {
    match local_moment(tr, raw) {
        Ok(t) => Some(t),
        Err(key) => {
            v.add(field, tr.ta(key, "zone", tr.tz_name()));
            None
        }
    }
}

/// A delivery window's error in the reader's language.
pub(crate) fn window_error_text(tr: &Tr, e: &WindowError) -> String {
    match e {
        WindowError::EndNotAfterStart => tr.t("window-end-not-after-start"),
        WindowError::StartTooFarInPast => tr.tn(
            "window-start-too-far-in-past",
            "days",
            crate::domain::swap::WINDOW_PAST_TOLERANCE_DAYS,
        ),
        WindowError::TooFarAhead => tr.tn(
            "window-too-far-ahead",
            "days",
            crate::domain::swap::WINDOW_HORIZON_DAYS,
        ),
        WindowError::StartNotInFuture => tr.t("window-start-not-in-future"),
    }
}

impl SwapForm {
    /// The approval this form asks for, by `approved_by`; every field error at once.
    pub(crate) fn parse(
        &self,
        tr: &Tr,
        approved_by: &str,
        now: DateTime<Utc>,
    ) -> Result<Approval, Vec<FieldError>> {
        let mut v = FieldErrors::new();
        let sku = self.replacement_sku.trim();
        if sku.chars().count() > CODE_MAX {
            v.add(
                "replacement_sku",
                tr.tn("form-at-most-characters", "max", CODE_MAX),
            );
        }
        let stock_location_id = match self.stock_location_id.trim() {
            "" => None,
            raw => {
                let id = Uuid::parse_str(raw).ok();
                if id.is_none() {
                    v.add("stock_location_id", tr.t("swap-no-such-location"));
                }
                id
            }
        };
        // A form stored for a manager keeps the asking clerk's time zone.
        let tr = &match crate::http::pages::locale::stored_tz(&self.time_zone) {
            Some(tz) => crate::http::pages::locale::tr(tr.lang, tz),
            None => *tr,
        };
        let (start, end) = match self.slot.trim() {
            "" => (
                parse_local(tr, "window_start", &self.window_start, &mut v),
                parse_local(tr, "window_end", &self.window_end, &mut v),
            ),
            slot => {
                let parsed = slot.split_once('|').and_then(|(s, e)| {
                    let at = |t: &str| DateTime::parse_from_rfc3339(t).ok().map(|t| t.to_utc());
                    Some((at(s)?, at(e)?))
                });
                if parsed.is_none() {
                    v.add("slot", tr.t("slot-choose-offered"));
                }
                parsed.unzip()
            }
        };
        let address = AddressBody {
            name: self.name.clone(),
            phone: self.phone.clone(),
            street: self.street.clone(),
            postcode: self.postcode.clone(),
            city: self.city.clone(),
            country: self.country.clone(),
        }
        .parse("delivery_address", &mut v);
        let contact = self.contact().parse("contact", &mut v);
        let window = match (start, end) {
            (Some(start), Some(end)) => match DeliveryWindow::new(start, end, now) {
                Ok(w) => Some(w),
                Err(errors) => {
                    for e in errors {
                        v.add(e.field(), window_error_text(tr, &e));
                    }
                    None
                }
            },
            _ => None,
        };
        checked(v)?;
        let Some(window) = window else {
            return Err(vec![FieldError {
                field: "window_start".to_owned(),
                message: tr.t("form-moment-invalid"),
            }]);
        };
        Ok(Approval {
            replacement_sku: (!sku.is_empty()).then(|| sku.to_owned()),
            window,
            approved_by: approved_by.to_owned(),
            by_key: None,
            delivery_address: Some(address),
            authorized_by: None,
            limit: None,
            stock_location_id,
            contact,
            overbook_by: None,
        })
    }
}

/// Why the desk's swap form did not go through (shown on the form, nothing saved).
pub(crate) enum Rejected {
    /// Fields of the form.
    Fields(Vec<FieldError>),
    /// The manager's sign-in on the same screen failed.
    Manager(String),
    Approve(ApproveError),
    Ask(AskError),
}

impl Rejected {
    /// The form's errors, by variant; `needs_manager` when the form should show the manager's
    /// part (above the limit, or the manager's sign-in failed).
    fn errors(self, tr: &Tr) -> Errors {
        match self {
            Rejected::Fields(fields) => Errors::fields(fields).in_lang(tr),
            Rejected::Manager(message) => Errors {
                needs_manager: true,
                ..Errors::field("manager_password", message)
            },
            Rejected::Approve(e) => approve_errors(tr, &e),
            Rejected::Ask(e) => Errors {
                needs_manager: true,
                ..Errors::general(super::errors::ask(tr, &e))
            },
        }
    }
}

/// An approval's error on the swap form.
pub(crate) fn approve_errors(tr: &Tr, e: &ApproveError) -> Errors {
    let text = super::errors::approve(tr, e);
    match e {
        ApproveError::UnknownReplacement => Errors::field("replacement_sku", text),
        ApproveError::UnknownLocation => Errors::field("stock_location_id", text),
        ApproveError::NeedsManager { .. } => Errors {
            needs_manager: true,
            ..Errors::general(text)
        },
        ApproveError::NotFound
        | ApproveError::Refused { .. }
        | ApproveError::OutOfStock { .. }
        | ApproveError::NotLinked { .. }
        | ApproveError::Db(_) => Errors::general(text),
        ApproveError::WindowFull => Errors::field("slot", text),
    }
}

/// `POST /desk/cases/{id}/swap`: the same approval as the JSON API (one transaction: swap,
/// claim, timeline, both events), approved by the signed-in staff member → 303 to the case;
/// any error → the case page again with the errors on the form, nothing saved.
pub async fn approve_swap(
    db: web::Data<DatabaseConnection>,
    requests_config: web::Data<crate::settings::RequestsConfig>,
    PathId(path): PathId<CaseId>,
    Posted { me, mut form, .. }: Posted<SwapForm>,
) -> Result<HttpResponse, Problem> {
    let Some(id) = path.map(Uuid::from) else {
        return not_found(&me.tr);
    };
    let retailer_id = me.staff.retailer_id;
    if db::find_case(db.get_ref(), retailer_id, id)
        .await?
        .is_none()
    {
        return not_found(&me.tr);
    }
    let now = Utc::now();
    let rejected = if form.action == "ask" {
        form.manager_password.clear();
        let due = requests_config.due(now);
        match requests::ask(db.get_ref(), &me, id, &form, now, due).await? {
            Ok(request_id) => return Ok(see_other(&format!("/desk/requests/{request_id}"))),
            Err(Rejected::Ask(AskError::CaseNotFound)) => return not_found(&me.tr),
            Err(Rejected::Ask(AskError::Db(e))) => return Err(e.into()),
            Err(rejected) => rejected,
        }
    } else {
        match approve_at_desk(db.get_ref(), &me, id, &mut form, now).await? {
            Ok(done) => {
                tracing::info!(staff.id = %me.staff.id, case.id = %id, swap.id = %done.swap_id,
                    "swap approved at the desk");
                return Ok(see_other(&format!("/desk/cases/{id}")));
            }
            Err(Rejected::Approve(ApproveError::NotFound)) => return not_found(&me.tr),
            Err(Rejected::Approve(ApproveError::Db(e))) => return Err(e.into()),
            Err(rejected) => rejected,
        }
    };
    // Reload: a concurrent approval may have moved the case on meanwhile.
    let Some(case) = db::find_case(db.get_ref(), retailer_id, id).await? else {
        return not_found(&me.tr);
    };
    let page = case_page(db.get_ref(), &me, case, Some(form), rejected.errors(&me.tr)).await?;
    render(&page)
}

/// The approval a desk swap form asks for, by `approved_by`: every field checked, and a stock
/// location chosen where the retailer keeps stock in Kümmerer.
pub(crate) async fn checked_form(
    db: &DatabaseConnection,
    tr: &Tr,
    retailer_id: Uuid,
    form: &SwapForm,
    approved_by: &str,
    now: DateTime<Utc>,
) -> Result<Result<Approval, Vec<FieldError>>, sea_orm::DbErr> {
    let approval = match form.parse(tr, approved_by, now) {
        Ok(approval) => approval,
        Err(fields) => return Ok(Err(fields)),
    };
    if approval.stock_location_id.is_none() && db::stock::has_locations(db, retailer_id).await? {
        return Ok(Err(vec![FieldError {
            field: "stock_location_id".to_owned(),
            message: tr.t("swap-choose-location"),
        }]));
    }
    Ok(Ok(approval))
}

/// The desk's approval: the form's fields, the signed-in person's authority limit and, when a
/// manager's e-mail and password are on the form, the manager's authorization (then the
/// manager's limit applies and the swap records both). The password never goes back into the
/// form.
async fn approve_at_desk(
    db: &DatabaseConnection,
    me: &Signed,
    case_id: Uuid,
    form: &mut SwapForm,
    now: DateTime<Utc>,
) -> Result<Result<SwapApproved, Rejected>, Problem> {
    let password = std::mem::take(&mut form.manager_password);
    let mut approval =
        match checked_form(db, &me.tr, me.staff.retailer_id, form, &me.staff.email, now).await? {
            Ok(approval) => approval,
            Err(fields) => return Ok(Err(Rejected::Fields(fields))),
        };
    approval.limit = Some(my_limit(db, me).await?);
    if !form.manager_email.trim().is_empty() || !password.is_empty() {
        let manager = match authorize_manager(db, me, &form.manager_email, password).await? {
            Ok(manager) => manager,
            Err(message) => return Ok(Err(Rejected::Manager(message))),
        };
        let role = manager.role;
        approval.limit = Some(db::authority::limit_of(db, me.staff.retailer_id, role).await?);
        approval.authorized_by = Some(manager.email);
    }
    if form.overbook == "on" {
        // Only a manager overbooks: the signed-in one, or the one who signed on this screen.
        approval.overbook_by = if matches!(me.staff.role, Role::Manager | Role::Admin) {
            Some(me.staff.email.clone())
        } else {
            approval.authorized_by.clone()
        };
        if approval.overbook_by.is_none() {
            return Ok(Err(Rejected::Manager(
                me.tr.t("slot-overbook-needs-manager"),
            )));
        }
    }
    let (rid, cid) = (RetailerId(me.staff.retailer_id), CaseId(case_id));
    Ok(approve(db, rid, cid, approval, now)
        .await
        .map_err(Rejected::Approve))
}
