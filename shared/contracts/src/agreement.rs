//! The terms of an agreement between a manufacturer and a retailer, as the manufacturer publishes
//! them to the retailer (in [`AgreementPublishedV1`](crate::AgreementPublishedV1)), and the
//! reimbursement rule both sides compute the same way: the manufacturer when it judges a claim,
//! the retailer's desk when it tells staff what a swap today will recover.

use chrono::{DateTime, Months, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::money::{Currency, Money};
use crate::swap_rules::{SwapFacts, SwapRuleV1, SwapVerdict, judge_swap};

/// Its former path (`kummerer_contracts::agreement::AgreementPublishedV1`), kept.
pub use crate::manufacturer::AgreementPublishedV1;

/// What happens to the defective unit once the crew has collected it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum UnitDisposition {
    /// The unit waits at the carrier's depot; the manufacturer may ask for it back per claim.
    #[default]
    OnRequest,
    /// Every unit goes back to the manufacturer.
    MustReturn,
    /// The unit may be scrapped; the manufacturer never wants it back.
    ScrapOnSite,
}

/// What a claim left undecided past its deadline becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineDefault {
    #[default]
    Accept,
    Reject,
}

/// Evidence an agreement may require before a claim is paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    /// The serial of the collected unit, read by the crew.
    CollectedSerial,
    /// A photo of the collected unit.
    CollectedPhoto,
    /// A photo taken at delivery of the replacement.
    DeliveredPhoto,
    /// The sales receipt.
    Receipt,
    /// Anything the retailer adds, e.g. with a dispute.
    Statement,
}

impl EvidenceKind {
    pub const ALL: [EvidenceKind; 5] = [
        EvidenceKind::CollectedSerial,
        EvidenceKind::CollectedPhoto,
        EvidenceKind::DeliveredPhoto,
        EvidenceKind::Receipt,
        EvidenceKind::Statement,
    ];

    /// What the system itself produces for every claim, so what an agreement may require: the
    /// collected unit's serial and photo (the crew, `job.collected`), the delivery photo (the
    /// crew, `job.delivered`) and the receipt (the sale). A statement comes only with a dispute.
    pub const PRODUCED: [EvidenceKind; 4] = [
        EvidenceKind::CollectedSerial,
        EvidenceKind::CollectedPhoto,
        EvidenceKind::DeliveredPhoto,
        EvidenceKind::Receipt,
    ];

    /// Whether an agreement may require this kind (see [`EvidenceKind::PRODUCED`]).
    pub fn is_produced(self) -> bool {
        Self::PRODUCED.contains(&self)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            EvidenceKind::CollectedSerial => "collected_serial",
            EvidenceKind::CollectedPhoto => "collected_photo",
            EvidenceKind::DeliveredPhoto => "delivered_photo",
            EvidenceKind::Receipt => "receipt",
            EvidenceKind::Statement => "statement",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// The terms of one version of an agreement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgreementTermsV1 {
    pub currency: Currency,
    /// Months after the sale in which the manufacturer's warranty covers the unit.
    pub coverage_months: u32,
    /// Days after the sale in which a defect counts as dead on arrival: refunded in full.
    pub doa_days: u32,
    /// Share of the price paid reimbursed after the DOA window (0 to 100, two decimals).
    pub reimbursement_percent: Decimal,
    /// Percentage points taken off `reimbursement_percent` per whole month since the sale
    /// (0 when the agreement has no depreciation).
    #[serde(default)]
    pub depreciation_percent_per_month: Decimal,
    /// Paid on top of every accepted claim, in `currency`.
    pub handling_fee: Money,
    #[serde(default)]
    pub unit_disposition: UnitDisposition,
    /// Days the manufacturer has to decide a claim the rules left pending.
    pub decision_deadline_days: u32,
    #[serde(default)]
    pub default_outcome: DeadlineDefault,
    #[serde(default)]
    pub evidence_required: Vec<EvidenceKind>,
    /// The most a rule (DOA, the deadline's default outcome) accepts for one claim, handling
    /// fee included, in `currency`; above it the claim waits for a person (`amount_above_cap`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim_cap: Option<Money>,
    /// The manufacturer's own list prices by SKU, in `currency`: where it names the claimed
    /// product, it wins over the list price the retailer's claim carries.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub price_list: Vec<ListPrice>,
    /// What the retailer may swap on the manufacturer's account without asking, tried in
    /// order ([`crate::swap_rules`]); absent in versions from before swap rules (then the
    /// single rule of [`AgreementTermsV1::recovery`] applies).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub swap_rules: Vec<SwapRuleV1>,
}

/// One line of an agreement's price list: the manufacturer's list price of a SKU.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListPrice {
    pub sku: String,
    pub price: Money,
}

