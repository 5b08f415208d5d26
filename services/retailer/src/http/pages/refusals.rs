//! Refusing a case at the desk (a reason code and a text, always), and the refusal report for
//! managers and admins.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use kummerer_service::{FieldErrors, Problem};
use kummerer_web::i18n::Tr;
use sea_orm::DatabaseConnection;
use serde::Deserialize;

use crate::app::refusals::{Refusal, RefuseError, refuse};
use crate::db::{self, refusals};
use crate::domain::{REFUSAL_TEXT_MAX, RefusalReason, Role};
use crate::http::input::checked;
use crate::http::pages::PathId;
use crate::http::pages::auth::SignedIn;
use crate::http::pages::case::case_page;
use crate::http::pages::roles::Posted;
use crate::http::pages::sale::CategoryOption;
use crate::http::pages::{Errors, Me, message_page, not_found, render, see_other};
use kummerer_contracts::{CaseId, RetailerId, StaffId};
use uuid::Uuid;

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct RefuseForm {
    pub csrf: String,
    pub reason_code: String,
    pub reason_text: String,
    /// The customer's contact, to tell them (as on the swap form): address, number, the
    /// channels ticked (`on`), consent (`on`), language (`de`, `en`, or empty: the store's).
    pub contact_email: String,
    pub contact_phone: String,
    pub notify_email: String,
    pub notify_sms: String,
    pub consent: String,
    pub language: String,
}

impl RefuseForm {
    /// The contact part of the form, as the API's body; `None` when nothing was entered
    /// (any contact recorded before stays).
    fn contact(&self) -> Option<crate::http::input::ContactBody> {
        let body = crate::http::input::ContactBody::of_form(crate::http::input::ContactFields {
            email: &self.contact_email,
            phone: &self.contact_phone,
            notify_email: &self.notify_email,
            notify_sms: &self.notify_sms,
            consent: &self.consent,
            language: &self.language,
        });
        let blank = body.channels.is_empty()
            && self.contact_email.trim().is_empty()
            && self.contact_phone.trim().is_empty()
            && !body.consent;
        (!blank).then_some(body)
    }
}

pub fn reason_options(tr: &Tr, selected: &str) -> Vec<CategoryOption> {
    RefusalReason::ALL
        .into_iter()
        .map(|r| CategoryOption {
            value: r.as_string(),
            label: tr.code("refusal", &r.as_string()),
            selected: r.as_string() == selected,
        })
        .collect()
}

/// `POST /desk/cases/{id}/refuse` `{csrf, reason_code, reason_text}` → 303 to the case, now
/// `refused` (closed), with a `case_refused` timeline entry (who, why), and the customer told
/// (with the optional contact fields of the swap form). Nothing is sent to the other services. Bad fields, or a case no longer open → the case page with the errors,
/// nothing saved.
pub async fn refuse_form(
    db: web::Data<DatabaseConnection>,
    PathId(path): PathId<CaseId>,
    Posted { me, form, .. }: Posted<RefuseForm>,
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
    let mut v = FieldErrors::new();
    let reason = RefusalReason::parse(form.reason_code.trim());
    if reason.is_none() {
        v.add("reason_code", "choose the reason for the refusal");
    }
    let text = v.text("reason_text", &form.reason_text, REFUSAL_TEXT_MAX);
    let contact = form.contact().and_then(|c| c.parse("contact", &mut v));
    let errors = match (checked(v), reason) {
        (Err(fields), _) => Errors::fields(fields).in_lang(&me.tr),
        (Ok(()), None) => Errors::field("reason_code", "choose the reason for the refusal"),
        (Ok(()), Some(reason)) => {
            let refusal = Refusal {
                reason,
                text,
                refused_by: StaffId(me.staff.id),
                refused_by_email: me.staff.email.clone(),
                contact,
            };
            let (rid, cid) = (RetailerId(retailer_id), CaseId(id));
            match refuse(db.get_ref(), rid, cid, refusal, Utc::now()).await {
                Ok(()) => {
                    tracing::info!(staff.id = %me.staff.id, case.id = %id,
                        reason = %form.reason_code, "case refused at the desk");
                    return Ok(see_other(&format!("/desk/cases/{id}")));
                }
                Err(RefuseError::NotFound) => return not_found(&me.tr),
                Err(RefuseError::Db(e)) => return Err(e.into()),
                Err(e @ (RefuseError::Refused(_) | RefuseError::AlreadyRefused)) => {
                    Errors::general(super::errors::refuse(&me.tr, &e))
                }
            }
        }
    };
    let Some(case) = db::find_case(db.get_ref(), retailer_id, id).await? else {
        return not_found(&me.tr);
    };
    let mut page = case_page(db.get_ref(), &me, case, None, Errors::default()).await?;
    page.reasons = reason_options(&me.tr, &form.reason_code);
    page.refuse_errors = errors;
    page.refusal = form;
    render(&page)
}

