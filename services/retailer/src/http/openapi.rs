//! The OpenAPI 3.1 document of the JSON API, kept as the committed file
//! `services/retailer/openapi.json` (written by hand: edit it with the routes; the tests hold it to
//! the routes), served at `/openapi.json` with the shared docs page at `/docs`.

use actix_web::HttpResponse;

/// The committed document.
pub const DOCUMENT: &str = include_str!("../../openapi.json");

/// `GET /openapi.json`.
pub async fn serve() -> HttpResponse {
    kummerer_web::apidocs::document(DOCUMENT)
}

/// `GET /docs`.
pub async fn docs() -> HttpResponse {
    kummerer_web::apidocs::page().await
}
