//! The staff desk: server-rendered pages (askama templates compiled in), plain forms that work
//! without JavaScript, one small stylesheet served from here.
//!
//! Every page needs a session (else a redirect to the sign-in page) and shows only the signed-in
//! staff member's retailer: another retailer's sale or case answers the same 404 page as an
//! unknown one. Every POST carries the session's CSRF token (else 403).

pub mod admin;
pub mod approve;
pub mod auth;
pub mod cancel;
pub mod case;
pub mod correct;
pub mod counter;
pub mod credit_note;
pub mod dashboard;
pub mod disputes;
pub mod errors;
pub mod home;
pub mod import;
pub mod information;
pub mod ledger;
pub mod locale;
pub mod personal_data;
pub mod refusals;
pub mod requests;
pub mod resubmit;
pub mod roles;
pub mod sale;
pub mod status;
pub mod timeline;

use std::collections::HashMap;

use actix_web::http::{Method, StatusCode};
use actix_web::{HttpResponse, web};
use askama::Template;
use kummerer_service::Problem;
use kummerer_web::doors::{Access, Doors, DoorsExt};
use kummerer_web::i18n::Tr;

/// How the desk runs (`Secure` on the session cookie, see [`auth`]).
pub type DeskConfig = kummerer_web::signin::PageConfig;

const CSS: &str = include_str!("../../../static/desk.css");

/// Registers the desk's pages (see [`routes_with`]), recording into a throwaway table.
pub fn routes(cfg: &mut web::ServiceConfig, config: DeskConfig) {
    routes_with(cfg, config, &Doors::new());
}

