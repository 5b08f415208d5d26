//! The steps of the visit page: *on the way*, *delivered*, *collected* (each with an optional
//! photo), and a *failed attempt*. Each checks the session and the form, calls
//! [`crate::app::visits`], and answers with a redirect to the visit or the form again.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{Duration, Utc};
use kummerer_contracts::ids::{CrewId, JobId};
use kummerer_service::Problem;
use kummerer_web::i18n::Tr;
use sea_orm::DatabaseConnection;

use super::auth::{Signed, guard_post};
use super::multipart::{PhotoInput, read_multipart, store_inputs};
use super::visit::{ETAS, Refusal, VisitForm, job_of_crew, step_param, visit_again};
use super::{VisitPath, not_found, see_other};
use crate::app::visits::{Collection, Delivery, Step, StepDone, StepError};
use crate::app::{self, Invalid, visits};
use crate::db::jobs;
use crate::domain::photo::PhotoKind;
use crate::photos::PhotoStore;

/// `POST /crew/visits/{id}/fail`: a failed attempt with a reason and an optional note.
pub async fn fail(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    path: VisitPath,
    form: web::Form<VisitForm>,
) -> Result<HttpResponse, Problem> {
    let db = db.get_ref();
    let form = form.into_inner();
    let signed = match guard_post(&req, db, &form.csrf).await? {
        Ok(s) => s,
        Err(res) => return Ok(res),
    };
    let Some(job) = job_of_crew(db, &signed, path).await? else {
        return not_found(&signed.tr);
    };
    let id = JobId(job.id);
    let crew = CrewId(signed.member.crew_id);
    let attempt = match visits::failed_attempt(&form.reason, Some(&form.note)) {
        Ok(attempt) => attempt,
        Err(e) => {
            return visit_again(
                db,
                &signed,
                id,
                "fail",
                form,
                Refusal::invalid(&signed.tr, e),
            )
            .await;
        }
    };
    match visits::fail(db, id, Some(crew), attempt).await {
        // Rescheduled onto another crew: the visit is no longer this crew's to show.
        Ok((job, _)) if job.crew_id != Some(crew.0) => Ok(see_other("/crew?saved=revisit-moved")),
        Ok(_) => Ok(see_other(&format!("/crew/visits/{id}?saved=failed"))),
        Err(e) => {
            visit_again(
                db,
                &signed,
                id,
                "fail",
                form,
                Refusal::of_step(&signed.tr, e)?,
            )
            .await
        }
    }
}

/// `POST /crew/visits/{id}/on-the-way`: the crew sets off, with an optional estimate.
pub async fn on_the_way(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    path: VisitPath,
    form: web::Form<VisitForm>,
) -> Result<HttpResponse, Problem> {
    let db = db.get_ref();
    let form = form.into_inner();
    let signed = match guard_post(&req, db, &form.csrf).await? {
        Ok(s) => s,
        Err(res) => return Ok(res),
    };
    let Some(job) = job_of_crew(db, &signed, path).await? else {
        return not_found(&signed.tr);
    };
    let id = JobId(job.id);
    let now = Utc::now();
    let eta = match form.eta_minutes.trim() {
        "" => Ok(None),
        m => match m.parse::<i64>() {
            Ok(m) if ETAS.contains(&form.eta_minutes.trim()) => {
                Ok(Some(now + Duration::minutes(m)))
            }
            _ => Err(Invalid::field("eta_minutes", "choose one of the estimates")),
        },
    };
    let eta = match eta.and_then(|eta| visits::check_eta(eta, now).map(|()| eta)) {
        Ok(eta) => eta,
        Err(e) => {
            return visit_again(
                db,
                &signed,
                id,
                "on_the_way",
                form,
                Refusal::invalid(&signed.tr, e),
            )
            .await;
        }
    };
    let crew = Some(CrewId(signed.member.crew_id));
    let outcome = visits::on_the_way(db, id, crew, eta).await;
    step_answered(db, &signed, id, Step::OnTheWay, form, outcome).await
}

/// After a step: back to the visit with what was saved, or that it was recorded before (303);
/// the form again with the errors; the 404 page for a visit of another crew.
async fn step_answered(
    db: &DatabaseConnection,
    signed: &Signed,
    id: JobId,
    step: Step,
    form: VisitForm,
    outcome: Result<StepDone, StepError>,
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
        Err(e) => {
            visit_again(
                db,
                signed,
                id,
                step.as_str(),
                form,
                Refusal::of_step(&signed.tr, e)?,
            )
            .await
        }
    }
}

/// The steps that take a photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PhotoStep {
    Delivered,
    Collected,
}

impl PhotoStep {
    fn step(self) -> Step {
        match self {
            PhotoStep::Delivered => Step::Delivered,
            PhotoStep::Collected => Step::Collected,
        }
    }

    fn kind(self) -> PhotoKind {
        match self {
            PhotoStep::Delivered => PhotoKind::Delivered,
            PhotoStep::Collected => PhotoKind::Collected,
        }
    }
}

