//! Photos of a visit: upload (raw image body), list, and the bytes. Every check happens before
//! anything is stored; the bytes go to the [`PhotoStore`] and the row to `job_photos`, and when
//! the row cannot be written the bytes are removed again. The crew's page stores through the
//! same [`store_photo`].

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use kummerer_service::{FieldErrors, Problem};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DatabaseConnection, DbErr};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::db::{self, job_photos};
use crate::domain::photo::{ImageType, MAX_PHOTO_BYTES, PhotoError, PhotoKind, check_photo};
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
            kind: p.kind,
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

pub fn too_large() -> Problem {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        "Photo too large",
        Some(format!(
            "a photo must be at most {} MiB",
            MAX_PHOTO_BYTES / (1024 * 1024)
        )),
    )
}

fn not_an_image(e: PhotoError) -> Problem {
    Problem::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        "Not a photo",
        Some(format!("{e}: send a JPEG, PNG or WebP image")),
    )
}

/// The problem for a refused photo.
pub fn refused(e: PhotoError) -> Problem {
    match e {
        PhotoError::TooLarge => too_large(),
        PhotoError::Empty | PhotoError::DeclaredTypeNotAccepted | PhotoError::NotAnImage => {
            not_an_image(e)
        }
    }
}

/// A checked photo whose bytes are in the store, not yet recorded in `job_photos`.
#[derive(Debug, Clone)]
pub struct StoredPhoto {
    pub key: String,
    pub kind: PhotoKind,
    pub image: ImageType,
    pub size_bytes: i64,
}

/// Puts checked bytes into the store.
pub async fn put_photo(
    store: &dyn PhotoStore,
    kind: PhotoKind,
    image: ImageType,
    bytes: Vec<u8>,
) -> Result<StoredPhoto, Problem> {
    let size_bytes = i64::try_from(bytes.len()).map_err(Problem::internal)?;
    let key = store
        .put(bytes, image.content_type())
        .await
        .map_err(|e| Problem::internal(format!("photo store: {e}")))?;
    Ok(StoredPhoto {
        key,
        kind,
        image,
        size_bytes,
    })
}

/// Removes stored bytes whose rows were not written (the request failed after the put).
pub async fn discard(store: &dyn PhotoStore, photos: &[StoredPhoto]) {
    for photo in photos {
        if let Err(e) = store.delete(&photo.key).await {
            tracing::error!(error = %e, "could not remove an unrecorded photo");
        }
    }
}

/// Records a stored photo for job `job_id` (in the caller's transaction).
pub async fn insert_photo<C: ConnectionTrait>(
    db: &C,
    job_id: Uuid,
    photo: &StoredPhoto,
    now: DateTime<Utc>,
) -> Result<job_photos::Model, DbErr> {
    let photo = job_photos::ActiveModel {
        id: Set(Uuid::now_v7()),
        job_id: Set(job_id),
        kind: Set(photo.kind.as_str().to_owned()),
        content_type: Set(photo.image.content_type().to_owned()),
        size_bytes: Set(photo.size_bytes),
        storage_key: Set(photo.key.clone()),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    tracing::info!(job.id = %job_id, photo.id = %photo.id, photo.kind = %photo.kind, photo.size = photo.size_bytes, "photo stored");
    Ok(photo)
}

/// Checks a photo and stores it for job `job_id`. Nothing is stored when any check fails, and
/// the bytes are removed again when the row cannot be written.
pub async fn store_photo(
    db: &DatabaseConnection,
    store: &dyn PhotoStore,
    job_id: Uuid,
    kind: PhotoKind,
    declared: &str,
    bytes: Vec<u8>,
) -> Result<job_photos::Model, Problem> {
    db::find_job(db, job_id)
        .await?
        .ok_or_else(|| Problem::not_found("job"))?;
    let image = check_photo(declared, &bytes).map_err(refused)?;
    let stored = put_photo(store, kind, image, bytes).await?;
    match insert_photo(db, job_id, &stored, Utc::now()).await {
        Ok(photo) => Ok(photo),
        Err(e) => {
            discard(store, std::slice::from_ref(&stored)).await;
            Err(e.into())
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct UploadQuery {
    pub kind: Option<String>,
}

/// The kind of photo from the query, or a 422.
fn kind_of(kind: Option<&str>) -> Result<PhotoKind, Problem> {
    match kind.and_then(PhotoKind::parse) {
        Some(kind) => Ok(kind),
        None => {
            let mut v = FieldErrors::new();
            v.add("kind", "must be one of delivered, collected");
            v.finish()?;
            Err(Problem::internal("photo kind vanished after validation"))
        }
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
    db::find_job(db.get_ref(), job_id)
        .await?
        .ok_or_else(|| Problem::not_found("job"))?;
    let declared = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    if ImageType::from_content_type(&declared).is_none() {
        return Err(refused(PhotoError::DeclaredTypeNotAccepted));
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
    let photo = store_photo(
        db.get_ref(),
        store.get_ref(),
        job_id,
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
    db::find_job(db.get_ref(), job_id)
        .await?
        .ok_or_else(|| Problem::not_found("job"))?;
    let items = job_photos::of_job(db.get_ref(), job_id)
        .await?
        .into_iter()
        .map(PhotoView::from)
        .collect();
    Ok(HttpResponse::Ok().json(PhotoList { items }))
}

/// The stored bytes of a photo as a response: its stored type, never sniffed by the browser.
pub async fn photo_response(
    store: &dyn PhotoStore,
    photo: &job_photos::Model,
) -> Result<HttpResponse, Problem> {
    let bytes = store
        .get(&photo.storage_key)
        .await
        .map_err(|e| Problem::internal(format!("photo store: {e}")))?
        .ok_or_else(|| {
            Problem::internal(format!(
                "photo {} is recorded but not in the store",
                photo.id
            ))
        })?;
    Ok(HttpResponse::Ok()
        .content_type(photo.content_type.clone())
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "private, max-age=86400, immutable"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; sandbox",
        ))
        .body(bytes))
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
    photo_response(store.get_ref(), &photo).await
}
