//! What logistics publishes (`logistics.*`): the visit scheduled, the steps of a crew's visit one
//! message each (on the way, delivered, collected), the visit completed or failed, and a unit
//! requested back arriving at the manufacturer's depot. (`logistics.job.completed.v1` follows
//! once both the delivery and the collection are done; `logistics.job.failed.v1` reports a
//! failed attempt.)

use crate::ids::{
    CarrierId, CaseId, ClaimId, CrewId, DepotId, JobId, ManufacturerId, RetailerId, ShipmentId,
    SwapId,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::Event;
use crate::address::{Address, TimeWindow};
use crate::retailer::Photo;
use crate::topology::Service;

/// `logistics.job.scheduled.v1`: the visit exists and waits for a crew.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobScheduledV1 {
    pub job_id: JobId,
    pub swap_id: SwapId,
    pub case_id: CaseId,
    pub retailer_id: RetailerId,
    pub window: TimeWindow,
    pub scheduled_at: DateTime<Utc>,
    /// No carrier the retailer contracted (for the postcode, on that day, with room) could take
    /// the new visit: it waits, unassigned, for the operator (issue 18). Absent: false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_contracted_carrier: bool,
}

impl Event for JobScheduledV1 {
    const TYPE: &'static str = "logistics.job.scheduled.v1";
    const PRODUCER: Service = Service::Logistics;
    fn subject(&self) -> String {
        self.job_id.to_string()
    }
}

/// `logistics.job.on_the_way.v1`: the crew set off to the customer; the status page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobOnTheWayV1 {
    pub job_id: JobId,
    pub swap_id: SwapId,
    pub case_id: CaseId,
    pub retailer_id: RetailerId,
    pub window: TimeWindow,
    /// The crew's estimate, where it gave one.
    #[serde(default)]
    pub eta: Option<DateTime<Utc>>,
    pub departed_at: DateTime<Utc>,
}

impl Event for JobOnTheWayV1 {
    const TYPE: &'static str = "logistics.job.on_the_way.v1";
    const PRODUCER: Service = Service::Logistics;
    fn subject(&self) -> String {
        self.job_id.to_string()
    }
}

/// `logistics.job.delivered.v1`: the replacement was handed over.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobDeliveredV1 {
    pub job_id: JobId,
    pub swap_id: SwapId,
    pub case_id: CaseId,
    pub retailer_id: RetailerId,
    pub delivered_serial: String,
    pub recipient_name: String,
    /// Whether the crew took a photo (kept by logistics).
    #[serde(default)]
    pub photo_taken: bool,
    pub delivered_at: DateTime<Utc>,
    /// The photo of the handed-over replacement, when the crew took one: evidence for the
    /// manufacturer's claim (`delivered_photo`), forwarded by the retailer's case. Absent in
    /// messages from before it was carried.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo: Option<Photo>,
}

impl Event for JobDeliveredV1 {
    const TYPE: &'static str = "logistics.job.delivered.v1";
    const PRODUCER: Service = Service::Logistics;
    fn subject(&self) -> String {
        self.job_id.to_string()
    }
}

/// `logistics.job.collected.v1`: the defective unit was collected. Its serial, photo and time are
/// evidence for the manufacturer's claim; the retailer's case forwards them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitCollectedV1 {
    pub job_id: JobId,
    pub swap_id: SwapId,
    pub case_id: CaseId,
    pub retailer_id: RetailerId,
    pub collected_serial: String,
    /// The serial the case names.
    pub expected_serial: String,
    /// A mismatch is flagged, never silently accepted.
    pub serial_matches: bool,
    #[serde(default)]
    pub photo: Option<Photo>,
    pub collected_at: DateTime<Utc>,
}

impl Event for UnitCollectedV1 {
    const TYPE: &'static str = "logistics.job.collected.v1";
    const PRODUCER: Service = Service::Logistics;
    fn subject(&self) -> String {
        self.job_id.to_string()
    }
}