/// `POST /crew/visits/{id}/delivered` (`multipart/form-data`, with an optional photo).
pub async fn delivered_with_photo(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    store: web::Data<dyn PhotoStore>,
    path: VisitPath,
    payload: web::Payload,
) -> Result<HttpResponse, Problem> {
    step_with_photo(req, db, store, path, payload, PhotoStep::Delivered).await
}

/// `POST /crew/visits/{id}/collected` (`multipart/form-data`, with an optional photo).
pub async fn collected_with_photo(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    store: web::Data<dyn PhotoStore>,
    path: VisitPath,
    payload: web::Payload,
) -> Result<HttpResponse, Problem> {
    step_with_photo(req, db, store, path, payload, PhotoStep::Collected).await
}

/// `POST /crew/visits/{id}/delivered` (`application/x-www-form-urlencoded`, no photo).
pub async fn delivered(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    store: web::Data<dyn PhotoStore>,
    path: VisitPath,
    form: web::Form<VisitForm>,
) -> Result<HttpResponse, Problem> {
    let (db, store, form) = (db.get_ref(), store.get_ref(), form.into_inner());
    step_visit(
        &req,
        db,
        store,
        path,
        form,
        Vec::new(),
        PhotoStep::Delivered,
    )
    .await
}

/// `POST /crew/visits/{id}/collected` (`application/x-www-form-urlencoded`, no photo).
pub async fn collected(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    store: web::Data<dyn PhotoStore>,
    path: VisitPath,
    form: web::Form<VisitForm>,
) -> Result<HttpResponse, Problem> {
    let (db, store, form) = (db.get_ref(), store.get_ref(), form.into_inner());
    step_visit(
        &req,
        db,
        store,
        path,
        form,
        Vec::new(),
        PhotoStep::Collected,
    )
    .await
}

async fn step_with_photo(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    store: web::Data<dyn PhotoStore>,
    path: VisitPath,
    payload: web::Payload,
    step: PhotoStep,
) -> Result<HttpResponse, Problem> {
    let (form, photos) = match read_multipart(&req, payload).await? {
        Ok(read) => read,
        Err(res) => return Ok(res),
    };
    let (db, store) = (db.get_ref(), store.get_ref());
    step_visit(&req, db, store, path, form, photos, step).await
}

/// What a *delivered* or *collected* form says, checked.
enum Report {
    Delivered(Delivery),
    Collected(Collection),
}

/// The form of `step` checked; a collected serial that is not the case's comes back with the
/// question (a checkbox to confirm it, then it is recorded and flagged) before anything is
/// stored.
fn report_of(
    tr: &Tr,
    step: PhotoStep,
    form: &VisitForm,
    job: &jobs::Model,
) -> Result<Report, Refusal> {
    match step {
        PhotoStep::Delivered => visits::delivery(&form.delivered_serial, &form.recipient_name)
            .map(Report::Delivered)
            .map_err(|e| Refusal::invalid(tr, e)),
        PhotoStep::Collected => {
            let collection =
                visits::collection(&form.collected_serial, form.confirm_mismatch == "yes")
                    .map_err(|e| Refusal::invalid(tr, e))?;
            if let Err(e) = collection.check(&job.collect_serial)
                && job.collected_at.is_none()
            {
                return Err(Refusal::mismatch(tr, &e));
            }
            Ok(Report::Collected(collection))
        }
    }
}

/// *Delivered* or *collected* with its optional photo (the other kind's file input ignored);
/// then back to the visit (303) with what was saved, or that it was recorded before.
async fn step_visit(
    req: &HttpRequest,
    db: &DatabaseConnection,
    store: &dyn PhotoStore,
    path: VisitPath,
    form: VisitForm,
    photos: Vec<PhotoInput>,
    step: PhotoStep,
) -> Result<HttpResponse, Problem> {
    let signed = match guard_post(req, db, &form.csrf).await? {
        Ok(s) => s,
        Err(res) => return Ok(res),
    };
    let Some(job) = job_of_crew(db, &signed, path).await? else {
        return not_found(&signed.tr);
    };
    let id = JobId(job.id);
    let which = step.step().as_str();
    let report = match report_of(&signed.tr, step, &form, &job) {
        Ok(report) => report,
        Err(refusal) => return visit_again(db, &signed, id, which, form, refusal).await,
    };
    let photos = photos
        .into_iter()
        .filter(|p| p.kind == step.kind())
        .collect();
    let (stored, evidence) =
        match store_inputs(db, store, &signed, id, which, &form, photos).await? {
            Ok(stored) => stored,
            Err(page) => return Ok(page),
        };
    let crew = Some(CrewId(signed.member.crew_id));
    let outcome = match report {
        Report::Delivered(d) => {
            visits::delivered(db, id, crew, d, &stored, false, evidence.delivered).await
        }
        Report::Collected(c) => {
            visits::collected(db, id, crew, c, &stored, evidence.collected).await
        }
    };
    if !outcome.as_ref().is_ok_and(|d| d.recorded) {
        app::photos::discard(store, &stored).await;
    }
    step_answered(db, &signed, id, step.step(), form, outcome).await
}
