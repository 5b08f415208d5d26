//! The staff desk: server-rendered pages (askama templates compiled in), plain forms that work
//! without JavaScript, one small stylesheet served from here.
//!
//! Every page needs a session (else a redirect to the sign-in page) and shows only the signed-in
//! staff member's retailer: another retailer's sale or case answers the same 404 page as an
//! unknown one. Every POST carries the session's CSRF token (else 403).

pub mod auth;
pub mod disputes;
pub mod pages;
pub mod refusals;

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use kummerer_service::Problem;

/// How the desk runs.
#[derive(Debug, Clone)]
pub struct DeskConfig {
    /// `Secure` on the session cookie (see [`auth`]).
    pub secure_cookies: bool,
}

impl DeskConfig {
    /// From the environment: `KUMMERER_INSECURE_COOKIES=1` drops `Secure`.
    pub fn from_env() -> DeskConfig {
        let insecure = kummerer_web::insecure_cookies_from_env();
        if insecure {
            tracing::warn!("KUMMERER_INSECURE_COOKIES=1: the desk session cookie is not Secure");
        }
        DeskConfig {
            secure_cookies: !insecure,
        }
    }
}

const CSS: &str = include_str!("../../../static/desk.css");

pub fn routes(cfg: &mut web::ServiceConfig, config: DeskConfig) {
    cfg.service(
        web::scope("/desk")
            .app_data(web::Data::new(config))
            .route("", web::get().to(pages::home))
            .route("/desk.css", web::get().to(css))
            .route("/sign-in", web::get().to(auth::sign_in_page))
            .route("/sign-in", web::post().to(auth::sign_in))
            .route("/sign-out", web::post().to(auth::sign_out))
            .route("/sales/{id}", web::get().to(pages::sale))
            .route("/sales/{id}/cases", web::post().to(pages::open_case))
            .route("/cases/{id}", web::get().to(pages::case))
            .route("/cases/{id}/swap", web::post().to(pages::approve_swap))
            .route("/cases/{id}/refuse", web::post().to(refusals::refuse))
            .route(
                "/cases/{id}/status-link",
                web::post().to(crate::http::status::create_link),
            )
            .route("/reports/refusals", web::get().to(refusals::report))
            .route("/claims/{id}/dispute", web::get().to(disputes::page))
            .route("/claims/{id}/dispute", web::post().to(disputes::submit))
            .route("/ledger", web::get().to(crate::http::ledger::page)),
    );
}

async fn css() -> HttpResponse {
    kummerer_web::stylesheet(CSS)
}

pub fn render_status(status: StatusCode, page: &impl Template) -> Result<HttpResponse, Problem> {
    let body = page.render().map_err(Problem::internal)?;
    Ok(kummerer_web::html_page(status, body))
}

pub fn render(page: &impl Template) -> Result<HttpResponse, Problem> {
    render_status(StatusCode::OK, page)
}

pub use kummerer_web::see_other;

pub fn message_page(status: StatusCode, title: &str, text: &str) -> Result<HttpResponse, Problem> {
    render_status(
        status,
        &Message {
            title: title.to_owned(),
            text: text.to_owned(),
        },
    )
}

pub fn not_found() -> Result<HttpResponse, Problem> {
    message_page(
        StatusCode::NOT_FOUND,
        "Not found",
        "There is no such sale or case at your store.",
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
}

impl From<&auth::Signed> for Me {
    fn from(s: &auth::Signed) -> Self {
        Me {
            name: s.staff.name.clone(),
            email: s.staff.email.clone(),
            role: s.staff.role.clone(),
            csrf: s.csrf.clone(),
        }
    }
}

/// A form's errors: by field, and one for the whole form.
#[derive(Debug, Default, Clone)]
pub struct Errors {
    pub fields: HashMap<String, String>,
    pub general: Option<String>,
    /// The swap form asks for a manager (above the limit, or the manager's sign-in failed).
    pub needs_manager: bool,
}

impl Errors {
    pub fn from_problem(p: &Problem) -> Errors {
        let fields: HashMap<String, String> = p
            .errors
            .iter()
            .map(|e| (e.field.clone(), e.message.clone()))
            .collect();
        let general = if fields.is_empty() {
            Some(p.detail.clone().unwrap_or_else(|| p.title.clone()))
        } else {
            Some("Please correct the marked fields.".to_owned())
        };
        Errors {
            fields,
            general,
            needs_manager: false,
        }
    }

    /// The message about `field`, or an empty string.
    pub fn of(&self, field: &str) -> &str {
        self.fields.get(field).map(String::as_str).unwrap_or("")
    }
}

#[derive(Template)]
#[template(path = "desk/sign_in.html")]
pub struct SignIn {
    pub email: String,
    pub message: Option<String>,
}

#[derive(Template)]
#[template(path = "desk/message.html")]
pub struct Message {
    pub title: String,
    pub text: String,
}
