//! The manufacturer's decision on a pending claim.
//!
//! The most a claim can be credited is the price paid plus the handling fee of the agreement it
//! was judged against (the price alone without one). `accept` credits the given amount, else the
//! suggested amount, else that maximum; `partly_accept` credits a given amount below the maximum
//! and needs a reason code; `reject` credits nothing and needs a reason code. Amounts are in the
//! claim's currency.

use kummerer_contracts::{ClaimOutcome, Money};
use rust_decimal::Decimal;

use super::claim::ClaimStatus;
use super::input::{Invalid, parse_money, parse_reason_code};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecisionOutcome {
    Accept,
    PartlyAccept,
    Reject,
}

/// A decision as the client sent it (amount still text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionInput {
    pub outcome: DecisionOutcome,
    /// `(amount, currency)` as written.
    pub amount: Option<(String, String)>,
    pub reason_code: Option<String>,
}

/// What the rules need to know about the claim being decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenClaim {
    pub status: ClaimStatus,
    pub price_paid: Money,
    /// The agreement's handling fee, when the claim was judged against one in its currency.
    pub handling_fee: Option<Money>,
    pub suggested_amount: Option<Money>,
}

impl OpenClaim {
    /// The most this claim can be credited: price paid plus handling fee.
    pub fn maximum(&self) -> Money {
        match &self.handling_fee {
            Some(fee) => self
                .price_paid
                .checked_add(fee)
                .unwrap_or_else(|_| self.price_paid.clone()),
            None => self.price_paid.clone(),
        }
    }
}

/// A valid decision, ready to be recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub outcome: ClaimOutcome,
    pub amount: Money,
    pub reason_code: Option<String>,
}

