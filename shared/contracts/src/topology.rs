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
use crate::carriers::{
    CarrierContractAcceptedV1, CarrierContractDeclinedV1, CarrierContractEndedV1,
    CarrierContractOfferedV1, CarrierProfilePublishedV1,
};
use crate::logistics::{
    CustomerErasedV1, JobCancelRefusedV1, JobCancelledV1, JobCompletedV1, JobCorrectedV1,
    JobCorrectionRefusedV1, JobDeliveredV1, JobFailedV1, JobOnTheWayV1, JobScheduledV1,
    ReturnArrivedV1, SlotsAnnouncedV1, UnitCollectedV1,
};
use crate::manufacturer::{
    AgreementPublishedV1, ClaimAcknowledgedV1, ClaimDecidedV1, ClaimInformationRequestedV1,
    ClaimInspectedV1, ClaimNotAcceptedV1, CreditNoteIssuedV1, ReturnRequestedV1, ReturnWithdrawnV1,
};
use crate::partners::{
    AgreementAcceptedV1, ManufacturerPartnerChangedV1, ManufacturerProfileV1,
    RetailerPartnerChangedV1, RetailerProfileV1,
};
use crate::retailer::{
    ClaimDisputedV1, ClaimEvidenceAddedV1, ClaimInformationProvidedV1, ClaimSubmittedV1,
    ClaimWithdrawnV1, CustomerErasureRequestedV1, SwapApprovedV1, SwapCancelRequestedV1,
    SwapCorrectionRequestedV1, SwapCustomerAnsweredV1,
};
use crate::sales::SalesReportedV1;

pub const LOGISTICS_SWAPS: QueueSpec = QueueSpec {
    name: "logistics.swaps",
    consumer: Service::Logistics,
    bindings: &[
        (Service::Retailer, SwapApprovedV1::TYPE),
        // A cancellation or a correction travels on the swap's own queue, behind its approval.
        (Service::Retailer, SwapCancelRequestedV1::TYPE),
        (Service::Retailer, SwapCorrectionRequestedV1::TYPE),
        // The customer's answer on the status page (issue 13), behind the swap's approval.
        (Service::Retailer, SwapCustomerAnsweredV1::TYPE),
        // An erasure travels behind the swap's messages too, so it never overtakes them.
        (Service::Retailer, CustomerErasureRequestedV1::TYPE),
    ],
};

/// Units the manufacturer wants back: logistics adds them to a return shipment.
pub const LOGISTICS_RETURNS: QueueSpec = QueueSpec {
    name: "logistics.returns",
    consumer: Service::Logistics,
    bindings: &[
        (Service::Manufacturer, ReturnRequestedV1::TYPE),
        (Service::Manufacturer, ReturnWithdrawnV1::TYPE),
    ],
};

/// Everything that happens to a claim on the manufacturer's side comes through here, so one
/// consumer sees a claim's messages in order of arrival.
pub const MANUFACTURER_CLAIMS: QueueSpec = QueueSpec {
    name: "manufacturer.claims",
    consumer: Service::Manufacturer,
    bindings: &[
        (Service::Retailer, ClaimSubmittedV1::TYPE),
        (Service::Retailer, ClaimEvidenceAddedV1::TYPE),
        (Service::Retailer, ClaimDisputedV1::TYPE),
        (Service::Logistics, ReturnArrivedV1::TYPE),
        (Service::Retailer, ClaimWithdrawnV1::TYPE),
        (Service::Retailer, ClaimInformationProvidedV1::TYPE),
        // Partner links (issue 18) travel with the claims, so a link arrives before the claims
        // that follow it and an unlink before the claims refused after it.
        (Service::Retailer, RetailerProfileV1::TYPE),
        (Service::Retailer, RetailerPartnerChangedV1::TYPE),
        (Service::Retailer, AgreementAcceptedV1::TYPE),
        // Units sold per product and month (issue 12): behind the link that allows them.
        (Service::Retailer, SalesReportedV1::TYPE),
    ],
};

