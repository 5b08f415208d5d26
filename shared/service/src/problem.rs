//! RFC 9457 problem details (`application/problem+json`) for every error an API returns,
//! with a stable machine-readable `code`.
//!
//! # Error policy: which error type belongs in which layer
//!
//! - **Domain and use cases** (`src/domain/`, `src/app/`) return a typed error enum per module
//!   (`thiserror`), one variant per outcome a caller decides on, e.g.
//!   `ApproveError { NotFound, Refused(..), NeedsManager { .. }, OutOfStock { .. }, Db(DbErr) }`.
//!   They know nothing of HTTP: no `Problem`, no status codes, no problem codes. Data that is
//!   parsed at the door (`TryFrom<Form> for NewThing`) or read from a row
//!   (`claim::Model::open_claim() -> Result<OpenClaim, CorruptClaim>`) is parsed once into a
//!   typed value; a case the parser excluded is not checked again with a
//!   `Problem::internal("… vanished")`.
//! - **The HTTP edge** (`src/http/api/`, `src/http/pages/`) maps those errors: the JSON API
//!   through `impl From<XError> for Problem` (status and `code` exactly as the OpenAPI document
//!   and the README list them), so a handler is `app::x(..).await?`; a page matches the variants
//!   into form errors or a redirect, never by reading a problem's `status` or `code`. `Problem`
//!   is only built here and by the shared extractors/middleware of this module.
//! - **Consumers** (`src/consumers/`) map the same errors to
//!   [`HandleError`](kummerer_messaging::HandleError): `Permanent` for a message that can never
//!   succeed (bad data, an unknown aggregate that will not appear: dead-lettered at once),
//!   `Transient` for what may pass later (database or broker down, an aggregate not arrived yet:
//!   retried by the delay tiers). `From<DbErr> for HandleError` already sorts database errors.
//! - **Who logs.** An error is logged once, where it is handled: a server fault when it
//!   becomes a response ([`Problem::internal`] logs the cause, the client sees only
//!   `internal`); a consumer's error by the consumer machinery with the message's id and
//!   routing key; a worker's error by the worker loop. Domain and use-case code returns
//!   errors and does not log them; 4xx outcomes are not errors of the service and are not
//!   logged above `debug`. Fields use dotted names (`claim.id`, `swap.id`).

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use serde::{Deserialize, Serialize};

pub const CONTENT_TYPE: &str = "application/problem+json";
/// Largest JSON body an API accepts.
pub const JSON_LIMIT: usize = 64 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub ty: String,
    pub title: String,
    pub status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Stable machine-readable code (`validation_failed`, `not_found`, …).
    pub code: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Seconds after which the client may try again (the `Retry-After` header; not in the body).
    #[serde(skip)]
    pub retry_after: Option<u32>,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.title, self.code)?;
        if let Some(d) = &self.detail {
            write!(f, ": {d}")?;
        }
        Ok(())
    }
}

impl Problem {
    pub fn new(status: StatusCode, code: &str, title: &str, detail: Option<String>) -> Self {
        Self {
            ty: format!("https://kummerer.dev/problems/{code}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail,
            code: code.to_owned(),
            errors: Vec::new(),
            retry_after: None,
        }
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "Not found",
            Some(format!("no such {what}")),
        )
    }

    pub fn validation(errors: Vec<FieldError>) -> Self {
        let mut p = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "The request is not valid",
            Some(
                errors
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
        );
        p.errors = errors;
        p
    }

    pub fn conflict(code: &str, detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            code,
            "Conflict with the current state",
            Some(detail.into()),
        )
    }

    pub fn bad_request(code: &str, detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            code,
            "Bad request",
            Some(detail.into()),
        )
    }

    /// A server-side failure: logged here, once, with its cause chain; the client learns nothing
    /// of the internals.
    pub fn internal(error: impl std::fmt::Display) -> Self {
        tracing::error!(error = %error, "request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal error",
            None,
        )
    }

    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "Service unavailable",
            Some(detail.into()),
        )
    }
}

/// What a client is told to wait before retrying while a dependency is away.
pub const RETRY_AFTER_SECS: u32 = 5;

