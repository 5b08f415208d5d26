//! The POS sales import: a parsed file's rows are checked against what the database knows (the
//! SKUs, the receipt lines already imported, the file's own repeats) and inserted, in one
//! transaction. A file without errors is imported whole; a file with errors imports nothing and
//! is kept (`sales_imports`), so that importing its valid rows later imports exactly what was
//! checked. Parsing the file's text is the page's (see `http::pages::import`), passed in as
//! [`Parse`] because the second step parses the stored file again inside its transaction.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use kummerer_contracts::{Address, Money};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, TransactionTrait};
use serde_json::json;
use uuid::Uuid;

use crate::db::imports;
use crate::domain::legal_clocks::{check_supplier_delivery, start_of_local_day};
use crate::domain::{ImportStatus, check_price_paid, phone};
use crate::settings::SalesConfig;

/// An error on a line of the file (`field` `file` or `row` for the whole file or line): the
/// column, the value found there (as typed; empty when it is about a missing value), and what
/// was expected.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RowError {
    pub line: usize,
    #[serde(rename = "column")]
    pub field: String,
    pub value: String,
    #[serde(rename = "expected")]
    pub message: String,
}

pub fn row_error(line: usize, field: &str, message: impl Into<String>) -> RowError {
    RowError {
        line,
        field: field.to_owned(),
        value: String::new(),
        message: message.into(),
    }
}

impl RowError {
    fn with_value(mut self, value: impl Into<String>) -> RowError {
        self.value = value.into();
        self
    }
}

/// A parsed line of the file: its keys as typed, and its values, or what is wrong with them.
#[derive(Debug, Clone)]
pub struct CsvRow {
    pub line: usize,
    pub receipt_no: String,
    pub sku: String,
    pub serial: String,
    pub values: Result<RowValues, Vec<RowError>>,
}

/// The values of a line that parsed.
#[derive(Debug, Clone)]
pub struct RowValues {
    pub price: Money,
    /// The price as the file has it (`1.299,00`), for an error about it.
    pub price_typed: String,
    pub sold_at: DateTime<Utc>,
    pub customer: Address,
    /// The retailer's local day its supplier delivered the unit (optional column).
    pub supplier_delivered_on: Option<NaiveDate>,
}

/// Parses a file's text (at `now`) into its lines; `Err` is a problem with the file itself (not
/// CSV, wrong columns, too many rows), which imports nothing and offers nothing.
pub type Parse = fn(&str, DateTime<Utc>) -> Result<Vec<CsvRow>, RowError>;

/// A checked row, ready to insert.
struct Row {
    receipt_no: String,
    serial: String,
    product_id: Uuid,
    values: RowValues,
}

/// The rows checked against the database: the valid ones, every error, how many lines, and
/// the retailer's time zone (its local days: the supplier's delivery).
struct Checked {
    valid: Vec<Row>,
    errors: Vec<RowError>,
    total: usize,
    tz: Tz,
}

async fn check<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    rows: Vec<CsvRow>,
    sales: SalesConfig,
) -> Result<Checked, DbErr> {
    let skus: Vec<String> = rows.iter().map(|r| r.sku.clone()).collect();
    let receipts: Vec<String> = rows.iter().map(|r| r.receipt_no.clone()).collect();
    let products = imports::products_by_sku(db, retailer_id, skus).await?;
    let known = imports::known_lines(db, retailer_id, receipts).await?;
    let tz = crate::app::catalogue::retailer_tz(db, retailer_id).await?;
    let total = rows.len();
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    let mut valid = Vec::new();
    let mut errors = Vec::new();
    for r in rows {
        let line = r.line;
        let mut found = Vec::new();
        let product = products.get(&r.sku).map(|(id, _)| *id);
        match (products.get(&r.sku), &r.values) {
            (None, _) if !r.sku.is_empty() => found
                .push(row_error(line, "sku", "the SKU of one of your products").with_value(&r.sku)),
            (Some((_, list)), Ok(values)) => {
                if let Err(e) = check_price_paid(&values.price, list, sales.price_tolerance_percent)
                {
                    let typed = &values.price_typed;
                    found.push(row_error(line, "price_paid", e.to_string()).with_value(typed));
                }
            }
            _ => {}
        }
        if let Ok(values) = &r.values
            && let Some(day) = values.supplier_delivered_on
            && let Err(e) = check_supplier_delivery(day, values.sold_at, tz)
        {
            let field = "supplier_delivered_on";
            found.push(row_error(line, field, e.to_string()).with_value(day.to_string()));
        }
        let key = (r.receipt_no.clone(), r.serial.clone());
        if !r.receipt_no.is_empty() && !r.serial.is_empty() {
            if known.contains(&key) {
                let message = format!(
                    "receipt {} with serial {} is already imported",
                    r.receipt_no, r.serial
                );
                found.push(row_error(line, "receipt_no", message).with_value(&r.receipt_no));
            } else if let Some(first) = seen.get(&key) {
                let message = format!("the same receipt and serial as line {first}");
                found.push(row_error(line, "receipt_no", message).with_value(&r.receipt_no));
            } else {
                seen.insert(key, line);
            }
        }
        match (r.values, product) {
            (Ok(values), Some(product_id)) if found.is_empty() => valid.push(Row {
                receipt_no: r.receipt_no,
                serial: r.serial,
                product_id,
                values,
            }),
            (Ok(_), _) => errors.extend(found),
            (Err(parsed), _) => {
                errors.extend(parsed);
                errors.extend(found);
            }
        }
    }
    Ok(Checked {
        valid,
        errors,
        total,
        tz,
    })
}

