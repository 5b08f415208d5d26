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
use kummerer_web::i18n::{Lang, Tr};
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
use crate::http::pages::i18n;
use crate::http::view::{DispatchDay, JobView};

type Dispatcher = Signed<dispatchers::Model>;

async fn me_of(req: &HttpRequest, db: &DatabaseConnection, s: &Dispatcher) -> Result<Me, Problem> {
    let carrier = crate::db::carriers::find(db, s.account.carrier_id)
        .await?
        .map(|c| c.name)
        .unwrap_or_default();
    Ok(Me {
        name: s.account.name.clone(),
        carrier,
        csrf: s.csrf.clone(),
        tr: tr_of(req, db, s).await?,
        langs: Lang::ALL,
    })
}

/// The dispatcher's language and time zone.
pub async fn tr_of(
    req: &HttpRequest,
    db: &DatabaseConnection,
    s: &Dispatcher,
) -> Result<Tr, Problem> {
    Ok(i18n::of_dispatcher(req, db, s.account.id).await?)
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
            let me = me_of(&req, db.get_ref(), &s).await?;
            Ok(SignedDispatcher(s, me))
        })
    }
}

fn carrier_of(s: &Dispatcher) -> CarrierId {
    CarrierId(s.account.carrier_id)
}

/// The customers' answers about these jobs (`crate::db::customer_answers`).
type Answers = std::collections::HashMap<uuid::Uuid, crate::db::customer_answers::Answer>;

fn row(j: &JobView, tr: &Tr, answers: &Answers) -> JobRow {
    let answer = answers.get(&j.id);
    JobRow {
        answer: answer
            .map(|a| crate::http::pages::crew::rows::answer_words(a, tr))
            .unwrap_or_default(),
        not_home: answer.is_some_and(|a| a.not_home()),
        id: j.id,
        position: j.position.map(|p| p.to_string()).unwrap_or_default(),
        window: window_text(tr, j.window.start, j.window.end),
        customer: j.address.name.clone(),
        place: format!("{} {}", j.address.postcode, j.address.city),
        deliver: j.deliver_name.clone(),
        status: j.status.clone(),
        status_label: tr.code("job-status", &j.status),
        due: match (&j.holder, j.due_at) {
            (Some(holder), Some(at)) => {
                format!("{} · {}", tr.code("holder", holder), tr.datetime(at))
            }
            _ => String::new(),
        },
        overdue: j.overdue.clone(),
    }
}

