//! The manufacturer's webhook endpoints: where its events are sent, signed per the Standard
//! Webhooks specification. The signing secret is shown once, when the endpoint is made.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use kummerer_service::Problem;
use sea_orm::{DatabaseConnection, TransactionTrait};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::auth::Manufacturer;
use super::idempotency::Idempotent;
use super::invalid;
use super::views::Items;
use crate::db::webhook;
use crate::domain::webhook::{EndpointInput, SECRET_BYTES, check_endpoint, secret_from};
use crate::domain::{Invalid, listing};

/// Longest description accepted.
const MAX_DESCRIPTION: usize = 500;

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct NewEndpoint {
    /// Where events are POSTed: an absolute `http` or `https` URL.
    #[schema(example = "https://erp.example.com/kummerer/webhooks")]
    pub url: String,
    /// The event types to send (`claim.created`, `claim.updated`, `credit_note.issued`); absent
    /// or empty: all.
    #[serde(default)]
    pub event_types: Vec<String>,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EndpointView {
    pub id: Uuid,
    pub url: String,
    /// Empty: all event types.
    pub event_types: Vec<String>,
    pub description: String,
    pub created_at: DateTime<Utc>,
    /// Failed attempts in a row (reset by a delivered one).
    pub consecutive_failures: i32,
    /// `active` or `disabled`.
    pub status: String,
    pub disabled_at: Option<DateTime<Utc>>,
    /// `gone` (the endpoint answered 410) or `too_many_failures` (it failed continuously for
    /// longer than the service allows, 3 days by default).
    pub disabled_reason: Option<String>,
    /// Since when every attempt has failed; `null` while it delivers.
    pub failing_since: Option<DateTime<Utc>>,
}

impl From<webhook::Model> for EndpointView {
    fn from(e: webhook::Model) -> Self {
        Self {
            id: e.id,
            url: e.url,
            event_types: serde_json::from_value(e.event_types).unwrap_or_default(),
            description: e.description,
            created_at: e.created_at,
            consecutive_failures: e.consecutive_failures,
            status: if e.disabled_at.is_some() {
                "disabled"
            } else {
                "active"
            }
            .to_owned(),
            disabled_at: e.disabled_at,
            disabled_reason: e.disabled_reason,
            failing_since: e.failing_since,
        }
    }
}

/// The endpoint just made, with its signing secret, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedEndpoint {
    #[serde(flatten)]
    pub endpoint: EndpointView,
    /// `whsec_<base64>`: the HMAC-SHA256 key is the base64 part, decoded.
    pub secret: String,
}

