//! Credit notes: accepted (and partly accepted) claim amounts credited to the retailer. One note
//! per claim, or a retailer's batch of a decision period with one note per currency. Pure: the
//! request's shape, the document number, and how a batch splits into notes.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Utc};
use kummerer_contracts::CostLine;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::Invalid;

/// What to credit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// One claim.
    Claim(Uuid),
    /// Every accepted or partly accepted claim of the retailer decided in `[from, to)` and not
    /// credited yet.
    Batch {
        retailer_id: Uuid,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    },
}

/// The request's parts as they came (each optional, so that each mistake is a field error).
#[derive(Debug, Clone, Default)]
pub struct ScopeInput {
    pub claim_id: Option<Uuid>,
    pub retailer_id: Option<Uuid>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Whether a `period` object came at all.
    pub has_period: bool,
}

/// Either `claim_id` alone, or `retailer_id` with a `period` whose `from` is before its `to`.
pub fn scope(input: &ScopeInput) -> Result<Scope, Vec<Invalid>> {
    let batch = input.retailer_id.is_some() || input.has_period;
    match (input.claim_id, batch) {
        (Some(_), true) => Err(vec![Invalid::new(
            "claim_id",
            "give either claim_id, or retailer_id and period, not both",
        )]),
        (Some(id), false) => Ok(Scope::Claim(id)),
        (None, false) => Err(vec![Invalid::new(
            "claim_id",
            "give either claim_id, or retailer_id and period",
        )]),
        (None, true) => {
            let mut errors = Vec::new();
            if input.retailer_id.is_none() {
                errors.push(Invalid::new("retailer_id", "is required with a period"));
            }
            if !input.has_period {
                errors.push(Invalid::new("period", "is required with a retailer_id"));
            }
            if input.has_period && input.from.is_none() {
                errors.push(Invalid::new("period.from", "is required"));
            }
            if input.has_period && input.to.is_none() {
                errors.push(Invalid::new("period.to", "is required"));
            }
            if let (Some(from), Some(to)) = (input.from, input.to)
                && from >= to
            {
                errors.push(Invalid::new("period.to", "must be after period.from"));
            }
            match (input.retailer_id, input.from, input.to) {
                (Some(retailer_id), Some(from), Some(to)) if errors.is_empty() => {
                    Ok(Scope::Batch {
                        retailer_id,
                        from,
                        to,
                    })
                }
                _ => Err(errors),
            }
        }
    }
}

/// The document number: `CN-<year>-<sequence, at least 6 digits>`.
pub fn number(issued_at: DateTime<Utc>, sequence: i64) -> String {
    format!("CN-{}-{sequence:06}", issued_at.year())
}

/// The year whose number series a note issued at `issued_at` takes its number from.
pub fn series(issued_at: DateTime<Utc>) -> i32 {
    issued_at.year()
}

/// A claim to credit, as the database has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Creditable {
    pub claim_id: Uuid,
    pub swap_id: Uuid,
    pub case_id: Uuid,
    pub currency: String,
    pub amount: Decimal,
    /// What the amount is made of (net), where the claim's lines add up to it.
    pub cost_lines: Vec<CostLine>,
}

/// A claim's stored cost lines (`claims.cost_lines`) where they are all in `currency` and add
/// up to `amount` (a decision by the rule that gave them); none where a person decided another
/// amount, or where the stored lines do not read.
pub fn lines_adding_up(
    stored: &serde_json::Value,
    currency: &str,
    amount: Decimal,
) -> Vec<CostLine> {
    let lines: Vec<CostLine> = serde_json::from_value(stored.clone()).unwrap_or_default();
    let sum: Decimal = lines.iter().map(|l| l.amount.amount).sum();
    if lines
        .iter()
        .all(|l| l.amount.currency.as_str() == currency.trim())
        && sum == amount
    {
        lines
    } else {
        Vec::new()
    }
}

/// One note to issue: its currency, its lines (by claim id, the order a note shows them in)
/// and their sum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub currency: String,
    pub lines: Vec<Creditable>,
    pub total: Decimal,
}

