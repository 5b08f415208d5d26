//! The dispatcher's pages: the board of a day, a crew's day, a job with its two forms
//! (*reassign*, *reschedule*). Every query is scoped to the signed-in dispatcher's carrier.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::error::InternalError;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use chrono::{DateTime, Days, NaiveDate, NaiveTime, Utc};
use kummerer_contracts::ids::{CarrierId, CrewId, JobId};
use kummerer_service::Problem;
use kummerer_web::see_other;
use kummerer_web::signin::{self, Signed};
use sea_orm::DatabaseConnection;
use serde::Deserialize;

use super::super::{Errors, PathId};
use super::auth::DispatcherAccounts;
use super::{
    Board, CrewBlock, CrewDay, CrewOption, HistoryRow, JobDetail, JobPage, JobRow, Me, not_found,
    render, render_status,
};
use crate::app::Invalid;
use crate::app::dispatch::{self as app, DispatchError};
use crate::db::{self, dispatch, dispatchers};
use crate::domain::JobStatus;
use crate::http::view::{DispatchDay, JobView};

type Dispatcher = Signed<dispatchers::Model>;

async fn me_of(db: &DatabaseConnection, s: &Dispatcher) -> Result<Me, Problem> {
    let carrier = crate::db::carriers::find(db, s.account.carrier_id)
        .await?
        .map(|c| c.name)
        .unwrap_or_default();
    Ok(Me {
        name: s.account.name.clone(),
        carrier,
        csrf: s.csrf.clone(),
    })
}

/// The signed-in dispatcher with the page header, as an extractor: without a live session the
/// request is answered with the redirect to the sign-in page before the handler runs.
pub struct SignedDispatcher(pub Dispatcher, pub Me);

impl FromRequest for SignedDispatcher {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let db = req
                .app_data::<web::Data<DatabaseConnection>>()
                .ok_or_else(|| Problem::internal("no database connection registered"))?;
            let Some(s) = signin::signed_in::<DispatcherAccounts>(&req, db.get_ref())
                .await
                .map_err(Problem::from)?
            else {
                return Err(InternalError::from_response(
                    "not signed in",
                    see_other("/dispatch/sign-in"),
                )
                .into());
            };
            let me = me_of(db.get_ref(), &s).await?;
            Ok(SignedDispatcher(s, me))
        })
    }
}

fn carrier_of(s: &Dispatcher) -> CarrierId {
    CarrierId(s.account.carrier_id)
}

fn row(j: &JobView) -> JobRow {
    JobRow {
        id: j.id,
        position: j.position.map(|p| p.to_string()).unwrap_or_default(),
        window: window_text(j.window.start, j.window.end),
        customer: j.address.name.clone(),
        place: format!("{} {}", j.address.postcode, j.address.city),
        deliver: j.deliver_name.clone(),
        status: j.status.clone(),
        due: match (&j.holder, j.due_at) {
            (Some(holder), Some(at)) => format!("{holder} · {}", at.format("%Y-%m-%d %H:%M")),
            _ => String::new(),
        },
        overdue: j.overdue.clone(),
    }
}