/// Registers the desk's pages under `/desk`, recording each door in `doors`: the sign-in page
/// and the stylesheet and script are open, every other page needs a signed-in staff member.
pub fn routes_with(cfg: &mut web::ServiceConfig, config: DeskConfig, doors: &Doors) {
    let (scope, d) = doors.scope("/desk");
    let scope = kummerer_web::signin::routes::<auth::StaffAccounts>(scope, config, &d)
        .door(&d, Method::GET, "", Access::SignedIn, home::home)
        .door(&d, Method::GET, "/desk.css", Access::Open, css)
        .door(&d, Method::GET, "/language", Access::Open, locale::choose)
        .door(
            &d,
            Method::POST,
            "/me/language",
            Access::SignedIn,
            locale::set_mine,
        )
        .door(&d, Method::GET, "/sales/{id}", Access::SignedIn, sale::sale)
        .door(
            &d,
            Method::POST,
            "/sales/{id}/cases",
            Access::SignedIn,
            sale::open_case,
        )
        .door(&d, Method::GET, "/cases/{id}", Access::SignedIn, case::case)
        .door(
            &d,
            Method::POST,
            "/cases/{id}/swap",
            Access::SignedIn,
            approve::approve_swap,
        )
        .door(
            &d,
            Method::POST,
            "/cases/{id}/swap/cancel",
            Access::SignedIn,
            cancel::cancel_swap,
        )
        .door(
            &d,
            Method::POST,
            "/cases/{id}/swap/correction",
            Access::SignedIn,
            correct::correct_visit,
        )
        .door(
            &d,
            Method::POST,
            "/cases/{id}/refuse",
            Access::SignedIn,
            refusals::refuse_form,
        )
        .door(
            &d,
            Method::POST,
            "/cases/{id}/status-link",
            Access::SignedIn,
            crate::http::pages::status::create_link,
        )
        .door(
            &d,
            Method::GET,
            "/reports/refusals",
            Access::SignedIn,
            refusals::report,
        )
        .door(
            &d,
            Method::GET,
            "/claims/{id}/dispute",
            Access::SignedIn,
            disputes::page,
        )
        .door(
            &d,
            Method::POST,
            "/claims/{id}/dispute",
            Access::SignedIn,
            disputes::submit,
        )
        .door(
            &d,
            Method::GET,
            "/claims/{id}/information",
            Access::SignedIn,
            information::page,
        )
        .door(
            &d,
            Method::POST,
            "/claims/{id}/information",
            Access::SignedIn,
            information::submit,
        )
        .door(
            &d,
            Method::GET,
            "/claims/{id}/resubmit",
            Access::SignedIn,
            resubmit::page,
        )
        .door(
            &d,
            Method::POST,
            "/claims/{id}/resubmit",
            Access::SignedIn,
            resubmit::submit,
        )
        .door(
            &d,
            Method::POST,
            "/claims/{id}/write-off",
            Access::SignedIn,
            resubmit::write_off,
        )
        .door(
            &d,
            Method::GET,
            "/ledger",
            Access::SignedIn,
            crate::http::pages::ledger::page,
        )
        .door(
            &d,
            Method::GET,
            "/ledger.csv",
            Access::SignedIn,
            crate::http::pages::ledger::csv,
        )
        .door(
            &d,
            Method::GET,
            "/ledger/datev.csv",
            Access::SignedIn,
            crate::http::pages::ledger::datev,
        )
        .door(
            &d,
            Method::GET,
            "/credit-notes/{id}",
            Access::SignedIn,
            credit_note::document,
        )
        .door(&d, Method::GET, "/desk.js", Access::Open, script)
        .door(
            &d,
            Method::GET,
            "/requests",
            Access::SignedIn,
            requests::list,
        )
        .door(
            &d,
            Method::GET,
            "/requests/open",
            Access::SignedIn,
            requests::open_fragment,
        )
        .door(
            &d,
            Method::GET,
            "/requests/{id}",
            Access::SignedIn,
            requests::show,
        )
        .door(
            &d,
            Method::POST,
            "/requests/{id}/approve",
            Access::SignedIn,
            requests::approve,
        )
        .door(
            &d,
            Method::POST,
            "/requests/{id}/decline",
            Access::SignedIn,
            requests::decline,
        )
        .door(
            &d,
            Method::GET,
            "/dashboard",
            Access::SignedIn,
            dashboard::page,
        )
        .door(&d, Method::GET, "/admin", Access::SignedIn, admin::page)
        .door(
            &d,
            Method::GET,
            "/admin/personal-data",
            Access::SignedIn,
            personal_data::page,
        )
        .door(
            &d,
            Method::POST,
            "/admin/personal-data/retention",
            Access::SignedIn,
            personal_data::set_retention,
        )
        .door(
            &d,
            Method::POST,
            "/admin/personal-data/erase",
            Access::SignedIn,
            personal_data::erase,
        )
        .door(
            &d,
            Method::POST,
            "/admin/staff",
            Access::SignedIn,
            admin::create_staff,
        )
        .door(
            &d,
            Method::POST,
            "/admin/staff/{id}",
            Access::SignedIn,
            admin::update_staff,
        )
        .door(
            &d,
            Method::POST,
            "/admin/limits/{role}",
            Access::SignedIn,
            admin::set_limit,
        )
        .door(
            &d,
            Method::POST,
            "/admin/stores",
            Access::SignedIn,
            admin::create_store,
        )
        .door(
            &d,
            Method::POST,
            "/admin/locations",
            Access::SignedIn,
            admin::create_location,
        )
        .door(
            &d,
            Method::POST,
            "/admin/locale",
            Access::SignedIn,
            admin::set_locale,
        )
        .door(
            &d,
            Method::POST,
            "/admin/law",
            Access::SignedIn,
            admin::set_law,
        )
        .door(
            &d,
            Method::POST,
            "/admin/stores/{id}/locale",
            Access::SignedIn,
            admin::set_store_locale,
        )
        .door(
            &d,
            Method::POST,
            "/admin/stock",
            Access::SignedIn,
            admin::set_stock,
        )
        .door(
            &d,
            Method::POST,
            "/admin/products",
            Access::SignedIn,
            admin::create_product,
        )
        .door(
            &d,
            Method::POST,
            "/admin/keys",
            Access::SignedIn,
            admin::create_key,
        )
        .door(
            &d,
            Method::POST,
            "/admin/keys/{id}/revoke",
            Access::SignedIn,
            admin::revoke_key,
        )
        .door(
            &d,
            Method::POST,
            "/admin/partners/{mid}/{action}",
            Access::SignedIn,
            admin::partners::act,
        )
        .door(
            &d,
            Method::POST,
            "/admin/agreements/{aid}/versions/{version}/accept",
            Access::SignedIn,
            admin::partners::accept,
        )
        .service(
            d.resource_door(
                d.resource_door(
                    web::resource("/admin/import")
                        .app_data(web::PayloadConfig::new(import::MAX_BYTES + 64 * 1024)),
                    "/admin/import",
                    Method::GET,
                    Access::SignedIn,
                    import::page,
                ),
                "/admin/import",
                Method::POST,
                Access::SignedIn,
                import::upload,
            ),
        )
        .door(
            &d,
            Method::POST,
            "/admin/import/{id}/valid",
            Access::SignedIn,
            import::import_valid,
        );
    cfg.service(scope);
}

