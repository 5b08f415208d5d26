//! The desk pages: find the sold unit, see what the customer is entitled to, open a case,
//! approve the swap.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{DateTime, Duration, NaiveDateTime, Timelike, Utc};
use kummerer_service::{FieldErrors, Problem};
use sea_orm::DatabaseConnection;
use serde::Deserialize;
use uuid::Uuid;

use crate::app::approve::{Approval, ApproveError, SwapApproved, approve};
use crate::app::cases::{EARLIER_CASES_MAX, OpenCaseError, open_on_sale};
use crate::app::requests::AskError;
use crate::db::{self, desk, products, sales};
use crate::domain::{
    CODE_MAX, CaseStatus, DESCRIPTION_MAX, DefectCategory, DeliveryWindow, Entitlement, Limit, Role,
};
use crate::http::cases::case_view;
use crate::http::desk::auth::{Signed, authorize_manager, guard_post, signed_in};
use crate::http::desk::refusals::{RefuseForm, reason_options};
use crate::http::desk::requests;
use crate::http::desk::{Errors, Me, not_found, render, see_other};
use crate::http::input::{AddressBody, checked};
use crate::http::view::{BallView, CaseView, money};
use kummerer_contracts::{CaseId, RetailerId, StoreId};
use kummerer_service::problem::FieldError;

/// Most search results shown.
const RESULTS_MAX: u64 = 50;
const DATETIME_LOCAL: &str = "%Y-%m-%dT%H:%M";

pub(crate) fn when(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

pub(crate) fn day(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d").to_string()
}

/// A path id; anything that is not a UUID is as unknown as an unknown one.
pub(crate) fn path_id(raw: &str) -> Option<Uuid> {
    Uuid::parse_str(raw).ok()
}

/// The signed-in staff member, or the redirect to the sign-in page.
pub(crate) async fn me_or_sign_in(
    req: &HttpRequest,
    db: &DatabaseConnection,
) -> Result<Result<Signed, HttpResponse>, Problem> {
    Ok(signed_in(req, db)
        .await?
        .ok_or_else(|| see_other("/desk/sign-in")))
}

// --- search -------------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SearchQuery {
    pub q: String,
}

pub struct SaleRow {
    pub id: Uuid,
    pub receipt_no: String,
    pub serial: String,
    pub product: String,
    pub customer: String,
    pub sold_on: String,
    pub price_paid: String,
}

#[derive(Template)]
#[template(path = "desk/home.html")]
pub struct Home {
    pub me: Me,
    pub q: String,
    pub searched: bool,
    pub message: Option<String>,
    pub results: Vec<SaleRow>,
    /// For managers and admins: the swaps waiting for them (refreshed by the desk's script).
    pub approvals: Option<Vec<super::requests::RequestRow>>,
}

/// `GET /desk?q=…`: one search box for a receipt number, a serial number, or the start of the
/// customer's name or phone number.
pub async fn home(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    query: web::Query<SearchQuery>,
) -> Result<HttpResponse, Problem> {
    let me = match me_or_sign_in(&req, db.get_ref()).await? {
        Ok(me) => me,
        Err(res) => return Ok(res),
    };
    let retailer_id = me.staff.retailer_id;
    let q = query.q.trim().to_owned();
    let mut page = Home {
        me: Me::from(&me),
        q: q.clone(),
        searched: !q.is_empty(),
        message: None,
        results: Vec::new(),
        approvals: requests::open_rows(db.get_ref(), &me).await?,
    };
    if q.chars().count() > CODE_MAX {
        page.message = Some(format!("Search for at most {CODE_MAX} characters."));
    } else if q.chars().count() == 1 {
        page.message = Some("Type at least two characters.".to_owned());
    } else if !q.is_empty() {
        let found = desk::search_sales(db.get_ref(), retailer_id, &q, RESULTS_MAX).await?;
        let ids = found.iter().map(|s| s.product_id).collect();
        let by_id: HashMap<Uuid, products::Model> =
            db::products_by_ids(db.get_ref(), retailer_id, ids)
                .await?
                .into_iter()
                .map(|p| (p.id, p))
                .collect();
        for s in found {
            page.results.push(SaleRow {
                product: by_id
                    .get(&s.product_id)
                    .map(|p| format!("{} ({})", p.name, p.sku))
                    .unwrap_or_default(),
                price_paid: money(s.price_paid, &s.currency)?.to_string(),
                sold_on: day(s.sold_at),
                id: s.id,
                receipt_no: s.receipt_no,
                serial: s.serial,
                customer: s.customer_name,
            });
        }
    }
    let mut res = render(&page)?;
    if page.approvals.is_some() {
        res.headers_mut().insert(
            actix_web::http::header::CONTENT_SECURITY_POLICY,
            actix_web::http::header::HeaderValue::from_static(super::SCRIPT_PAGE_CSP),
        );
    }
    Ok(res)
}

