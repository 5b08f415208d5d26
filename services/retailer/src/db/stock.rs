//! Stores, stock locations and stock levels. A swap reserves one unit of the replacement at a
//! location in the approval's own transaction ([`reserve`]); a level never goes below zero.

use kummerer_contracts::{Address, StockPickup};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, FromQueryResult, Statement, Value};
use uuid::Uuid;

fn stmt(sql: &str, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct Store {
    pub id: Uuid,
    pub name: String,
}

/// `false` when the retailer already has a store of this name.
pub async fn insert_store<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    id: Uuid,
    name: &str,
) -> Result<bool, DbErr> {
    let done = db
        .execute_raw(stmt(
            "INSERT INTO stores (id, retailer_id, name) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            vec![id.into(), retailer_id.into(), name.into()],
        ))
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn stores<C: ConnectionTrait>(db: &C, retailer_id: Uuid) -> Result<Vec<Store>, DbErr> {
    Store::find_by_statement(stmt(
        "SELECT id, name FROM stores WHERE retailer_id = $1 ORDER BY name",
        vec![retailer_id.into()],
    ))
    .all(db)
    .await
}

pub async fn store<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    id: Uuid,
) -> Result<Option<Store>, DbErr> {
    Store::find_by_statement(stmt(
        "SELECT id, name FROM stores WHERE retailer_id = $1 AND id = $2",
        vec![retailer_id.into(), id.into()],
    ))
    .one(db)
    .await
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct Location {
    pub id: Uuid,
    pub store_id: Option<Uuid>,
    /// The store's name; `None` for a central warehouse.
    pub store_name: Option<String>,
    pub name: String,
    pub phone: String,
    pub street: String,
    pub postcode: String,
    pub city: String,
    pub country: String,
}

impl Location {
    /// What the crew needs to pick the replacement up.
    pub fn pickup(&self) -> StockPickup {
        StockPickup {
            location_id: self.id.into(),
            name: self.name.clone(),
            address: Address {
                name: self.name.clone(),
                phone: self.phone.clone(),
                street: self.street.clone(),
                postcode: self.postcode.clone(),
                city: self.city.clone(),
                country: self.country.clone(),
            },
        }
    }

    /// "Filiale Mitte (Mitte)" or "Zentrallager (central warehouse)".
    pub fn label(&self) -> String {
        match &self.store_name {
            Some(store) => format!("{} ({store})", self.name),
            None => format!("{} (central warehouse)", self.name),
        }
    }
}

const LOCATION_COLUMNS: &str = "l.id, l.store_id, s.name AS store_name, l.name, l.phone, \
                                l.street, l.postcode, l.city, l.country";

pub struct NewLocation<'a> {
    pub id: Uuid,
    pub store_id: Option<Uuid>,
    pub name: &'a str,
    pub address: &'a Address,
}

/// `false` when the retailer already has a location of this name.
pub async fn insert_location<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    l: NewLocation<'_>,
) -> Result<bool, DbErr> {
    let done = db
        .execute_raw(stmt(
            "INSERT INTO stock_locations \
             (id, retailer_id, store_id, name, phone, street, postcode, city, country) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
            vec![
                l.id.into(),
                retailer_id.into(),
                l.store_id.into(),
                l.name.into(),
                l.address.phone.as_str().into(),
                l.address.street.as_str().into(),
                l.address.postcode.as_str().into(),
                l.address.city.as_str().into(),
                l.address.country.as_str().into(),
            ],
        ))
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn locations<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
) -> Result<Vec<Location>, DbErr> {
    Location::find_by_statement(stmt(
        &format!(
            "SELECT {LOCATION_COLUMNS} FROM stock_locations l \
             LEFT JOIN stores s ON s.id = l.store_id \
             WHERE l.retailer_id = $1 ORDER BY l.name"
        ),
        vec![retailer_id.into()],
    ))
    .all(db)
    .await
}

