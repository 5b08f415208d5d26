//! Refusing a case at the desk: always with a reason code from a fixed list and a text, so the
//! refusal report can show how often (and why) the retailer says no.

/// Longest refusal text.
pub const REFUSAL_TEXT_MAX: usize = 1000;

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
    sea_orm::EnumIter,
    sea_orm::DeriveActiveEnum,
)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
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

    /// The stored value, as the column holds it.
    pub fn as_string(self) -> String {
        sea_orm::ActiveEnum::to_value(&self)
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

    /// A stored (or submitted) value; `None` for one this version does not know.
    pub fn parse(s: &str) -> Option<RefusalReason> {
        <Self as sea_orm::ActiveEnum>::try_from_value(&s.to_owned()).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_round_trip_and_reject_others() {
        for r in RefusalReason::ALL {
            assert_eq!(RefusalReason::parse(&r.as_string()), Some(r));
            assert!(!r.label().is_empty());
        }
        assert_eq!(RefusalReason::parse("our_regulations"), None);
        assert_eq!(RefusalReason::parse("Other"), None);
    }
}
