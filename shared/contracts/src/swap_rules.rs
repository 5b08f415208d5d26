//! Swap rules: what an agreement version lets the retailer swap on the manufacturer's account
//! without asking, and what each such swap is worth, line by line. Both sides compute it with
//! [`AgreementTermsV1::swap_verdict`](crate::agreement::AgreementTermsV1::swap_verdict): the
//! manufacturer when a claim arrives, the retailer's desk before the clerk decides.
//!
//! Rules are tried in the order the version lists them; the first whose age window (whole
//! calendar months since the sale, and for a dead-on-arrival rule whole days) and defect
//! categories fit the swap decides it. A rule either covers the swap (`percent` of the unit
//! price after depreciation, plus its fees, up to its cap) or excludes it (`reject_reason`).
//! A swap no rule fits is outside coverage once the agreement's `coverage_months` are over,
//! else left open for a person. A version without rules keeps the older single rule
//! ([`AgreementTermsV1::recovery`](crate::agreement::AgreementTermsV1::recovery)).

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::agreement::{EvidenceKind, whole_months};
use crate::money::Money;

/// The rule of a version without swap rules that accepts a dead-on-arrival unit in full.
pub const DOA_FULL_REFUND: &str = "doa_full_refund";

/// The rule code an agreement's verdict names when no rule fits and the coverage is over.
pub const OUTSIDE_COVERAGE: &str = "outside_coverage";

/// Which price a covered swap reimburses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum UnitPriceBasis {
    /// What the customer paid.
    #[default]
    PricePaid,
    /// The list price (the manufacturer's price list, else the retailer's catalogue); the price
    /// paid where no list price is known.
    ListPrice,
}

impl UnitPriceBasis {
    pub fn as_str(self) -> &'static str {
        match self {
            UnitPriceBasis::PricePaid => "price_paid",
            UnitPriceBasis::ListPrice => "list_price",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [UnitPriceBasis::PricePaid, UnitPriceBasis::ListPrice]
            .into_iter()
            .find(|b| b.as_str() == s)
    }
}

/// What replacement a rule allows without asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ReplacementRule {
    /// Only the same model.
    #[default]
    SameModel,
    /// The same model or a dearer one; `upgrade_difference_paid_by` pays the difference.
    UpgradeAllowed,
}

impl ReplacementRule {
    pub fn as_str(self) -> &'static str {
        match self {
            ReplacementRule::SameModel => "same_model",
            ReplacementRule::UpgradeAllowed => "upgrade_allowed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [ReplacementRule::SameModel, ReplacementRule::UpgradeAllowed]
            .into_iter()
            .find(|r| r.as_str() == s)
    }
}

/// Who pays the price difference of an upgrade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum DifferencePayer {
    /// The retailer (its own cost, or what it charges the customer).
    #[default]
    Retailer,
    Manufacturer,
}

impl DifferencePayer {
    pub fn as_str(self) -> &'static str {
        match self {
            DifferencePayer::Retailer => "retailer",
            DifferencePayer::Manufacturer => "manufacturer",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [DifferencePayer::Retailer, DifferencePayer::Manufacturer]
            .into_iter()
            .find(|p| p.as_str() == s)
    }
}

/// The fees a covered swap adds to the unit, each in the agreement's currency; absent: not paid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct RuleFees {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handling_fee: Option<Money>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub freight: Option<Money>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub haul_away: Option<Money>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labour: Option<Money>,
}

impl RuleFees {
    /// The fees with their line kinds, in a stable order.
    pub fn lines(&self) -> impl Iterator<Item = (CostLineKind, &Money)> {
        [
            (CostLineKind::Freight, &self.freight),
            (CostLineKind::HaulAway, &self.haul_away),
            (CostLineKind::Labour, &self.labour),
            (CostLineKind::HandlingFee, &self.handling_fee),
        ]
        .into_iter()
        .filter_map(|(k, m)| m.as_ref().map(|m| (k, m)))
    }
}

