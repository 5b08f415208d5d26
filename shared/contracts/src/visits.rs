//! The steps of a crew's visit as logistics reports them, one message each: on the way,
//! delivered, collected. (`logistics.job.completed.v1` still follows once both the delivery and
//! the collection are done, and `logistics.job.failed.v1` reports a failed attempt.)

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Event;
use crate::claims::Photo;
use crate::events::TimeWindow;
use crate::topology::Service;

/// `logistics.job.on_the_way.v1`: the crew set off to the customer; the status page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobOnTheWayV1 {
    pub job_id: Uuid,
    pub swap_id: Uuid,
    pub case_id: Uuid,
    pub retailer_id: Uuid,
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
    pub job_id: Uuid,
    pub swap_id: Uuid,
    pub case_id: Uuid,
    pub retailer_id: Uuid,
    pub delivered_serial: String,
    pub recipient_name: String,
    /// Whether the crew took a photo (kept by logistics).
    #[serde(default)]
    pub photo_taken: bool,
    pub delivered_at: DateTime<Utc>,
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
    pub job_id: Uuid,
    pub swap_id: Uuid,
    pub case_id: Uuid,
    pub retailer_id: Uuid,
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
