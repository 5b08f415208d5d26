//! The desk's recovery ledger `/desk/ledger?status=…` (managers and admins; a clerk gets the
//! 403 page): the same items as the JSON API, from [`crate::app::ledger`], with what an
//! accountant needs (issue 12) — each row's case, product, serial, manufacturer and dates, the
//! recourse deadline, totals per manufacturer and currency with ageing buckets — and two
//! exports of the same items: `/desk/ledger.csv` (the rows; their sums are the page's totals)
//! and `/desk/ledger/datev.csv` (DATEV-style bookings).

use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{DateTime, NaiveDate, Utc};
use kummerer_contracts::RetailerId;
use kummerer_service::Problem;
use kummerer_web::i18n::{Lang, Tr};
use rust_decimal::Decimal;
use sea_orm::DatabaseConnection;
use serde::Deserialize;
use uuid::Uuid;

use crate::app::ledger::{LEDGER_LIMIT, LedgerItem, LedgerTotal, items, totals};
use crate::domain::ledger::LedgerStatus;
use crate::http::pages::auth::{Signed, SignedIn};
use crate::http::pages::disputes::{is_manager, managers_only};
use crate::http::pages::{Me, render};
use crate::settings::{DatevAccounts, LedgerConfig};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LedgerQuery {
    pub status: String,
}

fn parse_status(raw: &str) -> Result<Option<LedgerStatus>, ()> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    LedgerStatus::parse(raw).map(Some).ok_or(())
}

// --- the desk page ------------------------------------------------------------------------------

pub struct LedgerLine {
    pub case_id: Uuid,
    pub status: &'static str,
    pub claim_status: String,
    /// "Washing machine WM 100 (WM-100)", the serial, the manufacturer's name.
    pub product: String,
    pub serial: String,
    pub manufacturer: String,
    pub sold: String,
    pub delivered: String,
    /// The supplier's delivery in words, or that the sale's day is assumed for it.
    pub supplied: String,
    /// Whether the recourse deadline runs from the sale (the supplier's delivery not known).
    pub recourse_assumed: bool,
    pub expected: String,
    pub credited: String,
    pub difference: String,
    pub outstanding: String,
    pub age: String,
    pub decided: String,
    /// Each note's number and, where known, its document's id (`/desk/credit-notes/{id}`).
    pub credit_notes: Vec<(String, Option<Uuid>)>,
    /// The running deadlines, as shown: (what and when, overdue).
    pub deadlines: Vec<(String, bool)>,
    /// The recourse deadline in words, and its state (`running`, `nearing`, `passed`; empty:
    /// nothing outstanding).
    pub recourse: String,
    pub recourse_state: &'static str,
}

/// One manufacturer's totals in one currency, as shown (`*_raw`: the plain decimal, for the
/// export's check).
pub struct TotalLine {
    pub manufacturer_id: Uuid,
    pub manufacturer: String,
    pub currency: String,
    pub expected: String,
    pub expected_raw: String,
    pub credited: String,
    pub credited_raw: String,
    pub outstanding: String,
    pub outstanding_raw: String,
    pub ageing: Vec<String>,
    pub recourse_nearing: u32,
    pub recourse_passed: u32,
}

pub struct Filter {
    pub value: &'static str,
    pub label: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "desk/ledger.html")]
pub struct LedgerPage {
    pub me: Me,
    pub tr: Tr,
    pub filters: Vec<Filter>,
    /// The filter as a query (`?status=open`), for the export links.
    pub query: String,
    pub message: Option<String>,
    /// More matched than shown.
    pub truncated: Option<String>,
    pub tolerance: String,
    pub warn_days: i64,
    /// The law the recourse deadline follows, in words (the retailer's jurisdiction).
    pub law: String,
    pub lines: Vec<LedgerLine>,
    pub totals: Vec<TotalLine>,
}

fn amount(tr: &Tr, a: Option<Decimal>, currency: &str) -> String {
    a.map(|a| tr.money(a, currency))
        .unwrap_or_else(|| "—".to_owned())
}

fn manufacturer_of(tr: &Tr, name: Option<&str>) -> String {
    match name {
        Some(n) if !n.trim().is_empty() => n.to_owned(),
        _ => tr.t("ledger-manufacturer-unknown"),
    }
}

/// A filter's label in words.
fn filter_label(tr: &Tr, s: LedgerStatus) -> String {
    tr.code("ledger-filter", s.as_str())
}

