//! What the retailer publishes (`retailer.*`): the approved swap, the recourse claim filed with
//! it, evidence forwarded from the visit, and a dispute of a rejected claim. Events carry ids and
//! the facts a consumer needs to act without calling back (services never call each other), not
//! whole aggregates.

use crate::ids::{CaseId, ClaimId, LocationId, ManufacturerId, RetailerId, SwapId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Event;
use crate::address::{Address, TimeWindow};
use crate::agreement::EvidenceKind;
use crate::blob::BlobKey;
use crate::money::Money;
use crate::topology::Service;

/// A product as the retailer sells it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductRef {
    pub sku: String,
    pub name: String,
    pub manufacturer_id: ManufacturerId,
}

/// `retailer.swap.approved.v1`: staff approved swapping a defective unit. Logistics turns it into
/// one visit: deliver the replacement, collect the defective unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SwapApprovedV1 {
    pub swap_id: SwapId,
    pub case_id: CaseId,
    pub retailer_id: RetailerId,
    pub defective_serial: String,
    pub defective_product: ProductRef,
    pub replacement_product: ProductRef,
    pub delivery_address: Address,
    pub window: TimeWindow,
    pub approved_by: String,
    pub approved_at: DateTime<Utc>,
    /// Where the crew picks the replacement up (the stock location it was reserved at), where
    /// the retailer keeps stock in Kümmerer.
    #[serde(default)]
    pub replacement_from: Option<StockPickup>,
    /// A manager booked the window although no crew had room left in it (issue 13): logistics
    /// assigns the visit to a crew anyway. Absent: false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub overbooked: bool,
}

impl Event for SwapApprovedV1 {
    const TYPE: &'static str = "retailer.swap.approved.v1";
    const PRODUCER: Service = Service::Retailer;
    fn subject(&self) -> String {
        self.swap_id.to_string()
    }
}

/// A retailer's stock location the replacement is reserved at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockPickup {
    pub location_id: LocationId,
    pub name: String,
    pub address: Address,
}

/// `retailer.claim.submitted.v1`: the recourse claim against the manufacturer, filed in the same
/// transaction as the swap approval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimSubmittedV1 {
    pub claim_id: ClaimId,
    pub swap_id: SwapId,
    pub case_id: CaseId,
    pub retailer_id: RetailerId,
    pub manufacturer_id: ManufacturerId,
    pub serial: String,
    pub product: ProductRef,
    pub price_paid: Money,
    /// The product's list price in the retailer's catalogue when the claim was filed (absent
    /// in messages from before it was carried: read as unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list_price: Option<Money>,
    pub sold_at: DateTime<Utc>,
    pub swapped_at: DateTime<Utc>,
    pub defect_category: String,
    pub defect_description: String,
}

impl Event for ClaimSubmittedV1 {
    const TYPE: &'static str = "retailer.claim.submitted.v1";
    const PRODUCER: Service = Service::Retailer;
    fn subject(&self) -> String {
        self.claim_id.to_string()
    }
}

/// A photo in a message: by claim-check, its bytes stored once in the blob store the services
/// share and `key` naming them ([`crate::blob`]), or — in messages from before the claim-check —
/// the bytes inline in `data_base64`. Exactly one of the two is set. At most 5 MiB; `sha256`
/// (lower-case hex) and `size_bytes` are of the bytes, so a receiver checks what it fetched or
/// decoded.
///
/// Versioning: `key` is a new optional field and `data_base64` became optional (no `…V2`
/// types): messages already in flight (inline bytes) still parse, and a consumer that predates
/// the claim-check cannot parse a message without `data_base64`, so it dead-letters it (to be
/// moved back once it is upgraded) instead of silently taking evidence without its photo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Photo {
    /// `image/jpeg`, `image/png` or `image/webp`.
    pub content_type: String,
    pub sha256: String,
    pub size_bytes: u64,
    /// The bytes in the blob store (a shape-checked key: parsing refuses any other string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<BlobKey>,
    /// The bytes, standard base64 with padding (messages from before the claim-check only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_base64: Option<String>,
}

