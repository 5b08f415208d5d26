//! A small `multipart/form-data` reader (RFC 7578) for the crew's *delivered and collected* form
//! with its optional photos. The body is already buffered and bounded by the caller; this only
//! splits it into parts. Written here rather than taking a new crate for two file inputs.

/// One part of a form.
#[derive(Debug, PartialEq, Eq)]
pub struct Part<'a> {
    pub name: String,
    /// Set for a file input (empty when no file was chosen).
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub data: &'a [u8],
}

/// Why a body is not a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FormDataError {
    #[error("no multipart boundary")]
    NoBoundary,
    #[error("malformed multipart body")]
    Malformed,
}

/// The boundary of a `multipart/form-data` content type.
pub fn boundary(content_type: &str) -> Result<String, FormDataError> {
    let mut params = content_type.split(';');
    let essence = params.next().unwrap_or("").trim();
    if !essence.eq_ignore_ascii_case("multipart/form-data") {
        return Err(FormDataError::NoBoundary);
    }
    params
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("boundary"))
        .map(|(_, v)| v.trim().trim_matches('"').to_owned())
        .filter(|b| !b.is_empty() && b.len() <= 70)
        .ok_or(FormDataError::NoBoundary)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A header parameter (`name="x"`) of a `Content-Disposition` value.
fn param(value: &str, key: &str) -> Option<String> {
    value.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case(key)
            .then(|| v.trim().trim_matches('"').to_owned())
    })
}

fn part(raw: &[u8]) -> Result<Part<'_>, FormDataError> {
    let split = find(raw, b"\r\n\r\n").ok_or(FormDataError::Malformed)?;
    let head = std::str::from_utf8(&raw[..split]).map_err(|_| FormDataError::Malformed)?;
    let data = &raw[split + 4..];
    let mut name = None;
    let mut filename = None;
    let mut content_type = None;
    for line in head.split("\r\n").filter(|l| !l.is_empty()) {
        let (key, value) = line.split_once(':').ok_or(FormDataError::Malformed)?;
        let key = key.trim();
        if key.eq_ignore_ascii_case("content-disposition") {
            name = param(value, "name");
            filename = param(value, "filename");
        } else if key.eq_ignore_ascii_case("content-type") {
            content_type = Some(value.trim().to_owned());
        }
    }
    Ok(Part {
        name: name.ok_or(FormDataError::Malformed)?,
        filename,
        content_type,
        data,
    })
}

/// The parts of `body`, in order.
pub fn parse<'a>(body: &'a [u8], boundary: &str) -> Result<Vec<Part<'a>>, FormDataError> {
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    let start = find(body, delimiter).ok_or(FormDataError::Malformed)?;
    let mut rest = &body[start + delimiter.len()..];
    let between = format!("\r\n--{boundary}");
    let between = between.as_bytes();
    let mut parts = Vec::new();
    loop {
        if rest.starts_with(b"--") {
            return Ok(parts);
        }
        rest = rest.strip_prefix(b"\r\n").ok_or(FormDataError::Malformed)?;
        let end = find(rest, between).ok_or(FormDataError::Malformed)?;
        parts.push(part(&rest[..end])?);
        rest = &rest[end + between.len()..];
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_boundary_is_read_from_the_content_type() {
        assert_eq!(
            boundary("multipart/form-data; boundary=----abc").unwrap(),
            "----abc"
        );
        assert_eq!(
            boundary("Multipart/Form-Data; charset=utf-8; boundary=\"x y\"").unwrap(),
            "x y"
        );
        assert_eq!(
            boundary("application/x-www-form-urlencoded"),
            Err(FormDataError::NoBoundary)
        );
        assert_eq!(
            boundary("multipart/form-data"),
            Err(FormDataError::NoBoundary)
        );
    }

    #[test]
    fn fields_and_files_are_split() {
        let body = b"preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nabc\r\n--XyZ\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n--X\r\n--XyZ\r\nContent-Disposition: form-data; name=\"empty\"; filename=\"\"\r\nContent-Type: application/octet-stream\r\n\r\n\r\n--XyZ--\r\n";
        let parts = parse(body, "XyZ").unwrap();
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[0].name, "csrf");
        assert_eq!(parts[0].data, b"abc");
        assert_eq!(parts[0].filename, None);
        assert_eq!(parts[1].filename.as_deref(), Some("a.png"));
        assert_eq!(parts[1].content_type.as_deref(), Some("image/png"));
        assert_eq!(parts[1].data, b"\x89PNG\r\n--X");
        assert_eq!(parts[2].filename.as_deref(), Some(""));
        assert_eq!(parts[2].data, b"");
    }

    #[test]
    fn broken_bodies_are_refused() {
        for body in [
            &b""[..],
            b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno end",
            b"--XyZ\r\nno headers end\r\n--XyZ--",
            b"--XyZ\r\nContent-Type: text/plain\r\n\r\nno name\r\n--XyZ--",
        ] {
            assert_eq!(parse(body, "XyZ"), Err(FormDataError::Malformed));
        }
        assert_eq!(parse(b"--XyZ--\r\n", "XyZ").unwrap(), vec![]);
    }
}
