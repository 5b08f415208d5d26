//! Integration keys over the JSON API, for an admin of the retailer (HTTP Basic, see
//! [`crate::http::api::admin_auth`]): `POST /api/retailers/{rid}/keys {name, approval_limit?}`
//! → 201 with the secret, shown this once; `GET …/keys` → the keys without secrets;
//! `DELETE …/keys/{key_id}` → 204.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use kummerer_contracts::{Money, RetailerId};
use kummerer_service::{FieldErrors, Problem};
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::app::keys::{self, KeyError, NAME_MAX};
use crate::http::api::admin_auth::Admin;

#[derive(Debug, Deserialize)]
pub struct NewKeyBody {
    pub name: String,
    /// Swaps worth more (the replacement's price) wait for a manager; absent: every swap the key
    /// approves waits for a manager.
    #[serde(default)]
    pub approval_limit: Option<Money>,
}

/// The answer to making a key: the one time its secret is shown.
#[derive(Debug, Serialize)]
pub struct CreatedKey {
    pub id: Uuid,
    pub name: String,
    pub secret: String,
    pub approval_limit: Option<Money>,
    pub created_at: DateTime<Utc>,
}

impl From<keys::NewKey> for CreatedKey {
    fn from(made: keys::NewKey) -> Self {
        CreatedKey {
            id: made.key.id,
            name: made.key.name,
            secret: made.secret,
            approval_limit: made.key.approval_limit,
            created_at: made.key.created_at,
        }
    }
}

impl From<KeyError> for Problem {
    fn from(e: KeyError) -> Self {
        match e {
            KeyError::RetailerNotFound => Problem::not_found("retailer"),
            KeyError::NotFound => Problem::not_found("integration key"),
            KeyError::Db(e) => e.into(),
        }
    }
}

/// `POST /api/retailers/{rid}/keys` → 201 `{id, name, secret, approval_limit, created_at}`;
/// a blank or too long name → 422 (`name`).
pub async fn create(
    Admin(admin): Admin,
    db: web::Data<DatabaseConnection>,
    path: web::Path<Uuid>,
    body: web::Json<NewKeyBody>,
) -> Result<HttpResponse, Problem> {
    let retailer_id = RetailerId(path.into_inner());
    let mut v = FieldErrors::new();
    let name = v.text("name", &body.name, NAME_MAX);
    v.finish()?;
    let made = keys::create(
        db.get_ref(),
        retailer_id,
        &name,
        body.approval_limit.as_ref(),
    )
    .await?;
    tracing::info!(admin.id = %admin.id, key.id = %made.key.id, "integration key made over the API");
    Ok(HttpResponse::Created().json(CreatedKey::from(made)))
}

/// `GET /api/retailers/{rid}/keys` → `[{id, name, prefix, approval_limit, created_at,
/// last_used_at, revoked_at}]`, oldest first.
pub async fn list(
    _admin: Admin,
    db: web::Data<DatabaseConnection>,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    let listed = keys::list(db.get_ref(), RetailerId(path.into_inner())).await?;
    Ok(HttpResponse::Ok().json(listed))
}

/// `DELETE /api/retailers/{rid}/keys/{key_id}` → 204; another retailer's or an unknown key →
/// 404. From then on the key answers 401.
pub async fn revoke(
    _admin: Admin,
    db: web::Data<DatabaseConnection>,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, Problem> {
    let (retailer_id, key_id) = path.into_inner();
    keys::revoke(db.get_ref(), RetailerId(retailer_id), key_id).await?;
    Ok(HttpResponse::NoContent().finish())
}
