//! The customer's status link: `GET /status/{token}` without sign-in shows where the swap
//! stands — the product's name, the step, and the delivery window once the crew has one —
//! and nothing else of the case (no prices, no customer data, no staff). The token is 256
//! random bits; only its SHA-256 is stored. Staff create the link on the case page
//! (`POST /desk/cases/{id}/status-link`); it is shown once, and a new one replaces the old.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use kummerer_contracts::{CaseId, RetailerId};
use kummerer_service::Problem;
use kummerer_web::i18n::{LANG_COOKIE, Lang, Tr};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::app::status_link::{self, StatusLinkError};
use crate::db;
use crate::http::pages::PathId;
use crate::http::pages::roles::Posted;
use kummerer_web::{looks_like_token, random_token, token_hash};

use crate::http::pages::auth::{CsrfForm, web_error};
use crate::http::pages::case::case_page;
use crate::http::pages::{Errors, not_found, render, render_status};

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
}

/// No caching, no referrer (the token is in the URL), not indexed.
fn private(mut res: HttpResponse) -> HttpResponse {
    let h = res.headers_mut();
    h.insert(
        header::REFERRER_POLICY,
        header::HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        header::HeaderName::from_static("x-robots-tag"),
        header::HeaderValue::from_static("noindex, nofollow"),
    );
    res
}

fn unknown(req: &HttpRequest) -> Result<HttpResponse, Problem> {
    Ok(private(render_status(
        StatusCode::NOT_FOUND,
        &StatusPage {
            tr: super::locale::of_request(req),
            found: false,
            product: String::new(),
            step: "",
            window: None,
            eta: None,
            store: String::new(),
            store_phone: String::new(),
            expired: false,
        },
    )?))
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
    let hash = token_hash(&token.to_ascii_lowercase());
    let Some(facts) = status_link::status(db.get_ref(), &hash, chrono::Utc::now()).await? else {
        return unknown(&req);
    };
    // The customer's choice on this page (kept in the cookie), else their language on the case.
    let chosen = Lang::parse(&query.lang);
    let lang = chosen
        .or_else(|| req.cookie(LANG_COOKIE).and_then(|c| Lang::parse(c.value())))
        .or_else(|| Lang::parse(facts.language.as_str()))
        .unwrap_or_default();
    let tr = super::locale::tr(lang, facts.time_zone);
    let mut res = private(render_status(
        StatusCode::OK,
        &StatusPage {
            tr,
            found: true,
            product: facts.product,
            step: facts.step.as_str(),
            window: facts.window.as_ref().map(|w| tr.window(w.start, w.end)),
            eta: facts.eta.map(|t| tr.datetime(t)),
            store: facts.store,
            store_phone: facts.store_phone,
            expired: facts.expired,
        },
    )?);
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
