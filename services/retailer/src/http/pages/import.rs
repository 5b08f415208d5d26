//! The POS sales import (admins): a CSV file is uploaded and every row is checked. A file
//! without errors is imported whole, in one transaction. A file with errors imports NOTHING: the
//! page lists every error (line, field, message) and offers to import only the valid rows, which
//! the admin must choose explicitly (the page then says how many rows were skipped). A receipt
//! line already imported (same receipt number and serial) is a duplicate error, never a second
//! sale. The file is kept (`sales_imports`) so the second step imports exactly what was checked.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use kummerer_service::{FieldErrors, Problem};
use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait};
use serde_json::json;
use uuid::Uuid;

use crate::db::imports;
use crate::domain::csv::{self, Record};
use crate::domain::{CODE_MAX, ImportStatus, check_sold_at};
use crate::http::input::AddressBody;
use crate::http::pages::PathId;
use crate::http::pages::admin::parse_money;
use crate::http::pages::auth::{CsrfForm, Signed, guard_post};
use crate::http::pages::roles::{Admins, Posted, SignedAdmin, admins_only, is_admin};
use crate::http::pages::{Me, not_found, render_status};

/// The columns of the file, in this order, named in its first line.
pub const COLUMNS: [&str; 12] = [
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
];
/// Most rows in one file.
pub const MAX_ROWS: usize = 10_000;
/// Largest file.
pub const MAX_BYTES: usize = 5 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct RowError {
    pub line: usize,
    pub field: String,
    pub message: String,
}

fn row_error(line: usize, field: &str, message: impl Into<String>) -> RowError {
    RowError {
        line,
        field: field.to_owned(),
        message: message.into(),
    }
}

/// A checked row, ready to insert.
struct Row {
    receipt_no: String,
    serial: String,
    product_id: Uuid,
    amount: rust_decimal::Decimal,
    currency: String,
    sold_at: DateTime<Utc>,
    customer: kummerer_contracts::Address,
}

/// `2026-11-20T10:15:00Z` (RFC 3339), `2026-11-20 10:15` or `2026-11-20` (UTC).
fn parse_time(raw: &str) -> Option<DateTime<Utc>> {
    let raw = raw.trim();
    DateTime::parse_from_rfc3339(raw)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDateTime::parse_from_str(raw, "%Y-%m-%d %H:%M")
                .ok()
                .map(|t| t.and_utc())
        })
        .or_else(|| {
            NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc())
        })
}

/// Every row of the file checked: the valid rows and every error. `Err` is a problem with the
/// file itself (not CSV, wrong columns, too many rows), which imports nothing and offers nothing.
async fn check<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    text: &str,
    now: DateTime<Utc>,
) -> Result<Result<(Vec<Row>, Vec<RowError>, usize), RowError>, Problem> {
    let records = match csv::parse(text) {
        Ok(r) => r,
        Err(e) => return Ok(Err(row_error(e.line, "file", e.message))),
    };
    let Some((header, rows)) = records.split_first() else {
        return Ok(Err(row_error(1, "file", "the file is empty")));
    };
    let names: Vec<String> = header.fields.iter().map(|f| f.trim().to_owned()).collect();
    if names != COLUMNS {
        return Ok(Err(row_error(
            header.line,
            "file",
            format!("the first line must name the columns {}", COLUMNS.join(",")),
        )));
    }
    if rows.is_empty() {
        return Ok(Err(row_error(2, "file", "the file has no sales")));
    }
    if rows.len() > MAX_ROWS {
        return Ok(Err(row_error(
            rows.get(MAX_ROWS).map_or(0, |r| r.line),
            "file",
            format!("at most {MAX_ROWS} sales per file: split it"),
        )));
    }
    // What the database knows: the SKUs and the receipt lines already imported.
    let column = |r: &Record, i: usize| r.fields.get(i).map(|f| f.trim().to_owned());
    let skus: Vec<String> = rows.iter().filter_map(|r| column(r, 1)).collect();
    let receipts: Vec<String> = rows.iter().filter_map(|r| column(r, 0)).collect();
    let products = imports::products_by_sku(db, retailer_id, skus).await?;
    let known = imports::known_lines(db, retailer_id, receipts).await?;

    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    let mut valid = Vec::new();
    let mut errors = Vec::new();
    for r in rows {
        let line = r.line;
        if r.fields.len() != COLUMNS.len() {
            errors.push(row_error(
                line,
                "row",
                format!("has {} fields, not {}", r.fields.len(), COLUMNS.len()),
            ));
            continue;
        }
        let f = |i: usize| r.fields[i].as_str();
        let mut v = FieldErrors::new();
        let receipt_no = v.text("receipt_no", f(0), CODE_MAX);
        let sku = v.text("sku", f(1), CODE_MAX);
        let serial = v.text("serial", f(2), CODE_MAX);
        let price = parse_money(&mut v, "price_paid", f(3), f(4)).ok();
        let sold_at = parse_time(f(5));
        match sold_at {
            None => v.add(
                "sold_at",
                "enter a date like 2026-11-20 or 2026-11-20T10:15:00Z",
            ),
            Some(t) => {
                if let Err(e) = check_sold_at(t, now) {
                    v.add("sold_at", e.to_string());
                }
            }
        }
        let customer = AddressBody {
            name: f(6).to_owned(),
            phone: f(7).to_owned(),
            street: f(8).to_owned(),
            postcode: f(9).to_owned(),
            city: f(10).to_owned(),
            country: f(11).to_owned(),
        }
        .parse("customer", &mut v);
        let product = products.get(&sku).copied();
        if product.is_none() && !sku.is_empty() {
            v.add("sku", "no product with this SKU");
        }
        let key = (receipt_no.clone(), serial.clone());
        if !receipt_no.is_empty() && !serial.is_empty() {
            if known.contains(&key) {
                v.add(
                    "receipt_no",
                    format!("receipt {receipt_no} with serial {serial} is already imported"),
                );
            } else if let Some(first) = seen.get(&key) {
                v.add(
                    "receipt_no",
                    format!("the same receipt and serial as line {first}"),
                );
            } else {
                seen.insert(key, line);
            }
        }
        match v.finish() {
            Err(p) => {
                for e in p.errors {
                    let field = e.field.replace("customer.name", "customer_name");
                    let field = field.replace("customer.phone", "customer_phone");
                    let field = field.strip_prefix("customer.").unwrap_or(&field).to_owned();
                    errors.push(row_error(line, &field, e.message));
                }
            }
            Ok(()) => {
                let (Some(product_id), Some(price), Some(sold_at)) = (product, price, sold_at)
                else {
                    return Err(Problem::internal("checked fields vanished"));
                };
                valid.push(Row {
                    receipt_no,
                    serial,
                    product_id,
                    amount: price.amount,
                    currency: price.currency.to_string(),
                    sold_at,
                    customer,
                });
            }
        }
    }
    let total = rows.len();
    Ok(Ok((valid, errors, total)))
}

