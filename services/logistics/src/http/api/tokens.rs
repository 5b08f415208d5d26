//! The carriers' API tokens: the operator makes one (rotation: several may be live at a time);
//! the operator or the carrier lists them without their secrets and revokes one. Revoking the
//! token the request came with is allowed; it stops working at once.

use actix_web::{HttpResponse, web};
use chrono::Utc;
use kummerer_service::{FieldErrors, Problem};
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::db::carrier_tokens::{self, CarrierToken};
use crate::http::auth::Operator;

/// Longest label.
pub const LABEL_MAX: usize = 100;

#[derive(Debug, Deserialize)]
pub struct NewToken {
    pub label: String,
}

/// A token just made: the listing fields and `api_token`, shown this once.
#[derive(Debug, Serialize)]
pub struct CreatedToken {
    #[serde(flatten)]
    pub token: CarrierToken,
    pub api_token: String,
}

#[derive(Debug, Serialize)]
pub struct TokenList {
    pub items: Vec<CarrierToken>,
}

/// `POST /api/carriers/{cid}/tokens {label}` (the operator) → 201 with `api_token`, shown this
/// once; 404 for an unknown carrier; 422 for a bad label.
pub async fn create(
    _: Operator,
    db: web::Data<DatabaseConnection>,
    path: web::Path<Uuid>,
    body: web::Json<NewToken>,
) -> Result<HttpResponse, actix_web::Error> {
    let carrier_id = path.into_inner();
    let mut v = FieldErrors::new();
    let label = v.text("label", &body.label, LABEL_MAX);
    v.finish()?;
    crate::db::carriers::find(db.get_ref(), carrier_id)
        .await
        .map_err(Problem::from)?
        .ok_or_else(|| Problem::not_found("carrier"))?;
    let (token, secret) = carrier_tokens::create(db.get_ref(), carrier_id, &label, Utc::now())
        .await
        .map_err(Problem::from)?;
    tracing::info!(carrier.id = %carrier_id, token.id = %token.id, "carrier token created");
    Ok(HttpResponse::Created().json(CreatedToken {
        token,
        api_token: secret,
    }))
}

/// `GET /api/carriers/{cid}/tokens` → `{items}` oldest first, revoked ones included, never the
/// secrets; 404 for an unknown carrier.
pub async fn list(
    db: web::Data<DatabaseConnection>,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    let carrier_id = path.into_inner();
    crate::db::carriers::find(db.get_ref(), carrier_id)
        .await?
        .ok_or_else(|| Problem::not_found("carrier"))?;
    let items = carrier_tokens::list(db.get_ref(), carrier_id).await?;
    Ok(HttpResponse::Ok().json(TokenList { items }))
}

/// `DELETE /api/carriers/{cid}/tokens/{token_id}` → 204 (revoked; again is no error), 404.
pub async fn revoke(
    db: web::Data<DatabaseConnection>,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, Problem> {
    let (carrier_id, id) = path.into_inner();
    if !carrier_tokens::revoke(db.get_ref(), carrier_id, id, Utc::now()).await? {
        return Err(Problem::not_found("token"));
    }
    tracing::info!(carrier.id = %carrier_id, token.id = %id, "carrier token revoked");
    Ok(HttpResponse::NoContent().finish())
}
