//! The retailer's master data: the retailer itself, its products and the sales it records.

use chrono::{DateTime, NaiveDate, Utc};
use kummerer_contracts::{Address, ManufacturerId, Money, RetailerId};
use sea_orm::{DatabaseConnection, DbErr};
use uuid::Uuid;

use crate::db::{self, products, retailers, sales};
use crate::domain::legal_clocks::{
    SupplierDeliveryError, check_supplier_delivery, start_of_local_day,
};
use crate::domain::{PriceError, check_price_paid, phone};
use crate::settings::SalesConfig;

/// Creates a retailer.
pub async fn create_retailer<C: sea_orm::ConnectionTrait>(
    db: &C,
    name: String,
) -> Result<retailers::Model, DbErr> {
    let retailer = retailers::Model {
        id: Uuid::now_v7(),
        name,
        created_at: Utc::now(),
    };
    db::insert_retailer(db, retailer.clone()).await?;
    // Who is who (issue 18): its public profile goes to the manufacturers' directories.
    crate::app::partners::announce(db, retailer.id, &retailer.name, retailer.created_at).await?;
    tracing::info!(retailer.id = %retailer.id, "retailer created");
    Ok(retailer)
}

/// A checked new product.
#[derive(Debug, Clone)]
pub struct NewProduct {
    pub sku: String,
    pub name: String,
    pub manufacturer_id: ManufacturerId,
    pub price: Money,
}

#[derive(Debug, thiserror::Error)]
pub enum ProductError {
    /// The retailer has a product with this SKU already.
    #[error("a product with SKU {0:?} already exists")]
    Exists(String),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Adds a product to the retailer's catalogue.
pub async fn create_product(
    db: &DatabaseConnection,
    retailer_id: RetailerId,
    new: NewProduct,
) -> Result<products::Model, ProductError> {
    let product = products::Model {
        id: Uuid::now_v7(),
        retailer_id: retailer_id.as_uuid(),
        sku: new.sku,
        name: new.name,
        manufacturer_id: new.manufacturer_id.as_uuid(),
        price: new.price.amount,
        currency: new.price.currency.to_string(),
        created_at: Utc::now(),
    };
    if !db::insert_product(db, product.clone()).await? {
        return Err(ProductError::Exists(product.sku));
    }
    tracing::info!(retailer.id = %retailer_id, product.id = %product.id, "product created");
    Ok(product)
}

/// A checked sale.
#[derive(Debug, Clone)]
pub struct NewSale {
    pub receipt_no: String,
    pub sku: String,
    pub serial: String,
    pub price_paid: Money,
    pub sold_at: DateTime<Utc>,
    pub customer: Address,
    /// The retailer's local day its supplier delivered the unit, where known (the recourse
    /// deadline against the supplier runs from it).
    pub supplier_delivered_on: Option<NaiveDate>,
}

#[derive(Debug, thiserror::Error)]
pub enum SaleError {
    #[error("no such retailer")]
    RetailerNotFound,
    #[error("no product with this SKU")]
    UnknownSku,
    #[error("receipt {receipt_no:?} already lists serial {serial:?}")]
    Exists { receipt_no: String, serial: String },
    /// The price paid is above the product's list price (beyond the tolerance) or in another
    /// currency: nothing is stored.
    #[error(transparent)]
    Price(#[from] PriceError),
    /// The supplier's delivery is after the sale (in the retailer's local days).
    #[error(transparent)]
    SupplierDelivery(#[from] SupplierDeliveryError),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Records a sale of a catalogue product; the sale and its product. A price paid above the
/// product's list price beyond `config`'s tolerance, or in another currency, is refused.
pub async fn record_sale(
    db: &DatabaseConnection,
    retailer_id: RetailerId,
    new: NewSale,
    config: SalesConfig,
    now: DateTime<Utc>,
) -> Result<(sales::Model, products::Model), SaleError> {
    let rid = retailer_id.as_uuid();
    db::find_retailer(db, rid)
        .await?
        .ok_or(SaleError::RetailerNotFound)?;
    let product = db::product_by_sku(db, rid, &new.sku)
        .await?
        .ok_or(SaleError::UnknownSku)?;
    let list_price = db::money(product.price, &product.currency)?;
    check_price_paid(&new.price_paid, &list_price, config.price_tolerance_percent)?;
    let supplier_delivered_at = match new.supplier_delivered_on {
        None => None,
        Some(day) => {
            let tz = retailer_tz(db, rid).await?;
            check_supplier_delivery(day, new.sold_at, tz)?;
            Some(start_of_local_day(day, tz))
        }
    };
    let customer = new.customer;
    let sale = sales::Model {
        id: Uuid::now_v7(),
        retailer_id: rid,
        receipt_no: new.receipt_no,
        product_id: product.id,
        serial: new.serial,
        price_paid: new.price_paid.amount,
        currency: new.price_paid.currency.to_string(),
        sold_at: new.sold_at,
        customer_name: customer.name,
        customer_phone_e164: phone::e164(&customer.phone, &customer.country).unwrap_or_default(),
        customer_phone: customer.phone,
        street: customer.street,
        postcode: customer.postcode,
        city: customer.city,
        country: customer.country,
        created_at: now,
        replaces_case_id: None,
        supplier_delivered_at,
    };
    if !db::insert_sale(db, sale.clone()).await? {
        return Err(SaleError::Exists {
            receipt_no: sale.receipt_no,
            serial: sale.serial,
        });
    }
    tracing::info!(retailer.id = %retailer_id, sale.id = %sale.id, "sale recorded");
    Ok((sale, product))
}

/// The retailer's time zone (its local days: a supplier's delivery typed as a day).
pub async fn retailer_tz<C: sea_orm::ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
) -> Result<chrono_tz::Tz, DbErr> {
    Ok(crate::db::locale::of_retailer(db, retailer_id)
        .await?
        .time_zone
        .parse()
        .unwrap_or(chrono_tz::Europe::Berlin))
}
