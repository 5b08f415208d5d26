//! The JSON API. Everything below `/api/manufacturers/{mid}` is scoped by that manufacturer:
//! an agreement or claim of another manufacturer answers 404 exactly like an unknown one.
//! Handlers stay thin: parse → domain → persist (one transaction) → respond. Every POST under
//! `/api/manufacturers/{mid}` takes an `Idempotency-Key` (see [`idempotency`]).

mod agreements;
mod claims;
mod idempotency;
mod input;
mod manufacturers;
mod serials;
mod views;

pub use views::money_of;

use actix_web::web;
use kummerer_service::{FieldErrors, Problem};

use crate::domain::Invalid;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/manufacturers", web::post().to(manufacturers::create))
        .route(
            "/api/manufacturers/{mid}",
            web::get().to(manufacturers::get),
        )
        .route(
            "/api/manufacturers/{mid}/agreements",
            web::post().to(agreements::create),
        )
        .route(
            "/api/manufacturers/{mid}/agreements",
            web::get().to(agreements::list),
        )
        .route(
            "/api/manufacturers/{mid}/agreements/{id}",
            web::get().to(agreements::get),
        )
        .route(
            "/api/manufacturers/{mid}/claims",
            web::get().to(claims::list),
        )
        .route(
            "/api/manufacturers/{mid}/claims/{id}",
            web::get().to(claims::get),
        )
        .route(
            "/api/manufacturers/{mid}/claims/{id}/decision",
            web::post().to(claims::decide),
        )
        .service(
            web::resource("/api/manufacturers/{mid}/serials")
                .app_data(serials::json_config())
                .route(web::post().to(serials::upload)),
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