/// A window's times in the reader's zone (the day is the table's).
fn window_text(tr: &Tr, start: DateTime<Utc>, end: DateTime<Utc>) -> String {
    format!("{}–{}", tr.time(start), tr.time(end))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DayQuery {
    pub date: String,
    pub done: String,
}

/// The day of `?date=YYYY-MM-DD`; today (the dispatcher's local day) when there is none or it
/// is no date.
fn day_of(q: &DayQuery, tr: &Tr) -> NaiveDate {
    NaiveDate::parse_from_str(q.date.trim(), "%Y-%m-%d")
        .unwrap_or_else(|_| Utc::now().with_timezone(&tr.tz).date_naive())
}

/// `GET /dispatch?date=YYYY-MM-DD`: every crew of the carrier with its jobs of the day in order,
/// and the unassigned jobs in the carrier's regions.
pub async fn board(
    SignedDispatcher(s, me): SignedDispatcher,
    db: web::Data<DatabaseConnection>,
    query: web::Query<DayQuery>,
) -> Result<HttpResponse, Problem> {
    let tr = me.tr;
    let date = day_of(&query, &tr);
    let day = match app::board(db.get_ref(), carrier_of(&s), date).await {
        Ok(board) => DispatchDay::from(board),
        Err(DispatchError::NotFound(_)) => return not_found(&tr, "dispatch-not-found-crew"),
        // The database away: 503 with Retry-After (a page saying so), not a 500.
        Err(DispatchError::Db(e)) => return Err(e.into()),
        Err(e) => return Err(Problem::internal(e)),
    };
    let overdue_jobs = crate::db::overdue::of_carrier(
        db.get_ref(),
        s.account.carrier_id,
        Utc::now(),
        &crate::app::overdue::thresholds(),
    )
    .await?;
    let ids: Vec<uuid::Uuid> = overdue_jobs
        .iter()
        .map(|j| j.id)
        .chain(day.crews.iter().flat_map(|c| c.jobs.iter().map(|j| j.id)))
        .chain(day.unassigned.iter().map(|j| j.id))
        .collect();
    let answers = crate::db::customer_answers::of_jobs(db.get_ref(), &ids).await?;
    let overdue = overdue_jobs
        .into_iter()
        .map(|j| row(&JobView::new(j, None), &tr, &answers))
        .collect();
    let around = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let around_text = |d: Option<NaiveDate>| d.map(|d| tr.naive_date(d)).unwrap_or_default();
    let (prev, next) = (
        date.checked_sub_days(Days::new(1)),
        date.checked_add_days(Days::new(1)),
    );
    render(&Board {
        tr,
        overdue,
        me,
        date: date.to_string(),
        date_text: tr.naive_date(date),
        prev: around(prev),
        prev_text: around_text(prev),
        next: around(next),
        next_text: around_text(next),
        crews: day
            .crews
            .iter()
            .map(|c| CrewBlock {
                id: c.crew.id,
                name: c.crew.name.clone(),
                load: tr.targs(
                    "dispatch-visits-load",
                    &[
                        ("count", &c.jobs.len() as &dyn std::fmt::Display),
                        ("capacity", &c.crew.visits_per_day),
                    ],
                ),
                active: c.crew.active,
                jobs: c.jobs.iter().map(|j| row(j, &tr, &answers)).collect(),
            })
            .collect(),
        unassigned: day
            .unassigned
            .iter()
            .map(|j| row(j, &tr, &answers))
            .collect(),
    })
}

/// `GET /dispatch/crews/{id}?date=`: one crew's day; another carrier's crew is not found.
pub async fn crew(
    SignedDispatcher(s, me): SignedDispatcher,
    db: web::Data<DatabaseConnection>,
    path: PathId<CrewId>,
    query: web::Query<DayQuery>,
) -> Result<HttpResponse, Problem> {
    let tr = me.tr;
    let PathId(Some(id)) = path else {
        return not_found(&tr, "dispatch-not-found-crew");
    };
    let Some(crew) = dispatch::find_crew_of(db.get_ref(), s.account.carrier_id, id.0).await? else {
        return not_found(&tr, "dispatch-not-found-crew");
    };
    let date = day_of(&query, &tr);
    let day_jobs = dispatch::crew_day(db.get_ref(), id.0, date).await?;
    let ids: Vec<uuid::Uuid> = day_jobs.iter().map(|j| j.id).collect();
    let answers = crate::db::customer_answers::of_jobs(db.get_ref(), &ids).await?;
    let jobs: Vec<JobRow> = day_jobs
        .into_iter()
        .map(|j| row(&JobView::new(j, None), &tr, &answers))
        .collect();
    let regions = crew.home_postcode_prefixes.join(", ");
    render(&CrewDay {
        tr,
        me,
        date: date.to_string(),
        date_text: tr.naive_date(date),
        name: crew.name,
        hint: tr.targs(
            "dispatch-crew-hint",
            &[
                ("count", &jobs.len() as &dyn std::fmt::Display),
                ("capacity", &crew.visits_per_day),
                ("regions", &regions),
            ],
        ),
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
    let tr = me.tr;
    let carrier_id = s.account.carrier_id;
    let Some(job) = app::visible_job(db, carrier_of(s), id).await? else {
        return not_found(&tr, "dispatch-not-found-job");
    };
    let crews = dispatch::crews_of(db, carrier_id).await?;
    let crew_name = crews
        .iter()
        .find(|c| Some(c.id) == job.crew_id)
        .map(|c| c.name.clone())
        .unwrap_or_else(|| tr.t("dispatch-unassigned-crew"));
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
            at: tr.datetime(e.occurred_at),
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
        date_text: tr.naive_date(dispatch::day_of(&job)),
        local_date: job
            .window_start
            .with_timezone(&tr.tz)
            .date_naive()
            .to_string(),
        window: tr.window(job.window_start, job.window_end),
        start: tr.time(job.window_start),
        end: tr.time(job.window_end),
        position: job.position,
        street: job.address_street,
        place: format!("{} {}", job.address_postcode, job.address_city),
        phone: job.address_phone,
        deliver: format!("{} ({})", job.deliver_name, job.deliver_sku),
        collect: tr.targs(
            "dispatch-collect-serial",
            &[
                ("sku", &job.collect_sku as &dyn std::fmt::Display),
                ("serial", &job.collect_serial),
            ],
        ),
    };
    render_status(
        status,
        &JobPage {
            tr,
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
    let tr = me.tr;
    let PathId(Some(id)) = path else {
        return not_found(&tr, "dispatch-not-found-job");
    };
    let notice = match query.done.as_str() {
        "reassigned" => Some(tr.t("dispatch-reassigned")),
        "rescheduled" => Some(tr.t("dispatch-rescheduled")),
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
    req: &HttpRequest,
    db: &DatabaseConnection,
    s: &Dispatcher,
    id: JobId,
    e: DispatchError,
) -> Result<HttpResponse, Problem> {
    let me = me_of(req, db, s).await?;
    let tr = me.tr;
    let general = |key: &str| Errors::general(tr.t(key));
    let (status, errors) = match e {
        DispatchError::NotFound(_) => return not_found(&tr, "dispatch-not-found-job"),
        DispatchError::Invalid(i) => (StatusCode::UNPROCESSABLE_ENTITY, Errors::of_invalid(&tr, i)),
        DispatchError::OutsideRegions(prefixes) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Errors::general(tr.ta("dispatch-refused-outside", "prefixes", prefixes.join(", "))),
        ),
        DispatchError::AlreadyCompleted(_) => {
            (StatusCode::CONFLICT, general("dispatch-refused-completed"))
        }
        DispatchError::CrewInactive(_) => {
            (StatusCode::CONFLICT, general("dispatch-refused-inactive"))
        }
        DispatchError::CrewFull {
            visits_per_day,
            date,
            ..
        } => (
            StatusCode::CONFLICT,
            Errors::general(tr.targs(
                "dispatch-refused-full",
                &[
                    ("count", &visits_per_day as &dyn std::fmt::Display),
                    ("date", &tr.naive_date(date)),
                ],
            )),
        ),
        DispatchError::CrewNameTaken(_) => {
            (StatusCode::CONFLICT, general("dispatch-refused-name-taken"))
        }
        DispatchError::Busy(_) => (StatusCode::CONFLICT, general("dispatch-refused-busy")),
        DispatchError::Cancelled(_) => {
            (StatusCode::CONFLICT, general("dispatch-refused-cancelled"))
        }
        DispatchError::Db(e) if crate::app::unstorable(&e) => {
            (StatusCode::UNPROCESSABLE_ENTITY, general("text-nul"))
        }
        DispatchError::Db(e) => return Err(e.into()),
    };
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
        PathId(None) => {
            let tr = tr_of(req, db, &s).await?;
            Ok(Err(not_found(&tr, "dispatch-not-found-job")?))
        }
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
        return refused(&req, db, &s, id, e.into()).await;
    };
    match app::reassign(db, carrier_of(&s), id, crew_id, &form.reason).await {
        Ok(_) => {
            tracing::info!(dispatcher.id = %s.account.id, job.id = %id, crew.id = %crew_id,
                "job reassigned at the dispatcher's page");
            Ok(see_other(&format!("/dispatch/jobs/{id}?done=reassigned")))
        }
        Err(e) => refused(&req, db, &s, id, e).await,
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
    /// The window the form names, typed in the dispatcher's local time, as UTC; or the fields
    /// that are no date or time (or a time the clocks skip that day).
    fn window(&self, tr: &Tr) -> Result<(DateTime<Utc>, DateTime<Utc>), Invalid> {
        let mut errors = Vec::new();
        let date = NaiveDate::parse_from_str(self.date.trim(), "%Y-%m-%d").ok();
        if date.is_none() {
            errors.push(("date", tr.t("invalid-date")));
        }
        let at = |time: &str| {
            NaiveTime::parse_from_str(time.trim(), "%H:%M").ok()?;
            tr.parse_local(self.date.trim(), time)
        };
        let (start, end) = (at(&self.start), at(&self.end));
        if start.is_none() {
            errors.push(("window_start", tr.t("invalid-window-start")));
        }
        if end.is_none() {
            errors.push(("window_end", tr.t("invalid-window-end")));
        }
        match (date, start, end) {
            (Some(_), Some(s), Some(e)) if errors.is_empty() => Ok((s, e)),
            _ => Err(Invalid(
                errors
                    .into_iter()
                    .map(|(field, message)| kummerer_service::problem::FieldError {
                        field: field.into(),
                        message,
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
    let tr = tr_of(&req, db, &s).await?;
    let window = match form.window(&tr) {
        Ok(window) => window,
        Err(e) => return refused(&req, db, &s, id, e.into()).await,
    };
    match app::reschedule(db, carrier_of(&s), id, window, &form.reason).await {
        Ok(_) => {
            tracing::info!(dispatcher.id = %s.account.id, job.id = %id,
                "job rescheduled at the dispatcher's page");
            Ok(see_other(&format!("/dispatch/jobs/{id}?done=rescheduled")))
        }
        Err(e) => refused(&req, db, &s, id, e).await,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LanguageForm {
    pub csrf: String,
    pub lang: String,
}

/// `POST /dispatch/language {csrf, lang}`: the dispatcher's own language, stored with the
/// account (and kept in the language cookie); back to the page (303).
pub async fn language(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    form: web::Form<LanguageForm>,
) -> Result<HttpResponse, Problem> {
    let db = db.get_ref();
    let s = match signin::guard_post::<DispatcherAccounts>(&req, db, &form.csrf).await? {
        Ok(s) => s,
        Err(res) => return Ok(res),
    };
    let back = crate::http::pages::crew::language::back_to(&req, "/dispatch");
    let Some(lang) = Lang::parse(&form.lang) else {
        return Ok(see_other(&back));
    };
    crate::db::page_prefs::set_dispatcher_lang(db, s.account.id, lang.as_str()).await?;
    let mut res = see_other(&back);
    res.add_cookie(&crate::http::pages::crew::auth::lang_cookie(lang))
        .map_err(Problem::internal)?;
    Ok(res)
}
