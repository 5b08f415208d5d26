//! The personal-data page `/desk/admin/personal-data` (managers and admins; a clerk gets the
//! 403 page): the retention period (days after a case is over until its customer is erased),
//! an erasure request for one customer found by a case or sale id (the id the case and sale
//! pages show) — first a confirm step that names the customer and what is theirs, then the
//! erasure — and the erasure records, without a personal value. The same use cases as the JSON
//! API ([`crate::app::erasure`]). A refusal (a case still going, an unknown id or another
//! retailer's, a bad number) comes back as the form's message; nothing changes then.

use kummerer_web::i18n::Tr;
use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::Utc;
use kummerer_contracts::{CaseId, ErasureReason, RetailerId};
use kummerer_service::Problem;
use sea_orm::DatabaseConnection;
use serde::Deserialize;
use uuid::Uuid;

use crate::app::erasure::{
    self, ErasureError, MAX_RETENTION_DAYS, Preview, RetentionError, Target,
};
use crate::http::pages::auth::Signed;
use crate::http::pages::roles::{Managers, Posted, SignedManager};
use crate::http::pages::{Me, path_id, render_status, see_other};

const PAGE: &str = "/desk/admin/personal-data";

/// An erasure record as the page lists it (no personal value: there is none in a record).
pub struct RecordRow {
    pub id: String,
    pub when: String,
    /// `request` or `retention`, and in words.
    pub reason_code: String,
    pub reason: String,
    pub by: String,
    pub cases: usize,
    pub sales: usize,
    pub here: String,
    pub logistics: String,
}

#[derive(Template)]
#[template(path = "desk/personal_data.html")]
pub struct PersonalDataPage {
    pub me: Me,
    pub tr: Tr,
    pub retention_days: i32,
    pub max_days: i32,
    pub saved: Option<String>,
    /// The form that failed (`retention`, `erase`) and why.
    pub failed: String,
    pub error: Option<String>,
    pub typed: String,
    /// The confirm step of an erasure request.
    pub confirm: Option<Confirm>,
    pub records: Vec<RecordRow>,
}

