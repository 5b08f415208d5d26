//! `GET /crew/visits/{id}`: one visit with its forms, and the page again after a refused form.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use kummerer_contracts::ids::JobId;
use kummerer_service::Problem;
use kummerer_web::i18n::{Lang, Tr};
use sea_orm::DatabaseConnection;
use serde::Deserialize;

use super::auth::{CrewMember, Signed};
use super::rows::{Me, PhotoRow, REASONS, VisitRow, me_of, retailer_names};
use super::{Errors, VisitPath, not_found, render, render_status};
use crate::app::visits::{Step, StepError};
use crate::db::{self, job_photos, jobs};
use crate::domain::{JobStatus, TransitionError, UnconfirmedMismatch};

/// What the forms were filled with (to show them again with the errors).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct VisitForm {
    pub csrf: String,
    pub delivered_serial: String,
    pub collected_serial: String,
    pub recipient_name: String,
    pub reason: String,
    pub note: String,
    /// *On the way*: arriving in about this many minutes (empty: no estimate).
    pub eta_minutes: String,
    /// *Collected*: the crew confirms a serial that is not the case's (`"yes"`).
    pub confirm_mismatch: String,
}

#[derive(Template)]
#[template(path = "crew/visit.html")]
pub struct Visit {
    pub tr: Tr,
    pub langs: [Lang; 2],
    pub me: Me,
    pub visit: VisitRow,
    pub notice: Option<String>,
    /// Which form the errors are about: `on_the_way`, `delivered`, `collected`, `complete` or
    /// `fail`.
    pub errors_of: &'static str,
    /// The collected serial differs and the crew may confirm it (the checkbox shows).
    pub ask_mismatch: bool,
    pub etas: Vec<(&'static str, String)>,
    pub errors: Errors,
    pub form: VisitForm,
    pub reasons: Vec<(&'static str, String, bool)>,
    pub photos: Vec<PhotoRow>,
    /// The step whose form shows (`on_the_way`, `delivered`, `collected`); empty when none is
    /// left (a completed or cancelled visit).
    pub current: &'static str,
    /// The id of its card (`on-the-way`, `delivered`, `collected`).
    pub current_id: &'static str,
    /// "Step 2 of 3".
    pub step_of: String,
    /// Each step's class on the progress bar: `done`, `current` or empty.
    pub progress: Vec<&'static str>,
    /// The flag on a collected serial that is not the case's, in words.
    pub serial_flag: String,
}

/// The steps of a visit, in order.
const STEPS: [Step; 3] = [Step::OnTheWay, Step::Delivered, Step::Collected];

impl Visit {
    fn new(me: Me, job: jobs::Model, tr: Tr, retailer: Option<&str>) -> Visit {
        let visit = VisitRow::new(job, &tr, retailer);
        let serial_flag = tr.targs(
            "crew-serial-flag",
            &[
                (
                    "collected",
                    &visit.collected_serial as &dyn std::fmt::Display,
                ),
                ("expected", &visit.collect_serial),
            ],
        );
        Visit {
            langs: Lang::ALL,
            me,
            visit,
            notice: None,
            errors_of: "",
            ask_mismatch: false,
            etas: etas(&tr),
            errors: Errors::default(),
            form: VisitForm::default(),
            reasons: Vec::new(),
            photos: Vec::new(),
            current: "",
            current_id: "",
            step_of: String::new(),
            progress: Vec::new(),
            serial_flag,
            tr,
        }
        .at_step(None)
        .with_reasons()
    }

    /// The step whose form shows: the first not done, or `shown` (the form just refused, to
    /// show it again with its errors) while it is not done.
    fn at_step(mut self, shown: Option<Step>) -> Visit {
        let v = &self.visit;
        let done = |step: Step| match step {
            // Setting off is behind the crew once either unit has changed hands.
            Step::OnTheWay => v.on_the_way || v.delivered || v.collected,
            Step::Delivered => v.delivered,
            Step::Collected => v.collected,
        };
        let current = shown
            .filter(|s| !done(*s))
            .or_else(|| STEPS.iter().copied().find(|s| !done(*s)))
            .filter(|_| v.open);
        let step_n = current
            .and_then(|c| STEPS.iter().position(|s| *s == c))
            .map(|i| i + 1)
            .unwrap_or(STEPS.len());
        self.progress = STEPS
            .iter()
            .map(|s| {
                if Some(*s) == current {
                    "current"
                } else if done(*s) {
                    "done"
                } else {
                    ""
                }
            })
            .collect();
        self.current = current.map(Step::as_str).unwrap_or("");
        self.current_id = current.map(card_id).unwrap_or("");
        self.step_of = self.tr.targs(
            "crew-step-of",
            &[
                ("n", &step_n as &dyn std::fmt::Display),
                ("total", &STEPS.len()),
            ],
        );
        self
    }

    fn with_reasons(mut self) -> Visit {
        let tr = self.tr;
        self.reasons = REASONS
            .iter()
            .map(|r| {
                (
                    r.as_str(),
                    tr.code("failure-reason", r.as_str()),
                    self.form.reason == r.as_str(),
                )
            })
            .collect();
        self
    }
}

/// The choices of the *on the way* estimate, in minutes (empty: no estimate).
pub const ETAS: [&str; 7] = ["", "15", "30", "45", "60", "90", "120"];

/// The estimates with their labels.
fn etas(tr: &Tr) -> Vec<(&'static str, String)> {
    ETAS.iter()
        .map(|m| {
            let label = match *m {
                "" => tr.t("crew-eta-none"),
                "60" => tr.t("crew-eta-hour"),
                "90" => tr.t("crew-eta-hour-half"),
                "120" => tr.ta("crew-eta-hours", "hours", 2),
                m => tr.ta("crew-eta-minutes", "minutes", m),
            };
            (*m, label)
        })
        .collect()
}

/// The job if it is on the member's crew.
pub async fn job_of_crew(
    db: &DatabaseConnection,
    signed: &Signed,
    id: VisitPath,
) -> Result<Option<jobs::Model>, Problem> {
    let super::super::PathId(Some(id)) = id else {
        return Ok(None);
    };
    if !super::rows::crew_active(db, signed).await? {
        return Ok(None);
    }
    Ok(db::jobs::find(db, id.0)
        .await?
        .filter(|j| j.crew_id == Some(signed.member.crew_id)))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct VisitQuery {
    /// What was just saved: `delivered` (both at once), `failed`, or a step.
    pub saved: String,
    /// A step that had been recorded before (a double tap): nothing changed.
    pub again: String,
}

fn step_of(s: &str) -> Option<Step> {
    match s {
        "on-the-way" => Some(Step::OnTheWay),
        "step-delivered" => Some(Step::Delivered),
        "step-collected" => Some(Step::Collected),
        _ => None,
    }
}

/// The id of a step's card on the page.
fn card_id(step: Step) -> &'static str {
    match step {
        Step::OnTheWay => "on-the-way",
        Step::Delivered => "delivered",
        Step::Collected => "collected",
    }
}

pub fn step_param(step: Step) -> &'static str {
    match step {
        Step::OnTheWay => "on-the-way",
        Step::Delivered => "step-delivered",
        Step::Collected => "step-collected",
    }
}

/// The confirmation after a redirect (what was saved, or that nothing changed).
fn notice(tr: &Tr, query: &VisitQuery, job: &jobs::Model) -> Option<String> {
    if let Some(step) = step_of(&query.again) {
        return Some(step_notice(tr, step, false, job));
    }
    match query.saved.as_str() {
        "delivered" => Some(tr.t("crew-saved-both")),
        "failed" => Some(failure_notice(tr, job)),
        other => step_of(other).map(|step| step_notice(tr, step, true, job)),
    }
}

/// What recording `step` did to `job` (as it is now), in the reader's words (the page's
/// counterpart of [`crate::app::visits::step_message`]).
pub fn step_notice(tr: &Tr, step: Step, recorded: bool, job: &jobs::Model) -> String {
    let again = |plain: &str, with_time: &str, at: Option<chrono::DateTime<chrono::Utc>>| match at {
        Some(at) => tr.ta(with_time, "at", tr.time(at)),
        None => tr.t(plain),
    };
    let completed = job.status == JobStatus::Completed;
    match (step, recorded) {
        (Step::OnTheWay, true) => tr.t("crew-saved-on-the-way"),
        (Step::OnTheWay, false) => again(
            "crew-again-on-the-way",
            "crew-again-on-the-way-at",
            job.on_the_way_at,
        ),
        (Step::Delivered, false) => again(
            "crew-again-delivered",
            "crew-again-delivered-at",
            job.delivered_at,
        ),
        (Step::Collected, false) => again(
            "crew-again-collected",
            "crew-again-collected-at",
            job.collected_at,
        ),
        (Step::Delivered, true) if completed => tr.t("crew-saved-delivered-done"),
        (Step::Collected, true) if completed => tr.t("crew-saved-collected-done"),
        (Step::Delivered, true) => tr.t("crew-saved-delivered"),
        (Step::Collected, true) => tr.t("crew-saved-collected"),
    }
}

/// What a failed attempt led to: a revisit (the job is scheduled again, on its new day, in
/// local time) or the dispatcher's turn.
fn failure_notice(tr: &Tr, job: &jobs::Model) -> String {
    if job.status == JobStatus::Scheduled {
        tr.ta(
            "crew-saved-failed-revisit",
            "window",
            tr.window(job.window_start, job.window_end),
        )
    } else {
        tr.t("crew-saved-failed-dispatcher")
    }
}

/// `GET /crew/visits/{id}`: one visit with its forms; another crew's visit → 404 page.
pub async fn visit(
    CrewMember(signed): CrewMember,
    db: web::Data<DatabaseConnection>,
    path: VisitPath,
    query: web::Query<VisitQuery>,
) -> Result<HttpResponse, Problem> {
    let db = db.get_ref();
    let tr = signed.tr;
    let Some(job) = job_of_crew(db, &signed, path).await? else {
        return not_found(&tr);
    };
    let photos = job_photos::of_job(db, job.id).await?;
    let job_again = job.clone();
    let page = visit_page(db, &signed, job).await?;
    let mut page = page;
    page.photos = photos.into_iter().map(|p| PhotoRow::new(p, &tr)).collect();
    page.notice = notice(&tr, &query, &job_again);
    with_script(render(&page)?)
}

/// The visit page of `job` for the signed-in member.
async fn visit_page(
    db: &DatabaseConnection,
    signed: &Signed,
    job: jobs::Model,
) -> Result<Visit, Problem> {
    let retailers = retailer_names(db, signed, std::slice::from_ref(&job)).await?;
    let retailer = retailers.get(&job.retailer_id).map(String::as_str);
    let answer = db::customer_answers::of_job(db, job.id).await?;
    let mut page = Visit::new(me_of(db, signed).await?, job.clone(), signed.tr, retailer);
    page.visit = page.visit.with_answer(answer.as_ref(), &signed.tr);
    Ok(page)
}

/// The visit page's CSP: the strict one, plus our own script (barcode scanning).
pub const VISIT_CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
    script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

fn with_script(mut res: HttpResponse) -> Result<HttpResponse, Problem> {
    res.headers_mut().insert(
        actix_web::http::header::CONTENT_SECURITY_POLICY,
        actix_web::http::header::HeaderValue::from_static(VISIT_CSP),
    );
    Ok(res)
}

/// Why a form of the visit page was refused, as the page shows it.
#[derive(Debug)]
pub enum Refusal {
    /// No such visit for the crew: the 404 page.
    NotFound,
    /// The visit is already completed: a notice, nothing changed (409).
    AlreadyCompleted,
    /// The form again with its errors, and the status to answer with.
    Form {
        status: StatusCode,
        errors: Errors,
        /// The collected serial is not the case's: the box to confirm it shows.
        ask_mismatch: bool,
    },
}

impl Refusal {
    /// The form again with `errors`.
    pub fn form(status: StatusCode, errors: Errors) -> Refusal {
        Refusal::Form {
            status,
            errors,
            ask_mismatch: false,
        }
    }

