//! A small RFC 4180 CSV reader for the POS sales import: comma-separated, fields optionally in
//! double quotes (a quote inside written twice; commas and line breaks allowed inside quotes),
//! lines ending in CRLF or LF, a UTF-8 byte-order mark ignored, blank lines skipped.

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

/// Every record of `text`, or the first place the text is not CSV.
pub fn parse(text: &str) -> Result<Vec<Record>, CsvError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Vec::new();
    let mut fields: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut line = 1;
    let mut start = 1;
    let mut quoted = false;
    // The field began with a quote (and so may only end with one).
    let mut was_quoted = false;
    let mut chars = text.chars().peekable();
    let mut end_record = |fields: &mut Vec<String>, field: &mut String, start: usize| {
        fields.push(std::mem::take(field));
        let record = std::mem::take(fields);
        if !(record.len() == 1 && record[0].is_empty()) {
            records.push(Record {
                line: start,
                fields: record,
            });
        }
    };
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push('\n');
                }
                c => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() && !was_quoted => {
                quoted = true;
                was_quoted = true;
            }
            '"' => {
                return Err(CsvError {
                    line,
                    message: "a quote inside a field that does not start with one".to_owned(),
                });
            }
            ',' => {
                fields.push(std::mem::take(&mut field));
                was_quoted = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                end_record(&mut fields, &mut field, start);
                was_quoted = false;
                line += 1;
                start = line;
            }
            c if was_quoted => {
                return Err(CsvError {
                    line,
                    message: format!("{c:?} after the closing quote of a field"),
                });
            }
            c => field.push(c),
        }
    }
    if quoted {
        return Err(CsvError {
            line: start,
            message: "a quoted field is never closed".to_owned(),
        });
    }
    if !field.is_empty() || !fields.is_empty() || was_quoted {
        end_record(&mut fields, &mut field, start);
    }
    Ok(records)
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
    }

    #[test]
    fn broken_quotes_are_errors_with_their_line() {
        assert_eq!(parse("a\nb\"c\n").unwrap_err().line, 2);
        assert_eq!(parse("a\n\"open,b\nc").unwrap_err().line, 2);
        assert_eq!(parse("\"a\"b").unwrap_err().line, 1);
        assert_eq!(parse("").unwrap(), vec![]);
    }
}
