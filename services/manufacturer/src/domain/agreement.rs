//! An agreement between a manufacturer and a retailer: the terms a claim is judged against.

use chrono::{DateTime, Utc};
use kummerer_contracts::agreement::{
    AgreementTermsV1, DeadlineDefault, EvidenceKind, ListPrice, UnitDisposition,
};
use kummerer_contracts::{Currency, Money};
use rust_decimal::Decimal;
use uuid::Uuid;

use kummerer_contracts::SwapRuleV1;

use super::deadline::DefaultOutcome;
use super::input::{Invalid, parse_decimal, parse_money};
use super::swap_rules::{SwapRuleInput, parse_rules};

pub const COVERAGE_MONTHS: (i64, i64) = (1, 120);
pub const DOA_DAYS: (i64, i64) = (0, 365);
pub const DECISION_DEADLINE_DAYS: (i64, i64) = (1, 365);
/// Longest SKU on a price list.
pub const SKU_MAX: usize = 64;
/// Most lines on one version's price list.
pub const PRICE_LIST_MAX: usize = 1_000;

/// The terms of an agreement, valid by construction (through [`AgreementInput::parse`] or from
/// the database, whose checks say the same).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms {
    pub currency: Currency,
    /// Months after the sale in which the manufacturer's warranty covers the unit.
    pub coverage_months: u32,
    /// Days after the sale in which a defect counts as dead on arrival: refunded in full.
    pub doa_days: u32,
    /// Share of the price paid reimbursed after the DOA window (0 to 100, two decimals).
    pub reimbursement_percent: Decimal,
    /// Percentage points taken off `reimbursement_percent` per whole month since the sale.
    pub depreciation_percent_per_month: Decimal,
    /// Paid on top of every accepted claim, in `currency`.
    pub handling_fee: Money,
    /// What happens to the collected unit.
    pub unit_disposition: UnitDisposition,
    /// Days the manufacturer has to decide a claim the rules left pending.
    pub decision_deadline_days: u32,
    /// What a claim left undecided past its deadline becomes.
    pub default_outcome: DefaultOutcome,
    /// Evidence a claim needs before a rule may accept it (no duplicates, in the order given).
    pub evidence_required: Vec<EvidenceKind>,
    /// The most a rule accepts for one claim (fee included), in `currency`.
    pub claim_cap: Option<Money>,
    /// The manufacturer's list prices by SKU (unique SKUs), in `currency`.
    pub price_list: Vec<ListPrice>,
    /// What the retailer may swap on the manufacturer's account without asking, in order.
    pub swap_rules: Vec<SwapRuleV1>,
}

impl Terms {
    /// The manufacturer's own list price of `sku`, where its price list names it.
    pub fn list_price(&self, sku: &str) -> Option<&Money> {
        self.price_list
            .iter()
            .find(|l| l.sku == sku)
            .map(|l| &l.price)
    }

    /// The terms as published to the retailer (and stored with each version).
    pub fn to_contract(&self) -> AgreementTermsV1 {
        AgreementTermsV1 {
            currency: self.currency.clone(),
            coverage_months: self.coverage_months,
            doa_days: self.doa_days,
            reimbursement_percent: self.reimbursement_percent,
            depreciation_percent_per_month: self.depreciation_percent_per_month,
            handling_fee: self.handling_fee.clone(),
            unit_disposition: self.unit_disposition,
            decision_deadline_days: self.decision_deadline_days,
            default_outcome: match self.default_outcome {
                DefaultOutcome::Accept => DeadlineDefault::Accept,
                DefaultOutcome::Reject => DeadlineDefault::Reject,
            },
            evidence_required: self.evidence_required.clone(),
            claim_cap: self.claim_cap.clone(),
            price_list: self.price_list.clone(),
            swap_rules: self.swap_rules.clone(),
        }
    }

