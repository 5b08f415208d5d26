//! The POS sales import (admins): a CSV file is uploaded and every row is checked. A file
//! without errors is imported whole, in one transaction. A file with errors imports NOTHING: the
//! page lists every error (line, column, the value found, what was expected) and offers to import only the valid rows, which
//! the admin must choose explicitly (the page then says how many rows were skipped). A receipt
//! line already imported (same receipt number and serial) is a duplicate error, never a second
//! sale. The file is kept (`sales_imports`) so the second step imports exactly what was checked.

use kummerer_web::i18n::Tr;
use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Utc;
use kummerer_service::Problem;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::app::import::{self as app, ImportError, RowError, Upload, UploadError};
pub use crate::http::import_file::MAX_BYTES;
use crate::http::import_file::{self as file, expected_columns, parse_file};
use crate::http::pages::PathId;
use crate::http::pages::auth::{CsrfForm, Signed, guard_post};
use crate::http::pages::roles::{Admins, Posted, SignedAdmin, admins_only, is_admin};
use crate::http::pages::{Me, form_text, not_found, render_status};
use crate::settings::SalesConfig;

// --- the page -----------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "desk/import.html")]
pub struct ImportPage {
    pub me: Me,
    pub tr: Tr,
    pub columns: String,
    /// How the file was read (encoding, delimiter), once uploaded.
    pub encoding: Option<String>,
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
        tr: me.tr,
        columns: expected_columns(),
        encoding: None,
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

/// A problem with the file as a whole, with what was found.
fn file_error(tr: &Tr, e: &RowError) -> String {
    let line: &dyn std::fmt::Display = &e.line;
    let message = import_text(tr, &e.message);
    if e.value.is_empty() {
        tr.targs(
            "import-file-error",
            &[("line", line), ("message", &message)],
        )
    } else {
        tr.targs(
            "import-file-error-found",
            &[("line", line), ("message", &message), ("found", &e.value)],
        )
    }
}

/// The rows' errors with what each expected in the reader's language (the JSON API keeps the
/// English texts of its problem details).
fn in_lang(tr: &Tr, errors: Vec<RowError>) -> Vec<RowError> {
    errors
        .into_iter()
        .map(|mut e| {
            e.message = import_text(tr, &e.message);
            e
        })
        .collect()
}

/// What the import's checks (`http::import_file`, `app::import`, the sale's rules) wrote in
/// English, in the reader's language: each text's catalog key, with the values it names; the
/// shared checks of the customer's fields through [`form_text`]; anything else (the CSV
/// reader's own message) as it is.
fn import_text(tr: &Tr, message: &str) -> String {
    const EXACT: &[(&str, &str)] = &[
        ("this is not a text (CSV) file", "import-msg-not-text"),
        ("the file is empty", "import-msg-empty"),
        ("the file has no sales", "import-msg-no-sales"),
        (
            "a quoted field is never closed",
            "import-msg-unclosed-quote",
        ),
        ("enter the price", "import-msg-enter-price"),
        ("enter the date", "import-msg-enter-date"),
        (
            "an amount like 499,00 or 1.299,00 (or 499.00)",
            "import-msg-amount",
        ),
        (
            "a date like 28.11.2026 or 2026-11-28 (with a time: 28.11.2026 10:15)",
            "import-msg-date",
        ),
        ("must not be in the future", "import-msg-future"),
        ("the SKU of one of your products", "import-msg-sku"),
        (crate::http::import_file::DAY_EXPECTED, "import-msg-day"),
    ];
    if let Some((_, key)) = EXACT.iter().find(|(text, _)| *text == message) {
        return tr.t(key);
    }
    let between = |prefix: &str, suffix: &str| {
        message
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_suffix(suffix))
    };
    if let Some(column) = between("two columns are ", ": keep one") {
        return tr.ta("import-msg-two-columns", "column", column);
    }
    if let Some((columns, missing)) = between("the first line must name the columns ", ")")
        .and_then(|r| r.split_once(" (missing: "))
    {
        return tr.ta2("import-msg-columns", "columns", columns, "missing", missing);
    }
    if let Some(max) = between("at most ", " sales per file: split it") {
        return tr.ta("import-msg-too-many", "max", max);
    }
    if let Some((found, need)) = message.split_once(" fields, but the columns need at least ") {
        return tr.ta2("import-msg-fields", "found", found, "need", need);
    }
    if let Some((receipt, serial)) =
        between("receipt ", " is already imported").and_then(|r| r.split_once(" with serial "))
    {
        return tr.ta2("import-msg-already", "receipt", receipt, "serial", serial);
    }
    if let Some(day) = between(
        "the supplier's delivery must be on or before the day of the sale (",
        ")",
    ) {
        return tr.ta("import-msg-supplier-after-sale", "day", day);
    }
    if let Some(line) = message.strip_prefix("the same receipt and serial as line ") {
        return tr.ta("import-msg-same-as", "line", line);
    }
    if let Some((paid, rest)) = message
        .strip_prefix("the price paid ")
        .and_then(|r| r.split_once(" is above the product's list price "))
        && let Some((list, rest)) = rest.split_once(" (tolerance ")
        && let Some((tolerance, ceiling)) = rest
            .strip_suffix(')')
            .and_then(|r| r.split_once(" %, so at most "))
    {
        return tr.targs(
            "import-msg-above-list",
            &[
                ("paid", &paid),
                ("list", &list),
                ("tolerance", &tolerance),
                ("ceiling", &ceiling),
            ],
        );
    }
    if let Some((paid, list)) = between("the price paid is in ", "")
        .and_then(|r| r.split_once(", the product's list price in "))
    {
        return tr.ta2("import-msg-other-currency", "paid", paid, "list", list);
    }
    form_text(tr, message)
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
    sales: web::Data<SalesConfig>,
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
        Ok(me) => return admins_only(&me.tr),
        Err(res) => return Ok(res),
    };
    let retailer_id = me.staff.retailer_id;
    let mut page = empty_page(&me);
    let Some((file_name, content)) = parts.get("file") else {
        page.file_error = Some(me.tr.t("import-choose-file"));
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    page.file_name = file_name.clone();
    let text = match file::decode(content) {
        Ok((text, encoding)) => {
            let (label, delimiter) = file::read_as_parts(&text, encoding);
            let delimiter = me.tr.code("import-delimiter", delimiter);
            page.encoding =
                Some(
                    me.tr
                        .ta2("import-read-as", "encoding", label, "delimiter", delimiter),
                );
            text
        }
        Err(e) => {
            page.file_error = Some(me.tr.ta("import-not-read", "message", &e.message));
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let upload = Upload {
        retailer_id,
        uploaded_by: me.staff.id,
        file_name,
        text: &text,
        sales: **sales,
    };
    let done = match app::upload(db, parse_file, upload, Utc::now()).await {
        Ok(done) => done,
        Err(UploadError::File(e)) => {
            page.file_error = Some(file_error(&me.tr, &e));
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
        Err(UploadError::Collided) => {
            page.file_error = Some(me.tr.t("import-collided"));
            return render_status(StatusCode::CONFLICT, &page);
        }
        Err(UploadError::Db(e)) => return Err(e.into()),
    };
    page.rows = done.total;
    page.valid = done.valid;
    let import_id = done.import_id;
    if done.errors.is_empty() {
        tracing::info!(admin.id = %me.staff.id, import.id = %import_id, rows = done.valid,
            "sales imported");
        page.imported = Some(done.valid);
        return render_status(StatusCode::OK, &page);
    }
    tracing::info!(admin.id = %me.staff.id, import.id = %import_id, errors = done.errors.len(),
        "sales file with errors: nothing imported");
    page.errors = in_lang(&me.tr, done.errors);
    page.import_id = (done.valid > 0).then_some(import_id);
    render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

/// `POST /desk/admin/import/{id}/valid`: the admin chose to import the valid rows of a checked
/// file: they are checked again (the database may have moved on) and imported in one
/// transaction; the page says how many rows were skipped and lists them. A file imported
/// already is not imported twice.
pub async fn import_valid(
    db: web::Data<DatabaseConnection>,
    sales: web::Data<SalesConfig>,
    PathId(path): PathId<Uuid>,
    Posted { me, .. }: Posted<CsrfForm, Admins>,
) -> Result<HttpResponse, Problem> {
    let db = db.get_ref();
    let Some(id) = path else {
        return not_found(&me.tr);
    };
    let retailer_id = me.staff.retailer_id;
    let (file_name, done) =
        app::import_valid(db, parse_file, (retailer_id, id), **sales, Utc::now()).await?;
    let mut page = empty_page(&me);
    page.file_name = file_name.unwrap_or_default();
    let done = match done {
        Ok(done) => done,
        Err(ImportError::NotFound) => return not_found(&me.tr),
        Err(ImportError::AlreadyImported) => {
            page.file_error = Some(me.tr.t("import-already"));
            return render_status(StatusCode::CONFLICT, &page);
        }
        Err(ImportError::File(e)) => {
            page.file_error = Some(file_error(&me.tr, &e));
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
        Err(ImportError::NothingImportable(errors)) => {
            page.file_error = Some(me.tr.t("import-nothing-importable"));
            page.errors = in_lang(&me.tr, errors);
            return render_status(StatusCode::CONFLICT, &page);
        }
    };
    tracing::info!(admin.id = %me.staff.id, import.id = %id, rows = done.imported,
        skipped = done.skipped, "valid rows of a sales file imported");
    page.rows = done.total;
    page.valid = done.imported;
    page.imported = Some(done.imported);
    page.skipped = done.skipped;
    page.errors = in_lang(&me.tr, done.errors);
    render_status(StatusCode::OK, &page)
}
