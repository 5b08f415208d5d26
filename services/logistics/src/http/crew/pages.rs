//! The crew's pages: today's visits in order (and the day's return trips to a manufacturer's
//! depot; `?date=` shows a later day, e.g. tomorrow's list with a revisit on it), and one visit
//! with its forms: *on the way*, *delivered*, *collected* (each a step of its own), *both at
//! once*, and *failed attempt* (the notice says whether the visit was rescheduled, and to when,
//! or waits for the dispatcher). The forms record through the same code as the JSON API
//! ([`crate::http::jobs`]: `record_on_the_way`, `record_delivered`, `record_collected`,
//! `record_completion`, `record_failure`).

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{Duration, NaiveDate, Utc};
use kummerer_service::Problem;
use kummerer_service::problem::FieldError;
use sea_orm::DatabaseConnection;
use serde::Deserialize;
use uuid::Uuid;

use crate::db::{self, dispatch, job_photos, jobs};
use crate::domain::photo::{MAX_PHOTO_BYTES, PhotoKind, check_photo, evidence};
use crate::domain::{JobStatus, Step};
use crate::http::crew::auth::{Signed, guard_post, signed_in};
use crate::http::crew::{
    Errors, form_data, message_page, not_found, render, render_status, see_other,
};
use crate::http::jobs::{
    CollectedBody, CompleteBody, DeliveredBody, FailBody, StepDone, check_eta, record_collected,
    record_completion, record_delivered, record_failure, record_on_the_way, step_message,
};
use crate::http::photos::{StoredPhoto, discard, photo_response, put_photo, refused};
use crate::http::view::pickup_of;
use crate::photos::PhotoStore;

/// Who is signed in, for the page header and the sign-out form.
#[derive(Debug, Clone)]
pub struct Me {
    pub name: String,
    pub crew: String,
    pub csrf: String,
}

async fn me_of(db: &DatabaseConnection, s: &Signed) -> Result<Me, Problem> {
    let crew = dispatch::find_crew(db, s.member.crew_id)
        .await?
        .map(|c| c.name)
        .unwrap_or_default();
    Ok(Me {
        name: s.member.name.clone(),
        crew,
        csrf: s.csrf.clone(),
    })
}

/// A visit as the page shows it.
#[derive(Debug, Clone)]
pub struct VisitRow {
    pub id: Uuid,
    pub position: String,
    pub status: String,
    pub status_label: &'static str,
    pub open: bool,
    pub window: String,
    pub name: String,
    pub street: String,
    pub place: String,
    pub phone: String,
    pub tel: String,
    pub deliver: String,
    pub deliver_sku: String,
    pub collect_sku: String,
    pub collect_serial: String,
    pub attempts: i32,
    pub failure_reason: String,
    pub delivered_serial: String,
    pub collected_serial: String,
    pub recipient_name: String,
    /// `Some(false)`: the collected serial is not the case's — flagged.
    pub serial_matches: Option<bool>,
    /// Set off on this attempt: when, and the estimate (`HH:MM UTC`; empty when none).
    pub on_the_way: bool,
    pub on_the_way_at: String,
    pub eta: String,
    pub delivered: bool,
    pub collected: bool,
    /// Where to pick the replacement up (name, street, place); empty when not given.
    pub pickup: String,
}

fn status_label(j: &jobs::Model) -> &'static str {
    match JobStatus::parse(&j.status) {
        Some(JobStatus::Completed) => "completed",
        Some(JobStatus::Failed) => "failed attempt",
        Some(JobStatus::Scheduled) => match (j.delivered_at, j.collected_at) {
            (Some(_), None) => "delivered · to collect",
            (None, Some(_)) => "collected · to deliver",
            _ if j.on_the_way_at.is_some() => "on the way",
            _ => "to do",
        },
        None => "unknown",
    }
}

fn hh_mm(t: Option<chrono::DateTime<Utc>>) -> String {
    t.map(|t| format!("{} UTC", t.format("%H:%M")))
        .unwrap_or_default()
}

fn reason_label(reason: &str) -> &'static str {
    REASONS
        .iter()
        .find(|(value, _)| *value == reason)
        .map(|(_, label)| *label)
        .unwrap_or("")
}

