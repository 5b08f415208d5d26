//! The recourse claim against the manufacturer: filed with the swap for the price the customer
//! paid, decided later by the manufacturer (possibly for a different amount, e.g. plus a
//! handling fee, or less after a partial acceptance).

use chrono::{DateTime, Utc};
use kummerer_contracts::ClaimOutcome;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimStatus {
    Submitted,
    Accepted,
    PartlyAccepted,
    Rejected,
}

impl ClaimStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ClaimStatus::Submitted => "submitted",
            ClaimStatus::Accepted => "accepted",
            ClaimStatus::PartlyAccepted => "partly_accepted",
            ClaimStatus::Rejected => "rejected",
        }
    }
}

impl From<ClaimOutcome> for ClaimStatus {
    fn from(outcome: ClaimOutcome) -> Self {
        match outcome {
            ClaimOutcome::Accepted => ClaimStatus::Accepted,
            ClaimOutcome::PartlyAccepted => ClaimStatus::PartlyAccepted,
            ClaimOutcome::Rejected => ClaimStatus::Rejected,
        }
    }
}

/// Whether a decision taken `at` replaces what the claim shows (decided `current`, if at all):
/// the latest decision stands (a dispute may be decided again), an older one arriving late does
/// not undo it. Every decision still lands on the timeline.
pub fn decision_applies(current: Option<DateTime<Utc>>, at: DateTime<Utc>) -> bool {
    current.is_none_or(|c| at >= c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn outcomes_map_to_statuses() {
        assert_eq!(
            ClaimStatus::from(ClaimOutcome::Accepted).as_str(),
            "accepted"
        );
        assert_eq!(
            ClaimStatus::from(ClaimOutcome::PartlyAccepted).as_str(),
            "partly_accepted"
        );
        assert_eq!(
            ClaimStatus::from(ClaimOutcome::Rejected).as_str(),
            "rejected"
        );
    }

    #[test]
    fn the_latest_decision_stands() {
        let now = Utc::now();
        assert!(decision_applies(None, now));
        assert!(decision_applies(Some(now), now + Duration::days(1)));
        assert!(!decision_applies(Some(now), now - Duration::days(1)));
    }
}
