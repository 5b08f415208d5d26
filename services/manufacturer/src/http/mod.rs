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
mod failure_rates;
mod idempotency;
mod information;
mod input;
mod manufacturers;
pub mod openapi;
pub mod operator;
mod partners;
mod returns;
mod serials;
mod unit_back;
mod views;
mod webhook_recovery;
mod webhooks;

use actix_web::http::Method;
use actix_web::middleware::from_fn;
use actix_web::web;
use kummerer_service::{FieldErrors, Problem};
use kummerer_web::doors::{Access, Door, Doors, DoorsExt, door};

use crate::db::claim::CorruptClaim;
use crate::domain::Invalid;

/// A stored claim that does not parse is the service's fault: 500 `internal`, logged there.
impl From<CorruptClaim> for Problem {
    fn from(e: CorruptClaim) -> Self {
        Problem::internal(e)
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    routes_with(cfg, &Doors::new());
}

/// The routes, each recorded in `doors` with who may pass (see [`kummerer_web::doors`]).
pub fn routes_with(cfg: &mut web::ServiceConfig, doors: &Doors) {
    use Access::{Open, Operator, Tenant};
    use Method as M;
    door(cfg, doors, M::GET, "/openapi.json", Open, openapi::serve);
    door(cfg, doors, M::GET, "/docs", Open, openapi::docs);
    door(cfg, doors, M::GET, "/analytics", Open, failure_rates::page);
    door(
        cfg,
        doors,
        M::POST,
        "/api/manufacturers",
        Operator,
        manufacturers::create,
    );
    let (scope, d) = doors.scope("/api/manufacturers/{mid}");
    let serials = d.resource_door(
        web::resource("/serials").app_data(serials::json_config()),
        "/serials",
        M::POST,
        Tenant,
        serials::upload,
    );
    cfg.service(
        scope
            .wrap(from_fn(auth::require))
            .door(&d, M::GET, "", Tenant, manufacturers::get)
            .door(&d, M::POST, "/agreements", Tenant, agreements::create)
            .door(&d, M::GET, "/agreements", Tenant, agreements::list)
            .door(&d, M::GET, "/agreements/{id}", Tenant, agreements::get)
            .door(
                &d,
                M::POST,
                "/agreements/{id}/versions",
                Tenant,
                agreements::create_version,
            )
            .door(&d, M::GET, "/partners", Tenant, partners::list)
            .door(
                &d,
                M::POST,
                "/partners/{rid}/{action}",
                Tenant,
                partners::act,
            )
            .door(&d, M::POST, "/depots", Tenant, depots::create)
            .door(&d, M::GET, "/depots", Tenant, depots::list)
            .door(&d, M::GET, "/claims", Tenant, claims::list)
            .door(&d, M::GET, "/claims/{id}", Tenant, claims::get)
            .door(&d, M::POST, "/claims/{id}/decision", Tenant, claims::decide)
            .door(
                &d,
                M::POST,
                "/claims/{id}/inspection",
                Tenant,
                returns::inspect,
            )
            .door(
                &d,
                M::GET,
                "/claims/{id}/evidence/{evidence_id}/photo",
                Tenant,
                evidence::photo,
            )
            .door(&d, M::POST, "/credit-notes", Tenant, credit_notes::issue)
            .door(&d, M::GET, "/credit-notes", Tenant, credit_notes::list)
            .door(&d, M::GET, "/credit-notes/{id}", Tenant, credit_notes::get)
            .door(&d, M::POST, "/webhooks", Tenant, webhooks::create)
            .door(&d, M::GET, "/webhooks", Tenant, webhooks::list)
            .door(&d, M::DELETE, "/webhooks/{id}", Tenant, webhooks::delete)
            .door(
                &d,
                M::GET,
                "/webhooks/{id}/deliveries",
                Tenant,
                webhooks::deliveries,
            )
            .door(
                &d,
                M::POST,
                "/webhooks/{id}/enable",
                Tenant,
                webhook_recovery::enable,
            )
            .door(
                &d,
                M::POST,
                "/webhooks/{id}/replay",
                Tenant,
                webhook_recovery::replay,
            )
            .door(&d, M::GET, "/analytics", Tenant, analytics::get)
            .door(
                &d,
                M::GET,
                "/analytics/failure-rates",
                Tenant,
                failure_rates::get,
            )
            .door(&d, M::POST, "/api-keys", Tenant, api_keys::create)
            .door(&d, M::GET, "/api-keys", Tenant, api_keys::list)
            .door(
                &d,
                M::DELETE,
                "/api-keys/{key_id}",
                Tenant,
                api_keys::revoke,
            )
            .service(serials),
    );
}

/// Every door of the service's routes, as [`routes_with`] records them.
pub fn doors() -> Vec<Door> {
    let doors = Doors::new();
    let _app = actix_web::App::new().configure(|cfg| routes_with(cfg, &doors));
    doors.table()
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
