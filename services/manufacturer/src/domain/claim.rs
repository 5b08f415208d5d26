//! A claim's lifecycle values.

use std::fmt;

/// Where a claim stands. `pending` until the rules or the manufacturer decide. The manufacturer
/// may first ask for the unit back (`return_requested`, then `unit_arrived` when it reached the
/// depot). A rejection may be disputed once by the retailer (`disputed`), which opens it again.
/// `accepted` and `partly_accepted` are final; `rejected` is final unless disputed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClaimStatus {
    Pending,
    Accepted,
    PartlyAccepted,
    Rejected,
    ReturnRequested,
    UnitArrived,
    Disputed,
    /// Sent back to the retailer with a question; its `deadline_at` is the answer's deadline.
    InformationRequested,
}

impl ClaimStatus {
    pub const ALL: [ClaimStatus; 8] = [
        ClaimStatus::Pending,
        ClaimStatus::Accepted,
        ClaimStatus::PartlyAccepted,
        ClaimStatus::Rejected,
        ClaimStatus::ReturnRequested,
        ClaimStatus::UnitArrived,
        ClaimStatus::Disputed,
        ClaimStatus::InformationRequested,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ClaimStatus::Pending => "pending",
            ClaimStatus::Accepted => "accepted",
            ClaimStatus::PartlyAccepted => "partly_accepted",
            ClaimStatus::Rejected => "rejected",
            ClaimStatus::ReturnRequested => "return_requested",
            ClaimStatus::UnitArrived => "unit_arrived",
            ClaimStatus::Disputed => "disputed",
            ClaimStatus::InformationRequested => "information_requested",
        }
    }

    /// Whether the manufacturer (or its deadline) may decide the claim now: pending, its unit
    /// arrived, or disputed. A claim waiting for its unit is not decided until it arrives.
    pub fn is_decidable(self) -> bool {
        matches!(
            self,
            ClaimStatus::Pending | ClaimStatus::UnitArrived | ClaimStatus::Disputed
        )
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

impl fmt::Display for ClaimStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why the rules left a claim for the manufacturer to decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PendingReason {
    /// No agreement between this manufacturer and this retailer.
    NoAgreement,
    /// The price was paid in another currency than the agreement's.
    CurrencyMismatch,
    /// The claim says the unit was swapped before it was sold: never paid by rule.
    SwappedBeforeSale,
    /// Past the dead-on-arrival window but within coverage: a suggested amount waits.
    OutsideDoa,
    /// Past the coverage: the agreement pays nothing.
    OutsideCoverage,
    /// The rules would have accepted it, but a duplicate or fraud check flagged it.
    Flagged,
    /// The rules would have accepted it, but evidence the agreement requires is missing.
    EvidenceMissing,
    /// The version has swap rules, and none fits the claim: a person decides.
    NoRule,
}

impl PendingReason {
    pub fn as_str(self) -> &'static str {
        match self {
            PendingReason::NoAgreement => "no_agreement",
            PendingReason::CurrencyMismatch => "currency_mismatch",
            PendingReason::SwappedBeforeSale => "swapped_before_sale",
            PendingReason::OutsideDoa => "outside_doa",
            PendingReason::OutsideCoverage => "outside_coverage",
            PendingReason::Flagged => "flagged",
            PendingReason::EvidenceMissing => "evidence_missing",
            PendingReason::NoRule => "no_rule",
        }
    }
}

impl fmt::Display for PendingReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `decided_by` as stored: `rule:<name>` for auto-adjudication, `manufacturer` otherwise.
pub fn rule_decider(rule: &str) -> String {
    format!("rule:{rule}")
}

pub const MANUFACTURER_DECIDER: &str = "manufacturer";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_round_trips() {
        for s in ClaimStatus::ALL {
            assert_eq!(ClaimStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(ClaimStatus::parse("open"), None);
        assert_eq!(rule_decider("doa_full_refund"), "rule:doa_full_refund");
    }
}
