//! What a sold unit is entitled to today: the legal guarantee (the retailer's, two years) and
//! the manufacturer's warranty from the agreement in force today (coverage end, DOA window) with
//! the recovery a swap today can expect — the same numbers for the JSON API and the desk.
//!
//! `GET /api/retailers/{rid}/sales/{sale_id}` → the sale with its `entitlement`; another
//! retailer's sale answers 404 like an unknown one.

use actix_web::{HttpResponse, web};
use chrono::Utc;
use kummerer_service::Problem;
use sea_orm::DatabaseConnection;
use serde::Serialize;
use uuid::Uuid;

use crate::db::{self, desk};
use crate::http::view::SaleView;

pub use crate::app::entitlement::{EntitlementView, WarrantyView, entitlement_of};

#[derive(Debug, Serialize)]
pub struct SaleDetail {
    #[serde(flatten)]
    pub sale: SaleView,
    pub entitlement: EntitlementView,
}

/// `GET /api/retailers/{rid}/sales/{sale_id}`: the sale and what it is entitled to today.
pub async fn get(
    db: web::Data<DatabaseConnection>,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, Problem> {
    let (retailer_id, sale_id) = path.into_inner();
    let db = db.get_ref();
    let sale = desk::find_sale(db, retailer_id, sale_id)
        .await?
        .ok_or_else(|| Problem::not_found("sale"))?;
    let product = db::product_of(db, retailer_id, sale.product_id).await?;
    let entitlement = entitlement_of(db, &sale, &product, Utc::now()).await?;
    Ok(HttpResponse::Ok().json(SaleDetail {
        sale: SaleView::new(sale, &product)?,
        entitlement,
    }))
}
