//! A claim the manufacturer did not accept (`manufacturer.claim.not_accepted.v1`): the reason in
//! the desk's words, and the rule for taking it up again — only a claim that was not accepted
//! can be resubmitted (after the retailer corrected what was wrong, e.g. the product's
//! manufacturer), and it goes back to the manufacturer as `submitted`.

use kummerer_contracts::NotAcceptedReason;

use crate::domain::ClaimStatus;

/// The reason as the desk says it.
pub fn reason_in_words(reason: NotAcceptedReason) -> &'static str {
    match reason {
        NotAcceptedReason::UnknownManufacturer => "the manufacturer does not know this product",
        NotAcceptedReason::NoAgreement => {
            "no agreement with the manufacturer was in force on the swap date"
        }
        NotAcceptedReason::UnknownClaim => "the manufacturer does not know this claim",
        NotAcceptedReason::NotLinked => "the manufacturer is not a linked partner of this retailer",
        NotAcceptedReason::Other => "the manufacturer did not accept the claim",
    }
}

/// A stored reason in words (`None` for none).
pub fn stored_reason_in_words(reason: Option<&str>) -> Option<&'static str> {
    reason.map(|r| {
        let parsed: NotAcceptedReason =
            serde_json::from_value(serde_json::Value::String(r.to_owned()))
                .unwrap_or(NotAcceptedReason::Other);
        reason_in_words(parsed)
    })
}

/// Why a claim cannot be resubmitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ResubmitRefused {
    #[error("only a claim the manufacturer did not accept can be resubmitted")]
    NotNotAccepted,
}

impl ResubmitRefused {
    /// The problem code the API answers with.
    pub fn code(self) -> &'static str {
        match self {
            ResubmitRefused::NotNotAccepted => "claim_not_returned",
        }
    }
}

/// The status a claim in `status` takes when the retailer resubmits it.
pub fn resubmit(status: ClaimStatus) -> Result<ClaimStatus, ResubmitRefused> {
    match status {
        ClaimStatus::NotAccepted => Ok(ClaimStatus::Submitted),
        _ => Err(ResubmitRefused::NotNotAccepted),
    }
}

/// Why a claim cannot be written off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WriteOffRefused {
    #[error("only a claim the manufacturer did not accept can be written off")]
    NotNotAccepted,
}

/// The status a claim in `status` takes when the store writes it off (final).
pub fn write_off(status: ClaimStatus) -> Result<ClaimStatus, WriteOffRefused> {
    match status {
        ClaimStatus::NotAccepted => Ok(ClaimStatus::WrittenOff),
        _ => Err(WriteOffRefused::NotNotAccepted),
    }
}

/// Whether a `not_accepted` answer moves a claim in `status` to `not_accepted`: a claim waiting
/// for the manufacturer's first decision does; a decided or disputed claim keeps its status
/// (the answer still lands on the timeline).
pub fn answer_applies(status: ClaimStatus) -> bool {
    status == ClaimStatus::Submitted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_claim_not_accepted_is_written_off() {
        for s in ClaimStatus::ALL {
            let expected = if s == ClaimStatus::NotAccepted {
                Ok(ClaimStatus::WrittenOff)
            } else {
                Err(WriteOffRefused::NotNotAccepted)
            };
            assert_eq!(write_off(s), expected);
        }
    }

    #[test]
    fn only_a_claim_not_accepted_is_resubmitted() {
        assert_eq!(
            resubmit(ClaimStatus::NotAccepted),
            Ok(ClaimStatus::Submitted)
        );
        for s in ClaimStatus::ALL {
            if s != ClaimStatus::NotAccepted {
                assert_eq!(resubmit(s), Err(ResubmitRefused::NotNotAccepted));
            }
        }
    }

    #[test]
    fn the_answer_moves_only_a_claim_waiting_for_its_first_decision() {
        assert!(answer_applies(ClaimStatus::Submitted));
        assert!(!answer_applies(ClaimStatus::Accepted));
        assert!(!answer_applies(ClaimStatus::Disputed));
        assert!(!answer_applies(ClaimStatus::NotAccepted));
    }

    #[test]
    fn reasons_read_as_words_and_unknown_ones_too() {
        assert_eq!(
            stored_reason_in_words(Some("unknown_manufacturer")),
            Some("the manufacturer does not know this product")
        );
        assert_eq!(
            stored_reason_in_words(Some("something_new")),
            Some("the manufacturer did not accept the claim")
        );
        assert_eq!(stored_reason_in_words(None), None);
    }
}
