//! Parsing of client input into domain values, collecting one message per bad field.

use std::str::FromStr;

use kummerer_contracts::{Currency, Money, MoneyError};
use rust_decimal::Decimal;

/// One field that is not valid, with a message for the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub field: String,
    pub message: String,
}

impl Invalid {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// A decimal written as text (`"80.5"`) or as it appeared in a JSON number (`80.5`).
pub fn parse_decimal(text: &str) -> Result<Decimal, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("must be a decimal number".to_owned());
    }
    Decimal::from_str(text)
        .or_else(|_| Decimal::from_scientific(text))
        .map_err(|_| format!("{text:?} is not a decimal number"))
}

/// A money amount and currency; errors name `<field>.amount` / `<field>.currency`.
pub fn parse_money(field: &str, amount: &str, currency: &str) -> Result<Money, Vec<Invalid>> {
    let mut errors = Vec::new();
    let currency = Currency::parse(currency)
        .map_err(|e| errors.push(Invalid::new(format!("{field}.currency"), e.to_string())))
        .ok();
    let amount = parse_decimal(amount)
        .map_err(|e| errors.push(Invalid::new(format!("{field}.amount"), e)))
        .ok();
    let (Some(amount), Some(currency)) = (amount, currency) else {
        return Err(errors);
    };
    Money::new(amount, currency).map_err(|e| {
        let message = match e {
            MoneyError::Negative => "must not be negative".to_owned(),
            MoneyError::TooPrecise => "must have at most 2 decimal places".to_owned(),
            other => other.to_string(),
        };
        vec![Invalid::new(format!("{field}.amount"), message)]
    })
}

/// A machine-readable reason code such as `no_defect_found`: 1 to 64 characters of letters,
/// digits, `_`, `-` and `.`.
pub fn parse_reason_code(field: &str, code: &str) -> Result<String, Invalid> {
    let code = code.trim();
    if code.is_empty() {
        return Err(Invalid::new(field, "must not be empty"));
    }
    if code.chars().count() > 64 {
        return Err(Invalid::new(field, "must be at most 64 characters"));
    }
    if !code
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
    {
        return Err(Invalid::new(
            field,
            "use letters, digits, '_', '-' or '.' (e.g. no_defect_found)",
        ));
    }
    Ok(code.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_from_text_and_numbers() {
        assert_eq!(parse_decimal("80").unwrap(), Decimal::from(80));
        assert_eq!(parse_decimal(" 80.5 ").unwrap().to_string(), "80.5");
        assert_eq!(parse_decimal("1e2").unwrap(), Decimal::from(100));
        assert!(parse_decimal("").is_err());
        assert!(parse_decimal("eighty").is_err());
        assert!(parse_decimal("NaN").is_err());
    }

    #[test]
    fn money_errors_name_the_field() {
        let m = parse_money("fee", "25", "EUR").unwrap();
        assert_eq!(m.amount.to_string(), "25.00");
        let e = parse_money("fee", "1.001", "EUR").unwrap_err();
        assert_eq!(
            e,
            vec![Invalid::new(
                "fee.amount",
                "must have at most 2 decimal places"
            )]
        );
        let e = parse_money("fee", "-1", "EUR").unwrap_err();
        assert_eq!(e[0].message, "must not be negative");
        let e = parse_money("fee", "x", "eur").unwrap_err();
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].field, "fee.currency");
        assert_eq!(e[1].field, "fee.amount");
    }

    #[test]
    fn reason_codes() {
        assert_eq!(
            parse_reason_code("r", " no_defect_found ").unwrap(),
            "no_defect_found"
        );
        assert!(parse_reason_code("r", "").is_err());
        assert!(parse_reason_code("r", "has space").is_err());
        assert!(parse_reason_code("r", &"x".repeat(65)).is_err());
    }
}
