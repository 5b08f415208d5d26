//! Duplicate and fraud checks on a claim's arrival. A flagged claim is never accepted by a rule:
//! what the agreement would have accepted waits for the manufacturer (pending reason `flagged`)
//! with the amount the rule would have paid as the suggestion.

use std::fmt;

use super::adjudication::Adjudication;
use super::claim::PendingReason;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ClaimFlag {
    /// Another claim of the same manufacturer names the same serial.
    DuplicateSerial,
    /// The manufacturer uploaded a serial registry and this serial is not in it.
    UnknownSerial,
    /// The serial the crew read off the collected unit is not the serial the claim names.
    SerialMismatch,
}

impl ClaimFlag {
    pub fn as_str(self) -> &'static str {
        match self {
            ClaimFlag::DuplicateSerial => "duplicate_serial",
            ClaimFlag::UnknownSerial => "unknown_serial",
            ClaimFlag::SerialMismatch => "serial_mismatch",
        }
    }
}

impl ClaimFlag {
    pub fn parse(s: &str) -> Option<Self> {
        [
            ClaimFlag::DuplicateSerial,
            ClaimFlag::UnknownSerial,
            ClaimFlag::SerialMismatch,
        ]
        .into_iter()
        .find(|f| f.as_str() == s)
    }
}

impl fmt::Display for ClaimFlag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the serial checks found out about an arriving claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SerialFacts {
    /// Another claim of the manufacturer has the same serial.
    pub claimed_before: bool,
    /// Whether the serial is in the manufacturer's registry; `None` without a registry.
    pub in_registry: Option<bool>,
}

/// The flags the facts raise, in a stable order.
pub fn flags(facts: SerialFacts) -> Vec<ClaimFlag> {
    let mut out = Vec::new();
    if facts.claimed_before {
        out.push(ClaimFlag::DuplicateSerial);
    }
    if facts.in_registry == Some(false) {
        out.push(ClaimFlag::UnknownSerial);
    }
    out
}

/// The verdict once flags are taken into account: a flagged claim is never accepted by rule.
pub fn hold_flagged(verdict: Adjudication, flags: &[ClaimFlag]) -> Adjudication {
    match verdict {
        Adjudication::Accept { amount, .. } if !flags.is_empty() => Adjudication::Pending {
            reason: PendingReason::Flagged,
            suggested_amount: Some(amount),
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kummerer_contracts::{Currency, Money};
    use rust_decimal::Decimal;

    fn accept() -> Adjudication {
        Adjudication::Accept {
            amount: Money::new(Decimal::from(524), Currency::parse("EUR").unwrap()).unwrap(),
            rule: "doa_full_refund",
        }
    }

    #[test]
    fn facts_raise_flags() {
        assert!(flags(SerialFacts::default()).is_empty());
        assert!(
            flags(SerialFacts {
                claimed_before: false,
                in_registry: Some(true)
            })
            .is_empty()
        );
        assert_eq!(
            flags(SerialFacts {
                claimed_before: true,
                in_registry: Some(false)
            }),
            [ClaimFlag::DuplicateSerial, ClaimFlag::UnknownSerial]
        );
    }

    #[test]
    fn a_flagged_claim_is_never_accepted_by_rule() {
        let held = hold_flagged(accept(), &[ClaimFlag::DuplicateSerial]);
        match held {
            Adjudication::Pending {
                reason,
                suggested_amount,
            } => {
                assert_eq!(reason, PendingReason::Flagged);
                assert_eq!(suggested_amount.unwrap().amount, Decimal::from(524));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(hold_flagged(accept(), &[]), accept());
        let pending = Adjudication::Pending {
            reason: PendingReason::OutsideCoverage,
            suggested_amount: None,
        };
        assert_eq!(
            hold_flagged(pending.clone(), &[ClaimFlag::UnknownSerial]),
            pending
        );
    }
}
