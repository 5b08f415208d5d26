//! The credential of every `/api/retailers/{rid}/…` route but the admin's: a retailer
//! integration key, `Authorization: Bearer krt_…` (see [`crate::db::integration_keys`]).
//! [`require`] runs on each such route before its extractors (so a bad key is a 401 whatever
//! the body holds) and leaves the key for the [`ApiKey`] extractor. No key, a malformed,
//! unknown or revoked one → 401 `unauthorized` with `WWW-Authenticate: Bearer`; a live key of
//! another retailer → 404, exactly as an unknown retailer answers, so nothing of another tenant
//! shows.

use std::future::{Ready, ready};

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use kummerer_service::Problem;
use kummerer_web::operator::unauthorized;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::app::actor::Actor;
use crate::db::integration_keys::{self, KeyHolder};

const REALM: &str = "kummerer-retailer";

/// The live key of the path's retailer a request came with.
#[derive(Debug, Clone)]
pub struct ApiKey(pub KeyHolder);

impl ApiKey {
    /// The actor of what the request writes: this key.
    pub fn actor(&self) -> Actor {
        Actor::Key {
            id: self.0.id,
            name: self.0.name.clone(),
        }
    }
}

async fn authenticate(req: &HttpRequest) -> Result<KeyHolder, actix_web::Error> {
    let key = match kummerer_web::bearer(req) {
        Ok(key) if integration_keys::well_formed(key) => key,
        Ok(_) => {
            return Err(unauthorized(
                REALM,
                "the Authorization header must be Bearer krt_…",
            ));
        }
        Err(e) => return Err(unauthorized(REALM, &e.to_string())),
    };
    let db = req
        .app_data::<web::Data<DatabaseConnection>>()
        .ok_or_else(|| Problem::internal("no database connection registered"))?;
    let holder = integration_keys::authenticate(db.get_ref(), key)
        .await
        .map_err(Problem::from)?
        .ok_or_else(|| unauthorized(REALM, "unknown or revoked integration key"))?;
    // Another retailer than the key's (or a `{rid}` that is no UUID) is as absent as an unknown
    // one.
    let rid = req
        .match_info()
        .get("rid")
        .and_then(|s| Uuid::parse_str(s).ok());
    if rid != Some(holder.retailer_id) {
        return Err(Problem::not_found("retailer").into());
    }
    Ok(holder)
}

/// Middleware: authenticates the request before its handler's extractors run.
pub async fn require(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let holder = authenticate(req.request()).await?;
    req.extensions_mut().insert(ApiKey(holder));
    next.call(req).await
}

impl FromRequest for ApiKey {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // Only on routes behind [`require`]; without it the route is closed, never open.
        let found = req.extensions().get::<ApiKey>().cloned();
        ready(found.ok_or_else(|| unauthorized(REALM, "this route needs an integration key")))
    }
}