fn line(tr: &Tr, i: LedgerItem) -> LedgerLine {
    LedgerLine {
        case_id: i.case_id,
        status: i.status,
        claim_status: i.claim_status,
        product: format!("{} ({})", i.product_name, i.product_sku),
        serial: i.serial,
        manufacturer: manufacturer_of(tr, i.manufacturer_name.as_deref()),
        sold: tr.date(i.sold_at),
        delivered: i.delivered_at.map(|t| tr.date(t)).unwrap_or_default(),
        supplied: match i.supplier_delivered_on {
            Some(day) => tr.ta("ledger-supplied-on", "day", tr.naive_date(day)),
            None => tr.t("ledger-supplied-assumed"),
        },
        recourse_assumed: i.supplier_delivery_assumed,
        expected: amount(tr, i.expected, &i.currency),
        credited: amount(tr, Some(i.credited), &i.currency),
        difference: i
            .difference
            .filter(|d| !d.is_zero())
            .map(|d| {
                let sign = if d.is_sign_negative() { "" } else { "+" };
                format!("{sign}{}", tr.money(d, &i.currency))
            })
            .unwrap_or_default(),
        outstanding: tr.money(i.outstanding, &i.currency),
        age: i
            .age_days
            .map(|d| tr.tn("ledger-age-days", "days", d))
            .unwrap_or_default(),
        decided: i.decided_at.map(|t| tr.datetime(t)).unwrap_or_default(),
        credit_notes: i
            .credit_notes
            .iter()
            .enumerate()
            .map(|(k, n)| (n.clone(), i.credit_note_ids.get(k).copied()))
            .collect(),
        deadlines: i
            .deadlines
            .iter()
            .map(|d| {
                (
                    tr.ta2(
                        "ledger-due-by",
                        "what",
                        tr.code("ledger-deadline", d.kind),
                        "when",
                        tr.datetime(d.due_at),
                    ),
                    d.overdue,
                )
            })
            .collect(),
        recourse: match i.recourse {
            Some("passed") => tr.ta2(
                "ledger-recourse-passed",
                "day",
                tr.naive_date(i.recourse_ends_on),
                "days",
                -i.recourse_days_left,
            ),
            Some(_) => tr.ta2(
                "ledger-recourse-until",
                "day",
                tr.naive_date(i.recourse_ends_on),
                "days",
                i.recourse_days_left,
            ),
            None => String::new(),
        },
        recourse_state: i.recourse.unwrap_or(""),
    }
}

fn total_line(tr: &Tr, t: LedgerTotal) -> TotalLine {
    let m = |a: Decimal| tr.money(a, &t.currency);
    TotalLine {
        manufacturer_id: t.manufacturer_id,
        manufacturer: manufacturer_of(tr, t.manufacturer_name.as_deref()),
        expected: m(t.expected),
        expected_raw: t.expected.round_dp(2).to_string(),
        credited: m(t.credited),
        credited_raw: t.credited.round_dp(2).to_string(),
        outstanding: m(t.outstanding),
        outstanding_raw: t.outstanding.round_dp(2).to_string(),
        ageing: t.ageing.iter().map(|a| m(*a)).collect(),
        recourse_nearing: t.recourse_nearing,
        recourse_passed: t.recourse_passed,
        currency: t.currency,
    }
}

/// `GET /desk/ledger?status=…`: the ledger for managers and admins (a clerk gets the 403 page).
pub async fn page(
    SignedIn(me): SignedIn,
    db: web::Data<DatabaseConnection>,
    config: web::Data<LedgerConfig>,
    query: web::Query<LedgerQuery>,
) -> Result<HttpResponse, Problem> {
    if !is_manager(&me) {
        return managers_only(&me.tr, "ledger-managers-only");
    }
    let tr = me.tr;
    let status = parse_status(&query.status);
    let current = status.ok().flatten().map(LedgerStatus::as_str);
    let mut filters = vec![Filter {
        value: "",
        label: tr.t("ledger-filter-all"),
        current: current.is_none(),
    }];
    filters.extend(LedgerStatus::ALL.into_iter().map(|s| Filter {
        value: s.as_str(),
        label: filter_label(&tr, s),
        current: current == Some(s.as_str()),
    }));
    let mut page = LedgerPage {
        me: Me::from(&me),
        tr,
        filters,
        query: current.map(|c| format!("?status={c}")).unwrap_or_default(),
        message: None,
        truncated: None,
        tolerance: config.tolerance.to_string(),
        warn_days: config.recourse_warn_days,
        law: tr.code(
            "jurisdiction-law",
            &crate::db::retailers::jurisdiction(db.get_ref(), me.staff.retailer_id)
                .await?
                .as_str()
                .to_lowercase(),
        ),
        lines: Vec::new(),
        totals: Vec::new(),
    };
    match status {
        Err(()) => page.message = Some(tr.t("ledger-choose-filter")),
        Ok(status) => {
            let (items, truncated) = items(
                db.get_ref(),
                RetailerId(me.staff.retailer_id),
                status,
                config.get_ref(),
            )
            .await?;
            if truncated {
                page.truncated = Some(tr.ta("ledger-truncated", "limit", LEDGER_LIMIT));
            }
            page.totals = totals(&items, Utc::now())
                .into_iter()
                .map(|t| total_line(&tr, t))
                .collect();
            page.lines = items.into_iter().map(|i| line(&tr, i)).collect();
        }
    }
    render(&page)
}

