//! What happens to a claim after the swap: evidence from the visit, the unit requested back and
//! arriving at the manufacturer's depot, its inspection, a dispute, and the credit note.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Event;
use crate::agreement::EvidenceKind;
use crate::events::{Address, ProductRef};
use crate::money::Money;
use crate::topology::Service;

/// A photo carried inside a message (services share no storage). At most 5 MiB before encoding;
/// `sha256` (lower-case hex) is of the decoded bytes, so a receiver can check what it got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Photo {
    /// `image/jpeg`, `image/png` or `image/webp`.
    pub content_type: String,
    pub sha256: String,
    pub size_bytes: u64,
    /// The bytes, standard base64 with padding.
    pub data_base64: String,
}

/// One piece of evidence on a claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimEvidence {
    /// Stable id: the same evidence forwarded twice is stored once.
    pub evidence_id: Uuid,
    pub kind: EvidenceKind,
    /// The serial read off the unit, where the evidence is about one.
    #[serde(default)]
    pub serial: Option<String>,
    /// Whether `serial` is the serial the claim names.
    #[serde(default)]
    pub serial_matches: Option<bool>,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub photo: Option<Photo>,
    /// When it was observed (e.g. when the crew collected the unit).
    pub observed_at: DateTime<Utc>,
}

/// `retailer.claim.evidence_added.v1`: evidence for a claim, forwarded by the retailer's case
/// (e.g. the collected unit's serial, photo and time from the crew).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimEvidenceAddedV1 {
    pub claim_id: Uuid,
    pub swap_id: Uuid,
    pub case_id: Uuid,
    pub retailer_id: Uuid,
    pub manufacturer_id: Uuid,
    pub evidence: ClaimEvidence,
}

impl Event for ClaimEvidenceAddedV1 {
    const TYPE: &'static str = "retailer.claim.evidence_added.v1";
    const PRODUCER: Service = Service::Retailer;
    fn subject(&self) -> String {
        self.claim_id.to_string()
    }
}

/// `retailer.claim.disputed.v1`: the retailer disputes a rejected claim (once), with a statement
/// and any evidence; the manufacturer decides it again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimDisputedV1 {
    pub claim_id: Uuid,
    pub swap_id: Uuid,
    pub case_id: Uuid,
    pub retailer_id: Uuid,
    pub manufacturer_id: Uuid,
    pub statement: String,
    #[serde(default)]
    pub evidence: Vec<ClaimEvidence>,
    pub disputed_by: String,
    pub disputed_at: DateTime<Utc>,
}

impl Event for ClaimDisputedV1 {
    const TYPE: &'static str = "retailer.claim.disputed.v1";
    const PRODUCER: Service = Service::Retailer;
    fn subject(&self) -> String {
        self.claim_id.to_string()
    }
}

/// Who pays the freight of a unit sent back to the manufacturer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FreightPayer {
    Manufacturer,
    Retailer,
}

impl FreightPayer {
    pub fn as_str(self) -> &'static str {
        match self {
            FreightPayer::Manufacturer => "manufacturer",
            FreightPayer::Retailer => "retailer",
        }
    }
}

/// A manufacturer's depot that takes units back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Depot {
    pub depot_id: Uuid,
    pub name: String,
    pub address: Address,
}

/// `manufacturer.claim.return_requested.v1`: the manufacturer wants the collected unit back at a
/// depot by a deadline. Logistics adds it to a return shipment for that manufacturer and depot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReturnRequestedV1 {
    pub claim_id: Uuid,
    pub swap_id: Uuid,
    pub case_id: Uuid,
    pub retailer_id: Uuid,
    pub manufacturer_id: Uuid,
    pub serial: String,
    pub product: ProductRef,
    pub depot: Depot,
    pub return_by: DateTime<Utc>,
    pub freight_paid_by: FreightPayer,
    pub requested_at: DateTime<Utc>,
}

impl Event for ReturnRequestedV1 {
    const TYPE: &'static str = "manufacturer.claim.return_requested.v1";
    const PRODUCER: Service = Service::Manufacturer;
    fn subject(&self) -> String {
        self.claim_id.to_string()
    }
}

/// `logistics.return.arrived.v1`: a unit requested back arrived at the manufacturer's depot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReturnArrivedV1 {
    pub claim_id: Uuid,
    pub swap_id: Uuid,
    pub case_id: Uuid,
    pub retailer_id: Uuid,
    pub manufacturer_id: Uuid,
    pub depot_id: Uuid,
    /// The return shipment (one trip per manufacturer and depot) it travelled in.
    pub shipment_id: Uuid,
    pub serial: String,
    pub received_by: String,
    pub arrived_at: DateTime<Utc>,
}

impl Event for ReturnArrivedV1 {
    const TYPE: &'static str = "logistics.return.arrived.v1";
    const PRODUCER: Service = Service::Logistics;
    fn subject(&self) -> String {
        self.claim_id.to_string()
    }
}

/// What the manufacturer found when it inspected a returned unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InspectionResult {
    DefectConfirmed,
    NoFaultFound,
    CustomerDamage,
    NotTheClaimedUnit,
}

impl InspectionResult {
    pub const ALL: [InspectionResult; 4] = [
        InspectionResult::DefectConfirmed,
        InspectionResult::NoFaultFound,
        InspectionResult::CustomerDamage,
        InspectionResult::NotTheClaimedUnit,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            InspectionResult::DefectConfirmed => "defect_confirmed",
            InspectionResult::NoFaultFound => "no_fault_found",
            InspectionResult::CustomerDamage => "customer_damage",
            InspectionResult::NotTheClaimedUnit => "not_the_claimed_unit",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// `manufacturer.claim.inspected.v1`: the inspection result of a returned unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimInspectedV1 {
    pub claim_id: Uuid,
    pub swap_id: Uuid,
    pub case_id: Uuid,
    pub retailer_id: Uuid,
    pub manufacturer_id: Uuid,
    pub result: InspectionResult,
    #[serde(default)]
    pub note: Option<String>,
    pub inspected_at: DateTime<Utc>,
}

impl Event for ClaimInspectedV1 {
    const TYPE: &'static str = "manufacturer.claim.inspected.v1";
    const PRODUCER: Service = Service::Manufacturer;
    fn subject(&self) -> String {
        self.claim_id.to_string()
    }
}

/// One claim credited on a credit note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditLine {
    pub claim_id: Uuid,
    pub swap_id: Uuid,
    pub case_id: Uuid,
    pub amount: Money,
}

/// The period a batched credit note covers (decisions from `from` inclusive to `to` exclusive).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// `manufacturer.credit_note.issued.v1`: accepted amounts credited to a retailer, one claim or a
/// period's batch. `total` is the sum of the lines, all in one currency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreditNoteIssuedV1 {
    pub credit_note_id: Uuid,
    /// The manufacturer's document number, unique per manufacturer.
    pub number: String,
    pub manufacturer_id: Uuid,
    pub retailer_id: Uuid,
    #[serde(default)]
    pub period: Option<Period>,
    pub lines: Vec<CreditLine>,
    pub total: Money,
    pub issued_at: DateTime<Utc>,
}

impl Event for CreditNoteIssuedV1 {
    const TYPE: &'static str = "manufacturer.credit_note.issued.v1";
    const PRODUCER: Service = Service::Manufacturer;
    fn subject(&self) -> String {
        self.credit_note_id.to_string()
    }
}
