//! A sale: one unit (by serial number) on a receipt, with the customer it went to.

use chrono::{DateTime, Duration, Months, Utc};

/// The seller's legal guarantee (EU): two years from the sale.
pub const LEGAL_GUARANTEE_MONTHS: u32 = 24;

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

/// Where a sold unit stands on the day a customer comes back with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entitlement {
    /// Whole days since the sale.
    pub days_since_sale: i64,
    /// When the legal guarantee ends.
    pub guarantee_ends: DateTime<Utc>,
    /// Whole days of legal guarantee left (0 once it ended).
    pub guarantee_days_left: i64,
}

impl Entitlement {
    pub fn at(sold_at: DateTime<Utc>, now: DateTime<Utc>) -> Entitlement {
        let guarantee_ends = sold_at
            .checked_add_months(Months::new(LEGAL_GUARANTEE_MONTHS))
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        Entitlement {
            days_since_sale: (now - sold_at).num_days().max(0),
            guarantee_ends,
            guarantee_days_left: (guarantee_ends - now).num_days().max(0),
        }
    }

    pub fn under_guarantee(&self, now: DateTime<Utc>) -> bool {
        now < self.guarantee_ends
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_legal_guarantee_runs_two_years_from_the_sale() {
        let sold = DateTime::parse_from_rfc3339("2026-02-10T10:00:00Z")
            .unwrap_or_default()
            .to_utc();
        let now = sold + Duration::days(3) + Duration::hours(2);
        let e = Entitlement::at(sold, now);
        assert_eq!(e.days_since_sale, 3);
        assert_eq!(e.guarantee_ends.to_rfc3339(), "2028-02-10T10:00:00+00:00");
        assert_eq!(e.guarantee_days_left, 730 - 3 - 1);
        assert!(e.under_guarantee(now));
        let later = sold + Duration::days(800);
        let e = Entitlement::at(sold, later);
        assert_eq!(e.guarantee_days_left, 0);
        assert!(!e.under_guarantee(later));
    }

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