/// Inserts the rows in the caller's transaction, in one statement: `false` if any of them
/// collided with a sale imported meanwhile (the caller rolls back).
async fn insert<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    rows: &[Row],
) -> Result<bool, Problem> {
    let data: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            json!({
                "id": Uuid::now_v7(), "receipt_no": r.receipt_no, "product_id": r.product_id,
                "serial": r.serial, "price_paid": r.amount, "currency": r.currency,
                "sold_at": r.sold_at, "customer_name": r.customer.name,
                "customer_phone": r.customer.phone, "street": r.customer.street,
                "postcode": r.customer.postcode, "city": r.customer.city,
                "country": r.customer.country,
            })
        })
        .collect();
    Ok(imports::insert_sales(db, retailer_id, data).await?)
}

// --- the page -----------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "desk/import.html")]
pub struct ImportPage {
    pub me: Me,
    pub columns: String,
    pub file_name: String,
    /// A problem with the file as a whole.
    pub file_error: Option<String>,
    pub errors: Vec<RowError>,
    pub rows: usize,
    pub valid: usize,
    /// Set once something was imported.
    pub imported: Option<usize>,
    pub skipped: usize,
    /// The checked file that may be imported without its bad rows.
    pub import_id: Option<Uuid>,
}

fn empty_page(me: &Signed) -> ImportPage {
    ImportPage {
        me: Me::from(me),
        columns: COLUMNS.join(","),
        file_name: String::new(),
        file_error: None,
        errors: Vec::new(),
        rows: 0,
        valid: 0,
        imported: None,
        skipped: 0,
        import_id: None,
    }
}

/// `GET /desk/admin/import`.
pub async fn page(SignedAdmin(me): SignedAdmin) -> Result<HttpResponse, Problem> {
    render_status(StatusCode::OK, &empty_page(&me))
}

/// The parts of a `multipart/form-data` body: name → (file name, content).
fn multipart(req: &HttpRequest, body: &[u8]) -> Option<HashMap<String, (String, Vec<u8>)>> {
    let content_type = req.headers().get("content-type")?.to_str().ok()?;
    let boundary = content_type
        .split(';')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("boundary="))?
        .trim_matches('"');
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    let mut parts = HashMap::new();
    let mut rest = body;
    let find = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).position(|w| w == needle);
    let start = find(rest, delimiter)?;
    rest = &rest[start + delimiter.len()..];
    loop {
        if rest.starts_with(b"--") {
            break;
        }
        rest = rest.strip_prefix(b"\r\n")?;
        let head_end = find(rest, b"\r\n\r\n")?;
        let head = std::str::from_utf8(&rest[..head_end]).ok()?;
        rest = &rest[head_end + 4..];
        let end = find(rest, delimiter)?;
        let content = rest[..end].strip_suffix(b"\r\n").unwrap_or(&rest[..end]);
        let disposition = head
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))?;
        let param = |key: &str| {
            disposition.split(';').map(str::trim).find_map(|p| {
                p.strip_prefix(key)
                    .and_then(|v| v.strip_prefix('='))
                    .map(|v| v.trim_matches('"').to_owned())
            })
        };
        if let Some(name) = param("name") {
            parts.insert(
                name,
                (param("filename").unwrap_or_default(), content.to_vec()),
            );
        }
        rest = &rest[end + delimiter.len()..];
    }
    Some(parts)
}