/// Inserts the rows in the caller's transaction, in one statement: `false` if any of them
/// collided with a sale imported meanwhile (the caller rolls back).
async fn insert<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    rows: &[Row],
    tz: Tz,
) -> Result<bool, DbErr> {
    let data: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            let (v, c) = (&r.values, &r.values.customer);
            json!({
                "id": Uuid::now_v7(), "receipt_no": r.receipt_no, "product_id": r.product_id,
                "serial": r.serial, "price_paid": v.price.amount,
                "currency": v.price.currency.to_string(), "sold_at": v.sold_at,
                "customer_name": c.name, "customer_phone": c.phone, "street": c.street,
                "customer_phone_e164": phone::e164(&c.phone, &c.country).unwrap_or_default(),
                "postcode": c.postcode, "city": c.city, "country": c.country,
                "supplier_delivered_at": v.supplier_delivered_on
                    .map(|day| start_of_local_day(day, tz)),
            })
        })
        .collect();
    imports::insert_sales(db, retailer_id, data).await
}

/// Why an uploaded file imported nothing.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// The file as a whole does not do.
    #[error("line {}: {}", .0.line, .0.message)]
    File(RowError),
    /// Some of the sales were imported meanwhile.
    #[error("some of these sales were imported meanwhile")]
    Collided,
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Why the valid rows of a checked file were not imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The stored file does not do (any more).
    #[error("line {}: {}", .0.line, .0.message)]
    File(RowError),
    #[error("no such file")]
    NotFound,
    #[error("this file is imported already")]
    AlreadyImported,
    /// Of a checked file, no row can be imported now.
    #[error("no row of this file can be imported now")]
    NothingImportable(Vec<RowError>),
}

/// An uploaded file.
pub struct Upload<'a> {
    pub retailer_id: Uuid,
    pub uploaded_by: Uuid,
    pub file_name: &'a str,
    pub text: &'a str,
    /// The price-paid rule the rows are checked against.
    pub sales: SalesConfig,
}

/// What an upload did.
#[derive(Debug)]
pub struct Uploaded {
    pub import_id: Uuid,
    pub total: usize,
    pub valid: usize,
    /// Empty: every row is imported. Otherwise nothing is, and the file is kept.
    pub errors: Vec<RowError>,
}

/// Checks an uploaded file and imports it whole when every row is valid; otherwise imports
/// nothing and keeps the file with its errors.
pub async fn upload(
    db: &DatabaseConnection,
    parse: Parse,
    u: Upload<'_>,
    now: DateTime<Utc>,
) -> Result<Uploaded, UploadError> {
    let rows = parse(u.text, now).map_err(UploadError::File)?;
    let txn = db.begin().await?;
    let checked = check(&txn, u.retailer_id, rows, u.sales).await?;
    let import_id = Uuid::now_v7();
    let all_valid = checked.errors.is_empty();
    if all_valid && !insert(&txn, u.retailer_id, &checked.valid, checked.tz).await? {
        txn.rollback().await?;
        return Err(UploadError::Collided);
    }
    let valid = checked.valid.len();
    imports::insert(
        &txn,
        imports::NewImport {
            id: import_id,
            retailer_id: u.retailer_id,
            uploaded_by: u.uploaded_by,
            file_name: u.file_name,
            content: u.text,
            status: if all_valid {
                ImportStatus::Imported
            } else {
                ImportStatus::Checked
            },
            imported: all_valid.then_some(valid as i32),
            skipped: all_valid.then_some(0),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(Uploaded {
        import_id,
        total: checked.total,
        valid,
        errors: checked.errors,
    })
}

/// What importing a checked file's valid rows did.
#[derive(Debug)]
pub struct ValidImported {
    pub total: usize,
    pub imported: usize,
    pub skipped: usize,
    pub errors: Vec<RowError>,
}

/// The stored file's name (for the page, whatever the outcome) and what importing it did.
pub type ImportValid = (Option<String>, Result<ValidImported, ImportError>);

/// Imports the valid rows of the checked file `id`: checked again (the database may have moved
/// on) and inserted in one transaction. A file imported already is not imported twice.
pub async fn import_valid(
    db: &DatabaseConnection,
    parse: Parse,
    (retailer_id, id): (Uuid, Uuid),
    sales: SalesConfig,
    now: DateTime<Utc>,
) -> Result<ImportValid, DbErr> {
    let txn = db.begin().await?;
    let Some(stored) = imports::lock(&txn, retailer_id, id).await? else {
        txn.rollback().await?;
        return Ok((None, Err(ImportError::NotFound)));
    };
    let name = Some(stored.file_name.clone());
    if stored.status != ImportStatus::Checked {
        txn.rollback().await?;
        return Ok((name, Err(ImportError::AlreadyImported)));
    }
    let rows = match parse(&stored.content, now) {
        Ok(rows) => rows,
        Err(e) => {
            txn.rollback().await?;
            return Ok((name, Err(ImportError::File(e))));
        }
    };
    let checked = check(&txn, retailer_id, rows, sales).await?;
    if checked.valid.is_empty() || !insert(&txn, retailer_id, &checked.valid, checked.tz).await? {
        txn.rollback().await?;
        return Ok((name, Err(ImportError::NothingImportable(checked.errors))));
    }
    let imported = checked.valid.len();
    let skipped = checked.total - imported;
    imports::mark_imported(&txn, retailer_id, id, imported as i32, skipped as i32).await?;
    txn.commit().await?;
    Ok((
        name,
        Ok(ValidImported {
            total: checked.total,
            imported,
            skipped,
            errors: checked.errors,
        }),
    ))
}
