//! Where the blobs are, read from the environment and checked once at start.
//!
//! | variable | meaning |
//! |---|---|
//! | `KUMMERER_BLOB_DIR` | a local directory shared by the services on one host (default `./data/blobs`, created at start) |
//! | `KUMMERER_BLOB_S3_BUCKET` | an S3-compatible bucket instead (docker-compose: MinIO; Kubernetes: S3 or MinIO); not together with `KUMMERER_BLOB_DIR` |
//! | `KUMMERER_BLOB_S3_ENDPOINT` | the store's URL, `http://…` or `https://…` (default: AWS S3 of the region); plain `http://` only when written so |
//! | `KUMMERER_BLOB_S3_REGION` | the region (default `us-east-1`, what MinIO expects) |
//! | `KUMMERER_BLOB_S3_ACCESS_KEY_ID`, `KUMMERER_BLOB_S3_SECRET_ACCESS_KEY` | the credentials (both required with a bucket; the secret is never shown) |

use std::path::PathBuf;

use object_store::aws::AmazonS3Builder;
use secrecy::{ExposeSecret, SecretString};

use crate::http::HyperConnector;

pub const BLOB_DIR_VAR: &str = "KUMMERER_BLOB_DIR";
pub const DEFAULT_BLOB_DIR: &str = "./data/blobs";
pub const S3_BUCKET_VAR: &str = "KUMMERER_BLOB_S3_BUCKET";
pub const S3_ENDPOINT_VAR: &str = "KUMMERER_BLOB_S3_ENDPOINT";
pub const S3_REGION_VAR: &str = "KUMMERER_BLOB_S3_REGION";
pub const S3_ACCESS_KEY_ID_VAR: &str = "KUMMERER_BLOB_S3_ACCESS_KEY_ID";
pub const S3_SECRET_ACCESS_KEY_VAR: &str = "KUMMERER_BLOB_S3_SECRET_ACCESS_KEY";

/// Where the blobs are.
#[derive(Debug, Clone)]
pub enum Settings {
    /// A local directory.
    Local { dir: PathBuf },
    /// An S3-compatible bucket.
    S3(S3Settings),
}

/// An S3-compatible bucket and how to reach it.
#[derive(Debug, Clone)]
pub struct S3Settings {
    pub bucket: String,
    /// `None`: AWS S3 of `region`.
    pub endpoint: Option<String>,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: SecretString,
}

/// A variable whose value cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("configuration: {var} is not valid: {reason}")]
pub struct SettingsError {
    pub var: &'static str,
    pub reason: String,
}

fn error(var: &'static str, reason: impl Into<String>) -> SettingsError {
    SettingsError {
        var,
        reason: reason.into(),
    }
}

