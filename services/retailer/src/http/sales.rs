//! Sales: units sold, by receipt and serial, with their customer.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use kummerer_contracts::Money;
use kummerer_service::{FieldErrors, Problem};
use sea_orm::DatabaseConnection;
use serde::Deserialize;
use uuid::Uuid;

use crate::db::{self, sales};
use crate::domain::{CODE_MAX, check_sold_at};
use crate::http::input::{AddressBody, invalid};
use crate::http::retailers::existing;
use crate::http::view::{List, SaleView};

#[derive(Debug, Deserialize)]
pub struct NewSale {
    pub receipt_no: String,
    pub sku: String,
    pub serial: String,
    pub price_paid: Money,
    pub sold_at: DateTime<Utc>,
    pub customer: AddressBody,
}

/// `POST /api/retailers/{rid}/sales` → 201; unknown SKU → 422 (`sku`); the same serial on the
/// same receipt again → 409 `sale_exists`.
pub async fn create(
    db: web::Data<DatabaseConnection>,
    path: web::Path<Uuid>,
    body: web::Json<NewSale>,
) -> Result<HttpResponse, Problem> {
    let retailer_id = path.into_inner();
    let now = Utc::now();
    let mut v = FieldErrors::new();
    let receipt_no = v.text("receipt_no", &body.receipt_no, CODE_MAX);
    let sku = v.text("sku", &body.sku, CODE_MAX);
    let serial = v.text("serial", &body.serial, CODE_MAX);
    if let Err(e) = check_sold_at(body.sold_at, now) {
        v.add("sold_at", e.to_string());
    }
    let customer = body.customer.parse("customer", &mut v);
    v.finish()?;
    existing(db.get_ref(), retailer_id).await?;
    let product = db::product_by_sku(db.get_ref(), retailer_id, &sku)
        .await?
        .ok_or_else(|| invalid("sku", "no product with this SKU"))?;
    let sale = sales::Model {
        id: Uuid::now_v7(),
        retailer_id,
        receipt_no,
        product_id: product.id,
        serial,
        price_paid: body.price_paid.amount,
        currency: body.price_paid.currency.to_string(),
        sold_at: body.sold_at,
        customer_name: customer.name,
        customer_phone: customer.phone,
        street: customer.street,
        postcode: customer.postcode,
        city: customer.city,
        country: customer.country,
        created_at: now,
    };
    if !db::insert_sale(db.get_ref(), sale.clone()).await? {
        return Err(Problem::conflict(
            "sale_exists",
            format!(
                "receipt {:?} already lists serial {:?}",
                sale.receipt_no, sale.serial
            ),
        ));
    }
    tracing::info!(retailer.id = %retailer_id, sale.id = %sale.id, "sale recorded");
    Ok(HttpResponse::Created().json(SaleView::new(sale, &product)?))
}

#[derive(Debug, Deserialize)]
pub struct SalesQuery {
    pub serial: Option<String>,
    pub receipt_no: Option<String>,
}

/// `GET /api/retailers/{rid}/sales?serial=…&receipt_no=…` (at least one) → `{items}`, latest
/// sale first.
pub async fn search(
    db: web::Data<DatabaseConnection>,
    path: web::Path<Uuid>,
    query: web::Query<SalesQuery>,
) -> Result<HttpResponse, Problem> {
    let retailer_id = path.into_inner();
    let given = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let serial = given(&query.serial);
    let receipt_no = given(&query.receipt_no);
    if serial.is_none() && receipt_no.is_none() {
        return Err(invalid("serial", "give serial or receipt_no (or both)"));
    }
    existing(db.get_ref(), retailer_id).await?;
    let found = db::find_sales(
        db.get_ref(),
        retailer_id,
        serial.as_deref(),
        receipt_no.as_deref(),
    )
    .await?;
    let product_ids = found.iter().map(|s| s.product_id).collect();
    let products = db::products_by_ids(db.get_ref(), retailer_id, product_ids).await?;
    let items = SaleView::many(found, products)?;
    Ok(HttpResponse::Ok().json(List { items }))
}
