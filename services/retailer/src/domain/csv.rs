//! Reading a POS or spreadsheet export for the sales import, with the `csv` crate: the text's
//! encoding (UTF-8 with or without a byte-order mark, UTF-16 with one, otherwise Windows-1252
//! as Excel writes it in Germany) and its delimiter (`,`, `;` or a tab, whichever the header
//! line uses most outside quotes) are detected; fields may be quoted (RFC 4180); blank lines
//! are skipped. Local number and date formats are [`amount`] and [`local_date`].

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use rust_decimal::Decimal;
use std::str::FromStr;

/// One record and the line it starts on (1-based, as an editor shows it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub line: usize,
    pub fields: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct CsvError {
    pub line: usize,
    pub message: String,
}

/// The encodings an export may come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf8Bom,
    Utf16,
    Windows1252,
}

impl Encoding {
    pub fn label(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf8Bom => "UTF-8 with BOM",
            Encoding::Utf16 => "UTF-16",
            Encoding::Windows1252 => "Windows-1252",
        }
    }
}

/// The file's bytes as text, and the encoding they were read in: a byte-order mark decides;
/// without one, valid UTF-8 is UTF-8 and anything else Windows-1252 (every byte sequence is).
pub fn decode(bytes: &[u8]) -> (String, Encoding) {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, _) = encoding.decode_without_bom_handling(&bytes[bom..]);
        let found = if encoding == encoding_rs::UTF_8 {
            Encoding::Utf8Bom
        } else {
            Encoding::Utf16
        };
        return (text.into_owned(), found);
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_owned(), Encoding::Utf8),
        Err(_) => {
            let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
            (text.into_owned(), Encoding::Windows1252)
        }
    }
}

/// The delimiter of `text`: the one of `,` `;` tab its first non-blank line has most of,
/// outside quotes (`,` when it has none).
pub fn delimiter(text: &str) -> u8 {
    let header = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for c in header.bytes() {
        if c == b'"' {
            quoted = !quoted;
        } else if !quoted && let Some(n) = counts.iter_mut().find(|(d, _)| *d == c) {
            n.1 += 1;
        }
    }
    // Most first; on a tie the earlier in the list (the comma).
    counts
        .iter()
        .fold(
            (b',', 0),
            |best, &(d, n)| if n > best.1 { (d, n) } else { best },
        )
        .0
}

/// Every record of `text` (a UTF-8 byte-order mark ignored), its delimiter detected, or the
/// first place the text is not CSV.
pub fn parse(text: &str) -> Result<Vec<Record>, CsvError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    unclosed_quote(text)?;
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter(text))
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| CsvError {
            line: e.position().map_or(0, |p| line_of(text, p.byte())),
            message: e.to_string(),
        })?;
        if record.len() == 1 && record[0].trim().is_empty() {
            continue;
        }
        // The line a record starts on, counted from its byte offset.
        let line = record.position().map_or(0, |p| line_of(text, p.byte()));
        records.push(Record {
            line,
            fields: record.iter().map(str::to_owned).collect(),
        });
    }
    Ok(records)
}

/// A quote opened and never closed (the reader would take the rest of the file as one field).
fn unclosed_quote(text: &str) -> Result<(), CsvError> {
    let (mut line, mut opened, mut quoted) = (1, 1, false);
    for c in text.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                opened = line;
            }
            '\n' => line += 1,
            _ => {}
        }
    }
    if quoted {
        return Err(CsvError {
            line: opened,
            message: "a quoted field is never closed".to_owned(),
        });
    }
    Ok(())
}

/// The 1-based line a record reported at byte `at` of `text` starts on: the reader reports the
/// offset after the terminator's first byte, so line ends (and blank lines) there are skipped.
fn line_of(text: &str, at: u64) -> usize {
    let bytes = text.as_bytes();
    let mut at = usize::try_from(at).unwrap_or(usize::MAX).min(bytes.len());
    while matches!(bytes.get(at), Some(b'\r' | b'\n')) {
        at += 1;
    }
    1 + bytes[..at].iter().filter(|b| **b == b'\n').count()
}

/// An amount as people type it: `499.00`, `499,00`, `1.299,00`, `1,299.00`, `1 299,00`,
/// `499,00 €`. The separator written last is the decimal one when both appear; a lone comma is
/// a decimal comma; a lone point a decimal point.
pub fn amount(raw: &str) -> Option<Decimal> {
    let s: String = raw
        .trim()
        .trim_end_matches('€')
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\'')
        .collect();
    if s.is_empty() {
        return None;
    }
    let normal = match (s.rfind(','), s.rfind('.')) {
        (Some(comma), Some(point)) if comma > point => s.replace('.', "").replace(',', "."),
        (Some(_), Some(_)) => s.replace(',', ""),
        (Some(_), None) if s.matches(',').count() == 1 => s.replace(',', "."),
        (Some(_), None) => s.replace(',', ""),
        (None, _) if s.matches('.').count() > 1 => s.replace('.', ""),
        (None, _) => s,
    };
    if !normal
        .chars()
        .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
    {
        return None;
    }
    Decimal::from_str(&normal).ok()
}