/// Add a webhook endpoint
///
/// Events are POSTed to `url` with the headers `webhook-id`, `webhook-timestamp` (Unix
/// seconds) and `webhook-signature` (`v1,<base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}">`
/// with the secret's key). Any 2xx is delivered; anything else is retried with exponential
/// backoff; 410 disables the endpoint at once, and so does failing continuously for too long
/// (3 days by default); `POST …/enable` and `POST …/replay` get it going again.
#[utoipa::path(
    post, path = "/api/manufacturers/{mid}/webhooks", tag = "webhooks", operation_id = "create_webhook",
    params(("mid" = Uuid, Path, description = "The manufacturer (the API key's)"), ("Idempotency-Key" = Option<String>, Header, description = "1 to 255 visible ASCII characters; a retry with the same key and body answers the first answer")),
    request_body = NewEndpoint,
    responses(
        (status = 201, description = "Created, with its signing `secret` (shown this once)", body = CreatedEndpoint),
        (status = 400, description = "Malformed JSON or `Idempotency-Key`", body = super::openapi::ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed` (URL, event types), `webhook_url_forbidden` (the host is, or resolves to, a loopback, private, link-local or other internal address), `idempotency_key_reused`", body = super::openapi::ProblemDoc, content_type = "application/problem+json"),
    )
)]
// `POST /api/manufacturers/{mid}/webhooks {"url", "event_types"?, "description"?}` → 201 with
// `secret`, 422.
pub async fn create(
    me: Manufacturer,
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    egress: Option<web::Data<crate::webhooks::egress::Policy>>,
    body: web::Json<NewEndpoint>,
) -> Result<HttpResponse, Problem> {
    let mid = me.id;
    let idem = Idempotent::new(&req, mid, &*body)?;
    let input = EndpointInput {
        url: body.url.trim().to_owned(),
        event_types: body.event_types.clone(),
    };
    let mut errors = check_endpoint(&input).err().unwrap_or_default();
    let description = body.description.clone().unwrap_or_default();
    if description.chars().count() > MAX_DESCRIPTION {
        errors.push(Invalid::new(
            "description",
            format!("must be at most {MAX_DESCRIPTION} characters"),
        ));
    }
    if !errors.is_empty() {
        return Err(invalid(errors));
    }
    // Never inward: the host is resolved and every address checked (again at every send). A
    // name that does not resolve (yet) is taken: it reaches nothing, and every send checks it.
    let strict = crate::webhooks::egress::Policy::default();
    let policy = egress.as_ref().map_or(&strict, |p| p.get_ref());
    match crate::webhooks::egress::check(&input.url, policy).await {
        Ok(_) | Err(crate::webhooks::egress::Refusal::Unresolvable { .. }) => {}
        Err(refusal) => return Err(refused_url(&refusal)),
    }
    let mut bytes = [0u8; SECRET_BYTES];
    getrandom::fill(&mut bytes).map_err(Problem::internal)?;
    let secret = secret_from(&bytes);

    let txn = db.begin().await?;
    if let Some(replay) = idem.begin(&txn).await? {
        return Ok(replay);
    }
    let endpoint = webhook::insert(
        &txn,
        webhook::Model {
            id: Uuid::now_v7(),
            manufacturer_id: mid,
            url: input.url,
            event_types: serde_json::json!(input.event_types),
            description,
            secret: secret.clone(),
            consecutive_failures: 0,
            created_at: crate::db::now(),
            disabled_at: None,
            disabled_reason: None,
            deleted_at: None,
            failing_since: None,
        },
    )
    .await?;
    let res = idem
        .respond(
            &txn,
            StatusCode::CREATED,
            &CreatedEndpoint {
                endpoint: EndpointView::from(endpoint.clone()),
                secret,
            },
        )
        .await?;
    txn.commit().await?;
    tracing::info!(manufacturer.id = %mid, webhook.endpoint_id = %endpoint.id, "webhook endpoint created");
    Ok(res)
}

/// A URL the egress check refused: 422 `webhook_url_forbidden` (an internal address), naming
/// the field `url`.
fn refused_url(refusal: &crate::webhooks::egress::Refusal) -> Problem {
    let detail = refusal.to_string();
    let mut p = Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        refusal.code(),
        "Webhook URL refused",
        Some(detail.clone()),
    );
    p.errors = vec![kummerer_service::problem::FieldError {
        field: "url".to_owned(),
        message: detail,
    }];
    p
}

/// The webhook endpoints
#[utoipa::path(
    get, path = "/api/manufacturers/{mid}/webhooks", tag = "webhooks", operation_id = "list_webhooks",
    params(("mid" = Uuid, Path, description = "The manufacturer (the API key's)")),
    responses((status = 200, description = "The endpoints, oldest first, without their secrets", body = Items<EndpointView>))
)]
// `GET /api/manufacturers/{mid}/webhooks` → 200 `{"items": [...]}`.
pub async fn list(
    me: Manufacturer,
    db: web::Data<DatabaseConnection>,
) -> Result<HttpResponse, Problem> {
    let items = webhook::list(db.get_ref(), me.id)
        .await?
        .into_iter()
        .map(EndpointView::from)
        .collect();
    Ok(HttpResponse::Ok().json(Items { items }))
}

/// Delete a webhook endpoint
///
/// Nothing more is sent to it; deliveries still waiting are given up.
#[utoipa::path(
    delete, path = "/api/manufacturers/{mid}/webhooks/{id}", tag = "webhooks", operation_id = "delete_webhook",
    params(("mid" = Uuid, Path, description = "The manufacturer (the API key's)"), ("id" = Uuid, Path, description = "The endpoint")),
    responses((status = 204, description = "Deleted"))
)]
// `DELETE /api/manufacturers/{mid}/webhooks/{id}` → 204, 404.
pub async fn delete(
    me: Manufacturer,
    db: web::Data<DatabaseConnection>,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, Problem> {
    let id = path.into_inner().1;
    let txn = db.begin().await?;
    if !webhook::delete(&txn, me.id, id, crate::db::now()).await? {
        return Err(Problem::not_found("webhook endpoint"));
    }
    txn.commit().await?;
    tracing::info!(manufacturer.id = %me.id, webhook.endpoint_id = %id, "webhook endpoint deleted");
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveriesQuery {
    /// Deliveries per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page, as it came; absent for the first page.
    pub cursor: Option<String>,
}

/// The last attempt of a delivery.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptView {
    pub attempted_at: DateTime<Utc>,
    /// The endpoint's HTTP status; `null` when it did not answer (see `error`).
    pub status_code: Option<i16>,
    /// `HTTP <status>`, `timeout`, or the connection error; `null` when delivered.
    pub error: Option<String>,
    pub duration_ms: i32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryView {
    /// Also the `webhook-id` header of every attempt.
    pub id: Uuid,
    pub event_type: String,
    /// `pending` (waiting for its next attempt), `delivered` or `failed` (given up).
    pub status: String,
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
    /// When a pending delivery is tried next.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub last_attempt: Option<AttemptView>,
}

impl From<webhook::DeliveryRow> for DeliveryView {
    fn from(d: webhook::DeliveryRow) -> Self {
        let last_attempt = d.last_attempted_at.map(|attempted_at| AttemptView {
            attempted_at,
            status_code: d.last_status_code,
            error: d.last_error.clone(),
            duration_ms: d.last_duration_ms.unwrap_or(0),
        });
        Self {
            id: d.id,
            next_attempt_at: (d.status == webhook::PENDING).then_some(d.next_attempt_at),
            event_type: d.event_type,
            status: d.status,
            attempts: d.attempts,
            created_at: d.created_at,
            finished_at: d.finished_at,
            last_attempt,
        }
    }
}

/// A page of deliveries.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryPage {
    /// Newest first.
    pub items: Vec<DeliveryView>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// An endpoint's deliveries
///
/// What was sent to the endpoint (or waits to be), newest first, each with its last attempt:
/// for finding out why an integration misses events.
#[utoipa::path(
    get, path = "/api/manufacturers/{mid}/webhooks/{id}/deliveries", tag = "webhooks", operation_id = "list_webhook_deliveries",
    params(("mid" = Uuid, Path, description = "The manufacturer (the API key's)"), ("id" = Uuid, Path, description = "The endpoint"), DeliveriesQuery),
    responses(
        (status = 200, description = "A page of deliveries", body = DeliveryPage),
        (status = 400, description = "`bad_query`: a `limit` outside 1–200, or a cursor this API did not hand out", body = super::openapi::ProblemDoc, content_type = "application/problem+json"),
    )
)]
// `GET /api/manufacturers/{mid}/webhooks/{id}/deliveries[?limit=…&cursor=…]` → 200, 400, 404.
pub async fn deliveries(
    me: Manufacturer,
    db: web::Data<DatabaseConnection>,
    path: web::Path<(Uuid, Uuid)>,
    query: web::Query<DeliveriesQuery>,
) -> Result<HttpResponse, Problem> {
    let id = path.into_inner().1;
    let q = query.into_inner();
    let bad = |detail: String| Problem::bad_request("bad_query", detail);
    let limit = listing::limit(q.limit).map_err(bad)?;
    let after = q
        .cursor
        .as_deref()
        .map(listing::Cursor::decode)
        .transpose()
        .map_err(bad)?;
    if !webhook::exists(db.get_ref(), me.id, id).await? {
        return Err(Problem::not_found("webhook endpoint"));
    }
    let mut rows = webhook::deliveries_page(
        db.get_ref(),
        id,
        after.map(|c| (c.received_at, c.id)),
        limit,
    )
    .await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = rows.last().filter(|_| more).map(|d| {
        listing::Cursor {
            received_at: d.created_at,
            id: d.id,
        }
        .encode()
    });
    let items = rows.into_iter().map(DeliveryView::from).collect();
    Ok(HttpResponse::Ok().json(DeliveryPage { items, next_cursor }))
}
