//! The running deadlines of an open claim on the recovery ledger: which of the deadlines the
//! timeline knows still runs, and whether it has passed.
//!
//! - `decision`: the manufacturer's decision deadline (the latest `claim_acknowledged`), while
//!   the manufacturer decides (`submitted`, `disputed`);
//! - `information`: the retailer's answer deadline (the latest `information_requested`), while
//!   the claim is `information_requested`;
//! - `return`: the unit's `return_by` (the latest `return_requested`), until it arrived or the
//!   return was withdrawn (the caller passes only a return still awaited).

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::ClaimStatus;

/// What the timeline knows of a claim's deadlines (the latest of each).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KnownDeadlines {
    pub decision_due_at: Option<DateTime<Utc>>,
    pub answer_by: Option<DateTime<Utc>>,
    /// The return deadline of a unit still awaited at the depot.
    pub return_by: Option<DateTime<Utc>>,
}

/// One running deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Deadline {
    /// `decision`, `information` or `return`.
    pub kind: &'static str,
    pub due_at: DateTime<Utc>,
    /// Whether `due_at` has passed.
    pub overdue: bool,
}

/// The deadlines that run for a claim in `status`, soonest first.
pub fn running(status: ClaimStatus, known: KnownDeadlines, now: DateTime<Utc>) -> Vec<Deadline> {
    let deciding = matches!(status, ClaimStatus::Submitted | ClaimStatus::Disputed);
    let asked = status == ClaimStatus::InformationRequested;
    let mut out: Vec<Deadline> = [
        ("decision", known.decision_due_at.filter(|_| deciding)),
        ("information", known.answer_by.filter(|_| asked)),
        ("return", known.return_by),
    ]
    .into_iter()
    .filter_map(|(kind, due)| {
        due.map(|due_at| Deadline {
            kind,
            due_at,
            overdue: due_at < now,
        })
    })
    .collect();
    out.sort_by_key(|d| d.due_at);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn each_deadline_runs_only_in_its_state_and_passed_ones_are_overdue() {
        let now = Utc::now();
        let known = KnownDeadlines {
            decision_due_at: Some(now - Duration::days(1)),
            answer_by: Some(now + Duration::days(2)),
            return_by: Some(now + Duration::days(5)),
        };
        let submitted = running(ClaimStatus::Submitted, known, now);
        assert_eq!(
            submitted
                .iter()
                .map(|d| (d.kind, d.overdue))
                .collect::<Vec<_>>(),
            vec![("decision", true), ("return", false)]
        );
        let asked = running(ClaimStatus::InformationRequested, known, now);
        assert_eq!(
            asked.iter().map(|d| d.kind).collect::<Vec<_>>(),
            vec!["information", "return"]
        );
        let accepted = running(ClaimStatus::Accepted, known, now);
        assert_eq!(
            accepted.iter().map(|d| d.kind).collect::<Vec<_>>(),
            vec!["return"]
        );
        assert!(running(ClaimStatus::NotAccepted, KnownDeadlines::default(), now).is_empty());
    }
}