/// `logistics.job.completed.v1`: the replacement was delivered and the defective unit collected.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobCompletedV1 {
    pub job_id: JobId,
    pub swap_id: SwapId,
    pub case_id: CaseId,
    pub retailer_id: RetailerId,
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
///
/// With the `sea-orm` feature it is also a column value (text, the same snake_case names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "sea-orm",
    derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum),
    sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")
)]
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
    pub job_id: JobId,
    pub swap_id: SwapId,
    pub case_id: CaseId,
    pub retailer_id: RetailerId,
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

/// `logistics.return.arrived.v1`: a unit requested back arrived at the manufacturer's depot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReturnArrivedV1 {
    pub claim_id: ClaimId,
    pub swap_id: SwapId,
    pub case_id: CaseId,
    pub retailer_id: RetailerId,
    pub manufacturer_id: ManufacturerId,
    pub depot_id: DepotId,
    /// The return shipment (one trip per manufacturer and depot) it travelled in.
    pub shipment_id: ShipmentId,
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

/// `logistics.job.cancelled.v1`: the job of a swap was cancelled on the retailer's request before
/// the crew set off; no crew will go. (Sent again, unchanged, if the retailer asks again.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobCancelledV1 {
    pub job_id: JobId,
    pub swap_id: SwapId,
    pub case_id: CaseId,
    pub retailer_id: RetailerId,
    pub cancelled_at: DateTime<Utc>,
}

impl Event for JobCancelledV1 {
    const TYPE: &'static str = "logistics.job.cancelled.v1";
    const PRODUCER: Service = Service::Logistics;
    fn subject(&self) -> String {
        self.job_id.to_string()
    }
}

/// Why logistics did not cancel a job: the visit has begun (kept general, so a correction of
/// the address or window can answer with it too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitBegun {
    /// The crew set off to the customer.
    OnTheWay,
    /// The replacement was delivered or the unit collected.
    StepRecorded,
    /// The visit is completed.
    Completed,
    /// The job was cancelled (an amendment after a cancellation).
    Cancelled,
}

impl VisitBegun {
    pub fn as_str(self) -> &'static str {
        match self {
            VisitBegun::OnTheWay => "on_the_way",
            VisitBegun::StepRecorded => "step_recorded",
            VisitBegun::Completed => "completed",
            VisitBegun::Cancelled => "cancelled",
        }
    }
}

/// `logistics.job.cancel_refused.v1`: the job was not cancelled, the crew already set off (or the
/// visit is done): the swap goes on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobCancelRefusedV1 {
    pub job_id: JobId,
    pub swap_id: SwapId,
    pub case_id: CaseId,
    pub retailer_id: RetailerId,
    pub reason: VisitBegun,
    pub refused_at: DateTime<Utc>,
}

impl Event for JobCancelRefusedV1 {
    const TYPE: &'static str = "logistics.job.cancel_refused.v1";
    const PRODUCER: Service = Service::Logistics;
    fn subject(&self) -> String {
        self.job_id.to_string()
    }
}

/// `logistics.job.corrected.v1`: the retailer's correction `correction_id` was applied: the job
/// goes to `address` in `window` now (both as they are after it). `crew_assigned`: the job is on
/// a crew (its own, or one with room in the new region or day); `false`: it waits for the
/// dispatcher. (Sent again, unchanged, for the same correction asked again.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobCorrectedV1 {
    pub job_id: JobId,
    pub swap_id: SwapId,
    pub case_id: CaseId,
    pub retailer_id: RetailerId,
    pub correction_id: uuid::Uuid,
    pub address: Address,
    pub window: TimeWindow,
    pub crew_assigned: bool,
    pub corrected_at: DateTime<Utc>,
}

impl Event for JobCorrectedV1 {
    const TYPE: &'static str = "logistics.job.corrected.v1";
    const PRODUCER: Service = Service::Logistics;
    fn subject(&self) -> String {
        self.job_id.to_string()
    }
}

/// Why logistics did not apply a correction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CorrectionRefusal {
    /// The crew set off to the customer.
    OnTheWay,
    /// The replacement was delivered or the unit collected (or the visit is done).
    Delivered,
    /// The job was cancelled.
    Cancelled,
    /// Logistics has no job for the swap.
    UnknownJob,
    /// The customer's new window has no room any more (taken meanwhile): only a correction the
    /// customer asked for is refused so (staff corrections go to the dispatcher instead), so a
    /// retailer that never sends one never receives this value.
    WindowFull,
}

