//! Deadlines with a default outcome: a claim the manufacturer leaves undecided past its deadline
//! gets the agreement's default outcome, recorded as decided by a rule.
//!
//! Deemed accepted credits what an `accept` without an amount would (the suggested amount when
//! it is above zero, else the price paid plus the handling fee); deemed rejected credits nothing
//! with the reason code `deadline_passed`.

use std::fmt;

use kummerer_contracts::{ClaimOutcome, Money};

use super::decision::{Decision, DecisionError, DecisionInput, DecisionOutcome, OpenClaim, decide};

/// The rule that accepts a claim whose deadline passed.
pub const DEEMED_ACCEPTED: &str = "deadline_deemed_accepted";
/// The rule that rejects a claim whose deadline passed.
pub const DEEMED_REJECTED: &str = "deadline_deemed_rejected";
/// The reason code of a deemed rejection.
pub const DEADLINE_PASSED: &str = "deadline_passed";

/// What an undecided claim becomes when its deadline passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum DefaultOutcome {
    /// Silence means yes (the usual agreement).
    #[default]
    Accept,
    Reject,
}

impl DefaultOutcome {
    pub const ALL: [DefaultOutcome; 2] = [DefaultOutcome::Accept, DefaultOutcome::Reject];

    pub fn as_str(self) -> &'static str {
        match self {
            DefaultOutcome::Accept => "accept",
            DefaultOutcome::Reject => "reject",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == s)
    }

    /// The rule recorded as the decider.
    pub fn rule(self) -> &'static str {
        match self {
            DefaultOutcome::Accept => DEEMED_ACCEPTED,
            DefaultOutcome::Reject => DEEMED_REJECTED,
        }
    }
}

impl fmt::Display for DefaultOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The decision the deadline makes on `claim`.
pub fn deem(claim: &OpenClaim, outcome: DefaultOutcome) -> Result<Decision, DecisionError> {
    if !claim.status.is_decidable() {
        return Err(DecisionError::AlreadyDecided(claim.status));
    }
    let input = match outcome {
        DefaultOutcome::Accept => DecisionInput {
            outcome: DecisionOutcome::Accept,
            amount: None,
            reason_code: None,
        },
        DefaultOutcome::Reject => DecisionInput {
            outcome: DecisionOutcome::Reject,
            amount: None,
            reason_code: Some(DEADLINE_PASSED.to_owned()),
        },
    };
    match decide(claim, &input) {
        // Nothing to pay (a free unit without a fee): silence still ends the claim.
        Err(DecisionError::Invalid(_)) if outcome == DefaultOutcome::Accept => Ok(Decision {
            outcome: ClaimOutcome::Accepted,
            amount: Money::zero(claim.price_paid.currency.clone()),
            reason_code: None,
        }),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ClaimStatus;
    use kummerer_contracts::Currency;
    use rust_decimal::Decimal;
    use std::str::FromStr;

    fn eur(amount: &str) -> Money {
        Money::new(
            Decimal::from_str(amount).unwrap(),
            Currency::parse("EUR").unwrap(),
        )
        .unwrap()
    }

    fn claim(suggested: Option<&str>) -> OpenClaim {
        OpenClaim {
            status: ClaimStatus::Pending,
            price_paid: eur("499.00"),
            handling_fee: Some(eur("25.00")),
            suggested_amount: suggested.map(eur),
        }
    }

    #[test]
    fn deemed_accepted_pays_the_suggestion_or_the_maximum() {
        let d = deem(&claim(Some("424.20")), DefaultOutcome::Accept).unwrap();
        assert_eq!(d.outcome, ClaimOutcome::Accepted);
        assert_eq!(d.amount, eur("424.20"));
        assert_eq!(d.reason_code, None);
        // Outside coverage the suggestion is zero: the deadline pays price plus fee.
        let d = deem(&claim(Some("0")), DefaultOutcome::Accept).unwrap();
        assert_eq!(d.amount, eur("524.00"));
        let d = deem(&claim(None), DefaultOutcome::Accept).unwrap();
        assert_eq!(d.amount, eur("524.00"));
    }

    #[test]
    fn deemed_rejected_pays_nothing_with_a_reason() {
        let d = deem(&claim(Some("424.20")), DefaultOutcome::Reject).unwrap();
        assert_eq!(d.outcome, ClaimOutcome::Rejected);
        assert_eq!(d.amount, eur("0"));
        assert_eq!(d.reason_code.as_deref(), Some(DEADLINE_PASSED));
    }

    #[test]
    fn nothing_to_pay_is_still_deemed_accepted() {
        let c = OpenClaim {
            status: ClaimStatus::Pending,
            price_paid: eur("0"),
            handling_fee: None,
            suggested_amount: None,
        };
        let d = deem(&c, DefaultOutcome::Accept).unwrap();
        assert_eq!(d.outcome, ClaimOutcome::Accepted);
        assert_eq!(d.amount, eur("0"));
    }

    #[test]
    fn a_decided_claim_is_left_alone() {
        let mut c = claim(None);
        c.status = ClaimStatus::Rejected;
        assert_eq!(
            deem(&c, DefaultOutcome::Accept),
            Err(DecisionError::AlreadyDecided(ClaimStatus::Rejected))
        );
    }

    #[test]
    fn outcomes_round_trip() {
        for o in DefaultOutcome::ALL {
            assert_eq!(DefaultOutcome::parse(o.as_str()), Some(o));
        }
        assert_eq!(DefaultOutcome::parse("maybe"), None);
        assert_eq!(DefaultOutcome::default(), DefaultOutcome::Accept);
        assert_eq!(DefaultOutcome::Reject.rule(), "deadline_deemed_rejected");
    }
}