/// How often expired desk sessions are deleted.
const SESSION_SWEEP: std::time::Duration = std::time::Duration::from_secs(600);

/// The worker that deletes expired desk sessions (at start, then every 10 minutes), so the
/// table holds live sessions only. Idempotent: two replicas sweeping at once delete each row once.
pub async fn sweep_sessions(
    db: sea_orm::DatabaseConnection,
    cancel: tokio_util::sync::CancellationToken,
) {
    loop {
        match crate::db::desk::purge_expired_sessions(&db, chrono::Utc::now()).await {
            Ok(n) => {
                metrics::counter!(crate::metrics::SESSIONS_PURGED).increment(n);
                if n > 0 {
                    tracing::info!(sessions = n, "expired desk sessions deleted");
                }
            }
            Err(e) => tracing::warn!(error = %e, "expired desk sessions: sweep failed"),
        }
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(SESSION_SWEEP) => {}
        }
    }
}

async fn css() -> HttpResponse {
    kummerer_web::stylesheet(CSS)
}

const SCRIPT: &str = include_str!("../../../static/desk.js");

/// The desk's one script: it refreshes the managers' list of approval requests (the pages work
/// without it).
async fn script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((
            actix_web::http::header::CACHE_CONTROL,
            "public, max-age=3600",
        ))
        .body(SCRIPT)
}

/// The page CSP plus our own script and its fetches (the desk page with the managers' list).
pub const SCRIPT_PAGE_CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
    script-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
    base-uri 'none'";

pub use kummerer_web::{render, render_status, see_other};

// --- what every page shares ---------------------------------------------------------------------

use sea_orm::DatabaseConnection;
use uuid::Uuid;

use actix_web::HttpRequest;

use crate::http::pages::auth::{Signed, signed_in};

/// Most search results shown.
pub(crate) const RESULTS_MAX: u64 = 50;

/// An amount in the reader's locale.
pub(crate) fn money_text(tr: &Tr, m: &kummerer_contracts::Money) -> String {
    tr.money(m.amount, m.currency.as_str())
}

/// An authority limit in words and the reader's locale.
pub(crate) fn limit_text(tr: &Tr, limit: &crate::domain::Limit) -> String {
    match limit {
        crate::domain::Limit::Unlimited => tr.t("limit-unlimited"),
        crate::domain::Limit::UpTo(max) => money_text(tr, max),
        crate::domain::Limit::Nothing => tr.t("limit-nothing"),
    }
}

/// A stock location with the chosen replacement, for the swap form: "Lager (Mitte) — 3 vorrätig".
pub(crate) fn stock_label(tr: &Tr, s: &crate::db::stock::InStock) -> String {
    let place = location_label(tr, &s.location, s.store_name.as_deref());
    tr.targs(
        "stock-in-stock",
        &[("place", &place), ("count", &s.quantity)],
    )
}

