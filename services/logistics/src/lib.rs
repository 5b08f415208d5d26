//! The logistics service: an approved swap becomes one visit — deliver the replacement, collect
//! the defective unit — and the crew's outcome (completed, or a failed attempt) goes back to the
//! retailer as events.

pub mod consumers;
pub mod db;
pub mod domain;
pub mod http;

use std::sync::Arc;

use kummerer_contracts::topology::{LOGISTICS_SWAPS, Service};
use kummerer_messaging::ConsumerConfig;
use kummerer_service::{Context, Parts};

pub use logistics_migration::Migrator;

pub const SERVICE: Service = Service::Logistics;
pub const DEFAULT_PORT: u16 = 8083;

/// Wires the service: the job API, the crew's page and the consumer of approved swaps.
pub fn build(ctx: &Context) -> Parts {
    let swaps = kummerer_messaging::consumer::run(
        ctx.db.clone(),
        ctx.broker.clone(),
        &LOGISTICS_SWAPS,
        Arc::new(consumers::swaps::SwapsConsumer),
        ConsumerConfig::default(),
        ctx.cancel.clone(),
    );
    let crew_config = http::crew::CrewConfig::from_env();
    Parts {
        routes: Arc::new(move |cfg| http::routes(cfg, crew_config.clone())),
        workers: vec![Box::pin(swaps)],
    }
}

pub fn main() -> std::process::ExitCode {
    kummerer_service::main::<Migrator>(SERVICE, DEFAULT_PORT, build)
}
