//! `POST /api/manufacturers`, `GET /api/manufacturers/{mid}`.

use actix_web::{HttpResponse, web};
use kummerer_service::{FieldErrors, Problem};
use sea_orm::{DatabaseConnection, TransactionTrait};
use serde::{Deserialize, Serialize};

use super::auth::Manufacturer;
use super::operator::Operator;
use super::views::ManufacturerView;
use crate::db::{api_key, manufacturer};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewManufacturer {
    pub name: String,
}

/// The manufacturer just created and its first API key, shown this once.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedManufacturer {
    #[serde(flatten)]
    pub manufacturer: ManufacturerView,
    pub api_key: String,
    pub api_key_id: uuid::Uuid,
}

/// Label of the key a manufacturer is created with.
const FIRST_KEY_LABEL: &str = "initial";

/// Create a manufacturer
///
/// An operator's action: `Authorization: Bearer <KUMMERER_OPERATOR_TOKEN>` (no API key). The
/// answer holds the manufacturer's first API key in `api_key`, shown this once.
#[utoipa::path(
    post, path = "/api/manufacturers", tag = "manufacturers", operation_id = "create_manufacturer",
    request_body = NewManufacturer,
    responses(
        (status = 201, description = "Created, with its first API key", body = CreatedManufacturer),
        (status = 401, description = "No or a wrong operator token (`unauthorized`)", body = super::openapi::ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Invalid name", body = super::openapi::ProblemDoc, content_type = "application/problem+json"),
        (status = 503, description = "`operator_token_not_configured`: the service has no operator token", body = super::openapi::ProblemDoc, content_type = "application/problem+json"),
    ),
    security(("operator_token" = []))
)]
// `POST /api/manufacturers {"name"}` → 201 the manufacturer with `api_key` (shown this once)
// and `api_key_id`, 401, 422, 503. An operator's action: the operator token.
pub async fn create(
    _operator: Operator,
    db: web::Data<DatabaseConnection>,
    body: web::Json<NewManufacturer>,
) -> Result<HttpResponse, Problem> {
    let mut v = FieldErrors::new();
    let name = v.text("name", &body.name, 200);
    v.finish()?;
    let txn = db.begin().await?;
    let m = manufacturer::create(&txn, &name).await?;
    let key = api_key::create(&txn, m.id, FIRST_KEY_LABEL).await?;
    // Who is who (issue 18): its public profile goes to the retailers' directories.
    crate::partners::announce(&txn, m.id, &m.name, m.created_at).await?;
    txn.commit().await?;
    tracing::info!(manufacturer.id = %m.id, api_key.id = %key.key.id, "manufacturer created");
    Ok(HttpResponse::Created().json(CreatedManufacturer {
        manufacturer: ManufacturerView::from(m),
        api_key: key.secret,
        api_key_id: key.key.id,
    }))
}

/// The manufacturer
#[utoipa::path(
    get, path = "/api/manufacturers/{mid}", tag = "manufacturers", operation_id = "get_manufacturer",
    params(("mid" = Uuid, Path, description = "The manufacturer (the API key's)")),
    responses((status = 200, description = "The manufacturer", body = ManufacturerView))
)]
// `GET /api/manufacturers/{mid}` → 200, 401, 404.
pub async fn get(
    me: Manufacturer,
    db: web::Data<DatabaseConnection>,
) -> Result<HttpResponse, Problem> {
    let m = manufacturer::find(db.get_ref(), me.id)
        .await?
        .ok_or_else(|| Problem::not_found("manufacturer"))?;
    Ok(HttpResponse::Ok().json(ManufacturerView::from(m)))
}
