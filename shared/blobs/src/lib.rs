//! The blob store the services share for claim-checks (issue 15): a large payload (a crew's
//! photo) is stored once, and the messages carry its key, size and SHA-256
//! (`kummerer_contracts::Photo`) instead of the bytes. The services share no database, but
//! they may share this store: one directory or one S3-compatible bucket, each producer writing
//! under its own prefix (`logistics/…`).
//!
//! - Keys are made here, never taken from a request: `<producer>/<sha256>-<random>`
//!   ([`BlobKey`]), unguessable (122 random bits) and checked for their shape when a message is
//!   parsed, so no message can make a service read a path, another prefix's listing or a URL.
//! - A receiver fetches with [`BlobStore::fetch_verified`]: a missing blob, one over the size
//!   limit, or one whose size or SHA-256 is not the message's is an error ([`FetchError`]), never
//!   accepted; the consumer retries it and dead-letters it after the last retry.
//! - Where: [`Settings`], read from `KUMMERER_BLOB_DIR` (a local directory, the default
//!   `./data/blobs`) or `KUMMERER_BLOB_S3_*` (a bucket: MinIO in docker-compose, S3 or any
//!   S3-compatible store in Kubernetes, where the root file system is read-only).

use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;

use kummerer_contracts::BlobKey;
use kummerer_contracts::topology::Service;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use sha2::{Digest, Sha256};

mod http;
mod settings;

pub use settings::{
    BLOB_DIR_VAR, DEFAULT_BLOB_DIR, S3_ACCESS_KEY_ID_VAR, S3_BUCKET_VAR, S3_ENDPOINT_VAR,
    S3_REGION_VAR, S3_SECRET_ACCESS_KEY_VAR, S3Settings, Settings, SettingsError,
};

/// A blob this service stored: its key and what a message says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub key: BlobKey,
    /// Lower-case hex.
    pub sha256: String,
    pub size_bytes: u64,
}

/// Why a blob named by a message was not taken. Each may heal (the blob arrives late, a
/// network error), so a consumer retries and dead-letters after its last retry.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("blob {0} is not in the blob store")]
    Missing(BlobKey),
    #[error("blob {key} has {actual} bytes, over the limit of {limit}")]
    TooLarge {
        key: BlobKey,
        actual: u64,
        limit: u64,
    },
    #[error("blob {key} has {actual} bytes, the message says {expected}")]
    Size {
        key: BlobKey,
        expected: u64,
        actual: u64,
    },
    #[error("blob {key} has SHA-256 {actual}, the message says {expected}")]
    Digest {
        key: BlobKey,
        expected: String,
        actual: String,
    },
    #[error("blob store: {0}")]
    Store(#[from] object_store::Error),
}