// --- the report ---------------------------------------------------------------------------------

/// Days the report covers when no period is given (up to today).
const DEFAULT_DAYS: i64 = 30;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Period {
    pub from: String,
    pub to: String,
}

pub struct ReasonCount {
    pub code: String,
    pub label: String,
    pub count: i64,
}

pub struct PersonCount {
    pub name: String,
    pub email: String,
    pub count: i64,
}

#[derive(Template)]
#[template(path = "desk/refusals.html")]
pub struct RefusalReport {
    pub me: Me,
    pub tr: Tr,
    pub from: String,
    pub to: String,
    pub message: Option<String>,
    pub total: i64,
    pub per_reason: Vec<ReasonCount>,
    pub per_person: Vec<PersonCount>,
    /// Per store where the case was opened: `(store, count)`.
    pub per_store: Vec<(String, i64)>,
}

fn parse_day(raw: &str, default: NaiveDate) -> Option<NaiveDate> {
    let raw = raw.trim();
    if raw.is_empty() {
        Some(default)
    } else {
        NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok()
    }
}

/// The instants a report's days span: from the first day's midnight to the midnight after the
/// last day (UTC).
struct Span {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

enum SpanError {
    /// A day that is not `YYYY-MM-DD` (or has no day after it).
    Malformed,
    /// The period ends before it starts.
    Backwards,
}

fn span(tr: &Tr, from: Option<NaiveDate>, to: Option<NaiveDate>) -> Result<Span, SpanError> {
    let (Some(from), Some(to)) = (from, to) else {
        return Err(SpanError::Malformed);
    };
    if from > to {
        return Err(SpanError::Backwards);
    }
    let after = to.succ_opt().ok_or(SpanError::Malformed)?;
    // Whole days in the reader's time zone.
    let midnight = |d: NaiveDate| {
        let t = d.and_time(NaiveTime::MIN);
        tr.from_local(t).unwrap_or_else(|| t.and_utc())
    };
    Ok(Span {
        start: midnight(from),
        end: midnight(after),
    })
}

/// `GET /desk/reports/refusals?from=YYYY-MM-DD&to=YYYY-MM-DD` (both days included, UTC; the
/// last 30 days by default): refusals per reason, per person and per store (where the case was
/// opened). Managers and admins only (a clerk gets the 403 page).
pub async fn report(
    SignedIn(me): SignedIn,
    db: web::Data<DatabaseConnection>,
    query: web::Query<Period>,
) -> Result<HttpResponse, Problem> {
    if !matches!(me.staff.role, Role::Manager | Role::Admin) {
        return message_page(
            &me.tr,
            StatusCode::FORBIDDEN,
            &me.tr.t("managers-only"),
            &me.tr.t("refusals-managers-only"),
        );
    }
    let today = Utc::now().with_timezone(&me.tr.tz).date_naive();
    let from = parse_day(&query.from, today - Duration::days(DEFAULT_DAYS - 1));
    let to = parse_day(&query.to, today);
    let mut page = RefusalReport {
        me: Me::from(&me),
        tr: me.tr,
        from: from
            .map(|d| d.to_string())
            .unwrap_or_else(|| query.from.clone()),
        to: to
            .map(|d| d.to_string())
            .unwrap_or_else(|| query.to.clone()),
        message: None,
        total: 0,
        per_reason: Vec::new(),
        per_person: Vec::new(),
        per_store: Vec::new(),
    };
    match span(&me.tr, from, to) {
        Ok(Span { start, end }) => {
            let retailer_id = me.staff.retailer_id;
            let counts = refusals::per_reason(db.get_ref(), retailer_id, start, end).await?;
            page.per_reason = RefusalReason::ALL
                .into_iter()
                .map(|r| ReasonCount {
                    code: r.as_string(),
                    label: me.tr.code("refusal", &r.as_string()),
                    count: counts
                        .iter()
                        .find(|(code, _)| *code == r.as_string())
                        .map_or(0, |(_, n)| *n),
                })
                .collect();
            page.total = counts.iter().map(|(_, n)| n).sum();
            page.per_person = refusals::per_person(db.get_ref(), retailer_id, start, end)
                .await?
                .into_iter()
                .map(|(name, email, count)| PersonCount { name, email, count })
                .collect();
            page.per_store = refusals::per_store(db.get_ref(), retailer_id, start, end)
                .await?
                .into_iter()
                .map(|(store, n)| (store.unwrap_or_else(|| me.tr.t("refusals-no-store")), n))
                .collect();
        }
        Err(SpanError::Backwards) => {
            page.message = Some(me.tr.t("refusals-backwards"));
        }
        Err(SpanError::Malformed) => {
            page.message = Some(me.tr.t("refusals-malformed"));
        }
    }
    render(&page)
}
