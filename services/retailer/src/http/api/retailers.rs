//! Retailers (the tenants).

use actix_web::{HttpResponse, web};
use kummerer_contracts::RetailerId;
use kummerer_service::{FieldErrors, Problem};
use sea_orm::DatabaseConnection;
use sea_orm::TransactionTrait;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use kummerer_web::operator::Operator;

use crate::app::keys::{self, NAME_MAX};
use crate::app::law_settings::{self, LawChange};
use crate::db::{self, retailers};
use crate::domain::TEXT_MAX;
use crate::http::api::keys::{CreatedKey, NewKeyBody};
use crate::http::view::RetailerView;

#[derive(Debug, Deserialize)]
pub struct NewRetailer {
    pub name: String,
    /// The retailer's first integration key, handed to whoever connects its systems (as the
    /// manufacturer's first API key is); absent: the retailer's admin makes keys.
    #[serde(default)]
    pub first_key: Option<NewKeyBody>,
}

/// A retailer just made, with its first key when one was asked for.
#[derive(Debug, Serialize)]
struct CreatedRetailer {
    #[serde(flatten)]
    retailer: RetailerView,
    #[serde(skip_serializing_if = "Option::is_none")]
    first_key: Option<CreatedKey>,
}

/// `POST /api/retailers` `{name, first_key?: {name, approval_limit?}}` with the operator token
/// → 201 `{id, name, created_at, first_key?: {id, name, secret, approval_limit, created_at}}`
/// (the key's secret shown this once).
pub async fn create(
    _operator: Operator,
    db: web::Data<DatabaseConnection>,
    body: web::Json<NewRetailer>,
) -> Result<HttpResponse, Problem> {
    let mut v = FieldErrors::new();
    let name = v.text("name", &body.name, TEXT_MAX);
    let key_name = body
        .first_key
        .as_ref()
        .map(|k| v.text("first_key.name", &k.name, NAME_MAX));
    v.finish()?;
    let txn = db.begin().await?;
    let retailer = crate::app::catalogue::create_retailer(&txn, name).await?;
    let first_key = match (key_name, &body.first_key) {
        (Some(key_name), Some(k)) => {
            let rid = RetailerId(retailer.id);
            let made = keys::create(&txn, rid, &key_name, k.approval_limit.as_ref()).await?;
            Some(CreatedKey::from(made))
        }
        _ => None,
    };
    txn.commit().await?;
    Ok(HttpResponse::Created().json(CreatedRetailer {
        retailer: RetailerView::from(retailer),
        first_key,
    }))
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

/// The retailer's settings that drive its legal clocks and money (see
/// [`crate::app::law_settings`]), as `PUT` takes them: every one given.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LawSettingsBody {
    pub jurisdiction: String,
    pub country: String,
    pub time_zone: String,
}

/// `GET /api/retailers/{rid}/settings` (an admin) → `{jurisdiction, country, time_zone}`.
pub async fn get_settings(
    _admin: crate::http::api::admin_auth::Admin,
    db: web::Data<DatabaseConnection>,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    let settings = law_settings::of(db.get_ref(), RetailerId(path.into_inner()))
        .await?
        .ok_or_else(|| Problem::not_found("retailer"))?;
    Ok(HttpResponse::Ok().json(settings))
}

/// `PUT /api/retailers/{rid}/settings` (an admin) `{jurisdiction: "DE"|"AT", country,
/// time_zone}` → 200 the settings now; 422 naming each field that does not do (nothing set).
pub async fn set_settings(
    crate::http::api::admin_auth::Admin(admin): crate::http::api::admin_auth::Admin,
    db: web::Data<DatabaseConnection>,
    path: web::Path<Uuid>,
    body: web::Json<LawSettingsBody>,
) -> Result<HttpResponse, Problem> {
    let mut v = FieldErrors::new();
    let change = LawChange::parse(
        &mut v,
        Some(&body.jurisdiction),
        Some(&body.country),
        Some(&body.time_zone),
    );
    v.finish()?;
    let rid = RetailerId(path.into_inner());
    let settings = law_settings::set(db.get_ref(), rid, &change, &admin.email)
        .await?
        .ok_or_else(|| Problem::not_found("retailer"))?;
    Ok(HttpResponse::Ok().json(settings))
}