/// What the agreement pays for a swap, by the rule both sides share.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Recovery {
    /// Dead on arrival: the price paid plus the handling fee, accepted at once by rule.
    Doa { amount: Money },
    /// Within coverage: the agreed share (after depreciation) plus the fee, for the manufacturer
    /// to decide.
    Covered { amount: Money, percent: Decimal },
    /// Past the coverage: nothing is owed.
    OutsideCoverage,
    /// The price is in another currency than the agreement: nothing can be computed.
    CurrencyMismatch,
    /// The swap is dated before the sale.
    SwappedBeforeSale,
}

impl Recovery {
    /// The amount, where the rule gives one.
    pub fn amount(&self) -> Option<&Money> {
        match self {
            Recovery::Doa { amount } | Recovery::Covered { amount, .. } => Some(amount),
            _ => None,
        }
    }
}

/// Whole calendar months from `from` to `to` (0 if `to` is before `from`).
pub fn whole_months(from: DateTime<Utc>, to: DateTime<Utc>) -> u32 {
    let mut months = 0u32;
    while months < 12 * 200 {
        match from.checked_add_months(Months::new(months + 1)) {
            Some(next) if next <= to => months += 1,
            _ => break,
        }
    }
    months
}

impl AgreementTermsV1 {
    /// The manufacturer's list price of `sku`, where its price list names it.
    pub fn list_price(&self, sku: &str) -> Option<&Money> {
        self.price_list
            .iter()
            .find(|l| l.sku == sku)
            .map(|l| &l.price)
    }

    /// The last moment of the DOA window for a unit sold at `sold_at`.
    pub fn doa_ends(&self, sold_at: DateTime<Utc>) -> DateTime<Utc> {
        sold_at + chrono::Duration::days(i64::from(self.doa_days) + 1)
    }

    /// When the manufacturer's coverage ends for a unit sold at `sold_at`.
    pub fn coverage_ends(&self, sold_at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        sold_at.checked_add_months(Months::new(self.coverage_months))
    }

    /// The swap rules' verdict on `swap`. A version without swap rules answers by
    /// [`AgreementTermsV1::recovery`]: DOA covered by rule `doa_full_refund` (the price paid
    /// and the handling fee), within coverage open, past it excluded (`outside_coverage`).
    pub fn swap_verdict(&self, swap: &SwapFacts<'_>) -> SwapVerdict {
        if swap.price_paid.currency != self.currency {
            return SwapVerdict::CurrencyMismatch;
        }
        if !self.swap_rules.is_empty() {
            return judge_swap(&self.swap_rules, swap, self.coverage_ends(swap.sold_at));
        }
        match self.recovery(swap.price_paid, swap.sold_at, swap.swapped_at) {
            Recovery::Doa { amount } => SwapVerdict::Covered {
                rule: crate::swap_rules::DOA_FULL_REFUND.to_owned(),
                percent: Decimal::ONE_HUNDRED,
                lines: vec![
                    crate::swap_rules::CostLine {
                        kind: crate::swap_rules::CostLineKind::Unit,
                        amount: swap.price_paid.clone(),
                    },
                    crate::swap_rules::CostLine {
                        kind: crate::swap_rules::CostLineKind::HandlingFee,
                        amount: self.handling_fee.clone(),
                    },
                ],
                total: amount,
                evidence_required: self.evidence_required.clone(),
            },
            Recovery::Covered { .. } => SwapVerdict::Open,
            Recovery::OutsideCoverage => SwapVerdict::Excluded {
                rule: crate::swap_rules::OUTSIDE_COVERAGE.to_owned(),
                reason_code: crate::swap_rules::OUTSIDE_COVERAGE.to_owned(),
            },
            Recovery::CurrencyMismatch => SwapVerdict::CurrencyMismatch,
            Recovery::SwappedBeforeSale => SwapVerdict::SwappedBeforeSale,
        }
    }