/// One swap rule of an agreement version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SwapRuleV1 {
    /// Named in every decision it makes: lower-case letters, digits and `_`, unique per version.
    pub code: String,
    /// Whole calendar months since the sale from which the rule applies (inclusive).
    #[serde(default)]
    pub from_month: u32,
    /// Whole calendar months since the sale up to which the rule applies (exclusive).
    pub until_month: u32,
    /// Additionally at most this many whole days since the sale (a dead-on-arrival rule).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within_days: Option<u32>,
    /// The defect categories it applies to; empty: all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub defect_categories: Vec<String>,
    /// Set: the rule excludes the swap, and a claim is rejected by rule with this reason code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reject_reason: Option<String>,
    /// The dearest unit (price paid) the desk may swap under this rule without asking; above
    /// it a claim waits for a person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_price: Option<Money>,
    #[serde(default)]
    pub replacement: ReplacementRule,
    #[serde(default)]
    pub upgrade_difference_paid_by: DifferencePayer,
    /// Evidence a claim needs before this rule accepts it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence_required: Vec<EvidenceKind>,
    #[serde(default)]
    pub unit_price: UnitPriceBasis,
    /// Share of the unit price reimbursed (0 to 100, two decimals).
    #[serde(default)]
    pub percent: Decimal,
    /// Percentage points off `percent` per whole month since the sale.
    #[serde(default)]
    pub depreciation_percent_per_month: Decimal,
    #[serde(default)]
    pub fees: RuleFees,
    /// The most the rule accepts for one claim, all lines together; above it a claim waits for
    /// a person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap: Option<Money>,
}

/// What a cost line is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CostLineKind {
    Unit,
    UpgradeDifference,
    Freight,
    HaulAway,
    Labour,
    HandlingFee,
}

impl CostLineKind {
    pub const ALL: [CostLineKind; 6] = [
        CostLineKind::Unit,
        CostLineKind::UpgradeDifference,
        CostLineKind::Freight,
        CostLineKind::HaulAway,
        CostLineKind::Labour,
        CostLineKind::HandlingFee,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CostLineKind::Unit => "unit",
            CostLineKind::UpgradeDifference => "upgrade_difference",
            CostLineKind::Freight => "freight",
            CostLineKind::HaulAway => "haul_away",
            CostLineKind::Labour => "labour",
            CostLineKind::HandlingFee => "handling_fee",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One line of what a claim or credit note is worth (net of VAT, as the B2B recourse is).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostLine {
    pub kind: CostLineKind,
    pub amount: Money,
}

/// The swap as the rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwapFacts<'a> {
    pub price_paid: &'a Money,
    /// The list price of the sold product, where known.
    pub list_price: Option<&'a Money>,
    pub sold_at: DateTime<Utc>,
    pub swapped_at: DateTime<Utc>,
    pub defect_category: &'a str,
    /// The replacement's price, where it is another (dearer or cheaper) model; `None`: the
    /// same model.
    pub upgrade_price: Option<&'a Money>,
}

/// What the swap rules say about one swap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SwapVerdict {
    /// On the manufacturer's account under `rule`: the lines and their total.
    Covered {
        rule: String,
        percent: Decimal,
        lines: Vec<CostLine>,
        total: Money,
        /// Evidence the rule needs before a claim is accepted.
        evidence_required: Vec<EvidenceKind>,
    },
    /// Fits `rule`, but above what it allows without asking (`max_price`, `cap`, an upgrade
    /// the rule does not allow): a person decides. `suggested` is what the rule would pay.
    Ask {
        rule: String,
        why: AskWhy,
        suggested: Option<Money>,
    },
    /// Excluded by `rule` (or [`OUTSIDE_COVERAGE`]) with its reason code.
    Excluded { rule: String, reason_code: String },
    /// No rule fits and the coverage still runs: a person decides.
    Open,
    /// The prices are in another currency than the agreement.
    CurrencyMismatch,
    /// The swap is dated before the sale.
    SwappedBeforeSale,
}

/// Why a swap that fits a rule still needs a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AskWhy {
    /// The price paid is above the rule's `max_price`.
    AboveMaxPrice,
    /// The lines add up to more than the rule's `cap`.
    AboveCap,
    /// Another model, and the rule allows the same model only.
    UpgradeNotAllowed,
}

