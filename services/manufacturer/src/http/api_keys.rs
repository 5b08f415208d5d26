//! The manufacturer's API keys: make one (rotation: several may be live at a time), list them
//! without their secrets, revoke one. Revoking the key the request came with is allowed; it
//! stops working at once.

use actix_web::{HttpResponse, web};
use kummerer_service::{FieldErrors, Problem};
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::auth::Manufacturer;
use super::views::Items;
use crate::db::api_key::{self, ApiKey};

/// Longest label.
pub const LABEL_MAX: usize = 100;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewKey {
    pub label: String,
}

/// A key just made: the listing fields and `api_key`, shown this once.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedKey {
    #[serde(flatten)]
    pub key: ApiKey,
    pub api_key: String,
}

/// Make an API key
///
/// The answer holds the key in `api_key`, shown this once. Several keys may be live at a time.
#[utoipa::path(
    post, path = "/api/manufacturers/{mid}/api-keys", tag = "api-keys", operation_id = "create_api_key",
    params(("mid" = Uuid, Path, description = "The manufacturer (the API key's)")),
    request_body = NewKey,
    responses(
        (status = 201, description = "The new key, shown this once", body = CreatedKey),
        (status = 422, description = "Invalid label", body = super::openapi::ProblemDoc, content_type = "application/problem+json"),
    )
)]
// `POST /api/manufacturers/{mid}/api-keys {"label"}` → 201 with `api_key`, 401, 404, 422.
pub async fn create(
    me: Manufacturer,
    db: web::Data<DatabaseConnection>,
    body: web::Json<NewKey>,
) -> Result<HttpResponse, Problem> {
    let mut v = FieldErrors::new();
    let label = v.text("label", &body.label, LABEL_MAX);
    v.finish()?;
    let made = api_key::create(db.get_ref(), me.id, &label).await?;
    tracing::info!(manufacturer.id = %me.id, api_key.id = %made.key.id, by = %me.key_id, "api key created");
    Ok(HttpResponse::Created().json(CreatedKey {
        key: made.key,
        api_key: made.secret,
    }))
}

/// List the API keys
///
/// Oldest first, revoked ones included; never the secrets.
#[utoipa::path(
    get, path = "/api/manufacturers/{mid}/api-keys", tag = "api-keys", operation_id = "list_api_keys",
    params(("mid" = Uuid, Path, description = "The manufacturer (the API key's)")),
    responses((status = 200, description = "The keys", body = Items<ApiKey>))
)]
// `GET /api/manufacturers/{mid}/api-keys` → 200 `{"items": [...]}` (no secrets), 401, 404.
pub async fn list(
    me: Manufacturer,
    db: web::Data<DatabaseConnection>,
) -> Result<HttpResponse, Problem> {
    let items = api_key::list(db.get_ref(), me.id).await?;
    Ok(HttpResponse::Ok().json(Items { items }))
}

/// Revoke an API key
///
/// At once, also the key the request comes with; revoking again is no error.
#[utoipa::path(
    delete, path = "/api/manufacturers/{mid}/api-keys/{key_id}", tag = "api-keys", operation_id = "revoke_api_key",
    params(("mid" = Uuid, Path, description = "The manufacturer (the API key's)"), ("key_id" = Uuid, Path, description = "The key's id")),
    responses((status = 204, description = "Revoked"))
)]
// `DELETE /api/manufacturers/{mid}/api-keys/{key_id}` → 204 (revoked; again is no error),
// 401, 404.
pub async fn revoke(
    me: Manufacturer,
    db: web::Data<DatabaseConnection>,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, Problem> {
    let (_, id) = path.into_inner();
    if !api_key::revoke(db.get_ref(), me.id, id).await? {
        return Err(Problem::not_found("API key"));
    }
    tracing::info!(manufacturer.id = %me.id, api_key.id = %id, by = %me.key_id, "api key revoked");
    Ok(HttpResponse::NoContent().finish())
}
