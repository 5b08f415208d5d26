//! Auto-adjudication: what the agreement decides about a claim the moment it arrives.
//!
//! A version with swap rules decides by them
//! ([`AgreementTermsV1::swap_verdict`](kummerer_contracts::agreement::AgreementTermsV1::swap_verdict),
//! the function the retailer's desk shows before the swap): a claim under a covering rule is
//! accepted by that rule with its cost lines; under an excluding rule, or past the coverage, it
//! is rejected by rule with the reason (still disputable); above a rule's cap or maximum price
//! it waits for a person (`flagged`, `amount_above_cap`); where no rule fits it waits
//! (`no_rule`). A version without swap rules keeps the older single rule
//! ([`AgreementTermsV1::recovery`](kummerer_contracts::agreement::AgreementTermsV1::recovery)):
//! within the DOA window accepted in full (`doa_full_refund`), within the coverage waiting with
//! the agreed share as the suggestion, past the coverage rejected by rule (`outside_coverage`).
//! Without an agreement, with a price in another currency, or with a swap dated before the
//! sale, the claim waits for the manufacturer.

use chrono::{DateTime, Months, Utc};
use kummerer_contracts::agreement::{EvidenceKind, Recovery};
use kummerer_contracts::swap_rules::AskWhy;
use kummerer_contracts::{CostLine, CostLineKind, Money, SwapFacts, SwapVerdict};

use super::agreement::Terms;
use super::claim::PendingReason;

/// The rule that accepts a dead-on-arrival unit in full.
pub const DOA_FULL_REFUND: &str = kummerer_contracts::swap_rules::DOA_FULL_REFUND;
/// The rule that rejects a claim past the agreement's coverage.
pub const OUTSIDE_COVERAGE: &str = kummerer_contracts::swap_rules::OUTSIDE_COVERAGE;

