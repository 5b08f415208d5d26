//! What the manufacturer's agreement gives a sold unit today: its warranty (coverage), the DOA
//! window and the recovery the retailer can expect for a swap now — by the reimbursement rule
//! both sides share ([`AgreementTermsV1::recovery`]).

use chrono::{DateTime, Utc};
use kummerer_contracts::{
    AgreementTermsV1, CostLine, CostLineKind, Money, Recovery, SwapFacts, SwapVerdict,
};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The manufacturer's side of a unit's entitlement at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warranty {
    /// When the manufacturer's coverage ends (`None`: never, by the calendar's end).
    pub coverage_ends: Option<DateTime<Utc>>,
    pub under_coverage: bool,
    /// The end of the dead-on-arrival window.
    pub doa_ends: DateTime<Utc>,
    pub within_doa: bool,
    /// What a swap now recovers from the manufacturer.
    pub recovery: Recovery,
}

/// The warranty of a unit sold at `sold_at` for `price_paid`, under `terms`, at `now`.
pub fn warranty(
    terms: &AgreementTermsV1,
    price_paid: &Money,
    sold_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Warranty {
    let coverage_ends = terms.coverage_ends(sold_at);
    let recovery = terms.recovery(price_paid, sold_at, now);
    Warranty {
        under_coverage: now >= sold_at && coverage_ends.is_none_or(|end| now <= end),
        coverage_ends,
        doa_ends: terms.doa_ends(sold_at),
        within_doa: matches!(recovery, Recovery::Doa { .. }),
        recovery,
    }
}

/// The recovery in words for the desk.
pub fn recovery_text(recovery: &Recovery) -> String {
    match recovery {
        Recovery::Doa { amount } => format!(
            "{amount} — dead on arrival: the price paid plus the handling fee, accepted at once"
        ),
        Recovery::Covered { amount, percent } => format!(
            "{amount} — {}% of the price paid plus the handling fee; the manufacturer decides",
            percent.normalize()
        ),
        Recovery::OutsideCoverage => "nothing — the manufacturer's coverage has ended".to_owned(),
        Recovery::CurrencyMismatch => {
            "cannot be computed — the agreement is in another currency than the sale".to_owned()
        }
        Recovery::SwappedBeforeSale => "nothing — the sale is dated in the future".to_owned(),
    }
}

/// Whose account a swap today is on, by the accepted agreement version's swap rules: what the
/// sale and case pages say before the clerk decides, and what the swap records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Counter {
    /// On the manufacturer's account under `rule` of version `version`: `percent` % of the unit
    /// plus `extras` (fees, an upgrade's difference), `total` in all.
    Manufacturer {
        version: i32,
        rule: String,
        percent: Decimal,
        extras: Money,
        total: Money,
        lines: Vec<CostLine>,
    },
    /// At the store's own cost: `reason` (`outside_coverage` or an excluding rule's reason).
    Store {
        version: i32,
        rule: String,
        reason: String,
    },
    /// The manufacturer must agree first (`above_max_price`, `above_cap`,
    /// `upgrade_not_allowed`, `no_rule`, `currency_mismatch`, `swapped_before_sale`).
    Ask { version: i32, why: String },
    /// No agreement with the product's manufacturer is in force.
    NoAgreement,
}

impl Counter {
    /// `manufacturer`, `store`, `ask` or `no_agreement`: what the swap records.
    pub fn as_str(&self) -> &'static str {
        match self {
            Counter::Manufacturer { .. } => "manufacturer",
            Counter::Store { .. } => "store",
            Counter::Ask { .. } => "ask",
            Counter::NoAgreement => "no_agreement",
        }
    }

    /// The agreement version it was answered by (`None`: no agreement).
    pub fn version(&self) -> Option<i32> {
        match self {
            Counter::Manufacturer { version, .. }
            | Counter::Store { version, .. }
            | Counter::Ask { version, .. } => Some(*version),
            Counter::NoAgreement => None,
        }
    }

    /// The swap rule that answered (`None`: asked, or no agreement).
    pub fn rule(&self) -> Option<&str> {
        match self {
            Counter::Manufacturer { rule, .. } | Counter::Store { rule, .. } => Some(rule),
            Counter::Ask { .. } | Counter::NoAgreement => None,
        }
    }
}

