//! Sales: units sold, by receipt and serial, with their customer.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
use kummerer_contracts::Money;
use kummerer_service::problem::FieldError;
use kummerer_service::{FieldErrors, Problem};
use sea_orm::DatabaseConnection;
use serde::Deserialize;
use uuid::Uuid;

use crate::app::actor;
use crate::app::catalogue::{self, SaleError, record_sale};
use crate::db::integration_keys::Made;
use crate::db::{self, desk};
use crate::domain::{CODE_MAX, LIST_LIMIT, PriceError, check_sold_at};
use crate::http::api::key_auth::ApiKey;
use crate::http::api::retailers::existing;
use crate::http::input::{AddressBody, invalid};
use crate::http::view::{List, SaleView};
use crate::settings::SalesConfig;
use kummerer_contracts::RetailerId;

#[derive(Debug, Deserialize)]
pub struct NewSale {
    pub receipt_no: String,
    pub sku: String,
    pub serial: String,
    pub price_paid: Money,
    pub sold_at: DateTime<Utc>,
    pub customer: AddressBody,
    /// The retailer's local day its supplier delivered the unit (`2026-11-20`), where known:
    /// the recourse deadline against the supplier runs from it (else from the sale).
    #[serde(default)]
    pub supplier_delivered_on: Option<NaiveDate>,
}

/// `POST /api/retailers/{rid}/sales` → 201; unknown SKU → 422 (`sku`); the same serial on the
/// same receipt again → 409 `sale_exists`; a price paid above the product's list price beyond
/// the tolerance → 422 `price_above_list`, in another currency → 422 `price_currency_not_list`.
pub async fn create(
    key: ApiKey,
    db: web::Data<DatabaseConnection>,
    config: web::Data<SalesConfig>,
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
    let new = catalogue::NewSale {
        receipt_no,
        sku,
        serial,
        price_paid: body.price_paid.clone(),
        sold_at: body.sold_at,
        customer,
        supplier_delivered_on: body.supplier_delivered_on,
    };
    let (sale, product) =
        record_sale(db.get_ref(), RetailerId(retailer_id), new, **config, now).await?;
    actor::record(db.get_ref(), Made::Sale, retailer_id, sale.id, &key.actor()).await?;
    Ok(HttpResponse::Created().json(SaleView::new(sale, &product)?))
}

#[derive(Debug, Deserialize)]
pub struct SalesQuery {
    pub serial: Option<String>,
    pub receipt_no: Option<String>,
    /// The counter search: what the desk's search box finds (see [`desk::search_sales`]).
    pub q: Option<String>,
}

/// `GET /api/retailers/{rid}/sales?serial=…&receipt_no=…` (exact; at least one) or `?q=…` (the
/// counter search, alone: a receipt or serial in any case, part of a serial, any word of the
/// customer's name, a phone number in any format) → `{items}`, latest sale first.
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
    let q = given(&query.q);
    let found = match (q, serial.is_some() || receipt_no.is_some()) {
        (Some(_), true) => {
            return Err(invalid("q", "give q alone, or serial and/or receipt_no"));
        }
        (Some(q), false) => {
            let chars = q.chars().count();
            if !(2..=CODE_MAX).contains(&chars) {
                return Err(invalid(
                    "q",
                    format!("search for 2 to {CODE_MAX} characters"),
                ));
            }
            existing(db.get_ref(), retailer_id).await?;
            desk::search_sales(db.get_ref(), retailer_id, &q, LIST_LIMIT).await?
        }
        (None, false) => {
            return Err(invalid(
                "serial",
                "give serial or receipt_no (or both), or q",
            ));
        }
        (None, true) => {
            existing(db.get_ref(), retailer_id).await?;
            db::find_sales(
                db.get_ref(),
                retailer_id,
                serial.as_deref(),
                receipt_no.as_deref(),
            )
            .await?
        }
    };
    let product_ids = found.iter().map(|s| s.product_id).collect();
    let products = db::products_by_ids(db.get_ref(), retailer_id, product_ids).await?;
    let items = SaleView::many(found, products)?;
    Ok(HttpResponse::Ok().json(List { items }))
}

impl From<SaleError> for Problem {
    fn from(e: SaleError) -> Self {
        match e {
            SaleError::RetailerNotFound => Problem::not_found("retailer"),
            SaleError::UnknownSku => invalid("sku", e.to_string()),
            SaleError::Exists { .. } => Problem::conflict("sale_exists", e.to_string()),
            SaleError::Price(e) => price_problem(&e),
            SaleError::SupplierDelivery(_) => invalid("supplier_delivered_on", e.to_string()),
            SaleError::Db(e) => e.into(),
        }
    }
}

/// A refused price paid: 422 with the error's code, the list price and tolerance in `detail`,
/// and the field it is about.
fn price_problem(e: &PriceError) -> Problem {
    let mut p = Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        e.code(),
        "The price paid does not match the product's list price",
        Some(e.to_string()),
    );
    let field = match e {
        PriceError::AboveList { .. } => "price_paid.amount",
        PriceError::OtherCurrency { .. } => "price_paid.currency",
    };
    p.errors = vec![FieldError {
        field: field.to_owned(),
        message: e.to_string(),
    }];
    p
}