/// What the rules need to know about a claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimFacts {
    pub price_paid: Money,
    pub sold_at: DateTime<Utc>,
    pub swapped_at: DateTime<Utc>,
    pub defect_category: String,
    /// The product's list price: the manufacturer's price list, else the retailer's claim.
    pub list_price: Option<Money>,
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

    fn swap(&self) -> SwapFacts<'_> {
        SwapFacts {
            price_paid: &self.price_paid,
            list_price: self.list_price.as_ref(),
            sold_at: self.sold_at,
            swapped_at: self.swapped_at,
            defect_category: &self.defect_category,
            upgrade_price: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Adjudication {
    /// Decided by `rule`: credit `amount`, made of `lines`; `evidence` is what the rule needs
    /// before it may accept.
    Accept {
        amount: Money,
        rule: String,
        lines: Vec<CostLine>,
        evidence: Vec<EvidenceKind>,
    },
    /// Rejected by `rule` with `reason_code`; the retailer may dispute it.
    Reject { rule: String, reason_code: String },
    /// Left for the manufacturer; `suggested_amount` is what the agreement would pay, where it
    /// says anything about this claim.
    Pending {
        reason: PendingReason,
        suggested_amount: Option<Money>,
    },
}

impl Adjudication {
    /// The cost lines of an acceptance by rule (empty otherwise).
    pub fn lines(&self) -> &[CostLine] {
        match self {
            Adjudication::Accept { lines, .. } => lines,
            _ => &[],
        }
    }
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
    let contract = terms.to_contract();
    if !terms.swap_rules.is_empty() {
        return match contract.swap_verdict(&claim.swap()) {
            SwapVerdict::Covered {
                rule,
                lines,
                total,
                evidence_required,
                ..
            } => Adjudication::Accept {
                amount: total,
                rule,
                lines,
                evidence: evidence_required,
            },
            SwapVerdict::Excluded { rule, reason_code } => {
                Adjudication::Reject { rule, reason_code }
            }
            SwapVerdict::Ask {
                why: AskWhy::AboveCap | AskWhy::AboveMaxPrice,
                suggested,
                ..
            } => pending(PendingReason::Flagged, suggested),
            SwapVerdict::Ask { suggested, .. } => pending(PendingReason::NoRule, suggested),
            SwapVerdict::Open => pending(PendingReason::NoRule, None),
            SwapVerdict::CurrencyMismatch => pending(PendingReason::CurrencyMismatch, None),
            SwapVerdict::SwappedBeforeSale => pending(PendingReason::SwappedBeforeSale, None),
        };
    }
    match contract.recovery(&claim.price_paid, claim.sold_at, claim.swapped_at) {
        Recovery::Doa { amount } => Adjudication::Accept {
            lines: vec![
                CostLine {
                    kind: CostLineKind::Unit,
                    amount: claim.price_paid.clone(),
                },
                CostLine {
                    kind: CostLineKind::HandlingFee,
                    amount: terms.handling_fee.clone(),
                },
            ],
            amount,
            rule: DOA_FULL_REFUND.to_owned(),
            evidence: Vec::new(),
        },
        Recovery::Covered { amount, .. } => pending(PendingReason::OutsideDoa, Some(amount)),
        Recovery::OutsideCoverage => Adjudication::Reject {
            rule: OUTSIDE_COVERAGE.to_owned(),
            reason_code: OUTSIDE_COVERAGE.to_owned(),
        },
        Recovery::CurrencyMismatch => pending(PendingReason::CurrencyMismatch, None),
        Recovery::SwappedBeforeSale => pending(PendingReason::SwappedBeforeSale, None),
    }
}

/// What must be present before `verdict` may accept: the agreement's evidence and the
/// accepting rule's, each kind once.
pub fn required_evidence(terms: Option<&Terms>, verdict: &Adjudication) -> Vec<EvidenceKind> {
    let mut out: Vec<EvidenceKind> = terms
        .map(|t| t.evidence_required.clone())
        .unwrap_or_default();
    if let Adjudication::Accept { evidence, .. } = verdict {
        for k in evidence {
            if !out.contains(k) {
                out.push(*k);
            }
        }
    }
    out
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
            swap_rules: vec![],
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
            defect_category: "no_power".into(),
            list_price: None,
        }
    }

    #[test]
    fn within_doa_is_accepted_in_full() {
        let c = claim(at(2026, 1, 1, 10), at(2026, 1, 4, 9));
        assert_eq!(
            adjudicate(&c, Some(&terms())),
            Adjudication::Accept {
                amount: eur("524.00"),
                rule: DOA_FULL_REFUND.into(),
                lines: vec![
                    CostLine {
                        kind: CostLineKind::Unit,
                        amount: eur("499.00")
                    },
                    CostLine {
                        kind: CostLineKind::HandlingFee,
                        amount: eur("25")
                    },
                ],
                evidence: vec![],
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
            Adjudication::Reject {
                rule: OUTSIDE_COVERAGE.into(),
                reason_code: OUTSIDE_COVERAGE.into(),
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

    /// Terms with swap rules: first year 100 % + 15 fee with a collected serial required,
    /// second year 50 % capped at 300, water damage excluded.
    fn ruled() -> Terms {
        use kummerer_contracts::{RuleFees, SwapRuleV1};
        let base = SwapRuleV1::covering("", 0, 12, Decimal::from(100));
        let mut t = terms();
        t.swap_rules = vec![
            SwapRuleV1 {
                code: "water".into(),
                until_month: 120,
                defect_categories: vec!["water_damage".into()],
                reject_reason: Some("water_damage".into()),
                ..base.clone()
            },
            SwapRuleV1 {
                code: "year_1".into(),
                evidence_required: vec![EvidenceKind::CollectedSerial],
                fees: RuleFees {
                    handling_fee: Some(eur("15")),
                    ..Default::default()
                },
                ..base.clone()
            },
            SwapRuleV1 {
                code: "year_2".into(),
                from_month: 12,
                until_month: 18,
                percent: Decimal::from(50),
                cap: Some(eur("200")),
                ..base
            },
        ];
        t
    }

    #[test]
    fn swap_rules_accept_reject_flag_or_leave_open() {
        let sold = at(2026, 1, 1, 10);
        let mut c = claim(sold, at(2026, 5, 1, 10));
        let v = adjudicate(&c, Some(&ruled()));
        assert!(
            matches!(&v, Adjudication::Accept { amount, rule, lines, .. }
            if *amount == eur("514.00") && rule == "year_1" && lines.len() == 2)
        );
        // The rule's evidence is required on top of the agreement's.
        assert_eq!(
            required_evidence(Some(&ruled()), &v),
            [EvidenceKind::CollectedSerial]
        );
        c.defect_category = "water_damage".into();
        assert_eq!(
            adjudicate(&c, Some(&ruled())),
            Adjudication::Reject {
                rule: "water".into(),
                reason_code: "water_damage".into()
            }
        );
        // 50 % of 499 = 249.50 is above the cap of 200: a person decides.
        let c = claim(sold, at(2027, 2, 1, 10));
        assert_eq!(
            adjudicate(&c, Some(&ruled())),
            Adjudication::Pending {
                reason: PendingReason::Flagged,
                suggested_amount: Some(eur("249.50")),
            }
        );
        // 18 to 24 months: no rule, the coverage still runs.
        let c = claim(sold, at(2027, 8, 1, 10));
        assert_eq!(
            adjudicate(&c, Some(&ruled())),
            Adjudication::Pending {
                reason: PendingReason::NoRule,
                suggested_amount: None,
            }
        );
        let c = claim(sold, at(2028, 1, 2, 10));
        assert!(matches!(
            adjudicate(&c, Some(&ruled())),
            Adjudication::Reject { .. }
        ));
    }
}
