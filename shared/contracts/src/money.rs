//! Money is a decimal amount with an ISO 4217 currency, never a float.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MoneyError {
    #[error("currency must be three upper-case letters (ISO 4217), got {0:?}")]
    BadCurrency(String),
    #[error("{0:?} is not an ISO 4217 currency code")]
    UnknownCurrency(String),
    /// An ISO 4217 code that is not money a price can be paid in: a special code (`XXX` "no
    /// currency", `XTS` testing, metals, `XDR`), a fund (`BOV`, `CLF`, `USN`, …) or a code
    /// superseded by another (`HRK` by `EUR`).
    #[error("{0:?} is an ISO 4217 code but not a currency prices are paid in ({1})")]
    NotATenderCurrency(String, String),
    #[error("currencies differ: {0} and {1}")]
    CurrencyMismatch(Currency, Currency),
    #[error("amount must not be negative")]
    Negative,
    #[error("amount has more than 2 decimal places")]
    TooPrecise,
}

/// An ISO 4217 alphabetic currency code such as `EUR`: one of the current currencies of the
/// ISO 4217 list (the `iso_currency` crate's table), never a special code, a fund or a
/// superseded code. On the wire it stays the bare code, `"EUR"`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency(String);

impl Currency {
    pub fn parse(code: &str) -> Result<Self, MoneyError> {
        if !(code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase())) {
            return Err(MoneyError::BadCurrency(code.to_owned()));
        }
        let Some(iso) = iso_currency::Currency::from_code(code) else {
            return Err(MoneyError::UnknownCurrency(code.to_owned()));
        };
        let not_tender = |why: String| Err(MoneyError::NotATenderCurrency(code.to_owned(), why));
        if let Some(successor) = iso.is_superseded() {
            return not_tender(format!("superseded by {}", successor.code()));
        }
        if iso.is_special() {
            return not_tender(format!("special code: {}", iso.name()));
        }
        if iso.is_fund() {
            return not_tender(format!("fund code: {}", iso.name()));
        }
        Ok(Self(code.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Currency {
    type Error = MoneyError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> Self {
        c.0
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A non-negative amount of money in one currency, with at most two decimal places.
/// Serialized as `{"amount": "499.00", "currency": "EUR"}`: the amount is a string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawMoney")]
pub struct Money {
    pub amount: Decimal,
    pub currency: Currency,
}

#[derive(Deserialize)]
struct RawMoney {
    amount: Decimal,
    currency: Currency,
}

impl TryFrom<RawMoney> for Money {
    type Error = MoneyError;
    fn try_from(raw: RawMoney) -> Result<Self, Self::Error> {
        Money::new(raw.amount, raw.currency)
    }
}

impl Money {
    pub fn new(amount: Decimal, currency: Currency) -> Result<Self, MoneyError> {
        if amount.is_sign_negative() && !amount.is_zero() {
            return Err(MoneyError::Negative);
        }
        if amount.normalize().scale() > 2 {
            return Err(MoneyError::TooPrecise);
        }
        let mut amount = amount;
        amount.rescale(2);
        Ok(Self { amount, currency })
    }

    pub fn zero(currency: Currency) -> Self {
        Self {
            amount: Decimal::new(0, 2),
            currency,
        }
    }

    pub fn checked_add(&self, other: &Money) -> Result<Money, MoneyError> {
        if self.currency != other.currency {
            return Err(MoneyError::CurrencyMismatch(
                self.currency.clone(),
                other.currency.clone(),
            ));
        }
        Money::new(self.amount + other.amount, self.currency.clone())
    }

    /// `percent` of this amount, rounded half-even to cents (banker's rounding).
    pub fn percent(&self, percent: Decimal) -> Money {
        let mut amount = (self.amount * percent / Decimal::ONE_HUNDRED).round_dp(2);
        amount.rescale(2);
        Money {
            amount,
            currency: self.currency.clone(),
        }
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn eur(s: &str) -> Money {
        Money::new(
            Decimal::from_str(s).unwrap(),
            Currency::parse("EUR").unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn parses_and_rejects() {
        let m: Money = serde_json::from_str(r#"{"amount":"499.9","currency":"EUR"}"#).unwrap();
        assert_eq!(m.amount.to_string(), "499.90");
        assert!(serde_json::from_str::<Money>(r#"{"amount":"-1.00","currency":"EUR"}"#).is_err());
        assert!(serde_json::from_str::<Money>(r#"{"amount":"1.001","currency":"EUR"}"#).is_err());
        assert!(serde_json::from_str::<Money>(r#"{"amount":"1.00","currency":"eur"}"#).is_err());
    }

    #[test]
    fn only_current_iso_4217_currencies() {
        for code in ["EUR", "USD", "CHF", "GBP", "SEK", "PLN", "JPY", "VED"] {
            assert_eq!(Currency::parse(code).map(String::from), Ok(code.to_owned()));
        }
        for code in ["ZZZ", "AAA", "EUX", "ABC"] {
            assert_eq!(
                Currency::parse(code),
                Err(MoneyError::UnknownCurrency(code.to_owned())),
                "{code}"
            );
        }
        // `XXX` is ISO 4217's "no currency": a price is never paid in it, so it is refused
        // like the other special codes (testing, metals, SDR), funds and superseded codes.
        for code in ["XXX", "XTS", "XAU", "XDR", "BOV", "USN", "HRK", "DEM"] {
            let err = Currency::parse(code);
            assert!(
                matches!(err, Err(MoneyError::NotATenderCurrency(ref c, _)) if c == code)
                    || err == Err(MoneyError::UnknownCurrency(code.to_owned())),
                "{code}: {err:?}"
            );
        }
        assert!(
            Currency::parse("HRK")
                .unwrap_err()
                .to_string()
                .contains("superseded by EUR")
        );
        for code in ["eur", "EU", "EURO", "", "E1R", "ÉUR"] {
            assert_eq!(
                Currency::parse(code),
                Err(MoneyError::BadCurrency(code.to_owned()))
            );
        }
    }

    #[test]
    fn wire_format_is_the_bare_code() {
        let m: Money = serde_json::from_str(r#"{"amount":"1","currency":"CHF"}"#).unwrap();
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            r#"{"amount":"1.00","currency":"CHF"}"#
        );
        let err = serde_json::from_str::<Money>(r#"{"amount":"1.00","currency":"ZZZ"}"#)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("\"ZZZ\" is not an ISO 4217 currency code"),
            "{err}"
        );
    }

    #[test]
    fn percent_rounds_to_cents() {
        assert_eq!(
            eur("99.99").percent(Decimal::from(50)).amount.to_string(),
            "50.00"
        );
        assert_eq!(
            eur("10.00").percent(Decimal::from(33)).amount.to_string(),
            "3.30"
        );
    }

    #[test]
    fn serializes_amount_as_string() {
        let json = serde_json::to_value(eur("12.5")).unwrap();
        assert_eq!(json["amount"], "12.50");
        assert_eq!(json["currency"], "EUR");
    }

    #[test]
    fn adding_different_currencies_fails() {
        let usd = Money::zero(Currency("USD".into()));
        assert!(eur("1").checked_add(&usd).is_err());
        assert_eq!(
            eur("1")
                .checked_add(&eur("2.5"))
                .map(|m| m.amount.to_string()),
            Ok("3.50".into())
        );
    }
}
