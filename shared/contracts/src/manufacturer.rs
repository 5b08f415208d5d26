//! What the manufacturer publishes (`manufacturer.*`): its agreements' versions, its decision on
//! a claim, a unit requested back and its inspection, and the credit note.

use crate::ids::{
    AgreementId, CaseId, ClaimId, CreditNoteId, DepotId, ManufacturerId, RetailerId, SwapId,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::Event;
use crate::address::Address;
use crate::agreement::AgreementTermsV1;
use crate::money::Money;
use crate::retailer::ProductRef;
use crate::topology::Service;

/// `manufacturer.agreement.published.v1`: a version of an agreement, in force from `valid_from`
/// until a later version's `valid_from`. Versions are numbered from 1 per agreement; a consumer
/// keeps every version, since a claim is judged by the version in force on the swap date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgreementPublishedV1 {
    pub agreement_id: AgreementId,
    pub version: u32,
    pub manufacturer_id: ManufacturerId,
    pub manufacturer_name: String,
    pub retailer_id: RetailerId,
    pub valid_from: DateTime<Utc>,
    pub terms: AgreementTermsV1,
    pub published_at: DateTime<Utc>,
}

impl Event for AgreementPublishedV1 {
    const TYPE: &'static str = "manufacturer.agreement.published.v1";
    const PRODUCER: Service = Service::Manufacturer;
    fn subject(&self) -> String {
        self.agreement_id.to_string()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimOutcome {
    Accepted,
    PartlyAccepted,
    Rejected,
}

impl ClaimOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            ClaimOutcome::Accepted => "accepted",
            ClaimOutcome::PartlyAccepted => "partly_accepted",
            ClaimOutcome::Rejected => "rejected",
        }
    }
}

/// Who decided a claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DecidedBy {
    /// Auto-adjudication by a rule of the agreement.
    Rule { rule: String },
    /// The manufacturer's system (or a person there).
    Manufacturer,
}

/// `manufacturer.claim.decided.v1`: the manufacturer's decision with the amount it will credit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimDecidedV1 {
    pub claim_id: ClaimId,
    pub swap_id: SwapId,
    pub case_id: CaseId,
    pub retailer_id: RetailerId,
    pub manufacturer_id: ManufacturerId,
    pub outcome: ClaimOutcome,
    /// What the manufacturer will credit (zero for a rejection).
    pub amount: Money,
    #[serde(default)]
    pub reason_code: Option<String>,
    pub decided_by: DecidedBy,
    pub decided_at: DateTime<Utc>,
    /// The agreement version that judged the claim (absent in older messages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agreement_version: Option<u32>,
    /// What the amount is made of, line by line, net of VAT, where a swap rule gave lines
    /// (absent: one undivided amount).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cost_lines: Vec<crate::swap_rules::CostLine>,
}

impl Event for ClaimDecidedV1 {
    const TYPE: &'static str = "manufacturer.claim.decided.v1";
    const PRODUCER: Service = Service::Manufacturer;
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
    pub depot_id: DepotId,
    pub name: String,
    pub address: Address,
}

/// `manufacturer.claim.return_requested.v1`: the manufacturer wants the collected unit back at a
/// depot by a deadline. Logistics adds it to a return shipment for that manufacturer and depot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReturnRequestedV1 {
    pub claim_id: ClaimId,
    pub swap_id: SwapId,
    pub case_id: CaseId,
    pub retailer_id: RetailerId,
    pub manufacturer_id: ManufacturerId,
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

/// `manufacturer.claim.return_withdrawn.v1`: the manufacturer no longer wants the unit back (it
/// decided the claim without it, or the claim's `return_by` passed before the unit reached the
/// depot). Logistics removes the return item unless the unit already travels (then it simply
/// arrives); the retailer's timeline shows it. A compensating event of
/// [`ReturnRequestedV1`]: same claim, applied once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReturnWithdrawnV1 {
    pub claim_id: ClaimId,
    pub swap_id: SwapId,
    pub case_id: CaseId,
    pub retailer_id: RetailerId,
    pub manufacturer_id: ManufacturerId,
    pub serial: String,
    /// `decided` (the manufacturer decided without the unit) or `return_by_passed` (the unit
    /// was not at the depot by its `return_by`; the agreement's default outcome was applied).
    pub reason: String,
    pub withdrawn_at: DateTime<Utc>,
}