impl AskWhy {
    pub fn as_str(self) -> &'static str {
        match self {
            AskWhy::AboveMaxPrice => "above_max_price",
            AskWhy::AboveCap => "above_cap",
            AskWhy::UpgradeNotAllowed => "upgrade_not_allowed",
        }
    }
}

impl SwapRuleV1 {
    /// A rule covering `percent` % of the price paid from `from_month` until `until_month`,
    /// same model only, no fees, caps or evidence: the start of a rule built field by field.
    pub fn covering(code: &str, from_month: u32, until_month: u32, percent: Decimal) -> Self {
        SwapRuleV1 {
            code: code.to_owned(),
            from_month,
            until_month,
            within_days: None,
            defect_categories: vec![],
            reject_reason: None,
            max_price: None,
            replacement: ReplacementRule::SameModel,
            upgrade_difference_paid_by: DifferencePayer::Retailer,
            evidence_required: vec![],
            unit_price: UnitPriceBasis::PricePaid,
            percent,
            depreciation_percent_per_month: Decimal::ZERO,
            fees: RuleFees::default(),
            cap: None,
        }
    }

    /// Whether the rule's age window and categories fit the swap.
    pub fn fits(&self, months: u32, days: i64, defect_category: &str) -> bool {
        months >= self.from_month
            && months < self.until_month
            && self.within_days.is_none_or(|d| days <= i64::from(d))
            && (self.defect_categories.is_empty()
                || self
                    .defect_categories
                    .iter()
                    .any(|c| c.eq_ignore_ascii_case(defect_category.trim())))
    }

    /// The verdict of this (fitting) rule on `swap`, in `currency`'s terms.
    pub fn judge(&self, swap: &SwapFacts<'_>, months: u32) -> SwapVerdict {
        if let Some(reason) = &self.reject_reason {
            return SwapVerdict::Excluded {
                rule: self.code.clone(),
                reason_code: reason.clone(),
            };
        }
        let currency = &swap.price_paid.currency;
        let unit_base = match self.unit_price {
            UnitPriceBasis::PricePaid => swap.price_paid,
            UnitPriceBasis::ListPrice => swap.list_price.unwrap_or(swap.price_paid),
        };
        let percent = (self.percent - self.depreciation_percent_per_month * Decimal::from(months))
            .max(Decimal::ZERO);
        let mut lines = vec![CostLine {
            kind: CostLineKind::Unit,
            amount: unit_base.percent(percent),
        }];
        let mut ask = None;
        if let Some(upgrade) = swap.upgrade_price {
            match self.replacement {
                ReplacementRule::SameModel => ask = Some(AskWhy::UpgradeNotAllowed),
                ReplacementRule::UpgradeAllowed => {
                    let diff = upgrade.amount - swap.price_paid.amount;
                    if self.upgrade_difference_paid_by == DifferencePayer::Manufacturer
                        && diff > Decimal::ZERO
                        && let Ok(amount) = Money::new(diff, upgrade.currency.clone())
                    {
                        lines.push(CostLine {
                            kind: CostLineKind::UpgradeDifference,
                            amount,
                        });
                    }
                }
            }
        }
        for (kind, amount) in self.fees.lines() {
            lines.push(CostLine {
                kind,
                amount: amount.clone(),
            });
        }
        let mut total = Money::zero(currency.clone());
        for line in &lines {
            match total.checked_add(&line.amount) {
                Ok(t) => total = t,
                Err(_) => return SwapVerdict::CurrencyMismatch,
            }
        }
        if let Some(max) = &self.max_price
            && (max.currency != *currency || swap.price_paid.amount > max.amount)
        {
            ask = ask.or(Some(AskWhy::AboveMaxPrice));
        }
        if let Some(cap) = &self.cap
            && (cap.currency != *currency || total.amount > cap.amount)
        {
            ask = ask.or(Some(AskWhy::AboveCap));
        }
        match ask {
            Some(why) => SwapVerdict::Ask {
                rule: self.code.clone(),
                why,
                suggested: Some(total),
            },
            None => SwapVerdict::Covered {
                rule: self.code.clone(),
                percent,
                lines,
                total,
                evidence_required: self.evidence_required.clone(),
            },
        }
    }
}