    /// The terms of a stored version.
    pub fn from_contract(t: AgreementTermsV1) -> Self {
        Self {
            currency: t.currency,
            coverage_months: t.coverage_months,
            doa_days: t.doa_days,
            reimbursement_percent: t.reimbursement_percent,
            depreciation_percent_per_month: t.depreciation_percent_per_month,
            handling_fee: t.handling_fee,
            unit_disposition: t.unit_disposition,
            decision_deadline_days: t.decision_deadline_days,
            default_outcome: match t.default_outcome {
                DeadlineDefault::Accept => DefaultOutcome::Accept,
                DeadlineDefault::Reject => DefaultOutcome::Reject,
            },
            evidence_required: t.evidence_required,
            claim_cap: t.claim_cap,
            price_list: t.price_list,
            swap_rules: t.swap_rules,
        }
    }
}

/// `on_request`, `must_return` or `scrap_on_site`.
pub fn disposition_str(d: UnitDisposition) -> &'static str {
    match d {
        UnitDisposition::OnRequest => "on_request",
        UnitDisposition::MustReturn => "must_return",
        UnitDisposition::ScrapOnSite => "scrap_on_site",
    }
}

fn parse_disposition(s: &str) -> Option<UnitDisposition> {
    [
        UnitDisposition::OnRequest,
        UnitDisposition::MustReturn,
        UnitDisposition::ScrapOnSite,
    ]
    .into_iter()
    .find(|d| disposition_str(*d) == s)
}

/// Whether a new version valid from `valid_from` may follow one valid from `latest`: versions
/// are in force one after another, so a later version never starts before the latest one.
pub fn check_valid_from(
    valid_from: DateTime<Utc>,
    latest: Option<DateTime<Utc>>,
) -> Result<(), String> {
    match latest {
        Some(latest) if valid_from < latest => Err(format!(
            "must not be before the latest version's valid_from {}",
            latest.to_rfc3339()
        )),
        _ => Ok(()),
    }
}

/// An agreement as a client sends it, before validation. Numbers are as wide as JSON allows so
/// that an out-of-range value is a field error, not a type error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgreementInput {
    pub retailer_id: Uuid,
    pub currency: String,
    pub coverage_months: i64,
    pub doa_days: i64,
    /// As written: `"80"`, `"80.5"` or the text of a JSON number.
    pub reimbursement_percent: String,
    pub handling_fee_amount: String,
    pub handling_fee_currency: String,
    pub decision_deadline_days: i64,
    /// `accept` or `reject`; `None` means `accept`.
    pub default_outcome: Option<String>,
    /// As written; `None` means no depreciation.
    pub depreciation_percent_per_month: Option<String>,
    /// `on_request` (the default), `must_return` or `scrap_on_site`.
    pub unit_disposition: Option<String>,
    /// Evidence kinds as written; `None` means none required.
    pub evidence_required: Option<Vec<String>>,
    /// `(amount, currency)` as written; `None` means no cap.
    pub claim_cap: Option<(String, String)>,
    /// The price list as written; `None` means none.
    pub price_list: Option<Vec<ListPriceInput>>,
    /// The swap rules as written; `None` means none (the single DOA rule applies).
    pub swap_rules: Option<Vec<SwapRuleInput>>,
}

/// One line of a price list as a client sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListPriceInput {
    pub sku: String,
    pub amount: String,
    pub currency: String,
}

/// The cap: in the agreement's `currency`.
fn parse_cap(
    errors: &mut Vec<Invalid>,
    cap: Option<&(String, String)>,
    currency: Option<&Currency>,
) -> Option<Money> {
    let (amount, cap_currency) = cap?;
    let cap = parse_money("claim_cap", amount, cap_currency)
        .map_err(|e| errors.extend(e))
        .ok()?;
    if let Some(c) = currency
        && cap.currency != *c
    {
        errors.push(Invalid::new(
            "claim_cap.currency",
            format!("must be the agreement's currency {c}"),
        ));
    }
    Some(cap)
}