/// `POST /desk/admin/import` (multipart: `csrf`, `file`): checks the file; imports it whole when
/// every row is valid; otherwise imports nothing and lists the errors (422).
pub async fn upload(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    body: web::Bytes,
) -> Result<HttpResponse, Problem> {
    let db = db.get_ref();
    let parts = multipart(&req, &body).unwrap_or_default();
    let csrf = parts
        .get("csrf")
        .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
        .unwrap_or_default();
    let me = match guard_post(&req, db, &csrf).await? {
        Ok(me) if is_admin(&me.staff) => me,
        Ok(_) => return admins_only(),
        Err(res) => return Ok(res),
    };
    let retailer_id = me.staff.retailer_id;
    let mut page = empty_page(&me);
    let Some((file_name, content)) = parts.get("file") else {
        page.file_error = Some("Choose the CSV file to import.".to_owned());
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    page.file_name = file_name.clone();
    let Ok(text) = String::from_utf8(content.clone()) else {
        page.file_error = Some("The file is not UTF-8 text: export it as CSV (UTF-8).".to_owned());
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    let now = Utc::now();
    let txn = db.begin().await?;
    let (valid, errors, total) = match check(&txn, retailer_id, &text, now).await? {
        Ok(checked) => checked,
        Err(e) => {
            txn.rollback().await?;
            page.file_error = Some(format!(
                "Line {}: {}. Nothing was imported.",
                e.line, e.message
            ));
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    page.rows = total;
    page.valid = valid.len();
    let import_id = Uuid::now_v7();
    let all_valid = errors.is_empty();
    if all_valid && !insert(&txn, retailer_id, &valid).await? {
        txn.rollback().await?;
        page.file_error =
            Some("Some of these sales were imported meanwhile: upload the file again.".to_owned());
        return render_status(StatusCode::CONFLICT, &page);
    }
    imports::insert(
        &txn,
        imports::NewImport {
            id: import_id,
            retailer_id,
            uploaded_by: me.staff.id,
            file_name,
            content: &text,
            status: if all_valid {
                ImportStatus::Imported
            } else {
                ImportStatus::Checked
            },
            imported: all_valid.then_some(valid.len() as i32),
            skipped: all_valid.then_some(0),
        },
    )
    .await?;
    txn.commit().await?;
    if all_valid {
        tracing::info!(admin.id = %me.staff.id, import.id = %import_id, rows = valid.len(),
            "sales imported");
        page.imported = Some(valid.len());
        return render_status(StatusCode::OK, &page);
    }
    tracing::info!(admin.id = %me.staff.id, import.id = %import_id, errors = errors.len(),
        "sales file with errors: nothing imported");
    page.errors = errors;
    page.import_id = (!valid.is_empty()).then_some(import_id);
    render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

/// `POST /desk/admin/import/{id}/valid`: the admin chose to import the valid rows of a checked
/// file: they are checked again (the database may have moved on) and imported in one
/// transaction; the page says how many rows were skipped and lists them. A file imported
/// already is not imported twice.
pub async fn import_valid(
    db: web::Data<DatabaseConnection>,
    PathId(path): PathId<Uuid>,
    Posted { me, .. }: Posted<CsrfForm, Admins>,
) -> Result<HttpResponse, Problem> {
    let db = db.get_ref();
    let Some(id) = path else {
        return not_found();
    };
    let retailer_id = me.staff.retailer_id;
    let txn = db.begin().await?;
    let Some(stored) = imports::lock(&txn, retailer_id, id).await? else {
        txn.rollback().await?;
        return not_found();
    };
    let mut page = empty_page(&me);
    page.file_name = stored.file_name.clone();
    if stored.status != ImportStatus::Checked {
        txn.rollback().await?;
        page.file_error = Some("This file is imported already; nothing more was imported.".into());
        return render_status(StatusCode::CONFLICT, &page);
    }
    let (valid, errors, total) = match check(&txn, retailer_id, &stored.content, Utc::now()).await?
    {
        Ok(checked) => checked,
        Err(e) => {
            txn.rollback().await?;
            page.file_error = Some(format!("Line {}: {}", e.line, e.message));
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    if valid.is_empty() || !insert(&txn, retailer_id, &valid).await? {
        txn.rollback().await?;
        page.file_error = Some("No row of this file can be imported now.".into());
        page.errors = errors;
        return render_status(StatusCode::CONFLICT, &page);
    }
    let skipped = total - valid.len();
    let (imported, skipped_rows) = (valid.len() as i32, skipped as i32);
    imports::mark_imported(&txn, retailer_id, id, imported, skipped_rows).await?;
    txn.commit().await?;
    tracing::info!(admin.id = %me.staff.id, import.id = %id, rows = valid.len(), skipped,
        "valid rows of a sales file imported");
    page.rows = total;
    page.valid = valid.len();
    page.imported = Some(valid.len());
    page.skipped = skipped;
    page.errors = errors;
    render_status(StatusCode::OK, &page)
}