impl Problem {
    /// The database or the broker is away for now: `503` with `Retry-After`, code
    /// `service_unavailable`. Logged here, once, as a warning (it heals by itself).
    pub fn dependency_unavailable(what: &str, error: impl std::fmt::Display) -> Self {
        tracing::warn!(error = %error, dependency = what, "request refused: dependency unavailable");
        let mut p = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "service_unavailable",
            "Service temporarily unavailable",
            Some(format!(
                "the {what} is not reachable right now; nothing was changed, retry later"
            )),
        );
        p.retry_after = Some(RETRY_AFTER_SECS);
        p
    }
}

impl ResponseError for Problem {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status_code());
        res.insert_header((header::CONTENT_TYPE, CONTENT_TYPE));
        if let Some(secs) = self.retry_after {
            res.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        res.json(self)
    }
}

impl From<sea_orm::DbErr> for Problem {
    fn from(e: sea_orm::DbErr) -> Self {
        if kummerer_messaging::consumer::unstorable_text(&e) {
            // PostgreSQL cannot store a NUL character in text: the client's mistake, and the
            // transaction it failed in is rolled back.
            return Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unstorable_text",
                "The request is not valid",
                Some("text must not contain NUL characters".to_owned()),
            );
        }
        if kummerer_messaging::consumer::database_unavailable(&e) {
            // A connection-class failure (pool timeout, refused, reset, server shutting down):
            // the database is away, not the request wrong; the client may retry.
            return Problem::dependency_unavailable("database", e);
        }
        Problem::internal(format!("database: {e}"))
    }
}

/// Collects field errors; `finish` turns them into one 422 problem.
#[derive(Debug, Default)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.to_owned(),
            message: message.into(),
        });
    }
    /// A required text: trimmed, non-empty, at most `max` characters, no control characters
    /// but tab and line breaks (PostgreSQL cannot store NUL at all).
    pub fn text(&mut self, field: &str, value: &str, max: usize) -> String {
        let v = value.trim();
        if v.is_empty() {
            self.add(field, "must not be empty");
        } else if v.chars().count() > max {
            self.add(field, format!("must be at most {max} characters"));
        } else if v
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        {
            self.add(field, "must not contain control characters");
        }
        v.to_owned()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn finish(self) -> Result<(), Problem> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Problem::validation(self.0))
        }
    }
}

fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let problem = match &err {
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
            Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "Request body too large",
                Some(format!("the body must be at most {JSON_LIMIT} bytes")),
            )
        }
        JsonPayloadError::ContentType => Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Unsupported media type",
            Some("send the body as application/json".to_owned()),
        ),
        JsonPayloadError::Deserialize(e) if e.is_data() => {
            let mut p = Problem::validation(vec![FieldError {
                field: "body".into(),
                message: e.to_string(),
            }]);
            p.detail = Some(e.to_string());
            p
        }
        other => Problem::bad_request("malformed_json", other.to_string()),
    };
    problem.into()
}

fn path_error(err: PathError, _req: &HttpRequest) -> actix_web::Error {
    Problem::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "Not found",
        Some(err.to_string()),
    )
    .into()
}

fn query_error(err: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    Problem::bad_request("bad_query", err.to_string()).into()
}

/// Extractor configuration that answers every malformed request with a problem.
pub fn configure_extractors(cfg: &mut web::ServiceConfig) {
    cfg.app_data(
        web::JsonConfig::default()
            .limit(JSON_LIMIT)
            .error_handler(json_error),
    )
    .app_data(web::PathConfig::default().error_handler(path_error))
    .app_data(web::QueryConfig::default().error_handler(query_error));
}

/// Fallback for unknown routes.
pub async fn not_found() -> Result<HttpResponse, Problem> {
    Err(Problem::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "Not found",
        Some("no such resource".into()),
    ))
}