// --- the exports --------------------------------------------------------------------------------

/// The items of an export, or the answer to give instead (a clerk: 403 page; a bad filter: 422
/// message page).
async fn export_items(
    me: &Signed,
    db: &DatabaseConnection,
    config: &LedgerConfig,
    query: &LedgerQuery,
) -> Result<Result<Vec<LedgerItem>, HttpResponse>, Problem> {
    if !is_manager(me) {
        return managers_only(&me.tr, "ledger-managers-only").map(Err);
    }
    let Ok(status) = parse_status(&query.status) else {
        return crate::http::pages::message_page(
            &me.tr,
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
            &me.tr.t("ledger-title"),
            &me.tr.t("ledger-choose-filter"),
        )
        .map(Err);
    };
    let (items, _) = items(db, RetailerId(me.staff.retailer_id), status, config).await?;
    Ok(Ok(items))
}

/// A decimal for a spreadsheet in the reader's language: `1234,50` / `1234.50` (no grouping).
pub fn decimal(lang: Lang, d: Decimal) -> String {
    let s = format!("{:.2}", d.round_dp(2));
    match lang {
        Lang::De => s.replace('.', ","),
        Lang::En => s,
    }
}

/// A day for a spreadsheet: `03.12.2026` / `2026-12-03`.
fn day(lang: Lang, d: NaiveDate) -> String {
    match lang {
        Lang::De => d.format("%d.%m.%Y").to_string(),
        Lang::En => d.format("%Y-%m-%d").to_string(),
    }
}

fn local_day(tr: &Tr, at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&tr.tz).date_naive()
}

/// UTF-8 with a byte-order mark (so spreadsheets read the umlauts), as a download.
fn csv_response(name: &str, body: Vec<u8>) -> HttpResponse {
    let mut bytes = Vec::with_capacity(body.len() + 3);
    bytes.extend_from_slice(b"\xEF\xBB\xBF");
    bytes.extend(body);
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{name}\""),
        ))
        .body(bytes)
}

fn writer(delimiter: u8) -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .delimiter(delimiter)
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new())
}

fn finish(w: csv::Writer<Vec<u8>>) -> Result<Vec<u8>, Problem> {
    w.into_inner()
        .map_err(|e| Problem::internal(format!("the CSV could not be written: {e}")))
}

/// The ledger's rows as CSV for `tr`'s reader: `;` and a decimal comma in German, `,` and a
/// decimal point in English; dates as local days.
pub fn ledger_csv(tr: &Tr, items: &[LedgerItem]) -> Result<Vec<u8>, Problem> {
    let lang = tr.lang;
    let mut w = writer(if lang == Lang::De { b';' } else { b',' });
    let header = [
        "case",
        "claim",
        "manufacturer",
        "product",
        "sku",
        "serial",
        "sold",
        "delivered",
        "submitted",
        "decided",
        "claim-status",
        "status",
        "currency",
        "claimed",
        "expected",
        "credited",
        "outstanding",
        "age",
        "recourse-ends",
        "recourse",
        "credit-notes",
    ];
    let bad = |e: csv::Error| Problem::internal(format!("the CSV could not be written: {e}"));
    w.write_record(header.iter().map(|h| tr.t(&format!("ledger-csv-{h}"))))
        .map_err(bad)?;
    for i in items {
        let opt_day =
            |at: Option<DateTime<Utc>>| at.map(|t| day(lang, local_day(tr, t))).unwrap_or_default();
        w.write_record([
            i.case_id.to_string(),
            i.claim_id.to_string(),
            manufacturer_of(tr, i.manufacturer_name.as_deref()),
            i.product_name.clone(),
            i.product_sku.clone(),
            i.serial.clone(),
            day(lang, local_day(tr, i.sold_at)),
            opt_day(i.delivered_at),
            day(lang, local_day(tr, i.submitted_at)),
            opt_day(i.decided_at),
            tr.code("claim-status", &i.claim_status),
            tr.code("ledger-status", i.status),
            i.currency.clone(),
            decimal(lang, i.amount_claimed),
            decimal(lang, i.expected_in_all),
            decimal(lang, i.credited),
            decimal(lang, i.outstanding),
            i.age_days.map(|d| d.to_string()).unwrap_or_default(),
            day(lang, i.recourse_ends_on),
            i.recourse
                .map(|r| tr.code("ledger-recourse-state", r))
                .unwrap_or_default(),
            i.credit_notes.join(" "),
        ])
        .map_err(bad)?;
    }
    finish(w)
}

