//! Who holds the ball on a case: whom the case waits for now, since when, and how often it has
//! been handed on — derived from the timeline alone.
//!
//! A case is two things that can be waited on at once, the delivery and the claim:
//!
//! - an open case waits for the retailer's decision (since it was opened);
//! - `swap_approved` gives the delivery to the crew, `claim_submitted` the claim to the
//!   manufacturer;
//! - `delivery_failed` hands the delivery back to the retailer (to agree on a new visit), and a
//!   later `job_scheduled` (or the crew setting off, `on_the_way`) gives it to the crew again;
//! - the visit ends with `delivered_and_collected`, or once both `delivered` and `collected`
//!   were reported: until both, the crew holds it;
//! - the manufacturer holds the claim while a decision is pending (from `claim_submitted` to
//!   `claim_decided`, and again from `claim_disputed` to the new decision) and while a unit it
//!   asked back is pending (from `return_requested` through `return_arrived` to
//!   `claim_inspected`), even when it already decided;
//! - `claim_not_accepted` hands a claim waiting for its decision back to the retailer (to correct
//!   and resubmit it), and `claim_resubmitted` gives it to the manufacturer again;
//! - a refused case, and a settled one (visit done, claim decided, no return pending), waits for
//!   nobody.
//!
//! When two parties hold something at once, the one waited on longest is shown (on a tie, the
//! delivery before the claim: the customer waits for it), and both are listed. The facts are
//! taken in the order they happened; a fact that makes no sense in the state it arrives in (a
//! failure after the delivery, a second decision) changes nothing. A handover is a moment at
//! which a party receives something it did not hold just before (facts at the same instant — the
//! approval with its claim — count once); the ball coming to rest is no handover.

use chrono::{DateTime, Utc};

use crate::domain::TimelineKind;

/// Who can hold the ball.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    Retailer,
    Crew,
    Manufacturer,
}

impl Party {
    pub fn as_str(self) -> &'static str {
        match self {
            Party::Retailer => "retailer",
            Party::Crew => "crew",
            Party::Manufacturer => "manufacturer",
        }
    }
}

/// What a party holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holds {
    /// The open case: swap or refuse.
    Decision,
    /// The replacement to deliver and the defective unit to collect.
    Delivery,
    /// The recourse claim.
    Claim,
    /// A decided claim whose unit the manufacturer asked back: its return and inspection.
    Return,
}

impl Holds {
    pub fn as_str(self) -> &'static str {
        match self {
            Holds::Decision => "decision",
            Holds::Delivery => "delivery",
            Holds::Claim => "claim",
            Holds::Return => "return",
        }
    }
}

/// One party holding one thing, since a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holding {
    pub party: Party,
    pub holds: Holds,
    pub since: DateTime<Utc>,
}

/// A fact from the timeline: its kind and when it happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fact {
    pub kind: TimelineKind,
    pub at: DateTime<Utc>,
}

/// Who holds the ball.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ball {
    /// The party waited on longest; `None` when the case waits for nobody.
    pub party: Option<Party>,
    /// Since when `party` holds it; when nobody does, since when the case rests.
    pub since: DateTime<Utc>,
    /// Everyone holding something, waited on longest first.
    pub holders: Vec<Holding>,
    /// How many times the ball changed hands.
    pub handovers: u32,
}

