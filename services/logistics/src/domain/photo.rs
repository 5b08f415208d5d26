//! The rules of a visit's photo: what it shows, how large it may be, and which bytes count as an
//! image (by their magic numbers, whatever the client declared).

use kummerer_contracts::BlobKey;

/// Largest photo accepted: 5 MiB.
pub const MAX_PHOTO_BYTES: usize = 5 * 1024 * 1024;

/// What a photo shows; stored in `job_photos.kind` (text) as `delivered` or `collected`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sea_orm::EnumIter, sea_orm::DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
pub enum PhotoKind {
    /// The replacement, delivered.
    Delivered,
    /// The defective unit, collected.
    Collected,
}

impl PhotoKind {
    /// The stored value (`delivered`, `collected`), as a form or query names it.
    pub fn parse(s: &str) -> Option<PhotoKind> {
        <Self as sea_orm::ActiveEnum>::try_from_value(&s.to_owned()).ok()
    }

    pub fn as_string(self) -> String {
        sea_orm::ActiveEnum::to_value(&self)
    }
}

/// The image formats a photo may be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageType {
    Jpeg,
    Png,
    Webp,
}

impl ImageType {
    pub fn content_type(self) -> &'static str {
        match self {
            ImageType::Jpeg => "image/jpeg",
            ImageType::Png => "image/png",
            ImageType::Webp => "image/webp",
        }
    }

    /// A declared media type (parameters and case ignored) as one of ours.
    pub fn from_content_type(declared: &str) -> Option<ImageType> {
        let essence = declared.split(';').next().unwrap_or("").trim();
        [ImageType::Jpeg, ImageType::Png, ImageType::Webp]
            .into_iter()
            .find(|t| t.content_type().eq_ignore_ascii_case(essence))
    }

    /// What the bytes really are, by their magic numbers: JPEG `FF D8 FF`, PNG `89 50 4E 47 0D 0A
    /// 1A 0A`, WebP `RIFF????WEBP`. Anything else is not a photo.
    pub fn sniff(bytes: &[u8]) -> Option<ImageType> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(ImageType::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(ImageType::Png)
        } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
            Some(ImageType::Webp)
        } else {
            None
        }
    }
}

/// Why an upload is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    #[error("the photo is empty")]
    Empty,
    #[error("the photo is larger than 5 MiB")]
    TooLarge,
    #[error("the declared type is not image/jpeg, image/png or image/webp")]
    DeclaredTypeNotAccepted,
    #[error("the file is not a JPEG, PNG or WebP image")]
    NotAnImage,
}

/// Checks an upload: declared as one of our image types, not empty, at most
/// [`MAX_PHOTO_BYTES`], and really an image. Returns the type the bytes are (which is stored,
/// not the declared one).
pub fn check_photo(declared: &str, bytes: &[u8]) -> Result<ImageType, PhotoError> {
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(PhotoError::TooLarge);
    }
    if ImageType::from_content_type(declared).is_none() {
        return Err(PhotoError::DeclaredTypeNotAccepted);
    }
    if bytes.is_empty() {
        return Err(PhotoError::Empty);
    }
    ImageType::sniff(bytes).ok_or(PhotoError::NotAnImage)
}

/// A checked photo stored in the blob store, as evidence inside a message
/// (`kummerer_contracts::Photo`, by claim-check): its type, size, and the key, which names the
/// SHA-256 of the bytes it was made for.
pub fn evidence(image: ImageType, size_bytes: u64, key: BlobKey) -> kummerer_contracts::Photo {
    let sha256 = key.sha256().to_owned();
    kummerer_contracts::Photo::stored(image.content_type(), &sha256, size_bytes, key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_carries_the_key_with_its_digest_and_no_bytes() {
        let sha = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        let key = BlobKey::new(kummerer_contracts::topology::Service::Logistics, sha).unwrap();
        let e = evidence(ImageType::Png, 3, key.clone());
        assert_eq!(e.content_type, "image/png");
        assert_eq!(e.sha256, sha);
        assert_eq!(e.size_bytes, 3);
        assert_eq!(e.key, Some(key));
        assert_eq!(e.data_base64, None);
        assert!(e.bytes().is_ok());
    }

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F'];
    const WEBP: &[u8] = b"RIFF\x24\0\0\0WEBPVP8 ";

    #[test]
    fn images_are_known_by_their_bytes() {
        assert_eq!(ImageType::sniff(PNG), Some(ImageType::Png));
        assert_eq!(ImageType::sniff(JPEG), Some(ImageType::Jpeg));
        assert_eq!(ImageType::sniff(WEBP), Some(ImageType::Webp));
        assert_eq!(ImageType::sniff(b"RIFF\0\0\0\0WAVE"), None);
        assert_eq!(ImageType::sniff(b"<svg></svg>"), None);
        assert_eq!(ImageType::sniff(b""), None);
        assert_eq!(ImageType::sniff(&PNG[..4]), None);
    }

    #[test]
    fn the_declared_type_is_not_trusted() {
        assert_eq!(check_photo("image/png", JPEG), Ok(ImageType::Jpeg));
        assert_eq!(check_photo("IMAGE/PNG; q=1", PNG), Ok(ImageType::Png));
        assert_eq!(
            check_photo("image/jpeg", b"MZ\x90\0 not a photo"),
            Err(PhotoError::NotAnImage)
        );
        assert_eq!(
            check_photo("image/svg+xml", PNG),
            Err(PhotoError::DeclaredTypeNotAccepted)
        );
        assert_eq!(check_photo("image/png", b""), Err(PhotoError::Empty));
    }

    #[test]
    fn at_most_five_mebibytes() {
        let mut big = PNG.to_vec();
        big.resize(MAX_PHOTO_BYTES, 0);
        assert_eq!(check_photo("image/png", &big), Ok(ImageType::Png));
        big.push(0);
        assert_eq!(check_photo("image/png", &big), Err(PhotoError::TooLarge));
    }

    #[test]
    fn kinds() {
        for kind in [PhotoKind::Delivered, PhotoKind::Collected] {
            assert_eq!(PhotoKind::parse(&kind.as_string()), Some(kind));
        }
        assert_eq!(PhotoKind::parse("selfie"), None);
    }
}