/// Where a [`Photo`]'s bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoBytes<'a> {
    /// In the blob store under this key.
    Stored(&'a BlobKey),
    /// Inline, standard base64.
    Inline(&'a str),
}

impl Photo {
    /// A photo by claim-check: its bytes are in the blob store under `key`.
    pub fn stored(content_type: &str, sha256: &str, size_bytes: u64, key: BlobKey) -> Photo {
        Photo {
            content_type: content_type.to_owned(),
            sha256: sha256.to_owned(),
            size_bytes,
            key: Some(key),
            data_base64: None,
        }
    }

    /// Where the bytes are; an error when the message names both places or neither, or a key
    /// made for other content than `sha256` says.
    pub fn bytes(&self) -> Result<PhotoBytes<'_>, &'static str> {
        match (&self.key, &self.data_base64) {
            (Some(key), None) if key.sha256().eq_ignore_ascii_case(&self.sha256) => {
                Ok(PhotoBytes::Stored(key))
            }
            (Some(_), None) => Err("the photo's key was made for other content than its sha256"),
            (None, Some(data)) => Ok(PhotoBytes::Inline(data)),
            (Some(_), Some(_)) => Err("the photo has both a key and inline bytes"),
            (None, None) => Err("the photo has neither a key nor inline bytes"),
        }
    }
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
    pub claim_id: ClaimId,
    pub swap_id: SwapId,
    pub case_id: CaseId,
    pub retailer_id: RetailerId,
    pub manufacturer_id: ManufacturerId,
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
    pub claim_id: ClaimId,
    pub swap_id: SwapId,
    pub case_id: CaseId,
    pub retailer_id: RetailerId,
    pub manufacturer_id: ManufacturerId,
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

/// `retailer.swap.cancel_requested.v1`: staff (a manager, or an integration key) asked to cancel
/// a swap approved by mistake. Logistics cancels the job while the crew has not set off and
/// answers `logistics.job.cancelled.v1`, or refuses with `logistics.job.cancel_refused.v1`. The
/// first step of a saga: the retailer releases the stock and withdraws the claim only on the
/// answer `cancelled`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SwapCancelRequestedV1 {
    pub swap_id: SwapId,
    pub case_id: CaseId,
    pub retailer_id: RetailerId,
    pub reason: String,
    pub requested_by: String,
    pub requested_at: DateTime<Utc>,
}

impl Event for SwapCancelRequestedV1 {
    const TYPE: &'static str = "retailer.swap.cancel_requested.v1";
    const PRODUCER: Service = Service::Retailer;
    fn subject(&self) -> String {
        self.swap_id.to_string()
    }
}

/// `retailer.claim.withdrawn.v1`: the swap behind the claim was cancelled, so the retailer claims
/// nothing. The manufacturer closes an open claim without credit; a claim already decided is
/// closed too, and one already credited keeps its credit note and is marked withdrawn for the
/// ledger (the credit is owed back).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimWithdrawnV1 {
    pub claim_id: ClaimId,
    pub swap_id: SwapId,
    pub case_id: CaseId,
    pub retailer_id: RetailerId,
    pub manufacturer_id: ManufacturerId,
    pub reason: String,
    pub withdrawn_at: DateTime<Utc>,
}

impl Event for ClaimWithdrawnV1 {
    const TYPE: &'static str = "retailer.claim.withdrawn.v1";
    const PRODUCER: Service = Service::Retailer;
    fn subject(&self) -> String {
        self.claim_id.to_string()
    }
}
/// `retailer.claim.information_provided.v1`: the retailer's answer to the manufacturer's
/// question ([`ClaimInformationRequestedV1`](crate::ClaimInformationRequestedV1)); the claim goes
/// back to the manufacturer with a fresh decision deadline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimInformationProvidedV1 {
    pub claim_id: ClaimId,
    pub swap_id: SwapId,
    pub case_id: CaseId,
    pub retailer_id: RetailerId,
    pub manufacturer_id: ManufacturerId,
    pub answer: String,
    /// Who answered, as shown: the staff member's e-mail, or `API key «name»`.
    pub answered_by: String,
    pub answered_at: DateTime<Utc>,
}

impl Event for ClaimInformationProvidedV1 {
    const TYPE: &'static str = "retailer.claim.information_provided.v1";
    const PRODUCER: Service = Service::Retailer;
    fn subject(&self) -> String {
        self.claim_id.to_string()
    }
}

/// Who asked for a correction of the visit: the retailer's staff (at the desk or through an
/// integration key) or the customer (from the status link, issue 13).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequesterKind {
    Staff,
    Customer,
}