impl Ball {
    /// How long `party` has held it at `now` (never negative); `None` when nobody holds it.
    pub fn held_for_seconds(&self, now: DateTime<Utc>) -> Option<i64> {
        self.party
            .map(|_| now.signed_duration_since(self.since).num_seconds().max(0))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Delivery {
    /// No swap yet: the retailer decides.
    Undecided(DateTime<Utc>),
    WithCrew(DateTime<Utc>),
    /// A failed visit: back with the retailer.
    BackWithRetailer(DateTime<Utc>),
    Done,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Return {
    NotRequested,
    /// Asked back, on its way to the depot.
    Requested,
    /// At the depot, waiting for the inspection.
    Arrived,
    Inspected,
}

#[derive(Debug, Clone, Copy)]
struct Claim {
    filed: bool,
    decided: bool,
    unit: Return,
    /// The manufacturer did not accept it: the retailer holds it until it resubmits.
    not_accepted: bool,
    /// Since when its holder holds it without a break.
    held_since: Option<DateTime<Utc>>,
    /// Sent back to the retailer with a question, since then (until answered or decided).
    asked: Option<DateTime<Utc>>,
}

impl Claim {
    /// Who holds the claim now.
    fn holder(&self) -> Option<Party> {
        if !self.filed {
            None
        } else if self.not_accepted {
            Some(Party::Retailer)
        } else if !self.decided || matches!(self.unit, Return::Requested | Return::Arrived) {
            Some(Party::Manufacturer)
        } else {
            None
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct State {
    delivery: Delivery,
    /// The two halves of the visit, when reported one by one.
    delivered: bool,
    collected: bool,
    claim: Claim,
    refused: bool,
}

impl State {
    fn apply(&mut self, fact: &Fact) {
        let at = fact.at;
        let claim_holder = self.claim.holder();
        match fact.kind {
            TimelineKind::SwapApproved => {
                if matches!(self.delivery, Delivery::Undecided(_)) {
                    self.delivery = Delivery::WithCrew(at);
                }
            }
            TimelineKind::ClaimSubmitted => self.claim.filed = true,
            TimelineKind::JobScheduled | TimelineKind::OnTheWay => {
                if matches!(self.delivery, Delivery::BackWithRetailer(_)) {
                    self.delivery = Delivery::WithCrew(at);
                }
            }
            TimelineKind::DeliveryFailed => {
                if matches!(self.delivery, Delivery::WithCrew(_)) {
                    self.delivery = Delivery::BackWithRetailer(at);
                }
            }
            TimelineKind::Delivered => self.delivered = true,
            TimelineKind::Collected => self.collected = true,
            TimelineKind::DeliveredAndCollected => self.delivery = Delivery::Done,
            TimelineKind::ClaimDecided => {
                self.claim.decided = true;
                self.claim.asked = None;
            }
            TimelineKind::ClaimDisputed => {
                if self.claim.decided {
                    self.claim.decided = false;
                }
            }
            TimelineKind::ReturnRequested => {
                if self.claim.unit == Return::NotRequested {
                    self.claim.unit = Return::Requested;
                }
            }
            TimelineKind::ReturnArrived => {
                if self.claim.unit != Return::Inspected {
                    self.claim.unit = Return::Arrived;
                }
            }
            TimelineKind::ClaimInspected => self.claim.unit = Return::Inspected,
            TimelineKind::CaseRefused => self.refused = true,
            // A cancelled swap closes the case: nobody holds it any more.
            TimelineKind::SwapCancelled => self.refused = true,
            // The request waits for logistics' answer; a refusal leaves the visit as it was.
            TimelineKind::SwapCancelRequested | TimelineKind::SwapCancelRefused => {}
            // Flags and money move nobody.
            TimelineKind::CollectedSerialMismatch | TimelineKind::Credited => {}
            TimelineKind::ReturnWithdrawn => {
                if self.claim.unit == Return::Requested {
                    self.claim.unit = Return::NotRequested;
                }
            }
            TimelineKind::InformationRequested => {
                if self.claim.asked.is_none() {
                    self.claim.asked = Some(at);
                }
            }
            TimelineKind::InformationProvided => self.claim.asked = None,
            TimelineKind::ClaimNotAccepted => {
                if self.claim.filed && !self.claim.decided {
                    self.claim.not_accepted = true;
                }
            }
            TimelineKind::ClaimResubmitted => self.claim.not_accepted = false,
        }
        if self.delivered && self.collected {
            self.delivery = Delivery::Done;
        }
        let now_holder = self.claim.holder();
        if now_holder.is_none() {
            self.claim.held_since = None;
        } else if self.claim.held_since.is_none() || now_holder != claim_holder {
            self.claim.held_since = Some(at);
        }
    }

    /// Who holds what, waited on longest first (the delivery first on a tie).
    fn holders(&self) -> Vec<Holding> {
        if self.refused {
            return Vec::new();
        }
        let delivery = match self.delivery {
            Delivery::Undecided(since) => Some((Party::Retailer, Holds::Decision, since)),
            Delivery::WithCrew(since) => Some((Party::Crew, Holds::Delivery, since)),
            Delivery::BackWithRetailer(since) => Some((Party::Retailer, Holds::Delivery, since)),
            Delivery::Done => None,
        };
        let what = if self.claim.decided {
            Holds::Return
        } else {
            Holds::Claim
        };
        let claim = match self.claim.asked {
            // The manufacturer's question: the retailer answers.
            Some(since) => Some((Party::Retailer, Holds::Claim, since)),
            None => self
                .claim
                .holder()
                .zip(self.claim.held_since)
                .map(|(party, since)| (party, what, since)),
        };
        let mut holders: Vec<Holding> = [delivery, claim]
            .into_iter()
            .flatten()
            .map(|(party, holds, since)| Holding {
                party,
                holds,
                since,
            })
            .collect();
        holders.sort_by_key(|h| h.since);
        holders
    }
}

/// Who holds the ball on a case opened at `opened_at` with these timeline facts (in any order).
pub fn ball(opened_at: DateTime<Utc>, facts: &[Fact]) -> Ball {
    let mut facts = facts.to_vec();
    facts.sort_by_key(|f| f.at);
    let mut state = State {
        delivery: Delivery::Undecided(opened_at),
        delivered: false,
        collected: false,
        claim: Claim {
            filed: false,
            decided: false,
            unit: Return::NotRequested,
            not_accepted: false,
            held_since: None,
            asked: None,
        },
        refused: false,
    };
    let mut holders = state.holders();
    let mut rests_since = opened_at;
    let mut handovers = 0u32;
    for group in facts.chunk_by(|a, b| a.at == b.at) {
        for fact in group {
            state.apply(fact);
        }
        let now = state.holders();
        if now
            .iter()
            .any(|h| !holders.iter().any(|before| before.party == h.party))
        {
            handovers = handovers.saturating_add(1);
        }
        if now.is_empty() && !holders.is_empty() {
            rests_since = group.first().map_or(rests_since, |f| f.at);
        }
        holders = now;
    }
    Ball {
        party: holders.first().map(|h| h.party),
        since: holders.first().map_or(rests_since, |h| h.since),
        holders,
        handovers,
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::<Utc>::UNIX_EPOCH + Duration::days(20_000) + Duration::minutes(minutes)
    }

    fn fact(kind: TimelineKind, minutes: i64) -> Fact {
        Fact {
            kind,
            at: at(minutes),
        }
    }

    fn approved(minutes: i64) -> [Fact; 2] {
        [
            fact(TimelineKind::SwapApproved, minutes),
            fact(TimelineKind::ClaimSubmitted, minutes),
        ]
    }

    fn parties(b: &Ball) -> Vec<(&'static str, &'static str)> {
        b.holders
            .iter()
            .map(|h| (h.party.as_str(), h.holds.as_str()))
            .collect()
    }

    #[test]
    fn an_open_case_waits_for_the_retailer_since_it_was_opened() {
        let b = ball(at(0), &[]);
        assert_eq!(b.party, Some(Party::Retailer));
        assert_eq!(b.since, at(0));
        assert_eq!(parties(&b), [("retailer", "decision")]);
        assert_eq!(b.handovers, 0);
        assert_eq!(b.held_for_seconds(at(3)), Some(180));
        // A clock a little behind never shows a negative time.
        assert_eq!(b.held_for_seconds(at(-1)), Some(0));
    }

    #[test]
    fn the_approval_gives_the_delivery_to_the_crew_and_the_claim_to_the_manufacturer() {
        let b = ball(at(0), &approved(5));
        assert_eq!(b.party, Some(Party::Crew));
        assert_eq!(b.since, at(5));
        assert_eq!(
            parties(&b),
            [("crew", "delivery"), ("manufacturer", "claim")]
        );
        // The approval and its claim are one handover.
        assert_eq!(b.handovers, 1);
        // Scheduling the visit keeps it with the crew, since the approval.
        let mut facts = approved(5).to_vec();
        facts.push(fact(TimelineKind::JobScheduled, 6));
        let b = ball(at(0), &facts);
        assert_eq!(
            (b.party, b.since, b.handovers),
            (Some(Party::Crew), at(5), 1)
        );
    }

    #[test]
    fn a_failed_visit_hands_the_delivery_back_and_the_longest_wait_is_shown() {
        let mut facts = approved(5).to_vec();
        facts.extend([
            fact(TimelineKind::JobScheduled, 6),
            fact(TimelineKind::DeliveryFailed, 9),
        ]);
        let b = ball(at(0), &facts);
        // The manufacturer has waited on the claim since the approval, longer than the retailer
        // on the delivery: shown first, both listed.
        assert_eq!(b.party, Some(Party::Manufacturer));
        assert_eq!(b.since, at(5));
        assert_eq!(
            parties(&b),
            [("manufacturer", "claim"), ("retailer", "delivery")]
        );
        assert_eq!(b.handovers, 2);

        // With the claim decided, only the retailer holds it.
        facts.push(fact(TimelineKind::ClaimDecided, 10));
        let b = ball(at(0), &facts);
        assert_eq!((b.party, b.since), (Some(Party::Retailer), at(9)));
        assert_eq!(parties(&b), [("retailer", "delivery")]);
        assert_eq!(b.handovers, 2);

        // A second failure leaves it with the retailer since the first.
        facts.push(fact(TimelineKind::DeliveryFailed, 11));
        assert_eq!(ball(at(0), &facts).since, at(9));

        // A new visit gives it back to the crew.
        facts.push(fact(TimelineKind::JobScheduled, 12));
        let b = ball(at(0), &facts);
        assert_eq!((b.party, b.since), (Some(Party::Crew), at(12)));
        assert_eq!(b.handovers, 3);

        // Delivered: settled, nobody holds it, since the delivery.
        facts.push(fact(TimelineKind::DeliveredAndCollected, 20));
        let b = ball(at(0), &facts);
        assert_eq!(b.party, None);
        assert!(b.holders.is_empty());
        assert_eq!(b.since, at(20));
        assert_eq!(b.handovers, 3);
        assert_eq!(b.held_for_seconds(at(30)), None);
    }

    #[test]
    fn a_delivery_before_the_decision_leaves_the_manufacturer() {
        let mut facts = approved(5).to_vec();
        facts.push(fact(TimelineKind::DeliveredAndCollected, 8));
        facts.push(fact(TimelineKind::CollectedSerialMismatch, 8));
        let b = ball(at(0), &facts);
        assert_eq!((b.party, b.since), (Some(Party::Manufacturer), at(5)));
        assert_eq!(parties(&b), [("manufacturer", "claim")]);
        assert_eq!(b.handovers, 1);
        facts.push(fact(TimelineKind::ClaimDecided, 30));
        let b = ball(at(0), &facts);
        assert_eq!((b.party, b.since, b.handovers), (None, at(30), 1));
    }

    #[test]
    fn the_visit_ends_once_delivered_and_collected_are_both_reported() {
        let mut facts = approved(5).to_vec();
        facts.extend([
            fact(TimelineKind::ClaimDecided, 6),
            fact(TimelineKind::OnTheWay, 7),
        ]);
        facts.push(fact(TimelineKind::Delivered, 8));
        let b = ball(at(0), &facts);
        assert_eq!((b.party, b.since), (Some(Party::Crew), at(5)));
        facts.push(fact(TimelineKind::Collected, 9));
        let b = ball(at(0), &facts);
        assert_eq!((b.party, b.since, b.handovers), (None, at(9), 1));
        // After a failed visit, the crew setting off takes the delivery back.
        let mut facts = approved(5).to_vec();
        facts.extend([
            fact(TimelineKind::DeliveryFailed, 6),
            fact(TimelineKind::OnTheWay, 8),
        ]);
        let b = ball(at(0), &facts);
        assert_eq!(b.holders[1].party, Party::Crew);
        assert_eq!(b.holders[1].since, at(8));
        assert_eq!(b.handovers, 3);
    }

    #[test]
    fn the_manufacturer_holds_a_return_its_inspection_and_a_disputed_claim() {
        let mut facts = approved(5).to_vec();
        facts.extend([
            fact(TimelineKind::DeliveredAndCollected, 6),
            fact(TimelineKind::ReturnRequested, 7),
        ]);
        // Undecided, a return asked: the manufacturer, since the claim was filed.
        let b = ball(at(0), &facts);
        assert_eq!((b.party, b.since), (Some(Party::Manufacturer), at(5)));
        // Decided while the unit travels: still the manufacturer, without a break.
        facts.extend([
            fact(TimelineKind::ClaimDecided, 8),
            fact(TimelineKind::ReturnArrived, 9),
        ]);
        let b = ball(at(0), &facts);
        assert_eq!(parties(&b), [("manufacturer", "return")]);
        assert_eq!(
            (b.party, b.since, b.handovers),
            (Some(Party::Manufacturer), at(5), 1)
        );
        // Inspected: settled.
        facts.push(fact(TimelineKind::ClaimInspected, 10));
        let b = ball(at(0), &facts);
        assert_eq!((b.party, b.since), (None, at(10)));
        // A dispute hands the claim back to the manufacturer; the new decision settles it.
        facts.push(fact(TimelineKind::ClaimDisputed, 11));
        let b = ball(at(0), &facts);
        assert_eq!(
            (b.party, b.since, b.handovers),
            (Some(Party::Manufacturer), at(11), 2)
        );
        facts.push(fact(TimelineKind::ClaimDecided, 12));
        let b = ball(at(0), &facts);
        assert_eq!((b.party, b.since, b.handovers), (None, at(12), 2));
    }

    #[test]
    fn a_claim_not_accepted_is_the_retailers_until_it_is_resubmitted() {
        let mut facts = approved(5).to_vec();
        facts.push(fact(TimelineKind::DeliveredAndCollected, 6));
        facts.push(fact(TimelineKind::ClaimNotAccepted, 7));
        let b = ball(at(0), &facts);
        assert_eq!(parties(&b), [("retailer", "claim")]);
        assert_eq!(b.since, at(7));
        let handovers = b.handovers;
        facts.push(fact(TimelineKind::ClaimResubmitted, 9));
        let b = ball(at(0), &facts);
        assert_eq!(parties(&b), [("manufacturer", "claim")]);
        assert_eq!(b.since, at(9));
        assert_eq!(b.handovers, handovers + 1);
        facts.push(fact(TimelineKind::ClaimDecided, 12));
        assert_eq!(ball(at(0), &facts).party, None);
        // An answer about a decided claim's evidence hands nothing back.
        facts.push(fact(TimelineKind::ClaimNotAccepted, 13));
        assert_eq!(ball(at(0), &facts).party, None);
    }

    #[test]
    fn a_refused_case_waits_for_nobody() {
        let b = ball(at(0), &[fact(TimelineKind::CaseRefused, 4)]);
        assert_eq!((b.party, b.since, b.handovers), (None, at(4), 0));
        assert!(b.holders.is_empty());
    }

    #[test]
    fn facts_count_in_the_order_they_happened_and_late_nonsense_changes_nothing() {
        // Reported out of order: the decision (taken before the visit) arrives last.
        let facts = [
            fact(TimelineKind::DeliveredAndCollected, 20),
            fact(TimelineKind::DeliveryFailed, 25),
            fact(TimelineKind::ClaimDecided, 7),
            fact(TimelineKind::JobScheduled, 6),
            fact(TimelineKind::SwapApproved, 5),
            fact(TimelineKind::ClaimSubmitted, 5),
            fact(TimelineKind::ClaimDecided, 40),
        ];
        let b = ball(at(0), &facts);
        assert_eq!((b.party, b.since, b.handovers), (None, at(20), 1));
        // Up to the delivery, the crew held it alone after the decision.
        let b = ball(at(0), &facts[2..]);
        assert_eq!((b.party, b.since), (Some(Party::Crew), at(5)));
        assert_eq!(parties(&b), [("crew", "delivery")]);
    }
}