/// The failure reasons of the form: value, label.
pub const REASONS: [(&str, &str); 4] = [
    ("not_home", "Not home"),
    ("wrong_address", "Wrong address"),
    ("refused", "Refused"),
    ("unit_not_ready", "Unit not ready"),
];

impl From<jobs::Model> for VisitRow {
    fn from(j: jobs::Model) -> Self {
        let tel = j
            .address_phone
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '+')
            .collect();
        let pickup = pickup_of(&j)
            .map(|p| {
                format!(
                    "{}, {}, {} {}",
                    p.name, p.address.street, p.address.postcode, p.address.city
                )
            })
            .unwrap_or_default();
        VisitRow {
            id: j.id,
            position: j.position.map(|p| p.to_string()).unwrap_or_default(),
            status_label: status_label(&j),
            on_the_way: j.on_the_way_at.is_some(),
            on_the_way_at: hh_mm(j.on_the_way_at),
            eta: hh_mm(j.eta),
            delivered: j.delivered_at.is_some(),
            collected: j.collected_at.is_some(),
            pickup,
            open: j.status != JobStatus::Completed.as_str(),
            window: format!(
                "{}–{} UTC",
                j.window_start.format("%H:%M"),
                j.window_end.format("%H:%M")
            ),
            status: j.status,
            name: j.address_name,
            street: j.address_street,
            place: format!(
                "{} {} ({})",
                j.address_postcode, j.address_city, j.address_country
            ),
            phone: j.address_phone,
            tel,
            deliver: j.deliver_name,
            deliver_sku: j.deliver_sku,
            collect_sku: j.collect_sku,
            collect_serial: j.collect_serial,
            attempts: j.attempts,
            failure_reason: j
                .failure_reason
                .as_deref()
                .map(reason_label)
                .unwrap_or_default()
                .to_owned(),
            delivered_serial: j.delivered_serial.unwrap_or_default(),
            collected_serial: j.collected_serial.unwrap_or_default(),
            recipient_name: j.recipient_name.unwrap_or_default(),
            serial_matches: j.collected_serial_matches,
        }
    }
}

#[derive(Template)]
#[template(path = "crew/today.html")]
pub struct Today {
    pub me: Me,
    /// `Today`, `Tomorrow`, or the weekday.
    pub heading: String,
    pub date: NaiveDate,
    /// The day before (not before today) and after, for the links.
    pub prev: Option<NaiveDate>,
    pub next: NaiveDate,
    pub notice: Option<String>,
    pub visits: Vec<VisitRow>,
    pub trips: Vec<TripRow>,
}

/// How far ahead a crew may look at its days.
pub const DAYS_AHEAD: i64 = 60;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DayQuery {
    /// The day to show (`YYYY-MM-DD`); today when empty.
    pub date: String,
    /// `revisit-moved`: a failed visit was rescheduled onto another crew.
    pub saved: String,
}

/// The heading of a day's list seen on `today`.
fn day_heading(date: NaiveDate, today: NaiveDate) -> String {
    match (date - today).num_days() {
        0 => "Today".to_owned(),
        1 => "Tomorrow".to_owned(),
        _ => date.format("%A").to_string(),
    }
}

/// A return trip of the day: a shipment to a manufacturer's depot.
#[derive(Debug, Clone)]
pub struct TripRow {
    pub id: Uuid,
    pub depot: String,
    pub street: String,
    pub place: String,
    pub arrived: bool,
    pub received_by: String,
    /// `serial (product)` of each unit.
    pub units: Vec<String>,
}

impl From<crate::http::returns::ShipmentView> for TripRow {
    fn from(s: crate::http::returns::ShipmentView) -> Self {
        let (street, place) = s
            .depot
            .address
            .map(|a| {
                (
                    a.street,
                    format!("{} {} ({})", a.postcode, a.city, a.country),
                )
            })
            .unwrap_or_default();
        TripRow {
            id: s.id,
            depot: s.depot.name,
            street,
            place,
            arrived: s.status == crate::domain::returns::ShipmentStatus::Arrived.as_str(),
            received_by: s.received_by.unwrap_or_default(),
            units: s
                .items
                .into_iter()
                .map(|i| format!("{} ({})", i.serial, i.product_name))
                .collect(),
        }
    }
}

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