fn window_text(start: DateTime<Utc>, end: DateTime<Utc>) -> String {
    format!("{}–{}", start.format("%H:%M"), end.format("%H:%M"))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DayQuery {
    pub date: String,
    pub done: String,
}

/// The day of `?date=YYYY-MM-DD`; today (UTC) when there is none or it is no date.
fn day_of(q: &DayQuery) -> NaiveDate {
    NaiveDate::parse_from_str(q.date.trim(), "%Y-%m-%d").unwrap_or_else(|_| Utc::now().date_naive())
}

/// `GET /dispatch?date=YYYY-MM-DD`: every crew of the carrier with its jobs of the day in order,
/// and the unassigned jobs in the carrier's regions.
pub async fn board(
    SignedDispatcher(s, me): SignedDispatcher,
    db: web::Data<DatabaseConnection>,
    query: web::Query<DayQuery>,
) -> Result<HttpResponse, Problem> {
    let date = day_of(&query);
    let day = match app::board(db.get_ref(), carrier_of(&s), date).await {
        Ok(board) => DispatchDay::from(board),
        Err(DispatchError::NotFound(what)) => return not_found(what),
        // The database away: 503 with Retry-After (a page saying so), not a 500.
        Err(DispatchError::Db(e)) => return Err(e.into()),
        Err(e) => return Err(Problem::internal(e)),
    };
    let overdue = crate::db::overdue::of_carrier(
        db.get_ref(),
        s.account.carrier_id,
        Utc::now(),
        &crate::app::overdue::thresholds(),
    )
    .await?
    .into_iter()
    .map(|j| row(&JobView::new(j, None)))
    .collect();
    let around = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    render(&Board {
        overdue,
        me,
        date: date.to_string(),
        prev: around(date.checked_sub_days(Days::new(1))),
        next: around(date.checked_add_days(Days::new(1))),
        crews: day
            .crews
            .iter()
            .map(|c| CrewBlock {
                id: c.crew.id,
                name: c.crew.name.clone(),
                capacity: c.crew.visits_per_day,
                active: c.crew.active,
                jobs: c.jobs.iter().map(row).collect(),
            })
            .collect(),
        unassigned: day.unassigned.iter().map(row).collect(),
    })
}

/// `GET /dispatch/crews/{id}?date=`: one crew's day; another carrier's crew is not found.
pub async fn crew(
    SignedDispatcher(s, me): SignedDispatcher,
    db: web::Data<DatabaseConnection>,
    path: PathId<CrewId>,
    query: web::Query<DayQuery>,
) -> Result<HttpResponse, Problem> {
    let PathId(Some(id)) = path else {
        return not_found("crew");
    };
    let Some(crew) = dispatch::find_crew_of(db.get_ref(), s.account.carrier_id, id.0).await? else {
        return not_found("crew");
    };
    let date = day_of(&query);
    let jobs = dispatch::crew_day(db.get_ref(), id.0, date)
        .await?
        .into_iter()
        .map(|j| row(&JobView::new(j, None)))
        .collect();
    render(&CrewDay {
        me,
        date: date.to_string(),
        name: crew.name,
        capacity: crew.visits_per_day,
        regions: crew.home_postcode_prefixes.join(", "),
        active: crew.active,
        jobs,
    })
}

/// The job's page with a notice or the errors of a form, or the 404 page.
async fn job_page(
    db: &DatabaseConnection,
    s: &Dispatcher,
    me: Me,
    id: JobId,
    status: StatusCode,
    notice: Option<String>,
    errors: Errors,
) -> Result<HttpResponse, Problem> {
    let carrier_id = s.account.carrier_id;
    let Some(job) = app::visible_job(db, carrier_of(s), id).await? else {
        return not_found("job");
    };
    let crews = dispatch::crews_of(db, carrier_id).await?;
    let crew_name = crews
        .iter()
        .find(|c| Some(c.id) == job.crew_id)
        .map(|c| c.name.clone())
        .unwrap_or_else(|| "unassigned".to_owned());
    let options: Vec<CrewOption> = crews
        .iter()
        .filter(|c| c.active && Some(c.id) != job.crew_id)
        .enumerate()
        .map(|(i, c)| CrewOption {
            id: c.id,
            name: c.name.clone(),
            selected: i == 0,
        })
        .collect();
    let history = db::job_events::of_job(db, id.0)
        .await?
        .into_iter()
        .map(|e| HistoryRow {
            at: e.occurred_at.format("%Y-%m-%d %H:%M").to_string(),
            reason: e.details["reason"].as_str().unwrap_or_default().to_owned(),
            kind: e.kind,
        })
        .collect();
    let completed = matches!(job.status, JobStatus::Completed | JobStatus::Cancelled);
    let detail = JobDetail {
        id: job.id,
        customer: job.address_name.clone(),
        status: job.status.as_string(),
        attempts: job.attempts,
        completed,
        date: dispatch::day_of(&job).to_string(),
        window: window_text(job.window_start, job.window_end),
        start: job.window_start.format("%H:%M").to_string(),
        end: job.window_end.format("%H:%M").to_string(),
        position: job.position,
        street: job.address_street,
        place: format!("{} {}", job.address_postcode, job.address_city),
        phone: job.address_phone,
        deliver: format!("{} ({})", job.deliver_name, job.deliver_sku),
        collect: format!("{}, serial {}", job.collect_sku, job.collect_serial),
    };
    render_status(
        status,
        &JobPage {
            me,
            job: detail,
            crew_name,
            crews: options,
            history,
            notice,
            errors,
        },
    )
}

/// `GET /dispatch/jobs/{id}`: the job, its history and the two forms.
pub async fn job(
    SignedDispatcher(s, me): SignedDispatcher,
    db: web::Data<DatabaseConnection>,
    path: PathId<JobId>,
    query: web::Query<DayQuery>,
) -> Result<HttpResponse, Problem> {
    let PathId(Some(id)) = path else {
        return not_found("job");
    };
    let notice = match query.done.as_str() {
        "reassigned" => Some("Reassigned.".to_owned()),
        "rescheduled" => Some("Rescheduled: the retailer learns the new window.".to_owned()),
        _ => None,
    };
    job_page(
        db.get_ref(),
        &s,
        me,
        id,
        StatusCode::OK,
        notice,
        Errors::default(),
    )
    .await
}

/// What a refused action shows: the 404 page, or the job's page with the form's errors (a
/// failure of ours stays an error).
async fn refused(
    db: &DatabaseConnection,
    s: &Dispatcher,
    id: JobId,
    e: DispatchError,
) -> Result<HttpResponse, Problem> {
    let (status, errors) = match e {
        DispatchError::NotFound(_) => return not_found("job or crew"),
        DispatchError::Invalid(i) => (StatusCode::UNPROCESSABLE_ENTITY, Errors::of_invalid(i)),
        DispatchError::OutsideRegions(_) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Errors::general(e.to_string()),
        ),
        DispatchError::AlreadyCompleted(_)
        | DispatchError::CrewInactive(_)
        | DispatchError::CrewFull { .. }
        | DispatchError::CrewNameTaken(_)
        | DispatchError::Busy(_)
        | DispatchError::Cancelled(_) => (StatusCode::CONFLICT, Errors::general(e.to_string())),
        DispatchError::Db(e) if crate::app::unstorable(&e) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Errors::general("text must not contain NUL characters"),
        ),
        DispatchError::Db(e) => return Err(e.into()),
    };
    let me = me_of(db, s).await?;
    job_page(db, s, me, id, status, None, errors).await
}

