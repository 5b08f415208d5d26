//! A retailer's catalogue.

use actix_web::{HttpResponse, web};
use kummerer_contracts::Money;
use kummerer_service::{FieldErrors, Problem};
use sea_orm::DatabaseConnection;
use serde::Deserialize;
use uuid::Uuid;

use crate::app::catalogue::{self, ProductError, create_product};
use crate::db;
use crate::domain::{CODE_MAX, TEXT_MAX};
use crate::http::api::retailers::existing;
use crate::http::view::{List, ProductView};
use kummerer_contracts::{ManufacturerId, RetailerId};

#[derive(Debug, Deserialize)]
pub struct NewProduct {
    pub sku: String,
    pub name: String,
    pub manufacturer_id: Uuid,
    pub price: Money,
}

/// `POST /api/retailers/{rid}/products` → 201; a SKU the retailer already has → 409
/// `product_exists`.
pub async fn create(
    db: web::Data<DatabaseConnection>,
    path: web::Path<Uuid>,
    body: web::Json<NewProduct>,
) -> Result<HttpResponse, Problem> {
    let retailer_id = path.into_inner();
    let mut v = FieldErrors::new();
    let sku = v.text("sku", &body.sku, CODE_MAX);
    let name = v.text("name", &body.name, TEXT_MAX);
    v.finish()?;
    existing(db.get_ref(), retailer_id).await?;
    let new = catalogue::NewProduct {
        sku,
        name,
        manufacturer_id: ManufacturerId(body.manufacturer_id),
        price: body.price.clone(),
    };
    let product = create_product(db.get_ref(), RetailerId(retailer_id), new).await?;
    Ok(HttpResponse::Created().json(ProductView::new(product)?))
}

/// `GET /api/retailers/{rid}/products`.
pub async fn list(
    db: web::Data<DatabaseConnection>,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    let retailer_id = path.into_inner();
    existing(db.get_ref(), retailer_id).await?;
    let items = db::list_products(db.get_ref(), retailer_id)
        .await?
        .into_iter()
        .map(ProductView::new)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(HttpResponse::Ok().json(List { items }))
}

impl From<ProductError> for Problem {
    fn from(e: ProductError) -> Self {
        match e {
            ProductError::Exists(_) => Problem::conflict("product_exists", e.to_string()),
            ProductError::Db(e) => e.into(),
        }
    }
}
