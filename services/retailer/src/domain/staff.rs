//! Retailer staff: roles, what an account needs, and the lock-out after repeated failed
//! sign-ins.

use chrono::{DateTime, Duration, Utc};

/// Failed sign-ins in a row that lock an account.
pub const MAX_FAILED_SIGN_INS: i32 = 5;
/// How long a locked account stays locked.
pub const LOCK_MINUTES: i64 = 15;
/// Shortest password.
pub const PASSWORD_MIN: usize = 12;
/// Longest password (hashing cost stays bounded).
pub const PASSWORD_MAX: usize = 256;
/// How long a desk session lasts (a long shift).
pub const SESSION_HOURS: i64 = 12;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Clerk,
    Manager,
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Clerk, Role::Manager, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Clerk => "clerk",
            Role::Manager => "manager",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// An e-mail address as the sign-in name: trimmed, lower-case, `local@domain` with a dot in the
/// domain and no spaces.
pub fn parse_email(s: &str) -> Option<String> {
    let s = s.trim().to_lowercase();
    let (local, domain) = s.split_once('@')?;
    let ok = !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && s.len() <= 200
        && !s.chars().any(char::is_whitespace);
    ok.then_some(s)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("must be at least {PASSWORD_MIN} characters")]
    TooShort,
    #[error("must be at most {PASSWORD_MAX} characters")]
    TooLong,
}

pub fn check_password(password: &str) -> Result<(), PasswordError> {
    let n = password.chars().count();
    if n < PASSWORD_MIN {
        Err(PasswordError::TooShort)
    } else if n > PASSWORD_MAX {
        Err(PasswordError::TooLong)
    } else {
        Ok(())
    }
}

/// Whether an account is locked at `now`.
pub fn is_locked(locked_until: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    locked_until.is_some_and(|until| until > now)
}

/// The account after one more failed sign-in: `(failed_attempts, locked_until)`. The fifth
/// failure in a row locks it for 15 minutes and starts the count again.
pub fn after_failure(failed_attempts: i32, now: DateTime<Utc>) -> (i32, Option<DateTime<Utc>>) {
    let failed = failed_attempts.saturating_add(1);
    if failed >= MAX_FAILED_SIGN_INS {
        (0, Some(now + Duration::minutes(LOCK_MINUTES)))
    } else {
        (failed, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
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
