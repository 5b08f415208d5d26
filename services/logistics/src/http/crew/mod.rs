//! The crew's page: phone first, server-rendered (askama templates compiled in), plain forms
//! that work without JavaScript, one small stylesheet served from here, a strict CSP.
//!
//! Every page needs a session (else a redirect to the sign-in page) and shows only the signed-in
//! member's crew: a job of another crew — even of the same carrier — answers the same 404 page
//! as an unknown one. Every POST carries the session's CSRF token (else 403).

pub mod auth;
pub mod form_data;
pub mod pages;

use std::collections::HashMap;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, guard, web};
use askama::Template;
use kummerer_service::Problem;

/// How the crew's page runs.
#[derive(Debug, Clone)]
pub struct CrewConfig {
    /// `Secure` on the session cookie.
    pub secure_cookies: bool,
}

impl CrewConfig {
    /// From the environment: `KUMMERER_INSECURE_COOKIES=1` drops `Secure`.
    pub fn from_env() -> CrewConfig {
        let insecure = kummerer_web::insecure_cookies_from_env();
        if insecure {
            tracing::warn!("KUMMERER_INSECURE_COOKIES=1: the crew session cookie is not Secure");
        }
        CrewConfig {
            secure_cookies: !insecure,
        }
    }
}

const CSS: &str = include_str!("../../../static/crew.css");

pub fn routes(cfg: &mut web::ServiceConfig, config: CrewConfig) {
    cfg.service(
        web::scope("/crew")
            .app_data(web::Data::new(config))
            .app_data(web::FormConfig::default().limit(16 * 1024))
            .route("", web::get().to(pages::today))
            .route("/crew.css", web::get().to(css))
            .route("/sign-in", web::get().to(auth::sign_in_page))
            .route("/sign-in", web::post().to(auth::sign_in))
            .route("/sign-out", web::post().to(auth::sign_out))
            .route("/visits/{id}", web::get().to(pages::visit))
            .route(
                "/visits/{id}/complete",
                web::post()
                    .guard(guard::fn_guard(is_multipart))
                    .to(pages::complete_with_photos),
            )
            .route("/visits/{id}/complete", web::post().to(pages::complete))
            .route("/visits/{id}/on-the-way", web::post().to(pages::on_the_way))
            .route(
                "/visits/{id}/delivered",
                web::post()
                    .guard(guard::fn_guard(is_multipart))
                    .to(pages::delivered_with_photo),
            )
            .route("/visits/{id}/delivered", web::post().to(pages::delivered))
            .route(
                "/visits/{id}/collected",
                web::post()
                    .guard(guard::fn_guard(is_multipart))
                    .to(pages::collected_with_photo),
            )
            .route("/visits/{id}/collected", web::post().to(pages::collected))
            .route(
                "/visits/{id}/photos/{photo_id}",
                web::get().to(pages::photo),
            )
            .route("/visits/{id}/fail", web::post().to(pages::fail)),
    );
}

/// A `multipart/form-data` request (the visit form with its photos).
fn is_multipart(ctx: &guard::GuardContext<'_>) -> bool {
    ctx.head()
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            ct.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        })
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
        "There is no such visit for your crew.",
    )
}

/// A form's errors: by field, and one for the whole form.
#[derive(Debug, Default, Clone)]
pub struct Errors {
    pub fields: HashMap<String, String>,
    pub general: Option<String>,
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
        Errors { fields, general }
    }

    /// The message about `field`, or an empty string.
    pub fn of(&self, field: &str) -> &str {
        self.fields.get(field).map(String::as_str).unwrap_or("")
    }
}

#[derive(Template)]
#[template(path = "crew/sign_in.html")]
pub struct SignIn {
    pub email: String,
    pub message: Option<String>,
}

#[derive(Template)]
#[template(path = "crew/message.html")]
pub struct Message {
    pub title: String,
    pub text: String,
}
