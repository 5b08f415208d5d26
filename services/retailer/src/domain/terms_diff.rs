//! What an offered agreement version changes from the version before it (issue 18): the desk
//! shows it before a retailer admin accepts. Compared term by term on the terms as published
//! (`AgreementTermsV1` as JSON), each value in the desk's words.

use serde_json::Value;

/// One term that differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermChange {
    /// The term's key in the terms (`doa_days`).
    pub key: &'static str,
    /// The term as the desk names it (English; the page says it from the catalog).
    pub term: String,
    /// `None`: there was no version before.
    pub before: Option<String>,
    pub after: String,
}

/// The terms in the order the desk lists them, with their names.
const TERMS: [(&str, &str); 12] = [
    ("coverage_months", "Coverage (months)"),
    ("doa_days", "Dead on arrival (days)"),
    ("reimbursement_percent", "Reimbursement (%)"),
    (
        "depreciation_percent_per_month",
        "Depreciation (% per month)",
    ),
    ("handling_fee", "Handling fee"),
    ("currency", "Currency"),
    ("unit_disposition", "Defective unit"),
    ("decision_deadline_days", "Decision deadline (days)"),
    ("default_outcome", "Undecided by the deadline"),
    ("evidence_required", "Evidence required"),
    ("claim_cap", "Cap per claim"),
    ("price_list", "Price list"),
];

/// A term's value in words: money as `25.00 EUR`, lists joined, absent as `none`.
pub fn in_words(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "none".to_owned(),
        Some(Value::String(s)) => s.replace('_', " "),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Array(items)) if items.is_empty() => "none".to_owned(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| in_words(Some(i)))
            .collect::<Vec<_>>()
            .join(", "),
        Some(Value::Object(o)) => match (o.get("amount"), o.get("currency"), o.get("sku")) {
            (Some(a), Some(c), _) => format!("{} {}", in_words(Some(a)), in_words(Some(c))),
            (_, _, Some(sku)) => format!("{}: {}", in_words(Some(sku)), in_words(o.get("price"))),
            _ => Value::Object(o.clone()).to_string(),
        },
    }
}

/// The terms of `after` that differ from `before` (every term when there is no version before).
pub fn changes(before: Option<&Value>, after: &Value) -> Vec<TermChange> {
    TERMS
        .iter()
        .filter_map(|(key, name)| {
            let new = in_words(after.get(key));
            let old = before.map(|b| in_words(b.get(key)));
            (old.as_deref() != Some(new.as_str())).then(|| TermChange {
                key,
                term: (*name).to_owned(),
                before: old,
                after: new,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_the_terms_that_changed_are_listed_in_words() {
        let v1 = json!({"currency": "EUR", "coverage_months": 24, "doa_days": 14,
            "reimbursement_percent": "80", "handling_fee": {"amount": "25.00", "currency": "EUR"},
            "evidence_required": []});
        let v2 = json!({"currency": "EUR", "coverage_months": 24, "doa_days": 0,
            "reimbursement_percent": "80", "handling_fee": {"amount": "0.00", "currency": "EUR"},
            "evidence_required": ["collected_serial"]});
        let c = changes(Some(&v1), &v2);
        let terms: Vec<&str> = c.iter().map(|c| c.term.as_str()).collect();
        assert_eq!(
            terms,
            [
                "Dead on arrival (days)",
                "Handling fee",
                "Evidence required"
            ]
        );
        assert_eq!(c[1].before.as_deref(), Some("25.00 EUR"));
        assert_eq!(c[1].after, "0.00 EUR");
        assert_eq!(c[2].after, "collected serial");
        // A first version: every term, nothing before.
        assert!(changes(None, &v1).iter().all(|c| c.before.is_none()));
    }
}
