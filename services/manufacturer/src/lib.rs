//! The manufacturer service: manufacturers, their versioned agreements with retailers, and the
//! warranty claims retailers file against them. A claim arrives as `retailer.claim.submitted.v1`,
//! is judged against the agreement version in force on its swap date (what the rules allow is
//! accepted automatically, unless evidence the agreement requires is missing), and the rest is
//! decided through the API, possibly after asking for the unit back and inspecting it; a
//! rejection may be disputed once. Every decision leaves as `manufacturer.claim.decided.v1`
//! through the outbox.

use std::sync::Arc;

use kummerer_contracts::topology::MANUFACTURER_CLAIMS;
use kummerer_messaging::ConsumerConfig;
use kummerer_service::config::Service;
use kummerer_service::{Context, Parts};

pub mod announce;
pub mod consumers;
pub mod db;
pub mod deadlines;
pub mod domain;
pub mod http;
pub mod information;
pub mod metrics;
pub mod partners;
pub mod settings;
pub mod unit_back;
pub mod webhooks;

pub use manufacturer_migration::Migrator;

pub const SERVICE: Service = Service::Manufacturer;
pub const DEFAULT_PORT: u16 = 8082;

/// Wires the service: its routes, the consumer of `manufacturer.claims`, the deadline sweep and
/// the webhook delivery worker.
pub fn build(ctx: &Context) -> Parts {
    crate::metrics::describe();
    // Read and checked in `main` before the start; the defaults where it did not run (tests).
    build_with(ctx, settings::Settings::of(&ctx.config))
}

/// [`build`] for tests and local development: webhook receivers on this machine (loopback)
/// are allowed, as if `KUMMERER_WEBHOOK_ALLOW_HOSTS=127.0.0.0/8,::1` were set.
pub fn build_local(ctx: &Context) -> Parts {
    let mut settings = settings::Settings::of(&ctx.config);
    settings.webhooks = webhooks::delivery::Settings::local();
    build_with(ctx, settings)
}

/// [`build`] with the settings given (a test passes `webhooks::delivery::Settings::local()` to
/// let its receivers on 127.0.0.1 in).
pub fn build_with(ctx: &Context, settings: settings::Settings) -> Parts {
    let blobs = match kummerer_blobs::BlobStore::open(&settings.blobs, SERVICE) {
        Ok(blobs) => {
            tracing::info!(blobs.place = %blobs.place(), "evidence photos from the blob store");
            blobs
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot start: the blob store cannot be opened");
            eprintln!("manufacturer: {e}");
            std::process::exit(2);
        }
    };
    let claims = kummerer_messaging::consumer::run(
        ctx.db.clone(),
        ctx.broker.clone(),
        &MANUFACTURER_CLAIMS,
        Arc::new(consumers::claims::ClaimsHandler {
            blobs,
            // Evidence for a claim not known yet is retried; at the last tier it is answered.
            last_attempt: u32::try_from(ctx.broker.retry_delays.len()).unwrap_or(u32::MAX),
        }),
        ConsumerConfig::by_case(),
        ctx.cancel.clone(),
    );
    let deadlines = deadlines::worker(ctx.db.clone(), ctx.cancel.clone());
    // Registration checks URLs against the same egress policy as the worker's sends.
    let egress = actix_web::web::Data::new(settings.webhooks.egress.clone());
    let webhooks =
        webhooks::delivery::worker(ctx.db.clone(), settings.webhooks, ctx.cancel.clone());
    let operator =
        actix_web::web::Data::new(http::operator::OperatorToken(settings.operator_token));
    Parts {
        routes: Arc::new(move |cfg| {
            cfg.app_data(operator.clone());
            cfg.app_data(egress.clone());
            http::routes(cfg);
        }),
        workers: vec![
            Box::pin(claims),
            Box::pin(deadlines),
            Box::pin(webhooks),
            Box::pin(partners::announce_at_start(
                ctx.db.clone(),
                ctx.cancel.clone(),
            )),
        ],
    }
}

pub fn main() -> std::process::ExitCode {
    if let Err(e) = settings::Settings::load_env() {
        eprintln!("{SERVICE}: {e}");
        return std::process::ExitCode::from(2);
    }
    kummerer_service::main::<Migrator>(SERVICE, DEFAULT_PORT, build)
}
