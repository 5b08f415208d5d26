//! Authority limits over the JSON API (the admin sets them; the desk applies them).

use actix_web::{HttpResponse, web};

use crate::http::api::admin_auth::Admin;
use kummerer_contracts::Money;
use kummerer_service::Problem;
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::db;
use crate::domain::Role;
use crate::http::api::retailers::existing;

#[derive(Debug, Deserialize)]
pub struct SetLimit {
    pub amount: Money,
}

#[derive(Debug, Serialize)]
pub struct LimitView {
    pub retailer_id: Uuid,
    pub role: String,
    pub amount: Money,
}

/// `PUT /api/retailers/{rid}/authority-limits/{role}` `{amount: {amount, currency}}` with an
/// admin's Basic credentials (else 401) → 200 with the limit. The role is `clerk`, `manager` or `admin` (else 404); a negative or malformed
/// amount → 422; an unknown retailer → 404. Replaces the role's limit (or its default: clerk 0,
/// manager and admin unlimited).
pub async fn set(
    _admin: Admin,
    db: web::Data<DatabaseConnection>,
    path: web::Path<(Uuid, String)>,
    body: web::Json<SetLimit>,
) -> Result<HttpResponse, Problem> {
    let (retailer_id, role) = path.into_inner();
    let role = Role::parse(&role).ok_or_else(|| Problem::not_found("role"))?;
    existing(db.get_ref(), retailer_id).await?;
    let amount = body.into_inner().amount;
    db::authority::set_limit(db.get_ref(), retailer_id, role, &amount).await?;
    tracing::info!(retailer.id = %retailer_id, role = role.as_string(), limit = %amount,
        "authority limit set");
    Ok(HttpResponse::Ok().json(LimitView {
        retailer_id,
        role: role.as_string(),
        amount,
    }))
}
