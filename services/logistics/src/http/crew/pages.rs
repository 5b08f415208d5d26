//! The crew's pages: today's visits in order, and one visit with its two forms (*delivered and
//! collected*, *failed attempt*). The forms record through the same code as the JSON API
//! ([`crate::http::jobs::record_completion`], [`crate::http::jobs::record_failure`]).

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{NaiveDate, Utc};
use kummerer_service::Problem;
use kummerer_service::problem::FieldError;
use sea_orm::DatabaseConnection;
use serde::Deserialize;
use uuid::Uuid;

use crate::db::{self, dispatch, job_photos, jobs};
use crate::domain::JobStatus;
use crate::domain::photo::{MAX_PHOTO_BYTES, PhotoKind, check_photo};
use crate::http::crew::auth::{Signed, guard_post, signed_in};
use crate::http::crew::{
    Errors, form_data, message_page, not_found, render, render_status, see_other,
};
use crate::http::jobs::{CompleteBody, FailBody, record_completion, record_failure};
use crate::http::photos::{discard, photo_response, put_photo, refused};
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
}

fn status_label(status: &str) -> &'static str {
    match JobStatus::parse(status) {
        Some(JobStatus::Scheduled) => "to do",
        Some(JobStatus::Completed) => "completed",
        Some(JobStatus::Failed) => "failed attempt",
        None => "unknown",
    }
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
        VisitRow {
            id: j.id,
            position: j.position.map(|p| p.to_string()).unwrap_or_default(),
            status_label: status_label(&j.status),
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
    pub date: NaiveDate,
    pub visits: Vec<VisitRow>,
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
}

#[derive(Template)]
#[template(path = "crew/visit.html")]
pub struct Visit {
    pub me: Me,
    pub visit: VisitRow,
    pub notice: Option<String>,
    /// Which form the errors are about: `complete` or `fail`.
    pub errors_of: &'static str,
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

/// `GET /crew`: today's visits of the signed-in member's crew, in order.
pub async fn today(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
) -> Result<HttpResponse, Problem> {
    let db = db.get_ref();
    let Some(signed) = signed_in(&req, db).await? else {
        return Ok(see_other("/crew/sign-in"));
    };
    let date = Utc::now().date_naive();
    let visits = dispatch::crew_day(db, signed.member.crew_id, date)
        .await?
        .into_iter()
        .map(VisitRow::from)
        .collect();
    render(&Today {
        me: me_of(db, &signed).await?,
        date,
        visits,
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
    pub saved: String,
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
    let mut page = Visit::new(me_of(db, &signed).await?, job);
    page.photos = photos.into_iter().map(PhotoRow::from).collect();
    page.notice = match query.saved.as_str() {
        "delivered" => Some("Saved: delivered and collected.".to_owned()),
        "failed" => Some("Saved: failed attempt. The dispatcher will reschedule.".to_owned()),
        _ => None,
    };
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
        return unreadable();
    };
    let body = match payload.to_bytes_limited(PHOTO_FORM_LIMIT).await {
        Ok(Ok(body)) => body,
        Err(_limit) => {
            return message_page(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Photo too large",
                "A photo may be at most 5 MiB. Go back and choose a smaller photo (or take it at \
                 a lower resolution); nothing was saved.",
            );
        }
        Ok(Err(_)) => return unreadable(),
    };
    let Ok(parts) = form_data::parse(&body, &boundary) else {
        return unreadable();
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
    complete_visit(&req, db.get_ref(), store.get_ref(), &path, form, photos).await
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
                return visit_again(db, &signed, job.id, "complete", form, &problem).await;
            }
        }
    }
    let mut stored = Vec::new();
    for (kind, image, bytes) in checked {
        match put_photo(store, kind, image, bytes).await {
            Ok(photo) => stored.push(photo),
            Err(p) => {
                discard(store, &stored).await;
                return Err(p);
            }
        }
    }
    let outcome =
        record_completion(db, job.id, Some(signed.member.crew_id), completion, &stored).await;
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
        Ok(_) => Ok(see_other(&format!("/crew/visits/{}?saved=failed", job.id))),
        Err(p) if p.status == 404 => not_found(),
        Err(p) if p.status < 500 => visit_again(db, &signed, job.id, "fail", form, &p).await,
        Err(p) => Err(p),
    }
}
