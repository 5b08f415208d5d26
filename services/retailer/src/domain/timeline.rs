//! The case timeline: what happened to a case, from whichever service, ordered by when it
//! happened (not when the message about it arrived).

/// Which party an entry comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Retailer,
    Logistics,
    Manufacturer,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Retailer => "retailer",
            Source::Logistics => "logistics",
            Source::Manufacturer => "manufacturer",
        }
    }
}

/// The kinds of timeline entries.
pub mod kind {
    pub const SWAP_APPROVED: &str = "swap_approved";
    pub const CLAIM_SUBMITTED: &str = "claim_submitted";
    pub const JOB_SCHEDULED: &str = "job_scheduled";
    pub const DELIVERED_AND_COLLECTED: &str = "delivered_and_collected";
    /// Beside `delivered_and_collected` when the crew collected a unit whose serial is not the
    /// one the case names: flagged, never silently accepted.
    pub const COLLECTED_SERIAL_MISMATCH: &str = "collected_serial_mismatch";
    pub const DELIVERY_FAILED: &str = "delivery_failed";
    pub const CLAIM_DECIDED: &str = "claim_decided";
    pub const CASE_REFUSED: &str = "case_refused";
}
