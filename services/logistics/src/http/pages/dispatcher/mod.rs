//! The dispatcher's pages (`/dispatch`): desk-sized, server-rendered (askama templates compiled
//! in), plain forms that work without JavaScript, one small stylesheet served from here, a
//! strict CSP.
//!
//! A dispatcher signs in with an account of one carrier and sees only that carrier: its board
//! (every crew's jobs of a day, and the unassigned jobs in the regions the operator granted it), its crews' days, and
//! the jobs it may see; another carrier's job or crew answers the same 404 page as an unknown
//! one. Reassigning and rescheduling call the same [`crate::http::dispatch::reassign`] and
//! [`crate::http::dispatch::reschedule_job`] as the JSON API. Every POST carries the session's
//! CSRF token (else 403).

pub mod auth;
pub mod pages;
pub mod returns;

use actix_web::http::{Method, StatusCode};
use actix_web::{HttpResponse, web};
use askama::Template;
use kummerer_service::Problem;
use kummerer_web::doors::{Access, Doors, DoorsExt};
use kummerer_web::i18n::{Lang, Tr};
use kummerer_web::signin::PageConfig;
use uuid::Uuid;

use crate::http::crew::Errors;

pub use kummerer_web::{render, render_status};

const CSS: &str = include_str!("../../../../static/dispatch.css");

pub fn routes(cfg: &mut web::ServiceConfig, config: PageConfig, doors: &Doors) {
    let d = doors.under("/dispatch");
    let (get, post) = (Method::GET, Method::POST);
    let signed = Access::SignedIn;
    cfg.service(
        kummerer_web::signin::routes::<auth::DispatcherAccounts>(
            web::scope("/dispatch"),
            config,
            &d,
        )
        .app_data(web::FormConfig::default().limit(16 * 1024))
        .door(&d, get.clone(), "", signed, pages::board)
        .door(&d, get.clone(), "/dispatch.css", Access::Open, css)
        .door(&d, post.clone(), "/language", signed, pages::language)
        .door(&d, get.clone(), "/crews/{id}", signed, pages::crew)
        .door(&d, get, "/jobs/{id}", signed, pages::job)
        .door(&d, post.clone(), "/jobs/{id}/assign", signed, pages::assign)
        .door(
            &d,
            post.clone(),
            "/jobs/{id}/reschedule",
            signed,
            pages::reschedule,
        )
        .door(&d, Method::GET, "/returns", signed, returns::page)
        .door(&d, post, "/returns/{id}/take", signed, returns::take),
    );
}

async fn css() -> HttpResponse {
    kummerer_web::stylesheet(CSS)
}

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

/// The 404 page; `text` is the key of what is not found (`dispatch-not-found-job`, …).
pub fn not_found(tr: &Tr, text: &str) -> Result<HttpResponse, Problem> {
    message_page(tr, StatusCode::NOT_FOUND, &tr.t("not-found"), &tr.t(text))
}

// --- templates ----------------------------------------------------------------------------------

/// Who is signed in, for the page header and the sign-out form.
#[derive(Debug, Clone)]
pub struct Me {
    pub name: String,
    pub carrier: String,
    pub csrf: String,
    /// The dispatcher's language and time zone.
    pub tr: Tr,
    /// The languages of the switch.
    pub langs: [Lang; 2],
}

/// A job in a table of the board or of a crew's day.
#[derive(Debug, Clone)]
pub struct JobRow {
    pub id: Uuid,
    pub position: String,
    pub window: String,
    pub customer: String,
    pub place: String,
    pub deliver: String,
    pub status: String,
    pub status_label: String,
    /// Who must act next and by when (`holder · due`), empty once completed.
    pub due: String,
    /// The wait that ran out, if one did (`window_passed`, …).
    pub overdue: Option<String>,
    /// The customer's answer from the status page, in words (empty: none).
    pub answer: String,
    pub not_home: bool,
}

/// A crew on the board.
#[derive(Debug, Clone)]
pub struct CrewBlock {
    pub id: Uuid,
    pub name: String,
    /// `3 / 5 visits`.
    pub load: String,
    pub active: bool,
    pub jobs: Vec<JobRow>,
}

#[derive(Template)]
#[template(path = "dispatch/board.html")]
pub struct Board {
    pub tr: Tr,
    pub me: Me,
    pub date: String,
    pub date_text: String,
    pub prev: String,
    pub prev_text: String,
    pub next: String,
    pub next_text: String,
    pub crews: Vec<CrewBlock>,
    pub unassigned: Vec<JobRow>,
    /// Every overdue job of the carrier, of any day, at the top of the board.
    pub overdue: Vec<JobRow>,
}

#[derive(Template)]
#[template(path = "dispatch/crew.html")]
pub struct CrewDay {
    pub tr: Tr,
    pub me: Me,
    pub date: String,
    pub date_text: String,
    pub name: String,
    /// `3 / 5 visits · regions 10, 12`.
    pub hint: String,
    pub active: bool,
    pub jobs: Vec<JobRow>,
}

/// One job as its page shows it.
#[derive(Debug, Clone)]
pub struct JobDetail {
    pub id: Uuid,
    pub customer: String,
    pub status: String,
    pub attempts: i32,
    pub completed: bool,
    /// The visit day (`YYYY-MM-DD`, as the board's links name it) and in words.
    pub date: String,
    pub date_text: String,
    /// The window's local day and times for the reschedule form (`YYYY-MM-DD`, `HH:MM`).
    pub local_date: String,
    pub window: String,
    pub start: String,
    pub end: String,
    pub position: Option<i32>,
    pub street: String,
    pub place: String,
    pub phone: String,
    pub deliver: String,
    pub collect: String,
}

/// A crew to reassign to.
#[derive(Debug, Clone)]
pub struct CrewOption {
    pub id: Uuid,
    pub name: String,
    pub selected: bool,
}

/// An entry of a job's history.
#[derive(Debug, Clone)]
pub struct HistoryRow {
    pub at: String,
    pub kind: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "dispatch/job.html")]
pub struct JobPage {
    pub tr: Tr,
    pub me: Me,
    pub job: JobDetail,
    pub crew_name: String,
    pub crews: Vec<CrewOption>,
    pub history: Vec<HistoryRow>,
    pub notice: Option<String>,
    pub errors: Errors,
}

#[derive(Template)]
#[template(path = "dispatch/sign_in.html")]
pub struct SignIn {
    pub tr: Tr,
    pub email: String,
    pub message: Option<String>,
}

#[derive(Template)]
#[template(path = "dispatch/message.html")]
pub struct Message {
    pub tr: Tr,
    pub title: String,
    pub text: String,
}
