//! `sales_imports` (a POS file as uploaded, checked, imported) and the bulk queries of the sales
//! import: the catalogue's SKUs and the receipt lines already recorded, and the sales inserted
//! in one statement.

use std::collections::{HashMap, HashSet};

use sea_orm::{ConnectionTrait, DbBackend, DbErr, FromQueryResult, Statement};
use serde_json::json;
use uuid::Uuid;

use crate::domain::ImportStatus;

#[derive(FromQueryResult)]
struct Known {
    receipt_no: String,
    serial: String,
}

#[derive(FromQueryResult)]
struct Sku {
    id: Uuid,
    sku: String,
    price: rust_decimal::Decimal,
    currency: String,
}

/// The retailer's products among `skus`: SKU → (product id, list price).
pub async fn products_by_sku<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    skus: Vec<String>,
) -> Result<HashMap<String, (Uuid, kummerer_contracts::Money)>, DbErr> {
    Sku::find_by_statement(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT id, sku, price, currency FROM products WHERE retailer_id = $1 \
         AND sku IN (SELECT jsonb_array_elements_text($2::jsonb))",
        [retailer_id.into(), json!(skus).into()],
    ))
    .all(db)
    .await?
    .into_iter()
    .map(|p| Ok((p.sku, (p.id, super::money(p.price, &p.currency)?))))
    .collect()
}

/// The `(receipt_no, serial)` lines already recorded on the receipts `receipts`.
pub async fn known_lines<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    receipts: Vec<String>,
) -> Result<HashSet<(String, String)>, DbErr> {
    Ok(Known::find_by_statement(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT receipt_no, serial FROM sales WHERE retailer_id = $1 \
         AND receipt_no IN (SELECT jsonb_array_elements_text($2::jsonb))",
        [retailer_id.into(), json!(receipts).into()],
    ))
    .all(db)
    .await?
    .into_iter()
    .map(|k| (k.receipt_no, k.serial))
    .collect())
}

/// Inserts the sales `rows` (JSON objects with the `sales` columns); `false` when some of them
/// were there already (then the caller rolls back).
pub async fn insert_sales<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    rows: Vec<serde_json::Value>,
) -> Result<bool, DbErr> {
    let count = rows.len() as u64;
    let done = db
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO sales (id, retailer_id, receipt_no, product_id, serial, price_paid, \
             currency, sold_at, customer_name, customer_phone, street, postcode, city, country, \
             customer_phone_e164, supplier_delivered_at) \
             SELECT (r->>'id')::uuid, $1, r->>'receipt_no', (r->>'product_id')::uuid, \
             r->>'serial', (r->>'price_paid')::numeric, r->>'currency', \
             (r->>'sold_at')::timestamptz, r->>'customer_name', r->>'customer_phone', \
             r->>'street', r->>'postcode', r->>'city', r->>'country', r->>'customer_phone_e164', \
             (r->>'supplier_delivered_at')::timestamptz \
             FROM jsonb_array_elements($2::jsonb) AS r ON CONFLICT DO NOTHING",
            [retailer_id.into(), serde_json::Value::Array(rows).into()],
        ))
        .await?;
    Ok(done.rows_affected() == count)
}

/// An uploaded file, as stored.
pub struct NewImport<'a> {
    pub id: Uuid,
    pub retailer_id: Uuid,
    pub uploaded_by: Uuid,
    pub file_name: &'a str,
    pub content: &'a str,
    /// `imported` (every row was valid and is in) or `checked` (errors: nothing imported yet).
    pub status: ImportStatus,
    pub imported: Option<i32>,
    pub skipped: Option<i32>,
}

pub async fn insert<C: ConnectionTrait>(db: &C, i: NewImport<'_>) -> Result<(), DbErr> {
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "INSERT INTO sales_imports (id, retailer_id, uploaded_by, file_name, content, status, \
         imported, skipped) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        [
            i.id.into(),
            i.retailer_id.into(),
            i.uploaded_by.into(),
            i.file_name.chars().take(200).collect::<String>().into(),
            i.content.to_owned().into(),
            sea_orm::ActiveEnum::to_value(&i.status).into(),
            i.imported.into(),
            i.skipped.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// A stored file.
#[derive(FromQueryResult)]
pub struct Stored {
    pub file_name: String,
    pub content: String,
    pub status: ImportStatus,
}

/// The stored file, locked until the caller's transaction ends.
pub async fn lock<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    id: Uuid,
) -> Result<Option<Stored>, DbErr> {
    Stored::find_by_statement(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT file_name, content, status FROM sales_imports \
         WHERE retailer_id = $1 AND id = $2 FOR UPDATE",
        [retailer_id.into(), id.into()],
    ))
    .one(db)
    .await
}

/// Marks the stored file imported, with the rows imported and skipped.
pub async fn mark_imported<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    id: Uuid,
    imported: i32,
    skipped: i32,
) -> Result<(), DbErr> {
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "UPDATE sales_imports SET status = 'imported', imported = $3, skipped = $4 \
         WHERE retailer_id = $1 AND id = $2",
        [
            retailer_id.into(),
            id.into(),
            imported.into(),
            skipped.into(),
        ],
    ))
    .await?;
    Ok(())
}
