//! Auto-adjudication: what the agreement decides about a claim the moment it arrives.
//!
//! The amounts come from the rule retailer and manufacturer share,
//! [`AgreementTermsV1::recovery`](kummerer_contracts::agreement::AgreementTermsV1::recovery),
//! applied to the version of the agreement in force on the swap date. Without an agreement, or
//! with a price in another currency, or with a swap dated before the sale, the claim waits for
//! the manufacturer. A swap within the DOA window is accepted at once for the price paid plus
//! the handling fee (rule `doa_full_refund`). Within the coverage it waits with a suggested
//! amount (the agreed percentage after depreciation, rounded to cents, plus the fee); past the
//! coverage it waits with a suggested amount of zero.

use chrono::{DateTime, Months, Utc};
use kummerer_contracts::Money;
use kummerer_contracts::agreement::{EvidenceKind, Recovery};

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

/// Judges `claim` against the terms of the agreement version in force on its swap date, if any.
pub fn adjudicate(claim: &ClaimFacts, agreement: Option<&Terms>) -> Adjudication {
    let Some(terms) = agreement else {
        return pending(PendingReason::NoAgreement, None);
    };
    match terms
        .to_contract()
        .recovery(&claim.price_paid, claim.sold_at, claim.swapped_at)
    {
        Recovery::Doa { amount } => Adjudication::Accept {
            amount,
            rule: DOA_FULL_REFUND,
        },
        Recovery::Covered { amount, .. } => pending(PendingReason::OutsideDoa, Some(amount)),
        Recovery::OutsideCoverage => pending(
            PendingReason::OutsideCoverage,
            Some(Money::zero(terms.currency.clone())),
        ),
        Recovery::CurrencyMismatch => pending(PendingReason::CurrencyMismatch, None),
        Recovery::SwappedBeforeSale => pending(PendingReason::SwappedBeforeSale, None),
    }
}

/// The evidence `required` that is not among `present`, in the order required.
pub fn missing_evidence(required: &[EvidenceKind], present: &[EvidenceKind]) -> Vec<EvidenceKind> {
    required
        .iter()
        .copied()
        // A version stored before the agreement API refused it may require what the system never
        // sends (a statement): waiting for it would hold the claim for good, so it is not waited
        // for (the agreement's view reports it).
        .filter(|k| k.is_produced())
        .filter(|k| !present.contains(k))
        .collect()
}

/// The verdict once required evidence is taken into account: a claim whose required evidence is
/// missing is never accepted by rule; it waits (`evidence_missing`) with the amount the rule
/// would pay as the suggestion, and is judged again when the evidence arrives.
pub fn hold_for_evidence(verdict: Adjudication, missing: &[EvidenceKind]) -> Adjudication {
    match verdict {
        Adjudication::Accept { amount, .. } if !missing.is_empty() => Adjudication::Pending {
            reason: PendingReason::EvidenceMissing,
            suggested_amount: Some(amount),
        },
        other => other,
    }
}

#[cfg(test)]
pub(crate) mod tests {
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

    /// Terms for the rule tests: EUR, 24 months, DOA 14 days, 80 %, fee 25.00.
    pub(crate) fn terms() -> Terms {
        Terms {
            currency: Currency::parse("EUR").unwrap(),
            coverage_months: 24,
            doa_days: 14,
            reimbursement_percent: Decimal::from_str("80").unwrap(),
            depreciation_percent_per_month: Decimal::ZERO,
            handling_fee: eur("25"),
            unit_disposition: Default::default(),
            decision_deadline_days: 14,
            default_outcome: Default::default(),
            evidence_required: vec![],
            claim_cap: None,
            price_list: vec![],
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
    fn depreciation_lowers_the_suggestion() {
        let mut t = terms();
        t.depreciation_percent_per_month = Decimal::from(2);
        // 2 whole months: 80 - 4 = 76 % of 499.00 = 379.24, plus 25.00.
        let c = claim(at(2026, 1, 1, 10), at(2026, 3, 1, 10));
        assert_eq!(
            adjudicate(&c, Some(&t)),
            Adjudication::Pending {
                reason: PendingReason::OutsideDoa,
                suggested_amount: Some(eur("404.24")),
            }
        );
    }

    #[test]
    fn missing_evidence_holds_what_the_rule_would_accept() {
        let c = claim(at(2026, 1, 1, 10), at(2026, 1, 4, 9));
        let required = [EvidenceKind::CollectedSerial, EvidenceKind::CollectedPhoto];
        let missing = missing_evidence(&required, &[EvidenceKind::CollectedPhoto]);
        assert_eq!(missing, [EvidenceKind::CollectedSerial]);
        assert_eq!(
            hold_for_evidence(adjudicate(&c, Some(&terms())), &missing),
            Adjudication::Pending {
                reason: PendingReason::EvidenceMissing,
                suggested_amount: Some(eur("524.00")),
            }
        );
        let all = missing_evidence(&required, &required);
        assert!(all.is_empty());
        assert!(matches!(
            hold_for_evidence(adjudicate(&c, Some(&terms())), &all),
            Adjudication::Accept { .. }
        ));
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