/// For `ErrorHandlers`: an error response that is not already a problem (a 405 from the router,
/// a bare 4xx from a middleware) becomes one.
pub fn ensure_problem<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    // A dependency away (503) on a page a person looks at: a readable page, not JSON; the
    // `Retry-After` header stays.
    if res.status() == StatusCode::SERVICE_UNAVAILABLE && wants_html(res.request()) {
        return Ok(ErrorHandlerResponse::Response(
            unavailable_page(res).map_into_right_body(),
        ));
    }
    // Problems stay as they are, and so do pages: an HTML error page (the staff desk's 404 or
    // 403) is for a person, not an API client.
    let keep = res.headers().get(header::CONTENT_TYPE).is_some_and(|v| {
        let v = v.as_bytes();
        v.starts_with(CONTENT_TYPE.as_bytes()) || v.starts_with(b"text/html")
    });
    if keep {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let code = match status {
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        s if s.is_server_error() => "internal",
        _ => "bad_request",
    };
    let problem = Problem::new(
        status,
        code,
        status.canonical_reason().unwrap_or("Error"),
        None,
    );
    let (req, mut res) = res.into_parts();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    let body = serde_json::to_vec(&problem).unwrap_or_default();
    let res = res.set_body(BoxBody::new(body));
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, res).map_into_right_body(),
    ))
}

/// A browser asking for a page (`Accept` names `text/html`), not an API client.
fn wants_html(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
}

/// The "try again in a moment" page for a 503, keeping its status and headers.
fn unavailable_page<B>(res: ServiceResponse<B>) -> ServiceResponse<BoxBody> {
    const PAGE: &str = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
        <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
        <title>Try again in a moment</title></head><body>\
        <h1>Try again in a moment</h1>\
        <p>A part of the system is not reachable right now. Nothing was changed. \
        Please wait a moment and try again (reload the page, or send the form once more).</p>\
        </body></html>\n";
    let (req, mut res) = res.into_parts();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    ServiceResponse::new(req, res.set_body(BoxBody::new(PAGE)))
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn away() -> Result<HttpResponse, Problem> {
        Err(Problem::dependency_unavailable(
            "database",
            "connection refused",
        ))
    }

    /// The database away: an API client gets problem+json, a browser a readable page; both 503
    /// with `Retry-After`.
    #[actix_web::test]
    async fn a_dependency_away_is_a_page_for_a_browser_and_a_problem_for_an_api() {
        use actix_web::{App, test};
        let app = test::init_service(
            App::new()
                .route("/", web::get().to(away))
                .wrap(actix_web::middleware::ErrorHandlers::new().default_handler(ensure_problem)),
        )
        .await;
        for (accept, content_type) in [
            ("application/json", CONTENT_TYPE),
            ("text/html,application/xhtml+xml,*/*;q=0.8", "text/html"),
        ] {
            let req = test::TestRequest::get()
                .uri("/")
                .insert_header((header::ACCEPT, accept))
                .to_request();
            let res = test::call_service(&app, req).await;
            assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
            assert_eq!(res.headers().get(header::RETRY_AFTER).unwrap(), "5");
            let ct = res.headers().get(header::CONTENT_TYPE).unwrap().clone();
            let body = String::from_utf8(test::read_body(res).await.to_vec()).unwrap();
            assert!(ct.to_str().unwrap().starts_with(content_type), "{ct:?}");
            if content_type == "text/html" {
                assert!(body.contains("Try again in a moment"), "{body}");
            } else {
                assert!(body.contains("service_unavailable"), "{body}");
            }
        }
    }

    #[test]
    fn text_is_trimmed_bounded_and_free_of_control_characters() {
        let mut e = FieldErrors::new();
        assert_eq!(e.text("a", "  Lager Nord ", 20), "Lager Nord");
        assert!(e.is_empty());
        e.text("b", "Zeile 1\nZeile 2\tmit Tab", 40);
        assert!(e.is_empty(), "line breaks and tabs are text");
        e.text("c", "Lager\u{0}Nord", 20);
        e.text("d", "Lager\u{1b}[31m", 20);
        e.text("e", "   ", 20);
        e.text("f", "zu lang", 3);
        let fields: Vec<String> = e.0.iter().map(|f| f.field.clone()).collect();
        assert_eq!(fields, ["c", "d", "e", "f"]);
    }
}
