//! The events of the first flow. They carry ids and the facts a consumer needs to act without
//! calling back (services never call each other), not whole aggregates.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Event;
use crate::money::Money;
use crate::topology::Service;

/// A delivery window agreed with the customer (UTC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeWindow {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// Where the crew goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub name: String,
    pub phone: String,
    pub street: String,
    pub postcode: String,
    pub city: String,
    pub country: String,
}

/// A product as the retailer sells it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductRef {
    pub sku: String,
    pub name: String,
    pub manufacturer_id: Uuid,
}

/// `retailer.swap.approved.v1`: staff approved swapping a defective unit. Logistics turns it into
/// one visit: deliver the replacement, collect the defective unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SwapApprovedV1 {
    pub swap_id: Uuid,
    pub case_id: Uuid,
    pub retailer_id: Uuid,
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
}

/// A retailer's stock location the replacement is reserved at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockPickup {
    pub location_id: Uuid,
    pub name: String,
    pub address: Address,
}

impl Event for SwapApprovedV1 {
    const TYPE: &'static str = "retailer.swap.approved.v1";
    const PRODUCER: Service = Service::Retailer;
    fn subject(&self) -> String {
        self.swap_id.to_string()
    }
}

/// `retailer.claim.submitted.v1`: the recourse claim against the manufacturer, filed in the same
/// transaction as the swap approval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimSubmittedV1 {
    pub claim_id: Uuid,
    pub swap_id: Uuid,
    pub case_id: Uuid,
    pub retailer_id: Uuid,
    pub manufacturer_id: Uuid,
    pub serial: String,
    pub product: ProductRef,
    pub price_paid: Money,
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

/// `logistics.job.scheduled.v1`: the visit exists and waits for a crew.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobScheduledV1 {
    pub job_id: Uuid,
    pub swap_id: Uuid,
    pub case_id: Uuid,
    pub retailer_id: Uuid,
    pub window: TimeWindow,
    pub scheduled_at: DateTime<Utc>,
}

impl Event for JobScheduledV1 {
    const TYPE: &'static str = "logistics.job.scheduled.v1";
    const PRODUCER: Service = Service::Logistics;
    fn subject(&self) -> String {
        self.job_id.to_string()
    }
}

/// `logistics.job.completed.v1`: the replacement was delivered and the defective unit collected.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobCompletedV1 {
    pub job_id: Uuid,
    pub swap_id: Uuid,
    pub case_id: Uuid,
    pub retailer_id: Uuid,
    pub delivered_serial: String,
    pub collected_serial: String,
    /// Whether the collected serial is the one the case names. A mismatch is flagged, never
    /// silently accepted.
    pub collected_serial_matches: bool,
    pub recipient_name: String,
    pub completed_at: DateTime<Utc>,
}

impl Event for JobCompletedV1 {
    const TYPE: &'static str = "logistics.job.completed.v1";
    const PRODUCER: Service = Service::Logistics;
    fn subject(&self) -> String {
        self.job_id.to_string()
    }
}

/// Why a crew could not complete a visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureReason {
    NotHome,
    WrongAddress,
    Refused,
    UnitNotReady,
}

impl FailureReason {
    pub fn as_str(self) -> &'static str {
        match self {
            FailureReason::NotHome => "not_home",
            FailureReason::WrongAddress => "wrong_address",
            FailureReason::Refused => "refused",
            FailureReason::UnitNotReady => "unit_not_ready",
        }
    }
}

/// `logistics.job.failed.v1`: a visit failed. For not home or unit not ready logistics has
/// already rescheduled it (a `logistics.job.scheduled.v1` with the new window follows); for a
/// refusal or a wrong address the job waits for the dispatcher.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobFailedV1 {
    pub job_id: Uuid,
    pub swap_id: Uuid,
    pub case_id: Uuid,
    pub retailer_id: Uuid,
    pub reason: FailureReason,
    #[serde(default)]
    pub note: Option<String>,
    pub attempt: u32,
    pub failed_at: DateTime<Utc>,
}

impl Event for JobFailedV1 {
    const TYPE: &'static str = "logistics.job.failed.v1";
    const PRODUCER: Service = Service::Logistics;
    fn subject(&self) -> String {
        self.job_id.to_string()
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
    pub claim_id: Uuid,
    pub swap_id: Uuid,
    pub case_id: Uuid,
    pub retailer_id: Uuid,
    pub manufacturer_id: Uuid,
    pub outcome: ClaimOutcome,
    /// What the manufacturer will credit (zero for a rejection).
    pub amount: Money,
    #[serde(default)]
    pub reason_code: Option<String>,
    pub decided_by: DecidedBy,
    pub decided_at: DateTime<Utc>,
}

impl Event for ClaimDecidedV1 {
    const TYPE: &'static str = "manufacturer.claim.decided.v1";
    const PRODUCER: Service = Service::Manufacturer;
    fn subject(&self) -> String {
        self.claim_id.to_string()
    }
}
