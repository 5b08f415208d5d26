//! Who may see what on the desk: the role guards of the manager and admin pages.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use kummerer_service::Problem;
use sea_orm::DatabaseConnection;

use crate::db::staff;
use crate::domain::Role;
use crate::http::pages::auth::{Signed, guard_post};
use crate::http::pages::me_or_sign_in;
use crate::http::pages::message_page;

pub fn is_manager(member: &staff::Model) -> bool {
    matches!(member.role, Role::Manager | Role::Admin)
}

pub fn is_admin(member: &staff::Model) -> bool {
    member.role == Role::Admin
}

pub fn managers_only() -> Result<HttpResponse, Problem> {
    message_page(
        StatusCode::FORBIDDEN,
        "Managers only",
        "This page is for the store's managers and admins.",
    )
}

pub fn admins_only() -> Result<HttpResponse, Problem> {
    message_page(
        StatusCode::FORBIDDEN,
        "Admins only",
        "This page is for the retailer's admins.",
    )
}

/// A page for managers and admins: the signed-in person, or the sign-in redirect / 403 page.
pub async fn manager_page(
    req: &HttpRequest,
    db: &DatabaseConnection,
) -> Result<Result<Signed, HttpResponse>, Problem> {
    Ok(match me_or_sign_in(req, db).await? {
        Ok(me) if is_manager(&me.staff) => Ok(me),
        Ok(_) => Err(managers_only()?),
        Err(res) => Err(res),
    })
}

/// A form for managers and admins (CSRF checked first).
pub async fn manager_post(
    req: &HttpRequest,
    db: &DatabaseConnection,
    csrf: &str,
) -> Result<Result<Signed, HttpResponse>, Problem> {
    Ok(match guard_post(req, db, csrf).await? {
        Ok(me) if is_manager(&me.staff) => Ok(me),
        Ok(_) => Err(managers_only()?),
        Err(res) => Err(res),
    })
}

/// An admin page: the signed-in admin, or the sign-in redirect / 403 page.
pub async fn admin_page(
    req: &HttpRequest,
    db: &DatabaseConnection,
) -> Result<Result<Signed, HttpResponse>, Problem> {
    Ok(match me_or_sign_in(req, db).await? {
        Ok(me) if is_admin(&me.staff) => Ok(me),
        Ok(_) => Err(admins_only()?),
        Err(res) => Err(res),
    })
}

/// An admin form (CSRF checked first).
pub async fn admin_post(
    req: &HttpRequest,
    db: &DatabaseConnection,
    csrf: &str,
) -> Result<Result<Signed, HttpResponse>, Problem> {
    Ok(match guard_post(req, db, csrf).await? {
        Ok(me) if is_admin(&me.staff) => Ok(me),
        Ok(_) => Err(admins_only()?),
        Err(res) => Err(res),
    })
}