// --- a sale -------------------------------------------------------------------------------------

pub struct CategoryOption {
    pub value: &'static str,
    pub label: String,
    pub selected: bool,
}

fn category_options(selected: &str) -> Vec<CategoryOption> {
    DefectCategory::ALL
        .into_iter()
        .map(|c| CategoryOption {
            value: c.as_str(),
            label: c.as_str().replace('_', " "),
            selected: c.as_str() == selected,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "desk/sale.html")]
pub struct SalePage {
    pub me: Me,
    pub sale_id: Uuid,
    pub receipt_no: String,
    pub serial: String,
    pub product: String,
    pub price_paid: String,
    pub sold_at: String,
    pub customer: String,
    pub days_since_sale: i64,
    pub guarantee_ends: String,
    pub guarantee_days_left: i64,
    pub under_guarantee: bool,
    /// The manufacturer's warranty by the agreement in force today; `None`: no agreement.
    pub warranty: Option<WarrantyBox>,
    /// The case in progress on this unit: `(id, status)`.
    pub active_case: Option<(Uuid, String)>,
    /// The unit's earlier cases (closed or refused), newest first: a second case asks for a tick.
    pub earlier_cases: Vec<EarlierCaseRow>,
    /// The tick "this is a new complaint", as sent.
    pub confirm_duplicate: bool,
    pub categories: Vec<CategoryOption>,
    pub description: String,
    pub errors: Errors,
}

/// An earlier case of the unit, on the sale page.
pub struct EarlierCaseRow {
    pub id: Uuid,
    pub status: String,
    pub opened: String,
}

/// The manufacturer's warranty, as the sale page says it.
pub struct WarrantyBox {
    /// "Miele, agreement version 2 (in force since 2026-01-01)".
    pub agreement: String,
    pub coverage: String,
    pub under_coverage: bool,
    pub doa: String,
    pub within_doa: bool,
    pub recovery: String,
}

fn warranty_box(w: &crate::http::entitlement::WarrantyView) -> WarrantyBox {
    WarrantyBox {
        agreement: format!(
            "{}, agreement version {} (in force since {})",
            w.manufacturer_name,
            w.version,
            day(w.valid_from)
        ),
        coverage: match (w.coverage_ends, w.under_coverage) {
            (None, _) => "covered, without an end".to_owned(),
            (Some(end), true) => format!("covered until {}", day(end)),
            (Some(end), false) => format!("ended on {}", day(end)),
        },
        under_coverage: w.under_coverage,
        doa: if w.within_doa {
            format!("dead on arrival until {}: full refund", when(w.doa_ends))
        } else {
            format!("ended on {}", when(w.doa_ends))
        },
        within_doa: w.within_doa,
        recovery: crate::domain::recovery_text(&w.recovery_today),
    }
}

async fn sale_page(
    db: &DatabaseConnection,
    me: &Signed,
    sale: sales::Model,
    form: &CaseForm,
    errors: Errors,
) -> Result<SalePage, Problem> {
    let retailer_id = me.staff.retailer_id;
    let now = Utc::now();
    let product = db::product_of(db, retailer_id, sale.product_id).await?;
    let entitlement = Entitlement::at(sale.sold_at, now);
    let warranty = crate::http::entitlement::entitlement_of(db, &sale, &product, now)
        .await?
        .manufacturer_warranty
        .as_ref()
        .map(warranty_box);
    let active_case = desk::active_case_of_sale(db, retailer_id, sale.id)
        .await?
        .map(|c| (c.id, c.status));
    let earlier_cases = desk::cases_of_unit(db, retailer_id, &sale.serial, EARLIER_CASES_MAX)
        .await?
        .into_iter()
        .map(|c| EarlierCaseRow {
            id: c.id,
            opened: when(c.opened_at),
            status: c.status,
        })
        .collect();
    Ok(SalePage {
        me: Me::from(me),
        sale_id: sale.id,
        price_paid: money(sale.price_paid, &sale.currency)?.to_string(),
        product: format!("{} ({})", product.name, product.sku),
        sold_at: when(sale.sold_at),
        customer: format!(
            "{}, {}, {} {} {}",
            sale.customer_name, sale.customer_phone, sale.postcode, sale.city, sale.country
        ),
        days_since_sale: entitlement.days_since_sale,
        guarantee_ends: day(entitlement.guarantee_ends),
        guarantee_days_left: entitlement.guarantee_days_left,
        under_guarantee: entitlement.under_guarantee(now),
        warranty,
        active_case,
        earlier_cases,
        confirm_duplicate: form.confirmed(),
        categories: category_options(&form.defect_category),
        description: form.defect_description.clone(),
        errors,
        receipt_no: sale.receipt_no,
        serial: sale.serial,
    })
}

/// `GET /desk/sales/{id}`: the sold unit at a glance, and the form to open a case on it (or the
/// link to the case already in progress).
pub async fn sale(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let me = match me_or_sign_in(&req, db.get_ref()).await? {
        Ok(me) => me,
        Err(res) => return Ok(res),
    };
    let Some(id) = path_id(&path) else {
        return not_found();
    };
    let Some(sale) = desk::find_sale(db.get_ref(), me.staff.retailer_id, id).await? else {
        return not_found();
    };
    let page = sale_page(
        db.get_ref(),
        &me,
        sale,
        &CaseForm::default(),
        Errors::default(),
    )
    .await?;
    render(&page)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CaseForm {
    pub csrf: String,
    pub defect_category: String,
    pub defect_description: String,
    /// `yes`: opening a case on a unit that had one before is meant (a new complaint).
    pub confirm_duplicate: String,
}

impl CaseForm {
    fn confirmed(&self) -> bool {
        self.confirm_duplicate == "yes"
    }
}

/// `POST /desk/sales/{id}/cases` → 303 to the new case; bad fields, a case already in progress,
/// or an earlier case of the unit without the tick "a new complaint", → the sale page again
/// with the errors (nothing saved).
pub async fn open_case(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    path: web::Path<String>,
    form: web::Form<CaseForm>,
) -> Result<HttpResponse, Problem> {
    let me = match guard_post(&req, db.get_ref(), &form.csrf).await? {
        Ok(me) => me,
        Err(res) => return Ok(res),
    };
    let Some(id) = path_id(&path) else {
        return not_found();
    };
    let Some(sale) = desk::find_sale(db.get_ref(), me.staff.retailer_id, id).await? else {
        return not_found();
    };
    let form = form.into_inner();
    let mut v = FieldErrors::new();
    let category = DefectCategory::parse(form.defect_category.trim());
    if category.is_none() {
        v.add("defect_category", "choose what is wrong with the unit");
    }
    let description = v.text(
        "defect_description",
        &form.defect_description,
        DESCRIPTION_MAX,
    );
    if !form.confirmed()
        && !desk::cases_of_unit(db.get_ref(), me.staff.retailer_id, &sale.serial, 1)
            .await?
            .is_empty()
    {
        v.add(
            "confirm_duplicate",
            "this unit had a case before: look at it, and tick the box if this is a new complaint",
        );
    }
    let category = match (checked(v), category) {
        (Ok(()), Some(category)) => category,
        (Err(fields), _) => {
            let page = sale_page(db.get_ref(), &me, sale, &form, Errors::fields(fields)).await?;
            return render(&page);
        }
        (Ok(()), None) => {
            let errors = Errors::field("defect_category", "choose what is wrong with the unit");
            let page = sale_page(db.get_ref(), &me, sale, &form, errors).await?;
            return render(&page);
        }
    };
    let store_id = me.staff.store_id.map(StoreId);
    match open_on_sale(db.get_ref(), &sale, category, description, store_id).await {
        Ok(case) => Ok(see_other(&format!("/desk/cases/{}", case.id))),
        Err(OpenCaseError::Db(e)) => Err(e.into()),
        Err(e) => {
            let errors = Errors::general(e.to_string());
            let page = sale_page(db.get_ref(), &me, sale, &form, errors).await?;
            render(&page)
        }
    }
}

// --- a case -------------------------------------------------------------------------------------

pub struct ProductOption {
    pub sku: String,
    pub label: String,
    pub selected: bool,
}

pub struct TimelineRow {
    pub kind: String,
    /// What happened, in words (see [`crate::domain::describe`]).
    pub what: String,
    pub at: String,
    pub source: String,
    pub details: String,
}

/// What the swap form shows (as typed, or the defaults).
#[derive(Debug, Default, Clone, Deserialize, serde::Serialize)]
#[serde(default)]
pub struct SwapForm {
    pub csrf: String,
    pub replacement_sku: String,
    pub window_start: String,
    pub window_end: String,
    pub name: String,
    pub phone: String,
    pub street: String,
    pub postcode: String,
    pub city: String,
    pub country: String,
    /// A manager authorizing a swap above the approver's limit, on the same screen.
    pub manager_email: String,
    pub manager_password: String,
    /// The stock location the replacement is reserved at (where the retailer keeps stock).
    pub stock_location_id: String,
    /// `ask`: send the form to the managers' desks instead of approving it here.
    pub action: String,
}

/// A stock location that has the chosen replacement, for the swap form.
pub struct LocationOption {
    pub id: Uuid,
    pub label: String,
    pub selected: bool,
}

/// The signed-in staff member's authority limit.
async fn my_limit(db: &DatabaseConnection, me: &Signed) -> Result<Limit, Problem> {
    let role = Role::parse(&me.staff.role)
        .ok_or_else(|| Problem::internal(format!("staff {} has no known role", me.staff.id)))?;
    Ok(db::authority::limit_of(db, me.staff.retailer_id, role).await?)
}

#[derive(Template)]
#[template(path = "desk/case.html")]
pub struct CasePage {
    pub me: Me,
    pub case: CaseView,
    pub opened_at: String,
    pub sold_at: String,
    pub swap_window: String,
    pub timeline: Vec<TimelineRow>,
    /// Who holds the ball, shown above the timeline.
    pub ball: BallBox,
    /// The approve-swap form, while the case is open.
    pub can_approve: bool,
    pub products: Vec<ProductOption>,
    pub form: SwapForm,
    pub errors: Errors,
    /// The signed-in staff member's authority limit, as text.
    pub limit: String,
    /// The manager's sign-in on the swap form (for anyone whose limit is not unlimited).
    pub show_manager: bool,
    /// The last attempt was above the limit (or the manager's sign-in failed).
    pub needs_manager: bool,
    /// The refusal form (while the case is open), as typed, and its errors.
    pub refusal: RefuseForm,
    pub reasons: Vec<CategoryOption>,
    pub refuse_errors: Errors,
    /// Whether the retailer keeps stock in Kümmerer: then the form asks where the replacement
    /// comes from, offering the locations that have it.
    pub stock_kept: bool,
    pub locations: Vec<LocationOption>,
    /// The request waiting for a manager on this case, if any.
    pub open_request: Option<Uuid>,
    /// Whether the case has a customer status link (its token is not stored, only its hash).
    pub has_status_link: bool,
    /// The link just created: shown this once.
    pub new_status_link: Option<String>,
}

/// Who holds the ball, as the case page says it.
#[derive(Debug, Clone)]
pub struct BallBox {
    /// `retailer`, `crew`, `manufacturer`, or `nobody`.
    pub party: &'static str,
    /// Who and what, in words: "The crew — delivering the replacement, collecting the unit".
    pub text: String,
    pub held_for: String,
    pub since: String,
    /// The others holding something at the same time, in words.
    pub also: Vec<String>,
    pub handovers: u32,
}

/// `"3 d 4 h"`, `"2 h 5 min"`, `"12 min"`, `"under a minute"`.
pub(crate) fn duration_text(seconds: i64) -> String {
    let minutes = seconds / 60;
    let (d, h, m) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    if d > 0 {
        format!("{d} d {h} h")
    } else if h > 0 {
        format!("{h} h {m} min")
    } else if m > 0 {
        format!("{m} min")
    } else {
        "under a minute".to_owned()
    }
}

fn holding_text(party: &str, holds: &str) -> String {
    match (party, holds) {
        ("retailer", "decision") => "Your store — to decide: swap or refuse".to_owned(),
        ("retailer", "delivery") => {
            "Your store — a visit failed: agree a new one with the customer".to_owned()
        }
        ("crew", _) => "The crew — delivering the replacement, collecting the unit".to_owned(),
        ("manufacturer", "return") => {
            "The manufacturer — the unit it asked back, and its inspection".to_owned()
        }
        ("manufacturer", _) => "The manufacturer — deciding the claim".to_owned(),
        (party, holds) => format!("{party} — {holds}"),
    }
}

fn ball_box(ball: &BallView) -> BallBox {
    let first = ball.holders.first();
    BallBox {
        party: ball.party.unwrap_or("nobody"),
        text: first.map_or_else(
            || "Nobody — the case waits for no one".to_owned(),
            |h| holding_text(h.party, h.holds),
        ),
        held_for: ball.held_for_seconds.map(duration_text).unwrap_or_default(),
        since: when(ball.since),
        also: ball
            .holders
            .iter()
            .skip(1)
            .map(|h| {
                format!(
                    "{}, for {}",
                    holding_text(h.party, h.holds),
                    duration_text(h.held_for_seconds)
                )
            })
            .collect(),
        handovers: ball.handovers,
    }
}

fn default_swap_form(view: &CaseView, now: DateTime<Utc>) -> SwapForm {
    let start = (now + Duration::days(1))
        .with_hour(8)
        .and_then(|t| t.with_minute(0))
        .unwrap_or(now);
    let c = &view.sale.customer;
    SwapForm {
        csrf: String::new(),
        replacement_sku: view.sale.product.sku.clone(),
        window_start: start.format(DATETIME_LOCAL).to_string(),
        window_end: (start + Duration::hours(4))
            .format(DATETIME_LOCAL)
            .to_string(),
        name: c.name.clone(),
        phone: c.phone.clone(),
        street: c.street.clone(),
        postcode: c.postcode.clone(),
        city: c.city.clone(),
        country: c.country.clone(),
        manager_email: String::new(),
        manager_password: String::new(),
        stock_location_id: String::new(),
        action: String::new(),
    }
}

pub(crate) async fn case_page(
    db: &DatabaseConnection,
    me: &Signed,
    case: db::cases::Model,
    form: Option<SwapForm>,
    errors: Errors,
) -> Result<CasePage, Problem> {
    let retailer_id = me.staff.retailer_id;
    let can_approve = db::case_status(&case)? == CaseStatus::Open;
    let has_status_link = case.status_token_hash.is_some();
    let view = case_view(db, case).await?;
    let limit = my_limit(db, me).await?;
    let needs_manager = errors.needs_manager;
    let form = form.unwrap_or_else(|| default_swap_form(&view, Utc::now()));
    let products = if can_approve {
        let paid = &view.sale.price_paid;
        db::list_products(db, retailer_id)
            .await?
            .into_iter()
            .map(|p| {
                let price = money(p.price, &p.currency)?;
                let difference = if price.currency == paid.currency {
                    let d = price.amount - paid.amount;
                    let sign = if d.is_sign_negative() { "" } else { "+" };
                    format!("{sign}{} {} vs. price paid", d.round_dp(2), price.currency)
                } else {
                    "other currency".to_owned()
                };
                let manager = if limit.allows(&price) {
                    ""
                } else {
                    " · needs a manager"
                };
                Ok(ProductOption {
                    selected: p.sku == form.replacement_sku,
                    label: format!("{} ({}) — {price}, {difference}{manager}", p.name, p.sku),
                    sku: p.sku,
                })
            })
            .collect::<Result<Vec<_>, sea_orm::DbErr>>()?
    } else {
        Vec::new()
    };
    let stock_kept = can_approve && db::stock::has_locations(db, retailer_id).await?;
    let locations = if stock_kept {
        let sku = if form.replacement_sku.trim().is_empty() {
            view.sale.product.sku.as_str()
        } else {
            form.replacement_sku.trim()
        };
        match db::product_by_sku(db, retailer_id, sku).await? {
            None => Vec::new(),
            Some(p) => db::stock::in_stock(db, retailer_id, p.id)
                .await?
                .into_iter()
                .map(|s| LocationOption {
                    selected: s.location_id.to_string() == form.stock_location_id,
                    label: s.label(),
                    id: s.location_id,
                })
                .collect(),
        }
    } else {
        Vec::new()
    };
    let open_request = if can_approve {
        db::requests::open_of_case(db, retailer_id, view.id)
            .await?
            .map(|r| r.id)
    } else {
        None
    };
    Ok(CasePage {
        open_request,
        stock_kept,
        locations,
        me: Me::from(me),
        opened_at: when(view.opened_at),
        sold_at: when(view.sale.sold_at),
        swap_window: view
            .swap
            .as_ref()
            .map(|s| format!("{} – {}", when(s.window.start), when(s.window.end)))
            .unwrap_or_default(),
        timeline: view
            .timeline
            .iter()
            .map(|t| {
                let said = crate::domain::describe(&t.kind, &t.details);
                TimelineRow {
                    kind: t.kind.clone(),
                    what: said.what,
                    at: when(t.occurred_at),
                    source: t.source.clone(),
                    details: said.details,
                }
            })
            .collect(),
        ball: ball_box(&view.ball),
        case: view,
        can_approve,
        products,
        form,
        errors,
        refusal: RefuseForm::default(),
        reasons: reason_options(""),
        refuse_errors: Errors::default(),
        has_status_link,
        new_status_link: None,
        show_manager: limit != Limit::Unlimited,
        limit: limit.describe(),
        needs_manager,
    })
}

/// `GET /desk/cases/{id}`: the case, its timeline and, while open, the approve-swap form.
pub async fn case(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let me = match me_or_sign_in(&req, db.get_ref()).await? {
        Ok(me) => me,
        Err(res) => return Ok(res),
    };
    let Some(id) = path_id(&path) else {
        return not_found();
    };
    let Some(case) = db::find_case(db.get_ref(), me.staff.retailer_id, id).await? else {
        return not_found();
    };
    let page = case_page(db.get_ref(), &me, case, None, Errors::default()).await?;
    render(&page)
}

fn parse_local(field: &str, raw: &str, v: &mut FieldErrors) -> Option<DateTime<Utc>> {
    let raw = raw.trim();
    let parsed = NaiveDateTime::parse_from_str(raw, DATETIME_LOCAL)
        .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S"));
    match parsed {
        Ok(t) => Some(t.and_utc()),
        Err(_) => {
            v.add(field, "enter a date and time (UTC)");
            None
        }
    }
}

impl SwapForm {
    /// The approval this form asks for, by `approved_by`; every field error at once.
    pub(crate) fn parse(
        &self,
        approved_by: &str,
        now: DateTime<Utc>,
    ) -> Result<Approval, Vec<FieldError>> {
        let mut v = FieldErrors::new();
        let sku = self.replacement_sku.trim();
        if sku.chars().count() > CODE_MAX {
            v.add(
                "replacement_sku",
                format!("must be at most {CODE_MAX} characters"),
            );
        }
        let stock_location_id = match self.stock_location_id.trim() {
            "" => None,
            raw => {
                let id = Uuid::parse_str(raw).ok();
                if id.is_none() {
                    v.add("stock_location_id", "no such stock location");
                }
                id
            }
        };
        let start = parse_local("window_start", &self.window_start, &mut v);
        let end = parse_local("window_end", &self.window_end, &mut v);
        let address = AddressBody {
            name: self.name.clone(),
            phone: self.phone.clone(),
            street: self.street.clone(),
            postcode: self.postcode.clone(),
            city: self.city.clone(),
            country: self.country.clone(),
        }
        .parse("delivery_address", &mut v);
        let window = match (start, end) {
            (Some(start), Some(end)) => match DeliveryWindow::new(start, end, now) {
                Ok(w) => Some(w),
                Err(errors) => {
                    for e in errors {
                        v.add(e.field(), e.to_string());
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
                message: "enter a date and time (UTC)".to_owned(),
            }]);
        };
        Ok(Approval {
            replacement_sku: (!sku.is_empty()).then(|| sku.to_owned()),
            window,
            approved_by: approved_by.to_owned(),
            delivery_address: Some(address),
            authorized_by: None,
            limit: None,
            stock_location_id,
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
    fn errors(self) -> Errors {
        match self {
            Rejected::Fields(fields) => Errors::fields(fields),
            Rejected::Manager(message) => Errors {
                needs_manager: true,
                ..Errors::field("manager_password", message)
            },
            Rejected::Approve(e) => approve_errors(&e),
            Rejected::Ask(e) => Errors {
                needs_manager: true,
                ..Errors::general(e.to_string())
            },
        }
    }
}

/// An approval's error on the swap form.
pub(crate) fn approve_errors(e: &ApproveError) -> Errors {
    match e {
        ApproveError::UnknownReplacement => Errors::field("replacement_sku", e.to_string()),
        ApproveError::UnknownLocation => Errors::field("stock_location_id", e.to_string()),
        ApproveError::NeedsManager { .. } => Errors {
            needs_manager: true,
            ..Errors::general(e.to_string())
        },
        ApproveError::NotFound
        | ApproveError::Refused { .. }
        | ApproveError::OutOfStock { .. }
        | ApproveError::Db(_) => Errors::general(e.to_string()),
    }
}

/// `POST /desk/cases/{id}/swap`: the same approval as the JSON API (one transaction: swap,
/// claim, timeline, both events), approved by the signed-in staff member → 303 to the case;
/// any error → the case page again with the errors on the form, nothing saved.
pub async fn approve_swap(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    path: web::Path<String>,
    form: web::Form<SwapForm>,
) -> Result<HttpResponse, Problem> {
    let me = match guard_post(&req, db.get_ref(), &form.csrf).await? {
        Ok(me) => me,
        Err(res) => return Ok(res),
    };
    let Some(id) = path_id(&path) else {
        return not_found();
    };
    let retailer_id = me.staff.retailer_id;
    if db::find_case(db.get_ref(), retailer_id, id)
        .await?
        .is_none()
    {
        return not_found();
    }
    let now = Utc::now();
    let mut form = form.into_inner();
    let rejected = if form.action == "ask" {
        form.manager_password.clear();
        match requests::ask(db.get_ref(), &me, id, &form, now).await? {
            Ok(request_id) => return Ok(see_other(&format!("/desk/requests/{request_id}"))),
            Err(Rejected::Ask(AskError::CaseNotFound)) => return not_found(),
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
            Err(Rejected::Approve(ApproveError::NotFound)) => return not_found(),
            Err(Rejected::Approve(ApproveError::Db(e))) => return Err(e.into()),
            Err(rejected) => rejected,
        }
    };
    // Reload: a concurrent approval may have moved the case on meanwhile.
    let Some(case) = db::find_case(db.get_ref(), retailer_id, id).await? else {
        return not_found();
    };
    let page = case_page(db.get_ref(), &me, case, Some(form), rejected.errors()).await?;
    render(&page)
}

/// The approval a desk swap form asks for, by `approved_by`: every field checked, and a stock
/// location chosen where the retailer keeps stock in Kümmerer.
pub(crate) async fn checked_form(
    db: &DatabaseConnection,
    retailer_id: Uuid,
    form: &SwapForm,
    approved_by: &str,
    now: DateTime<Utc>,
) -> Result<Result<Approval, Vec<FieldError>>, sea_orm::DbErr> {
    let approval = match form.parse(approved_by, now) {
        Ok(approval) => approval,
        Err(fields) => return Ok(Err(fields)),
    };
    if approval.stock_location_id.is_none() && db::stock::has_locations(db, retailer_id).await? {
        return Ok(Err(vec![FieldError {
            field: "stock_location_id".to_owned(),
            message: "choose the stock location the replacement comes from (only those that \
                      have it are listed; none listed: it is out of stock everywhere)"
                .to_owned(),
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
        match checked_form(db, me.staff.retailer_id, form, &me.staff.email, now).await? {
            Ok(approval) => approval,
            Err(fields) => return Ok(Err(Rejected::Fields(fields))),
        };
    approval.limit = Some(my_limit(db, me).await?);
    if !form.manager_email.trim().is_empty() || !password.is_empty() {
        let manager =
            match authorize_manager(db, me.staff.retailer_id, &form.manager_email, password).await?
            {
                Ok(manager) => manager,
                Err(message) => return Ok(Err(Rejected::Manager(message))),
            };
        let role = Role::parse(&manager.role)
            .ok_or_else(|| Problem::internal(format!("staff {} has no known role", manager.id)))?;
        approval.limit = Some(db::authority::limit_of(db, me.staff.retailer_id, role).await?);
        approval.authorized_by = Some(manager.email);
    }
    let (rid, cid) = (RetailerId(me.staff.retailer_id), CaseId(case_id));
    Ok(approve(db, rid, cid, approval, now)
        .await
        .map_err(Rejected::Approve))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_plainly() {
        assert_eq!(duration_text(0), "under a minute");
        assert_eq!(duration_text(59), "under a minute");
        assert_eq!(duration_text(12 * 60 + 5), "12 min");
        assert_eq!(duration_text(2 * 3600 + 5 * 60), "2 h 5 min");
        assert_eq!(duration_text(3 * 86_400 + 4 * 3600 + 59), "3 d 4 h");
    }
}