/// Why the store could not be opened at start.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("blob directory {dir}: {source}")]
    Dir {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("blob store: {0}")]
    Store(#[from] object_store::Error),
    #[error("blob store HTTP client: {0}")]
    Tls(#[from] rustls::Error),
}

/// The shared blob store as seen by one producer (`producer` names the prefix it writes under).
#[derive(Debug, Clone)]
pub struct BlobStore {
    store: Arc<dyn ObjectStore>,
    producer: Service,
    /// Where, for the logs (a directory or `s3://bucket`; no secret).
    place: String,
}

impl BlobStore {
    /// The store `settings` name, for `producer`: a local directory is created when missing.
    pub fn open(settings: &Settings, producer: Service) -> Result<BlobStore, OpenError> {
        match settings {
            Settings::Local { dir } => BlobStore::local(dir, producer),
            Settings::S3(s3) => {
                let store = s3.builder()?.build()?;
                Ok(BlobStore {
                    store: Arc::new(store),
                    producer,
                    place: format!("s3://{}", s3.bucket),
                })
            }
        }
    }

    /// The store in directory `dir` (created when missing), for `producer`.
    pub fn local(dir: impl AsRef<FsPath>, producer: Service) -> Result<BlobStore, OpenError> {
        let dir = dir.as_ref();
        let fail = |source| OpenError::Dir {
            dir: dir.to_owned(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(fail)?;
        let store = object_store::local::LocalFileSystem::new_with_prefix(dir)?;
        Ok(BlobStore {
            store: Arc::new(store),
            producer,
            place: dir.display().to_string(),
        })
    }

    /// A store in memory, for `producer` (a route table built only to be read, tests).
    pub fn in_memory(producer: Service) -> BlobStore {
        BlobStore {
            store: Arc::new(object_store::memory::InMemory::new()),
            producer,
            place: "memory".to_owned(),
        }
    }

    /// Where the blobs are (a directory or `s3://bucket`), for the logs.
    pub fn place(&self) -> &str {
        &self.place
    }

    /// Stores `bytes` once under a new key of this producer.
    pub async fn put(&self, bytes: Vec<u8>) -> Result<Stored, object_store::Error> {
        let sha256 = sha256_hex(&bytes);
        let key =
            BlobKey::new(self.producer, &sha256).map_err(|e| object_store::Error::Generic {
                store: "kummerer",
                source: Box::new(e),
            })?;
        let size_bytes = bytes.len() as u64;
        self.store.put(&path(&key), PutPayload::from(bytes)).await?;
        Ok(Stored {
            key,
            sha256,
            size_bytes,
        })
    }

    /// The bytes under `key`; `None` when there are none (not checked: for the producer's own
    /// blobs, whose rows it keeps).
    pub async fn get(&self, key: &BlobKey) -> Result<Option<Vec<u8>>, object_store::Error> {
        self.get_path(&path(key)).await
    }

    /// The bytes a message names: present, at most `limit` bytes, and of the message's size
    /// and SHA-256, else an error saying which.
    pub async fn fetch_verified(
        &self,
        key: &BlobKey,
        size_bytes: u64,
        sha256: &str,
        limit: u64,
    ) -> Result<Vec<u8>, FetchError> {
        let got = match self.store.get(&path(key)).await {
            Ok(got) => got,
            Err(object_store::Error::NotFound { .. }) => {
                return Err(FetchError::Missing(key.clone()));
            }
            Err(e) => return Err(e.into()),
        };
        let actual = got.meta.size;
        if actual > limit {
            return Err(FetchError::TooLarge {
                key: key.clone(),
                actual,
                limit,
            });
        }
        if actual != size_bytes {
            return Err(FetchError::Size {
                key: key.clone(),
                expected: size_bytes,
                actual,
            });
        }
        let bytes = got.bytes().await?;
        verify(key, &bytes, size_bytes, sha256)?;
        Ok(bytes.to_vec())
    }

    /// Removes the blob under `key` (none there is not an error).
    pub async fn delete(&self, key: &BlobKey) -> Result<(), object_store::Error> {
        self.delete_path(&path(key)).await
    }

    /// The bytes of a file that predates the keys (a 32-hex-digit name at the store's root:
    /// the photos of the former photo directory); `None` for any other name.
    pub async fn get_legacy(&self, name: &str) -> Result<Option<Vec<u8>>, object_store::Error> {
        match legacy(name) {
            Some(p) => self.get_path(&p).await,
            None => Ok(None),
        }
    }

    /// Removes a file that predates the keys (see [`BlobStore::get_legacy`]).
    pub async fn delete_legacy(&self, name: &str) -> Result<(), object_store::Error> {
        match legacy(name) {
            Some(p) => self.delete_path(&p).await,
            None => Ok(()),
        }
    }

    async fn get_path(&self, p: &Path) -> Result<Option<Vec<u8>>, object_store::Error> {
        match self.store.get(p).await {
            Ok(got) => Ok(Some(got.bytes().await?.to_vec())),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn delete_path(&self, p: &Path) -> Result<(), object_store::Error> {
        match self.store.delete(p).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

/// The store's path of a checked key (its shape allows no `..`, no leading `/`).
fn path(key: &BlobKey) -> Path {
    Path::from(key.as_str())
}

fn legacy(name: &str) -> Option<Path> {
    (name.len() == 32 && name.bytes().all(|b| b.is_ascii_hexdigit())).then(|| Path::from(name))
}

/// Whether `bytes` are what a message says: its size and SHA-256.
pub fn verify(
    key: &BlobKey,
    bytes: &[u8],
    size_bytes: u64,
    sha256: &str,
) -> Result<(), FetchError> {
    let actual = bytes.len() as u64;
    if actual != size_bytes {
        return Err(FetchError::Size {
            key: key.clone(),
            expected: size_bytes,
            actual,
        });
    }
    let digest = sha256_hex(bytes);
    if !digest.eq_ignore_ascii_case(sha256) {
        return Err(FetchError::Digest {
            key: key.clone(),
            expected: sha256.to_owned(),
            actual: digest,
        });
    }
    Ok(())
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    Sha256::digest(bytes)
        .iter()
        .fold(String::with_capacity(64), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn temp_dir() -> PathBuf {
        std::env::temp_dir().join(format!("kummerer-blobs-{}", uuid::Uuid::now_v7()))
    }

    #[tokio::test]
    async fn a_blob_is_stored_under_its_producer_and_fetched_verified() {
        let dir = temp_dir();
        let logistics = BlobStore::local(&dir, Service::Logistics).unwrap();
        let stored = logistics.put(b"photo".to_vec()).await.unwrap();
        assert_eq!(stored.key.producer(), "logistics");
        assert_eq!(stored.key.sha256(), stored.sha256);
        assert_eq!(stored.sha256, sha256_hex(b"photo"));
        assert_eq!(stored.size_bytes, 5);
        assert!(dir.join(stored.key.as_str()).is_file());
        // Another service reads it by key from the same store.
        let manufacturer = BlobStore::local(&dir, Service::Manufacturer).unwrap();
        let bytes = manufacturer
            .fetch_verified(&stored.key, 5, &stored.sha256, 1024)
            .await
            .unwrap();
        assert_eq!(bytes, b"photo");
        // The same content twice: two keys, two blobs.
        let again = logistics.put(b"photo".to_vec()).await.unwrap();
        assert_ne!(again.key, stored.key);
        logistics.delete(&stored.key).await.unwrap();
        logistics.delete(&stored.key).await.unwrap();
        assert!(matches!(
            manufacturer
                .fetch_verified(&stored.key, 5, &stored.sha256, 1024)
                .await,
            Err(FetchError::Missing(_))
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn a_tampered_short_or_large_blob_is_refused() {
        let dir = temp_dir();
        let store = BlobStore::local(&dir, Service::Logistics).unwrap();
        let stored = store.put(b"original".to_vec()).await.unwrap();
        // Same length, other bytes.
        std::fs::write(dir.join(stored.key.as_str()), b"tampered").unwrap();
        let e = store
            .fetch_verified(&stored.key, 8, &stored.sha256, 1024)
            .await
            .unwrap_err();
        assert!(matches!(e, FetchError::Digest { .. }), "{e}");
        assert!(e.to_string().contains("SHA-256"), "{e}");
        let e = store
            .fetch_verified(&stored.key, 9, &stored.sha256, 1024)
            .await
            .unwrap_err();
        assert!(matches!(e, FetchError::Size { .. }), "{e}");
        let e = store
            .fetch_verified(&stored.key, 8, &stored.sha256, 4)
            .await
            .unwrap_err();
        assert!(matches!(e, FetchError::TooLarge { .. }), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn legacy_names_are_read_and_nothing_else() {
        let dir = temp_dir();
        let store = BlobStore::local(&dir, Service::Logistics).unwrap();
        let name = "0193a1b2c3d4e5f60718293a4b5c6d7e";
        std::fs::write(dir.join(name), b"old").unwrap();
        assert_eq!(store.get_legacy(name).await.unwrap(), Some(b"old".to_vec()));
        for bad in ["../x", "/etc/passwd", "", "logistics"] {
            assert_eq!(store.get_legacy(bad).await.unwrap(), None, "{bad}");
        }
        store.delete_legacy(name).await.unwrap();
        assert_eq!(store.get_legacy(name).await.unwrap(), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
