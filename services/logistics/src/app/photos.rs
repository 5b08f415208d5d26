//! Photos of a visit: checked before anything is stored; the bytes go to the [`PhotoStore`] and
//! the row to `job_photos`, and when the row cannot be written the bytes are removed again.
//! The crew's steps record their photos' rows in their own transaction ([`super::visits`]).

use chrono::Utc;
use kummerer_contracts::ids::JobId;
use kummerer_contracts::{BlobKey, Photo};
use sea_orm::{DatabaseConnection, DbErr};
use uuid::Uuid;

use super::Invalid;
use crate::db::{self, job_photos};
use crate::domain::photo::{self, ImageType, PhotoKind, check_photo, evidence};
use crate::photos::{PhotoStore, StoredPhoto};

/// Why a photo could not be stored or read.
#[derive(Debug, thiserror::Error)]
pub enum PhotoError {
    #[error("no such job")]
    JobNotFound,
    /// Not a photo we take (empty, too large, not an accepted image).
    #[error(transparent)]
    Refused(#[from] photo::PhotoError),
    #[error("photo store: {0}")]
    Store(#[from] std::io::Error),
    /// A recorded photo whose bytes are not in the store, or whose type is unknown.
    #[error("photo {0}: {1}")]
    Broken(Uuid, &'static str),
    #[error("database: {0}")]
    Db(#[from] DbErr),
}

/// Puts checked bytes into the store.
pub async fn put(
    store: &dyn PhotoStore,
    kind: PhotoKind,
    image: ImageType,
    bytes: Vec<u8>,
) -> Result<StoredPhoto, PhotoError> {
    let size_bytes = i64::try_from(bytes.len())
        .map_err(|_| std::io::Error::other("photo larger than i64::MAX bytes"))?;
    let key = store.put(bytes, image.content_type()).await?;
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
        if let Err(e) = store.delete(photo.key.as_str()).await {
            tracing::error!(error = %e, "could not remove an unrecorded photo");
        }
    }
}

/// Checks a photo and stores it for job `job_id`. Nothing is stored when any check fails, and
/// the bytes are removed again when the row cannot be written.
pub async fn upload(
    db: &DatabaseConnection,
    store: &dyn PhotoStore,
    job_id: JobId,
    kind: PhotoKind,
    declared: &str,
    bytes: Vec<u8>,
) -> Result<job_photos::Model, PhotoError> {
    db::jobs::find(db, job_id.0)
        .await?
        .ok_or(PhotoError::JobNotFound)?;
    let image = check_photo(declared, &bytes)?;
    let stored = put(store, kind, image, bytes).await?;
    match job_photos::insert(db, job_id.0, &stored, Utc::now()).await {
        Ok(photo) => Ok(photo),
        Err(e) => {
            discard(store, std::slice::from_ref(&stored)).await;
            Err(e.into())
        }
    }
}

/// The stored bytes of a recorded photo.
pub async fn bytes_of(
    store: &dyn PhotoStore,
    photo: &job_photos::Model,
) -> Result<Vec<u8>, PhotoError> {
    store
        .get(&photo.storage_key)
        .await?
        .ok_or(PhotoError::Broken(
            photo.id,
            "recorded but not in the store",
        ))
}

/// A recorded photo as evidence for a message, by claim-check: its key, size and digest (the
/// bytes stay in the blob store). A photo recorded before the blob store (a former file name)
/// is put into the store under a key, and its row moved there.
pub async fn evidence_of(
    db: &DatabaseConnection,
    store: &dyn PhotoStore,
    photo: &job_photos::Model,
) -> Result<Photo, PhotoError> {
    let image = ImageType::from_content_type(&photo.content_type)
        .ok_or(PhotoError::Broken(photo.id, "has no image type"))?;
    let size = u64::try_from(photo.size_bytes)
        .map_err(|_| PhotoError::Broken(photo.id, "has a negative size"))?;
    let key = match BlobKey::parse(&photo.storage_key) {
        Ok(key) => key,
        Err(_) => {
            let bytes = bytes_of(store, photo).await?;
            let key = store.put(bytes, image.content_type()).await?;
            job_photos::set_key(db, photo.id, key.as_str()).await?;
            if let Err(e) = store.delete(&photo.storage_key).await {
                tracing::warn!(error = %e, photo.id = %photo.id, "could not remove a former photo file");
            }
            key
        }
    };
    Ok(evidence(image, size, key))
}

/// A photo just put in the store as evidence for a message.
pub fn evidence_of_stored(photo: &StoredPhoto) -> Photo {
    let size = u64::try_from(photo.size_bytes).unwrap_or_default();
    evidence(photo.image, size, photo.key.clone())
}

/// A photo uploaded before for a step: it must be the job's and of the step's kind.
pub async fn uploaded_for_step(
    db: &DatabaseConnection,
    job_id: JobId,
    photo_id: Option<Uuid>,
    kind: PhotoKind,
) -> Result<Result<Option<job_photos::Model>, Invalid>, DbErr> {
    let Some(photo_id) = photo_id else {
        return Ok(Ok(None));
    };
    let photo = job_photos::find(db, job_id.0, photo_id)
        .await?
        .filter(|p| p.kind == kind);
    Ok(match photo {
        Some(photo) => Ok(Some(photo)),
        None => Err(Invalid::field(
            "photo_id",
            format!("must be a {} photo uploaded for this job", kind.as_string()),
        )),
    })
}
