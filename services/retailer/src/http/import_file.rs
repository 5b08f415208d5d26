//! The POS sales file, read for the import page and the import API alike: its bytes decoded
//! (encoding detected), its delimiter detected ([`crate::domain::csv`]), its columns found by
//! their names in the first line — ours or a German export's (`Bonnummer`, `Artikelnummer`,
//! `Seriennummer`, `Preis`, `Währung`, `Datum`, `Kunde`, `Telefon`, `Straße`, `PLZ`, `Ort`,
//! `Land`; the optional supplier's delivery as `Wareneingang`), in any order, other columns
//! ignored — and every line parsed, each error with the value it is about. The checks against the database are [`crate::app::import`]'s.

use chrono::{DateTime, Utc};
use kummerer_contracts::{Currency, Money};
use kummerer_service::FieldErrors;

use crate::app::import::{CsvRow, RowError, RowValues, row_error};
use crate::domain::csv::{self, Encoding, Record};
use crate::domain::{CODE_MAX, check_sold_at};
use crate::http::input::AddressBody;

/// The columns of the file, named in its first line (in any order).
pub const COLUMNS: [&str; 13] = [
    "receipt_no",
    "sku",
    "serial",
    "price_paid",
    "currency",
    "sold_at",
    "customer_name",
    "customer_phone",
    "street",
    "postcode",
    "city",
    "country",
    "supplier_delivered_on",
];
/// Other names a column goes by in exports (compared in lower case, letters and digits only).
const ALIASES: [&[&str]; 13] = [
    &[
        "receipt",
        "bon",
        "bonnummer",
        "bonnr",
        "beleg",
        "belegnummer",
        "belegnr",
        "quittung",
    ],
    &["artikelnummer", "artikelnr", "artnr"],
    &[
        "serialno",
        "serialnumber",
        "seriennummer",
        "seriennr",
        "snr",
    ],
    &[
        "price",
        "preis",
        "betrag",
        "verkaufspreis",
        "vkpreis",
        "bezahlt",
    ],
    &["wahrung", "waehrung", "währung"],
    &["date", "datum", "verkaufsdatum", "kaufdatum", "verkauftam"],
    &["name", "customer", "kunde", "kundenname"],
    &["phone", "telefon", "tel", "telefonnummer", "telefonnr"],
    &["straße", "strasse", "adresse", "address"],
    &["plz", "postleitzahl", "zip", "zipcode"],
    &["ort", "stadt", "wohnort"],
    &["land", "countrycode", "landeskennung"],
    &[
        "supplierdelivery",
        "supplierdeliveredat",
        "supplierdeliverydate",
        "wareneingang",
        "wareneingangsdatum",
        "eingangsdatum",
        "lieferantenlieferung",
    ],
];
/// Columns a file may leave out: the currency (then EUR where the price says `€`) and the
/// supplier's delivery to the retailer (then the recourse clock assumes the sale's day).
const OPTIONAL: [&str; 2] = ["currency", "supplier_delivered_on"];
/// What a supplier's delivery day must look like.
pub const DAY_EXPECTED: &str = "a day like 20.11.2026 or 2026-11-20, or empty";
/// Most rows in one file.
pub const MAX_ROWS: usize = 10_000;
/// Largest file.
pub const MAX_BYTES: usize = 5 * 1024 * 1024;

/// What the file needs, for the page and the API's errors.
pub fn expected_columns() -> String {
    COLUMNS.join(", ")
}

