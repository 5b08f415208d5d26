//! Staff accounts over the JSON API, for an admin of the retailer (HTTP Basic, see
//! [`crate::http::api::admin_auth`]); the first admin is made with `retailer create-admin`.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use kummerer_service::{FieldErrors, Problem};
use kummerer_web::{check_password, hash_password, parse_email};
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::app::staff::{AccountError, NewAccount, create_account};
use crate::domain::{Role, TEXT_MAX};
use crate::http::api::admin_auth::Admin;
use crate::http::api::retailers::existing;
use crate::http::input::{AllParsed, required};
use crate::http::pages::auth::web_error;
use kummerer_contracts::RetailerId;

#[derive(Debug, Deserialize)]
pub struct NewStaff {
    pub email: String,
    pub name: String,
    pub role: String,
    pub password: String,
}

#[derive(Debug, Serialize)]
pub struct StaffView {
    pub id: Uuid,
    pub retailer_id: Uuid,
    pub email: String,
    pub name: String,
    pub role: String,
    pub created_at: DateTime<Utc>,
}

/// `POST /api/retailers/{rid}/staff` `{email, name, role, password}` with an admin's Basic
/// credentials → 201 (without the password); no admin's credentials → 401; bad fields → 422; an
/// e-mail already in use → 409 `staff_exists`.
pub async fn create(
    Admin(admin): Admin,
    db: web::Data<DatabaseConnection>,
    path: web::Path<Uuid>,
    body: web::Json<NewStaff>,
) -> Result<HttpResponse, Problem> {
    let retailer_id = path.into_inner();
    let mut v = FieldErrors::new();
    let email = required(
        &mut v,
        "email",
        parse_email(&body.email),
        "must be an e-mail address",
    );
    let name = v.text("name", &body.name, TEXT_MAX);
    let role = required(
        &mut v,
        "role",
        Role::parse(body.role.trim()),
        "must be one of clerk, manager, admin",
    );
    if let Err(e) = check_password(&body.password) {
        v.add("password", e.to_string());
    }
    let (email, role) = (email, role).all_parsed(v).map_err(Problem::validation)?;
    existing(db.get_ref(), retailer_id).await?;
    let password_hash = hash_password(body.password.clone())
        .await
        .map_err(web_error)?;
    let new = NewAccount {
        email,
        name,
        role,
        password_hash,
        store_id: None,
    };
    let member = create_account(db.get_ref(), RetailerId(retailer_id), new).await?;
    tracing::info!(retailer.id = %retailer_id, staff.id = %member.id, staff.role = member.role.as_string(),
        admin.id = %admin.id, "staff account created");
    Ok(HttpResponse::Created().json(StaffView {
        id: member.id,
        retailer_id,
        email: member.email,
        name: member.name,
        role: member.role.as_string(),
        created_at: member.created_at,
    }))
}

impl From<AccountError> for Problem {
    fn from(e: AccountError) -> Self {
        match e {
            AccountError::Exists(_) => Problem::conflict("staff_exists", e.to_string()),
            AccountError::Db(e) => e.into(),
        }
    }
}
