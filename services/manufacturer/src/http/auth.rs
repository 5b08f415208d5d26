//! Authentication: every route under `/api/manufacturers/{mid}` takes the [`Manufacturer`]
//! extractor, which reads `Authorization: Bearer <key>`, finds the key's manufacturer, and holds
//! it to the `{mid}` of the path. Missing or malformed credentials, an unknown key and a revoked
//! key answer 401 `unauthorized` with `WWW-Authenticate: Bearer`; a valid key of another
//! manufacturer answers 404, exactly as an unknown manufacturer does, so that nothing of the
//! other manufacturer shows.
//!
//! The scope `/api/manufacturers/{mid}` runs [`require`] first, which does the same checks before
//! any other extractor reads the request (so that a bad key is a 401 whatever the body holds)
//! and leaves the result for the extractor.

use std::future::Future;
use std::pin::Pin;

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use kummerer_service::Problem;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::db::api_key;

/// The manufacturer a request is authenticated as, which is also the `{mid}` of its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Manufacturer {
    pub id: Uuid,
    /// The key the request came with.
    pub key_id: Uuid,
}

/// 401 `unauthorized` with the challenge.
pub fn unauthorized(detail: &str) -> actix_web::Error {
    kummerer_web::operator::unauthorized("kummerer-manufacturer", detail)
}

/// The key of `Authorization: Bearer <key>`, if the request has exactly one such header with a
/// key of the right shape.
fn bearer(req: &HttpRequest) -> Result<&str, actix_web::Error> {
    let mut values = req.headers().get_all(header::AUTHORIZATION);
    let Some(value) = values.next() else {
        return Err(unauthorized(
            "send the API key as Authorization: Bearer <key>",
        ));
    };
    if values.next().is_some() {
        return Err(unauthorized("send one Authorization header"));
    }
    let malformed = || unauthorized("the Authorization header must be Bearer <key>");
    let value = value.to_str().map_err(|_| malformed())?;
    let (scheme, key) = value.split_once(' ').ok_or_else(malformed)?;
    let key = key.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || !api_key::well_formed(key) {
        return Err(malformed());
    }
    Ok(key)
}

async fn authenticate(req: &HttpRequest) -> Result<Manufacturer, actix_web::Error> {
    if let Some(done) = req.extensions().get::<Manufacturer>() {
        return Ok(*done);
    }
    let key = bearer(req)?;
    let db = req
        .app_data::<web::Data<DatabaseConnection>>()
        .ok_or_else(|| Problem::internal("no database connection registered"))?;
    let (manufacturer_id, key_id) = api_key::authenticate(db.get_ref(), key)
        .await
        .map_err(Problem::from)?
        .ok_or_else(|| unauthorized("unknown or revoked API key"))?;
    // The path's manufacturer: another one than the key's is as absent as an unknown one (a
    // `{mid}` that is no UUID is a 404 too, as the path extractor answers it).
    let mid = req
        .match_info()
        .get("mid")
        .and_then(|s| Uuid::parse_str(s).ok());
    if mid != Some(manufacturer_id) {
        return Err(Problem::not_found("manufacturer").into());
    }
    Ok(Manufacturer {
        id: manufacturer_id,
        key_id,
    })
}

impl FromRequest for Manufacturer {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { authenticate(&req).await })
    }
}

/// Middleware: authenticates the request before its handler's extractors run.
pub async fn require(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let me = authenticate(req.request()).await?;
    req.extensions_mut().insert(me);
    next.call(req).await
}
