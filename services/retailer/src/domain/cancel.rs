//! Whether a swap may still be cancelled: until the crew is on the way. The retailer refuses
//! what it already knows (delivered, on the way, cancelled, a request waiting); logistics has
//! the last word under the job's lock (a step may be recorded meanwhile) and may still refuse.

use crate::domain::SwapStatus;

/// Longest reason given for a cancellation.
pub const REASON_MAX: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CancelRefused {
    #[error("the replacement is delivered: the swap cannot be cancelled")]
    Delivered,
    #[error("the crew is on the way: the swap cannot be cancelled any more")]
    OnTheWay,
    #[error("the swap is already cancelled")]
    AlreadyCancelled,
    #[error("a cancellation is already waiting for logistics' answer")]
    Pending,
}

impl CancelRefused {
    /// The problem code the API answers with.
    pub fn code(self) -> &'static str {
        match self {
            CancelRefused::Delivered => "swap_delivered",
            CancelRefused::OnTheWay => "crew_on_the_way",
            CancelRefused::AlreadyCancelled => "swap_cancelled",
            CancelRefused::Pending => "cancel_pending",
        }
    }
}

/// Whether a swap in `status` (with a request waiting or not) may be asked to be cancelled.
pub fn may_request_cancel(status: SwapStatus, pending: bool) -> Result<(), CancelRefused> {
    match status {
        SwapStatus::Delivered => Err(CancelRefused::Delivered),
        SwapStatus::OnTheWay => Err(CancelRefused::OnTheWay),
        SwapStatus::Cancelled => Err(CancelRefused::AlreadyCancelled),
        _ if pending => Err(CancelRefused::Pending),
        SwapStatus::Approved | SwapStatus::Scheduled | SwapStatus::FailedAttempt => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_swap_is_cancelled_until_the_crew_sets_off() {
        for s in [
            SwapStatus::Approved,
            SwapStatus::Scheduled,
            SwapStatus::FailedAttempt,
        ] {
            assert_eq!(may_request_cancel(s, false), Ok(()));
            assert_eq!(may_request_cancel(s, true), Err(CancelRefused::Pending));
        }
        assert_eq!(
            may_request_cancel(SwapStatus::OnTheWay, false),
            Err(CancelRefused::OnTheWay)
        );
        assert_eq!(
            may_request_cancel(SwapStatus::Delivered, true),
            Err(CancelRefused::Delivered)
        );
        assert_eq!(
            may_request_cancel(SwapStatus::Cancelled, false).map_err(CancelRefused::code),
            Err("swap_cancelled")
        );
    }
}