fn normal(name: &str) -> String {
    name.trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// The canonical column a header names, if any.
fn column_of(header: &str) -> Option<usize> {
    let name = normal(header);
    COLUMNS.iter().position(|c| normal(c) == name).or_else(|| {
        ALIASES
            .iter()
            .position(|a| a.iter().any(|x| normal(x) == name))
    })
}

/// A country as exports write it: the ISO code, or its German or English name.
fn country_code(raw: &str) -> String {
    match normal(raw).as_str() {
        "deutschland" | "germany" => "DE".to_owned(),
        "österreich" | "oesterreich" | "austria" => "AT".to_owned(),
        "schweiz" | "switzerland" => "CH".to_owned(),
        "niederlande" | "netherlands" => "NL".to_owned(),
        _ => raw.trim().to_owned(),
    }
}

/// The file's bytes decoded: `Err` when they are no text at all.
pub fn decode(bytes: &[u8]) -> Result<(String, Encoding), RowError> {
    let (text, encoding) = csv::decode(bytes);
    if text.contains('\0') {
        return Err(row_error(1, "file", "this is not a text (CSV) file"));
    }
    Ok((text, encoding))
}

/// How the file was read, for the page: "Windows-1252, separated by ;".
pub fn read_as(text: &str, encoding: Encoding) -> String {
    let (label, delimiter) = read_as_parts(text, encoding);
    format!("{label}, separated by {delimiter}")
}

/// How the file was read: the encoding's name and the delimiter (`commas`, `semicolons`,
/// `tabs`), for a page to say in its reader's words.
pub fn read_as_parts(text: &str, encoding: Encoding) -> (&'static str, &'static str) {
    let delimiter = match csv::delimiter(text) {
        b';' => "semicolons",
        b'\t' => "tabs",
        _ => "commas",
    };
    (encoding.label(), delimiter)
}

/// Where each canonical column is in the file's lines.
type Layout = [Option<usize>; COLUMNS.len()];

fn layout(header: &Record) -> Result<Layout, RowError> {
    let mut at: Layout = [None; COLUMNS.len()];
    for (i, name) in header.fields.iter().enumerate() {
        if let Some(c) = column_of(name) {
            if at[c].is_some() {
                let mut e = row_error(
                    header.line,
                    "file",
                    format!("two columns are {}: keep one", COLUMNS[c]),
                );
                e.value = name.trim().to_owned();
                return Err(e);
            }
            at[c] = Some(i);
        }
    }
    let missing: Vec<&str> = COLUMNS
        .iter()
        .zip(at.iter())
        .filter(|(name, at)| at.is_none() && !OPTIONAL.contains(name))
        .map(|(name, _)| *name)
        .collect();
    if !missing.is_empty() {
        let mut e = row_error(
            header.line,
            "file",
            format!(
                "the first line must name the columns {} (missing: {})",
                expected_columns(),
                missing.join(", ")
            ),
        );
        e.value = header.fields.join(" | ");
        return Err(e);
    }
    Ok(at)
}

/// The file's lines parsed. `Err` is a problem with the file itself (not CSV, columns missing,
/// too many rows).
pub fn parse_file(text: &str, now: DateTime<Utc>) -> Result<Vec<CsvRow>, RowError> {
    let records = csv::parse(text).map_err(|e| row_error(e.line, "file", e.message))?;
    let Some((header, rows)) = records.split_first() else {
        return Err(row_error(1, "file", "the file is empty"));
    };
    let at = layout(header)?;
    if rows.is_empty() {
        return Err(row_error(2, "file", "the file has no sales"));
    }
    if rows.len() > MAX_ROWS {
        return Err(row_error(
            rows.get(MAX_ROWS).map_or(0, |r| r.line),
            "file",
            format!("at most {MAX_ROWS} sales per file: split it"),
        ));
    }
    Ok(rows.iter().map(|r| parse_row(r, &at, now)).collect())
}

/// A price and its currency: the currency column, or EUR where it is left out and the price
/// says `€`.
fn price(v: &mut FieldErrors, amount: &str, currency: &str) -> Option<Money> {
    let Some(value) = csv::amount(amount) else {
        v.add(
            "price_paid",
            "an amount like 499,00 or 1.299,00 (or 499.00)",
        );
        return None;
    };
    let currency = match currency.trim() {
        "" if amount.contains('€') => "EUR".to_owned(),
        c => c.to_uppercase(),
    };
    let Ok(currency) = Currency::parse(&currency) else {
        v.add("currency", "an ISO 4217 code like EUR");
        return None;
    };
    match Money::new(value, currency) {
        Ok(m) => Some(m),
        Err(e) => {
            v.add("price_paid", e.to_string());
            None
        }
    }
}

/// One line: its keys as typed, and its values or what is wrong with them (each error with the
/// value it is about).
fn parse_row(r: &Record, at: &Layout, now: DateTime<Utc>) -> CsvRow {
    let line = r.line;
    let f = |c: usize| {
        at[c]
            .and_then(|i| r.fields.get(i))
            .map_or("", String::as_str)
    };
    let last = at.iter().flatten().max().copied().unwrap_or(0);
    if r.fields.len() <= last {
        let mut e = row_error(
            line,
            "row",
            format!(
                "{} fields, but the columns need at least {}",
                r.fields.len(),
                last + 1
            ),
        );
        e.value = r.fields.join(" | ");
        return CsvRow {
            line,
            receipt_no: String::new(),
            sku: f(1).trim().to_owned(),
            serial: String::new(),
            values: Err(vec![e]),
        };
    }
    let mut v = FieldErrors::new();
    let receipt_no = v.text("receipt_no", f(0), CODE_MAX);
    let sku = v.text("sku", f(1), CODE_MAX);
    let serial = v.text("serial", f(2), CODE_MAX);
    let price = price(&mut v, f(3), f(4));
    let sold_at = csv::local_date(f(5));
    match sold_at {
        None => v.add(
            "sold_at",
            "a date like 28.11.2026 or 2026-11-28 (with a time: 28.11.2026 10:15)",
        ),
        Some(t) => {
            if let Err(e) = check_sold_at(t, now) {
                v.add("sold_at", e.to_string());
            }
        }
    }
    let supplier_delivered_on = match f(12).trim() {
        "" => None,
        raw => {
            let day = ["%Y-%m-%d", "%d.%m.%Y"]
                .iter()
                .find_map(|fmt| chrono::NaiveDate::parse_from_str(raw, fmt).ok());
            if day.is_none() {
                v.add("supplier_delivered_on", DAY_EXPECTED);
            }
            day
        }
    };
    let customer = AddressBody {
        name: f(6).to_owned(),
        phone: f(7).to_owned(),
        street: f(8).to_owned(),
        postcode: f(9).to_owned(),
        city: f(10).to_owned(),
        country: country_code(f(11)),
    }
    .parse("customer", &mut v);
    let with_value = |field: &str, message: String| {
        let mut e = row_error(line, field, message);
        if let Some(c) = COLUMNS.iter().position(|c| *c == field) {
            e.value = f(c).trim().to_owned();
        }
        e
    };
    let values = match (v.finish(), price, sold_at) {
        (Ok(()), Some(price), Some(sold_at)) => Ok(RowValues {
            price,
            price_typed: f(3).trim().to_owned(),
            sold_at,
            customer,
            supplier_delivered_on,
        }),
        // Both missing values were reported as field errors; this arm names them anyway.
        (Ok(()), None, _) => Err(vec![with_value("price_paid", "enter the price".into())]),
        (Ok(()), _, None) => Err(vec![with_value("sold_at", "enter the date".into())]),
        (Err(p), _, _) => Err(p
            .errors
            .into_iter()
            .map(|e| {
                let field = e.field.replace("customer.name", "customer_name");
                let field = field.replace("customer.phone", "customer_phone");
                let field = field.strip_prefix("customer.").unwrap_or(&field).to_owned();
                with_value(&field, e.message)
            })
            .collect()),
    };
    CsvRow {
        line,
        receipt_no,
        sku,
        serial,
        values,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn german_headers_name_the_columns() {
        for (header, column) in [
            ("Bon-Nr.", "receipt_no"),
            ("Artikelnummer", "sku"),
            ("Seriennummer", "serial"),
            ("Preis", "price_paid"),
            ("Währung", "currency"),
            ("Verkaufsdatum", "sold_at"),
            ("Kunde", "customer_name"),
            ("Telefon", "customer_phone"),
            ("Straße", "street"),
            ("PLZ", "postcode"),
            ("Ort", "city"),
            ("Land", "country"),
            ("Wareneingang", "supplier_delivered_on"),
            ("supplier_delivered_on", "supplier_delivered_on"),
            ("receipt_no", "receipt_no"),
            (" Customer Phone ", "customer_phone"),
        ] {
            assert_eq!(
                column_of(header).map(|c| COLUMNS[c]),
                Some(column),
                "{header}"
            );
        }
        assert_eq!(column_of("MwSt"), None);
    }
}