impl CorrectionRefusal {
    pub fn as_str(self) -> &'static str {
        match self {
            CorrectionRefusal::OnTheWay => "on_the_way",
            CorrectionRefusal::Delivered => "delivered",
            CorrectionRefusal::Cancelled => "cancelled",
            CorrectionRefusal::UnknownJob => "unknown_job",
            CorrectionRefusal::WindowFull => "window_full",
        }
    }
}

impl From<VisitBegun> for CorrectionRefusal {
    fn from(v: VisitBegun) -> Self {
        match v {
            VisitBegun::OnTheWay => CorrectionRefusal::OnTheWay,
            VisitBegun::StepRecorded | VisitBegun::Completed => CorrectionRefusal::Delivered,
            VisitBegun::Cancelled => CorrectionRefusal::Cancelled,
        }
    }
}

/// `logistics.job.correction_refused.v1`: the correction `correction_id` was not applied; the
/// visit stays as it was. `job_id` is absent when logistics has no job for the swap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobCorrectionRefusedV1 {
    #[serde(default)]
    pub job_id: Option<JobId>,
    pub swap_id: SwapId,
    pub case_id: CaseId,
    pub retailer_id: RetailerId,
    pub correction_id: uuid::Uuid,
    pub reason: CorrectionRefusal,
    pub refused_at: DateTime<Utc>,
}

impl Event for JobCorrectionRefusedV1 {
    const TYPE: &'static str = "logistics.job.correction_refused.v1";
    const PRODUCER: Service = Service::Logistics;
    fn subject(&self) -> String {
        self.swap_id.to_string()
    }
}

/// `logistics.customer.erased.v1`: logistics erased the customer's personal data of the jobs
/// of a `retailer.customer.erasure_requested.v1` (what it erased, counted; never the values).
/// Sent once per erasure id; the retailer records it on its erasure record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerErasedV1 {
    pub erasure_id: uuid::Uuid,
    pub retailer_id: crate::ids::RetailerId,
    /// Jobs whose address, phone, recipient and notes were erased.
    pub jobs: u32,
    /// Photos deleted (file and row).
    pub photos: u32,
    /// Outbox rows of those jobs deleted (sent) or scrubbed (not yet sent).
    pub outbox_rows: u32,
    pub erased_at: DateTime<Utc>,
}

impl Event for CustomerErasedV1 {
    const TYPE: &'static str = "logistics.customer.erased.v1";
    const PRODUCER: Service = Service::Logistics;
    fn subject(&self) -> String {
        self.erasure_id.to_string()
    }
}

/// `logistics.slots.announced.v1`: event-carried state — the room a carrier's crews still have
/// in each delivery window of one day, as it is now. Published (through the outbox) whenever it
/// changed: a job placed, moved or cancelled, a crew changed, the day entering the horizon.
/// `sequence` grows with every announcement of the same `(carrier_id, date)`: a receiver keeps
/// the state with the highest one, whatever order they arrive in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotsAnnouncedV1 {
    pub carrier_id: CarrierId,
    /// The day (the UTC date of the windows' start, as logistics counts a crew's day).
    pub date: chrono::NaiveDate,
    pub sequence: i64,
    /// Each active crew with the postcode prefixes it covers (already limited to the carrier's
    /// granted regions) and its room per window. A crew absent: no room that day.
    pub crews: Vec<CrewSlots>,
    pub announced_at: DateTime<Utc>,
}

/// One crew's room on one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrewSlots {
    pub crew_id: CrewId,
    pub postcode_prefixes: Vec<String>,
    pub windows: Vec<SlotRoom>,
}

/// A delivery window and how many more visits fit in it (0: full).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotRoom {
    pub window: TimeWindow,
    pub free: u32,
}

impl Event for SlotsAnnouncedV1 {
    const TYPE: &'static str = "logistics.slots.announced.v1";
    const PRODUCER: Service = Service::Logistics;
    fn subject(&self) -> String {
        format!("{}/{}", self.carrier_id, self.date)
    }
}
