//! Listing claims: the page size, the date range and the keyset cursor, parsed from the text
//! of a query string. Pure: no HTTP or database.
//!
//! The cursor is opaque to the caller: base64url (no padding) of the last claim's `received_at`
//! (microseconds since the epoch, 8 bytes big-endian) and `id` (16 bytes). The next page holds
//! the claims strictly after that one in the order newest first, `(received_at, id)` descending.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use uuid::Uuid;

/// Claims per page when the caller does not say.
pub const DEFAULT_LIMIT: u64 = 50;
/// Most claims per page.
pub const MAX_LIMIT: u64 = 200;

/// The page size: 1 to [`MAX_LIMIT`], [`DEFAULT_LIMIT`] when absent.
pub fn limit(raw: Option<i64>) -> Result<u64, String> {
    match raw {
        None => Ok(DEFAULT_LIMIT),
        Some(n) => match u64::try_from(n) {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            _ => Err(format!("limit must be between 1 and {MAX_LIMIT}")),
        },
    }
}

/// The position after which the next page starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub received_at: DateTime<Utc>,
    pub id: Uuid,
}

impl Cursor {
    pub fn encode(&self) -> String {
        let mut bytes = Vec::with_capacity(24);
        bytes.extend_from_slice(&self.received_at.timestamp_micros().to_be_bytes());
        bytes.extend_from_slice(self.id.as_bytes());
        base64url_encode(&bytes)
    }

    pub fn decode(text: &str) -> Result<Self, String> {
        let bad = || "cursor is not one this API handed out".to_owned();
        let bytes = base64url_decode(text).ok_or_else(bad)?;
        let (micros, id) = bytes.split_at_checked(8).ok_or_else(bad)?;
        let micros = i64::from_be_bytes(micros.try_into().map_err(|_| bad())?);
        let id = Uuid::from_slice(id).map_err(|_| bad())?;
        let received_at = DateTime::from_timestamp_micros(micros).ok_or_else(bad)?;
        Ok(Self { received_at, id })
    }
}

/// Which end of a range a bound is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// `from`: inclusive; a date means its first instant (UTC).
    From,
    /// `to`: exclusive; a date means the whole day is in (up to the next day's first instant).
    To,
}

/// A bound of a date range: an RFC 3339 instant (`2026-11-23T09:00:00Z`) or a date
/// (`2026-11-23`, UTC).
pub fn bound(name: &str, text: &str, end: End) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("{name} must be an RFC 3339 time or a date (YYYY-MM-DD)"))?;
    let day = match end {
        End::From => Some(day),
        End::To => day.checked_add_signed(TimeDelta::days(1)),
    };
    day.and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
        .ok_or_else(|| format!("{name} is out of range"))
}

/// A range of receipt times: `from` inclusive, `to` exclusive, each optional.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Range {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// `from` (inclusive) and `to` (exclusive), each optional; `from` must come before `to`.
pub fn range(from: Option<&str>, to: Option<&str>) -> Result<Range, String> {
    let from = from.map(|t| bound("from", t, End::From)).transpose()?;
    let to = to.map(|t| bound("to", t, End::To)).transpose()?;
    if let (Some(f), Some(t)) = (from, to)
        && f >= t
    {
        return Err("from must be before to".to_owned());
    }
    Ok(Range { from, to })
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn base64url_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let chars = chunk.len() + 1;
        for i in 0..chars {
            let idx = (n >> (18 - 6 * i)) & 0x3f;
            out.push(char::from(ALPHABET[idx as usize]));
        }
    }
    out
}

fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    for chunk in text.as_bytes().chunks(4) {
        if chunk.len() < 2 {
            return None;
        }
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            let v = ALPHABET.iter().position(|a| a == c)?;
            n |= (v as u32) << (18 - 6 * i);
        }
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_cursor_round_trips() {
        let c = Cursor {
            received_at: DateTime::from_timestamp_micros(1_795_000_000_123_456).unwrap(),
            id: Uuid::now_v7(),
        };
        let text = c.encode();
        assert_eq!(text.len(), 32);
        assert!(text.bytes().all(|b| ALPHABET.contains(&b)));
        assert_eq!(Cursor::decode(&text).unwrap(), c);
    }

    #[test]
    fn base64url_matches_the_rfc_examples() {
        assert_eq!(base64url_encode(b"f"), "Zg");
        assert_eq!(base64url_encode(b"fo"), "Zm8");
        assert_eq!(base64url_encode(b"foo"), "Zm9v");
        assert_eq!(base64url_encode(b"foob"), "Zm9vYg");
        assert_eq!(base64url_decode("Zm9vYg").unwrap(), b"foob");
        assert_eq!(base64url_decode("Zm9vYmE").unwrap(), b"fooba");
    }

    #[test]
    fn bad_cursors_are_refused() {
        for bad in ["", "x", "not a cursor", "Zm9v", "Zm9v+/==", "AAAAAAAAAAAA"] {
            assert!(Cursor::decode(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn limits() {
        assert_eq!(limit(None).unwrap(), 50);
        assert_eq!(limit(Some(1)).unwrap(), 1);
        assert_eq!(limit(Some(200)).unwrap(), 200);
        assert!(limit(Some(0)).is_err());
        assert!(limit(Some(201)).is_err());
        assert!(limit(Some(-1)).is_err());
    }

    #[test]
    fn bounds_take_instants_and_dates() {
        let t = bound("from", "2026-11-23T10:00:00+01:00", End::From).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-23T09:00:00+00:00");
        let f = bound("from", "2026-11-23", End::From).unwrap();
        assert_eq!(f.to_rfc3339(), "2026-11-23T00:00:00+00:00");
        let t = bound("to", "2026-11-23", End::To).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-24T00:00:00+00:00");
        assert!(bound("to", "yesterday", End::To).is_err());
        assert!(bound("to", "2026-13-01", End::To).is_err());
    }

    #[test]
    fn a_range_must_be_ordered() {
        assert!(range(Some("2026-11-23"), Some("2026-11-23")).is_ok());
        assert!(range(Some("2026-11-24"), Some("2026-11-23")).is_err());
        assert_eq!(range(None, None).unwrap(), Range::default());
    }
}
