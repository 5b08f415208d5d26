//! `Idempotency-Key` on the POSTs under `/api/manufacturers/{mid}/...`: a retry with the same
//! key and the same request answers the first answer (status and body, with
//! `Idempotent-Replayed: true`) without doing the work again; the same key with another request
//! is 422 `idempotency_key_reused`; keys are scoped per manufacturer. A request is its method,
//! path and body as parsed (so that formatting does not matter). Without the header a request
//! behaves as it always did. Only successful answers are stored: an error rolls the key back
//! with the rest of the work, so that a corrected retry may use the same key.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use kummerer_service::Problem;
use sea_orm::DatabaseTransaction;
use serde::Serialize;
use uuid::Uuid;

use crate::db::idempotency::{self, Begin};

pub const HEADER: &str = "Idempotency-Key";
pub const REPLAYED_HEADER: &str = "Idempotent-Replayed";
/// Longest key accepted.
pub const MAX_LEN: usize = 255;

/// The key of a request, if it has one: 1 to 255 visible ASCII characters.
pub fn parse_key(req: &HttpRequest) -> Result<Option<String>, Problem> {
    let mut values = req.headers().get_all(HEADER);
    let Some(value) = values.next() else {
        return Ok(None);
    };
    let bad = |detail: &str| Problem::bad_request("invalid_idempotency_key", detail);
    if values.next().is_some() {
        return Err(bad("send one Idempotency-Key header"));
    }
    let bytes = value.as_bytes();
    if bytes.is_empty() || bytes.len() > MAX_LEN || !bytes.iter().all(|b| b.is_ascii_graphic()) {
        return Err(bad(
            "the Idempotency-Key must be 1 to 255 visible ASCII characters",
        ));
    }
    Ok(Some(String::from_utf8_lossy(bytes).into_owned()))
}

/// One POST as idempotency sees it.
pub struct Idempotent {
    manufacturer_id: Uuid,
    key: Option<String>,
    request: String,
}

impl Idempotent {
    /// Reads the key (400 when malformed) and describes the request.
    pub fn new(
        req: &HttpRequest,
        manufacturer_id: Uuid,
        body: &impl Serialize,
    ) -> Result<Self, Problem> {
        let key = parse_key(req)?;
        let body = serde_json::to_string(body).map_err(Problem::internal)?;
        Ok(Self {
            manufacturer_id,
            key,
            request: format!("{} {}\n{body}", req.method(), req.path()),
        })
    }

    /// First thing in the work's transaction. `Some(answer)`: answer that and do nothing (the
    /// caller drops the transaction); `None`: do the work, then [`Idempotent::respond`].
    pub async fn begin(&self, txn: &DatabaseTransaction) -> Result<Option<HttpResponse>, Problem> {
        let Some(key) = &self.key else {
            return Ok(None);
        };
        match idempotency::begin(txn, self.manufacturer_id, key, &self.request).await? {
            Begin::Fresh => Ok(None),
            Begin::Replay { status, body } => {
                let status = StatusCode::from_u16(status).map_err(Problem::internal)?;
                Ok(Some(
                    HttpResponse::build(status)
                        .insert_header((REPLAYED_HEADER, "true"))
                        .json(body),
                ))
            }
            Begin::Reused => Err(Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "Idempotency key reused",
                Some("this Idempotency-Key was used for another request".to_owned()),
            )),
            Begin::InProgress => Err(Problem::conflict(
                "request_in_progress",
                "a request with this Idempotency-Key is still in progress; retry later",
            )),
        }
    }

    /// Stores the answer under the key (in the work's transaction) and builds it. The caller
    /// commits afterwards.
    pub async fn respond(
        &self,
        txn: &DatabaseTransaction,
        status: StatusCode,
        body: &impl Serialize,
    ) -> Result<HttpResponse, Problem> {
        if let Some(key) = &self.key {
            let stored = serde_json::to_value(body).map_err(Problem::internal)?;
            idempotency::finish(txn, self.manufacturer_id, key, status.as_u16(), stored).await?;
        }
        Ok(HttpResponse::build(status).json(body))
    }
}
