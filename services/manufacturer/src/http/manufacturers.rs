//! `POST /api/manufacturers`, `GET /api/manufacturers/{mid}`.

use actix_web::{HttpResponse, web};
use kummerer_service::{FieldErrors, Problem};
use sea_orm::DatabaseConnection;
use serde::Deserialize;
use uuid::Uuid;

use super::views::ManufacturerView;
use crate::db::manufacturer;

#[derive(Debug, Deserialize)]
pub struct NewManufacturer {
    pub name: String,
}

pub async fn create(
    db: web::Data<DatabaseConnection>,
    body: web::Json<NewManufacturer>,
) -> Result<HttpResponse, Problem> {
    let mut v = FieldErrors::new();
    let name = v.text("name", &body.name, 200);
    v.finish()?;
    let m = manufacturer::create(db.get_ref(), &name).await?;
    tracing::info!(manufacturer.id = %m.id, "manufacturer created");
    Ok(HttpResponse::Created().json(ManufacturerView::from(m)))
}

pub async fn get(
    db: web::Data<DatabaseConnection>,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    let m = manufacturer::find(db.get_ref(), path.into_inner())
        .await?
        .ok_or_else(|| Problem::not_found("manufacturer"))?;
    Ok(HttpResponse::Ok().json(ManufacturerView::from(m)))
}

/// 404 unless the manufacturer of the path exists.
pub(super) async fn ensure_exists(db: &DatabaseConnection, mid: Uuid) -> Result<(), Problem> {
    match manufacturer::find(db, mid).await? {
        Some(_) => Ok(()),
        None => Err(Problem::not_found("manufacturer")),
    }
}
