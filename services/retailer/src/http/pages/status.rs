//! The customer's status link: `GET /status/{token}` without sign-in shows where the swap
//! stands — the product's name, the step, and the delivery window once the crew has one —
//! and nothing else of the case (no prices, no customer data, no staff). The token is 256
//! random bits; only its SHA-256 is stored. Staff create the link on the case page
//! (`POST /desk/cases/{id}/status-link`); it is shown once, and a new one replaces the old.
//!
//! While the visit is ahead the page also lets the customer confirm the window, move the visit
//! to another window with room, or say they won't be home (`POST /status/{token}/confirm`,
//! `/move`, `/not-home`; [`crate::app::customer_visit`]), and shows what came of it.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{DateTime, Utc};
use kummerer_contracts::{CaseId, RetailerId, TimeWindow};
use kummerer_service::Problem;
use kummerer_web::i18n::{LANG_COOKIE, Lang, Tr};
use sea_orm::{
    AccessMode, DatabaseConnection, DatabaseTransaction, IsolationLevel, TransactionTrait,
};
use serde::Deserialize;
use uuid::Uuid;

use crate::app::customer_visit::{self, Action, CustomerActionError, Said};
use crate::app::status_link::{self, StatusLinkError};
use crate::db;
use crate::http::pages::PathId;
use crate::http::pages::roles::Posted;
use kummerer_web::{looks_like_token, random_token, token_hash};

use crate::http::pages::auth::{CsrfForm, web_error};
use crate::http::pages::case::case_page;
use crate::http::pages::{Errors, not_found, render, render_status, see_other};

