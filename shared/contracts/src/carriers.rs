//! The carrier-contract exchange (issue 18), both directions in one module so the handshake reads
//! in one place: logistics announces each carrier's public profile
//! (`logistics.carrier.profile_published.v1`, event-carried state the retailer keeps in its
//! carrier directory); a retailer offers a contract (`retailer.carrier_contract.offered.v1`);
//! logistics answers with the carrier's consent (`logistics.carrier_contract.accepted.v1`) or a
//! refusal (`logistics.carrier_contract.declined.v1`, the carrier's or a business reason); the
//! retailer may end it (`retailer.carrier_contract.ended.v1`), which stops new jobs only.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::Event;
use crate::ids::{CarrierContractId, CarrierId, RetailerId};
use crate::topology::Service;

/// `logistics.carrier.profile_published.v1`: a carrier's public profile as it is now (made, or
/// its regions granted anew by the operator). A receiver keeps the newest by `published_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarrierProfilePublishedV1 {
    pub carrier_id: CarrierId,
    pub name: String,
    /// The postcode prefixes the operator granted the carrier (upper-case, in order).
    pub regions: Vec<String>,
    pub published_at: DateTime<Utc>,
}

impl Event for CarrierProfilePublishedV1 {
    const TYPE: &'static str = "logistics.carrier.profile_published.v1";
    const PRODUCER: Service = Service::Logistics;
    fn subject(&self) -> String {
        self.carrier_id.to_string()
    }
}

/// `retailer.carrier_contract.offered.v1`: a retailer offers a carrier its jobs in the postcode
/// regions `postcode_prefixes`, on `weekdays` (ISO: 1 = Monday … 7 = Sunday; empty: every day),
/// at most `daily_capacity` visits a day (none: no cap). Nothing routes until the carrier accepts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarrierContractOfferedV1 {
    pub contract_id: CarrierContractId,
    pub retailer_id: RetailerId,
    /// The retailer's name, for the carrier's list of offers.
    pub retailer_name: String,
    pub carrier_id: CarrierId,
    pub postcode_prefixes: Vec<String>,
    #[serde(default)]
    pub weekdays: Vec<u8>,
    #[serde(default)]
    pub daily_capacity: Option<u32>,
    pub offered_at: DateTime<Utc>,
}

impl Event for CarrierContractOfferedV1 {
    const TYPE: &'static str = "retailer.carrier_contract.offered.v1";
    const PRODUCER: Service = Service::Retailer;
    fn subject(&self) -> String {
        self.contract_id.to_string()
    }
}

/// `logistics.carrier_contract.accepted.v1`: the carrier consented; from now on the retailer's
/// jobs in the contract's regions and days are routed to its crews.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarrierContractAcceptedV1 {
    pub contract_id: CarrierContractId,
    pub retailer_id: RetailerId,
    pub carrier_id: CarrierId,
    /// Who consented: "carrier token «name»" or "operator".
    pub accepted_by: String,
    pub accepted_at: DateTime<Utc>,
}

impl Event for CarrierContractAcceptedV1 {
    const TYPE: &'static str = "logistics.carrier_contract.accepted.v1";
    const PRODUCER: Service = Service::Logistics;
    fn subject(&self) -> String {
        self.contract_id.to_string()
    }
}

/// `logistics.carrier_contract.declined.v1`: the offer will not become a contract. `reason`:
/// `declined` (by the carrier), `unknown_carrier`, `outside_regions` (prefixes the operator
/// did not grant the carrier).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarrierContractDeclinedV1 {
    pub contract_id: CarrierContractId,
    pub retailer_id: RetailerId,
    pub carrier_id: CarrierId,
    pub reason: String,
    #[serde(default)]
    pub detail: Option<String>,
    pub declined_at: DateTime<Utc>,
}

impl Event for CarrierContractDeclinedV1 {
    const TYPE: &'static str = "logistics.carrier_contract.declined.v1";
    const PRODUCER: Service = Service::Logistics;
    fn subject(&self) -> String {
        self.contract_id.to_string()
    }
}

/// `retailer.carrier_contract.ended.v1`: the retailer ended the contract. New jobs stop; the
/// jobs already on the carrier's crews stay there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarrierContractEndedV1 {
    pub contract_id: CarrierContractId,
    pub retailer_id: RetailerId,
    pub carrier_id: CarrierId,
    pub ended_by: String,
    pub ended_at: DateTime<Utc>,
}

impl Event for CarrierContractEndedV1 {
    const TYPE: &'static str = "retailer.carrier_contract.ended.v1";
    const PRODUCER: Service = Service::Retailer;
    fn subject(&self) -> String {
        self.contract_id.to_string()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn an_offer_without_days_or_capacity_reads_as_every_day_without_a_cap() {
        let offer: CarrierContractOfferedV1 = serde_json::from_value(json!({
            "contract_id": "0190d7a8-0000-7000-8000-000000000001",
            "retailer_id": "0190d7a8-0000-7000-8000-000000000002",
            "retailer_name": "Elektro Maier",
            "carrier_id": "0190d7a8-0000-7000-8000-000000000003",
            "postcode_prefixes": ["10"],
            "offered_at": "2026-12-04T09:00:00Z"
        }))
        .unwrap();
        assert!(offer.weekdays.is_empty());
        assert_eq!(offer.daily_capacity, None);
    }
}