/// The price list: at most [`PRICE_LIST_MAX`] lines, each SKU once (1 to [`SKU_MAX`]
/// characters, no control characters: the terms are stored as `jsonb`, which refuses NUL),
/// each price in the agreement's `currency`.
fn parse_price_list(
    errors: &mut Vec<Invalid>,
    lines: &[ListPriceInput],
    currency: Option<&Currency>,
) -> Vec<ListPrice> {
    if lines.len() > PRICE_LIST_MAX {
        errors.push(Invalid::new(
            "price_list",
            format!("must have at most {PRICE_LIST_MAX} lines"),
        ));
        return Vec::new();
    }
    let mut out: Vec<ListPrice> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let sku = line.sku.trim();
        if sku.is_empty() || sku.chars().count() > SKU_MAX {
            errors.push(Invalid::new(
                format!("price_list[{i}].sku"),
                format!("must be 1 to {SKU_MAX} characters"),
            ));
        } else if sku.chars().any(char::is_control) {
            errors.push(Invalid::new(
                format!("price_list[{i}].sku"),
                "must not contain control characters",
            ));
        } else if out.iter().any(|l| l.sku == sku) {
            errors.push(Invalid::new(
                format!("price_list[{i}].sku"),
                "is listed twice",
            ));
        }
        let field = format!("price_list[{i}].price");
        match parse_money(&field, &line.amount, &line.currency) {
            Err(e) => errors.extend(e),
            Ok(price) => match currency {
                Some(c) if price.currency != *c => errors.push(Invalid::new(
                    format!("{field}.currency"),
                    format!("must be the agreement's currency {c}"),
                )),
                _ => out.push(ListPrice {
                    sku: sku.to_owned(),
                    price,
                }),
            },
        }
    }
    out
}

fn in_range(errors: &mut Vec<Invalid>, field: &str, value: i64, (lo, hi): (i64, i64)) -> u32 {
    if value < lo || value > hi {
        errors.push(Invalid::new(field, format!("must be from {lo} to {hi}")));
        return 0;
    }
    u32::try_from(value).unwrap_or(0)
}

/// A percentage from 0 to 100 with at most two decimal places.
pub fn parse_percent(text: &str) -> Result<Decimal, String> {
    let p = parse_decimal(text)?;
    if p < Decimal::ZERO || p > Decimal::ONE_HUNDRED {
        return Err("must be from 0 to 100".to_owned());
    }
    if p.normalize().scale() > 2 {
        return Err("must have at most 2 decimal places".to_owned());
    }
    let mut p = p;
    p.rescale(2);
    Ok(p)
}