/// A photo of the visit as the page links it.
#[derive(Debug, Clone)]
pub struct PhotoRow {
    pub url: String,
    pub label: &'static str,
}

impl From<job_photos::Model> for PhotoRow {
    fn from(p: job_photos::Model) -> Self {
        PhotoRow {
            url: format!("/crew/visits/{}/photos/{}", p.job_id, p.id),
            label: match PhotoKind::parse(&p.kind) {
                Some(PhotoKind::Delivered) => "Delivered",
                Some(PhotoKind::Collected) => "Collected unit",
                None => "Photo",
            },
        }
    }
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

/// `GET /crew?date=`: the visits of the signed-in member's crew on a day (today by default, up
/// to [`DAYS_AHEAD`] days ahead), in order, and that day's return trips.
pub async fn today(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    query: web::Query<DayQuery>,
) -> Result<HttpResponse, Problem> {
    let db = db.get_ref();
    let Some(signed) = signed_in(&req, db).await? else {
        return Ok(see_other("/crew/sign-in"));
    };
    let today = Utc::now().date_naive();
    let date = match query.date.trim() {
        "" => today,
        raw => match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
            Ok(d) if d >= today && d <= today + Duration::days(DAYS_AHEAD) => d,
            _ => {
                return message_page(
                    StatusCode::BAD_REQUEST,
                    "No such day",
                    &format!(
                        "Choose a day from today to {DAYS_AHEAD} days ahead, written YYYY-MM-DD."
                    ),
                );
            }
        },
    };
    let visits = dispatch::crew_day(db, signed.member.crew_id, date)
        .await?
        .into_iter()
        .map(VisitRow::from)
        .collect();
    let trips = crate::db::returns::crew_trips(db, signed.member.crew_id, date).await?;
    let trips = crate::http::returns::with_items(db, trips)
        .await?
        .into_iter()
        .map(TripRow::from)
        .collect();
    let notice = (query.saved == "revisit-moved").then(|| {
        "Saved: failed attempt. The visit is rescheduled onto another crew with room.".to_owned()
    });
    render(&Today {
        me: me_of(db, &signed).await?,
        heading: day_heading(date, today),
        date,
        prev: date.pred_opt().filter(|d| *d >= today),
        next: date.succ_opt().unwrap_or(date),
        notice,
        visits,
        trips,
    })
}