impl Event for ReturnWithdrawnV1 {
    const TYPE: &'static str = "manufacturer.claim.return_withdrawn.v1";
    const PRODUCER: Service = Service::Manufacturer;
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
    pub claim_id: ClaimId,
    pub swap_id: SwapId,
    pub case_id: CaseId,
    pub retailer_id: RetailerId,
    pub manufacturer_id: ManufacturerId,
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
    pub claim_id: ClaimId,
    pub swap_id: SwapId,
    pub case_id: CaseId,
    /// Net of VAT.
    pub amount: Money,
    /// The VAT on `amount` (issue 12; rounded half-up per line); absent from notes issued
    /// before, or when the retailer's country was not known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat: Option<Money>,
    /// What `amount` is made of, where a swap rule gave lines that add up to it (net).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cost_lines: Vec<crate::swap_rules::CostLine>,
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
    pub credit_note_id: CreditNoteId,
    /// The manufacturer's document number, unique per manufacturer.
    pub number: String,
    pub manufacturer_id: ManufacturerId,
    pub retailer_id: RetailerId,
    #[serde(default)]
    pub period: Option<Period>,
    pub lines: Vec<CreditLine>,
    /// Net of VAT: the sum of the lines' amounts.
    pub total: Money,
    pub issued_at: DateTime<Utc>,
    /// Net, VAT rate, VAT and gross by the retailer's country (issue 12); absent from notes
    /// issued before. Its VAT is the sum of the lines' `vat`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat: Option<crate::vat::CreditNoteVatV1>,
}

impl Event for CreditNoteIssuedV1 {
    const TYPE: &'static str = "manufacturer.credit_note.issued.v1";
    const PRODUCER: Service = Service::Manufacturer;
    fn subject(&self) -> String {
        self.credit_note_id.to_string()
    }
}

/// `manufacturer.claim.information_requested.v1`: the manufacturer sends the claim back to the
/// retailer with a question; the retailer answers by `answer_by`
/// ([`ClaimInformationProvidedV1`](crate::ClaimInformationProvidedV1)), else the manufacturer
/// rejects the claim with reason `no_information`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimInformationRequestedV1 {
    pub claim_id: ClaimId,
    pub swap_id: SwapId,
    pub case_id: CaseId,
    pub retailer_id: RetailerId,
    pub manufacturer_id: ManufacturerId,
    pub question: String,
    pub answer_by: DateTime<Utc>,
    pub requested_at: DateTime<Utc>,
}

impl Event for ClaimInformationRequestedV1 {
    const TYPE: &'static str = "manufacturer.claim.information_requested.v1";
    const PRODUCER: Service = Service::Manufacturer;
    fn subject(&self) -> String {
        self.claim_id.to_string()
    }
}
/// Why the manufacturer could not take a message about a claim (a business reason: the message
/// itself was well-formed). A reason this version does not know reads as `Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotAcceptedReason {
    /// The claim names a manufacturer the manufacturer service does not know.
    UnknownManufacturer,
    /// No agreement between the retailer and the manufacturer was in force on the swap date.
    NoAgreement,
    /// Evidence or a dispute for a claim the manufacturer does not know (after the claim had
    /// its chance to arrive).
    UnknownClaim,
    /// The retailer and the manufacturer are not linked partners (issue 18): a claim filed
    /// after an unlink, or one that crossed it.
    NotLinked,
    #[serde(other)]
    Other,
}

impl NotAcceptedReason {
    pub fn as_str(self) -> &'static str {
        match self {
            NotAcceptedReason::UnknownManufacturer => "unknown_manufacturer",
            NotAcceptedReason::NoAgreement => "no_agreement",
            NotAcceptedReason::UnknownClaim => "unknown_claim",
            NotAcceptedReason::NotLinked => "not_linked",
            NotAcceptedReason::Other => "other",
        }
    }
}

/// `manufacturer.claim.not_accepted.v1`: the answer to a retailer's message about a claim that
/// the manufacturer cannot apply for a business reason — a claim for a manufacturer it does not
/// know or without an agreement (the claim is not recorded), evidence or a dispute for a claim
/// it does not know. The retailer puts the claim back into its own hands. `answers` is the type
/// of the message answered, `answered_message_id` its id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimNotAcceptedV1 {
    pub claim_id: ClaimId,
    pub swap_id: SwapId,
    pub case_id: CaseId,
    pub retailer_id: RetailerId,
    pub manufacturer_id: ManufacturerId,
    pub reason: NotAcceptedReason,
    pub detail: String,
    pub answers: String,
    pub answered_message_id: uuid::Uuid,
    pub not_accepted_at: DateTime<Utc>,
}

impl Event for ClaimNotAcceptedV1 {
    const TYPE: &'static str = "manufacturer.claim.not_accepted.v1";
    const PRODUCER: Service = Service::Manufacturer;
    fn subject(&self) -> String {
        self.claim_id.to_string()
    }
}
/// `manufacturer.claim.acknowledged.v1`: the manufacturer recorded the claim and decides it by
/// `decision_due_at` at the latest (the agreement's default outcome applies then). Sent again
/// with the new deadline when a dispute or a returned unit's arrival opens the decision again.
/// Only for a claim left to decide with a deadline (one accepted by rule is decided at once).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimAcknowledgedV1 {
    pub claim_id: ClaimId,
    pub swap_id: SwapId,
    pub case_id: CaseId,
    pub retailer_id: RetailerId,
    pub manufacturer_id: ManufacturerId,
    pub decision_due_at: DateTime<Utc>,
    pub acknowledged_at: DateTime<Utc>,
}

impl Event for ClaimAcknowledgedV1 {
    const TYPE: &'static str = "manufacturer.claim.acknowledged.v1";
    const PRODUCER: Service = Service::Manufacturer;
    fn subject(&self) -> String {
        self.claim_id.to_string()
    }
}