/// A DATEV text field: at most `max` characters.
fn cut(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// A DATEV "Belegfeld 1": at most 36 of the characters DATEV takes (A–Z, 0–9, `$%&*+-./`).
fn belegfeld(s: &str) -> String {
    s.to_uppercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "$%&*+-./".contains(*c))
        .take(36)
        .collect()
}

/// DATEV-style bookings of the items: for every decided claim expecting money, its receivable
/// (debit `receivable`, credit `recovery`, dated on the decision); for every credited amount,
/// its settlement (credit `receivable`, debit `clearing`, dated on the latest credit note).
/// German conventions whatever the reader's language: `;`, decimal comma, `DDMM` dates.
pub fn datev_csv(
    tr: &Tr,
    items: &[LedgerItem],
    accounts: DatevAccounts,
) -> Result<Vec<u8>, Problem> {
    let mut w = writer(b';');
    let bad = |e: csv::Error| Problem::internal(format!("the CSV could not be written: {e}"));
    w.write_record([
        "Umsatz (ohne Soll/Haben-Kz)",
        "Soll/Haben-Kennzeichen",
        "WKZ Umsatz",
        "Konto",
        "Gegenkonto (ohne BU-Schlüssel)",
        "Belegdatum",
        "Belegfeld 1",
        "Buchungstext",
    ])
    .map_err(bad)?;
    let ddmm = |at: DateTime<Utc>| local_day(tr, at).format("%d%m").to_string();
    for i in items {
        let who = manufacturer_of(tr, i.manufacturer_name.as_deref());
        if let (Some(expected), Some(decided)) = (i.expected, i.decided_at)
            && expected > Decimal::ZERO
        {
            w.write_record([
                decimal(Lang::De, expected),
                "S".to_owned(),
                i.currency.clone(),
                accounts.receivable.to_string(),
                accounts.recovery.to_string(),
                ddmm(decided),
                belegfeld(&i.claim_id.simple().to_string()),
                cut(&format!("Regress {who} {}", i.serial), 60),
            ])
            .map_err(bad)?;
        }
        if i.credited > Decimal::ZERO {
            let number = i.credit_notes.first().cloned().unwrap_or_default();
            w.write_record([
                decimal(Lang::De, i.credited),
                "H".to_owned(),
                i.currency.clone(),
                accounts.receivable.to_string(),
                accounts.clearing.to_string(),
                ddmm(i.last_credited_at.unwrap_or(i.submitted_at)),
                belegfeld(&number),
                cut(&format!("Gutschrift {who} {}", i.serial), 60),
            ])
            .map_err(bad)?;
        }
    }
    finish(w)
}

/// `GET /desk/ledger.csv?status=…`: the ledger's rows (managers and admins).
pub async fn csv(
    SignedIn(me): SignedIn,
    db: web::Data<DatabaseConnection>,
    config: web::Data<LedgerConfig>,
    query: web::Query<LedgerQuery>,
) -> Result<HttpResponse, Problem> {
    match export_items(&me, db.get_ref(), config.get_ref(), &query).await? {
        Err(answer) => Ok(answer),
        Ok(items) => Ok(csv_response("ledger.csv", ledger_csv(&me.tr, &items)?)),
    }
}

/// `GET /desk/ledger/datev.csv?status=…`: the DATEV-style bookings (managers and admins).
pub async fn datev(
    SignedIn(me): SignedIn,
    db: web::Data<DatabaseConnection>,
    config: web::Data<LedgerConfig>,
    query: web::Query<LedgerQuery>,
) -> Result<HttpResponse, Problem> {
    match export_items(&me, db.get_ref(), config.get_ref(), &query).await? {
        Err(answer) => Ok(answer),
        Ok(items) => Ok(csv_response(
            "ledger-datev.csv",
            datev_csv(&me.tr, &items, config.datev)?,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_and_booking_fields_for_spreadsheets_and_datev() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(decimal(Lang::De, d("1234.5")), "1234,50");
        assert_eq!(decimal(Lang::En, d("1234.5")), "1234.50");
        assert_eq!(decimal(Lang::De, d("-0.01")), "-0,01");
        assert_eq!(belegfeld("cn-2026/001 ä"), "CN-2026/001");
        assert_eq!(belegfeld(&"x".repeat(50)).len(), 36);
        assert_eq!(cut("äöü", 2), "äö");
    }
}