/// The job if it is on the member's crew.
async fn job_of_crew(
    db: &DatabaseConnection,
    signed: &Signed,
    id: &str,
) -> Result<Option<jobs::Model>, Problem> {
    let Ok(id) = id.parse::<Uuid>() else {
        return Ok(None);
    };
    Ok(db::find_job(db, id)
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

fn step_param(step: Step) -> &'static str {
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
    if job.status == JobStatus::Scheduled.as_str() {
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
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    path: web::Path<String>,
    query: web::Query<VisitQuery>,
) -> Result<HttpResponse, Problem> {
    let db = db.get_ref();
    let Some(signed) = signed_in(&req, db).await? else {
        return Ok(see_other("/crew/sign-in"));
    };
    let Some(job) = job_of_crew(db, &signed, &path).await? else {
        return not_found();
    };
    let photos = job_photos::of_job(db, job.id).await?;
    let job_again = job.clone();
    let mut page = Visit::new(me_of(db, &signed).await?, job);
    page.photos = photos.into_iter().map(PhotoRow::from).collect();
    page.notice = notice(&query, &job_again);
    render(&page)
}

/// The visit page again after a refused form: the errors, what was typed, the right status.
async fn visit_again(
    db: &DatabaseConnection,
    signed: &Signed,
    id: Uuid,
    which: &'static str,
    form: VisitForm,
    problem: &Problem,
) -> Result<HttpResponse, Problem> {
    let Some(job) = job_of_crew(db, signed, &id.to_string()).await? else {
        return not_found();
    };
    let mut page = Visit::new(me_of(db, signed).await?, job);
    page.form = form;
    page = page.with_reasons();
    if problem.code == "job_already_completed" {
        page.notice = Some("This visit is already completed: nothing was changed.".to_owned());
    } else {
        page.errors_of = which;
        page.errors = Errors::from_problem(problem);
        page.ask_mismatch = problem.code == "serial_mismatch";
        if page.ask_mismatch {
            page.errors.general = Some(
                "The serial you entered is not the one the case names. Check the unit again; \
                 if it really is this serial, tick the box to record it (it will be flagged)."
                    .to_owned(),
            );
        }
    }
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::BAD_REQUEST);
    render_status(status, &page)
}

/// A photo chosen on the *delivered and collected* form.
#[derive(Debug)]
pub struct PhotoInput {
    /// The form field (`delivered_photo`, `collected_photo`).
    pub field: &'static str,
    pub kind: PhotoKind,
    /// The type the browser declared.
    pub declared: String,
    pub bytes: Vec<u8>,
}

/// The file inputs of the form: field, kind.
const PHOTO_FIELDS: [(&str, PhotoKind); 2] = [
    ("delivered_photo", PhotoKind::Delivered),
    ("collected_photo", PhotoKind::Collected),
];

/// Largest *delivered and collected* form with its photos: two photos and the fields.
const PHOTO_FORM_LIMIT: usize = 2 * MAX_PHOTO_BYTES + 64 * 1024;

/// `POST /crew/visits/{id}/complete` (`application/x-www-form-urlencoded`, no photos).
pub async fn complete(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    store: web::Data<dyn PhotoStore>,
    path: web::Path<String>,
    form: web::Form<VisitForm>,
) -> Result<HttpResponse, Problem> {
    complete_visit(
        &req,
        db.get_ref(),
        store.get_ref(),
        &path,
        form.into_inner(),
        Vec::new(),
    )
    .await
}

/// `POST /crew/visits/{id}/complete` (`multipart/form-data`, what the page sends): the fields
/// and up to two optional photos (`delivered_photo`, `collected_photo`).
pub async fn complete_with_photos(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    store: web::Data<dyn PhotoStore>,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, Problem> {
    let (form, photos) = match read_multipart(&req, payload).await? {
        Ok(read) => read,
        Err(res) => return Ok(res),
    };
    complete_visit(&req, db.get_ref(), store.get_ref(), &path, form, photos).await
}

/// Reads a `multipart/form-data` form of the visit page: its fields and chosen photos; or the
/// page to answer (unreadable, too large).
async fn read_multipart(
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<Result<(VisitForm, Vec<PhotoInput>), HttpResponse>, Problem> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let unreadable = || {
        message_page(
            StatusCode::BAD_REQUEST,
            "Form not readable",
            "The form could not be read. Go back, reload the page and send it again.",
        )
    };
    let Ok(boundary) = form_data::boundary(content_type) else {
        return unreadable().map(Err);
    };
    let body = match payload.to_bytes_limited(PHOTO_FORM_LIMIT).await {
        Ok(Ok(body)) => body,
        Err(_limit) => {
            return message_page(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Photo too large",
                "A photo may be at most 5 MiB. Go back and choose a smaller photo (or take it at \
                 a lower resolution); nothing was saved.",
            )
            .map(Err);
        }
        Ok(Err(_)) => return unreadable().map(Err),
    };
    let Ok(parts) = form_data::parse(&body, &boundary) else {
        return unreadable().map(Err);
    };
    let mut form = VisitForm::default();
    let mut photos = Vec::new();
    for part in parts {
        let text = || String::from_utf8_lossy(part.data).into_owned();
        match part.name.as_str() {
            "csrf" => form.csrf = text(),
            "delivered_serial" => form.delivered_serial = text(),
            "collected_serial" => form.collected_serial = text(),
            "recipient_name" => form.recipient_name = text(),
            "confirm_mismatch" => form.confirm_mismatch = text(),
            name => {
                let Some((field, kind)) = PHOTO_FIELDS.iter().find(|(f, _)| *f == name) else {
                    continue;
                };
                let chosen = part.filename.as_deref().is_some_and(|f| !f.is_empty());
                if !chosen && part.data.is_empty() {
                    continue;
                }
                photos.push(PhotoInput {
                    field,
                    kind: *kind,
                    declared: part.content_type.clone().unwrap_or_default(),
                    bytes: part.data.to_vec(),
                });
            }
        }
    }
    Ok(Ok((form, photos)))
}

/// The chosen photos checked (each refused one a field error on the form `which`) and put in
/// the store; with the collected unit's photo as evidence for the message. Nothing stays in the
/// store on an error.
async fn store_inputs(
    db: &DatabaseConnection,
    store: &dyn PhotoStore,
    signed: &Signed,
    job_id: Uuid,
    which: &'static str,
    form: &VisitForm,
    photos: Vec<PhotoInput>,
) -> Result<Result<(Vec<StoredPhoto>, Option<kummerer_contracts::Photo>), HttpResponse>, Problem> {
    let mut checked = Vec::new();
    for photo in photos {
        match check_photo(&photo.declared, &photo.bytes) {
            Ok(image) => checked.push((photo.kind, image, photo.bytes)),
            Err(e) => {
                let mut problem = refused(e);
                problem.errors = vec![FieldError {
                    field: photo.field.to_owned(),
                    message: format!("{e}: choose a JPEG, PNG or WebP photo of at most 5 MiB"),
                }];
                let page = visit_again(db, signed, job_id, which, form.clone(), &problem).await?;
                return Ok(Err(page));
            }
        }
    }
    let mut stored = Vec::new();
    let mut collected = None;
    for (kind, image, bytes) in checked {
        if kind == PhotoKind::Collected {
            collected = Some(evidence(image, &bytes));
        }
        match put_photo(store, kind, image, bytes).await {
            Ok(photo) => stored.push(photo),
            Err(p) => {
                discard(store, &stored).await;
                return Err(p);
            }
        }
    }
    Ok(Ok((stored, collected)))
}

/// Delivered and collected, with the photos; then back to the visit (303), where a serial
/// mismatch shows as flagged. A second submit → the visit, "already completed" (409), one
/// delivery recorded. A refused photo → the form again with the reason (413/415), nothing saved.
async fn complete_visit(
    req: &HttpRequest,
    db: &DatabaseConnection,
    store: &dyn PhotoStore,
    path: &str,
    form: VisitForm,
    photos: Vec<PhotoInput>,
) -> Result<HttpResponse, Problem> {
    let signed = match guard_post(req, db, &form.csrf).await? {
        Ok(s) => s,
        Err(res) => return Ok(res),
    };
    let Some(job) = job_of_crew(db, &signed, path).await? else {
        return not_found();
    };
    let body = CompleteBody {
        delivered_serial: form.delivered_serial.clone(),
        collected_serial: form.collected_serial.clone(),
        recipient_name: form.recipient_name.clone(),
    };
    let completion = match body.parse() {
        Ok(completion) => completion,
        Err(p) => return visit_again(db, &signed, job.id, "complete", form, &p).await,
    };
    let (stored, collected) =
        match store_inputs(db, store, &signed, job.id, "complete", &form, photos).await? {
            Ok(stored) => stored,
            Err(page) => return Ok(page),
        };
    let outcome = record_completion(
        db,
        job.id,
        Some(signed.member.crew_id),
        completion,
        &stored,
        collected,
    )
    .await;
    if outcome.is_err() {
        discard(store, &stored).await;
    }
    match outcome {
        Ok(_) => Ok(see_other(&format!(
            "/crew/visits/{}?saved=delivered",
            job.id
        ))),
        Err(p) if p.status == 404 => not_found(),
        Err(p) if p.status < 500 => visit_again(db, &signed, job.id, "complete", form, &p).await,
        Err(p) => Err(p),
    }
}

/// `GET /crew/visits/{id}/photos/{photo_id}`: a photo of one of the crew's visits.
pub async fn photo(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    store: web::Data<dyn PhotoStore>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Problem> {
    let db = db.get_ref();
    let Some(signed) = signed_in(&req, db).await? else {
        return Ok(see_other("/crew/sign-in"));
    };
    let (job, photo_id) = path.into_inner();
    let Some(job) = job_of_crew(db, &signed, &job).await? else {
        return not_found();
    };
    let Ok(photo_id) = photo_id.parse::<Uuid>() else {
        return not_found();
    };
    let Some(photo) = job_photos::find(db, job.id, photo_id).await? else {
        return not_found();
    };
    photo_response(store.get_ref(), &photo).await
}

/// `POST /crew/visits/{id}/fail`: a failed attempt with a reason and an optional note.
pub async fn fail(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    path: web::Path<String>,
    form: web::Form<VisitForm>,
) -> Result<HttpResponse, Problem> {
    let db = db.get_ref();
    let form = form.into_inner();
    let signed = match guard_post(&req, db, &form.csrf).await? {
        Ok(s) => s,
        Err(res) => return Ok(res),
    };
    let Some(job) = job_of_crew(db, &signed, &path).await? else {
        return not_found();
    };
    let body = FailBody {
        reason: form.reason.clone(),
        note: Some(form.note.clone()),
    };
    let outcome = match body.parse() {
        Ok(attempt) => record_failure(db, job.id, Some(signed.member.crew_id), attempt).await,
        Err(p) => Err(p),
    };
    match outcome {
        // Rescheduled onto another crew: the visit is no longer this crew's to show.
        Ok((job, _)) if job.crew_id != Some(signed.member.crew_id) => {
            Ok(see_other("/crew?saved=revisit-moved"))
        }
        Ok(_) => Ok(see_other(&format!("/crew/visits/{}?saved=failed", job.id))),
        Err(p) if p.status == 404 => not_found(),
        Err(p) if p.status < 500 => visit_again(db, &signed, job.id, "fail", form, &p).await,
        Err(p) => Err(p),
    }
}

/// `POST /crew/visits/{id}/on-the-way`: the crew sets off, with an optional estimate.
pub async fn on_the_way(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    path: web::Path<String>,
    form: web::Form<VisitForm>,
) -> Result<HttpResponse, Problem> {
    let db = db.get_ref();
    let form = form.into_inner();
    let signed = match guard_post(&req, db, &form.csrf).await? {
        Ok(s) => s,
        Err(res) => return Ok(res),
    };
    let Some(job) = job_of_crew(db, &signed, &path).await? else {
        return not_found();
    };
    let now = Utc::now();
    let eta = match form.eta_minutes.trim() {
        "" => Ok(None),
        m => match m.parse::<i64>() {
            Ok(m) if ETAS.iter().any(|(v, _)| *v == form.eta_minutes.trim()) => {
                Ok(Some(now + Duration::minutes(m)))
            }
            _ => Err(field_problem("eta_minutes", "choose one of the estimates")),
        },
    };
    let outcome = match eta {
        Ok(eta) => match check_eta(eta, now) {
            Ok(()) => record_on_the_way(db, job.id, Some(signed.member.crew_id), eta).await,
            Err(p) => Err(p),
        },
        Err(p) => Err(p),
    };
    step_answered(
        db,
        &signed,
        job.id,
        Step::OnTheWay,
        "on_the_way",
        form,
        outcome,
    )
    .await
}

fn field_problem(field: &str, message: &str) -> Problem {
    Problem::validation(vec![FieldError {
        field: field.to_owned(),
        message: message.to_owned(),
    }])
}

/// After a step: back to the visit with what was saved, or that it was recorded before (303);
/// the form again with the errors; the 404 page for a visit of another crew.
async fn step_answered(
    db: &DatabaseConnection,
    signed: &Signed,
    id: Uuid,
    step: Step,
    which: &'static str,
    form: VisitForm,
    outcome: Result<StepDone, Problem>,
) -> Result<HttpResponse, Problem> {
    match outcome {
        Ok(done) if done.recorded => Ok(see_other(&format!(
            "/crew/visits/{id}?saved={}",
            step_param(step)
        ))),
        Ok(_) => Ok(see_other(&format!(
            "/crew/visits/{id}?again={}",
            step_param(step)
        ))),
        Err(p) if p.status == 404 => not_found(),
        Err(p) if p.status < 500 => visit_again(db, signed, id, which, form, &p).await,
        Err(p) => Err(p),
    }
}

/// `POST /crew/visits/{id}/delivered` (`multipart/form-data`, with an optional photo).
pub async fn delivered_with_photo(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    store: web::Data<dyn PhotoStore>,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, Problem> {
    step_with_photo(req, db, store, path, payload, Step::Delivered).await
}

/// `POST /crew/visits/{id}/collected` (`multipart/form-data`, with an optional photo).
pub async fn collected_with_photo(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    store: web::Data<dyn PhotoStore>,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, Problem> {
    step_with_photo(req, db, store, path, payload, Step::Collected).await
}

/// `POST /crew/visits/{id}/delivered` (`application/x-www-form-urlencoded`, no photo).
pub async fn delivered(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    store: web::Data<dyn PhotoStore>,
    path: web::Path<String>,
    form: web::Form<VisitForm>,
) -> Result<HttpResponse, Problem> {
    let (db, store, form) = (db.get_ref(), store.get_ref(), form.into_inner());
    step_visit(&req, db, store, &path, form, Vec::new(), Step::Delivered).await
}

/// `POST /crew/visits/{id}/collected` (`application/x-www-form-urlencoded`, no photo).
pub async fn collected(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    store: web::Data<dyn PhotoStore>,
    path: web::Path<String>,
    form: web::Form<VisitForm>,
) -> Result<HttpResponse, Problem> {
    let (db, store, form) = (db.get_ref(), store.get_ref(), form.into_inner());
    step_visit(&req, db, store, &path, form, Vec::new(), Step::Collected).await
}

async fn step_with_photo(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    store: web::Data<dyn PhotoStore>,
    path: web::Path<String>,
    payload: web::Payload,
    step: Step,
) -> Result<HttpResponse, Problem> {
    let (form, photos) = match read_multipart(&req, payload).await? {
        Ok(read) => read,
        Err(res) => return Ok(res),
    };
    let (db, store) = (db.get_ref(), store.get_ref());
    step_visit(&req, db, store, &path, form, photos, step).await
}

/// What a *delivered* or *collected* form says, checked.
enum Report {
    Delivered(crate::domain::Delivery),
    Collected(crate::domain::Collection),
}

/// The form of `step` (*delivered* or *collected*) checked; a collected serial that is not the
/// case's comes back with the question (a checkbox to confirm it, then it is recorded and
/// flagged) before anything is stored.
fn report_of(step: Step, form: &VisitForm, job: &jobs::Model) -> Result<Report, Problem> {
    match step {
        Step::Delivered => DeliveredBody {
            delivered_serial: form.delivered_serial.clone(),
            recipient_name: form.recipient_name.clone(),
            photo_id: None,
        }
        .parse()
        .map(Report::Delivered),
        Step::Collected => {
            let collection = CollectedBody {
                collected_serial: form.collected_serial.clone(),
                confirm_mismatch: form.confirm_mismatch == "yes",
                photo_id: None,
            }
            .parse()?;
            if let Err(e) = collection.check(&job.collect_serial)
                && job.collected_at.is_none()
            {
                return Err(crate::http::jobs::mismatch(e));
            }
            Ok(Report::Collected(collection))
        }
        Step::OnTheWay => Err(Problem::internal("on the way has no photo form")),
    }
}

/// *Delivered* or *collected* with its optional photo (the other kind's file input ignored);
/// then back to the visit (303) with what was saved, or that it was recorded before.
async fn step_visit(
    req: &HttpRequest,
    db: &DatabaseConnection,
    store: &dyn PhotoStore,
    path: &str,
    form: VisitForm,
    photos: Vec<PhotoInput>,
    step: Step,
) -> Result<HttpResponse, Problem> {
    let signed = match guard_post(req, db, &form.csrf).await? {
        Ok(s) => s,
        Err(res) => return Ok(res),
    };
    let Some(job) = job_of_crew(db, &signed, path).await? else {
        return not_found();
    };
    let which = step.as_str();
    let report = match report_of(step, &form, &job) {
        Ok(report) => report,
        Err(p) => return visit_again(db, &signed, job.id, which, form, &p).await,
    };
    let kind = match step {
        Step::Delivered => PhotoKind::Delivered,
        _ => PhotoKind::Collected,
    };
    let photos = photos.into_iter().filter(|p| p.kind == kind).collect();
    let (stored, evidence) =
        match store_inputs(db, store, &signed, job.id, which, &form, photos).await? {
            Ok(stored) => stored,
            Err(page) => return Ok(page),
        };
    let crew = Some(signed.member.crew_id);
    let outcome = match report {
        Report::Delivered(d) => record_delivered(db, job.id, crew, d, &stored, false).await,
        Report::Collected(c) => record_collected(db, job.id, crew, c, &stored, evidence).await,
    };
    if !outcome.as_ref().is_ok_and(|d| d.recorded) {
        discard(store, &stored).await;
    }
    step_answered(db, &signed, job.id, step, which, form, outcome).await
}
