//! The logistics service: an approved swap becomes one visit — deliver the replacement, collect
//! the defective unit — and the crew's outcome (completed, or a failed attempt) goes back to the
//! retailer as events.

pub mod app;
pub mod consumers;
pub mod db;
pub mod domain;
pub mod http;
pub mod outbound;
pub mod photos;

use std::sync::Arc;

use kummerer_contracts::topology::{LOGISTICS_RETURNS, LOGISTICS_SWAPS, Service};
use kummerer_messaging::ConsumerConfig;
use kummerer_service::{Context, Parts};
use photos::{DiskPhotoStore, PhotoStore};

pub use logistics_migration::Migrator;

pub const SERVICE: Service = Service::Logistics;
pub const DEFAULT_PORT: u16 = 8083;

/// Wires the service: the job API, the crew's page, the consumers of approved swaps and of
/// return requests, with the
/// photos on disk in `$KUMMERER_PHOTO_DIR` (default `./data/photos`, created at start).
pub fn build(ctx: &Context) -> Parts {
    let photos: Arc<dyn PhotoStore> = match DiskPhotoStore::from_env() {
        Ok(store) => {
            tracing::info!(photos.dir = %store.dir().display(), "photo store on disk");
            Arc::new(store)
        }
        Err(e) => {
            // Not fatal: the store creates the directory again on the first upload, and the
            // error shows there if it persists.
            tracing::error!(error = %e, "could not create the photo directory");
            Arc::new(DiskPhotoStore::unchecked(photos::photo_dir_from_env()))
        }
    };
    build_with_photos(ctx, photos)
}

/// [`build`] with a given photo store (tests use a directory of their own).
pub fn build_with_photos(ctx: &Context, photos: Arc<dyn PhotoStore>) -> Parts {
    build_with(ctx, photos, http::HttpConfig::from_env())
}

/// [`build`] with a given photo store and HTTP configuration (tests set the operator's token).
pub fn build_with(ctx: &Context, photos: Arc<dyn PhotoStore>, config: http::HttpConfig) -> Parts {
    let swaps = kummerer_messaging::consumer::run(
        ctx.db.clone(),
        ctx.broker.clone(),
        &LOGISTICS_SWAPS,
        Arc::new(consumers::swaps::SwapsConsumer),
        ConsumerConfig::default(),
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
    Parts {
        routes: Arc::new(move |cfg| http::routes(cfg, config.clone(), photos.clone())),
        workers: vec![Box::pin(swaps), Box::pin(returns)],
    }
}

pub fn main() -> std::process::ExitCode {
    kummerer_service::main::<Migrator>(SERVICE, DEFAULT_PORT, build)
}
