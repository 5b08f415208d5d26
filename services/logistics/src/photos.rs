//! Where the bytes of a photo live: a small interface ([`PhotoStore`]) and its implementation on
//! the blob store the services share ([`BlobPhotoStore`], `kummerer_blobs`: a local directory
//! or an S3-compatible bucket). Keys are made by the store (`logistics/<sha256>-<random>`),
//! never taken from a request; the photos' rows (`job_photos.storage_key`) keep them, and the
//! messages carry them as claim-checks. Rows from before the blob store keep their former
//! 32-hex-digit names, read from the store's root (point `KUMMERER_BLOB_DIR` at the former
//! `KUMMERER_PHOTO_DIR` to keep them).

use std::future::Future;
use std::io;
use std::path::Path;
use std::pin::Pin;

use kummerer_blobs::BlobStore;
use kummerer_contracts::BlobKey;

use crate::domain::photo::{ImageType, PhotoKind};

/// The former photo directory's variable: still honoured as the blob directory when
/// `KUMMERER_BLOB_DIR` and `KUMMERER_BLOB_S3_BUCKET` are unset.
pub const PHOTO_DIR_VAR: &str = "KUMMERER_PHOTO_DIR";

/// A checked photo whose bytes are in the store, not yet recorded in `job_photos`.
#[derive(Debug, Clone)]
pub struct StoredPhoto {
    pub key: BlobKey,
    pub kind: PhotoKind,
    pub image: ImageType,
    pub size_bytes: i64,
}

pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = io::Result<T>> + Send + 'a>>;

/// Stores the bytes of photos under keys of its own choosing.
pub trait PhotoStore: Send + Sync + 'static {
    /// Stores `bytes`; returns the new key.
    fn put(&self, bytes: Vec<u8>, content_type: &str) -> StoreFuture<'_, BlobKey>;
    /// The bytes under `key` (a row's `storage_key`); `None` when there are none.
    fn get(&self, key: &str) -> StoreFuture<'_, Option<Vec<u8>>>;
    /// Removes the bytes under `key` (used when the row describing them could not be written,
    /// and by erasure).
    fn delete(&self, key: &str) -> StoreFuture<'_, ()>;
}

/// Photos in the shared blob store, under `logistics/`.
#[derive(Debug, Clone)]
pub struct BlobPhotoStore {
    blobs: BlobStore,
}

impl BlobPhotoStore {
    pub fn new(blobs: BlobStore) -> BlobPhotoStore {
        BlobPhotoStore { blobs }
    }

    /// A store in local directory `dir`, created if missing (tests, development).
    pub fn local(dir: impl AsRef<Path>) -> io::Result<BlobPhotoStore> {
        let blobs = BlobStore::local(dir, crate::SERVICE).map_err(io::Error::other)?;
        Ok(BlobPhotoStore { blobs })
    }

    pub fn blobs(&self) -> &BlobStore {
        &self.blobs
    }
}

impl PhotoStore for BlobPhotoStore {
    fn put(&self, bytes: Vec<u8>, _content_type: &str) -> StoreFuture<'_, BlobKey> {
        Box::pin(async move {
            let stored = self.blobs.put(bytes).await.map_err(io::Error::other)?;
            Ok(stored.key)
        })
    }

    fn get(&self, key: &str) -> StoreFuture<'_, Option<Vec<u8>>> {
        let key = key.to_owned();
        Box::pin(async move {
            match BlobKey::parse(&key) {
                Ok(key) => self.blobs.get(&key).await,
                Err(_) => self.blobs.get_legacy(&key).await,
            }
            .map_err(io::Error::other)
        })
    }

    fn delete(&self, key: &str) -> StoreFuture<'_, ()> {
        let key = key.to_owned();
        Box::pin(async move {
            match BlobKey::parse(&key) {
                Ok(key) => self.blobs.delete(&key).await,
                Err(_) => self.blobs.delete_legacy(&key).await,
            }
            .map_err(io::Error::other)
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test]
    async fn put_get_delete_and_keys_are_never_paths() {
        let dir = std::env::temp_dir().join(format!("kummerer-store-{}", uuid::Uuid::now_v7()));
        let store = BlobPhotoStore::local(&dir).unwrap();
        let key = store.put(b"abc".to_vec(), "image/png").await.unwrap();
        assert_eq!(key.producer(), "logistics");
        let key = key.as_str();
        assert_eq!(store.get(key).await.unwrap(), Some(b"abc".to_vec()));
        assert_eq!(std::fs::read_dir(dir.join("logistics")).unwrap().count(), 1);
        for bad in ["../etc/passwd", "/etc/passwd", "", "x"] {
            assert_eq!(store.get(bad).await.unwrap(), None, "{bad}");
        }
        store.delete(key).await.unwrap();
        assert_eq!(store.get(key).await.unwrap(), None);
        store.delete(key).await.unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
