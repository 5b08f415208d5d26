//! The logistics service: an approved swap becomes one visit — deliver the replacement, collect
//! the defective unit — and the crew's outcome (completed, or a failed attempt) goes back to the
//! retailer as events.

pub mod app;
pub mod consumers;
pub mod db;
pub mod domain;
pub mod http;
pub mod metrics;
pub mod outbound;
pub mod photos;
pub mod settings;

use std::sync::Arc;

use kummerer_contracts::topology::{
    LOGISTICS_CONTRACTS, LOGISTICS_RETURNS, LOGISTICS_SWAPS, Service,
};
use kummerer_messaging::ConsumerConfig;
use kummerer_service::{Context, Parts};
use photos::{BlobPhotoStore, PhotoStore};
use settings::Settings;

pub use logistics_migration::Migrator;

pub const SERVICE: Service = Service::Logistics;
pub const DEFAULT_PORT: u16 = 8083;

/// Wires the service: the job API, the crew's page, the consumers of approved swaps and of
/// return requests, with its [`Settings`] from the environment (a bad value stops the start,
/// naming the variable) and the photos in the shared blob store (`KUMMERER_BLOB_DIR` or
/// `KUMMERER_BLOB_S3_*`, opened at start: a store that cannot be opened stops the start).
pub fn build(ctx: &Context) -> Parts {
    build_with_settings(ctx, settings_or_exit(&ctx.config))
}

/// The settings from the environment; a bad value ends the process with a message naming the
/// variable (the service must not start half-configured).
fn settings_or_exit(config: &kummerer_service::config::Config) -> Settings {
    match Settings::from_env(config) {
        Ok(settings) => settings,
        Err(e) => {
            tracing::error!(error = %e, "cannot start");
            eprintln!("logistics: {e}");
            std::process::exit(2);
        }
    }
}

/// [`build`] with given settings.
pub fn build_with_settings(ctx: &Context, settings: Settings) -> Parts {
    settings.warn_about();
    app::overdue::install_thresholds(settings.overdue);
    let photos: Arc<dyn PhotoStore> =
        match kummerer_blobs::BlobStore::open(&settings.blobs, SERVICE) {
            Ok(store) => {
                tracing::info!(blobs.place = %store.place(), "photos in the blob store");
                Arc::new(BlobPhotoStore::new(store))
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot start: the blob store cannot be opened");
                eprintln!("logistics: {e}");
                std::process::exit(2);
            }
        };
    let mut parts = build_with(ctx, photos, http::HttpConfig::from_settings(&settings));
    if let Some(slots) = settings.slots.clone() {
        let every = slots.every;
        app::slots::install(slots);
        parts.workers.push(Box::pin(app::slots::worker(
            ctx.db.clone(),
            every,
            ctx.cancel.clone(),
        )));
    }
    if let Some(every) = settings.overdue_sweep {
        let sweep = app::overdue::worker(ctx.db.clone(), every, ctx.cancel.clone());
        parts.workers.push(Box::pin(sweep));
    }
    parts
}

/// [`build`] with a given photo store (tests use a directory of their own).
pub fn build_with_photos(ctx: &Context, photos: Arc<dyn PhotoStore>) -> Parts {
    let settings = settings_or_exit(&ctx.config);
    settings.warn_about();
    build_with(ctx, photos, http::HttpConfig::from_settings(&settings))
}

/// [`build`] with a given photo store and HTTP configuration (tests set the operator's token).
pub fn build_with(ctx: &Context, photos: Arc<dyn PhotoStore>, config: http::HttpConfig) -> Parts {
    crate::metrics::describe();
    let swaps = kummerer_messaging::consumer::run(
        ctx.db.clone(),
        ctx.broker.clone(),
        &LOGISTICS_SWAPS,
        Arc::new(consumers::swaps::SwapsConsumer {
            photos: photos.clone(),
        }),
        ConsumerConfig::by_case(),
        ctx.cancel.clone(),
    );
    let returns = kummerer_messaging::consumer::run(
        ctx.db.clone(),
        ctx.broker.clone(),
        &LOGISTICS_RETURNS,
        Arc::new(consumers::returns::ReturnsConsumer),
        ConsumerConfig::default(),
        ctx.cancel.clone(),
    );
    let contracts = kummerer_messaging::consumer::run(
        ctx.db.clone(),
        ctx.broker.clone(),
        &LOGISTICS_CONTRACTS,
        Arc::new(consumers::contracts::ContractsConsumer),
        ConsumerConfig::default(),
        ctx.cancel.clone(),
    );
    let announce = app::contracts::announce_unannounced(ctx.db.clone(), ctx.cancel.clone());
    Parts {
        routes: Arc::new(move |cfg| http::routes(cfg, config.clone(), photos.clone())),
        workers: vec![
            Box::pin(swaps),
            Box::pin(returns),
            Box::pin(contracts),
            Box::pin(announce),
        ],
    }
}

pub fn main() -> std::process::ExitCode {
    kummerer_service::main::<Migrator>(SERVICE, DEFAULT_PORT, build)
}