impl Decision {
    pub fn status(&self) -> ClaimStatus {
        match self.outcome {
            ClaimOutcome::Accepted => ClaimStatus::Accepted,
            ClaimOutcome::PartlyAccepted => ClaimStatus::PartlyAccepted,
            ClaimOutcome::Rejected => ClaimStatus::Rejected,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecisionError {
    /// Only a decidable claim (pending, its unit arrived, or disputed) can be decided; this is
    /// its status.
    AlreadyDecided(ClaimStatus),
    Invalid(Vec<Invalid>),
}

/// Checks the parts of a decision that do not depend on the claim (amount format, reason code),
/// so that a malformed request is answered before any row is locked.
pub fn check_input(input: &DecisionInput) -> Result<(), Vec<Invalid>> {
    let mut errors = Vec::new();
    if let Some((amount, currency)) = &input.amount
        && let Err(e) = parse_money("amount", amount, currency)
    {
        errors.extend(e);
    }
    match (&input.reason_code, input.outcome) {
        (Some(code), _) => {
            if let Err(e) = parse_reason_code("reason_code", code) {
                errors.push(e);
            }
        }
        (None, DecisionOutcome::PartlyAccept | DecisionOutcome::Reject) => {
            errors.push(Invalid::new(
                "reason_code",
                "is required to partly accept or reject a claim",
            ));
        }
        (None, DecisionOutcome::Accept) => {}
    }
    if input.outcome == DecisionOutcome::PartlyAccept && input.amount.is_none() {
        errors.push(Invalid::new(
            "amount",
            "is required to partly accept a claim",
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Decides `claim` as `input` asks, or says why it cannot.
pub fn decide(claim: &OpenClaim, input: &DecisionInput) -> Result<Decision, DecisionError> {
    if !claim.status.is_decidable() {
        return Err(DecisionError::AlreadyDecided(claim.status));
    }
    check_input(input).map_err(DecisionError::Invalid)?;
    let invalid = |message: String| DecisionError::Invalid(vec![Invalid::new("amount", message)]);
    let currency = &claim.price_paid.currency;
    let given = match &input.amount {
        Some((amount, cur)) => {
            let m = parse_money("amount", amount, cur).map_err(DecisionError::Invalid)?;
            if m.currency != *currency {
                return Err(DecisionError::Invalid(vec![Invalid::new(
                    "amount.currency",
                    format!("must be the claim's currency {currency}"),
                )]));
            }
            Some(m)
        }
        None => None,
    };
    let reason_code = match &input.reason_code {
        Some(code) => Some(
            parse_reason_code("reason_code", code).map_err(|e| DecisionError::Invalid(vec![e]))?,
        ),
        None => None,
    };
    let maximum = claim.maximum();
    let (outcome, amount) = match input.outcome {
        DecisionOutcome::Accept => {
            let amount = match given {
                Some(m) => m,
                None => claim
                    .suggested_amount
                    .clone()
                    .filter(|s| s.amount > Decimal::ZERO && s.currency == *currency)
                    .unwrap_or_else(|| maximum.clone()),
            };
            if amount.amount <= Decimal::ZERO {
                return Err(invalid(
                    "must be more than zero to accept (reject the claim instead)".to_owned(),
                ));
            }
            if amount.amount > maximum.amount {
                return Err(invalid(format!(
                    "must not exceed the price paid plus the handling fee ({maximum})"
                )));
            }
            (ClaimOutcome::Accepted, amount)
        }
        DecisionOutcome::PartlyAccept => {
            let Some(amount) = given else {
                return Err(invalid("is required to partly accept a claim".to_owned()));
            };
            if amount.amount <= Decimal::ZERO || amount.amount >= maximum.amount {
                return Err(invalid(format!(
                    "must be more than zero and less than the price paid plus the handling fee \
                     ({maximum})"
                )));
            }
            (ClaimOutcome::PartlyAccepted, amount)
        }
        DecisionOutcome::Reject => {
            if given.as_ref().is_some_and(|m| !m.amount.is_zero()) {
                return Err(invalid("must be zero or left out to reject".to_owned()));
            }
            (ClaimOutcome::Rejected, Money::zero(currency.clone()))
        }
    };
    Ok(Decision {
        outcome,
        amount,
        reason_code,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use kummerer_contracts::Currency;
    use std::str::FromStr;

    fn eur(amount: &str) -> Money {
        Money::new(
            Decimal::from_str(amount).unwrap(),
            Currency::parse("EUR").unwrap(),
        )
        .unwrap()
    }

    fn claim() -> OpenClaim {
        OpenClaim {
            status: ClaimStatus::Pending,
            price_paid: eur("499.00"),
            handling_fee: Some(eur("25.00")),
            suggested_amount: Some(eur("424.20")),
        }
    }

    fn input(
        outcome: DecisionOutcome,
        amount: Option<&str>,
        reason_code: Option<&str>,
    ) -> DecisionInput {
        DecisionInput {
            outcome,
            amount: amount.map(|a| (a.to_owned(), "EUR".to_owned())),
            reason_code: reason_code.map(str::to_owned),
        }
    }

    fn fields(e: DecisionError) -> Vec<String> {
        match e {
            DecisionError::Invalid(v) => v.into_iter().map(|i| i.field).collect(),
            other => panic!("expected invalid, got {other:?}"),
        }
    }

    #[test]
    fn accept_defaults_to_the_suggestion_then_the_maximum() {
        let d = decide(&claim(), &input(DecisionOutcome::Accept, None, None)).unwrap();
        assert_eq!(d.outcome, ClaimOutcome::Accepted);
        assert_eq!(d.amount, eur("424.20"));
        let mut c = claim();
        c.suggested_amount = None;
        let d = decide(&c, &input(DecisionOutcome::Accept, None, None)).unwrap();
        assert_eq!(d.amount, eur("524.00"));
        // A suggestion of zero (outside coverage) is no amount to accept.
        c.suggested_amount = Some(eur("0"));
        let d = decide(&c, &input(DecisionOutcome::Accept, None, None)).unwrap();
        assert_eq!(d.amount, eur("524.00"));
        // Without an agreement, the maximum is the price alone.
        c.handling_fee = None;
        let d = decide(&c, &input(DecisionOutcome::Accept, None, None)).unwrap();
        assert_eq!(d.amount, eur("499.00"));
    }

    #[test]
    fn accept_with_an_amount_up_to_the_maximum() {
        let d = decide(
            &claim(),
            &input(DecisionOutcome::Accept, Some("524"), Some("goodwill")),
        )
        .unwrap();
        assert_eq!(d.amount, eur("524.00"));
        assert_eq!(d.reason_code.as_deref(), Some("goodwill"));
        let e = decide(
            &claim(),
            &input(DecisionOutcome::Accept, Some("524.01"), None),
        );
        assert_eq!(fields(e.unwrap_err()), ["amount"]);
        let e = decide(&claim(), &input(DecisionOutcome::Accept, Some("0"), None));
        assert_eq!(fields(e.unwrap_err()), ["amount"]);
    }

    #[test]
    fn partly_accept_needs_an_amount_below_the_maximum_and_a_reason() {
        let d = decide(
            &claim(),
            &input(DecisionOutcome::PartlyAccept, Some("200"), Some("wear")),
        )
        .unwrap();
        assert_eq!(d.outcome, ClaimOutcome::PartlyAccepted);
        assert_eq!(d.status(), ClaimStatus::PartlyAccepted);
        assert_eq!(d.amount, eur("200.00"));
        let e = decide(&claim(), &input(DecisionOutcome::PartlyAccept, None, None));
        assert_eq!(fields(e.unwrap_err()), ["reason_code", "amount"]);
        for bad in ["0", "524", "600"] {
            let e = decide(
                &claim(),
                &input(DecisionOutcome::PartlyAccept, Some(bad), Some("wear")),
            );
            assert_eq!(fields(e.unwrap_err()), ["amount"], "{bad}");
        }
    }

    #[test]
    fn reject_needs_a_reason_and_credits_nothing() {
        let d = decide(
            &claim(),
            &input(DecisionOutcome::Reject, None, Some("no_defect_found")),
        )
        .unwrap();
        assert_eq!(d.outcome, ClaimOutcome::Rejected);
        assert_eq!(d.amount, eur("0"));
        let d = decide(
            &claim(),
            &input(DecisionOutcome::Reject, Some("0"), Some("misuse")),
        )
        .unwrap();
        assert_eq!(d.amount, eur("0"));
        let e = decide(&claim(), &input(DecisionOutcome::Reject, None, None));
        assert_eq!(fields(e.unwrap_err()), ["reason_code"]);
        let e = decide(
            &claim(),
            &input(DecisionOutcome::Reject, Some("5"), Some("misuse")),
        );
        assert_eq!(fields(e.unwrap_err()), ["amount"]);
    }

    #[test]
    fn amounts_are_in_the_claims_currency_and_well_formed() {
        let mut i = input(DecisionOutcome::Accept, Some("100"), None);
        i.amount = Some(("100".into(), "USD".into()));
        assert_eq!(
            fields(decide(&claim(), &i).unwrap_err()),
            ["amount.currency"]
        );
        let i = input(DecisionOutcome::Accept, Some("1.001"), None);
        assert_eq!(fields(decide(&claim(), &i).unwrap_err()), ["amount.amount"]);
        let i = input(DecisionOutcome::Accept, Some("-1"), None);
        assert_eq!(fields(decide(&claim(), &i).unwrap_err()), ["amount.amount"]);
    }

    #[test]
    fn only_pending_claims_are_decided() {
        let mut c = claim();
        c.status = ClaimStatus::Accepted;
        assert_eq!(
            decide(&c, &input(DecisionOutcome::Reject, None, Some("x"))),
            Err(DecisionError::AlreadyDecided(ClaimStatus::Accepted))
        );
    }
}