/// The confirm step: who would be erased (their name as the sale still shows it) and how much.
pub struct Confirm {
    pub reference: String,
    pub customer: String,
    /// "1 sale and 2 cases, here and at logistics?", in the reader's words.
    pub what: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Saved {
    pub saved: String,
}

async fn view(
    db: &DatabaseConnection,
    me: &Signed,
    saved: Option<String>,
) -> Result<PersonalDataPage, Problem> {
    let rid = RetailerId(me.staff.retailer_id);
    let tr = &me.tr;
    let retention_days = erasure::retention(db, rid).await.map_err(Problem::from)?;
    let records = erasure::records(db, rid)
        .await?
        .into_iter()
        .map(|r| RecordRow {
            id: r.id.to_string(),
            when: tr.datetime(r.requested_at),
            reason: tr.code("erasure-reason", &r.reason),
            reason_code: r.reason,
            by: r.requested_by,
            cases: r.case_ids.len(),
            sales: r.sale_ids.len(),
            here: r
                .erased
                .as_object()
                .map(|m| {
                    m.iter()
                        .filter(|(_, n)| n.as_u64().unwrap_or(0) > 0)
                        .map(|(k, n)| format!("{} {n}", tr.code("erased", k)))
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default(),
            logistics: match r.logistics_erased_at {
                Some(at) => tr.targs(
                    "pd-logistics-erased",
                    &[
                        ("when", &tr.datetime(at)),
                        ("jobs", &r.logistics_jobs.unwrap_or(0)),
                        ("photos", &r.logistics_photos.unwrap_or(0)),
                    ],
                ),
                None => tr.t("pd-logistics-waiting"),
            },
        })
        .collect();
    Ok(PersonalDataPage {
        me: Me::from(me),
        tr: me.tr,
        retention_days,
        max_days: MAX_RETENTION_DAYS,
        saved,
        failed: String::new(),
        error: None,
        typed: String::new(),
        confirm: None,
        records,
    })
}

/// `GET /desk/admin/personal-data`.
pub async fn page(
    SignedManager(me): SignedManager,
    db: web::Data<DatabaseConnection>,
    query: web::Query<Saved>,
) -> Result<HttpResponse, Problem> {
    let page = view(db.get_ref(), &me, saved_message(&me.tr, &query.saved)).await?;
    render_status(StatusCode::OK, &page)
}

/// What the page says after a form was saved (`?saved=…`).
fn saved_message(tr: &Tr, saved: &str) -> Option<String> {
    match saved {
        "retention" => Some(tr.t("pd-saved-retention")),
        "erased" => Some(tr.t("pd-saved-erased")),
        _ => None,
    }
}

async fn failed(
    db: &DatabaseConnection,
    me: &Signed,
    status: StatusCode,
    form: &str,
    error: String,
    typed: &str,
) -> Result<HttpResponse, Problem> {
    let mut page = view(db, me, None).await?;
    page.failed = form.to_owned();
    page.error = Some(error);
    page.typed = typed.to_owned();
    render_status(status, &page)
}

type Form = Posted<HashMap<String, String>, Managers>;

fn field<'a>(f: &'a HashMap<String, String>, name: &str) -> &'a str {
    f.get(name).map_or("", |s| s.trim())
}

/// `POST /desk/admin/personal-data/retention` `{days}`.
pub async fn set_retention(
    db: web::Data<DatabaseConnection>,
    Posted { me, form, .. }: Form,
) -> Result<HttpResponse, Problem> {
    let db = db.get_ref();
    let raw = field(&form, "days");
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    let out_of_bounds = || me.tr.ta("pd-retention-bad", "max", MAX_RETENTION_DAYS);
    let Ok(days) = raw.parse::<i64>() else {
        return failed(db, &me, unprocessable, "retention", out_of_bounds(), raw).await;
    };
    match erasure::set_retention(db, RetailerId(me.staff.retailer_id), days).await {
        Ok(_) => Ok(see_other(&format!("{PAGE}?saved=retention"))),
        Err(RetentionError::OutOfBounds) => {
            failed(db, &me, unprocessable, "retention", out_of_bounds(), raw).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The customer of `id`, a case id or else a sale id of this retailer, and what erasing them
/// would do.
async fn look(
    db: &DatabaseConnection,
    rid: RetailerId,
    id: Uuid,
) -> Result<(Target, Preview), ErasureError> {
    let case = Target::Case(CaseId(id));
    match erasure::preview(db, rid, case).await {
        Err(ErasureError::NotFound) => {
            let sale = Target::Sale(id);
            erasure::preview(db, rid, sale).await.map(|p| (sale, p))
        }
        found => found.map(|p| (case, p)),
    }
}

/// `POST /desk/admin/personal-data/erase` `{reference, confirm}`: `reference` is a case id or a
/// sale id of this retailer. Without `confirm=yes` nothing changes: the page asks to confirm,
/// naming the customer (or says they are erased already); with it the customer is erased, the
/// signed-in person recorded as who asked.
pub async fn erase(
    db: web::Data<DatabaseConnection>,
    Posted { me, form, .. }: Form,
) -> Result<HttpResponse, Problem> {
    let db = db.get_ref();
    let raw = field(&form, "reference");
    let Some(id) = path_id(raw) else {
        let e = me.tr.t("pd-reference-bad");
        return failed(db, &me, StatusCode::UNPROCESSABLE_ENTITY, "erase", e, raw).await;
    };
    let rid = RetailerId(me.staff.retailer_id);
    let (target, preview) = match look(db, rid, id).await {
        Ok(found) => found,
        Err(e) => return refused(db, &me, e, raw).await,
    };
    if field(&form, "confirm") != "yes" {
        let mut page = view(db, &me, None).await?;
        match preview {
            Preview::Ready {
                customer,
                sales,
                cases,
            } => {
                let tr = &me.tr;
                page.confirm = Some(Confirm {
                    reference: id.to_string(),
                    customer,
                    what: tr.ta2(
                        "pd-confirm-what",
                        "sales",
                        tr.tn("pd-sales-count", "count", sales),
                        "cases",
                        tr.tn("pd-cases-count", "count", cases),
                    ),
                });
            }
            Preview::Erased(record) => {
                page.saved = Some(me.tr.ta(
                    "pd-erased-on",
                    "when",
                    me.tr.datetime(record.requested_at),
                ));
            }
        }
        return render_status(StatusCode::OK, &page);
    }
    let by = me.staff.email.clone();
    let done = erasure::erase(db, rid, target, ErasureReason::Request, &by, Utc::now()).await;
    match done {
        Ok(_) => Ok(see_other(&format!("{PAGE}?saved=erased"))),
        Err(e) => refused(db, &me, e, raw).await,
    }
}

/// The erase form again with why the erasure was refused.
async fn refused(
    db: &DatabaseConnection,
    me: &Signed,
    e: ErasureError,
    raw: &str,
) -> Result<HttpResponse, Problem> {
    let (status, message) = match e {
        ErasureError::NotFound => (StatusCode::NOT_FOUND, me.tr.t("pd-not-found")),
        ErasureError::CaseOpen(case) => {
            (StatusCode::CONFLICT, me.tr.ta("pd-case-open", "case", case))
        }
        ErasureError::Db(e) => return Err(e.into()),
    };
    failed(db, me, status, "erase", message, raw).await
}