/// What the case timeline shows: every step of the visit and of the claim.
pub const RETAILER_CASE_EVENTS: QueueSpec = QueueSpec {
    name: "retailer.case-events",
    consumer: Service::Retailer,
    bindings: &[
        (Service::Logistics, JobScheduledV1::TYPE),
        (Service::Logistics, JobOnTheWayV1::TYPE),
        (Service::Logistics, JobDeliveredV1::TYPE),
        (Service::Logistics, UnitCollectedV1::TYPE),
        (Service::Logistics, JobCompletedV1::TYPE),
        (Service::Logistics, JobFailedV1::TYPE),
        (Service::Logistics, ReturnArrivedV1::TYPE),
        (Service::Manufacturer, ClaimDecidedV1::TYPE),
        (Service::Manufacturer, ReturnRequestedV1::TYPE),
        (Service::Manufacturer, ClaimInspectedV1::TYPE),
        (Service::Logistics, JobCancelledV1::TYPE),
        (Service::Logistics, JobCancelRefusedV1::TYPE),
        (Service::Logistics, JobCorrectedV1::TYPE),
        (Service::Logistics, JobCorrectionRefusedV1::TYPE),
        (Service::Manufacturer, ReturnWithdrawnV1::TYPE),
        (Service::Manufacturer, ClaimInformationRequestedV1::TYPE),
        (Service::Manufacturer, ClaimNotAcceptedV1::TYPE),
        (Service::Manufacturer, ClaimAcknowledgedV1::TYPE),
        // Logistics' answer to an erasure request: recorded on the retailer's erasure record.
        (Service::Logistics, CustomerErasedV1::TYPE),
    ],
};

/// The retailer's side of the business relationship: agreement versions (for the desk's
/// entitlement view) and credit notes (for the recovery ledger).
pub const RETAILER_SETTLEMENT: QueueSpec = QueueSpec {
    name: "retailer.settlement",
    consumer: Service::Retailer,
    bindings: &[
        (Service::Manufacturer, AgreementPublishedV1::TYPE),
        (Service::Manufacturer, CreditNoteIssuedV1::TYPE),
        // Partner links (issue 18): the manufacturer's profile and its side of each link.
        (Service::Manufacturer, ManufacturerProfileV1::TYPE),
        (Service::Manufacturer, ManufacturerPartnerChangedV1::TYPE),
    ],
};

/// A retailer's contract offers and their end, for the carrier's consent (issue 18): offer and
/// end of one contract travel on one queue, in order.
pub const LOGISTICS_CONTRACTS: QueueSpec = QueueSpec {
    name: "logistics.contracts",
    consumer: Service::Logistics,
    bindings: &[
        (Service::Retailer, CarrierContractOfferedV1::TYPE),
        (Service::Retailer, CarrierContractEndedV1::TYPE),
    ],
};

/// The carriers' public profiles (the retailer's carrier directory) and the carriers' answers
/// to its contract offers.
pub const RETAILER_CARRIERS: QueueSpec = QueueSpec {
    name: "retailer.carriers",
    consumer: Service::Retailer,
    bindings: &[
        (Service::Logistics, CarrierProfilePublishedV1::TYPE),
        (Service::Logistics, CarrierContractAcceptedV1::TYPE),
        (Service::Logistics, CarrierContractDeclinedV1::TYPE),
        // The room the carriers' crews have per window and day (issue 13): the swap form
        // offers only windows with room.
        (Service::Logistics, SlotsAnnouncedV1::TYPE),
    ],
};

/// Every queue of the system. Each service declares all of them at start, so that a message
/// published before its consumer ever ran is still routed (publishes are `mandatory`).
pub const QUEUES: [QueueSpec; 7] = [
    LOGISTICS_SWAPS,
    LOGISTICS_RETURNS,
    MANUFACTURER_CLAIMS,
    RETAILER_CASE_EVENTS,
    RETAILER_SETTLEMENT,
    LOGISTICS_CONTRACTS,
    RETAILER_CARRIERS,
];

/// The queues one service consumes.
pub fn queues_of(service: Service) -> impl Iterator<Item = &'static QueueSpec> {
    QUEUES.iter().filter(move |q| q.consumer == service)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_routing_key_names_its_producer_and_is_bound_once_per_queue() {
        for q in QUEUES {
            let mut seen = std::collections::HashSet::new();
            for (producer, key) in q.bindings {
                assert!(key.starts_with(&format!("{}.", producer.name())), "{key}");
                assert!(seen.insert(*key), "{key} bound twice to {}", q.name);
            }
        }
    }
}
