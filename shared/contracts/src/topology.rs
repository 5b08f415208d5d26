//! The message map as data: which service publishes on which exchange, which queue consumes
//! which routing keys. Names only; `kummerer-messaging` declares them on the broker.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    Retailer,
    Manufacturer,
    Logistics,
}

impl Service {
    pub const ALL: [Service; 3] = [Service::Retailer, Service::Manufacturer, Service::Logistics];

    pub fn name(self) -> &'static str {
        match self {
            Service::Retailer => "retailer",
            Service::Manufacturer => "manufacturer",
            Service::Logistics => "logistics",
        }
    }

    /// The CloudEvents `source` of everything this service publishes.
    pub fn source(self) -> String {
        format!("/kummerer/{}", self.name())
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A queue that one service consumes, with the routing keys bound to it.
#[derive(Debug, Clone, Copy)]
pub struct QueueSpec {
    /// Name without the deployment prefix, e.g. `logistics.swaps`.
    pub name: &'static str,
    pub consumer: Service,
    /// `(producer whose exchange it binds to, routing key)`.
    pub bindings: &'static [(Service, &'static str)],
}

use crate::Event;
use crate::events::{
    ClaimDecidedV1, ClaimSubmittedV1, JobCompletedV1, JobFailedV1, JobScheduledV1, SwapApprovedV1,
};

pub const LOGISTICS_SWAPS: QueueSpec = QueueSpec {
    name: "logistics.swaps",
    consumer: Service::Logistics,
    bindings: &[(Service::Retailer, SwapApprovedV1::TYPE)],
};

pub const MANUFACTURER_CLAIMS: QueueSpec = QueueSpec {
    name: "manufacturer.claims",
    consumer: Service::Manufacturer,
    bindings: &[(Service::Retailer, ClaimSubmittedV1::TYPE)],
};

pub const RETAILER_CASE_EVENTS: QueueSpec = QueueSpec {
    name: "retailer.case-events",
    consumer: Service::Retailer,
    bindings: &[
        (Service::Logistics, JobScheduledV1::TYPE),
        (Service::Logistics, JobCompletedV1::TYPE),
        (Service::Logistics, JobFailedV1::TYPE),
        (Service::Manufacturer, ClaimDecidedV1::TYPE),
    ],
};

/// Every queue of the system. Each service declares all of them at start, so that a message
/// published before its consumer ever ran is still routed (publishes are `mandatory`).
pub const QUEUES: [QueueSpec; 3] = [LOGISTICS_SWAPS, MANUFACTURER_CLAIMS, RETAILER_CASE_EVENTS];

/// The queues one service consumes.
pub fn queues_of(service: Service) -> impl Iterator<Item = &'static QueueSpec> {
    QUEUES.iter().filter(move |q| q.consumer == service)
}
