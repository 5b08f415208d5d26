//! What every Kümmerer service shares: configuration from the environment, telemetry (logs,
//! traces, Prometheus metrics), RFC 9457 problem responses, health and readiness, and the
//! process lifecycle (`migrate`, `dlq`, serve with graceful shutdown).

pub mod cli;
pub mod config;
pub mod db;
pub mod http;
pub mod metrics;
pub mod problem;
pub mod run;
pub mod telemetry;

pub use config::{Config, ConfigError};
pub use problem::{FieldErrors, Problem};
pub use run::{Context, Parts, main, once_at_start, run};
