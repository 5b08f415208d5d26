//! Duplicate, fraud and amount checks on a claim's arrival. A flagged claim is never accepted by a rule:
//! what the agreement would have accepted waits for the manufacturer (pending reason `flagged`)
//! with the amount the rule would have paid as the suggestion.

use std::fmt;

use kummerer_contracts::Money;

use super::adjudication::{Adjudication, ClaimFacts};
use super::agreement::Terms;
use super::claim::PendingReason;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ClaimFlag {
    /// Another claim of the same manufacturer names the same serial.
    DuplicateSerial,
    /// The manufacturer uploaded a serial registry and this serial is not in it.
    UnknownSerial,
    /// The serial the crew read off the collected unit is not the serial the claim names.
    SerialMismatch,
    /// What the rule would pay is above the agreement's per-claim cap, or above what it would
    /// pay on the list price (the manufacturer's own, else the one the retailer sent).
    AmountAboveCap,
}

impl ClaimFlag {
    pub fn as_str(self) -> &'static str {
        match self {
            ClaimFlag::DuplicateSerial => "duplicate_serial",
            ClaimFlag::UnknownSerial => "unknown_serial",
            ClaimFlag::SerialMismatch => "serial_mismatch",
            ClaimFlag::AmountAboveCap => "amount_above_cap",
        }
    }
}

impl ClaimFlag {
    pub fn parse(s: &str) -> Option<Self> {
        [
            ClaimFlag::DuplicateSerial,
            ClaimFlag::UnknownSerial,
            ClaimFlag::SerialMismatch,
            ClaimFlag::AmountAboveCap,
        ]
        .into_iter()
        .find(|f| f.as_str() == s)
    }
}

impl fmt::Display for ClaimFlag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the serial checks found out about an arriving claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SerialFacts {
    /// Another claim of the manufacturer has the same serial.
    pub claimed_before: bool,
    /// Whether the serial is in the manufacturer's registry; `None` without a registry.
    pub in_registry: Option<bool>,
}

/// The flags the facts raise, in a stable order.
pub fn flags(facts: SerialFacts) -> Vec<ClaimFlag> {
    let mut out = Vec::new();
    if facts.claimed_before {
        out.push(ClaimFlag::DuplicateSerial);
    }
    if facts.in_registry == Some(false) {
        out.push(ClaimFlag::UnknownSerial);
    }
    out
}

/// Whether the amount the agreement's rule gives for `claim` (DOA or covered, depreciation
/// applied) is above the version's per-claim cap, or above what the same rule gives on the
/// product's list price: the manufacturer's own price list for `sku` wins over
/// `retailer_list_price`. A list price that cannot be compared (another currency) counts as
/// above. Without terms, or where the rule gives no amount, nothing is checked.
pub fn above_cap(
    claim: &ClaimFacts,
    terms: Option<&Terms>,
    sku: &str,
    retailer_list_price: Option<&Money>,
) -> bool {
    let Some(terms) = terms else {
        return false;
    };
    if !terms.swap_rules.is_empty() {
        // The rule's own `cap` and `max_price` are checked by the rule; the version's cap
        // still bounds what any rule accepts.
        return match (
            super::adjudication::adjudicate(claim, Some(terms)),
            &terms.claim_cap,
        ) {
            (Adjudication::Accept { amount, .. }, Some(cap)) => {
                cap.currency != amount.currency || amount.amount > cap.amount
            }
            _ => false,
        };
    }
    let rule = terms.to_contract();
    let recovery = |price: &Money| {
        rule.recovery(price, claim.sold_at, claim.swapped_at)
            .amount()
            .cloned()
    };
    let Some(amount) = recovery(&claim.price_paid) else {
        return false;
    };
    if let Some(cap) = &terms.claim_cap
        && (cap.currency != amount.currency || amount.amount > cap.amount)
    {
        return true;
    }
    match terms.list_price(sku).or(retailer_list_price) {
        None => false,
        Some(list) => recovery(list).is_none_or(|on_list| amount.amount > on_list.amount),
    }
}

