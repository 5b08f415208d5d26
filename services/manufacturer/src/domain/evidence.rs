//! Evidence on a claim as the retailer forwards it: what it proves, and whether a photo is what
//! it says it is.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use kummerer_contracts::claims::{ClaimEvidence, Photo, PhotoBytes};
use sha2::{Digest, Sha256};

/// Most bytes a photo may have (the contract's limit, before encoding).
pub const PHOTO_LIMIT: u64 = 5 * 1024 * 1024;

/// The content types a photo may have.
pub const PHOTO_TYPES: [&str; 3] = ["image/jpeg", "image/png", "image/webp"];

/// A photo's bytes, checked against its declared type, size and digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedPhoto {
    pub content_type: String,
    pub sha256: String,
    pub bytes: Vec<u8>,
}

/// What a photo must be before its bytes are looked at: an allowed type, within the limit, and
/// its bytes in exactly one place (the blob store, by a key made for its digest, or inline);
/// the error says what is wrong (the message is then unusable: sending it again cannot make it
/// right).
pub fn check_declared(photo: &Photo) -> Result<PhotoBytes<'_>, String> {
    if !PHOTO_TYPES.contains(&photo.content_type.as_str()) {
        return Err(format!(
            "photo content type {:?} is not allowed",
            photo.content_type
        ));
    }
    if photo.size_bytes > PHOTO_LIMIT {
        return Err(format!(
            "photo of {} bytes is over the limit",
            photo.size_bytes
        ));
    }
    photo.bytes().map_err(str::to_owned)
}

/// `bytes` as the photo's, checked against its declared size and digest.
pub fn check_bytes(photo: &Photo, bytes: Vec<u8>) -> Result<CheckedPhoto, String> {
    if bytes.len() as u64 != photo.size_bytes {
        return Err(format!(
            "photo has {} bytes, its size_bytes says {}",
            bytes.len(),
            photo.size_bytes
        ));
    }
    let digest = sha256_hex(&bytes);
    if !digest.eq_ignore_ascii_case(&photo.sha256) {
        return Err(format!(
            "photo sha256 is {digest}, the message says {}",
            photo.sha256
        ));
    }
    Ok(CheckedPhoto {
        content_type: photo.content_type.clone(),
        sha256: digest,
        bytes,
    })
}

/// Decodes and checks a photo whose bytes are inline (messages from before the claim-check);
/// the error says what is wrong.
pub fn check_inline(photo: &Photo) -> Result<CheckedPhoto, String> {
    let PhotoBytes::Inline(data) = check_declared(photo)? else {
        return Err("the photo's bytes are not inline".to_owned());
    };
    let bytes = STANDARD
        .decode(data.as_bytes())
        .map_err(|e| format!("photo is not base64: {e}"))?;
    check_bytes(photo, bytes)
}

/// Lower-case hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    Sha256::digest(bytes)
        .iter()
        .fold(String::with_capacity(64), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Whether `evidence` shows a collected unit whose serial is not the claim's `serial`: the
/// retailer's own verdict (`serial_matches: false`) or a read serial that differs.
pub fn serial_mismatch(evidence: &ClaimEvidence, serial: &str) -> bool {
    evidence.serial_matches == Some(false)
        || evidence
            .serial
            .as_deref()
            .is_some_and(|read| !read.trim().eq_ignore_ascii_case(serial.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use kummerer_contracts::agreement::EvidenceKind;
    use uuid::Uuid;

    fn photo(bytes: &[u8]) -> Photo {
        Photo {
            content_type: "image/png".into(),
            sha256: sha256_hex(bytes),
            size_bytes: bytes.len() as u64,
            key: None,
            data_base64: Some(STANDARD.encode(bytes)),
        }
    }

    #[test]
    fn a_good_photo_is_decoded() {
        let p = check_inline(&photo(b"\x89PNG....")).unwrap();
        assert_eq!(p.bytes, b"\x89PNG....");
        assert_eq!(p.content_type, "image/png");
    }

    #[test]
    fn a_bad_photo_says_why() {
        let mut p = photo(b"abc");
        p.sha256 = sha256_hex(b"abd");
        assert!(check_inline(&p).unwrap_err().contains("sha256"));
        let mut p = photo(b"abc");
        p.data_base64 = Some("!!!".into());
        assert!(check_inline(&p).unwrap_err().contains("base64"));
        let mut p = photo(b"abc");
        p.size_bytes = 4;
        assert!(check_inline(&p).is_err());
        let mut p = photo(b"abc");
        p.content_type = "text/html".into();
        assert!(check_inline(&p).is_err());
    }

    #[test]
    fn a_stored_photo_names_one_place_and_a_key_made_for_its_digest() {
        use kummerer_contracts::BlobKey;
        use kummerer_contracts::topology::Service;
        let sha = sha256_hex(b"abc");
        let key = BlobKey::new(Service::Logistics, &sha).unwrap();
        let stored = Photo::stored("image/png", &sha, 3, key.clone());
        assert_eq!(check_declared(&stored), Ok(PhotoBytes::Stored(&key)));
        assert!(check_bytes(&stored, b"abc".to_vec()).is_ok());
        assert!(
            check_bytes(&stored, b"abd".to_vec())
                .unwrap_err()
                .contains("sha256")
        );
        let mut both = stored.clone();
        both.data_base64 = Some(STANDARD.encode(b"abc"));
        assert!(check_declared(&both).unwrap_err().contains("both"));
        let mut neither = stored.clone();
        neither.key = None;
        assert!(check_declared(&neither).unwrap_err().contains("neither"));
        let other = BlobKey::new(Service::Logistics, &sha256_hex(b"xyz")).unwrap();
        let mut swapped = stored;
        swapped.key = Some(other);
        assert!(
            check_declared(&swapped)
                .unwrap_err()
                .contains("other content")
        );
    }

    #[test]
    fn a_serial_that_differs_is_a_mismatch() {
        let mut e = ClaimEvidence {
            evidence_id: Uuid::nil(),
            kind: EvidenceKind::CollectedSerial,
            serial: Some("SN-1".into()),
            serial_matches: None,
            note: None,
            photo: None,
            observed_at: Utc::now(),
        };
        assert!(!serial_mismatch(&e, "SN-1"));
        assert!(serial_mismatch(&e, "SN-2"));
        e.serial = None;
        assert!(!serial_mismatch(&e, "SN-2"));
        e.serial_matches = Some(false);
        assert!(serial_mismatch(&e, "SN-2"));
    }
}