#[derive(Template)]
#[template(path = "status.html")]
pub struct StatusPage {
    pub tr: Tr,
    pub found: bool,
    pub product: String,
    pub step: &'static str,
    pub window: Option<String>,
    /// The crew's estimated arrival, once it is on the way and gave one.
    pub eta: Option<String>,
    pub store: String,
    pub store_phone: String,
    pub expired: bool,
    /// The link's token, for the forms' actions (it is in the page's own address already).
    pub token: String,
    /// The visit is ahead: the customer may confirm, move or say they won't be home.
    pub can_act: bool,
    /// Names the forms shown this time: a form sent twice is applied once.
    pub answer_id: String,
    /// Other windows with room: `(value, label)`, the value `start_end` in Unix seconds.
    pub offers: Vec<(String, String)>,
    /// What the customer did and the answers: `(id, text)`.
    pub said: Vec<(&'static str, String)>,
    /// Why the last form was not applied.
    pub error: Option<String>,
    /// The note as typed (shown again with an error).
    pub note: String,
}

impl StatusPage {
    fn empty(tr: Tr) -> StatusPage {
        StatusPage {
            tr,
            found: false,
            product: String::new(),
            step: "",
            window: None,
            eta: None,
            store: String::new(),
            store_phone: String::new(),
            expired: false,
            token: String::new(),
            can_act: false,
            answer_id: String::new(),
            offers: Vec::new(),
            said: Vec::new(),
            error: None,
            note: String::new(),
        }
    }
}

/// No caching, no referrer to other sites (the token is in the URL), not indexed. `same-origin`
/// rather than `no-referrer`: under `no-referrer` a browser sends `Origin: null` with the page's
/// own form posts, which the same-origin check must refuse.
fn private(mut res: HttpResponse) -> HttpResponse {
    let h = res.headers_mut();
    h.insert(
        header::REFERRER_POLICY,
        header::HeaderValue::from_static("same-origin"),
    );
    h.insert(
        header::HeaderName::from_static("x-robots-tag"),
        header::HeaderValue::from_static("noindex, nofollow"),
    );
    h.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    res
}

fn unknown(req: &HttpRequest) -> Result<HttpResponse, Problem> {
    Ok(private(render_status(
        StatusCode::NOT_FOUND,
        &StatusPage::empty(super::locale::of_request(req)),
    )?))
}

/// The window value of a form: `start_end` in Unix seconds.
fn window_value(w: &TimeWindow) -> String {
    format!("{}_{}", w.start.timestamp(), w.end.timestamp())
}

fn parse_window(v: &str) -> Option<TimeWindow> {
    let (a, b) = v.trim().split_once('_')?;
    let start = DateTime::<Utc>::from_timestamp(a.parse().ok()?, 0)?;
    let end = DateTime::<Utc>::from_timestamp(b.parse().ok()?, 0)?;
    (start < end).then_some(TimeWindow { start, end })
}

/// Most windows offered at once.
const OFFERS_MAX: usize = 12;

/// The page for the link `token` (already shape-checked), with the form's `error` if any;
/// `None` for an unknown link.
async fn status_page(
    req: &HttpRequest,
    db: &DatabaseConnection,
    token: &str,
    chosen: Option<Lang>,
    error: Option<String>,
    note: String,
) -> Result<Option<StatusPage>, Problem> {
    let hash = token_hash(&token.to_ascii_lowercase());
    let now = Utc::now();
    // One snapshot for the whole page: a consumer commits logistics' answer (the correction
    // applied, its timeline entry) together, so the window shown, what is said about it and
    // the windows offered must never come from both sides of that commit.
    let snapshot = db
        .begin_with_config(
            Some(IsolationLevel::RepeatableRead),
            Some(AccessMode::ReadOnly),
        )
        .await
        .map_err(Problem::from)?;
    let page = status_page_in(req, &snapshot, hash, now, chosen, error, note, token).await;
    snapshot.commit().await.map_err(Problem::from)?;
    page
}

/// [`status_page`] read in `db`, one snapshot.
#[allow(clippy::too_many_arguments)]
async fn status_page_in(
    req: &HttpRequest,
    db: &DatabaseTransaction,
    hash: String,
    now: DateTime<Utc>,
    chosen: Option<Lang>,
    error: Option<String>,
    note: String,
    token: &str,
) -> Result<Option<StatusPage>, Problem> {
    let Some(facts) = status_link::status(db, &hash, now).await? else {
        return Ok(None);
    };
    // The customer's choice on this page (kept in the cookie), else their language on the case.
    let lang = chosen
        .or_else(|| req.cookie(LANG_COOKIE).and_then(|c| Lang::parse(c.value())))
        .or_else(|| Lang::parse(facts.language.as_str()))
        .unwrap_or_default();
    let tr = super::locale::tr(lang, facts.time_zone);
    let mut said = Vec::new();
    let mut waiting = false;
    let ahead = facts.step == crate::domain::Step::DeliveryScheduled
        && !facts.expired
        && facts.window.as_ref().is_some_and(|w| w.start > now);
    if matches!(
        facts.step,
        crate::domain::Step::DeliveryScheduled | crate::domain::Step::OnTheWay
    ) {
        let window_words = |w: &TimeWindow| tr.window(w.start, w.end);
        for s in customer_visit::said(db, facts.retailer_id, facts.case_id).await? {
            said.push(match s {
                Said::MovePending { window } => {
                    waiting = true;
                    (
                        "said-pending",
                        tr.ta("status-move-pending", "window", window_words(&window)),
                    )
                }
                Said::Moved { window } => (
                    "said-moved",
                    tr.ta("status-move-applied", "window", window_words(&window)),
                ),
                Said::MoveRefusedFull => ("said-full", tr.t("status-move-refused-full")),
                Said::MoveRefused => ("said-refused", tr.t("status-move-refused")),
                Said::Confirmed => ("said-confirmed", tr.t("status-confirmed")),
                Said::NotHome => ("said-not-home", tr.t("status-not-home-said")),
            });
        }
    }
    let can_act = ahead && !waiting;
    let offers = match (&facts.postcode, &facts.window) {
        (Some(postcode), Some(current)) if can_act => {
            crate::app::slots::offers_for(db, facts.retailer_id, postcode, now)
                .await?
                .into_iter()
                .filter(|o| o.free > 0 && o.window != *current)
                .take(OFFERS_MAX)
                .map(|o| {
                    (
                        window_value(&o.window),
                        tr.window(o.window.start, o.window.end),
                    )
                })
                .collect()
        }
        _ => Vec::new(),
    };
    Ok(Some(StatusPage {
        tr,
        found: true,
        product: facts.product,
        step: facts.step.as_str(),
        window: facts.window.as_ref().map(|w| tr.window(w.start, w.end)),
        eta: facts.eta.map(|t| tr.datetime(t)),
        store: facts.store,
        store_phone: facts.store_phone,
        expired: facts.expired,
        token: token.to_ascii_lowercase(),
        can_act,
        answer_id: Uuid::new_v4().to_string(),
        offers,
        said,
        error,
        note,
    }))
}

/// `GET /status/{token}` → 200 with the step; an unknown or malformed token → the 404 page.
pub async fn page(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    path: web::Path<String>,
    query: web::Query<super::locale::LangQuery>,
) -> Result<HttpResponse, Problem> {
    let token = path.into_inner();
    if !looks_like_token(&token) {
        return unknown(&req);
    }
    let chosen = Lang::parse(&query.lang);
    let Some(page) = status_page(&req, db.get_ref(), &token, chosen, None, String::new()).await?
    else {
        return unknown(&req);
    };
    let mut res = private(render_status(StatusCode::OK, &page)?);
    if let Some(lang) = chosen {
        let cookie = actix_web::cookie::Cookie::build(LANG_COOKIE, lang.as_str())
            .path("/status")
            .same_site(actix_web::cookie::SameSite::Lax)
            .max_age(actix_web::cookie::time::Duration::days(365))
            .finish();
        if let Ok(v) = header::HeaderValue::from_str(&cookie.to_string()) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    Ok(res)
}

/// A form of the status page: the id the page gave it, the window picked, the note.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ActForm {
    pub answer_id: String,
    pub window: String,
    pub note: String,
}

/// `POST /status/{token}/confirm`: "I'll be home in this window".
pub async fn confirm(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    path: web::Path<String>,
    form: web::Form<ActForm>,
) -> Result<HttpResponse, Problem> {
    act(req, db, path, form, "confirm").await
}

/// `POST /status/{token}/not-home` `{note}`: "I won't be home in this window".
pub async fn not_home(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    path: web::Path<String>,
    form: web::Form<ActForm>,
) -> Result<HttpResponse, Problem> {
    act(req, db, path, form, "not_home").await
}

/// `POST /status/{token}/move` `{window}`: another window with room.
pub async fn move_visit(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    path: web::Path<String>,
    form: web::Form<ActForm>,
) -> Result<HttpResponse, Problem> {
    act(req, db, path, form, "move").await
}

/// The status page's forms: the token is the credential (unguessable, only its hash stored);
/// a post from another site is refused (`Origin`); the form's `answer_id` makes a double submit
/// one action; then back to the page (303), or the page with the reason (409/422/429).
async fn act(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    path: web::Path<String>,
    form: web::Form<ActForm>,
    what: &'static str,
) -> Result<HttpResponse, Problem> {
    let token = path.into_inner();
    if !looks_like_token(&token) {
        return unknown(&req);
    }
    let db = db.get_ref();
    let form = form.into_inner();
    let again = |status: StatusCode, key: &'static str, note: String| {
        let req = req.clone();
        let token = token.clone();
        async move {
            let page = status_page(&req, db, &token, None, None, note).await?;
            let Some(mut page) = page else {
                return unknown(&req);
            };
            page.error = Some(page.tr.t(key));
            Ok::<_, Problem>(private(render_status(status, &page)?))
        }
    };
    if !kummerer_web::same_origin(&req) {
        return again(StatusCode::FORBIDDEN, "status-error-form", form.note).await;
    }
    let Ok(answer_id) = Uuid::parse_str(form.answer_id.trim()) else {
        return again(
            StatusCode::UNPROCESSABLE_ENTITY,
            "status-error-form",
            form.note,
        )
        .await;
    };
    let action = match what {
        "confirm" => Action::Confirm,
        "not_home" => Action::NotHome {
            note: Some(form.note.clone()).filter(|n| !n.trim().is_empty()),
        },
        _ => match parse_window(&form.window) {
            Some(window) => Action::Move { window },
            None => {
                return again(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "status-error-no-window",
                    form.note,
                )
                .await;
            }
        },
    };
    if form.note.contains('\0') {
        return again(
            StatusCode::UNPROCESSABLE_ENTITY,
            "status-error-form",
            String::new(),
        )
        .await;
    }
    let hash = token_hash(&token.to_ascii_lowercase());
    use CustomerActionError as E;
    let (status, key) = match customer_visit::act(db, &hash, answer_id, action, Utc::now()).await {
        Ok(_) => {
            return Ok(private(see_other(&format!(
                "/status/{}#said",
                token.to_ascii_lowercase()
            ))));
        }
        Err(E::NotFound) => return unknown(&req),
        Err(E::NotAhead) => (StatusCode::CONFLICT, "status-error-too-late"),
        Err(E::Pending) => (StatusCode::CONFLICT, "status-error-pending"),
        Err(E::WindowFull) => (StatusCode::CONFLICT, "status-error-window-full"),
        Err(E::WindowPassed) => (StatusCode::UNPROCESSABLE_ENTITY, "status-error-no-window"),
        Err(E::NoteTooLong) => (StatusCode::UNPROCESSABLE_ENTITY, "status-error-note-long"),
        Err(E::TooMany) => (StatusCode::TOO_MANY_REQUESTS, "status-error-too-many"),
        Err(E::Db(e)) => return Err(e.into()),
    };
    again(status, key, form.note).await
}

