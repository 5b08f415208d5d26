//! A warranty case: a defect reported on a sold unit.
//!
//! ```text
//! open ──approve swap──▶ swap_approved ──job completed──▶ delivered
//!   │                                                        │
//!   ├───────────────(later: closing)──▶ closed ◀─────────────┘
//!   └──refuse (reason code + text)──▶ refused (closed)
//! ```
//!
//! A swap is approved once per case: a second approval (a double click, a colleague at the next
//! till) is refused, never a second swap and a second claim.

/// What the customer reports, in categories the manufacturers' claim rules can rely on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sea_orm::EnumIter, sea_orm::DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
pub enum DefectCategory {
    DoesNotStart,
    Noise,
    Leak,
    Display,
    Performance,
    DamagedOnArrival,
    Other,
}

impl DefectCategory {
    pub const ALL: [DefectCategory; 7] = [
        DefectCategory::DoesNotStart,
        DefectCategory::Noise,
        DefectCategory::Leak,
        DefectCategory::Display,
        DefectCategory::Performance,
        DefectCategory::DamagedOnArrival,
        DefectCategory::Other,
    ];

    /// The stored value, as the column holds it.
    pub fn as_string(self) -> String {
        sea_orm::ActiveEnum::to_value(&self)
    }

    /// A stored (or submitted) value; `None` for one this version does not know.
    pub fn parse(s: &str) -> Option<DefectCategory> {
        <Self as sea_orm::ActiveEnum>::try_from_value(&s.to_owned()).ok()
    }

    /// The accepted values, for error messages.
    pub fn list() -> String {
        Self::ALL.map(DefectCategory::as_string).join(", ")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, sea_orm::EnumIter, sea_orm::DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
pub enum CaseStatus {
    Open,
    SwapApproved,
    Delivered,
    Closed,
    /// Refused at the desk with a reason: closed, nothing sent to the other services.
    Refused,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ApprovalRefused {
    #[error("a swap is already approved for this case")]
    AlreadyApproved,
    #[error("the case is closed")]
    Closed,
}

impl ApprovalRefused {
    /// The problem code the API answers with.
    pub fn code(self) -> &'static str {
        match self {
            ApprovalRefused::AlreadyApproved => "swap_already_approved",
            ApprovalRefused::Closed => "case_closed",
        }
    }
}

impl CaseStatus {
    pub const ALL: [CaseStatus; 5] = [
        CaseStatus::Open,
        CaseStatus::SwapApproved,
        CaseStatus::Delivered,
        CaseStatus::Closed,
        CaseStatus::Refused,
    ];

    /// The stored value, as the column holds it.
    pub fn as_string(self) -> String {
        sea_orm::ActiveEnum::to_value(&self)
    }

    /// A stored (or submitted) value; `None` for one this version does not know.
    pub fn parse(s: &str) -> Option<CaseStatus> {
        <Self as sea_orm::ActiveEnum>::try_from_value(&s.to_owned()).ok()
    }

    /// The status after approving a swap, if this case may still get one.
    pub fn approve_swap(self) -> Result<CaseStatus, ApprovalRefused> {
        match self {
            CaseStatus::Open => Ok(CaseStatus::SwapApproved),
            CaseStatus::SwapApproved | CaseStatus::Delivered => {
                Err(ApprovalRefused::AlreadyApproved)
            }
            CaseStatus::Closed | CaseStatus::Refused => Err(ApprovalRefused::Closed),
        }
    }

    /// The status after refusing the case at the desk: only an open case (no swap yet).
    pub fn refuse(self) -> Result<CaseStatus, ApprovalRefused> {
        match self {
            CaseStatus::Open => Ok(CaseStatus::Refused),
            CaseStatus::SwapApproved | CaseStatus::Delivered => {
                Err(ApprovalRefused::AlreadyApproved)
            }
            CaseStatus::Closed | CaseStatus::Refused => Err(ApprovalRefused::Closed),
        }
    }

    /// The status after the crew delivered the replacement and collected the defective unit;
    /// `None` when the case does not move (already delivered, or closed meanwhile).
    pub fn after_delivery(self) -> Option<CaseStatus> {
        match self {
            CaseStatus::Open | CaseStatus::SwapApproved => Some(CaseStatus::Delivered),
            CaseStatus::Delivered | CaseStatus::Closed | CaseStatus::Refused => None,
        }
    }

    /// Whether a case in this status keeps another case on the same sale from being opened
    /// (the database enforces it with a partial unique index).
    pub fn is_active(self) -> bool {
        !matches!(self, CaseStatus::Closed | CaseStatus::Refused)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_round_trip_and_reject_others() {
        for c in DefectCategory::ALL {
            assert_eq!(DefectCategory::parse(&c.as_string()), Some(c));
        }
        assert_eq!(DefectCategory::parse("malfunction"), None);
        assert_eq!(DefectCategory::parse("Noise"), None);
        assert!(DefectCategory::list().contains("damaged_on_arrival"));
    }

    #[test]
    fn a_swap_is_approved_once() {
        assert_eq!(
            CaseStatus::Open.approve_swap(),
            Ok(CaseStatus::SwapApproved)
        );
        assert_eq!(
            CaseStatus::SwapApproved.approve_swap(),
            Err(ApprovalRefused::AlreadyApproved)
        );
        assert_eq!(
            CaseStatus::Delivered.approve_swap(),
            Err(ApprovalRefused::AlreadyApproved)
        );
        assert_eq!(
            CaseStatus::Closed.approve_swap(),
            Err(ApprovalRefused::Closed)
        );
        assert_eq!(
            ApprovalRefused::AlreadyApproved.code(),
            "swap_already_approved"
        );
    }

    #[test]
    fn delivery_moves_an_approved_case_only_once() {
        assert_eq!(
            CaseStatus::SwapApproved.after_delivery(),
            Some(CaseStatus::Delivered)
        );
        assert_eq!(CaseStatus::Delivered.after_delivery(), None);
        assert_eq!(CaseStatus::Closed.after_delivery(), None);
    }

    #[test]
    fn statuses_round_trip() {
        for s in CaseStatus::ALL {
            assert_eq!(CaseStatus::parse(&s.as_string()), Some(s));
        }
        assert!(CaseStatus::Delivered.is_active());
        assert!(!CaseStatus::Closed.is_active());
        assert!(!CaseStatus::Refused.is_active());
    }

    #[test]
    fn only_an_open_case_is_refused() {
        assert_eq!(CaseStatus::Open.refuse(), Ok(CaseStatus::Refused));
        assert_eq!(
            CaseStatus::SwapApproved.refuse(),
            Err(ApprovalRefused::AlreadyApproved)
        );
        assert_eq!(CaseStatus::Refused.refuse(), Err(ApprovalRefused::Closed));
        assert_eq!(
            CaseStatus::Refused.approve_swap(),
            Err(ApprovalRefused::Closed)
        );
    }
}