/// A stock location: "Filiale Mitte (Mitte)", or "Zentrallager (Zentrallager)" without a store.
pub(crate) fn location_label(tr: &Tr, name: &str, store: Option<&str>) -> String {
    match store {
        Some(store) => format!("{name} ({store})"),
        None => format!("{name} ({})", tr.t("stock-central-warehouse")),
    }
}

/// A path id; anything that is not a UUID is as unknown as an unknown one.
pub(crate) fn path_id(raw: &str) -> Option<Uuid> {
    Uuid::parse_str(raw).ok()
}

/// The `{id}` of the path, parsed once into a typed id (as logistics' pages do): `None` when it
/// is no id (then what it names is as unknown as an absent one, and the page answers its 404).
#[derive(Debug, Clone, Copy)]
pub struct PathId<T>(pub Option<T>);

impl<T: std::str::FromStr + 'static> actix_web::FromRequest for PathId<T> {
    type Error = std::convert::Infallible;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(Ok(PathId(
            req.match_info().get("id").and_then(|s| s.parse().ok()),
        )))
    }
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

pub fn message_page(
    tr: &Tr,
    status: StatusCode,
    title: &str,
    text: &str,
) -> Result<HttpResponse, Problem> {
    render_status(
        status,
        &Message {
            tr: *tr,
            title: title.to_owned(),
            text: text.to_owned(),
        },
    )
}

/// A message page of two catalog texts.
pub fn message_keys(
    tr: &Tr,
    status: StatusCode,
    title: &str,
    text: &str,
) -> Result<HttpResponse, Problem> {
    message_page(tr, status, &tr.t(title), &tr.t(text))
}

pub fn not_found(tr: &Tr) -> Result<HttpResponse, Problem> {
    message_keys(
        tr,
        StatusCode::NOT_FOUND,
        "not-found-title",
        "not-found-text",
    )
}

// --- templates ----------------------------------------------------------------------------------

/// Who is signed in, for the page header and the sign-out form.
#[derive(Debug, Clone)]
pub struct Me {
    pub name: String,
    pub email: String,
    pub role: String,
    pub csrf: String,
    /// The staff member's own language choice, empty when they follow the store's.
    pub language: String,
}

impl From<&auth::Signed> for Me {
    fn from(s: &auth::Signed) -> Self {
        Me {
            name: s.staff.name.clone(),
            email: s.staff.email.clone(),
            role: s.staff.role.as_string(),
            csrf: s.csrf.clone(),
            language: s.own_language.clone(),
        }
    }
}

/// The general error of a form with marked fields, turned into the reader's language by
/// [`Errors::in_lang`].
const FIX_FIELDS: &str = "Please correct the marked fields.";

/// A form's errors: by field, and one for the whole form.
#[derive(Debug, Default, Clone)]
pub struct Errors {
    pub fields: HashMap<String, String>,
    pub general: Option<String>,
    /// The swap form asks for a manager (above the limit, or the manager's sign-in failed).
    pub needs_manager: bool,
}

impl Errors {
    /// The errors of the fields `errors`, in the order found.
    pub fn fields(errors: Vec<kummerer_service::problem::FieldError>) -> Errors {
        let fields: HashMap<String, String> =
            errors.into_iter().map(|e| (e.field, e.message)).collect();
        Errors {
            general: Some(FIX_FIELDS.to_owned()),
            fields,
            needs_manager: false,
        }
    }

    /// One field's error.
    pub fn field(field: &str, message: impl Into<String>) -> Errors {
        Errors::fields(vec![kummerer_service::problem::FieldError {
            field: field.to_owned(),
            message: message.into(),
        }])
    }

    /// An error about the whole form.
    pub fn general(message: impl Into<String>) -> Errors {
        Errors {
            fields: HashMap::new(),
            general: Some(message.into()),
            needs_manager: false,
        }
    }

