//! Authority limits (Handlungsspielraum): the value of a swap — the price of the replacement,
//! what the retailer gives away — a person may approve without anyone else.
//!
//! Each retailer sets a limit per role; a role without one has the default: a clerk may approve
//! nothing alone (every swap needs a manager), managers and admins are unlimited.

use kummerer_contracts::Money;

use crate::domain::Role;

#[derive(Debug, Clone, PartialEq)]
pub enum Limit {
    /// Any swap.
    Unlimited,
    /// Swaps worth at most this much, in this currency (other currencies need a manager).
    UpTo(Money),
    /// No swap alone (the clerk's default).
    Nothing,
}

impl Limit {
    /// The limit of a role the retailer has not set.
    pub fn default_for(role: Role) -> Limit {
        match role {
            Role::Clerk => Limit::Nothing,
            Role::Manager | Role::Admin => Limit::Unlimited,
        }
    }

    /// Whether a swap worth `value` is within this limit.
    pub fn allows(&self, value: &Money) -> bool {
        match self {
            Limit::Unlimited => true,
            Limit::UpTo(max) => max.currency == value.currency && value.amount <= max.amount,
            Limit::Nothing => value.amount.is_zero(),
        }
    }

    /// For the desk: "599.00 EUR", "unlimited", "0.00".
    pub fn describe(&self) -> String {
        match self {
            Limit::Unlimited => "unlimited".to_owned(),
            Limit::UpTo(max) => max.to_string(),
            Limit::Nothing => "0.00".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use kummerer_contracts::Currency;
    use rust_decimal::Decimal;

    use super::*;

    fn money(cents: i64, currency: &str) -> Money {
        Money::new(Decimal::new(cents, 2), Currency::parse(currency).unwrap()).unwrap()
    }

    #[test]
    fn clerks_need_a_manager_by_default_managers_and_admins_do_not() {
        let price = money(54900, "EUR");
        assert!(!Limit::default_for(Role::Clerk).allows(&price));
        assert!(Limit::default_for(Role::Clerk).allows(&money(0, "EUR")));
        assert!(Limit::default_for(Role::Manager).allows(&price));
        assert!(Limit::default_for(Role::Admin).allows(&price));
    }

    #[test]
    fn a_set_limit_covers_up_to_its_amount_in_its_currency() {
        let limit = Limit::UpTo(money(55000, "EUR"));
        assert!(limit.allows(&money(55000, "EUR")));
        assert!(limit.allows(&money(54900, "EUR")));
        assert!(!limit.allows(&money(55001, "EUR")));
        assert!(!limit.allows(&money(100, "CHF")));
        assert_eq!(limit.describe(), money(55000, "EUR").to_string());
    }
}