    /// The reimbursement rule: within `doa_days` whole days of the sale the price paid plus the
    /// fee; within `coverage_months` calendar months the price times
    /// `max(0, reimbursement_percent − depreciation × whole months)` / 100, rounded half-even
    /// to cents, plus the fee; after that nothing.
    pub fn recovery(
        &self,
        price_paid: &Money,
        sold_at: DateTime<Utc>,
        swapped_at: DateTime<Utc>,
    ) -> Recovery {
        if price_paid.currency != self.currency || self.handling_fee.currency != self.currency {
            return Recovery::CurrencyMismatch;
        }
        if swapped_at < sold_at {
            return Recovery::SwappedBeforeSale;
        }
        if (swapped_at - sold_at).num_days() <= i64::from(self.doa_days) {
            return match price_paid.checked_add(&self.handling_fee) {
                Ok(amount) => Recovery::Doa { amount },
                Err(_) => Recovery::CurrencyMismatch,
            };
        }
        let covered = self
            .coverage_ends(sold_at)
            .is_none_or(|end| swapped_at <= end);
        if !covered {
            return Recovery::OutsideCoverage;
        }
        let months = Decimal::from(whole_months(sold_at, swapped_at));
        let percent = (self.reimbursement_percent - self.depreciation_percent_per_month * months)
            .max(Decimal::ZERO);
        match price_paid.percent(percent).checked_add(&self.handling_fee) {
            Ok(amount) => Recovery::Covered { amount, percent },
            Err(_) => Recovery::CurrencyMismatch,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use chrono::TimeZone;
    use std::str::FromStr;

    fn eur(s: &str) -> Money {
        Money::new(
            Decimal::from_str(s).unwrap(),
            Currency::parse("EUR").unwrap(),
        )
        .unwrap()
    }

    pub(crate) fn terms() -> AgreementTermsV1 {
        AgreementTermsV1 {
            currency: Currency::parse("EUR").unwrap(),
            coverage_months: 24,
            doa_days: 14,
            reimbursement_percent: Decimal::from(80),
            depreciation_percent_per_month: Decimal::ZERO,
            handling_fee: eur("25"),
            unit_disposition: UnitDisposition::OnRequest,
            decision_deadline_days: 14,
            default_outcome: DeadlineDefault::Accept,
            evidence_required: vec![],
            claim_cap: None,
            price_list: vec![],
            swap_rules: vec![],
        }
    }

    fn day(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).unwrap()
    }

    #[test]
    fn terms_without_a_cap_or_price_list_still_parse_and_with_them_round_trip() {
        let old = serde_json::to_value(terms()).unwrap();
        assert!(old.get("claim_cap").is_none() && old.get("price_list").is_none());
        let parsed: AgreementTermsV1 = serde_json::from_value(old).unwrap();
        assert_eq!(parsed, terms());
        let mut t = terms();
        t.claim_cap = Some(eur("1500"));
        t.price_list = vec![ListPrice {
            sku: "WM-100".into(),
            price: eur("499"),
        }];
        let wire = serde_json::to_value(&t).unwrap();
        assert_eq!(wire["claim_cap"]["amount"], "1500.00");
        assert_eq!(wire["price_list"][0]["sku"], "WM-100");
        let back: AgreementTermsV1 = serde_json::from_value(wire).unwrap();
        assert_eq!(back, t);
        assert_eq!(back.list_price("WM-100"), Some(&eur("499")));
        assert_eq!(back.list_price("WM-200"), None);
    }

    #[test]
    fn doa_pays_price_and_fee() {
        let r = terms().recovery(&eur("499"), day(2026, 1, 1), day(2026, 1, 15));
        assert_eq!(r, Recovery::Doa { amount: eur("524") });
    }

    #[test]
    fn coverage_pays_the_share_minus_depreciation() {
        let mut t = terms();
        t.depreciation_percent_per_month = Decimal::from(2);
        // 3 whole months: 80 - 6 = 74 % of 500 = 370 + 25.
        let r = t.recovery(&eur("500"), day(2026, 1, 1), day(2026, 4, 20));
        assert_eq!(r.amount(), Some(&eur("395")));
        // Depreciation never goes below zero: only the fee is left.
        t.depreciation_percent_per_month = Decimal::from(5);
        let r = t.recovery(&eur("500"), day(2026, 1, 1), day(2027, 6, 1));
        assert_eq!(r.amount(), Some(&eur("25")));
    }

    #[test]
    fn past_coverage_nothing_and_odd_inputs_are_named() {
        let t = terms();
        assert_eq!(
            t.recovery(&eur("500"), day(2026, 1, 1), day(2028, 1, 2)),
            Recovery::OutsideCoverage
        );
        assert_eq!(
            t.recovery(&eur("500"), day(2026, 1, 2), day(2026, 1, 1)),
            Recovery::SwappedBeforeSale
        );
        let usd = Money::zero(Currency::parse("USD").unwrap());
        assert_eq!(
            t.recovery(&usd, day(2026, 1, 1), day(2026, 1, 2)),
            Recovery::CurrencyMismatch
        );
    }

    #[test]
    fn whole_months_counts_calendar_months() {
        assert_eq!(whole_months(day(2026, 1, 31), day(2026, 2, 28)), 1);
        assert_eq!(whole_months(day(2026, 1, 15), day(2026, 2, 14)), 0);
        assert_eq!(whole_months(day(2026, 1, 15), day(2025, 2, 14)), 0);
    }

    #[test]
    fn old_terms_without_new_fields_still_parse() {
        let json = r#"{"currency":"EUR","coverage_months":24,"doa_days":14,
            "reimbursement_percent":"80","handling_fee":{"amount":"25","currency":"EUR"},
            "decision_deadline_days":14}"#;
        let t: AgreementTermsV1 = serde_json::from_str(json).unwrap();
        assert_eq!(t.default_outcome, DeadlineDefault::Accept);
        assert!(t.evidence_required.is_empty());
    }
}