    /// The errors in the reader's language: the general message of marked fields, and each
    /// field's message of the shared checks ([`form_text`]).
    pub fn in_lang(mut self, tr: &Tr) -> Errors {
        if self.general.as_deref() == Some(FIX_FIELDS) {
            self.general = Some(tr.t("form-fix-fields"));
        }
        for message in self.fields.values_mut() {
            *message = form_text(tr, message);
        }
        self
    }

    /// The message about `field`, or an empty string.
    pub fn of(&self, field: &str) -> &str {
        self.fields.get(field).map(String::as_str).unwrap_or("")
    }
}

/// The texts of the checks the pages share with the JSON API (`FieldErrors::text`, the
/// address, contact, money and password checks), which say them in English for the API's
/// problem details: each one's catalog key, with its number argument if it has one.
const FORM_TEXTS: &[(&str, &str)] = &[
    ("must not be empty", "form-not-empty"),
    (
        "must not contain control characters",
        "form-no-control-characters",
    ),
    ("must be an e-mail address", "form-email"),
    ("choose clerk, manager or admin", "form-choose-role"),
    ("no such store", "form-no-such-store"),
    ("enter an amount like 549.00", "form-amount"),
    ("must be an ISO 4217 code like EUR", "form-currency"),
    ("must be a two-letter ISO 3166 country code", "form-country"),
    (
        crate::app::law_settings::BAD_JURISDICTION,
        "form-choose-jurisdiction",
    ),
    (crate::app::law_settings::BAD_TIME_ZONE, "form-time-zone"),
    ("choose a stock location", "form-choose-location"),
    ("no product with this SKU", "form-no-such-sku"),
    ("must be a whole number, 0 or more", "form-whole-number"),
    (
        "choose one of your linked partners (an admin links them under Partners)",
        "form-choose-partner",
    ),
    ("needed for the channel chosen", "form-needed-for-channel"),
    (
        "the customer must agree to be told by the channels chosen",
        "form-consent",
    ),
    ("choose de or en", "form-choose-language"),
    ("choose e-mail, SMS or none", "form-choose-channel"),
    ("enter the customer's e-mail address", "form-enter-email"),
    ("an e-mail address has an @", "form-email-at"),
    ("this is not an e-mail address", "form-email"),
    ("the part after the @ is not a domain", "form-email-domain"),
    ("enter the customer's phone number", "form-enter-phone"),
    ("this is not a valid phone number", "form-phone"),
    ("enter both ends of the window", "form-window-both-ends"),
    ("amount must not be negative", "form-amount-negative"),
    (
        "amount has more than 2 decimal places",
        "form-amount-decimals",
    ),
];

/// A field's message of the shared checks (see [`FORM_TEXTS`]; also "must be at most N
/// characters", "must be at least N characters" and the first clerk's limit) in the reader's
/// language; a message the pages wrote themselves (already from the catalog) as it is.
pub(crate) fn form_text(tr: &Tr, message: &str) -> String {
    if let Some((_, key)) = FORM_TEXTS.iter().find(|(text, _)| *text == message) {
        return tr.t(key);
    }
    let number = |prefix: &str, suffix: &str| {
        message
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_suffix(suffix))
            .and_then(|n| n.parse::<u64>().ok())
    };
    if let Some(max) = number("must be at most ", " characters") {
        return tr.tn("form-at-most-characters", "max", max);
    }
    if let Some(min) = number("must be at least ", " characters") {
        return tr.tn("form-at-least-characters", "min", min);
    }
    if message.starts_with("the first clerk needs the clerks' authority limit") {
        return tr.ta(
            "form-first-clerk-limit",
            "limit",
            admin::SUGGESTED_CLERK_LIMIT,
        );
    }
    if message.contains("ISO 4217") {
        return tr.t("form-currency");
    }
    message.to_owned()
}

#[derive(Template)]
#[template(path = "desk/sign_in.html")]
pub struct SignIn {
    pub tr: Tr,
    pub email: String,
    pub message: Option<String>,
}

#[derive(Template)]
#[template(path = "desk/message.html")]
pub struct Message {
    pub tr: Tr,
    pub title: String,
    pub text: String,
}
