//! Refusing a case at the desk: always with a reason code from a fixed list and a text, so the
//! refusal report can show how often (and why) the retailer says no.

/// Longest refusal text.
pub const REFUSAL_TEXT_MAX: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefusalReason {
    OutsideWarranty,
    DamageByCustomer,
    NoDefectFound,
    NotSoldHere,
    Other,
}

impl RefusalReason {
    pub const ALL: [RefusalReason; 5] = [
        RefusalReason::OutsideWarranty,
        RefusalReason::DamageByCustomer,
        RefusalReason::NoDefectFound,
        RefusalReason::NotSoldHere,
        RefusalReason::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RefusalReason::OutsideWarranty => "outside_warranty",
            RefusalReason::DamageByCustomer => "damage_by_customer",
            RefusalReason::NoDefectFound => "no_defect_found",
            RefusalReason::NotSoldHere => "not_sold_here",
            RefusalReason::Other => "other",
        }
    }

    /// For people.
    pub fn label(self) -> &'static str {
        match self {
            RefusalReason::OutsideWarranty => "Outside warranty",
            RefusalReason::DamageByCustomer => "Damage by the customer",
            RefusalReason::NoDefectFound => "No defect found",
            RefusalReason::NotSoldHere => "Not sold here",
            RefusalReason::Other => "Other",
        }
    }

    pub fn parse(s: &str) -> Option<RefusalReason> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_round_trip_and_reject_others() {
        for r in RefusalReason::ALL {
            assert_eq!(RefusalReason::parse(r.as_str()), Some(r));
            assert!(!r.label().is_empty());
        }
        assert_eq!(RefusalReason::parse("our_regulations"), None);
        assert_eq!(RefusalReason::parse("Other"), None);
    }
}