impl AgreementInput {
    /// Returns the retailer and the terms, or every field that is wrong.
    pub fn parse(&self) -> Result<(Uuid, Terms), Vec<Invalid>> {
        let mut errors = Vec::new();
        let currency = Currency::parse(&self.currency)
            .map_err(|e| errors.push(Invalid::new("currency", e.to_string())))
            .ok();
        let coverage_months = in_range(
            &mut errors,
            "coverage_months",
            self.coverage_months,
            COVERAGE_MONTHS,
        );
        let doa_days = in_range(&mut errors, "doa_days", self.doa_days, DOA_DAYS);
        let decision_deadline_days = in_range(
            &mut errors,
            "decision_deadline_days",
            self.decision_deadline_days,
            DECISION_DEADLINE_DAYS,
        );
        let reimbursement_percent = parse_percent(&self.reimbursement_percent)
            .map_err(|e| errors.push(Invalid::new("reimbursement_percent", e)))
            .ok();
        let handling_fee = parse_money(
            "handling_fee",
            &self.handling_fee_amount,
            &self.handling_fee_currency,
        )
        .map_err(|e| errors.extend(e))
        .ok();
        if let (Some(c), Some(fee)) = (&currency, &handling_fee)
            && fee.currency != *c
        {
            errors.push(Invalid::new(
                "handling_fee.currency",
                format!("must be the agreement's currency {c}"),
            ));
        }
        let default_outcome = match self.default_outcome.as_deref() {
            None => DefaultOutcome::default(),
            Some(text) => DefaultOutcome::parse(text).unwrap_or_else(|| {
                errors.push(Invalid::new("default_outcome", "must be accept or reject"));
                DefaultOutcome::default()
            }),
        };
        let depreciation_percent_per_month = match &self.depreciation_percent_per_month {
            None => Decimal::new(0, 2),
            Some(text) => parse_percent(text).unwrap_or_else(|e| {
                errors.push(Invalid::new("depreciation_percent_per_month", e));
                Decimal::ZERO
            }),
        };
        let unit_disposition = match self.unit_disposition.as_deref() {
            None => UnitDisposition::default(),
            Some(text) => parse_disposition(text).unwrap_or_else(|| {
                errors.push(Invalid::new(
                    "unit_disposition",
                    "must be on_request, must_return or scrap_on_site",
                ));
                UnitDisposition::default()
            }),
        };
        let mut evidence_required = Vec::new();
        for (i, text) in self.evidence_required.iter().flatten().enumerate() {
            match EvidenceKind::parse(text) {
                Some(k) if !evidence_required.contains(&k) => evidence_required.push(k),
                Some(_) => errors.push(Invalid::new(
                    format!("evidence_required[{i}]"),
                    "is listed twice",
                )),
                None => errors.push(Invalid::new(
                    format!("evidence_required[{i}]"),
                    "must be collected_serial, collected_photo, delivered_photo, receipt or \
                     statement",
                )),
            }
        }
        let claim_cap = parse_cap(&mut errors, self.claim_cap.as_ref(), currency.as_ref());
        let price_list = parse_price_list(
            &mut errors,
            self.price_list.as_deref().unwrap_or_default(),
            currency.as_ref(),
        );
        let swap_rules = parse_rules(
            &mut errors,
            self.swap_rules.as_deref().unwrap_or_default(),
            currency.as_ref(),
        );
        match (currency, reimbursement_percent, handling_fee) {
            (Some(currency), Some(reimbursement_percent), Some(handling_fee))
                if errors.is_empty() =>
            {
                Ok((
                    self.retailer_id,
                    Terms {
                        currency,
                        coverage_months,
                        doa_days,
                        reimbursement_percent,
                        depreciation_percent_per_month,
                        handling_fee,
                        unit_disposition,
                        decision_deadline_days,
                        default_outcome,
                        evidence_required,
                        claim_cap,
                        price_list,
                        swap_rules,
                    },
                ))
            }
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fields `i` is refused for.
    fn error_fields(i: &AgreementInput) -> Vec<String> {
        i.parse()
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    fn input() -> AgreementInput {
        AgreementInput {
            retailer_id: Uuid::nil(),
            currency: "EUR".into(),
            coverage_months: 24,
            doa_days: 14,
            reimbursement_percent: "80".into(),
            handling_fee_amount: "25".into(),
            handling_fee_currency: "EUR".into(),
            decision_deadline_days: 14,
            default_outcome: None,
            depreciation_percent_per_month: None,
            unit_disposition: None,
            evidence_required: None,
            claim_cap: None,
            price_list: None,
            swap_rules: None,
        }
    }

    #[test]
    fn the_new_terms_parse_and_round_trip_through_the_contract() {
        let mut i = input();
        i.depreciation_percent_per_month = Some("1.5".into());
        i.unit_disposition = Some("must_return".into());
        i.evidence_required = Some(vec!["collected_serial".into(), "receipt".into()]);
        let (_, t) = i.parse().unwrap();
        assert_eq!(t.depreciation_percent_per_month.to_string(), "1.50");
        assert_eq!(t.unit_disposition, UnitDisposition::MustReturn);
        assert_eq!(
            t.evidence_required,
            [EvidenceKind::CollectedSerial, EvidenceKind::Receipt]
        );
        assert_eq!(Terms::from_contract(t.to_contract()), t);
        i.unit_disposition = Some("burn".into());
        i.evidence_required = Some(vec!["receipt".into(), "receipt".into(), "x".into()]);
        let fields = error_fields(&i);
        assert_eq!(
            fields,
            [
                "unit_disposition",
                "evidence_required[1]",
                "evidence_required[2]"
            ]
        );
    }

    #[test]
    fn a_version_never_starts_before_the_latest() {
        let t = chrono::Utc::now();
        assert!(check_valid_from(t, None).is_ok());
        assert!(check_valid_from(t, Some(t)).is_ok());
        assert!(check_valid_from(t - chrono::TimeDelta::seconds(1), Some(t)).is_err());
    }

    #[test]
    fn a_good_agreement_parses() {
        let (_, t) = input().parse().unwrap();
        assert_eq!(t.coverage_months, 24);
        assert_eq!(t.reimbursement_percent.to_string(), "80.00");
        assert_eq!(t.handling_fee.amount.to_string(), "25.00");
    }

    #[test]
    fn percent_accepts_decimals_and_rejects_out_of_range() {
        assert_eq!(parse_percent("80.5").unwrap().to_string(), "80.50");
        assert_eq!(parse_percent("0").unwrap().to_string(), "0.00");
        assert_eq!(parse_percent("100").unwrap().to_string(), "100.00");
        assert!(parse_percent("-1").is_err());
        assert!(parse_percent("100.01").is_err());
        assert!(parse_percent("12.345").is_err());
        assert!(parse_percent("abc").is_err());
    }

    #[test]
    fn every_bad_field_is_reported() {
        let mut i = input();
        i.currency = "eur".into();
        i.coverage_months = 0;
        i.doa_days = 366;
        i.decision_deadline_days = 0;
        i.reimbursement_percent = "101".into();
        i.handling_fee_amount = "-5".into();
        let errors = i.parse().unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "currency",
                "coverage_months",
                "doa_days",
                "decision_deadline_days",
                "reimbursement_percent",
                "handling_fee.amount"
            ]
        );
    }

    #[test]
    fn the_default_outcome_is_accept_unless_reject_is_asked() {
        assert_eq!(
            input().parse().unwrap().1.default_outcome,
            DefaultOutcome::Accept
        );
        let mut i = input();
        i.default_outcome = Some("reject".into());
        assert_eq!(i.parse().unwrap().1.default_outcome, DefaultOutcome::Reject);
        i.default_outcome = Some("ignore".into());
        assert_eq!(i.parse().unwrap_err()[0].field, "default_outcome");
    }

    #[test]
    fn the_fee_is_in_the_agreement_currency() {
        let mut i = input();
        i.handling_fee_currency = "USD".into();
        let errors = i.parse().unwrap_err();
        assert_eq!(errors[0].field, "handling_fee.currency");
    }

    #[test]
    fn the_cap_and_the_price_list_are_in_the_agreement_currency() {
        let mut i = input();
        i.claim_cap = Some(("400".into(), "EUR".into()));
        i.price_list = Some(vec![ListPriceInput {
            sku: " WM-100 ".into(),
            amount: "499".into(),
            currency: "EUR".into(),
        }]);
        let (_, t) = i.parse().unwrap();
        assert_eq!(t.claim_cap.as_ref().unwrap().amount.to_string(), "400.00");
        assert_eq!(t.list_price("WM-100").unwrap().amount.to_string(), "499.00");
        assert_eq!(t.list_price("WM-200"), None);
        assert_eq!(Terms::from_contract(t.to_contract()), t);

        i.claim_cap = Some(("-1".into(), "USD".into()));
        let line = |sku: &str, amount: &str, currency: &str| ListPriceInput {
            sku: sku.into(),
            amount: amount.into(),
            currency: currency.into(),
        };
        i.price_list = Some(vec![
            line("A", "1", "EUR"),
            line("A", "2", "EUR"),
            line("", "x", "EUR"),
            line("B", "3", "CHF"),
            line("C\u{0}", "4", "EUR"),
        ]);
        let fields = error_fields(&i);
        assert_eq!(
            fields,
            [
                "claim_cap.amount",
                "price_list[1].sku",
                "price_list[2].sku",
                "price_list[2].price.amount",
                "price_list[3].price.currency",
                "price_list[4].sku"
            ]
        );
    }

    #[test]
    fn bounds_are_inclusive() {
        let mut i = input();
        i.coverage_months = 120;
        i.doa_days = 0;
        i.decision_deadline_days = 365;
        assert!(i.parse().is_ok());
        i.coverage_months = 121;
        assert!(i.parse().is_err());
    }
}
