//! "Ask a manager": above their limit a clerk can, besides the manager signing on the same
//! screen, send the whole swap form to the managers' desks. Every manager of the retailer sees
//! the open requests (the desk's list refreshes itself); one approves — the swap is made in that
//! transaction, `approved_by` the clerk and `authorized_by` the manager, with the manager's
//! limit — or declines with a reason. The clerk's waiting page reloads itself and shows the
//! outcome. Two managers at once: the request row is locked, so one swap, and the other sees
//! who decided.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{DateTime, Utc};
use kummerer_contracts::{CaseId, RetailerId, StaffId};
use kummerer_service::problem::FieldError;
use kummerer_service::{FieldErrors, Problem};
use kummerer_web::i18n::Tr;
use sea_orm::DatabaseConnection;
use serde::Deserialize;
use uuid::Uuid;

use crate::app::approve::ApproveError;
use crate::app::requests::{self as app, DecideError};
use crate::db::{self, requests};
use crate::domain::{REFUSAL_TEXT_MAX, RequestStatus};
use crate::http::pages::PathId;
use crate::http::pages::approve::{Rejected, checked_form};
use crate::http::pages::auth::Signed;
use crate::http::pages::auth::SignedIn;
use crate::http::pages::case::SwapForm;
use crate::http::pages::roles::{Managers, Posted, SignedManager, is_manager};
use crate::http::pages::{Me, not_found, render, see_other};

/// The problem code of a case that already has a request waiting.
pub const REQUEST_OPEN: &str = "approval_request_open";

/// Stores the clerk's swap form as a request to the managers (after checking every field, so a
/// manager never gets a form that cannot work); the case must be open and have no open request.
pub(crate) async fn ask(
    db: &DatabaseConnection,
    me: &Signed,
    case_id: Uuid,
    form: &SwapForm,
    now: DateTime<Utc>,
    due: requests::Due,
) -> Result<Result<Uuid, Rejected>, Problem> {
    let retailer_id = me.staff.retailer_id;
    if let Err(fields) = checked_form(db, &me.tr, retailer_id, form, &me.staff.email, now).await? {
        return Ok(Err(Rejected::Fields(fields)));
    }
    let mut stored = form.clone();
    stored.csrf.clear();
    stored.manager_email.clear();
    stored.manager_password.clear();
    stored.action.clear();
    stored.time_zone = me.tr.tz.name().to_owned();
    let stored = serde_json::to_value(&stored).map_err(Problem::internal)?;
    let asked = app::ask(
        db,
        RetailerId(retailer_id),
        CaseId(case_id),
        StaffId(me.staff.id),
        stored,
        due,
    )
    .await;
    Ok(asked.map_err(Rejected::Ask))
}

// --- the managers' list -------------------------------------------------------------------------

pub struct RequestRow {
    pub id: Uuid,
    pub requester: String,
    pub replacement_sku: String,
    pub asked_at: String,
}