/// The swap rules of a version applied to `swap`; `coverage_ends` is the end of the
/// agreement's coverage for this sale (`None`: no end in sight).
pub fn judge_swap(
    rules: &[SwapRuleV1],
    swap: &SwapFacts<'_>,
    coverage_ends: Option<DateTime<Utc>>,
) -> SwapVerdict {
    let currency = &swap.price_paid.currency;
    let foreign = |m: Option<&Money>| m.is_some_and(|m| m.currency != *currency);
    if foreign(swap.list_price) || foreign(swap.upgrade_price) {
        return SwapVerdict::CurrencyMismatch;
    }
    if swap.swapped_at < swap.sold_at {
        return SwapVerdict::SwappedBeforeSale;
    }
    let months = whole_months(swap.sold_at, swap.swapped_at);
    let days = (swap.swapped_at - swap.sold_at).num_days();
    if let Some(rule) = rules
        .iter()
        .find(|r| r.fits(months, days, swap.defect_category))
    {
        return rule.judge(swap, months);
    }
    if coverage_ends.is_some_and(|end| swap.swapped_at > end) {
        return SwapVerdict::Excluded {
            rule: OUTSIDE_COVERAGE.to_owned(),
            reason_code: OUTSIDE_COVERAGE.to_owned(),
        };
    }
    SwapVerdict::Open
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agreement::AgreementTermsV1;
    use crate::money::Currency;
    use chrono::TimeZone;
    use std::str::FromStr;

    fn eur(s: &str) -> Money {
        Money::new(
            Decimal::from_str(s).unwrap(),
            Currency::parse("EUR").unwrap(),
        )
        .unwrap()
    }

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    fn rule(code: &str, from: u32, until: u32, percent: u32) -> SwapRuleV1 {
        SwapRuleV1::covering(code, from, until, Decimal::from(percent))
    }

    /// DOA 14 days at 100 % + 15 fee; first year 100 % + 15; second year 80 % less 2 points a
    /// month + freight 20; cosmetic damage excluded throughout.
    fn rules() -> Vec<SwapRuleV1> {
        let mut cosmetic = rule("cosmetic", 0, 120, 0);
        cosmetic.defect_categories = vec!["cosmetic".into()];
        cosmetic.reject_reason = Some("cosmetic_damage".into());
        let mut doa = rule("doa", 0, 1, 100);
        doa.within_days = Some(14);
        doa.fees.handling_fee = Some(eur("15"));
        let mut year1 = rule("year_1", 0, 12, 100);
        year1.fees.handling_fee = Some(eur("15"));
        let mut year2 = rule("year_2", 12, 24, 80);
        year2.depreciation_percent_per_month = Decimal::from(2);
        year2.fees.freight = Some(eur("20"));
        vec![cosmetic, doa, year1, year2]
    }

    fn terms() -> AgreementTermsV1 {
        AgreementTermsV1 {
            swap_rules: rules(),
            ..crate::agreement::tests::terms()
        }
    }

    fn verdict(sold: DateTime<Utc>, swapped: DateTime<Utc>, category: &str) -> SwapVerdict {
        let price = eur("500");
        terms().swap_verdict(&SwapFacts {
            price_paid: &price,
            list_price: None,
            sold_at: sold,
            swapped_at: swapped,
            defect_category: category,
            upgrade_price: None,
        })
    }

    fn rule_of(v: &SwapVerdict) -> &str {
        match v {
            SwapVerdict::Covered { rule, .. }
            | SwapVerdict::Ask { rule, .. }
            | SwapVerdict::Excluded { rule, .. } => rule,
            SwapVerdict::Open => "open",
            SwapVerdict::CurrencyMismatch => "currency",
            SwapVerdict::SwappedBeforeSale => "before_sale",
        }
    }

    #[test]
    fn the_first_fitting_rule_decides_at_every_boundary() {
        let sold = at(2026, 1, 15, 10, 0);
        // (swapped at, defect category, rule, total)
        let table: &[(DateTime<Utc>, &str, &str, Option<&str>)] = &[
            (at(2026, 1, 15, 10, 0), "no_power", "doa", Some("515.00")),
            // 14 days and 23 h: still 14 whole days.
            (at(2026, 1, 30, 9, 59), "no_power", "doa", Some("515.00")),
            // 15 whole days: past DOA, the first year's rule.
            (at(2026, 1, 30, 10, 0), "no_power", "year_1", Some("515.00")),
            (at(2027, 1, 15, 9, 59), "no_power", "year_1", Some("515.00")),
            // 12 whole months: the second year, 80 − 24 = 56 % of 500 + 20 freight.
            (at(2027, 1, 15, 10, 0), "no_power", "year_2", Some("300.00")),
            // 23 whole months: 80 − 46 = 34 % + 20.
            (at(2028, 1, 15, 9, 59), "no_power", "year_2", Some("190.00")),
            // 24 months: no rule fits and coverage is over.
            (at(2028, 1, 15, 10, 1), "no_power", OUTSIDE_COVERAGE, None),
            (at(2026, 2, 1, 0, 0), "COSMETIC", "cosmetic", None),
            (at(2026, 1, 14, 0, 0), "no_power", "before_sale", None),
        ];
        for (swapped, category, want_rule, want_total) in table {
            let v = verdict(sold, *swapped, category);
            assert_eq!(
                rule_of(&v),
                *want_rule,
                "swapped {swapped} {category}: {v:?}"
            );
            if let SwapVerdict::Covered { total, .. } = &v {
                assert_eq!(
                    Some(total.amount.to_string().as_str()),
                    *want_total,
                    "{swapped}"
                );
            }
        }
    }

    #[test]
    fn a_sale_on_29_february_counts_months_by_the_calendar() {
        let sold = at(2024, 2, 29, 12, 0);
        // One whole month after 29 Feb is 29 Mar; twelve are 28 Feb 2025 (clamped).
        assert_eq!(whole_months(sold, at(2024, 3, 29, 11, 59)), 0);
        assert_eq!(whole_months(sold, at(2024, 3, 29, 12, 0)), 1);
        assert_eq!(whole_months(sold, at(2025, 2, 28, 11, 59)), 11);
        assert_eq!(whole_months(sold, at(2025, 2, 28, 12, 0)), 12);
        assert_eq!(
            rule_of(&verdict(sold, at(2025, 2, 28, 11, 59), "x")),
            "year_1"
        );
        assert_eq!(
            rule_of(&verdict(sold, at(2025, 2, 28, 12, 0), "x")),
            "year_2"
        );
        // The 14 DOA days run across the leap day: 20 Feb + 14 days = 5 Mar (6 Mar in 2025).
        let sold = at(2024, 2, 20, 12, 0);
        assert_eq!(rule_of(&verdict(sold, at(2024, 3, 6, 11, 59), "x")), "doa");
        assert_eq!(
            rule_of(&verdict(sold, at(2024, 3, 6, 12, 0), "x")),
            "year_1"
        );
        let sold = at(2025, 2, 20, 12, 0);
        assert_eq!(rule_of(&verdict(sold, at(2025, 3, 7, 11, 59), "x")), "doa");
        assert_eq!(
            rule_of(&verdict(sold, at(2025, 3, 7, 12, 0), "x")),
            "year_1"
        );
    }

    #[test]
    fn an_open_gap_waits_for_a_person() {
        let mut t = terms();
        t.swap_rules.retain(|r| r.code != "year_2");
        let price = eur("500");
        let v = t.swap_verdict(&SwapFacts {
            price_paid: &price,
            list_price: None,
            sold_at: at(2026, 1, 1, 0, 0),
            swapped_at: at(2027, 6, 1, 0, 0),
            defect_category: "no_power",
            upgrade_price: None,
        });
        assert_eq!(v, SwapVerdict::Open);
    }

    #[test]
    fn caps_maximum_prices_upgrades_and_list_prices() {
        let price = eur("500");
        let list = eur("450");
        let dearer = eur("650");
        let swap = |list_price, upgrade_price| SwapFacts {
            price_paid: &price,
            list_price,
            sold_at: at(2026, 1, 1, 0, 0),
            swapped_at: at(2026, 3, 1, 0, 0),
            defect_category: "no_power",
            upgrade_price,
        };
        let mut r = rule("r", 0, 24, 100);
        r.fees.handling_fee = Some(eur("15"));
        r.fees.haul_away = Some(eur("10"));
        r.fees.labour = Some(eur("40"));
        let SwapVerdict::Covered { lines, total, .. } = r.judge(&swap(None, None), 2) else {
            panic!()
        };
        let kinds: Vec<_> = lines.iter().map(|l| l.kind.as_str()).collect();
        assert_eq!(kinds, ["unit", "haul_away", "labour", "handling_fee"]);
        assert_eq!(total, eur("565"));

        r.unit_price = UnitPriceBasis::ListPrice;
        let v = r.judge(&swap(Some(&list), None), 2);
        assert!(matches!(&v, SwapVerdict::Covered { total, .. } if *total == eur("515")));
        // No list price known: the price paid.
        let v = r.judge(&swap(None, None), 2);
        assert!(matches!(&v, SwapVerdict::Covered { total, .. } if *total == eur("565")));

        r.cap = Some(eur("564.99"));
        let v = r.judge(&swap(None, None), 2);
        assert!(matches!(
            v,
            SwapVerdict::Ask {
                why: AskWhy::AboveCap,
                ..
            }
        ));
        r.cap = Some(eur("565"));
        assert!(matches!(
            r.judge(&swap(None, None), 2),
            SwapVerdict::Covered { .. }
        ));

        r.max_price = Some(eur("499.99"));
        let v = r.judge(&swap(None, None), 2);
        assert!(matches!(
            v,
            SwapVerdict::Ask {
                why: AskWhy::AboveMaxPrice,
                ..
            }
        ));
        r.max_price = None;
        r.cap = None;

        let v = r.judge(&swap(None, Some(&dearer)), 2);
        assert!(matches!(
            v,
            SwapVerdict::Ask {
                why: AskWhy::UpgradeNotAllowed,
                ..
            }
        ));
        r.replacement = ReplacementRule::UpgradeAllowed;
        // The retailer pays the difference: nothing more on the claim.
        let v = r.judge(&swap(None, Some(&dearer)), 2);
        assert!(matches!(&v, SwapVerdict::Covered { total, .. } if *total == eur("565")));
        r.upgrade_difference_paid_by = DifferencePayer::Manufacturer;
        let SwapVerdict::Covered { lines, total, .. } = r.judge(&swap(None, Some(&dearer)), 2)
        else {
            panic!()
        };
        assert_eq!(lines[1].kind, CostLineKind::UpgradeDifference);
        assert_eq!(lines[1].amount, eur("150"));
        assert_eq!(total, eur("715"));
    }

    #[test]
    fn rules_round_trip_and_older_terms_parse_without_them() {
        let t = terms();
        let wire = serde_json::to_value(&t).unwrap();
        assert_eq!(wire["swap_rules"][1]["within_days"], 14);
        let back: AgreementTermsV1 = serde_json::from_value(wire).unwrap();
        assert_eq!(back, t);
        let minimal: SwapRuleV1 = serde_json::from_str(r#"{"code":"x","until_month":12}"#).unwrap();
        assert_eq!(minimal.unit_price, UnitPriceBasis::PricePaid);
        assert!(minimal.fees.lines().next().is_none());
    }

    #[test]
    fn without_rules_doa_is_covered_and_past_coverage_excluded() {
        let mut t = terms();
        t.swap_rules.clear();
        let price = eur("500");
        let swap = |swapped_at| SwapFacts {
            price_paid: &price,
            list_price: None,
            sold_at: at(2026, 1, 1, 0, 0),
            swapped_at,
            defect_category: "x",
            upgrade_price: None,
        };
        let v = t.swap_verdict(&swap(at(2026, 1, 10, 0, 0)));
        assert!(matches!(&v, SwapVerdict::Covered { rule, total, .. }
            if rule == DOA_FULL_REFUND && *total == eur("525")));
        assert_eq!(
            t.swap_verdict(&swap(at(2026, 6, 1, 0, 0))),
            SwapVerdict::Open
        );
        assert!(matches!(
            t.swap_verdict(&swap(at(2028, 1, 2, 0, 0))),
            SwapVerdict::Excluded { .. }
        ));
    }
}
