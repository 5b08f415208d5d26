//! Retailer staff: roles and how long a desk session lasts. Passwords, e-mail sign-in names and
//! the lock-out after repeated failed sign-ins follow the shared rules of `kummerer_web`.

/// How long a desk session lasts (a long shift).
pub const SESSION_HOURS: i64 = 12;

#[derive(Debug, Clone, Copy, PartialEq, Eq, sea_orm::EnumIter, sea_orm::DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
pub enum Role {
    Clerk,
    Manager,
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Clerk, Role::Manager, Role::Admin];

    /// The stored value, as the column holds it.
    pub fn as_string(self) -> String {
        sea_orm::ActiveEnum::to_value(&self)
    }

    /// A stored (or submitted) value; `None` for one this version does not know.
    pub fn parse(s: &str) -> Option<Role> {
        <Self as sea_orm::ActiveEnum>::try_from_value(&s.to_owned()).ok()
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, Utc};
    // The sign-in rules the desk relies on, as the shared crate gives them.
    use kummerer_web::{
        PASSWORD_MAX, PasswordError, after_failure, check_password, is_locked, parse_email,
    };

    use super::*;

    #[test]
    fn roles_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(&r.as_string()), Some(r));
        }
        assert_eq!(Role::parse("Admin"), None);
        assert_eq!(Role::parse("owner"), None);
    }

    #[test]
    fn emails_are_normalised() {
        assert_eq!(
            parse_email(" Anna@Example.COM ").as_deref(),
            Some("anna@example.com")
        );
        for bad in [
            "",
            "anna",
            "anna@",
            "@example.com",
            "anna@example",
            "a b@x.de",
            "a@@x.de",
        ] {
            assert_eq!(parse_email(bad), None, "{bad}");
        }
    }

    #[test]
    fn passwords_are_long_enough() {
        assert_eq!(check_password("short"), Err(PasswordError::TooShort));
        assert_eq!(check_password("elevenchars"), Err(PasswordError::TooShort));
        assert!(check_password("twelve chars").is_ok());
        assert_eq!(
            check_password(&"x".repeat(PASSWORD_MAX + 1)),
            Err(PasswordError::TooLong)
        );
    }

    #[test]
    fn the_fifth_failure_locks_for_fifteen_minutes() {
        let now = Utc::now();
        let mut failed = 0;
        for _ in 0..4 {
            let (f, until) = after_failure(failed, now);
            assert_eq!(until, None);
            failed = f;
        }
        assert_eq!(failed, 4);
        let (failed, until) = after_failure(failed, now);
        assert_eq!(failed, 0);
        assert_eq!(until, Some(now + Duration::minutes(15)));
        assert!(is_locked(until, now + Duration::minutes(14)));
        assert!(!is_locked(until, now + Duration::minutes(15)));
        assert!(!is_locked(None, now));
    }
}
