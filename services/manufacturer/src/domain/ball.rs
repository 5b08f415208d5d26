//! Who holds the ball on a claim, in the manufacturer's view: the one rule of `kummerer-ball`
//! ([`kummerer_ball::claim_ball`]) over the claim's facts as its row records them. This is the
//! **one place** where the manufacturer's claim becomes ball facts ([`facts_of`]).

use chrono::{DateTime, Utc};
pub use kummerer_ball::{Ball, Dated, Fact, Holding, Policy};

use crate::domain::claim::ClaimStatus;

/// What the claim's row says happened, as ball facts. The row keeps the latest decision only:
/// a disputed claim was decided (rejected) before its dispute, at the latest when disputed.
pub struct ClaimFacts {
    pub status: ClaimStatus,
    pub received_at: DateTime<Utc>,
    pub deadline_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    pub return_requested_at: Option<DateTime<Utc>>,
    pub return_by: Option<DateTime<Utc>>,
    pub arrived_at: Option<DateTime<Utc>>,
    pub inspected_at: Option<DateTime<Utc>>,
    pub disputed_at: Option<DateTime<Utc>>,
}

/// The ball facts of a claim, in the order they happened.
pub fn facts_of(c: &ClaimFacts) -> Vec<Dated> {
    let mut facts = Vec::new();
    let mut push = |fact: Fact, at: DateTime<Utc>| facts.push(Dated { fact, at });
    if let Some(at) = c.disputed_at {
        push(Fact::ClaimDecided, at);
        push(
            Fact::ClaimDisputed {
                decision_due_at: None,
            },
            at,
        );
    }
    if let Some(at) = c.return_requested_at {
        push(
            Fact::ReturnRequested {
                return_by: c.return_by,
            },
            at,
        );
    }
    if let Some(at) = c.arrived_at {
        push(Fact::ReturnArrived { inspect_by: None }, at);
    }
    if let Some(at) = c.inspected_at {
        push(Fact::ReturnInspected, at);
    }
    let decided = matches!(
        c.status,
        ClaimStatus::Accepted | ClaimStatus::PartlyAccepted | ClaimStatus::Rejected
    );
    if let (true, Some(at)) = (decided, c.decided_at) {
        push(Fact::ClaimDecided, at);
    }
    // The deadline running now, set when the decision was last opened.
    if let (true, Some(due)) = (c.status.is_decidable(), c.deadline_at) {
        let last = facts.iter().map(|f| f.at).max().unwrap_or(c.received_at);
        facts.push(Dated {
            fact: Fact::ClaimAcknowledged {
                decision_due_at: due,
            },
            at: last.max(c.received_at),
        });
    }
    facts
}

/// Who holds the ball on the claim (the manufacturer's default policy).
pub fn ball_of(c: &ClaimFacts) -> Ball {
    kummerer_ball::claim_ball(c.received_at, &facts_of(c), &Policy::default())
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    fn t(h: i64) -> DateTime<Utc> {
        DateTime::<Utc>::UNIX_EPOCH + Duration::days(20_000) + Duration::hours(h)
    }

    fn claim(status: ClaimStatus) -> ClaimFacts {
        ClaimFacts {
            status,
            received_at: t(0),
            deadline_at: Some(t(100)),
            decided_at: None,
            return_requested_at: None,
            return_by: None,
            arrived_at: None,
            inspected_at: None,
            disputed_at: None,
        }
    }

    fn holder(b: &Ball) -> Option<(&'static str, &'static str, DateTime<Utc>)> {
        b.first()
            .map(|h| (h.party.as_str(), h.holds.as_str(), h.due_at))
    }

    #[test]
    fn a_pending_claim_is_the_manufacturers_due_at_its_deadline() {
        let b = ball_of(&claim(ClaimStatus::Pending));
        assert_eq!(holder(&b), Some(("manufacturer", "claim", t(100))));
        let mut c = claim(ClaimStatus::Accepted);
        c.decided_at = Some(t(5));
        assert_eq!(holder(&ball_of(&c)), None);
    }

    #[test]
    fn a_unit_asked_back_then_arrived_and_a_dispute_keep_it_with_the_manufacturer() {
        let mut c = claim(ClaimStatus::ReturnRequested);
        c.deadline_at = None;
        c.return_requested_at = Some(t(1));
        c.return_by = Some(t(50));
        let b = ball_of(&c);
        assert_eq!(holder(&b).map(|h| h.0), Some("manufacturer"));
        c.status = ClaimStatus::UnitArrived;
        c.arrived_at = Some(t(20));
        c.deadline_at = Some(t(300));
        assert_eq!(holder(&ball_of(&c)).map(|h| h.2), Some(t(300)));
        let mut d = claim(ClaimStatus::Disputed);
        d.disputed_at = Some(t(10));
        d.deadline_at = Some(t(400));
        let b = ball_of(&d);
        assert_eq!(holder(&b), Some(("manufacturer", "claim", t(400))));
        // The row knows the rejection only as "before the dispute": no break is seen.
        assert_eq!(b.first().map(|h| h.since), Some(t(0)));
    }
}
