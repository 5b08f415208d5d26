//! Who may see what on the desk, as extractors: [`SignedManager`] and [`SignedAdmin`] for the
//! manager and admin pages, [`Posted`] for every form POST (session, CSRF token and role
//! checked before the handler runs; `SignedIn` in `auth.rs` for the other pages).

use std::collections::HashMap;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::error::InternalError;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use kummerer_service::Problem;
use sea_orm::DatabaseConnection;
use serde::de::DeserializeOwned;

use crate::db::staff;
use crate::domain::Role;
use crate::http::pages::auth::{Signed, guard_post};
use crate::http::pages::me_or_sign_in;
use kummerer_web::i18n::Tr;

pub fn is_manager(member: &staff::Model) -> bool {
    matches!(member.role, Role::Manager | Role::Admin)
}

pub fn is_admin(member: &staff::Model) -> bool {
    member.role == Role::Admin
}

pub fn managers_only(tr: &Tr) -> Result<HttpResponse, Problem> {
    super::message_keys(
        tr,
        StatusCode::FORBIDDEN,
        "managers-only",
        "managers-only-text",
    )
}

pub fn admins_only(tr: &Tr) -> Result<HttpResponse, Problem> {
    super::message_keys(tr, StatusCode::FORBIDDEN, "admins-only", "admins-only-text")
}

/// Who may pass a desk door, checked after the session: any signed-in staff member, managers
/// (and admins), or admins only.
pub trait Gate: 'static {
    fn admits(member: &staff::Model) -> bool;
    /// The page for a signed-in person the door does not admit.
    fn refused(tr: &Tr) -> Result<HttpResponse, Problem>;
}

/// Any signed-in staff member.
pub struct Staff;
/// Managers and admins.
pub struct Managers;
/// Admins only.
pub struct Admins;

impl Gate for Staff {
    fn admits(_: &staff::Model) -> bool {
        true
    }
    fn refused(tr: &Tr) -> Result<HttpResponse, Problem> {
        managers_only(tr)
    }
}

impl Gate for Managers {
    fn admits(member: &staff::Model) -> bool {
        is_manager(member)
    }
    fn refused(tr: &Tr) -> Result<HttpResponse, Problem> {
        managers_only(tr)
    }
}

impl Gate for Admins {
    fn admits(member: &staff::Model) -> bool {
        is_admin(member)
    }
    fn refused(tr: &Tr) -> Result<HttpResponse, Problem> {
        admins_only(tr)
    }
}

type Extracted<T> = Pin<Box<dyn Future<Output = Result<T, actix_web::Error>>>>;

/// The answer instead of the handler: the sign-in redirect, the 403 page, the form-expired page.
fn answered(res: HttpResponse) -> actix_web::Error {
    InternalError::from_response("refused at the desk's door", res).into()
}

fn database(req: &HttpRequest) -> Result<web::Data<DatabaseConnection>, Problem> {
    req.app_data::<web::Data<DatabaseConnection>>()
        .cloned()
        .ok_or_else(|| Problem::internal("the desk has no database"))
}

/// The signed-in person if `G` admits them; else the sign-in redirect or `G`'s 403 page.
async fn signed_as<G: Gate>(req: &HttpRequest) -> Result<Signed, actix_web::Error> {
    let db = database(req)?;
    match me_or_sign_in(req, db.get_ref()).await? {
        Ok(me) if G::admits(&me.staff) => Ok(me),
        Ok(me) => Err(answered(G::refused(&me.tr)?)),
        Err(res) => Err(answered(res)),
    }
}

/// A page for managers and admins, as an extractor: without a live session the sign-in
/// redirect, for a clerk the "Managers only" page, and the handler never runs.
pub struct SignedManager(pub Signed);

impl FromRequest for SignedManager {
    type Error = actix_web::Error;
    type Future = Extracted<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { signed_as::<Managers>(&req).await.map(SignedManager) })
    }
}

/// An admin page, as an extractor (else the sign-in redirect or the "Admins only" page).
pub struct SignedAdmin(pub Signed);

impl FromRequest for SignedAdmin {
    type Error = actix_web::Error;
    type Future = Extracted<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { signed_as::<Admins>(&req).await.map(SignedAdmin) })
    }
}

/// A form that carries the session's CSRF token.
pub trait WithCsrf {
    fn csrf(&self) -> &str;
}

macro_rules! with_csrf {
    ($($form:ty),+ $(,)?) => {$(
        impl WithCsrf for $form {
            fn csrf(&self) -> &str {
                &self.csrf
            }
        }
    )+};
}

with_csrf!(
    crate::http::pages::auth::CsrfForm,
    crate::http::pages::case::SwapForm,
    crate::http::pages::disputes::DisputeForm,
    crate::http::pages::refusals::RefuseForm,
    crate::http::pages::requests::DecideForm,
    crate::http::pages::sale::CaseForm,
);

impl WithCsrf for HashMap<String, String> {
    fn csrf(&self) -> &str {
        self.get("csrf").map_or("", String::as_str)
    }
}

/// A desk form POST, as an extractor: the form (`application/x-www-form-urlencoded`, parsed as
/// `web::Form` parses it), sent from the signed-in person's own page (the session's CSRF token,
/// same origin), by someone `G` admits. Otherwise the sign-in redirect, the form-expired page or
/// `G`'s 403 page answers, and the handler never runs.
pub struct Posted<F, G: Gate = Staff> {
    pub me: Signed,
    pub form: F,
    gate: PhantomData<G>,
}

impl<F, G> FromRequest for Posted<F, G>
where
    F: DeserializeOwned + WithCsrf + 'static,
    G: Gate,
{
    type Error = actix_web::Error;
    type Future = Extracted<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let form = web::Form::<F>::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let form = form.await?.into_inner();
            let db = database(&req)?;
            match guard_post(&req, db.get_ref(), form.csrf()).await? {
                Ok(me) if G::admits(&me.staff) => Ok(Posted {
                    me,
                    form,
                    gate: PhantomData,
                }),
                Ok(me) => Err(answered(G::refused(&me.tr)?)),
                Err(res) => Err(answered(res)),
            }
        })
    }
}
