//! The swap rules of an agreement version as a client writes them, parsed into
//! [`SwapRuleV1`] with one message per bad field (`swap_rules[i].<field>`).

use kummerer_contracts::agreement::EvidenceKind;
use kummerer_contracts::{
    Currency, DifferencePayer, Money, ReplacementRule, RuleFees, SwapRuleV1, UnitPriceBasis,
};
use rust_decimal::Decimal;

use super::agreement::parse_percent;
use super::input::{Invalid, parse_money, parse_reason_code};

/// Most rules on one version.
pub const RULES_MAX: usize = 50;
/// Longest rule code.
pub const CODE_MAX: usize = 40;
/// The latest month a rule may reach (ten years).
pub const MONTHS_MAX: i64 = 120;
/// The longest dead-on-arrival window in days.
pub const WITHIN_DAYS_MAX: i64 = 365;
/// Most defect categories on one rule, and the longest one.
pub const CATEGORIES_MAX: usize = 50;
pub const CATEGORY_MAX: usize = 64;
/// The largest amount a rule may name (a cap, a maximum price, a fee): a sanity bound.
pub const AMOUNT_MAX: Decimal = Decimal::from_parts(1_000_000, 0, 0, false, 0);

/// `(amount, currency)` as written.
pub type MoneyText = (String, String);

/// One rule as a client sends it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SwapRuleInput {
    pub code: String,
    pub from_month: Option<i64>,
    pub until_month: i64,
    pub within_days: Option<i64>,
    pub defect_categories: Vec<String>,
    pub reject_reason: Option<String>,
    pub max_price: Option<MoneyText>,
    pub replacement: Option<String>,
    pub upgrade_difference_paid_by: Option<String>,
    pub evidence_required: Vec<String>,
    pub unit_price: Option<String>,
    pub percent: Option<String>,
    pub depreciation_percent_per_month: Option<String>,
    pub handling_fee: Option<MoneyText>,
    pub freight: Option<MoneyText>,
    pub haul_away: Option<MoneyText>,
    pub labour: Option<MoneyText>,
    pub cap: Option<MoneyText>,
}

struct Ctx<'a> {
    errors: &'a mut Vec<Invalid>,
    prefix: String,
    currency: Option<&'a Currency>,
}

impl Ctx<'_> {
    fn field(&self, name: &str) -> String {
        format!("{}.{name}", self.prefix)
    }

    fn push(&mut self, name: &str, message: impl Into<String>) {
        let field = self.field(name);
        self.errors.push(Invalid::new(field, message));
    }

    /// An amount in the agreement's currency, not negative, at most [`AMOUNT_MAX`]; a cap or
    /// maximum price (`positive`) above zero.
    fn money(&mut self, name: &str, text: Option<&MoneyText>, positive: bool) -> Option<Money> {
        let (amount, currency) = text?;
        let field = self.field(name);
        let m = parse_money(&field, amount, currency)
            .map_err(|e| self.errors.extend(e))
            .ok()?;
        if let Some(c) = self.currency
            && m.currency != *c
        {
            self.push(
                &format!("{name}.currency"),
                format!("must be the agreement's currency {c}"),
            );
            return None;
        }
        if m.amount > AMOUNT_MAX {
            self.push(
                &format!("{name}.amount"),
                format!("must be at most {AMOUNT_MAX}"),
            );
            return None;
        }
        if positive && m.amount.is_zero() {
            self.push(&format!("{name}.amount"), "must be above zero");
            return None;
        }
        Some(m)
    }

    fn month(&mut self, name: &str, value: i64) -> u32 {
        if !(0..=MONTHS_MAX).contains(&value) {
            self.push(name, format!("must be from 0 to {MONTHS_MAX}"));
            return 0;
        }
        u32::try_from(value).unwrap_or(0)
    }

    fn choice<T>(
        &mut self,
        name: &str,
        text: Option<&str>,
        parse: fn(&str) -> Option<T>,
        allowed: &str,
    ) -> T
    where
        T: Default,
    {
        match text {
            None => T::default(),
            Some(t) => parse(t.trim()).unwrap_or_else(|| {
                self.push(name, format!("must be {allowed}"));
                T::default()
            }),
        }
    }
}

