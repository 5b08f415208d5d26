//! A sale: one unit (by serial number) on a receipt, with the customer it went to.

use chrono::{DateTime, Duration, Months, Utc};
use kummerer_contracts::{Currency, Money};
use rust_decimal::Decimal;

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

/// Why a price paid is refused against the product's list price.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PriceError {
    /// More than the list price plus the tolerance: a refund could be bought with it.
    #[error(
        "the price paid {paid} is above the product's list price {list} (tolerance {tolerance_percent} %, so at most {ceiling})"
    )]
    AboveList {
        paid: Money,
        list: Money,
        tolerance_percent: Decimal,
        ceiling: Money,
    },
    /// Another currency than the list price's.
    #[error("the price paid is in {paid}, the product's list price in {list}")]
    OtherCurrency { paid: Currency, list: Currency },
}

impl PriceError {
    /// The stable code an API answers with.
    pub fn code(&self) -> &'static str {
        match self {
            PriceError::AboveList { .. } => "price_above_list",
            PriceError::OtherCurrency { .. } => "price_currency_not_list",
        }
    }
}

/// A price paid is in the list price's currency and no more than the list price plus
/// `tolerance_percent` % of it (a sale below the list price, a discount, is always fine).
pub fn check_price_paid(
    paid: &Money,
    list: &Money,
    tolerance_percent: Decimal,
) -> Result<(), PriceError> {
    if paid.currency != list.currency {
        return Err(PriceError::OtherCurrency {
            paid: paid.currency.clone(),
            list: list.currency.clone(),
        });
    }
    // Rounded up to the cent: the tolerance never refuses a price it names.
    let mut top = (list.amount * (Decimal::ONE_HUNDRED + tolerance_percent) / Decimal::ONE_HUNDRED)
        .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::AwayFromZero);
    top.rescale(2);
    if paid.amount > top {
        return Err(PriceError::AboveList {
            paid: paid.clone(),
            list: list.clone(),
            tolerance_percent,
            ceiling: Money::new(top, list.currency.clone()).unwrap_or_else(|_| list.clone()),
        });
    }
    Ok(())
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

    fn money(amount: &str, currency: &str) -> Money {
        Money::new(amount.parse().unwrap(), Currency::parse(currency).unwrap()).unwrap()
    }

    #[test]
    fn a_price_paid_above_the_list_price_is_refused() {
        let list = money("499.00", "EUR");
        let zero = Decimal::ZERO;
        assert!(check_price_paid(&money("499.00", "EUR"), &list, zero).is_ok());
        assert!(check_price_paid(&money("449.00", "EUR"), &list, zero).is_ok());
        let e = check_price_paid(&money("499.01", "EUR"), &list, zero).unwrap_err();
        assert_eq!(e.code(), "price_above_list");
        assert!(e.to_string().contains("499.00 EUR"), "{e}");
        let e = check_price_paid(&money("99999.99", "EUR"), &list, zero).unwrap_err();
        assert_eq!(e.code(), "price_above_list");
        // 5 %: 523.95 is the most.
        let five = Decimal::from(5);
        assert!(check_price_paid(&money("523.95", "EUR"), &list, five).is_ok());
        assert!(check_price_paid(&money("523.96", "EUR"), &list, five).is_err());
        // Another currency, even a smaller amount.
        let e = check_price_paid(&money("1.00", "CHF"), &list, five).unwrap_err();
        assert_eq!(e.code(), "price_currency_not_list");
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
