//! `POST /crew/visits/{id}/complete`: delivered and collected at once, with up to two photos.

use actix_web::{HttpRequest, HttpResponse, web};
use kummerer_contracts::ids::{CrewId, JobId};
use kummerer_service::Problem;
use sea_orm::DatabaseConnection;

use super::auth::guard_post;
use super::multipart::{PhotoInput, read_multipart, store_inputs};
use super::visit::{Refusal, VisitForm, job_of_crew, visit_again};
use super::{VisitPath, not_found, see_other};
use crate::app::{self, visits};
use crate::photos::PhotoStore;

/// `POST /crew/visits/{id}/complete` (`application/x-www-form-urlencoded`, no photos).
pub async fn complete(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    store: web::Data<dyn PhotoStore>,
    path: VisitPath,
    form: web::Form<VisitForm>,
) -> Result<HttpResponse, Problem> {
    complete_visit(
        &req,
        db.get_ref(),
        store.get_ref(),
        path,
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
    path: VisitPath,
    payload: web::Payload,
) -> Result<HttpResponse, Problem> {
    let (form, photos) = match read_multipart(&req, payload).await? {
        Ok(read) => read,
        Err(res) => return Ok(res),
    };
    complete_visit(&req, db.get_ref(), store.get_ref(), path, form, photos).await
}

/// Delivered and collected, with the photos; then back to the visit (303), where a serial
/// mismatch shows as flagged. A second submit → the visit, "already completed" (409), one
/// delivery recorded. A refused photo → the form again with the reason (413/415), nothing saved.
async fn complete_visit(
    req: &HttpRequest,
    db: &DatabaseConnection,
    store: &dyn PhotoStore,
    path: VisitPath,
    form: VisitForm,
    photos: Vec<PhotoInput>,
) -> Result<HttpResponse, Problem> {
    let signed = match guard_post(req, db, &form.csrf).await? {
        Ok(s) => s,
        Err(res) => return Ok(res),
    };
    let Some(job) = job_of_crew(db, &signed, path).await? else {
        return not_found(&signed.tr);
    };
    let id = JobId(job.id);
    let completion = match visits::completion(
        &form.delivered_serial,
        &form.collected_serial,
        &form.recipient_name,
    ) {
        Ok(completion) => completion,
        Err(e) => {
            return visit_again(
                db,
                &signed,
                id,
                "complete",
                form,
                Refusal::invalid(&signed.tr, e),
            )
            .await;
        }
    };
    let (stored, evidence) =
        match store_inputs(db, store, &signed, id, "complete", &form, photos).await? {
            Ok(stored) => stored,
            Err(page) => return Ok(page),
        };
    let crew = Some(CrewId(signed.member.crew_id));
    let outcome = visits::complete(db, id, crew, completion, &stored, evidence).await;
    if outcome.is_err() {
        app::photos::discard(store, &stored).await;
    }
    match outcome {
        Ok(_) => Ok(see_other(&format!("/crew/visits/{id}?saved=delivered"))),
        Err(e) => {
            let refusal = Refusal::of_step(&signed.tr, e)?;
            visit_again(db, &signed, id, "complete", form, refusal).await
        }
    }
}