fn code_ok(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= CODE_MAX
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

impl SwapRuleInput {
    fn parse(
        &self,
        i: usize,
        errors: &mut Vec<Invalid>,
        currency: Option<&Currency>,
    ) -> SwapRuleV1 {
        let mut cx = Ctx {
            errors,
            prefix: format!("swap_rules[{i}]"),
            currency,
        };
        let code = self.code.trim().to_owned();
        if !code_ok(&code) {
            cx.push(
                "code",
                format!("must be 1 to {CODE_MAX} lower-case letters, digits or '_' (e.g. warranty_year_1)"),
            );
        }
        let from_month = cx.month("from_month", self.from_month.unwrap_or(0));
        let until_month = cx.month("until_month", self.until_month);
        if until_month <= from_month {
            cx.push("until_month", "must be after from_month");
        }
        let within_days = self.within_days.and_then(|d| {
            if (0..=WITHIN_DAYS_MAX).contains(&d) {
                u32::try_from(d).ok()
            } else {
                cx.push(
                    "within_days",
                    format!("must be from 0 to {WITHIN_DAYS_MAX}"),
                );
                None
            }
        });
        if self.defect_categories.len() > CATEGORIES_MAX {
            cx.push(
                "defect_categories",
                format!("must have at most {CATEGORIES_MAX} categories"),
            );
        }
        let mut defect_categories = Vec::new();
        for (j, c) in self.defect_categories.iter().enumerate() {
            let c = c.trim();
            if c.is_empty() || c.chars().count() > CATEGORY_MAX || c.chars().any(char::is_control) {
                cx.push(
                    &format!("defect_categories[{j}]"),
                    format!("must be 1 to {CATEGORY_MAX} characters"),
                );
            } else {
                defect_categories.push(c.to_owned());
            }
        }
        let reject_reason = self.reject_reason.as_deref().and_then(|r| {
            let field = cx.field("reject_reason");
            parse_reason_code(&field, r)
                .map_err(|e| cx.errors.push(e))
                .ok()
        });
        let replacement = cx.choice(
            "replacement",
            self.replacement.as_deref(),
            ReplacementRule::parse,
            "same_model or upgrade_allowed",
        );
        let upgrade_difference_paid_by = cx.choice(
            "upgrade_difference_paid_by",
            self.upgrade_difference_paid_by.as_deref(),
            DifferencePayer::parse,
            "retailer or manufacturer",
        );
        let unit_price = cx.choice(
            "unit_price",
            self.unit_price.as_deref(),
            UnitPriceBasis::parse,
            "price_paid or list_price",
        );
        let mut evidence_required = Vec::new();
        for (j, text) in self.evidence_required.iter().enumerate() {
            let name = format!("evidence_required[{j}]");
            match EvidenceKind::parse(text.trim()) {
                Some(k) if !k.is_produced() => {
                    cx.push(&name, "is never produced for a claim: collected_serial, collected_photo, delivered_photo or receipt");
                }
                Some(k) if evidence_required.contains(&k) => cx.push(&name, "is listed twice"),
                Some(k) => evidence_required.push(k),
                None => cx.push(
                    &name,
                    "must be collected_serial, collected_photo, delivered_photo or receipt",
                ),
            }
        }
        let percent = match (&self.percent, &reject_reason) {
            (Some(p), _) => parse_percent(p).unwrap_or_else(|e| {
                cx.push("percent", e);
                Decimal::ZERO
            }),
            (None, None) => {
                cx.push("percent", "is required for a rule that covers a swap");
                Decimal::ZERO
            }
            (None, Some(_)) => Decimal::new(0, 2),
        };
        let depreciation_percent_per_month = match &self.depreciation_percent_per_month {
            None => Decimal::new(0, 2),
            Some(p) => parse_percent(p).unwrap_or_else(|e| {
                cx.push("depreciation_percent_per_month", e);
                Decimal::ZERO
            }),
        };
        let fees = RuleFees {
            handling_fee: cx.money("handling_fee", self.handling_fee.as_ref(), false),
            freight: cx.money("freight", self.freight.as_ref(), false),
            haul_away: cx.money("haul_away", self.haul_away.as_ref(), false),
            labour: cx.money("labour", self.labour.as_ref(), false),
        };
        let max_price = cx.money("max_price", self.max_price.as_ref(), true);
        let cap = cx.money("cap", self.cap.as_ref(), true);
        // A cap below the fees alone would send every claim under the rule to a person.
        if let Some(cap) = &cap {
            let fees_total: Decimal = fees.lines().map(|(_, m)| m.amount).sum();
            if cap.amount < fees_total {
                cx.push(
                    "cap.amount",
                    format!("must be at least the rule's fees ({fees_total})"),
                );
            }
        }
        SwapRuleV1 {
            code,
            from_month,
            until_month,
            within_days,
            defect_categories,
            reject_reason,
            max_price,
            replacement,
            upgrade_difference_paid_by,
            evidence_required,
            unit_price,
            percent,
            depreciation_percent_per_month,
            fees,
            cap,
        }
    }
}

/// The rules of a version: at most [`RULES_MAX`], codes unique, money in `currency`.
pub fn parse_rules(
    errors: &mut Vec<Invalid>,
    rules: &[SwapRuleInput],
    currency: Option<&Currency>,
) -> Vec<SwapRuleV1> {
    if rules.len() > RULES_MAX {
        errors.push(Invalid::new(
            "swap_rules",
            format!("must have at most {RULES_MAX} rules"),
        ));
        return Vec::new();
    }
    let mut out: Vec<SwapRuleV1> = Vec::new();
    for (i, input) in rules.iter().enumerate() {
        let rule = input.parse(i, errors, currency);
        if out.iter().any(|r| r.code == rule.code) {
            errors.push(Invalid::new(
                format!("swap_rules[{i}].code"),
                "is used by an earlier rule",
            ));
        }
        out.push(rule);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(a: &str) -> Option<MoneyText> {
        Some((a.into(), "EUR".into()))
    }

    fn rule() -> SwapRuleInput {
        SwapRuleInput {
            code: "warranty".into(),
            until_month: 24,
            percent: Some("100".into()),
            handling_fee: m("15"),
            ..Default::default()
        }
    }

    fn fields(rules: &[SwapRuleInput]) -> Vec<String> {
        let mut errors = Vec::new();
        let eur = Currency::parse("EUR").unwrap();
        parse_rules(&mut errors, rules, Some(&eur));
        errors.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_good_rule_parses_with_its_defaults() {
        let mut errors = Vec::new();
        let eur = Currency::parse("EUR").unwrap();
        let rules = parse_rules(&mut errors, &[rule()], Some(&eur));
        assert!(errors.is_empty(), "{errors:?}");
        let r = &rules[0];
        assert_eq!((r.from_month, r.until_month), (0, 24));
        assert_eq!(r.percent.to_string(), "100.00");
        assert_eq!(r.replacement, ReplacementRule::SameModel);
        assert_eq!(r.unit_price, UnitPriceBasis::PricePaid);
        assert_eq!(
            r.fees.handling_fee.as_ref().unwrap().amount.to_string(),
            "15.00"
        );
    }

    #[test]
    fn every_bad_field_is_named() {
        let bad = SwapRuleInput {
            code: "Warranty 1".into(),
            from_month: Some(12),
            until_month: 6,
            within_days: Some(400),
            defect_categories: vec![" ".into()],
            replacement: Some("better".into()),
            upgrade_difference_paid_by: Some("customer".into()),
            unit_price: Some("msrp".into()),
            evidence_required: vec!["statement".into()],
            percent: Some("120".into()),
            freight: Some(("-1".into(), "EUR".into())),
            labour: Some(("10".into(), "USD".into())),
            cap: m("0"),
            ..Default::default()
        };
        assert_eq!(
            fields(&[bad]),
            [
                "swap_rules[0].code",
                "swap_rules[0].until_month",
                "swap_rules[0].within_days",
                "swap_rules[0].defect_categories[0]",
                "swap_rules[0].replacement",
                "swap_rules[0].upgrade_difference_paid_by",
                "swap_rules[0].unit_price",
                "swap_rules[0].evidence_required[0]",
                "swap_rules[0].percent",
                "swap_rules[0].freight.amount",
                "swap_rules[0].labour.currency",
                "swap_rules[0].cap.amount",
            ]
        );
    }

    #[test]
    fn codes_are_unique_and_a_covering_rule_needs_a_percent() {
        let mut no_percent = rule();
        no_percent.percent = None;
        assert_eq!(
            fields(&[rule(), no_percent]),
            ["swap_rules[1].percent", "swap_rules[1].code"]
        );
        let reject = SwapRuleInput {
            code: "misuse".into(),
            until_month: 120,
            reject_reason: Some("misuse".into()),
            ..Default::default()
        };
        assert!(fields(&[reject]).is_empty());
    }

    #[test]
    fn caps_are_sane() {
        let mut r = rule();
        r.cap = m("10");
        assert_eq!(fields(&[r.clone()]), ["swap_rules[0].cap.amount"]);
        r.cap = m("2000000");
        assert_eq!(fields(&[r.clone()]), ["swap_rules[0].cap.amount"]);
        r.cap = m("15");
        assert!(fields(&[r]).is_empty());
        let many = vec![rule(); RULES_MAX + 1];
        assert_eq!(fields(&many), ["swap_rules"]);
    }
}