/// Who asked, as shown: the kind, and the staff member's e-mail, `API key «name»` or the
/// customer's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestedBy {
    pub kind: RequesterKind,
    pub label: String,
}

/// `retailer.swap.correction_requested.v1`: the delivery address and/or the window of a swap's
/// visit is to change before the visit (at least one of the two is set). Logistics applies it
/// while the crew has not set off and nothing is delivered or cancelled (re-routing the job when
/// the postcode or the day changes) and answers `logistics.job.corrected.v1`, or refuses with
/// `logistics.job.correction_refused.v1`; both name `correction_id`. The retailer shows the new
/// address and window only on the answer `corrected`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SwapCorrectionRequestedV1 {
    pub swap_id: SwapId,
    pub case_id: CaseId,
    pub retailer_id: RetailerId,
    /// Names this correction in the answer (idempotent per correction).
    pub correction_id: Uuid,
    #[serde(default)]
    pub address: Option<Address>,
    #[serde(default)]
    pub window: Option<TimeWindow>,
    pub requested_by: RequestedBy,
    pub reason: String,
    pub requested_at: DateTime<Utc>,
}

impl Event for SwapCorrectionRequestedV1 {
    const TYPE: &'static str = "retailer.swap.correction_requested.v1";
    const PRODUCER: Service = Service::Retailer;
    fn subject(&self) -> String {
        self.swap_id.to_string()
    }
}

/// What the customer said about the visit on the status page (issue 13).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomerAnswer {
    /// "I'll be home in this window."
    Confirmed,
    /// "I won't be home in this window" (perhaps with a note): the visit is off that window;
    /// a new date follows (the customer picks one, or the store arranges it).
    NotHome,
}

impl CustomerAnswer {
    pub fn as_str(self) -> &'static str {
        match self {
            CustomerAnswer::Confirmed => "confirmed",
            CustomerAnswer::NotHome => "not_home",
        }
    }
}

/// `retailer.swap.customer_answered.v1`: the customer confirmed the visit's `window` or said
/// they won't be home then (`note`: what they added, if anything). Logistics marks the job so
/// the crew and the dispatcher see it; `not_home` takes the visit off its crew (its room is
/// free again, announced with the slots) until a new window is agreed. `answer_id` is unique
/// per answer (a double submit is one answer). Nothing is answered back: a visit whose crew
/// already set off keeps going, and the history says the answer came late.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SwapCustomerAnsweredV1 {
    pub swap_id: SwapId,
    pub case_id: CaseId,
    pub retailer_id: RetailerId,
    pub answer_id: Uuid,
    pub answer: CustomerAnswer,
    /// The window the customer answered about.
    pub window: TimeWindow,
    #[serde(default)]
    pub note: Option<String>,
    pub answered_at: DateTime<Utc>,
}

impl Event for SwapCustomerAnsweredV1 {
    const TYPE: &'static str = "retailer.swap.customer_answered.v1";
    const PRODUCER: Service = Service::Retailer;
    fn subject(&self) -> String {
        self.swap_id.to_string()
    }
}

/// Why a customer's personal data are erased.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErasureReason {
    /// The customer asked (an admin on the desk, or an integration through the API).
    Request,
    /// The retailer's retention period after the case closed has passed (the sweep).
    Retention,
}

impl ErasureReason {
    pub fn as_str(self) -> &'static str {
        match self {
            ErasureReason::Request => "request",
            ErasureReason::Retention => "retention",
        }
    }
}

/// `retailer.customer.erasure_requested.v1`: the retailer erased a customer's personal data
/// (name, phone, street, notes, photos) of these cases and swaps; logistics erases its copy of
/// the jobs, their history, photos and outbox rows, and answers `logistics.customer.erased.v1`.
/// Ids only: the message itself carries nothing about the person. Idempotent: the same
/// `erasure_id` (or another one for the same swaps) erases nothing more.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerErasureRequestedV1 {
    pub erasure_id: Uuid,
    pub retailer_id: RetailerId,
    pub case_ids: Vec<CaseId>,
    pub swap_ids: Vec<SwapId>,
    pub reason: ErasureReason,
    pub requested_at: DateTime<Utc>,
}

impl Event for CustomerErasureRequestedV1 {
    const TYPE: &'static str = "retailer.customer.erasure_requested.v1";
    const PRODUCER: Service = Service::Retailer;
    fn subject(&self) -> String {
        self.erasure_id.to_string()
    }
}