pub async fn location<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    id: Uuid,
) -> Result<Option<Location>, DbErr> {
    Location::find_by_statement(stmt(
        &format!(
            "SELECT {LOCATION_COLUMNS} FROM stock_locations l \
             LEFT JOIN stores s ON s.id = l.store_id \
             WHERE l.retailer_id = $1 AND l.id = $2"
        ),
        vec![retailer_id.into(), id.into()],
    ))
    .one(db)
    .await
}

/// Sets the level of a product at a location (both the retailer's: the caller checked).
pub async fn set_level<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    location_id: Uuid,
    product_id: Uuid,
    quantity: i32,
) -> Result<(), DbErr> {
    db.execute_raw(stmt(
        "INSERT INTO stock_levels (retailer_id, location_id, product_id, quantity) \
         VALUES ($1, $2, $3, $4) \
         ON CONFLICT (location_id, product_id) \
         DO UPDATE SET quantity = EXCLUDED.quantity, updated_at = now()",
        vec![
            retailer_id.into(),
            location_id.into(),
            product_id.into(),
            quantity.into(),
        ],
    ))
    .await?;
    Ok(())
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct InStock {
    pub location_id: Uuid,
    pub location: String,
    pub store_name: Option<String>,
    pub quantity: i32,
}

impl InStock {
    pub fn label(&self) -> String {
        let place = match &self.store_name {
            Some(store) => format!("{} ({store})", self.location),
            None => format!("{} (central warehouse)", self.location),
        };
        format!("{place} — {} in stock", self.quantity)
    }
}

/// The locations that have the product in stock, with their quantities.
pub async fn in_stock<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    product_id: Uuid,
) -> Result<Vec<InStock>, DbErr> {
    InStock::find_by_statement(stmt(
        "SELECT l.id AS location_id, l.name AS location, s.name AS store_name, k.quantity \
         FROM stock_levels k JOIN stock_locations l ON l.id = k.location_id \
         LEFT JOIN stores s ON s.id = l.store_id \
         WHERE k.retailer_id = $1 AND k.product_id = $2 AND k.quantity > 0 \
         ORDER BY l.name",
        vec![retailer_id.into(), product_id.into()],
    ))
    .all(db)
    .await
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct Level {
    pub location: String,
    pub sku: String,
    pub product: String,
    pub quantity: i32,
}

/// Every stock level of the retailer (the admin page).
pub async fn levels<C: ConnectionTrait>(db: &C, retailer_id: Uuid) -> Result<Vec<Level>, DbErr> {
    Level::find_by_statement(stmt(
        "SELECT l.name AS location, p.sku, p.name AS product, k.quantity \
         FROM stock_levels k JOIN stock_locations l ON l.id = k.location_id \
         JOIN products p ON p.id = k.product_id \
         WHERE k.retailer_id = $1 ORDER BY l.name, p.sku LIMIT 1000",
        vec![retailer_id.into()],
    ))
    .all(db)
    .await
}

/// Whether the retailer keeps any stock location in Kümmerer (then the desk's swap form asks
/// for one).
pub async fn has_locations<C: ConnectionTrait>(db: &C, retailer_id: Uuid) -> Result<bool, DbErr> {
    let row = db
        .query_one_raw(stmt(
            "SELECT EXISTS (SELECT 1 FROM stock_locations WHERE retailer_id = $1) AS any",
            vec![retailer_id.into()],
        ))
        .await?;
    match row {
        Some(row) => row.try_get("", "any"),
        None => Ok(false),
    }
}

/// Takes one unit of the product at the location, in the caller's transaction: `Some(left)`, or
/// `None` when the location has none (or is not the retailer's). Two reservations of the last
/// unit: the second waits for the first's row lock, re-reads the row, and gets `None`.
pub async fn reserve<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    location_id: Uuid,
    product_id: Uuid,
) -> Result<Option<i32>, DbErr> {
    let row = db
        .query_one_raw(stmt(
            "UPDATE stock_levels SET quantity = quantity - 1, updated_at = now() \
             WHERE retailer_id = $1 AND location_id = $2 AND product_id = $3 AND quantity > 0 \
             RETURNING quantity",
            vec![retailer_id.into(), location_id.into(), product_id.into()],
        ))
        .await?;
    row.map(|r| r.try_get("", "quantity")).transpose()
}
