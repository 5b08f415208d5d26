//! Auto-adjudication: what the agreement decides about a claim the moment it arrives.
//!
//! In order: without an agreement, or with a price in another currency, or with a swap dated
//! before the sale, the claim waits for the manufacturer (flagged). A swap within the DOA window
//! is accepted at once for the price paid plus the handling fee (rule `doa_full_refund`). Within
//! the coverage it waits with a suggested amount (the agreed percentage of the price, rounded to
//! cents, plus the fee); past the coverage it waits with a suggested amount of zero.

use chrono::{DateTime, Months, Utc};
use kummerer_contracts::Money;

use super::agreement::Terms;
use super::claim::PendingReason;

/// The rule that accepts a dead-on-arrival unit in full.
pub const DOA_FULL_REFUND: &str = "doa_full_refund";

/// What the rules need to know about a claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimFacts {
    pub price_paid: Money,
    pub sold_at: DateTime<Utc>,
    pub swapped_at: DateTime<Utc>,
}

impl ClaimFacts {
    /// Whole days from the sale to the swap (negative if the swap is dated before the sale).
    pub fn days_since_sale(&self) -> i64 {
        (self.swapped_at - self.sold_at).num_days()
    }

    /// Whether the swap is no later than the sale plus `months` calendar months.
    pub fn within_months(&self, months: u32) -> bool {
        match self.sold_at.checked_add_months(Months::new(months)) {
            Some(end) => self.swapped_at <= end,
            // Beyond the calendar: no end in sight.
            None => true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Adjudication {
    /// Decided by `rule`: credit `amount`.
    Accept { amount: Money, rule: &'static str },
    /// Left for the manufacturer; `suggested_amount` is what the agreement would pay, where it
    /// says anything about this claim.
    Pending {
        reason: PendingReason,
        suggested_amount: Option<Money>,
    },
}

fn pending(reason: PendingReason, suggested_amount: Option<Money>) -> Adjudication {
    Adjudication::Pending {
        reason,
        suggested_amount,
    }
}

/// Judges `claim` against the agreement between its manufacturer and retailer, if any.
pub fn adjudicate(claim: &ClaimFacts, agreement: Option<&Terms>) -> Adjudication {
    let Some(terms) = agreement else {
        return pending(PendingReason::NoAgreement, None);
    };
    if claim.price_paid.currency != terms.currency {
        return pending(PendingReason::CurrencyMismatch, None);
    }
    if claim.swapped_at < claim.sold_at {
        return pending(PendingReason::SwappedBeforeSale, None);
    }
    let full = match claim.price_paid.checked_add(&terms.handling_fee) {
        Ok(full) => full,
        // Unreachable after the currency check; never pay by rule on a surprise.
        Err(_) => return pending(PendingReason::CurrencyMismatch, None),
    };
    if claim.days_since_sale() <= i64::from(terms.doa_days) {
        return Adjudication::Accept {
            amount: full,
            rule: DOA_FULL_REFUND,
        };
    }
    if claim.within_months(terms.coverage_months) {
        let share = claim.price_paid.percent(terms.reimbursement_percent);
        return match share.checked_add(&terms.handling_fee) {
            Ok(suggested) => pending(PendingReason::OutsideDoa, Some(suggested)),
            Err(_) => pending(PendingReason::CurrencyMismatch, None),
        };
    }
    pending(
        PendingReason::OutsideCoverage,
        Some(Money::zero(terms.currency.clone())),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use kummerer_contracts::Currency;
    use rust_decimal::Decimal;
    use std::str::FromStr;

    fn money(amount: &str, currency: &str) -> Money {
        Money::new(
            Decimal::from_str(amount).unwrap(),
            Currency::parse(currency).unwrap(),
        )
        .unwrap()
    }

    fn eur(amount: &str) -> Money {
        money(amount, "EUR")
    }

    fn terms() -> Terms {
        Terms {
            currency: Currency::parse("EUR").unwrap(),
            coverage_months: 24,
            doa_days: 14,
            reimbursement_percent: Decimal::from_str("80").unwrap(),
            handling_fee: eur("25"),
            decision_deadline_days: 14,
            default_outcome: Default::default(),
        }
    }

    fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
    }

    fn claim(sold_at: DateTime<Utc>, swapped_at: DateTime<Utc>) -> ClaimFacts {
        ClaimFacts {
            price_paid: eur("499.00"),
            sold_at,
            swapped_at,
        }
    }

    #[test]
    fn within_doa_is_accepted_in_full() {
        let c = claim(at(2026, 1, 1, 10), at(2026, 1, 4, 9));
        assert_eq!(
            adjudicate(&c, Some(&terms())),
            Adjudication::Accept {
                amount: eur("524.00"),
                rule: DOA_FULL_REFUND
            }
        );
    }

    #[test]
    fn the_last_doa_day_counts_in_whole_days() {
        // 14 days and 23 hours: still 14 whole days.
        let c = claim(at(2026, 1, 1, 10), at(2026, 1, 16, 9));
        assert_eq!(c.days_since_sale(), 14);
        assert!(matches!(
            adjudicate(&c, Some(&terms())),
            Adjudication::Accept { .. }
        ));
        let c = claim(at(2026, 1, 1, 10), at(2026, 1, 16, 10));
        assert_eq!(c.days_since_sale(), 15);
        assert!(matches!(
            adjudicate(&c, Some(&terms())),
            Adjudication::Pending {
                reason: PendingReason::OutsideDoa,
                ..
            }
        ));
    }

    #[test]
    fn zero_doa_days_accepts_only_the_first_day() {
        let mut t = terms();
        t.doa_days = 0;
        let same_day = claim(at(2026, 1, 1, 10), at(2026, 1, 2, 9));
        assert!(matches!(
            adjudicate(&same_day, Some(&t)),
            Adjudication::Accept { .. }
        ));
        let next_day = claim(at(2026, 1, 1, 10), at(2026, 1, 2, 10));
        assert!(matches!(
            adjudicate(&next_day, Some(&t)),
            Adjudication::Pending { .. }
        ));
    }

    #[test]
    fn within_coverage_waits_with_the_agreed_share_plus_fee() {
        let c = claim(at(2026, 1, 1, 10), at(2026, 3, 1, 10));
        assert_eq!(
            adjudicate(&c, Some(&terms())),
            Adjudication::Pending {
                reason: PendingReason::OutsideDoa,
                // 80 % of 499.00 = 399.20, plus 25.00.
                suggested_amount: Some(eur("424.20")),
            }
        );
    }

    #[test]
    fn the_share_is_rounded_to_cents() {
        let mut t = terms();
        t.reimbursement_percent = Decimal::from_str("33.33").unwrap();
        t.handling_fee = eur("0");
        let c = ClaimFacts {
            price_paid: eur("10.01"),
            ..claim(at(2026, 1, 1, 10), at(2026, 3, 1, 10))
        };
        // 10.01 × 33.33 % = 3.336333 → 3.34
        assert_eq!(
            adjudicate(&c, Some(&t)),
            Adjudication::Pending {
                reason: PendingReason::OutsideDoa,
                suggested_amount: Some(eur("3.34")),
            }
        );
    }

    #[test]
    fn coverage_ends_after_calendar_months() {
        let sold = at(2024, 1, 31, 12);
        // 24 months after 31 Jan 2024 is 31 Jan 2026.
        let last = claim(sold, at(2026, 1, 31, 12));
        assert!(last.within_months(24));
        assert!(matches!(
            adjudicate(&last, Some(&terms())),
            Adjudication::Pending {
                reason: PendingReason::OutsideDoa,
                ..
            }
        ));
        let past = claim(sold, at(2026, 1, 31, 13));
        assert_eq!(
            adjudicate(&past, Some(&terms())),
            Adjudication::Pending {
                reason: PendingReason::OutsideCoverage,
                suggested_amount: Some(eur("0")),
            }
        );
        // A month end that does not exist clamps: 31 Jan + 1 month = 29 Feb 2024.
        let short = claim(sold, at(2024, 2, 29, 12));
        assert!(short.within_months(1));
        assert!(!claim(sold, at(2024, 3, 1, 0)).within_months(1));
    }

    #[test]
    fn without_agreement_it_waits() {
        let c = claim(at(2026, 1, 1, 10), at(2026, 1, 2, 10));
        assert_eq!(
            adjudicate(&c, None),
            Adjudication::Pending {
                reason: PendingReason::NoAgreement,
                suggested_amount: None,
            }
        );
    }

    #[test]
    fn another_currency_waits() {
        let c = ClaimFacts {
            price_paid: money("499.00", "CHF"),
            ..claim(at(2026, 1, 1, 10), at(2026, 1, 2, 10))
        };
        assert_eq!(
            adjudicate(&c, Some(&terms())),
            Adjudication::Pending {
                reason: PendingReason::CurrencyMismatch,
                suggested_amount: None,
            }
        );
    }

    #[test]
    fn a_swap_before_the_sale_is_never_paid_by_rule() {
        let c = claim(at(2026, 1, 2, 10), at(2026, 1, 1, 10));
        assert_eq!(
            adjudicate(&c, Some(&terms())),
            Adjudication::Pending {
                reason: PendingReason::SwappedBeforeSale,
                suggested_amount: None,
            }
        );
    }
}
