//! HTTP plumbing shared by the services: the request middleware (span with the caller's
//! trace context, request metrics), and `/health`, `/ready`, `/metrics`.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};
use sea_orm::DatabaseConnection;
use serde_json::json;
use tracing::Instrument;

use kummerer_messaging::BrokerStatus;

use crate::problem::Problem;

/// One span per request (child of the caller's `traceparent`), and the request metrics.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let method = req.method().to_string();
    let route = req
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let traceparent = req
        .headers()
        .get("traceparent")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let span = tracing::info_span!(
        "HTTP request",
        otel.name = format!("{method} {route}"),
        otel.kind = "server",
        http.request.method = %method,
        http.route = %route,
        http.response.status_code = tracing::field::Empty,
    );
    kummerer_messaging::trace::set_remote_parent(&span, traceparent.as_deref());
    let started = Instant::now();
    let res = next.call(req).instrument(span.clone()).await;
    let status = match &res {
        Ok(r) => r.status(),
        Err(e) => e.as_response_error().status_code(),
    };
    span.record("http.response.status_code", status.as_u16());
    let labels = [
        ("method", method),
        ("route", route),
        ("status", status.as_u16().to_string()),
    ];
    metrics::counter!(crate::metrics::HTTP_REQUESTS, &labels).increment(1);
    metrics::histogram!(crate::metrics::HTTP_REQUEST_DURATION, &labels[..2])
        .record(started.elapsed().as_secs_f64());
    res
}

pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "alive"}))
}

/// How long `/ready` waits for the database to answer `SELECT 1`.
const READY_DB_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

pub async fn ready(
    db: web::Data<DatabaseConnection>,
    broker: web::Data<BrokerStatus>,
) -> Result<HttpResponse, Problem> {
    // Bounded: while the database is away the pool would wait its whole acquire timeout.
    let db_ok = matches!(
        tokio::time::timeout(READY_DB_TIMEOUT, crate::db::ping(&db)).await,
        Ok(Ok(()))
    );
    // Up only while the relay and every consumer hold a working connection.
    let broker_ok = broker.is_up();
    if db_ok && broker_ok {
        Ok(HttpResponse::Ok().json(json!({"status": "ready", "database": "up", "broker": "up"})))
    } else {
        let down = broker.down();
        let mut p = Problem::unavailable(format!(
            "database {}, broker {}{}",
            if db_ok { "up" } else { "down" },
            if broker_ok { "up" } else { "down" },
            if down.is_empty() {
                String::new()
            } else {
                format!(" (disconnected: {})", down.join(", "))
            }
        ));
        p.status = StatusCode::SERVICE_UNAVAILABLE.as_u16();
        Err(p)
    }
}

pub async fn metrics_endpoint() -> HttpResponse {
    if let Some((rss, peak)) = crate::telemetry::memory_bytes() {
        metrics::gauge!(crate::metrics::RESIDENT_MEMORY).set(rss as f64);
        metrics::gauge!(crate::metrics::PEAK_RESIDENT_MEMORY).set(peak as f64);
    }
    let handle = crate::telemetry::prometheus();
    handle.run_upkeep();
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(handle.render())
}

pub fn operational_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/health", web::get().to(health))
        .route("/ready", web::get().to(ready))
        .route("/metrics", web::get().to(metrics_endpoint));
}
