//! Retailers (the tenants).

use actix_web::{HttpResponse, web};
use kummerer_service::{FieldErrors, Problem};
use sea_orm::DatabaseConnection;
use serde::Deserialize;
use uuid::Uuid;

use kummerer_web::operator::Operator;

use crate::db::{self, retailers};
use crate::domain::TEXT_MAX;
use crate::http::view::RetailerView;

#[derive(Debug, Deserialize)]
pub struct NewRetailer {
    pub name: String,
}

/// `POST /api/retailers` `{name}` with the operator token → 201 `{id, name, created_at}`.
pub async fn create(
    _operator: Operator,
    db: web::Data<DatabaseConnection>,
    body: web::Json<NewRetailer>,
) -> Result<HttpResponse, Problem> {
    let mut v = FieldErrors::new();
    let name = v.text("name", &body.name, TEXT_MAX);
    v.finish()?;
    let retailer = crate::app::catalogue::create_retailer(db.get_ref(), name).await?;
    Ok(HttpResponse::Created().json(RetailerView::from(retailer)))
}

/// `GET /api/retailers/{rid}`.
pub async fn get(
    db: web::Data<DatabaseConnection>,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    let retailer = existing(db.get_ref(), path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(RetailerView::from(retailer)))
}

/// The retailer of the path, or 404.
pub async fn existing(db: &DatabaseConnection, id: Uuid) -> Result<retailers::Model, Problem> {
    db::find_retailer(db, id)
        .await?
        .ok_or_else(|| Problem::not_found("retailer"))
}
