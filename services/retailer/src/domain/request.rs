//! A clerk's swap form sent to the managers' desks (an approval request), and a sales file
//! uploaded for import: where each stands.

/// Stored in `approval_requests.status` (text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, sea_orm::EnumIter, sea_orm::DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
pub enum RequestStatus {
    /// Waiting for a manager.
    Open,
    Approved,
    Declined,
    /// The case was decided otherwise meanwhile.
    Withdrawn,
    /// No manager decided before it expired: the case is open again for a decision.
    Expired,
}

impl RequestStatus {
    /// The stored value, as the column holds it.
    pub fn as_string(self) -> String {
        sea_orm::ActiveEnum::to_value(&self)
    }
}

/// Stored in `sales_imports.status` (text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, sea_orm::EnumIter, sea_orm::DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
pub enum ImportStatus {
    /// Checked, with errors: nothing imported yet.
    Checked,
    /// Every valid row is in.
    Imported,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_values_stay_what_they_were() {
        assert_eq!(RequestStatus::Open.as_string(), "open");
        assert_eq!(RequestStatus::Withdrawn.as_string(), "withdrawn");
        assert_eq!(RequestStatus::Expired.as_string(), "expired");
        assert_eq!(
            sea_orm::ActiveEnum::to_value(&ImportStatus::Checked),
            "checked"
        );
        assert_eq!(
            sea_orm::ActiveEnum::to_value(&ImportStatus::Imported),
            "imported"
        );
    }
}
