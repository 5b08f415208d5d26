//! Correcting the address or the window of a swap's visit before the visit. The retailer
//! refuses what it already knows (the visit not planned yet, the crew on the way, delivered,
//! cancelled, a cancellation or another correction waiting); logistics has the last word under
//! the job's lock and may still refuse. The swap shows the new address and window only once
//! logistics confirms.

use chrono::{DateTime, Utc};
use kummerer_contracts::Address;

use crate::domain::{DeliveryWindow, SwapStatus, WindowError};

/// Longest reason given for a correction.
pub const REASON_MAX: usize = 500;

/// A checked correction: at least one of the address and the window, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correction {
    pub address: Option<Address>,
    pub window: Option<DeliveryWindow>,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CorrectionRefused {
    #[error("logistics has not planned the visit yet: correct it once it is scheduled")]
    NotScheduled,
    #[error("the crew is on the way: the visit cannot be corrected any more")]
    OnTheWay,
    #[error("the replacement is delivered: there is no visit left to correct")]
    Delivered,
    #[error("the swap is cancelled")]
    Cancelled,
    #[error("a cancellation of the swap is waiting for logistics' answer")]
    CancelPending,
    #[error("a correction is already waiting for logistics' answer: one at a time")]
    Pending,
}

impl CorrectionRefused {
    /// The problem code the API answers with.
    pub fn code(self) -> &'static str {
        match self {
            CorrectionRefused::NotScheduled => "visit_not_scheduled",
            CorrectionRefused::OnTheWay => "crew_on_the_way",
            CorrectionRefused::Delivered => "swap_delivered",
            CorrectionRefused::Cancelled => "swap_cancelled",
            CorrectionRefused::CancelPending => "cancel_pending",
            CorrectionRefused::Pending => "correction_pending",
        }
    }
}

/// Whether a swap in `status` may be asked to change its visit now (with a cancellation or a
/// correction waiting or not).
pub fn may_request_correction(
    status: SwapStatus,
    cancel_pending: bool,
    correction_pending: bool,
) -> Result<(), CorrectionRefused> {
    match status {
        SwapStatus::Delivered => Err(CorrectionRefused::Delivered),
        SwapStatus::OnTheWay => Err(CorrectionRefused::OnTheWay),
        SwapStatus::Cancelled => Err(CorrectionRefused::Cancelled),
        SwapStatus::Approved => Err(CorrectionRefused::NotScheduled),
        _ if cancel_pending => Err(CorrectionRefused::CancelPending),
        _ if correction_pending => Err(CorrectionRefused::Pending),
        SwapStatus::Scheduled | SwapStatus::FailedAttempt => Ok(()),
    }
}

/// A corrected window: as for a new swap (ends after it starts, at most 60 days ahead), and it
/// must start in the future — the visit it replaces has not happened.
pub fn corrected_window(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<DeliveryWindow, Vec<WindowError>> {
    let mut errors = match DeliveryWindow::new(start, end, now) {
        Ok(window) if start > now => return Ok(window),
        Ok(_) => Vec::new(),
        Err(errors) => errors,
    };
    if start <= now && !errors.contains(&WindowError::StartTooFarInPast) {
        errors.push(WindowError::StartNotInFuture);
    }
    Err(errors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn a_visit_is_corrected_while_it_is_planned_and_nothing_waits() {
        for s in [SwapStatus::Scheduled, SwapStatus::FailedAttempt] {
            assert_eq!(may_request_correction(s, false, false), Ok(()));
            assert_eq!(
                may_request_correction(s, false, true),
                Err(CorrectionRefused::Pending)
            );
            assert_eq!(
                may_request_correction(s, true, false),
                Err(CorrectionRefused::CancelPending)
            );
        }
        assert_eq!(
            may_request_correction(SwapStatus::Approved, false, false).map_err(|e| e.code()),
            Err("visit_not_scheduled")
        );
        assert_eq!(
            may_request_correction(SwapStatus::OnTheWay, false, false),
            Err(CorrectionRefused::OnTheWay)
        );
        assert_eq!(
            may_request_correction(SwapStatus::Delivered, false, true),
            Err(CorrectionRefused::Delivered)
        );
        assert_eq!(
            may_request_correction(SwapStatus::Cancelled, false, false),
            Err(CorrectionRefused::Cancelled)
        );
    }

    #[test]
    fn a_corrected_window_lies_ahead() {
        let now = Utc::now();
        let h = |n: i64| now + Duration::hours(n);
        assert!(corrected_window(h(2), h(4), now).is_ok());
        assert_eq!(
            corrected_window(h(-2), h(4), now),
            Err(vec![WindowError::StartNotInFuture])
        );
        assert_eq!(
            corrected_window(h(4), h(2), now),
            Err(vec![WindowError::EndNotAfterStart])
        );
        assert_eq!(
            corrected_window(h(-50), h(-48), now),
            Err(vec![WindowError::StartTooFarInPast])
        );
    }
}
