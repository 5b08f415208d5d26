//! The crew's page: phone first, server-rendered (askama templates compiled in), plain forms
//! that work without JavaScript, one small stylesheet served from here, a strict CSP.
//!
//! Every page needs a session (else a redirect to the sign-in page) and shows only the signed-in
//! member's crew: a job of another crew — even of the same carrier — answers the same 404 page
//! as an unknown one. Every POST carries the session's CSRF token (else 403).

pub mod auth;
pub mod complete;
pub mod form_data;
pub mod language;
pub mod multipart;
pub mod photo;
pub mod rows;
pub mod steps;
pub mod today;
pub mod visit;

use actix_web::http::{Method, StatusCode, header};
use actix_web::{HttpResponse, guard, web};
use askama::Template;
use kummerer_contracts::ids::JobId;
use kummerer_service::Problem;
use kummerer_web::doors::{Access, Doors, DoorsExt};
use kummerer_web::i18n::Tr;

/// How the crew's page runs (`Secure` on the session cookie).
pub type CrewConfig = kummerer_web::signin::PageConfig;

const CSS: &str = include_str!("../../../../static/crew.css");
const JS: &str = include_str!("../../../../static/crew.js");

pub fn routes(cfg: &mut web::ServiceConfig, config: CrewConfig, doors: &Doors) {
    let d = doors.under("/crew");
    let (get, post) = (Method::GET, Method::POST);
    let signed = Access::SignedIn;
    // The forms with photos are multipart: a guarded route before the plain one, which records
    // the door they share.
    cfg.service(
        kummerer_web::signin::routes::<auth::CrewAccounts>(web::scope("/crew"), config, &d)
            .app_data(web::FormConfig::default().limit(16 * 1024))
            .door(&d, get.clone(), "", signed, today::today)
            .door(&d, get.clone(), "/crew.css", Access::Open, css)
            .door(&d, get.clone(), "/crew.js", Access::Open, js)
            .door(&d, post.clone(), "/language", signed, language::switch)
            .door(&d, get.clone(), "/visits/{id}", signed, visit::visit)
            .route(
                "/visits/{id}/complete",
                web::post()
                    .guard(guard::fn_guard(is_multipart))
                    .to(complete::complete_with_photos),
            )
            .door(
                &d,
                post.clone(),
                "/visits/{id}/complete",
                signed,
                complete::complete,
            )
            .door(
                &d,
                post.clone(),
                "/visits/{id}/on-the-way",
                signed,
                steps::on_the_way,
            )
            .route(
                "/visits/{id}/delivered",
                web::post()
                    .guard(guard::fn_guard(is_multipart))
                    .to(steps::delivered_with_photo),
            )
            .door(
                &d,
                post.clone(),
                "/visits/{id}/delivered",
                signed,
                steps::delivered,
            )
            .route(
                "/visits/{id}/collected",
                web::post()
                    .guard(guard::fn_guard(is_multipart))
                    .to(steps::collected_with_photo),
            )
            .door(
                &d,
                post.clone(),
                "/visits/{id}/collected",
                signed,
                steps::collected,
            )
            .door(
                &d,
                get,
                "/visits/{id}/photos/{photo_id}",
                signed,
                photo::photo,
            )
            .door(&d, post, "/visits/{id}/fail", signed, steps::fail),
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

/// The visit page's small script (barcode scanning where the browser can): a static file, so
/// the strict CSP needs no inline script.
async fn js() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(JS)
}

pub use kummerer_web::{render, render_status, see_other};

/// A page with a title and a text (both already in the reader's language).
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

pub fn not_found(tr: &Tr) -> Result<HttpResponse, Problem> {
    message_page(
        tr,
        StatusCode::NOT_FOUND,
        &tr.t("not-found"),
        &tr.t("crew-not-found-text"),
    )
}

/// The `{id}` of a visit in the path, parsed once.
pub type VisitPath = super::PathId<JobId>;

pub use super::Errors;

#[derive(Template)]
#[template(path = "crew/sign_in.html")]
pub struct SignIn {
    pub tr: Tr,
    pub email: String,
    pub message: Option<String>,
}

#[derive(Template)]
#[template(path = "crew/message.html")]
pub struct Message {
    pub tr: Tr,
    pub title: String,
    pub text: String,
}