/// The notes a set of claims makes: one per currency, currencies in alphabetical order (so
/// that numbers follow a stable order), lines by claim id.
pub fn drafts(claims: Vec<Creditable>) -> Vec<Draft> {
    let mut by_currency: BTreeMap<String, Vec<Creditable>> = BTreeMap::new();
    for c in claims {
        by_currency
            .entry(c.currency.trim().to_owned())
            .or_default()
            .push(c);
    }
    by_currency
        .into_iter()
        .map(|(currency, mut lines)| {
            lines.sort_by_key(|l| l.claim_id);
            Draft {
                total: lines.iter().map(|l| l.amount).sum(),
                currency,
                lines,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn a_claim_id_alone_is_a_single_note() {
        let id = Uuid::now_v7();
        let input = ScopeInput {
            claim_id: Some(id),
            ..Default::default()
        };
        assert_eq!(scope(&input), Ok(Scope::Claim(id)));
    }

    #[test]
    fn a_retailer_with_a_period_is_a_batch() {
        let rid = Uuid::now_v7();
        let input = ScopeInput {
            retailer_id: Some(rid),
            has_period: true,
            from: Some(t("2026-11-01T00:00:00Z")),
            to: Some(t("2026-12-01T00:00:00Z")),
            ..Default::default()
        };
        assert_eq!(
            scope(&input),
            Ok(Scope::Batch {
                retailer_id: rid,
                from: t("2026-11-01T00:00:00Z"),
                to: t("2026-12-01T00:00:00Z"),
            })
        );
    }

    fn fields(r: Result<Scope, Vec<Invalid>>) -> Vec<String> {
        r.unwrap_err().into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn mixed_missing_and_backwards_requests_are_field_errors() {
        assert_eq!(fields(scope(&ScopeInput::default())), ["claim_id"]);
        let both = ScopeInput {
            claim_id: Some(Uuid::now_v7()),
            retailer_id: Some(Uuid::now_v7()),
            ..Default::default()
        };
        assert_eq!(fields(scope(&both)), ["claim_id"]);
        let no_period = ScopeInput {
            retailer_id: Some(Uuid::now_v7()),
            ..Default::default()
        };
        assert_eq!(fields(scope(&no_period)), ["period"]);
        let empty_period = ScopeInput {
            has_period: true,
            ..Default::default()
        };
        assert_eq!(
            fields(scope(&empty_period)),
            ["retailer_id", "period.from", "period.to"]
        );
        let backwards = ScopeInput {
            retailer_id: Some(Uuid::now_v7()),
            has_period: true,
            from: Some(t("2026-12-01T00:00:00Z")),
            to: Some(t("2026-12-01T00:00:00Z")),
            ..Default::default()
        };
        assert_eq!(fields(scope(&backwards)), ["period.to"]);
    }

    #[test]
    fn numbers_carry_the_year_and_six_digits_at_least() {
        assert_eq!(number(t("2026-11-23T10:00:00Z"), 1), "CN-2026-000001");
        assert_eq!(
            number(t("2027-01-01T00:00:00Z"), 1234567),
            "CN-2027-1234567"
        );
        assert_eq!(series(t("2027-01-01T00:00:00Z")), 2027);
    }

    fn line(currency: &str, amount: &str) -> Creditable {
        Creditable {
            claim_id: Uuid::now_v7(),
            swap_id: Uuid::now_v7(),
            case_id: Uuid::now_v7(),
            currency: currency.to_owned(),
            amount: amount.parse().unwrap(),
            cost_lines: vec![],
        }
    }

    #[test]
    fn a_batch_makes_one_note_per_currency_with_its_sum() {
        let mut claims = vec![
            line("EUR", "100.00"),
            line("CHF", "50.00"),
            line("EUR", "24.50"),
        ];
        // Lines come by claim id, whatever the order they came in.
        claims.swap(0, 2);
        let d = drafts(claims.clone());
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].currency, "CHF");
        assert_eq!(d[0].total, "50.00".parse().unwrap());
        assert_eq!(d[1].currency, "EUR");
        assert_eq!(d[1].total, "124.50".parse().unwrap());
        assert_eq!(d[1].lines, vec![claims[2].clone(), claims[0].clone()]);
        assert!(drafts(vec![]).is_empty());
    }

    #[test]
    fn cost_lines_are_kept_only_where_they_add_up_to_the_amount() {
        let stored = serde_json::json!([
            {"kind": "unit", "amount": {"amount": "499.00", "currency": "EUR"}},
            {"kind": "handling_fee", "amount": {"amount": "25.00", "currency": "EUR"}},
        ]);
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        // (stored, currency, amount, lines kept)
        let cases = [
            (stored.clone(), "EUR", "524.00", 2),
            (stored.clone(), "EUR", "150.00", 0),
            (stored.clone(), "CHF", "524.00", 0),
            (serde_json::json!([]), "EUR", "0.00", 0),
            (serde_json::json!({"not": "lines"}), "EUR", "524.00", 0),
        ];
        for (stored, currency, amount, kept) in cases {
            assert_eq!(
                lines_adding_up(&stored, currency, d(amount)).len(),
                kept,
                "{stored} {currency} {amount}"
            );
        }
    }
}
