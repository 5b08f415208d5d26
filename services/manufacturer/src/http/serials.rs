//! `POST /api/manufacturers/{mid}/serials`: the manufacturer's serial registry. Once a
//! manufacturer uploaded one, a claim on a serial not in it is flagged `unknown_serial`.

use actix_web::error::JsonPayloadError;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use kummerer_service::{FieldErrors, Problem};
use sea_orm::{DatabaseConnection, TransactionTrait};
use serde::{Deserialize, Serialize};

use super::auth::Manufacturer;
use super::idempotency::Idempotent;
use crate::db::serial;

/// Longest serial accepted.
pub const SERIAL_MAX: usize = 100;
/// Body limit of an upload: 10,000 serials of up to 100 characters, quoted, with room to spare.
pub const BODY_LIMIT: usize = 2 * 1024 * 1024;
/// Field errors reported at most per upload.
const ERRORS_MAX: usize = 20;

#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
pub struct SerialUpload {
    pub serials: Vec<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UploadView {
    /// Serials in the request.
    pub received: usize,
    /// Of those, the ones the registry did not hold yet.
    pub added: u64,
    /// Serials in the registry now.
    pub registry_size: i64,
}

/// The JSON settings of this route: a larger body than elsewhere, errors as problems.
pub fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(BODY_LIMIT)
        .error_handler(json_error)
}

fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let problem = match &err {
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
            Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "Request body too large",
                Some(format!("the body must be at most {BODY_LIMIT} bytes")),
            )
        }
        JsonPayloadError::ContentType => Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Unsupported media type",
            Some("send the body as application/json".to_owned()),
        ),
        JsonPayloadError::Deserialize(e) if e.is_data() => {
            let mut v = FieldErrors::new();
            v.add("body", e.to_string());
            match v.finish() {
                Err(p) => p,
                Ok(()) => Problem::bad_request("malformed_json", e.to_string()),
            }
        }
        other => Problem::bad_request("malformed_json", other.to_string()),
    };
    problem.into()
}

/// The serials as stored (trimmed), or every field that is wrong (at most 20).
fn check(upload: &SerialUpload) -> Result<Vec<String>, Problem> {
    let mut v = FieldErrors::new();
    let mut errors = 0;
    if upload.serials.is_empty() {
        v.add("serials", "must hold at least one serial");
    } else if upload.serials.len() > serial::UPLOAD_LIMIT {
        v.add(
            "serials",
            format!("must hold at most {} serials", serial::UPLOAD_LIMIT),
        );
    }
    let mut out = Vec::with_capacity(upload.serials.len());
    for (i, s) in upload.serials.iter().enumerate() {
        let s = s.trim();
        let problem = if s.is_empty() {
            Some("must not be empty".to_owned())
        } else if s.chars().count() > SERIAL_MAX {
            Some(format!("must be at most {SERIAL_MAX} characters"))
        } else if s.chars().any(char::is_control) {
            Some("must not contain control characters".to_owned())
        } else {
            None
        };
        match problem {
            Some(message) if errors < ERRORS_MAX => {
                errors += 1;
                v.add(&format!("serials[{i}]"), message);
            }
            Some(_) => {}
            None => out.push(s.to_owned()),
        }
    }
    v.finish()?;
    Ok(out)
}

/// Upload serials to the registry
///
/// Once a manufacturer uploaded a registry, a claim on a serial not in it is flagged
/// `unknown_serial`. 1 to 10,000 serials a call, body up to 2 MiB.
#[utoipa::path(
    post, path = "/api/manufacturers/{mid}/serials", tag = "serials", operation_id = "upload_serials",
    params(("mid" = Uuid, Path, description = "The manufacturer (the API key's)"), ("Idempotency-Key" = Option<String>, Header, description = "1 to 255 visible ASCII characters; a retry with the same key and body answers the first answer")),
    request_body = SerialUpload,
    responses(
        (status = 200, description = "Registered", body = UploadView),
        (status = 400, description = "Malformed JSON or `Idempotency-Key`", body = super::openapi::ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "`payload_too_large`", body = super::openapi::ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`, `idempotency_key_reused`", body = super::openapi::ProblemDoc, content_type = "application/problem+json"),
    )
)]
// `POST /api/manufacturers/{mid}/serials` `{"serials": [...]}` (1 to 10,000) → 200
// `{"received", "added", "registry_size"}`, 400 (idempotency key), 404, 413, 422.
pub async fn upload(
    me: Manufacturer,
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    body: web::Json<SerialUpload>,
) -> Result<HttpResponse, Problem> {
    let mid = me.id;
    let idem = Idempotent::new(&req, mid, &*body)?;
    let serials = check(&body)?;
    let txn = db.begin().await?;
    if let Some(replay) = idem.begin(&txn).await? {
        return Ok(replay);
    }
    let added = serial::register(&txn, mid, &serials).await?;
    let registry_size = serial::registry_size(&txn, mid).await?;
    let view = UploadView {
        received: serials.len(),
        added,
        registry_size,
    };
    let res = idem.respond(&txn, StatusCode::OK, &view).await?;
    txn.commit().await?;
    tracing::info!(manufacturer.id = %mid, added, registry_size, "serials registered");
    Ok(res)
}
