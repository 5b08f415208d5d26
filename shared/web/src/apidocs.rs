//! The API docs page every service serves at `/docs`: one self-contained page (script and styles
//! inline, nothing fetched from elsewhere, no asset downloaded at build time) that loads the
//! service's `/openapi.json` and renders its operations by tag, their parameters, bodies and
//! answers, the security schemes, and every schema as a table of its properties.

use actix_web::HttpResponse;
use actix_web::http::header;

/// The page (`apidocs.html`).
pub const PAGE: &str = include_str!("apidocs.html");

/// What the page may do: its own inline script and styles, and fetch from its own origin.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'unsafe-inline'; \
     style-src 'unsafe-inline'; connect-src 'self'";

/// `GET /docs`.
pub async fn page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type(header::ContentType::html())
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .body(PAGE)
}

/// `GET /openapi.json` for a document kept as a committed file (`include_str!`).
pub fn document(json: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(header::ContentType::json())
        .body(json)
}
