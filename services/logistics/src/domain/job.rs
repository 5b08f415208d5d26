//! A job: deliver the replacement and collect the defective unit in one visit.
//!
//! ```text
//! scheduled ──complete──▶ completed
//!     │                      ▲
//!    fail                 complete
//!     ▼                      │
//!   failed ───fail (again)───┘ (a new attempt after a failure)
//! ```
//!
//! A completed job is final: a second "delivered" (a double tap, a retried request) is refused,
//! so one visit records one delivery.

use kummerer_contracts::{FailureReason, SwapApprovedV1};

/// Longest serial number or recipient name a crew may enter.
pub const SERIAL_MAX: usize = 100;
/// Longest note on a failed attempt.
pub const NOTE_MAX: usize = 500;
/// Most jobs one list answer holds.
pub const LIST_LIMIT: u64 = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobStatus {
    Scheduled,
    Completed,
    Failed,
}

impl JobStatus {
    pub const ALL: [JobStatus; 3] = [
        JobStatus::Scheduled,
        JobStatus::Completed,
        JobStatus::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Scheduled => "scheduled",
            JobStatus::Completed => "completed",
            JobStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<JobStatus> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("the job is already completed; a visit records one delivery")]
    AlreadyCompleted,
}

/// Whether a crew may still record an outcome (a delivery or a failed attempt).
fn ensure_open(status: JobStatus) -> Result<(), TransitionError> {
    match status {
        JobStatus::Scheduled | JobStatus::Failed => Ok(()),
        JobStatus::Completed => Err(TransitionError::AlreadyCompleted),
    }
}

/// Whether the serial the crew read off the collected unit is the one the case names: equal
/// after trimming, ignoring case. A mismatch is recorded and flagged, never refused at the door.
pub fn serial_matches(expected: &str, collected: &str) -> bool {
    expected.trim().to_lowercase() == collected.trim().to_lowercase()
}

/// What the crew reports on a completed visit (already checked for presence and length).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    pub delivered_serial: String,
    pub collected_serial: String,
    pub recipient_name: String,
}

impl Completion {
    /// Records the delivery on a job in `status` that expects `collect_serial`; returns whether
    /// the collected serial matches.
    pub fn apply(&self, status: JobStatus, collect_serial: &str) -> Result<bool, TransitionError> {
        ensure_open(status)?;
        Ok(serial_matches(collect_serial, &self.collected_serial))
    }
}

/// A visit that did not work out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedAttempt {
    pub reason: FailureReason,
    pub note: Option<String>,
}

impl FailedAttempt {
    /// Records the failed attempt on a job in `status` with `attempts` failures so far; returns
    /// the new number of failed attempts (this attempt's number).
    pub fn apply(&self, status: JobStatus, attempts: u32) -> Result<u32, TransitionError> {
        ensure_open(status)?;
        Ok(attempts.saturating_add(1))
    }
}

pub fn parse_failure_reason(s: &str) -> Option<FailureReason> {
    [
        FailureReason::NotHome,
        FailureReason::WrongAddress,
        FailureReason::Refused,
        FailureReason::UnitNotReady,
    ]
    .into_iter()
    .find(|r| r.as_str() == s)
}

/// A swap that can never become a visit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidSwap {
    #[error("the delivery window ends before it starts")]
    WindowReversed,
    #[error("the defective unit has no serial number to check at collection")]
    NoDefectiveSerial,
}

