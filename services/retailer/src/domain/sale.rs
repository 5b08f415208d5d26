//! A sale: one unit (by serial number) on a receipt, with the customer it went to.

use chrono::{DateTime, Duration, Utc};

/// Clock difference between a till and this service that is still "now", not "the future".
pub const CLOCK_SKEW_MINUTES: i64 = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SaleDateError {
    #[error("must not be in the future")]
    InTheFuture,
}

/// A sale is recorded after it happened.
pub fn check_sold_at(sold_at: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), SaleDateError> {
    if sold_at > now + Duration::minutes(CLOCK_SKEW_MINUTES) {
        Err(SaleDateError::InTheFuture)
    } else {
        Ok(())
    }
}

/// An ISO 3166-1 alpha-2 country code (`de` is read as `DE`).
pub fn parse_country(s: &str) -> Option<String> {
    let s = s.trim();
    (s.len() == 2 && s.bytes().all(|b| b.is_ascii_alphabetic())).then(|| s.to_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sale_is_not_in_the_future() {
        let now = Utc::now();
        assert!(check_sold_at(now - Duration::days(3), now).is_ok());
        assert!(check_sold_at(now + Duration::minutes(1), now).is_ok());
        assert_eq!(
            check_sold_at(now + Duration::days(1), now),
            Err(SaleDateError::InTheFuture)
        );
    }

    #[test]
    fn countries_are_two_letters() {
        assert_eq!(parse_country("DE").as_deref(), Some("DE"));
        assert_eq!(parse_country(" at ").as_deref(), Some("AT"));
        assert_eq!(parse_country("DEU"), None);
        assert_eq!(parse_country("D1"), None);
        assert_eq!(parse_country(""), None);
    }
}
