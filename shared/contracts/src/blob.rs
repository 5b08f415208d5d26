//! Claim-check references: a large payload (a photo) is stored once in the blob store the
//! services share, and a message carries its [`BlobKey`], size and SHA-256 instead of the
//! bytes. The key's shape is checked when a message is parsed, so no message can make a
//! service read an arbitrary path, key or URL: a key is `<producer>/<sha256>-<random>`, the
//! producer one of the services, the SHA-256 of the content in 64 lower-case hex digits and
//! 32 lower-case hex digits of randomness (a UUIDv4), so a key is never guessable from the
//! content alone.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};
use uuid::Uuid;

use crate::topology::Service;

/// Hex digits of a SHA-256.
const SHA256_HEX: usize = 64;
/// Hex digits of the random part.
const RANDOM_HEX: usize = 32;

/// A checked blob key: `<producer>/<sha256 hex>-<32 hex>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct BlobKey(String);

/// Why a string is not a blob key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a blob key ({0}): expected <retailer|manufacturer|logistics>/<64 hex>-<32 hex>")]
pub struct BlobKeyError(&'static str);

fn lower_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

impl BlobKey {
    /// A new key of `producer` for content whose SHA-256 is `sha256` (64 hex digits, either
    /// case), with fresh randomness.
    pub fn new(producer: Service, sha256: &str) -> Result<BlobKey, BlobKeyError> {
        let sha256 = sha256.to_ascii_lowercase();
        if !lower_hex(&sha256, SHA256_HEX) {
            return Err(BlobKeyError("the content hash is not a SHA-256"));
        }
        let random = Uuid::new_v4().simple().to_string();
        Ok(BlobKey(format!("{}/{sha256}-{random}", producer.name())))
    }

    /// Checks `raw`'s shape.
    pub fn parse(raw: &str) -> Result<BlobKey, BlobKeyError> {
        let (producer, rest) = raw.split_once('/').ok_or(BlobKeyError("no producer"))?;
        if !Service::ALL.iter().any(|s| s.name() == producer) {
            return Err(BlobKeyError("unknown producer"));
        }
        let (sha, random) = rest.split_once('-').ok_or(BlobKeyError("no random part"))?;
        if !lower_hex(sha, SHA256_HEX) {
            return Err(BlobKeyError("the content hash is not a SHA-256"));
        }
        if !lower_hex(random, RANDOM_HEX) {
            return Err(BlobKeyError("the random part is not 32 hex digits"));
        }
        Ok(BlobKey(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The producing service's name (the key's namespace).
    pub fn producer(&self) -> &str {
        self.0.split_once('/').map_or("", |(p, _)| p)
    }

    /// The SHA-256 of the content the key was made for (lower-case hex).
    pub fn sha256(&self) -> &str {
        let rest = self.0.split_once('/').map_or("", |(_, r)| r);
        rest.get(..SHA256_HEX).unwrap_or("")
    }
}

impl fmt::Display for BlobKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for BlobKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        BlobKey::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const SHA: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    #[test]
    fn a_new_key_parses_and_names_its_producer_and_hash() {
        let key = BlobKey::new(Service::Logistics, &SHA.to_uppercase()).unwrap();
        assert_eq!(BlobKey::parse(key.as_str()).unwrap(), key);
        assert_eq!(key.producer(), "logistics");
        assert_eq!(key.sha256(), SHA);
        assert_ne!(
            BlobKey::new(Service::Logistics, SHA).unwrap(),
            key,
            "random part"
        );
    }

    #[test]
    fn nothing_but_the_key_shape_is_accepted() {
        let random = "0123456789abcdef0123456789abcdef";
        let good = format!("logistics/{SHA}-{random}");
        assert!(BlobKey::parse(&good).is_ok());
        for bad in [
            String::new(),
            "../etc/passwd".to_owned(),
            "/etc/passwd".to_owned(),
            "http://169.254.169.254/latest/meta-data".to_owned(),
            format!("other/{SHA}-{random}"),
            format!("logistics/../{SHA}-{random}"),
            format!("/logistics/{SHA}-{random}"),
            format!("logistics/{SHA}-{random}/x"),
            format!("logistics/{SHA}-{random}0"),
            format!("logistics/{}-{random}", SHA.to_uppercase()),
            format!("logistics/{SHA}"),
            format!("logistics/{}-{random}", &SHA[1..]),
            format!("logistics//{SHA}-{random}"),
            "0193a1b2c3d4e5f60718293a4b5c6d7e".to_owned(),
        ] {
            assert!(BlobKey::parse(&bad).is_err(), "{bad}");
            let json = serde_json::to_string(&bad).unwrap();
            assert!(serde_json::from_str::<BlobKey>(&json).is_err(), "{bad}");
        }
        assert!(BlobKey::new(Service::Retailer, "abc").is_err());
    }

    #[test]
    fn photos_inline_from_before_and_by_key_both_parse_and_a_bad_key_does_not() {
        use crate::{Photo, PhotoBytes};
        let inline =
            r#"{"content_type":"image/png","sha256":"ab","size_bytes":3,"data_base64":"YWJj"}"#;
        let p: Photo = serde_json::from_str(inline).unwrap();
        assert_eq!(p.bytes(), Ok(PhotoBytes::Inline("YWJj")));
        let key = BlobKey::new(Service::Logistics, SHA).unwrap();
        let stored = Photo::stored("image/png", SHA, 3, key.clone());
        let json = serde_json::to_string(&stored).unwrap();
        assert!(!json.contains("data_base64"), "{json}");
        let back: Photo = serde_json::from_str(&json).unwrap();
        assert_eq!(back.bytes(), Ok(PhotoBytes::Stored(&key)));
        let evil = json.replace(key.as_str(), "logistics/../../etc/passwd");
        assert!(serde_json::from_str::<Photo>(&evil).is_err());
    }
}
