//! Partner links and agreement acceptance over the JSON API, for an admin of the retailer
//! (HTTP Basic, see [`crate::http::api::admin_auth`]; the admin is the actor):
//!
//! - `GET /api/retailers/{rid}/partners` → the directory of manufacturers by name, each with the
//!   link's state (`none`, `invited`, `linked`, `declined`, `unlinked`) and who invited.
//! - `POST /api/retailers/{rid}/partners/{mid}/{action}` (`invite`, `accept`, `decline`,
//!   `unlink`) → 200 `{manufacturer_id, state}`; a manufacturer not in the directory → 404; an
//!   action that does not fit the state → 409 (`already_linked`, `already_invited`,
//!   `no_invitation`, `not_linked`).
//! - `GET /api/retailers/{rid}/agreements` → every version held, with `accepted_at`.
//! - `POST /api/retailers/{rid}/agreements/{aid}/versions/{version}/accept` → 200; unknown → 404;
//!   accepted before → 409 `already_accepted`; the manufacturer not linked → 409
//!   `manufacturer_not_linked`.

use actix_web::{HttpResponse, web};
use kummerer_contracts::{PartnerAction, RetailerId};
use kummerer_service::Problem;
use sea_orm::DatabaseConnection;
use serde_json::json;
use uuid::Uuid;

use crate::app::partners::{self, AcceptError, PartnerError};
use crate::db;
use crate::http::api::admin_auth::Admin;
use crate::http::api::cases::NOT_LINKED;

impl From<PartnerError> for Problem {
    fn from(e: PartnerError) -> Self {
        match e {
            PartnerError::UnknownManufacturer => Problem::not_found("manufacturer"),
            PartnerError::Refused(why) => Problem::conflict(why.code(), why.words()),
            PartnerError::Db(e) => e.into(),
        }
    }
}

impl From<AcceptError> for Problem {
    fn from(e: AcceptError) -> Self {
        match e {
            AcceptError::NotFound => Problem::not_found("agreement version"),
            AcceptError::AlreadyAccepted => Problem::conflict("already_accepted", e.to_string()),
            AcceptError::NotLinked => Problem::conflict(NOT_LINKED, e.to_string()),
            AcceptError::Db(e) => e.into(),
        }
    }
}

/// The action of a path segment.
pub fn parse_action(s: &str) -> Option<PartnerAction> {
    match s {
        "invite" => Some(PartnerAction::Invite),
        "accept" => Some(PartnerAction::Accept),
        "decline" => Some(PartnerAction::Decline),
        "unlink" => Some(PartnerAction::Unlink),
        _ => None,
    }
}

/// `GET /api/retailers/{rid}/partners`.
pub async fn list(
    _admin: Admin,
    db: web::Data<DatabaseConnection>,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    let items = db::partners::directory(db.get_ref(), path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(json!({ "items": items })))
}

/// `POST /api/retailers/{rid}/partners/{mid}/{action}`.
pub async fn act(
    Admin(admin): Admin,
    db: web::Data<DatabaseConnection>,
    path: web::Path<(Uuid, Uuid, String)>,
) -> Result<HttpResponse, Problem> {
    let (rid, mid, action) = path.into_inner();
    let action = parse_action(&action).ok_or_else(|| Problem::not_found("action"))?;
    let state = partners::act(
        db.get_ref(),
        RetailerId(rid),
        mid.into(),
        action,
        &admin.email,
        chrono::Utc::now(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(json!({"manufacturer_id": mid, "state": state.as_str()})))
}

/// `GET /api/retailers/{rid}/agreements`.
pub async fn agreements(
    _admin: Admin,
    db: web::Data<DatabaseConnection>,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    let items = db::partners::versions(db.get_ref(), path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(json!({ "items": items })))
}

/// `POST /api/retailers/{rid}/agreements/{aid}/versions/{version}/accept`.
pub async fn accept_agreement(
    Admin(admin): Admin,
    db: web::Data<DatabaseConnection>,
    path: web::Path<(Uuid, Uuid, i32)>,
) -> Result<HttpResponse, Problem> {
    let (rid, aid, version) = path.into_inner();
    partners::accept_agreement(
        db.get_ref(),
        RetailerId(rid),
        (aid, version),
        &admin.email,
        chrono::Utc::now(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(json!({"agreement_id": aid, "version": version, "accepted": true})))
}
