//! Where the bytes of a photo live: a small interface ([`PhotoStore`]) and its disk
//! implementation ([`DiskPhotoStore`]). Keys are generated here (UUIDv7, 32 hex digits), never
//! taken from a request, so a key can never name a path outside the store's directory.

use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;

use uuid::Uuid;

use crate::domain::photo::{ImageType, PhotoKind};

/// The environment variable naming the photo directory.
pub const PHOTO_DIR_VAR: &str = "KUMMERER_PHOTO_DIR";
/// The photo directory when [`PHOTO_DIR_VAR`] is unset.
pub const DEFAULT_PHOTO_DIR: &str = "./data/photos";

/// A checked photo whose bytes are in the store, not yet recorded in `job_photos`.
#[derive(Debug, Clone)]
pub struct StoredPhoto {
    pub key: String,
    pub kind: PhotoKind,
    pub image: ImageType,
    pub size_bytes: i64,
}

pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = io::Result<T>> + Send + 'a>>;

/// Stores the bytes of photos under keys of its own choosing.
pub trait PhotoStore: Send + Sync + 'static {
    /// Stores `bytes`; returns the new key.
    fn put(&self, bytes: Vec<u8>, content_type: &str) -> StoreFuture<'_, String>;
    /// The bytes under `key`; `None` when there are none.
    fn get(&self, key: &str) -> StoreFuture<'_, Option<Vec<u8>>>;
    /// Removes the bytes under `key` (used when the row describing them could not be written).
    fn delete(&self, key: &str) -> StoreFuture<'_, ()>;
}

/// Photos as files in one directory, named by their key.
#[derive(Debug, Clone)]
pub struct DiskPhotoStore {
    dir: PathBuf,
}

fn valid_key(key: &str) -> bool {
    key.len() == 32 && key.bytes().all(|b| b.is_ascii_hexdigit())
}

fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> io::Result<T> + Send + 'static,
) -> StoreFuture<'static, T> {
    Box::pin(async move {
        tokio::task::spawn_blocking(f)
            .await
            .map_err(io::Error::other)?
    })
}

impl DiskPhotoStore {
    /// A store in `dir`, created if missing.
    pub fn open(dir: impl Into<PathBuf>) -> io::Result<DiskPhotoStore> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)?;
        Ok(DiskPhotoStore { dir })
    }

    /// A store in `dir`, which is created on the first upload.
    pub fn unchecked(dir: impl Into<PathBuf>) -> DiskPhotoStore {
        DiskPhotoStore { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path_of(&self, key: &str) -> Option<PathBuf> {
        valid_key(key).then(|| self.dir.join(key))
    }
}

impl PhotoStore for DiskPhotoStore {
    fn put(&self, bytes: Vec<u8>, _content_type: &str) -> StoreFuture<'_, String> {
        let key = Uuid::now_v7().simple().to_string();
        let dir = self.dir.clone();
        blocking(move || {
            std::fs::create_dir_all(&dir)?;
            // Written under a temporary name, then renamed: a reader never sees half a photo.
            let tmp = dir.join(format!("{key}.part"));
            let path = dir.join(&key);
            let written = std::fs::write(&tmp, &bytes).and_then(|()| std::fs::rename(&tmp, &path));
            if let Err(e) = written {
                let _ = std::fs::remove_file(&tmp);
                return Err(e);
            }
            Ok(key)
        })
    }

    fn get(&self, key: &str) -> StoreFuture<'_, Option<Vec<u8>>> {
        let Some(path) = self.path_of(key) else {
            return Box::pin(async { Ok(None) });
        };
        blocking(move || match std::fs::read(&path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        })
    }

    fn delete(&self, key: &str) -> StoreFuture<'_, ()> {
        let Some(path) = self.path_of(key) else {
            return Box::pin(async { Ok(()) });
        };
        blocking(move || match std::fs::remove_file(&path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test]
    async fn put_get_delete_and_keys_are_never_paths() {
        let dir = std::env::temp_dir().join(format!("kummerer-store-{}", Uuid::now_v7()));
        let store = DiskPhotoStore::open(&dir).unwrap();
        let key = store.put(b"abc".to_vec(), "image/png").await.unwrap();
        assert!(valid_key(&key), "{key}");
        assert_eq!(store.get(&key).await.unwrap(), Some(b"abc".to_vec()));
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        for bad in ["../etc/passwd", "/etc/passwd", "", "x"] {
            assert_eq!(store.get(bad).await.unwrap(), None, "{bad}");
        }
        store.delete(&key).await.unwrap();
        assert_eq!(store.get(&key).await.unwrap(), None);
        store.delete(&key).await.unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