/// A time of sale as a POS or spreadsheet writes it, read as UTC: RFC 3339, `2026-11-28`,
/// `2026-11-28 10:15`, and the German `28.11.2026`, `28.11.2026 10:15` (a year of four
/// digits: `28.11.26` would be the year 26).
pub fn local_date(raw: &str) -> Option<DateTime<Utc>> {
    let raw = raw.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Some(t.with_timezone(&Utc));
    }
    const TIMES: [&str; 5] = [
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%d.%m.%Y %H:%M",
        "%d.%m.%Y %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
    ];
    const DAYS: [&str; 2] = ["%Y-%m-%d", "%d.%m.%Y"];
    TIMES
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(raw, f).ok())
        .or_else(|| {
            DAYS.iter()
                .find_map(|f| NaiveDate::parse_from_str(raw, f).ok())
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })
        .map(|t| t.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(line: usize, fields: &[&str]) -> Record {
        Record {
            line,
            fields: fields.iter().map(|f| (*f).to_owned()).collect(),
        }
    }

    #[test]
    fn plain_and_quoted_fields() {
        let text = "\u{feff}a,b,c\r\n1,\"x, y\",\"say \"\"hi\"\"\"\r\n\r\n2,,\"multi\nline\"\n3,z,";
        assert_eq!(
            parse(text).unwrap(),
            vec![
                rec(1, &["a", "b", "c"]),
                rec(2, &["1", "x, y", "say \"hi\""]),
                rec(4, &["2", "", "multi\nline"]),
                rec(6, &["3", "z", ""]),
            ]
        );
        assert_eq!(parse("").unwrap(), vec![]);
        assert_eq!(parse("a\n\"open,b\nc").unwrap_err().line, 2);
    }

    #[test]
    fn the_delimiter_is_the_one_the_header_uses() {
        assert_eq!(delimiter("a;b;c\n1,5;2;3"), b';');
        assert_eq!(delimiter("a\tb\tc"), b'\t');
        assert_eq!(delimiter("\"a;x\",b,c"), b',');
        assert_eq!(
            parse("a;b\n\"1;2\";499,00\n").unwrap(),
            vec![rec(1, &["a", "b"]), rec(2, &["1;2", "499,00"])]
        );
    }

    #[test]
    fn the_encoding_is_detected() {
        let (text, e) = decode(b"K\xf6ln;Stra\xdfe;499,00 \x80");
        assert_eq!(
            (text.as_str(), e),
            ("Köln;Straße;499,00 €", Encoding::Windows1252)
        );
        let (text, e) = decode("\u{feff}Köln".as_bytes());
        assert_eq!((text.as_str(), e), ("Köln", Encoding::Utf8Bom));
        let (text, e) = decode("Köln".as_bytes());
        assert_eq!((text.as_str(), e), ("Köln", Encoding::Utf8));
        let (text, e) = decode(b"\xff\xfeK\x00\xf6\x00");
        assert_eq!((text.as_str(), e), ("Kö", Encoding::Utf16));
    }

    #[test]
    fn amounts_with_decimal_commas() {
        let d = |s: &str| Decimal::from_str(s).unwrap();
        for (typed, value) in [
            ("499,00", "499.00"),
            ("499.00", "499.00"),
            ("1.299,00", "1299.00"),
            ("1,299.00", "1299.00"),
            ("1 299,50", "1299.50"),
            ("499,00 €", "499.00"),
            ("1.299.000", "1299000"),
        ] {
            assert_eq!(amount(typed), Some(d(value)), "{typed}");
        }
        assert_eq!(amount("abc"), None);
        assert_eq!(amount(""), None);
        assert_eq!(amount("12a,00"), None);
    }

    #[test]
    fn local_and_iso_dates() {
        let day = |s: &str| local_date(s).map(|t| t.to_rfc3339());
        let nov28 = Some("2026-11-28T00:00:00+00:00".to_owned());
        assert_eq!(day("28.11.2026"), nov28);
        assert_eq!(day("2026-11-28"), nov28);
        assert_eq!(
            day("28.11.2026 10:15"),
            Some("2026-11-28T10:15:00+00:00".to_owned())
        );
        assert_eq!(
            day("2026-11-28T10:15:00Z"),
            Some("2026-11-28T10:15:00+00:00".to_owned())
        );
        assert_eq!(day("11/28/2026"), None);
        assert_eq!(day("31.11.2026"), None);
    }
}