fn rows(tr: &Tr, open: Vec<requests::Request>) -> Vec<RequestRow> {
    open.into_iter()
        .map(|r| RequestRow {
            id: r.id,
            requester: r.requester_name,
            replacement_sku: r.form["replacement_sku"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            asked_at: tr.datetime(r.created_at),
        })
        .collect()
}

/// The open requests of the signed-in manager's retailer (`None` for a clerk).
pub async fn open_rows(
    db: &DatabaseConnection,
    me: &Signed,
) -> Result<Option<Vec<RequestRow>>, Problem> {
    if !is_manager(&me.staff) {
        return Ok(None);
    }
    Ok(Some(rows(
        &me.tr,
        requests::open(db, me.staff.retailer_id).await?,
    )))
}

#[derive(Template)]
#[template(path = "desk/approvals_list.html")]
pub struct ApprovalsFragment {
    pub tr: Tr,
    pub approvals: Vec<RequestRow>,
}

/// `GET /desk/requests/open`: the list alone (an HTML fragment), for the desk's script that
/// refreshes it every few seconds.
pub async fn open_fragment(
    SignedManager(me): SignedManager,
    db: web::Data<DatabaseConnection>,
) -> Result<HttpResponse, Problem> {
    let approvals = rows(
        &me.tr,
        requests::open(db.get_ref(), me.staff.retailer_id).await?,
    );
    render(&ApprovalsFragment {
        tr: me.tr,
        approvals,
    })
}

#[derive(Template)]
#[template(path = "desk/approvals.html")]
pub struct ApprovalsPage {
    pub me: Me,
    pub tr: Tr,
    pub approvals: Vec<RequestRow>,
}

/// `GET /desk/requests`: the list on a page of its own that reloads itself (no script needed).
pub async fn list(
    SignedManager(me): SignedManager,
    db: web::Data<DatabaseConnection>,
) -> Result<HttpResponse, Problem> {
    let approvals = rows(
        &me.tr,
        requests::open(db.get_ref(), me.staff.retailer_id).await?,
    );
    render(&ApprovalsPage {
        me: Me::from(&me),
        tr: me.tr,
        approvals,
    })
}

// --- one request --------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "desk/request.html")]
pub struct RequestPage {
    pub me: Me,
    pub tr: Tr,
    pub id: Uuid,
    pub case_id: Uuid,
    pub status: String,
    pub requester: String,
    pub asked_at: String,
    pub unit: String,
    pub defect: String,
    pub replacement: String,
    pub pickup: String,
    pub window: String,
    pub deliver_to: String,
    pub decided_by: String,
    pub decided_at: String,
    pub decline_reason: String,
    /// When the request is escalated to every manager and admin, and when it expires.
    pub due_at: String,
    pub expires_at: String,
    /// Escalated already (past its due time, still open).
    pub escalated: bool,
    /// The signed-in person may decide (a manager or admin, while the request is open).
    pub can_decide: bool,
    /// Why the last decision did not go through.
    pub error: Option<String>,
    pub reason: String,
}

async fn request_page(
    db: &DatabaseConnection,
    me: &Signed,
    r: requests::Request,
    error: Option<String>,
    reason: String,
) -> Result<RequestPage, Problem> {
    let retailer_id = me.staff.retailer_id;
    let tr = &me.tr;
    let form: SwapForm = serde_json::from_value(r.form.clone()).unwrap_or_default();
    let case = db::find_case(db, retailer_id, r.case_id)
        .await?
        .ok_or_else(|| Problem::internal(format!("request {} without its case", r.id)))?;
    let sale = db::sale_of(db, retailer_id, case.sale_id).await?;
    let product = db::product_of(db, retailer_id, sale.product_id).await?;
    let replacement = match db::product_by_sku(db, retailer_id, form.replacement_sku.trim()).await?
    {
        Some(p) => format!(
            "{} ({}) — {}",
            p.name,
            p.sku,
            tr.money(p.price, &p.currency)
        ),
        None => tr.ta("request-not-in-catalogue", "sku", &form.replacement_sku),
    };
    let pickup = match Uuid::parse_str(form.stock_location_id.trim()).ok() {
        Some(id) => db::stock::location(db, retailer_id, id)
            .await?
            .map(|l| crate::http::pages::location_label(tr, &l.name, l.store_name.as_deref()))
            .unwrap_or_default(),
        None => String::new(),
    };
    Ok(RequestPage {
        me: Me::from(me),
        tr: me.tr,
        id: r.id,
        case_id: r.case_id,
        can_decide: r.status == RequestStatus::Open && is_manager(&me.staff),
        status: r.status.as_string(),
        requester: format!("{} ({})", r.requester_name, r.requester_email),
        asked_at: tr.datetime(r.created_at),
        unit: format!(
            "{} ({}), {}, {}",
            product.name,
            product.sku,
            tr.ta("case-serial", "serial", &sale.serial),
            tr.ta(
                "case-paid",
                "amount",
                tr.money(sale.price_paid, &sale.currency)
            )
        ),
        defect: format!(
            "{}: {}",
            tr.code("defect", &case.defect_category.as_string()),
            case.defect_description
        ),
        replacement,
        pickup,
        window: stored_window(tr, &form),
        deliver_to: format!(
            "{}, {}, {}, {} {} {}",
            form.name, form.phone, form.street, form.postcode, form.city, form.country
        ),
        decided_by: r.decided_by_email.unwrap_or_default(),
        decided_at: r.decided_at.map(|t| tr.datetime(t)).unwrap_or_default(),
        decline_reason: r.decline_reason.unwrap_or_default(),
        due_at: tr.datetime(r.due_at),
        expires_at: tr.datetime(r.expires_at),
        escalated: r.escalated_at.is_some(),
        error,
        reason,
    })
}

/// `GET /desk/requests/{id}`: for the clerk, the waiting page (while the request is open its
/// script fetches the page every 2 s and shows the outcome in place; without script a link
/// reloads it); for a manager, the request with Approve and Decline.
pub async fn show(
    SignedIn(me): SignedIn,
    db: web::Data<DatabaseConnection>,
    PathId(path): PathId<Uuid>,
) -> Result<HttpResponse, Problem> {
    let Some(id) = path else {
        return not_found(&me.tr);
    };
    let Some(r) = requests::find(db.get_ref(), me.staff.retailer_id, id).await? else {
        return not_found(&me.tr);
    };
    let page = request_page(db.get_ref(), &me, r, None, String::new()).await?;
    let waiting = page.status == RequestStatus::Open.as_string() && !page.can_decide;
    let mut res = render(&page)?;
    if waiting {
        // The waiting page's script asks for this page again (see `desk.js`).
        res.headers_mut().insert(
            actix_web::http::header::CONTENT_SECURITY_POLICY,
            actix_web::http::header::HeaderValue::from_static(super::SCRIPT_PAGE_CSP),
        );
    }
    Ok(res)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DecideForm {
    pub csrf: String,
    pub reason: String,
}

/// `POST /desk/requests/{id}/approve` (managers and admins): the swap, exactly as the clerk
/// filled it in, approved by the clerk and authorized by this manager, within this manager's
/// limit — in the transaction that closes the request. Already decided → the page says by whom.
pub async fn approve(
    db: web::Data<DatabaseConnection>,
    PathId(path): PathId<Uuid>,
    Posted { me, form: _, .. }: Posted<DecideForm, Managers>,
) -> Result<HttpResponse, Problem> {
    let Some(id) = path else {
        return not_found(&me.tr);
    };
    let retailer_id = me.staff.retailer_id;
    let db = db.get_ref();
    let now = Utc::now();
    let Some(r) = requests::find(db, retailer_id, id).await? else {
        return not_found(&me.tr);
    };
    if r.status != RequestStatus::Open {
        let page = request_page(db, &me, r, None, String::new()).await?;
        return render(&page);
    }
    // The stored form never changes after it was asked: parse it before deciding.
    let stored: SwapForm = serde_json::from_value(r.form.clone()).map_err(Problem::internal)?;
    let rid = RetailerId(retailer_id);
    let failed =
        match checked_form(db, &me.tr, retailer_id, &stored, &r.requester_email, now).await? {
            Err(fields) => {
                app::withdraw_if_moot(db, rid, id, now).await?;
                Failure::Fields(fields)
            }
            Ok(mut approval) => {
                let role = me.staff.role;
                approval.limit = Some(db::authority::limit_of(db, retailer_id, role).await?);
                approval.authorized_by = Some(me.staff.email.clone());
                match app::approve(db, rid, id, StaffId(me.staff.id), approval, now).await {
                    Ok(_) => return Ok(see_other(&format!("/desk/requests/{id}"))),
                    Err(DecideError::NotFound) => return not_found(&me.tr),
                    Err(DecideError::AlreadyDecided) => Failure::Decided,
                    Err(DecideError::Approve(e)) => Failure::Approve(e),
                    Err(DecideError::Db(e)) => return Err(e.into()),
                }
            }
        };
    let Some(r) = requests::find(db, retailer_id, id).await? else {
        return not_found(&me.tr);
    };
    let message = match failed {
        Failure::Decided => {
            let page = request_page(db, &me, r, None, String::new()).await?;
            return render(&page);
        }
        Failure::Fields(fields) => {
            let detail = fields
                .iter()
                .map(|e| {
                    let field = me.tr.code("swap-field", &e.field.replace('.', "-"));
                    format!(
                        "{field}: {}",
                        crate::http::pages::form_text(&me.tr, &e.message)
                    )
                })
                .collect::<Vec<_>>()
                .join("; ");
            fix_the_form(&me.tr, &detail)
        }
        Failure::Approve(
            e @ (ApproveError::UnknownReplacement | ApproveError::UnknownLocation),
        ) => {
            let field = match e {
                ApproveError::UnknownReplacement => "replacement-sku",
                _ => "stock-location-id",
            };
            let detail = format!(
                "{}: {}",
                me.tr.code("swap-field", field),
                crate::http::pages::errors::approve(&me.tr, &e)
            );
            fix_the_form(&me.tr, &detail)
        }
        Failure::Approve(e) => crate::http::pages::errors::approve(&me.tr, &e),
    };
    let page = request_page(db, &me, r, Some(message), String::new()).await?;
    crate::http::pages::render_status(StatusCode::CONFLICT, &page)
}

/// Why a manager's approval of a request did not go through.
enum Failure {
    Fields(Vec<FieldError>),
    Decided,
    Approve(ApproveError),
}

/// The message for a stored form that does not work any more (the fields named in `detail`).
fn fix_the_form(tr: &Tr, detail: &str) -> String {
    tr.ta("request-fix-the-form", "detail", detail)
}

/// The stored form's window in the reader's local time (typed in the asking clerk's zone).
fn stored_window(tr: &Tr, form: &SwapForm) -> String {
    let typed_in = match crate::http::pages::locale::stored_tz(&form.time_zone) {
        Some(tz) => crate::http::pages::locale::tr(tr.lang, tz),
        None => *tr,
    };
    match (
        typed_in.parse_datetime_local(&form.window_start),
        typed_in.parse_datetime_local(&form.window_end),
    ) {
        (Some(start), Some(end)) => tr.window(start, end),
        _ => format!("{} – {}", form.window_start, form.window_end),
    }
}

/// `POST /desk/requests/{id}/decline` `{csrf, reason}` (managers and admins): the request is
/// closed with the reason; the case stays open for the clerk.
pub async fn decline(
    db: web::Data<DatabaseConnection>,
    PathId(path): PathId<Uuid>,
    Posted { me, form, .. }: Posted<DecideForm, Managers>,
) -> Result<HttpResponse, Problem> {
    let Some(id) = path else {
        return not_found(&me.tr);
    };
    let retailer_id = me.staff.retailer_id;
    let db = db.get_ref();
    let Some(r) = requests::find(db, retailer_id, id).await? else {
        return not_found(&me.tr);
    };
    let mut v = FieldErrors::new();
    let reason = v.text("reason", &form.reason, REFUSAL_TEXT_MAX);
    if v.finish().is_err() {
        let page = request_page(
            db,
            &me,
            r,
            Some(me.tr.t("request-say-why")),
            form.reason.clone(),
        )
        .await?;
        return crate::http::pages::render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    app::decline(
        db,
        RetailerId(retailer_id),
        id,
        StaffId(me.staff.id),
        reason,
        Utc::now(),
    )
    .await?;
    Ok(see_other(&format!("/desk/requests/{id}")))
}