/// Checks that an approved swap describes a visit a crew can make.
pub fn check_swap(swap: &SwapApprovedV1) -> Result<(), InvalidSwap> {
    if swap.window.end < swap.window.start {
        return Err(InvalidSwap::WindowReversed);
    }
    if swap.defective_serial.trim().is_empty() {
        return Err(InvalidSwap::NoDefectiveSerial);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use chrono::{Duration, Utc};
    use kummerer_contracts::{Address, ProductRef, TimeWindow};
    use uuid::Uuid;

    fn completion(collected: &str) -> Completion {
        Completion {
            delivered_serial: "NEW-1".into(),
            collected_serial: collected.into(),
            recipient_name: "Erika".into(),
        }
    }

    #[test]
    fn status_round_trips_and_rejects_unknown() {
        for s in JobStatus::ALL {
            assert_eq!(JobStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(JobStatus::parse("done"), None);
        assert_eq!(JobStatus::parse("Scheduled"), None);
    }

    #[test]
    fn serial_check_trims_and_ignores_case() {
        assert!(serial_matches("SN-OLD-1", "  sn-old-1 "));
        assert!(serial_matches(" ÄB-1", "äb-1"));
        assert!(!serial_matches("SN-OLD-1", "SN-OLD-2"));
        assert!(!serial_matches("SN-OLD-1", "SN-OLD-1X"));
    }

    #[test]
    fn completion_is_allowed_when_scheduled_or_after_a_failure() {
        let c = completion("sn-old-1");
        assert_eq!(c.apply(JobStatus::Scheduled, "SN-OLD-1"), Ok(true));
        assert_eq!(c.apply(JobStatus::Failed, "SN-OLD-1"), Ok(true));
        assert_eq!(
            completion("other").apply(JobStatus::Scheduled, "SN-OLD-1"),
            Ok(false)
        );
    }

    #[test]
    fn a_completed_job_is_final() {
        assert_eq!(
            completion("x").apply(JobStatus::Completed, "x"),
            Err(TransitionError::AlreadyCompleted)
        );
        let f = FailedAttempt {
            reason: FailureReason::NotHome,
            note: None,
        };
        assert_eq!(
            f.apply(JobStatus::Completed, 0),
            Err(TransitionError::AlreadyCompleted)
        );
    }

    #[test]
    fn failed_attempts_are_counted() {
        let f = FailedAttempt {
            reason: FailureReason::Refused,
            note: Some("door closed".into()),
        };
        assert_eq!(f.apply(JobStatus::Scheduled, 0), Ok(1));
        assert_eq!(f.apply(JobStatus::Failed, 1), Ok(2));
        assert_eq!(f.apply(JobStatus::Failed, u32::MAX), Ok(u32::MAX));
    }

    #[test]
    fn failure_reasons_parse_by_their_wire_name() {
        assert_eq!(
            parse_failure_reason("not_home"),
            Some(FailureReason::NotHome)
        );
        assert_eq!(
            parse_failure_reason("wrong_address"),
            Some(FailureReason::WrongAddress)
        );
        assert_eq!(
            parse_failure_reason("refused"),
            Some(FailureReason::Refused)
        );
        assert_eq!(
            parse_failure_reason("unit_not_ready"),
            Some(FailureReason::UnitNotReady)
        );
        assert_eq!(parse_failure_reason("NOT_HOME"), None);
        assert_eq!(parse_failure_reason("dog"), None);
    }

    fn swap() -> SwapApprovedV1 {
        let product = ProductRef {
            sku: "WM-8".into(),
            name: "Washer 8 kg".into(),
            manufacturer_id: Uuid::now_v7(),
        };
        let start = Utc::now();
        SwapApprovedV1 {
            swap_id: Uuid::now_v7(),
            case_id: Uuid::now_v7(),
            retailer_id: Uuid::now_v7(),
            defective_serial: "SN-OLD-1".into(),
            defective_product: product.clone(),
            replacement_product: product,
            delivery_address: Address {
                name: "Erika".into(),
                phone: "+49 30 1".into(),
                street: "Hauptstr. 1".into(),
                postcode: "10115".into(),
                city: "Berlin".into(),
                country: "DE".into(),
            },
            window: TimeWindow {
                start,
                end: start + Duration::hours(2),
            },
            approved_by: "clerk".into(),
            approved_at: start,
            replacement_from: None,
        }
    }

    #[test]
    fn a_swap_must_describe_a_possible_visit() {
        assert_eq!(check_swap(&swap()), Ok(()));
        let mut s = swap();
        s.window.end = s.window.start - Duration::minutes(1);
        assert_eq!(check_swap(&s), Err(InvalidSwap::WindowReversed));
        let mut s = swap();
        s.defective_serial = "  ".into();
        assert_eq!(check_swap(&s), Err(InvalidSwap::NoDefectiveSerial));
    }
}