/// `POST /desk/cases/{id}/status-link` `{csrf}` → the case page with the new link, shown this
/// once (only its hash is stored); an older link stops working.
pub async fn create_link(
    db: web::Data<DatabaseConnection>,
    PathId(path): PathId<CaseId>,
    Posted { me, form: _, .. }: Posted<CsrfForm>,
) -> Result<HttpResponse, Problem> {
    let Some(id) = path.map(Uuid::from) else {
        return not_found(&me.tr);
    };
    let retailer_id = me.staff.retailer_id;
    let token = random_token().map_err(web_error)?;
    let (rid, cid) = (RetailerId(retailer_id), CaseId(id));
    match status_link::create(db.get_ref(), rid, cid, token_hash(&token)).await {
        Ok(()) => {}
        Err(StatusLinkError::NotFound) => return not_found(&me.tr),
        Err(StatusLinkError::Db(e)) => return Err(e.into()),
    }
    let Some(case) = db::find_case(db.get_ref(), retailer_id, id).await? else {
        return not_found(&me.tr);
    };
    tracing::info!(staff.id = %me.staff.id, case.id = %id, "customer status link created");
    let mut page = case_page(db.get_ref(), &me, case, None, Errors::default()).await?;
    let url = crate::app::notify::status_url(&token);
    page.new_status_qr = crate::app::notify::qr_svg(&url);
    page.new_status_link = Some(url);
    render(&page)
}