/// The guard of a job's form (session, CSRF token, origin) and the job's id from the path;
/// else the answer (to the sign-in page, 403, or the 404 page).
async fn guarded(
    req: &HttpRequest,
    db: &DatabaseConnection,
    csrf: &str,
    path: PathId<JobId>,
) -> Result<Result<(Dispatcher, JobId), HttpResponse>, Problem> {
    let s = match signin::guard_post::<DispatcherAccounts>(req, db, csrf).await? {
        Ok(s) => s,
        Err(res) => return Ok(Err(res)),
    };
    match path {
        PathId(Some(id)) => Ok(Ok((s, id))),
        PathId(None) => Ok(Err(not_found("job")?)),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AssignForm {
    pub csrf: String,
    pub crew_id: String,
    pub reason: String,
}

/// `POST /dispatch/jobs/{id}/assign`: to another crew of the carrier, with a reason.
pub async fn assign(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    path: PathId<JobId>,
    form: web::Form<AssignForm>,
) -> Result<HttpResponse, Problem> {
    let db = db.get_ref();
    let (s, id) = match guarded(&req, db, &form.csrf, path).await? {
        Ok(guarded) => guarded,
        Err(res) => return Ok(res),
    };
    let Ok(crew_id) = form.crew_id.trim().parse::<CrewId>() else {
        let e = Invalid::field("crew_id", "choose a crew");
        return refused(db, &s, id, e.into()).await;
    };
    match app::reassign(db, carrier_of(&s), id, crew_id, &form.reason).await {
        Ok(_) => {
            tracing::info!(dispatcher.id = %s.account.id, job.id = %id, crew.id = %crew_id,
                "job reassigned at the dispatcher's page");
            Ok(see_other(&format!("/dispatch/jobs/{id}?done=reassigned")))
        }
        Err(e) => refused(db, &s, id, e).await,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RescheduleForm {
    pub csrf: String,
    pub date: String,
    pub start: String,
    pub end: String,
    pub reason: String,
}

impl RescheduleForm {
    /// The window the form names (UTC), or the fields that are no date or time.
    fn window(&self) -> Result<(DateTime<Utc>, DateTime<Utc>), Invalid> {
        let mut errors = Vec::new();
        let date = NaiveDate::parse_from_str(self.date.trim(), "%Y-%m-%d").ok();
        if date.is_none() {
            errors.push(("date", "enter a day"));
        }
        let time = |s: &str| NaiveTime::parse_from_str(s.trim(), "%H:%M").ok();
        let (start, end) = (time(&self.start), time(&self.end));
        if start.is_none() {
            errors.push(("window_start", "enter a time (HH:MM)"));
        }
        if end.is_none() {
            errors.push(("window_end", "enter a time (HH:MM)"));
        }
        match (date, start, end) {
            (Some(d), Some(s), Some(e)) if errors.is_empty() => {
                Ok((d.and_time(s).and_utc(), d.and_time(e).and_utc()))
            }
            _ => Err(Invalid(
                errors
                    .into_iter()
                    .map(|(field, message)| kummerer_service::problem::FieldError {
                        field: field.into(),
                        message: message.into(),
                    })
                    .collect(),
            )),
        }
    }
}

/// `POST /dispatch/jobs/{id}/reschedule`: a new window (day, from, to; UTC) and a reason.
pub async fn reschedule(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    path: PathId<JobId>,
    form: web::Form<RescheduleForm>,
) -> Result<HttpResponse, Problem> {
    let db = db.get_ref();
    let (s, id) = match guarded(&req, db, &form.csrf, path).await? {
        Ok(guarded) => guarded,
        Err(res) => return Ok(res),
    };
    let window = match form.window() {
        Ok(window) => window,
        Err(e) => return refused(db, &s, id, e.into()).await,
    };
    match app::reschedule(db, carrier_of(&s), id, window, &form.reason).await {
        Ok(_) => {
            tracing::info!(dispatcher.id = %s.account.id, job.id = %id,
                "job rescheduled at the dispatcher's page");
            Ok(see_other(&format!("/dispatch/jobs/{id}?done=rescheduled")))
        }
        Err(e) => refused(db, &s, id, e).await,
    }
}