impl Settings {
    /// From `lookup` (a variable's value, `None` when unset: the environment, or a map in
    /// tests). Blank values count as unset.
    pub fn from_lookup(
        lookup: impl Fn(&'static str) -> Option<String>,
    ) -> Result<Settings, SettingsError> {
        let get = |var| {
            lookup(var)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let dir = get(BLOB_DIR_VAR);
        let Some(bucket) = get(S3_BUCKET_VAR) else {
            for var in [
                S3_ENDPOINT_VAR,
                S3_ACCESS_KEY_ID_VAR,
                S3_SECRET_ACCESS_KEY_VAR,
            ] {
                if get(var).is_some() {
                    return Err(error(var, format!("set only with {S3_BUCKET_VAR}")));
                }
            }
            let dir = dir.unwrap_or_else(|| DEFAULT_BLOB_DIR.to_owned());
            return Ok(Settings::Local { dir: dir.into() });
        };
        if dir.is_some() {
            return Err(error(
                BLOB_DIR_VAR,
                format!("set either {BLOB_DIR_VAR} or {S3_BUCKET_VAR}, not both"),
            ));
        }
        let bucket_ok = (3..=63).contains(&bucket.len())
            && bucket
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
            && !bucket.starts_with(['-', '.'])
            && !bucket.ends_with(['-', '.']);
        if !bucket_ok {
            return Err(error(
                S3_BUCKET_VAR,
                format!("expected a bucket name (3–63 of a–z, 0–9, '-', '.'), not {bucket:?}"),
            ));
        }
        let endpoint = match get(S3_ENDPOINT_VAR) {
            None => None,
            Some(e) => {
                let uri: http::Uri = e
                    .parse()
                    .map_err(|_| error(S3_ENDPOINT_VAR, format!("not a URL: {e:?}")))?;
                let scheme_ok = matches!(uri.scheme_str(), Some("http" | "https"));
                if !scheme_ok || uri.host().is_none() || uri.query().is_some() {
                    return Err(error(
                        S3_ENDPOINT_VAR,
                        format!("expected http://host[:port] or https://host[:port], not {e:?}"),
                    ));
                }
                Some(e.trim_end_matches('/').to_owned())
            }
        };
        let region = get(S3_REGION_VAR).unwrap_or_else(|| "us-east-1".to_owned());
        if !region
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Err(error(S3_REGION_VAR, format!("not a region: {region:?}")));
        }
        let access_key_id = get(S3_ACCESS_KEY_ID_VAR)
            .ok_or_else(|| error(S3_ACCESS_KEY_ID_VAR, "required with a bucket"))?;
        let secret_access_key = get(S3_SECRET_ACCESS_KEY_VAR)
            .ok_or_else(|| error(S3_SECRET_ACCESS_KEY_VAR, "required with a bucket"))?
            .into();
        Ok(Settings::S3(S3Settings {
            bucket,
            endpoint,
            region,
            access_key_id,
            secret_access_key,
        }))
    }

    /// From the process environment.
    pub fn from_env() -> Result<Settings, SettingsError> {
        Settings::from_lookup(|var| std::env::var(var).ok())
    }
}

impl S3Settings {
    /// The client's builder: path-style requests (MinIO), plain HTTP only for an `http://`
    /// endpoint, our hyper transport.
    pub(crate) fn builder(&self) -> Result<AmazonS3Builder, object_store::Error> {
        let mut b = AmazonS3Builder::new()
            .with_bucket_name(&self.bucket)
            .with_region(&self.region)
            .with_access_key_id(&self.access_key_id)
            .with_secret_access_key(self.secret_access_key.expose_secret())
            .with_http_connector(HyperConnector);
        if let Some(endpoint) = &self.endpoint {
            b = b
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"));
        }
        Ok(b)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::collections::HashMap;

    use super::*;

    fn settings(vars: &[(&'static str, &str)]) -> Result<Settings, SettingsError> {
        let vars: HashMap<&str, String> = vars.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
        Settings::from_lookup(|name| vars.get(name).cloned())
    }

    const S3: [(&str, &str); 4] = [
        (S3_BUCKET_VAR, "kummerer-blobs"),
        (S3_ENDPOINT_VAR, "http://minio:9000/"),
        (S3_ACCESS_KEY_ID_VAR, "kummerer"),
        (S3_SECRET_ACCESS_KEY_VAR, "very-secret-key"),
    ];

    #[test]
    fn a_local_directory_by_default() {
        let Settings::Local { dir } = settings(&[]).unwrap() else {
            panic!("local");
        };
        assert_eq!(dir, PathBuf::from(DEFAULT_BLOB_DIR));
        let Settings::Local { dir } = settings(&[(BLOB_DIR_VAR, " /srv/blobs ")]).unwrap() else {
            panic!("local");
        };
        assert_eq!(dir, PathBuf::from("/srv/blobs"));
    }

    #[test]
    fn a_bucket_with_its_endpoint_and_a_hidden_secret() {
        let s = settings(&S3).unwrap();
        let Settings::S3(s3) = &s else {
            panic!("s3");
        };
        assert_eq!(s3.bucket, "kummerer-blobs");
        assert_eq!(s3.endpoint.as_deref(), Some("http://minio:9000"));
        assert_eq!(s3.region, "us-east-1");
        assert!(!format!("{s:?}").contains("very-secret-key"));
        assert!(s3.builder().unwrap().build().is_ok());
    }

    #[test]
    fn a_bad_value_names_its_variable() {
        let with = |extra: (&'static str, &'static str)| {
            let mut vars: Vec<(&'static str, &str)> = S3.to_vec();
            vars.retain(|(k, _)| *k != extra.0);
            vars.push(extra);
            settings(&vars).unwrap_err().var
        };
        assert_eq!(with((BLOB_DIR_VAR, "/srv/blobs")), BLOB_DIR_VAR);
        assert_eq!(with((S3_BUCKET_VAR, "Not_A_Bucket")), S3_BUCKET_VAR);
        assert_eq!(with((S3_ENDPOINT_VAR, "ftp://minio")), S3_ENDPOINT_VAR);
        assert_eq!(with((S3_ENDPOINT_VAR, "minio:9000")), S3_ENDPOINT_VAR);
        assert_eq!(
            with((S3_SECRET_ACCESS_KEY_VAR, " ")),
            S3_SECRET_ACCESS_KEY_VAR
        );
        assert_eq!(with((S3_REGION_VAR, "eu west")), S3_REGION_VAR);
        let e = settings(&[(S3_ENDPOINT_VAR, "http://minio:9000")]).unwrap_err();
        assert_eq!(e.var, S3_ENDPOINT_VAR);
        assert!(e.to_string().contains(S3_BUCKET_VAR), "{e}");
    }
}
