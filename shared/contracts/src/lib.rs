//! Kümmerer's message contracts: the CloudEvents envelope, the versioned events that cross
//! service boundaries, their routing keys, and the value types they carry (money, windows).
//!
//! Serde only, no I/O. Adding a field: make it `Option` or `#[serde(default)]`. Breaking a field:
//! a new `…V2` type and routing key, published beside V1 until every consumer has moved.

pub mod agreement;
pub mod claims;
pub mod envelope;
pub mod events;
pub mod ids;
pub mod money;
pub mod topology;
pub mod visits;

pub use agreement::*;
pub use claims::*;
pub use envelope::Envelope;
pub use events::*;
pub use ids::*;
pub use money::{Currency, Money, MoneyError};
pub use visits::*;

/// An event that crosses a service boundary. `TYPE` is both the CloudEvents `type` and the
/// RabbitMQ routing key: `<producer>.<aggregate>.<event>.v<N>`.
pub trait Event: serde::Serialize + serde::de::DeserializeOwned + Send + Sync + 'static {
    const TYPE: &'static str;
    /// The service that publishes it (and whose exchange carries it).
    const PRODUCER: topology::Service;
    /// The CloudEvents `subject`: the id of the aggregate the event is about.
    fn subject(&self) -> String;
}
