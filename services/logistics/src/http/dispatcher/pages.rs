//! The dispatcher's pages: the board of a day, a crew's day, a job with its two forms
//! (*reassign*, *reschedule*). Every query is scoped to the signed-in dispatcher's carrier.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Days, NaiveDate, NaiveTime, Utc};
use kummerer_service::Problem;
use kummerer_service::problem::FieldError;
use kummerer_web::see_other;
use kummerer_web::signin::{self, Signed};
use sea_orm::DatabaseConnection;
use serde::Deserialize;
use uuid::Uuid;

use super::auth::DispatcherAccounts;
use super::{
    Board, CrewBlock, CrewDay, CrewOption, HistoryRow, JobDetail, JobPage, JobRow, Me, not_found,
    render, render_status,
};
use crate::db::{self, dispatch, dispatchers};
use crate::domain::JobStatus;
use crate::http::crew::Errors;
use crate::http::dispatch::{peek_job, reassign, reschedule_job};
use crate::http::view::JobView;

type Dispatcher = Signed<dispatchers::Model>;

async fn me_of(db: &DatabaseConnection, s: &Dispatcher) -> Result<Me, Problem> {
    let carrier = dispatch::find_carrier(db, s.account.carrier_id)
        .await?
        .map(|c| c.name)
        .unwrap_or_default();
    Ok(Me {
        name: s.account.name.clone(),
        carrier,
        csrf: s.csrf.clone(),
    })
}

/// The signed-in dispatcher, or the redirect to the sign-in page.
async fn signed(
    req: &HttpRequest,
    db: &DatabaseConnection,
) -> Result<Result<(Dispatcher, Me), HttpResponse>, Problem> {
    let Some(s) = signin::signed_in::<DispatcherAccounts>(req, db).await? else {
        return Ok(Err(see_other("/dispatch/sign-in")));
    };
    let me = me_of(db, &s).await?;
    Ok(Ok((s, me)))
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
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    query: web::Query<DayQuery>,
) -> Result<HttpResponse, Problem> {
    let (s, me) = match signed(&req, db.get_ref()).await? {
        Ok(signed) => signed,
        Err(res) => return Ok(res),
    };
    let date = day_of(&query);
    let day = crate::http::dispatch::board(db.get_ref(), s.account.carrier_id, date).await?;
    let around = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    render(&Board {
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
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    path: web::Path<String>,
    query: web::Query<DayQuery>,
) -> Result<HttpResponse, Problem> {
    let (s, me) = match signed(&req, db.get_ref()).await? {
        Ok(signed) => signed,
        Err(res) => return Ok(res),
    };
    let Ok(id) = Uuid::parse_str(&path) else {
        return not_found("crew");
    };
    let Some(crew) = dispatch::find_crew_of(db.get_ref(), s.account.carrier_id, id).await? else {
        return not_found("crew");
    };
    let date = day_of(&query);
    let jobs = dispatch::crew_day(db.get_ref(), id, date)
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
    id: Uuid,
    status: StatusCode,
    notice: Option<String>,
    errors: Errors,
) -> Result<HttpResponse, Problem> {
    let carrier_id = s.account.carrier_id;
    let job = match peek_job(db, carrier_id, id).await {
        Ok(job) => job,
        Err(p) if p.status == StatusCode::NOT_FOUND.as_u16() => return not_found("job"),
        Err(p) => return Err(p),
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
    let history = db::events_of(db, id)
        .await?
        .into_iter()
        .map(|e| HistoryRow {
            at: e.occurred_at.format("%Y-%m-%d %H:%M").to_string(),
            reason: e.details["reason"].as_str().unwrap_or_default().to_owned(),
            kind: e.kind,
        })
        .collect();
    let completed = db::status_of(&job)? == JobStatus::Completed;
    let detail = JobDetail {
        id: job.id,
        customer: job.address_name.clone(),
        status: job.status.clone(),
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
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    path: web::Path<String>,
    query: web::Query<DayQuery>,
) -> Result<HttpResponse, Problem> {
    let (s, me) = match signed(&req, db.get_ref()).await? {
        Ok(signed) => signed,
        Err(res) => return Ok(res),
    };
    let Ok(id) = Uuid::parse_str(&path) else {
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

/// What a refused action shows: the 404 page, or the job's page with the problem (a 5xx stays
/// an error).
async fn refused(
    db: &DatabaseConnection,
    s: &Dispatcher,
    id: Uuid,
    p: Problem,
) -> Result<HttpResponse, Problem> {
    let status = StatusCode::from_u16(p.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status == StatusCode::NOT_FOUND {
        return not_found("job or crew");
    }
    if !status.is_client_error() {
        return Err(p);
    }
    let me = me_of(db, s).await?;
    job_page(db, s, me, id, status, None, Errors::from_problem(&p)).await
}

/// The guard of a job's form (session, CSRF token, origin) and the job's id from the path;
/// else the answer (to the sign-in page, 403, or the 404 page).
async fn guarded(
    req: &HttpRequest,
    db: &DatabaseConnection,
    csrf: &str,
    path: &str,
) -> Result<Result<(Dispatcher, Uuid), HttpResponse>, Problem> {
    let s = match signin::guard_post::<DispatcherAccounts>(req, db, csrf).await? {
        Ok(s) => s,
        Err(res) => return Ok(Err(res)),
    };
    match Uuid::parse_str(path) {
        Ok(id) => Ok(Ok((s, id))),
        Err(_) => Ok(Err(not_found("job")?)),
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
    path: web::Path<String>,
    form: web::Form<AssignForm>,
) -> Result<HttpResponse, Problem> {
    let db = db.get_ref();
    let (s, id) = match guarded(&req, db, &form.csrf, &path).await? {
        Ok(guarded) => guarded,
        Err(res) => return Ok(res),
    };
    let Ok(crew_id) = Uuid::parse_str(form.crew_id.trim()) else {
        let p = Problem::validation(vec![FieldError {
            field: "crew_id".into(),
            message: "choose a crew".into(),
        }]);
        return refused(db, &s, id, p).await;
    };
    match reassign(db, s.account.carrier_id, id, crew_id, &form.reason).await {
        Ok(_) => {
            tracing::info!(dispatcher.id = %s.account.id, job.id = %id, crew.id = %crew_id,
                "job reassigned at the dispatcher's page");
            Ok(see_other(&format!("/dispatch/jobs/{id}?done=reassigned")))
        }
        Err(p) => refused(db, &s, id, p).await,
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
    fn window(&self) -> Result<(DateTime<Utc>, DateTime<Utc>), Problem> {
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
            _ => Err(Problem::validation(
                errors
                    .into_iter()
                    .map(|(field, message)| FieldError {
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
    path: web::Path<String>,
    form: web::Form<RescheduleForm>,
) -> Result<HttpResponse, Problem> {
    let db = db.get_ref();
    let (s, id) = match guarded(&req, db, &form.csrf, &path).await? {
        Ok(guarded) => guarded,
        Err(res) => return Ok(res),
    };
    let window = match form.window() {
        Ok(window) => window,
        Err(p) => return refused(db, &s, id, p).await,
    };
    match reschedule_job(db, s.account.carrier_id, id, window, &form.reason).await {
        Ok(_) => {
            tracing::info!(dispatcher.id = %s.account.id, job.id = %id,
                "job rescheduled at the dispatcher's page");
            Ok(see_other(&format!("/dispatch/jobs/{id}?done=rescheduled")))
        }
        Err(p) => refused(db, &s, id, p).await,
    }
}
