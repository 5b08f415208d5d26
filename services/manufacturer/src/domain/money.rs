//! Money as the manufacturer's rows hold it (a decimal amount and a currency column) turned into
//! the contracts' typed [`Money`]: one conversion for the database layer, the consumers, the
//! deadline worker and the HTTP views alike.

use kummerer_contracts::{Currency, Money};
use rust_decimal::Decimal;

/// Typed money from a stored amount and currency code; `None` when either is not valid.
pub fn money_of(amount: Decimal, currency: &str) -> Option<Money> {
    Money::new(amount, Currency::parse(currency.trim()).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_amount_becomes_money_only_with_a_currency() {
        let m = money_of(Decimal::new(49900, 2), "EUR ").unwrap();
        assert_eq!(m.amount, Decimal::new(49900, 2));
        assert!(money_of(Decimal::ONE, "euro").is_none());
    }
}
