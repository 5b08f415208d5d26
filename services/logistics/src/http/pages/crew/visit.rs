//! `GET /crew/visits/{id}`: one visit with its forms, and the page again after a refused form.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use kummerer_contracts::ids::JobId;
use kummerer_service::Problem;
use sea_orm::DatabaseConnection;
use serde::Deserialize;

use super::auth::{CrewMember, Signed};
use super::rows::{Me, PhotoRow, REASONS, VisitRow, me_of};
use super::{Errors, VisitPath, not_found, render, render_status};
use crate::app::visits::{Step, StepError, mismatch_advice, step_message};
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
    pub me: Me,
    pub visit: VisitRow,
    pub notice: Option<String>,
    /// Which form the errors are about: `on_the_way`, `delivered`, `collected`, `complete` or
    /// `fail`.
    pub errors_of: &'static str,
    /// The collected serial differs and the crew may confirm it (the checkbox shows).
    pub ask_mismatch: bool,
    pub etas: Vec<(&'static str, &'static str)>,
    pub errors: Errors,
    pub form: VisitForm,
    pub reasons: Vec<(&'static str, &'static str, bool)>,
    pub photos: Vec<PhotoRow>,
}

impl Visit {
    fn new(me: Me, job: jobs::Model) -> Visit {
        Visit {
            me,
            visit: VisitRow::from(job),
            notice: None,
            errors_of: "",
            ask_mismatch: false,
            etas: ETAS.to_vec(),
            errors: Errors::default(),
            form: VisitForm::default(),
            reasons: Vec::new(),
            photos: Vec::new(),
        }
        .with_reasons()
    }

    fn with_reasons(mut self) -> Visit {
        self.reasons = REASONS
            .iter()
            .map(|(v, l)| (*v, *l, self.form.reason == *v))
            .collect();
        self
    }
}

/// The choices of the *on the way* estimate: minutes, label.
pub const ETAS: [(&str, &str); 7] = [
    ("", "No estimate"),
    ("15", "about 15 minutes"),
    ("30", "about 30 minutes"),
    ("45", "about 45 minutes"),
    ("60", "about 1 hour"),
    ("90", "about 1½ hours"),
    ("120", "about 2 hours"),
];

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

pub fn step_param(step: Step) -> &'static str {
    match step {
        Step::OnTheWay => "on-the-way",
        Step::Delivered => "step-delivered",
        Step::Collected => "step-collected",
    }
}

/// The confirmation after a redirect (what was saved, or that nothing changed).
fn notice(query: &VisitQuery, job: &jobs::Model) -> Option<String> {
    if let Some(step) = step_of(&query.again) {
        return Some(step_message(step, false, job));
    }
    match query.saved.as_str() {
        "delivered" => Some("Saved: delivered and collected.".to_owned()),
        "failed" => Some(failure_notice(job)),
        other => step_of(other).map(|step| step_message(step, true, job)),
    }
}

/// What a failed attempt led to: a revisit (the job is scheduled again, on its new day) or the
/// dispatcher's turn.
fn failure_notice(job: &jobs::Model) -> String {
    if job.status == JobStatus::Scheduled {
        format!(
            "Saved: failed attempt. The visit is rescheduled to {}, {}–{} UTC.",
            job.window_start.format("%A %Y-%m-%d"),
            job.window_start.format("%H:%M"),
            job.window_end.format("%H:%M"),
        )
    } else {
        "Saved: failed attempt. The dispatcher will reschedule.".to_owned()
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
    let Some(job) = job_of_crew(db, &signed, path).await? else {
        return not_found();
    };
    let photos = job_photos::of_job(db, job.id).await?;
    let job_again = job.clone();
    let mut page = Visit::new(me_of(db, &signed).await?, job);
    page.photos = photos.into_iter().map(PhotoRow::from).collect();
    page.notice = notice(&query, &job_again);
    render(&page)
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
    pub fn invalid(e: crate::app::Invalid) -> Refusal {
        Refusal::form(StatusCode::UNPROCESSABLE_ENTITY, Errors::of_invalid(e))
    }

    /// A collected serial that is not the case's, not confirmed: the question, with the box
    /// to confirm it (422).
    pub fn mismatch(m: &UnconfirmedMismatch) -> Refusal {
        let mut errors = Errors::of_fields([("collected_serial".to_owned(), mismatch_advice(m))]);
        errors.general = Some(
            "The serial you entered is not the one the case names. Check the unit again; if it \
             really is this serial, tick the box to record it (it will be flagged)."
                .to_owned(),
        );
        Refusal::Form {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            errors,
            ask_mismatch: true,
        }
    }

    /// What the page shows for a step, completion or failed attempt that was not recorded; a
    /// failure of ours is an error (`Err`), not a form error.
    pub fn of_step(e: StepError) -> Result<Refusal, Problem> {
        Ok(match e {
            StepError::NotFound => Refusal::NotFound,
            StepError::Refused {
                reason: TransitionError::AlreadyCompleted,
                ..
            } => Refusal::AlreadyCompleted,
            StepError::Refused {
                reason: TransitionError::PartlyRecorded | TransitionError::Cancelled,
                ..
            }
            | StepError::Busy(_) => {
                Refusal::form(StatusCode::CONFLICT, Errors::general(e.to_string()))
            }
            StepError::SerialMismatch(m) => Refusal::mismatch(&m),
            StepError::Db(e) if crate::app::unstorable(&e) => Refusal::form(
                StatusCode::UNPROCESSABLE_ENTITY,
                Errors::general("text must not contain NUL characters"),
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
    let Some(job) = job_of_crew(db, signed, super::super::PathId(Some(id))).await? else {
        return not_found();
    };
    let mut page = Visit::new(me_of(db, signed).await?, job);
    page.form = form;
    page = page.with_reasons();
    let status = match refusal {
        Refusal::NotFound => return not_found(),
        Refusal::AlreadyCompleted => {
            page.notice = Some("This visit is already completed: nothing was changed.".to_owned());
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
            status
        }
    };
    render_status(status, &page)
}
