//! `GET /crew/visits/{id}/photos/{photo_id}`: a photo of one of the crew's visits.

use actix_web::{HttpResponse, web};
use kummerer_service::Problem;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::auth::CrewMember;
use super::visit::job_of_crew;
use super::{VisitPath, not_found};
use crate::db::job_photos;
use crate::photos::PhotoStore;

/// `GET /crew/visits/{id}/photos/{photo_id}`: a photo of one of the crew's visits.
pub async fn photo(
    CrewMember(signed): CrewMember,
    db: web::Data<DatabaseConnection>,
    store: web::Data<dyn PhotoStore>,
    visit: VisitPath,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Problem> {
    let db = db.get_ref();
    let (_, photo_id) = path.into_inner();
    let Some(job) = job_of_crew(db, &signed, visit).await? else {
        return not_found(&signed.tr);
    };
    let Ok(photo_id) = photo_id.parse::<Uuid>() else {
        return not_found(&signed.tr);
    };
    let Some(photo) = job_photos::find(db, job.id, photo_id).await? else {
        return not_found(&signed.tr);
    };
    crate::http::view::photo_response(store.get_ref(), &photo).await
}
