//! The recourse claim against the manufacturer: filed with the swap for the price the customer
//! paid, decided later by the manufacturer (possibly for a different amount, e.g. plus a
//! handling fee, or less after a partial acceptance).

use chrono::{DateTime, Utc};
use kummerer_contracts::{ClaimOutcome, EvidenceKind};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The stable id of a piece of evidence taken from one message: the same message (redelivered,
/// or handled again) always gives the same id, so the manufacturer stores it once. A name-based
/// UUID (version 8: the first 16 bytes of SHA-256 over the message id and the kind).
pub fn evidence_id(message_id: Uuid, kind: EvidenceKind) -> Uuid {
    let mut hasher = Sha256::new();
    hasher.update(b"kummerer.retailer.evidence:");
    hasher.update(message_id.as_bytes());
    hasher.update(kind.as_str().as_bytes());
    let digest = hasher.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, sea_orm::EnumIter, sea_orm::DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
pub enum ClaimStatus {
    Submitted,
    Accepted,
    PartlyAccepted,
    Rejected,
    /// A rejection the retailer disputed: the manufacturer decides again.
    Disputed,
    /// The manufacturer sent the claim back with a question: the retailer answers.
    InformationRequested,
    /// The manufacturer could not take the claim (it does not know the manufacturer, no
    /// agreement was in force, it does not know the claim): back with the retailer, who
    /// corrects and resubmits it.
    NotAccepted,
    /// A claim the manufacturer did not accept, written off at the store's cost: final.
    WrittenOff,
}

/// Why a claim cannot be disputed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DisputeRefused {
    #[error("only a rejected claim can be disputed")]
    NotRejected,
    #[error("this claim was disputed already; a claim is disputed once")]
    AlreadyDisputed,
}

impl DisputeRefused {
    /// The problem code the API answers with.
    pub fn code(self) -> &'static str {
        match self {
            DisputeRefused::NotRejected => "claim_not_rejected",
            DisputeRefused::AlreadyDisputed => "claim_already_disputed",
        }
    }
}

impl ClaimStatus {
    /// The stored value, as the column holds it.
    pub fn as_string(self) -> String {
        sea_orm::ActiveEnum::to_value(&self)
    }

    pub const ALL: [ClaimStatus; 8] = [
        ClaimStatus::Submitted,
        ClaimStatus::Accepted,
        ClaimStatus::PartlyAccepted,
        ClaimStatus::Rejected,
        ClaimStatus::Disputed,
        ClaimStatus::InformationRequested,
        ClaimStatus::NotAccepted,
        ClaimStatus::WrittenOff,
    ];

    /// A stored (or submitted) value; `None` for one this version does not know.
    pub fn parse(s: &str) -> Option<ClaimStatus> {
        <Self as sea_orm::ActiveEnum>::try_from_value(&s.to_owned()).ok()
    }

    /// The status after the retailer disputes the claim: a rejected claim, once
    /// (`disputed_before` says whether it ever was).
    pub fn dispute(self, disputed_before: bool) -> Result<ClaimStatus, DisputeRefused> {
        if disputed_before {
            return Err(DisputeRefused::AlreadyDisputed);
        }
        match self {
            ClaimStatus::Rejected => Ok(ClaimStatus::Disputed),
            _ => Err(DisputeRefused::NotRejected),
        }
    }
}

impl From<ClaimOutcome> for ClaimStatus {
    fn from(outcome: ClaimOutcome) -> Self {
        match outcome {
            ClaimOutcome::Accepted => ClaimStatus::Accepted,
            ClaimOutcome::PartlyAccepted => ClaimStatus::PartlyAccepted,
            ClaimOutcome::Rejected => ClaimStatus::Rejected,
        }
    }
}

/// Whether a decision taken `at` replaces what the claim shows (decided `current`, if at all):
/// the latest decision stands (a dispute may be decided again), an older one arriving late does
/// not undo it. Every decision still lands on the timeline.
pub fn decision_applies(current: Option<DateTime<Utc>>, at: DateTime<Utc>) -> bool {
    current.is_none_or(|c| at >= c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn outcomes_map_to_statuses() {
        assert_eq!(
            ClaimStatus::from(ClaimOutcome::Accepted).as_string(),
            "accepted"
        );
        assert_eq!(
            ClaimStatus::from(ClaimOutcome::PartlyAccepted).as_string(),
            "partly_accepted"
        );
        assert_eq!(
            ClaimStatus::from(ClaimOutcome::Rejected).as_string(),
            "rejected"
        );
    }

    #[test]
    fn evidence_ids_are_stable_per_message_and_kind() {
        let m = Uuid::now_v7();
        let serial = evidence_id(m, EvidenceKind::CollectedSerial);
        assert_eq!(serial, evidence_id(m, EvidenceKind::CollectedSerial));
        assert_ne!(serial, evidence_id(m, EvidenceKind::CollectedPhoto));
        assert_ne!(
            serial,
            evidence_id(Uuid::now_v7(), EvidenceKind::CollectedSerial)
        );
        assert_eq!(serial.get_version_num(), 8);
    }

    #[test]
    fn a_rejection_is_disputed_once() {
        assert_eq!(
            ClaimStatus::Rejected.dispute(false),
            Ok(ClaimStatus::Disputed)
        );
        assert_eq!(
            ClaimStatus::Rejected.dispute(true),
            Err(DisputeRefused::AlreadyDisputed)
        );
        assert_eq!(
            ClaimStatus::Disputed.dispute(true),
            Err(DisputeRefused::AlreadyDisputed)
        );
        for s in [
            ClaimStatus::Submitted,
            ClaimStatus::Accepted,
            ClaimStatus::PartlyAccepted,
        ] {
            assert_eq!(s.dispute(false), Err(DisputeRefused::NotRejected));
        }
        for s in ClaimStatus::ALL {
            assert_eq!(ClaimStatus::parse(&s.as_string()), Some(s));
        }
    }

    #[test]
    fn the_latest_decision_stands() {
        let now = Utc::now();
        assert!(decision_applies(None, now));
        assert!(decision_applies(Some(now), now + Duration::days(1)));
        assert!(!decision_applies(Some(now), now - Duration::days(1)));
    }
}
