//! Who holds the ball on a case: the one rule of `kummerer-ball`, fed with the case's timeline.
//! This module is the **one place** where a retailer timeline entry becomes a ball fact
//! ([`fact_of`]); a new timeline kind gets its arm here (a kind that moves nobody maps to
//! [`Fact::Note`]).
//!
//! The retailer's own holdings are due after the durations of its [`Policy`] (settings
//! `KUMMERER_BALL_DECIDE_CASE_HOURS`, `KUMMERER_BALL_NEW_VISIT_HOURS`), installed once at start
//! ([`install_policy`]); the others' come from the facts (the visit window, the manufacturer's
//! decision deadline, `return_by`).

use std::sync::OnceLock;

use chrono::{DateTime, Utc};

pub use kummerer_ball::{Ball, Dated, Fact, Holding, Holds, Party, Policy, Thread};

use crate::domain::TimelineEntry;

static POLICY: OnceLock<Policy> = OnceLock::new();

/// Sets the policy for the whole process (at start; a second call is ignored).
pub fn install_policy(policy: Policy) {
    let _ = POLICY.set(policy);
}

/// The policy in force: the installed one, or the defaults.
pub fn policy() -> Policy {
    POLICY.get().copied().unwrap_or_default()
}

/// What a timeline entry means for the ball.
pub fn fact_of(entry: &TimelineEntry) -> Fact {
    use TimelineEntry as E;
    match entry {
        E::SwapApproved { window, .. } => Fact::SwapApproved {
            visit_by: Some(window.end),
        },
        E::ClaimSubmitted { .. } => Fact::ClaimSubmitted,
        E::JobScheduled { window, .. } => Fact::JobScheduled {
            visit_by: Some(window.end),
        },
        E::OnTheWay { window, .. } => Fact::OnTheWay {
            visit_by: Some(window.end),
        },
        E::Delivered { .. } => Fact::Delivered,
        E::Collected { .. } => Fact::Collected,
        E::DeliveredAndCollected { .. } => Fact::DeliveredAndCollected,
        E::DeliveryFailed { .. } => Fact::DeliveryFailed,
        E::ClaimDecided { .. } => Fact::ClaimDecided,
        E::CaseRefused { .. } => Fact::CaseRefused,
        E::ReturnRequested { return_by, .. } => Fact::ReturnRequested {
            return_by: Some(*return_by),
        },
        E::ReturnArrived { .. } => Fact::ReturnArrived { inspect_by: None },
        E::ClaimInspected { .. } => Fact::ReturnInspected,
        E::ClaimDisputed { .. } => Fact::ClaimDisputed {
            decision_due_at: None,
        },
        E::CollectedSerialMismatch { .. } | E::Credited { .. } => Fact::Note,
        E::ClaimAcknowledged {
            decision_due_at, ..
        } => Fact::ClaimAcknowledged {
            decision_due_at: *decision_due_at,
        },
        E::Escalated { .. } => Fact::Note,
        E::SwapCancelRequested { .. } => Fact::CancelRequested,
        E::SwapCancelled { .. } => Fact::Cancelled,
        E::SwapCancelRefused { .. } => Fact::CancelRefused,
        E::ReturnWithdrawn { .. } => Fact::ReturnWithdrawn,
        E::InformationRequested { answer_by, .. } => Fact::InformationRequested {
            answer_by: Some(*answer_by),
        },
        // The fresh decision deadline arrives with the manufacturer's acknowledgement.
        E::InformationProvided { .. } => Fact::InformationProvided {
            decision_due_at: None,
        },
        E::ClaimNotAccepted { .. } => Fact::ClaimNotAccepted,
        E::ClaimResubmitted { .. } => Fact::ClaimResubmitted,
        E::ClaimWrittenOff { .. } => Fact::ClaimWrittenOff,
        // Nothing changes hands until logistics answers; a refusal leaves the visit as it was.
        E::SwapCorrectionRequested { .. } | E::SwapCorrectionRefused { .. } => Fact::Note,
        // The customer's answer: the crew's visit stands (confirmed), or the visit waits for a
        // new window the customer picks or the store agrees (logistics keeps the job meanwhile).
        E::CustomerConfirmed { .. } | E::CustomerNotHome { .. } => Fact::Note,
        E::SwapCorrected { window, .. } => Fact::Corrected {
            visit_by: Some(window.end),
        },
    }
}

/// Who holds the ball on a case opened at `opened_at`, from its readable timeline entries (with
/// when each happened), under the policy in force.
pub fn ball_of<'a>(
    opened_at: DateTime<Utc>,
    entries: impl IntoIterator<Item = (&'a TimelineEntry, DateTime<Utc>)>,
) -> Ball {
    let facts: Vec<Dated> = entries
        .into_iter()
        .map(|(entry, at)| Dated {
            fact: fact_of(entry),
            at,
        })
        .collect();
    kummerer_ball::ball(opened_at, &facts, &policy())
}