/// The verdict once flags are taken into account: a flagged claim is never accepted by rule.
pub fn hold_flagged(verdict: Adjudication, flags: &[ClaimFlag]) -> Adjudication {
    match verdict {
        Adjudication::Accept { amount, .. } if !flags.is_empty() => Adjudication::Pending {
            reason: PendingReason::Flagged,
            suggested_amount: Some(amount),
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kummerer_contracts::{Currency, Money};
    use rust_decimal::Decimal;

    fn accept() -> Adjudication {
        Adjudication::Accept {
            amount: Money::new(Decimal::from(524), Currency::parse("EUR").unwrap()).unwrap(),
            rule: "doa_full_refund".into(),
            lines: vec![],
            evidence: vec![],
        }
    }

    #[test]
    fn facts_raise_flags() {
        assert!(flags(SerialFacts::default()).is_empty());
        assert!(
            flags(SerialFacts {
                claimed_before: false,
                in_registry: Some(true)
            })
            .is_empty()
        );
        assert_eq!(
            flags(SerialFacts {
                claimed_before: true,
                in_registry: Some(false)
            }),
            [ClaimFlag::DuplicateSerial, ClaimFlag::UnknownSerial]
        );
    }

    fn eur(amount: &str) -> Money {
        Money::new(amount.parse().unwrap(), Currency::parse("EUR").unwrap()).unwrap()
    }

    /// The rule tests' terms, depreciating 2 points a month.
    fn terms() -> Terms {
        let mut t = crate::domain::adjudication::tests::terms();
        t.depreciation_percent_per_month = Decimal::from(2);
        t
    }

    fn facts(price_paid: &str, days: i64) -> ClaimFacts {
        let sold_at = chrono::Utc::now() - chrono::TimeDelta::days(days);
        ClaimFacts {
            price_paid: eur(price_paid),
            sold_at,
            swapped_at: sold_at + chrono::TimeDelta::days(days),
            defect_category: "no_power".into(),
            list_price: None,
        }
    }

    #[test]
    fn the_amount_is_checked_against_the_cap_and_the_list_price() {
        let t = terms();
        let doa = facts("499.00", 3);
        // Nothing to compare with: no check.
        assert!(!above_cap(&doa, Some(&t), "WM-100", None));
        assert!(!above_cap(&doa, None, "WM-100", Some(&eur("1"))));
        // The retailer's list price: the price paid is at it, or above it.
        assert!(!above_cap(&doa, Some(&t), "WM-100", Some(&eur("499"))));
        let bought = facts("99999.99", 3);
        assert!(above_cap(&bought, Some(&t), "WM-100", Some(&eur("499"))));
        // The manufacturer's price list wins over the retailer's list price.
        let mut listed = t.clone();
        listed.price_list = vec![kummerer_contracts::ListPrice {
            sku: "WM-100".into(),
            price: eur("449"),
        }];
        assert!(above_cap(&doa, Some(&listed), "WM-100", Some(&eur("999"))));
        assert!(!above_cap(&doa, Some(&listed), "WM-200", Some(&eur("999"))));
        // Depreciation applies to both sides: covered after 2 months, 76 % either way.
        let covered = facts("499.00", 70);
        assert!(!above_cap(&covered, Some(&t), "WM-100", Some(&eur("499"))));
        assert!(above_cap(&covered, Some(&t), "WM-100", Some(&eur("498"))));
        // A list price in another currency cannot be checked: held.
        let chf = Money::new(Decimal::from(499), Currency::parse("CHF").unwrap()).unwrap();
        assert!(above_cap(&doa, Some(&t), "WM-100", Some(&chf)));
        // The cap: fee included (499 + 25 = 524).
        let mut capped = t.clone();
        capped.claim_cap = Some(eur("524"));
        assert!(!above_cap(&doa, Some(&capped), "WM-100", None));
        capped.claim_cap = Some(eur("523.99"));
        assert!(above_cap(&doa, Some(&capped), "WM-100", None));
        // Covered: 76 % of 499.00 = 379.24, plus 25.00 = 404.24.
        assert!(!above_cap(&covered, Some(&capped), "WM-100", None));
        capped.claim_cap = Some(eur("404.23"));
        assert!(above_cap(&covered, Some(&capped), "WM-100", None));
        assert_eq!(
            ClaimFlag::parse("amount_above_cap"),
            Some(ClaimFlag::AmountAboveCap)
        );
    }

    #[test]
    fn a_flagged_claim_is_never_accepted_by_rule() {
        let held = hold_flagged(accept(), &[ClaimFlag::DuplicateSerial]);
        match held {
            Adjudication::Pending {
                reason,
                suggested_amount,
            } => {
                assert_eq!(reason, PendingReason::Flagged);
                assert_eq!(suggested_amount.unwrap().amount, Decimal::from(524));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(hold_flagged(accept(), &[]), accept());
        let pending = Adjudication::Pending {
            reason: PendingReason::OutsideCoverage,
            suggested_amount: None,
        };
        assert_eq!(
            hold_flagged(pending.clone(), &[ClaimFlag::UnknownSerial]),
            pending
        );
    }
}
