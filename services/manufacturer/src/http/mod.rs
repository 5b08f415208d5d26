//! The JSON API. Everything below `/api/manufacturers/{mid}` needs an API key of that
//! manufacturer (`Authorization: Bearer <key>`, see [`auth`]) and is scoped by it: an agreement
//! or claim of another manufacturer answers 404 exactly like an unknown one.
//! Handlers stay thin: parse → domain → persist (one transaction) → respond. Every POST under
//! `/api/manufacturers/{mid}` takes an `Idempotency-Key` (see [`idempotency`]).

mod agreements;
mod analytics;
mod api_keys;
pub mod auth;
mod claims;
mod credit_notes;
mod depots;
mod evidence;
mod idempotency;
mod input;
mod manufacturers;
pub mod openapi;
pub mod operator;
mod returns;
mod serials;
mod views;
mod webhook_recovery;
mod webhooks;

use actix_web::middleware::from_fn;
use actix_web::web;
use kummerer_service::{FieldErrors, Problem};

use crate::db::claim::CorruptClaim;
use crate::domain::Invalid;

/// A stored claim that does not parse is the service's fault: 500 `internal`, logged there.
impl From<CorruptClaim> for Problem {
    fn from(e: CorruptClaim) -> Self {
        Problem::internal(e)
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/openapi.json", web::get().to(openapi::serve))
        .route("/docs", web::get().to(openapi::docs))
        .route("/api/manufacturers", web::post().to(manufacturers::create))
        .service(
            web::scope("/api/manufacturers/{mid}")
                .wrap(from_fn(auth::require))
                .route("", web::get().to(manufacturers::get))
                .route("/agreements", web::post().to(agreements::create))
                .route("/agreements", web::get().to(agreements::list))
                .route("/agreements/{id}", web::get().to(agreements::get))
                .route(
                    "/agreements/{id}/versions",
                    web::post().to(agreements::create_version),
                )
                .route("/depots", web::post().to(depots::create))
                .route("/depots", web::get().to(depots::list))
                .route("/claims", web::get().to(claims::list))
                .route("/claims/{id}", web::get().to(claims::get))
                .route("/claims/{id}/decision", web::post().to(claims::decide))
                .route("/claims/{id}/inspection", web::post().to(returns::inspect))
                .route(
                    "/claims/{id}/evidence/{evidence_id}/photo",
                    web::get().to(evidence::photo),
                )
                .route("/credit-notes", web::post().to(credit_notes::issue))
                .route("/credit-notes", web::get().to(credit_notes::list))
                .route("/credit-notes/{id}", web::get().to(credit_notes::get))
                .route("/webhooks", web::post().to(webhooks::create))
                .route("/webhooks", web::get().to(webhooks::list))
                .route("/webhooks/{id}", web::delete().to(webhooks::delete))
                .route(
                    "/webhooks/{id}/deliveries",
                    web::get().to(webhooks::deliveries),
                )
                .route(
                    "/webhooks/{id}/enable",
                    web::post().to(webhook_recovery::enable),
                )
                .route(
                    "/webhooks/{id}/replay",
                    web::post().to(webhook_recovery::replay),
                )
                .route("/analytics", web::get().to(analytics::get))
                .route("/api-keys", web::post().to(api_keys::create))
                .route("/api-keys", web::get().to(api_keys::list))
                .route("/api-keys/{key_id}", web::delete().to(api_keys::revoke))
                .service(
                    web::resource("/serials")
                        .app_data(serials::json_config())
                        .route(web::post().to(serials::upload)),
                ),
        );
}

/// Domain field errors as one 422 problem.
fn invalid(errors: Vec<Invalid>) -> Problem {
    let mut v = FieldErrors::new();
    for e in errors {
        v.add(&e.field, e.message);
    }
    match v.finish() {
        Err(p) => p,
        Ok(()) => Problem::internal("validation failed without errors"),
    }
}
