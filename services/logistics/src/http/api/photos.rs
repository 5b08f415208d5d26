//! Photos of a visit: upload (raw image body), list, and the bytes. Every check happens before
//! anything is stored ([`crate::app::photos`]).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use kummerer_contracts::ids::JobId;
use kummerer_service::Problem;
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{refused_photo, too_large};
use crate::app;
use crate::db::{self, job_photos};
use crate::domain::photo::{ImageType, MAX_PHOTO_BYTES, PhotoError, PhotoKind};
use crate::photos::PhotoStore;

#[derive(Debug, Serialize)]
pub struct PhotoView {
    pub id: Uuid,
    pub job_id: Uuid,
    /// `delivered` or `collected`.
    pub kind: String,
    /// What the bytes are (by their magic numbers).
    pub content_type: String,
    pub size_bytes: i64,
    pub created_at: DateTime<Utc>,
    /// Where the bytes are served.
    pub url: String,
}

impl From<job_photos::Model> for PhotoView {
    fn from(p: job_photos::Model) -> Self {
        PhotoView {
            url: format!("/api/jobs/{}/photos/{}", p.job_id, p.id),
            id: p.id,
            job_id: p.job_id,
            kind: p.kind.as_string(),
            content_type: p.content_type,
            size_bytes: p.size_bytes,
            created_at: p.created_at,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct PhotoList {
    pub items: Vec<PhotoView>,
}

#[derive(Debug, Deserialize)]
pub struct UploadQuery {
    pub kind: Option<String>,
}

/// The kind of photo from the query, or a 422.
fn kind_of(kind: Option<&str>) -> Result<PhotoKind, Problem> {
    match kind.and_then(PhotoKind::parse) {
        Some(kind) => Ok(kind),
        None => Err(app::Invalid::field("kind", "must be one of delivered, collected").into()),
    }
}

/// `POST /api/jobs/{id}/photos?kind=delivered|collected` with the raw image as the body
/// (`Content-Type: image/jpeg|image/png|image/webp`): 201 with the photo; 404 unknown job; 413
/// over 5 MiB; 415 not an image (whatever the declared type); 422 bad kind.
pub async fn upload(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    store: web::Data<dyn PhotoStore>,
    path: web::Path<Uuid>,
    query: web::Query<UploadQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, Problem> {
    let job_id = path.into_inner();
    let kind = kind_of(query.kind.as_deref())?;
    db::jobs::find(db.get_ref(), job_id)
        .await?
        .ok_or_else(|| Problem::not_found("job"))?;
    let declared = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    if ImageType::from_content_type(&declared).is_none() {
        return Err(refused_photo(PhotoError::DeclaredTypeNotAccepted));
    }
    let bytes = match payload.to_bytes_limited(MAX_PHOTO_BYTES).await {
        Ok(Ok(bytes)) => bytes,
        Err(_limit) => return Err(too_large()),
        Ok(Err(e)) => {
            return Err(Problem::bad_request(
                "bad_body",
                format!("could not read the body: {e}"),
            ));
        }
    };
    let photo = app::photos::upload(
        db.get_ref(),
        store.get_ref(),
        JobId(job_id),
        kind,
        &declared,
        bytes.to_vec(),
    )
    .await?;
    let view = PhotoView::from(photo);
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, view.url.clone()))
        .json(view))
}

/// `GET /api/jobs/{id}/photos`: the job's photos, oldest first; 404 unknown job.
pub async fn list(
    db: web::Data<DatabaseConnection>,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    let job_id = path.into_inner();
    db::jobs::find(db.get_ref(), job_id)
        .await?
        .ok_or_else(|| Problem::not_found("job"))?;
    let items = job_photos::of_job(db.get_ref(), job_id)
        .await?
        .into_iter()
        .map(PhotoView::from)
        .collect();
    Ok(HttpResponse::Ok().json(PhotoList { items }))
}

/// `GET /api/jobs/{id}/photos/{photo_id}`: the bytes; 404 when the photo is not this job's.
pub async fn get(
    db: web::Data<DatabaseConnection>,
    store: web::Data<dyn PhotoStore>,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, Problem> {
    let (job_id, photo_id) = path.into_inner();
    let photo = job_photos::find(db.get_ref(), job_id, photo_id)
        .await?
        .ok_or_else(|| Problem::not_found("photo"))?;
    crate::http::view::photo_response(store.get_ref(), &photo).await
}