    /// Input that did not pass the checks (422).
    pub fn invalid(tr: &Tr, e: crate::app::Invalid) -> Refusal {
        Refusal::form(StatusCode::UNPROCESSABLE_ENTITY, Errors::of_invalid(tr, e))
    }

    /// A collected serial that is not the case's, not confirmed: the question, with the box
    /// to confirm it (422).
    pub fn mismatch(tr: &Tr, m: &UnconfirmedMismatch) -> Refusal {
        let advice = tr.targs(
            "crew-mismatch-field",
            &[
                ("collected", &m.collected as &dyn std::fmt::Display),
                ("expected", &m.expected),
            ],
        );
        let mut errors = Errors::of_fields(tr, [("collected_serial".to_owned(), advice)]);
        errors.general = Some(tr.t("crew-mismatch"));
        Refusal::Form {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            errors,
            ask_mismatch: true,
        }
    }

    /// What the page shows for a step, completion or failed attempt that was not recorded; a
    /// failure of ours is an error (`Err`), not a form error.
    pub fn of_step(tr: &Tr, e: StepError) -> Result<Refusal, Problem> {
        let conflict = |key: &str| Refusal::form(StatusCode::CONFLICT, Errors::general(tr.t(key)));
        Ok(match e {
            StepError::NotFound => Refusal::NotFound,
            StepError::Refused {
                reason: TransitionError::AlreadyCompleted,
                ..
            } => Refusal::AlreadyCompleted,
            StepError::Refused {
                reason: TransitionError::PartlyRecorded,
                ..
            } => conflict("crew-refused-partly"),
            StepError::Refused {
                reason: TransitionError::Cancelled,
                ..
            } => conflict("crew-refused-cancelled"),
            StepError::Busy(_) => conflict("crew-refused-busy"),
            StepError::SerialMismatch(m) => Refusal::mismatch(tr, &m),
            StepError::Db(e) if crate::app::unstorable(&e) => Refusal::form(
                StatusCode::UNPROCESSABLE_ENTITY,
                Errors::general(tr.t("text-nul")),
            ),
            StepError::Db(e) => return Err(e.into()),
        })
    }
}

/// The visit page again after a refused form: the errors, what was typed, the right status.
pub async fn visit_again(
    db: &DatabaseConnection,
    signed: &Signed,
    id: JobId,
    which: &'static str,
    form: VisitForm,
    refusal: Refusal,
) -> Result<HttpResponse, Problem> {
    let tr = signed.tr;
    let Some(job) = job_of_crew(db, signed, super::super::PathId(Some(id))).await? else {
        return not_found(&tr);
    };
    let mut page = visit_page(db, signed, job).await?;
    page.form = form;
    page = page.with_reasons();
    let status = match refusal {
        Refusal::NotFound => return not_found(&tr),
        Refusal::AlreadyCompleted => {
            page.notice = Some(tr.t("crew-already-completed"));
            StatusCode::CONFLICT
        }
        Refusal::Form {
            status,
            errors,
            ask_mismatch,
        } => {
            page.errors_of = which;
            page.errors = errors;
            page.ask_mismatch = ask_mismatch;
            let shown = STEPS.iter().copied().find(|s| s.as_str() == which);
            page = page.at_step(shown);
            status
        }
    };
    with_script(render_status(status, &page)?)
}