/// The counter's answer for a unit sold at `sold_at` for `price_paid` (list price
/// `list_price`), with a defect of `defect_category` ("" when not yet known), swapped at `now`
/// under version `version` with `terms` (`None`: no agreement in force).
pub fn counter(
    agreement: Option<(i32, &AgreementTermsV1)>,
    price_paid: &Money,
    list_price: Option<&Money>,
    sold_at: DateTime<Utc>,
    now: DateTime<Utc>,
    defect_category: &str,
    upgrade_price: Option<&Money>,
) -> Counter {
    let Some((version, terms)) = agreement else {
        return Counter::NoAgreement;
    };
    let facts = SwapFacts {
        price_paid,
        list_price,
        sold_at,
        swapped_at: now,
        defect_category,
        upgrade_price,
    };
    let ask = |why: &str| Counter::Ask {
        version,
        why: why.to_owned(),
    };
    match terms.swap_verdict(&facts) {
        SwapVerdict::Covered {
            rule,
            percent,
            lines,
            total,
            ..
        } => {
            let mut extras = Money::zero(total.currency.clone());
            for l in lines.iter().filter(|l| l.kind != CostLineKind::Unit) {
                extras = extras.checked_add(&l.amount).unwrap_or(extras);
            }
            Counter::Manufacturer {
                version,
                rule,
                percent,
                extras,
                total,
                lines,
            }
        }
        SwapVerdict::Excluded { rule, reason_code } => Counter::Store {
            version,
            rule,
            reason: reason_code,
        },
        SwapVerdict::Ask { why, .. } => ask(why.as_str()),
        SwapVerdict::Open => ask("no_rule"),
        SwapVerdict::CurrencyMismatch => ask("currency_mismatch"),
        SwapVerdict::SwappedBeforeSale => ask("swapped_before_sale"),
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use chrono::{Duration, TimeZone};
    use kummerer_contracts::{Currency, DeadlineDefault, UnitDisposition};
    use rust_decimal::Decimal;

    use super::*;

    fn eur(s: &str) -> Money {
        Money::new(
            Decimal::from_str(s).unwrap(),
            Currency::parse("EUR").unwrap(),
        )
        .unwrap()
    }

    fn terms() -> AgreementTermsV1 {
        AgreementTermsV1 {
            currency: Currency::parse("EUR").unwrap(),
            coverage_months: 24,
            doa_days: 14,
            reimbursement_percent: Decimal::from(80),
            depreciation_percent_per_month: Decimal::ZERO,
            handling_fee: eur("25.00"),
            unit_disposition: UnitDisposition::OnRequest,
            decision_deadline_days: 14,
            default_outcome: DeadlineDefault::Accept,
            evidence_required: vec![],
            claim_cap: None,
            price_list: vec![],
            swap_rules: vec![],
        }
    }

    #[test]
    fn a_new_unit_is_dead_on_arrival_and_an_older_one_covered() {
        let sold = Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap();
        let w = warranty(&terms(), &eur("499.00"), sold, sold + Duration::days(3));
        assert!(w.within_doa && w.under_coverage);
        assert_eq!(w.doa_ends, sold + Duration::days(15));
        assert_eq!(
            w.coverage_ends,
            Some(Utc.with_ymd_and_hms(2028, 1, 1, 12, 0, 0).unwrap())
        );
        assert_eq!(
            recovery_text(&w.recovery),
            "524.00 EUR — dead on arrival: the price paid \
            plus the handling fee, accepted at once"
        );
        let w = warranty(&terms(), &eur("500.00"), sold, sold + Duration::days(100));
        assert!(!w.within_doa && w.under_coverage);
        assert_eq!(w.recovery.amount(), Some(&eur("425.00")));
        assert!(recovery_text(&w.recovery).starts_with("425.00 EUR — 80% of the price paid"));
        let w = warranty(&terms(), &eur("500.00"), sold, sold + Duration::days(800));
        assert!(!w.under_coverage);
        assert_eq!(w.recovery, Recovery::OutsideCoverage);
        assert!(recovery_text(&w.recovery).starts_with("nothing"));
    }

    #[test]
    fn the_counter_says_whose_account_a_swap_is_on() {
        use kummerer_contracts::{RuleFees, SwapRuleV1};
        let sold = Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap();
        let rule = SwapRuleV1 {
            max_price: Some(eur("1000")),
            fees: RuleFees {
                handling_fee: Some(eur("15")),
                ..Default::default()
            },
            ..SwapRuleV1::covering("year_1", 0, 12, Decimal::from(100))
        };
        let mut t = terms();
        t.swap_rules = vec![rule];
        let price = eur("499.00");
        let at = |days| sold + Duration::days(days);
        let c = counter(Some((3, &t)), &price, None, sold, at(100), "", None);
        let Counter::Manufacturer {
            version,
            rule,
            percent,
            extras,
            total,
            ..
        } = &c
        else {
            panic!("{c:?}")
        };
        assert_eq!((*version, rule.as_str()), (3, "year_1"));
        assert_eq!(percent.normalize().to_string(), "100");
        assert_eq!((extras, total), (&eur("15"), &eur("514")));
        assert_eq!(c.as_str(), "manufacturer");
        // Between the rule's year and the coverage's end: the manufacturer must agree.
        let c = counter(Some((3, &t)), &price, None, sold, at(500), "", None);
        assert_eq!(
            c,
            Counter::Ask {
                version: 3,
                why: "no_rule".into()
            }
        );
        // Past the coverage: the store's own cost.
        let c = counter(Some((3, &t)), &price, None, sold, at(800), "", None);
        assert_eq!(
            c,
            Counter::Store {
                version: 3,
                rule: "outside_coverage".into(),
                reason: "outside_coverage".into()
            }
        );
        let dear = eur("1200");
        let c = counter(Some((3, &t)), &dear, None, sold, at(100), "", None);
        assert_eq!(
            c,
            Counter::Ask {
                version: 3,
                why: "above_max_price".into()
            }
        );
        let c = counter(None, &price, None, sold, at(100), "", None);
        assert_eq!(c.as_str(), "no_agreement");
    }
}
