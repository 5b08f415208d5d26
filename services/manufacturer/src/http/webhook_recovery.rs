//! Getting a disabled webhook endpoint going again: the manufacturer enables it (a fresh run,
//! no failures counted) and replays the deliveries that were given up — when the endpoint was
//! disabled, or after their retries ran out.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use kummerer_service::Problem;
use sea_orm::{DatabaseConnection, TransactionTrait};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::auth::Manufacturer;
use super::webhooks::EndpointView;
use crate::db::webhook;

/// Enable a webhook endpoint again
///
/// Clears a disabled endpoint's state (`disabled_at`, `disabled_reason`, the failures) so that
/// new events are sent to it again; what was given up meanwhile is not, until replayed
/// (`POST …/webhooks/{id}/replay`). Enabling an active endpoint changes nothing.
#[utoipa::path(
    post, path = "/api/manufacturers/{mid}/webhooks/{id}/enable", tag = "webhooks", operation_id = "enable_webhook",
    params(("mid" = Uuid, Path, description = "The manufacturer (the API key's)"), ("id" = Uuid, Path, description = "The endpoint")),
    responses(
        (status = 200, description = "The endpoint, active", body = EndpointView),
        (status = 404, description = "No such endpoint (or deleted)", body = super::openapi::ProblemDoc, content_type = "application/problem+json"),
    )
)]
// `POST /api/manufacturers/{mid}/webhooks/{id}/enable` → 200, 404.
pub async fn enable(
    me: Manufacturer,
    db: web::Data<DatabaseConnection>,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, Problem> {
    let id = path.into_inner().1;
    let txn = db.begin().await?;
    let Some(endpoint) = webhook::enable(&txn, me.id, id).await? else {
        return Err(Problem::not_found("webhook endpoint"));
    };
    txn.commit().await?;
    tracing::info!(manufacturer.id = %me.id, webhook.endpoint_id = %id, "webhook endpoint enabled");
    Ok(HttpResponse::Ok().json(EndpointView::from(endpoint)))
}

#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplayRequest {
    /// Only deliveries created at or after this time; absent: every given-up delivery.
    #[serde(default)]
    pub since: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Replayed {
    /// Deliveries queued again (each keeps its id, the `webhook-id` header, and its body).
    pub replayed: u64,
}

/// Replay the given-up deliveries of an endpoint
///
/// Every `failed` delivery of the endpoint (created at or after `since`, if given) is queued
/// again, due at once, with a fresh retry schedule; each keeps its id and body, so a receiver
/// that already saw one recognises it by its `webhook-id`. The endpoint must be active
/// (enable it first).
#[utoipa::path(
    post, path = "/api/manufacturers/{mid}/webhooks/{id}/replay", tag = "webhooks", operation_id = "replay_webhook_deliveries",
    params(("mid" = Uuid, Path, description = "The manufacturer (the API key's)"), ("id" = Uuid, Path, description = "The endpoint")),
    request_body(content = Option<ReplayRequest>, description = "Optional; `{}` or no body: every given-up delivery"),
    responses(
        (status = 202, description = "Queued again", body = Replayed),
        (status = 404, description = "No such endpoint (or deleted)", body = super::openapi::ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "`webhook_endpoint_disabled`: enable it first", body = super::openapi::ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: the body is not a replay request object", body = super::openapi::ProblemDoc, content_type = "application/problem+json"),
    )
)]
// `POST /api/manufacturers/{mid}/webhooks/{id}/replay {"since"?}` → 202 `{"replayed": n}`, 400,
// 404, 409, 422.
pub async fn replay(
    me: Manufacturer,
    db: web::Data<DatabaseConnection>,
    path: web::Path<(Uuid, Uuid)>,
    body: web::Bytes,
) -> Result<HttpResponse, Problem> {
    let id = path.into_inner().1;
    let since = replay_request(&body)?.since;
    let txn = db.begin().await?;
    let Some(endpoint) = webhook::find(&txn, me.id, id).await? else {
        return Err(Problem::not_found("webhook endpoint"));
    };
    if endpoint.disabled_at.is_some() {
        return Err(Problem::conflict(
            "webhook_endpoint_disabled",
            "the endpoint is disabled: enable it first (POST …/enable), then replay",
        ));
    }
    let replayed = webhook::replay_failed(&txn, id, since, crate::db::now()).await?;
    txn.commit().await?;
    tracing::info!(manufacturer.id = %me.id, webhook.endpoint_id = %id, replayed, "webhook deliveries replayed");
    Ok(HttpResponse::Accepted().json(Replayed { replayed }))
}

/// The optional body of a replay: nothing (or only white space) means every given-up delivery;
/// anything else must be a `ReplayRequest` object — `[null]` or `"x"` is refused, not taken as
/// "no body" (what `Option<Json<_>>` would silently do).
fn replay_request(body: &[u8]) -> Result<ReplayRequest, Problem> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(ReplayRequest::default());
    }
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| Problem::bad_request("malformed_json", e.to_string()))?;
    let invalid = |message: String| {
        let mut p = Problem::validation(vec![kummerer_service::problem::FieldError {
            field: "body".into(),
            message: message.clone(),
        }]);
        p.detail = Some(message);
        p
    };
    if !value.is_object() {
        return Err(invalid(
            "the body must be a JSON object (or empty)".to_owned(),
        ));
    }
    serde_json::from_value(value).map_err(|e| invalid(e.to_string()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_replay_body_is_nothing_or_an_object() {
        assert!(replay_request(b"").unwrap().since.is_none());
        assert!(replay_request(b" \n").unwrap().since.is_none());
        assert!(replay_request(b"{}").unwrap().since.is_none());
        let r = replay_request(br#"{"since":"2026-12-01T10:00:00Z"}"#).unwrap();
        assert!(r.since.is_some());
        assert_eq!(replay_request(b"[null, null]").unwrap_err().status, 422);
        assert_eq!(replay_request(br#"{"until":"x"}"#).unwrap_err().status, 422);
        assert_eq!(replay_request(b"{").unwrap_err().status, 400);
    }
}
