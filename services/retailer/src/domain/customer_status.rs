//! What the customer's status page says: the step the swap is at, nothing else of the case.

use crate::domain::{CaseStatus, SwapStatus};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    CaseOpened,
    SwapApproved,
    /// The crew has a date: the page shows the delivery window.
    DeliveryScheduled,
    /// The crew set off: the page shows the window and the crew's estimate.
    OnTheWay,
    Delivered,
    Refused,
    Closed,
}

impl Step {
    /// The step of a case with this status and (once approved) this swap status.
    pub fn of(case: CaseStatus, swap: Option<SwapStatus>) -> Step {
        match (case, swap) {
            (CaseStatus::Refused, _) => Step::Refused,
            (_, Some(SwapStatus::Cancelled)) => Step::Closed,
            (_, Some(SwapStatus::Delivered)) | (CaseStatus::Delivered, _) => Step::Delivered,
            (_, Some(SwapStatus::Scheduled)) => Step::DeliveryScheduled,
            (_, Some(SwapStatus::OnTheWay)) => Step::OnTheWay,
            // After a failed attempt the crew arranges a new date: back to "approved".
            (_, Some(SwapStatus::Approved | SwapStatus::FailedAttempt)) => Step::SwapApproved,
            (CaseStatus::Closed, None) => Step::Closed,
            (_, None) => Step::CaseOpened,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Step::CaseOpened => "case_opened",
            Step::SwapApproved => "swap_approved",
            Step::DeliveryScheduled => "delivery_scheduled",
            Step::OnTheWay => "on_the_way",
            Step::Delivered => "delivered",
            Step::Refused => "refused",
            Step::Closed => "closed",
        }
    }

    /// For the customer.
    pub fn label(self) -> &'static str {
        match self {
            Step::CaseOpened => "Case opened: the store is looking at your appliance's defect.",
            Step::SwapApproved => {
                "Swap approved: a replacement is on its way; the crew will arrange a date."
            }
            Step::DeliveryScheduled => "Delivery scheduled: the crew comes in this window.",
            Step::OnTheWay => "On the way: the crew has set off to you with the replacement.",
            Step::Delivered => "Delivered: the replacement is with you.",
            Step::Refused => "Refused: please contact the store.",
            Step::Closed => "Closed.",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_step_follows_the_case_and_the_swap() {
        assert_eq!(Step::of(CaseStatus::Open, None), Step::CaseOpened);
        assert_eq!(Step::of(CaseStatus::Refused, None), Step::Refused);
        assert_eq!(
            Step::of(CaseStatus::SwapApproved, Some(SwapStatus::Approved)),
            Step::SwapApproved
        );
        assert_eq!(
            Step::of(CaseStatus::SwapApproved, Some(SwapStatus::Scheduled)),
            Step::DeliveryScheduled
        );
        assert_eq!(
            Step::of(CaseStatus::SwapApproved, Some(SwapStatus::OnTheWay)),
            Step::OnTheWay
        );
        assert_eq!(Step::OnTheWay.as_str(), "on_the_way");
        assert_eq!(
            Step::of(CaseStatus::SwapApproved, Some(SwapStatus::FailedAttempt)),
            Step::SwapApproved
        );
        assert_eq!(
            Step::of(CaseStatus::Delivered, Some(SwapStatus::Delivered)),
            Step::Delivered
        );
        assert_eq!(Step::of(CaseStatus::Closed, None), Step::Closed);
    }
}
