//! Who holds the ball: one pure rule for the retailer's case page and dashboard and the
//! manufacturer's claim view. It takes the facts of a case (or of a claim alone) in the order
//! they happened and returns who holds what, since when, **due when**, and how often the ball
//! changed hands.
//!
//! A case is two things that can be waited on at once, each with at most one holder:
//!
//! - **the delivery**: an open case waits for the retailer's decision (since it was opened);
//!   the approval gives the delivery to the crew (due at the end of the visit window); a failed
//!   visit hands it back to the retailer (to agree on a new visit), and a new schedule, the crew
//!   setting off, a step of the visit recorded (delivered or collected: the crew took it up
//!   again) or a corrected window gives it to the crew again; it ends when delivered and
//!   collected (one fact, or both halves), refused, or cancelled;
//! - **the claim**: filed with the approval, the manufacturer holds it until it decides (due at
//!   the decision deadline it acknowledged, or after a policy's duration); an information
//!   request hands it to the retailer (due at the request's deadline) and the answer back; a
//!   claim the manufacturer could not accept goes to the retailer (to correct and resubmit); a
//!   dispute hands a decided claim back to the manufacturer; a unit asked back keeps the
//!   manufacturer holding the claim's return (due at `return_by`, then its inspection) even after
//!   it decided; a withdrawn return or a cancelled case ends it.
//!
//! Every holding has a due time: from the facts where they carry one, otherwise from the
//! [`Policy`] (the retailer's own holdings, and defaults for the others). When two parties hold
//! something at once, the one waited on longest is shown first (on a tie, the delivery: the
//! customer waits for it). A fact that makes no sense in the state it arrives in (a failure after
//! the delivery, a second decision, a redelivered message) changes nothing. A handover is a
//! moment at which a party receives something it did not hold just before (facts at the same
//! instant count once); the ball coming to rest is no handover.
//!
//! To add a fact: add a variant at the end of [`Fact`] and its arm in `State::apply`; the
//! services map their own records to it in one place each.

use chrono::{DateTime, Duration, Utc};

/// Who can hold the ball.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Party {
    Retailer,
    Crew,
    Manufacturer,
}

impl Party {
    pub const ALL: [Party; 3] = [Party::Retailer, Party::Crew, Party::Manufacturer];

    pub fn as_str(self) -> &'static str {
        match self {
            Party::Retailer => "retailer",
            Party::Crew => "crew",
            Party::Manufacturer => "manufacturer",
        }
    }

    /// A stored value back; `None` for one this version does not know.
    pub fn parse(s: &str) -> Option<Party> {
        Party::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// What a party holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Holds {
    /// The open case: swap or refuse.
    Decision,
    /// The replacement to deliver and the defective unit to collect (or, with the retailer after
    /// a failed visit, a new visit to agree).
    Delivery,
    /// The recourse claim: to decide (manufacturer), or to correct and resubmit (retailer).
    Claim,
    /// A claim's unit asked back: its return and inspection.
    Return,
    /// A question the manufacturer asked about the claim, to answer.
    Information,
}

impl Holds {
    pub fn as_str(self) -> &'static str {
        match self {
            Holds::Decision => "decision",
            Holds::Delivery => "delivery",
            Holds::Claim => "claim",
            Holds::Return => "return",
            Holds::Information => "information",
        }
    }

    /// Which of the two things a case waits on this is part of.
    pub fn thread(self) -> Thread {
        match self {
            Holds::Decision | Holds::Delivery => Thread::Delivery,
            Holds::Claim | Holds::Return | Holds::Information => Thread::Claim,
        }
    }
}

/// The two things a case can wait on at once; each has at most one holder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Thread {
    Delivery,
    Claim,
}

/// One party holding one thing, since a moment, due by another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holding {
    pub party: Party,
    pub holds: Holds,
    pub since: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
}

impl Holding {
    pub fn overdue(&self, now: DateTime<Utc>) -> bool {
        now > self.due_at
    }
}

/// A fact about a case or a claim. Deadlines a fact carries set the due time of what it hands
/// on; `None` falls back to the [`Policy`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fact {
    /// The retailer approved the swap; `visit_by`: the end of the agreed visit window.
    SwapApproved {
        visit_by: Option<DateTime<Utc>>,
    },
    /// The claim went to the manufacturer.
    ClaimSubmitted,
    /// The manufacturer recorded the claim and says when it decides at the latest.
    ClaimAcknowledged {
        decision_due_at: DateTime<Utc>,
    },
    JobScheduled {
        visit_by: Option<DateTime<Utc>>,
    },
    OnTheWay {
        visit_by: Option<DateTime<Utc>>,
    },
    Delivered,
    Collected,
    DeliveredAndCollected,
    DeliveryFailed,
    ClaimDecided,
    CaseRefused,
    ReturnRequested {
        return_by: Option<DateTime<Utc>>,
    },
    /// The unit is at the depot; `inspect_by`: the manufacturer's new deadline, if it said one.
    ReturnArrived {
        inspect_by: Option<DateTime<Utc>>,
    },
    ReturnInspected,
    /// The return was called off (no unit travels any more).
    ReturnWithdrawn,
    /// A decision disputed; `decision_due_at`: the new deadline, if known.
    ClaimDisputed {
        decision_due_at: Option<DateTime<Utc>>,
    },
    /// The manufacturer sends the claim back with a question, to answer by `answer_by`.
    InformationRequested {
        answer_by: Option<DateTime<Utc>>,
    },
    /// The retailer answered; the claim is the manufacturer's again.
    InformationProvided {
        decision_due_at: Option<DateTime<Utc>>,
    },
    /// The manufacturer could not take the claim (unknown product, no agreement): the retailer's.
    ClaimNotAccepted,
    ClaimResubmitted,
    /// A cancellation asked for: until it is confirmed or refused, nothing changes hands.
    CancelRequested,
    /// The swap and its claim are cancelled: nobody waits any more.
    Cancelled,
    CancelRefused,
    /// The address or window was corrected before the visit.
    Corrected {
        visit_by: Option<DateTime<Utc>>,
    },
    /// A note that moves nobody (money, flags, an escalation).
    Note,
    /// The retailer wrote off a claim the manufacturer did not accept (at the store's cost):
    /// nobody holds the claim any more.
    ClaimWrittenOff,
}

/// A fact and when it happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dated {
    pub fact: Fact,
    pub at: DateTime<Utc>,
}

/// How long a holding may last when no fact says: the retailer's own holdings, and defaults for
/// the others' when their deadline is not known (yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Decide an open case (swap or refuse).
    pub decide_case: Duration,
    /// Agree a new visit after a failed one.
    pub agree_new_visit: Duration,
    /// Correct and resubmit a claim the manufacturer could not accept.
    pub resubmit_claim: Duration,
    /// Answer an information request without a deadline.
    pub answer_information: Duration,
    /// The crew's visit when no window is known.
    pub visit: Duration,
    /// The manufacturer's decision before it acknowledged a deadline.
    pub manufacturer_decision: Duration,
    /// A unit's return without `return_by`, and its inspection once arrived.
    pub return_and_inspection: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            decide_case: Duration::hours(24),
            agree_new_visit: Duration::hours(24),
            resubmit_claim: Duration::hours(72),
            answer_information: Duration::days(7),
            visit: Duration::days(7),
            manufacturer_decision: Duration::days(14),
            return_and_inspection: Duration::days(14),
        }
    }
}

/// Who holds the ball.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ball {
    /// Everyone holding something, waited on longest first; empty when nobody waits.
    pub holders: Vec<Holding>,
    /// When nobody holds it: since when the case rests (otherwise the first holder's `since`).
    pub since: DateTime<Utc>,
    /// How many times the ball changed hands.
    pub handovers: u32,
}

impl Ball {
    /// The party waited on longest; `None` when the case waits for nobody.
    pub fn party(&self) -> Option<Party> {
        self.first().map(|h| h.party)
    }

    pub fn first(&self) -> Option<&Holding> {
        self.holders.first()
    }

    /// The earliest due time of all holdings (what runs out first).
    pub fn due_at(&self) -> Option<DateTime<Utc>> {
        self.holders.iter().map(|h| h.due_at).min()
    }

    /// How long the first party has held it at `now` (never negative).
    pub fn held_for_seconds(&self, now: DateTime<Utc>) -> Option<i64> {
        self.first()
            .map(|h| now.signed_duration_since(h.since).num_seconds().max(0))
    }

    /// The holding of `thread`, if someone holds it.
    pub fn of(&self, thread: Thread) -> Option<&Holding> {
        self.holders.iter().find(|h| h.holds.thread() == thread)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Delivery {
    /// No swap yet: the retailer decides.
    Undecided,
    WithCrew {
        visit_by: Option<DateTime<Utc>>,
    },
    /// A failed visit: back with the retailer.
    BackWithRetailer,
    Done,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Claim {
    NotFiled,
    /// With the manufacturer, to decide by `due` (if it said).
    Pending {
        due: Option<DateTime<Utc>>,
    },
    /// Sent back with a question.
    Information {
        answer_by: Option<DateTime<Utc>>,
    },
    /// Not accepted: the retailer corrects and resubmits.
    NotAccepted,
    Decided,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    NotRequested,
    Requested { return_by: Option<DateTime<Utc>> },
    Arrived { inspect_by: Option<DateTime<Utc>> },
    Done,
}

/// What a thread waits for: who, what, and a deadline the facts set.
type Wait = (Party, Holds, Option<DateTime<Utc>>);
/// Who holds a thread, what, since when, and a deadline the facts set.
type Held = (Party, Holds, DateTime<Utc>, Option<DateTime<Utc>>);

#[derive(Debug, Clone, Copy)]
struct State {
    delivery: Delivery,
    delivered: bool,
    collected: bool,
    claim: Claim,
    unit: Unit,
    closed: bool,
}

impl State {
    fn apply(&mut self, fact: &Fact) {
        use Fact as F;
        if self.closed {
            return;
        }
        match *fact {
            F::SwapApproved { visit_by } => {
                if self.delivery == Delivery::Undecided {
                    self.delivery = Delivery::WithCrew { visit_by };
                }
            }
            F::ClaimSubmitted => {
                if self.claim == Claim::NotFiled {
                    self.claim = Claim::Pending { due: None };
                }
            }
            F::ClaimAcknowledged { decision_due_at } => {
                if let Claim::Pending { .. } = self.claim {
                    self.claim = Claim::Pending {
                        due: Some(decision_due_at),
                    };
                }
            }
            F::JobScheduled { visit_by } | F::OnTheWay { visit_by } | F::Corrected { visit_by } => {
                match self.delivery {
                    Delivery::BackWithRetailer => self.delivery = Delivery::WithCrew { visit_by },
                    Delivery::WithCrew { visit_by: old } => {
                        self.delivery = Delivery::WithCrew {
                            visit_by: visit_by.or(old),
                        }
                    }
                    Delivery::Undecided | Delivery::Done => {}
                }
            }
            F::DeliveryFailed => {
                if let Delivery::WithCrew { .. } = self.delivery {
                    self.delivery = Delivery::BackWithRetailer;
                }
            }
            F::Delivered | F::Collected => {
                if *fact == F::Delivered {
                    self.delivered = true;
                } else {
                    self.collected = true;
                }
                // A crew recording a step after a failed visit took the visit up again (logistics
                // schedules the job again): the crew holds it, not the retailer.
                if self.delivery == Delivery::BackWithRetailer {
                    self.delivery = Delivery::WithCrew { visit_by: None };
                }
            }
            F::DeliveredAndCollected => {
                if self.delivery != Delivery::Undecided {
                    self.delivery = Delivery::Done;
                }
            }
            F::ClaimDecided => {
                if matches!(
                    self.claim,
                    Claim::Pending { .. } | Claim::Information { .. }
                ) {
                    self.claim = Claim::Decided;
                }
            }
            F::ClaimDisputed { decision_due_at } => {
                if self.claim == Claim::Decided {
                    self.claim = Claim::Pending {
                        due: decision_due_at,
                    };
                }
            }
            F::ReturnRequested { return_by } => {
                if self.unit == Unit::NotRequested && self.claim != Claim::NotFiled {
                    self.unit = Unit::Requested { return_by };
                }
            }
            F::ReturnArrived { inspect_by } => {
                if let Unit::Requested { .. } | Unit::Arrived { .. } = self.unit {
                    self.unit = Unit::Arrived { inspect_by };
                }
            }
            F::ReturnInspected | F::ReturnWithdrawn => {
                if self.unit != Unit::NotRequested {
                    self.unit = Unit::Done;
                }
            }
            F::InformationRequested { answer_by } => {
                if let Claim::Pending { .. } = self.claim {
                    self.claim = Claim::Information { answer_by };
                }
            }
            F::InformationProvided { decision_due_at } => {
                if let Claim::Information { .. } = self.claim {
                    self.claim = Claim::Pending {
                        due: decision_due_at,
                    };
                }
            }
            F::ClaimNotAccepted => {
                if let Claim::Pending { .. } = self.claim {
                    self.claim = Claim::NotAccepted;
                }
            }
            F::ClaimResubmitted => {
                if self.claim == Claim::NotAccepted {
                    self.claim = Claim::Pending { due: None };
                }
            }
            F::CaseRefused => {
                if self.delivery == Delivery::Undecided {
                    self.closed = true;
                }
            }
            F::Cancelled => {
                if self.delivery != Delivery::Done {
                    self.closed = true;
                }
            }
            F::CancelRequested | F::CancelRefused | F::Note => {}
            F::ClaimWrittenOff => {
                if self.claim == Claim::NotAccepted {
                    self.claim = Claim::Decided;
                }
            }
        }
        if self.delivered && self.collected && self.delivery != Delivery::Undecided {
            self.delivery = Delivery::Done;
        }
    }

    /// What each thread waits for now: (party, holds, a deadline the facts set).
    fn waits(&self) -> [Option<Wait>; 2] {
        if self.closed {
            return [None, None];
        }
        let delivery = match self.delivery {
            Delivery::Undecided => Some((Party::Retailer, Holds::Decision, None)),
            Delivery::WithCrew { visit_by } => Some((Party::Crew, Holds::Delivery, visit_by)),
            Delivery::BackWithRetailer => Some((Party::Retailer, Holds::Delivery, None)),
            Delivery::Done => None,
        };
        let claim = match (self.unit, self.claim) {
            // A unit on its way or at the depot: the manufacturer holds it whatever the claim
            // says — unless the claim waits on the retailer.
            (_, Claim::Information { answer_by }) => {
                Some((Party::Retailer, Holds::Information, answer_by))
            }
            (_, Claim::NotAccepted) => Some((Party::Retailer, Holds::Claim, None)),
            (_, Claim::Pending { due }) => Some((Party::Manufacturer, Holds::Claim, due)),
            (Unit::Requested { return_by }, _) => {
                Some((Party::Manufacturer, Holds::Return, return_by))
            }
            (Unit::Arrived { inspect_by }, _) => {
                Some((Party::Manufacturer, Holds::Return, inspect_by))
            }
            _ => None,
        };
        [delivery, claim]
    }
}

impl Policy {
    fn default_for(&self, holds: Holds, party: Party) -> Duration {
        match (party, holds) {
            (_, Holds::Decision) => self.decide_case,
            (Party::Retailer, Holds::Delivery) => self.agree_new_visit,
            (_, Holds::Delivery) => self.visit,
            (Party::Retailer, Holds::Claim) => self.resubmit_claim,
            (_, Holds::Claim) => self.manufacturer_decision,
            (_, Holds::Information) => self.answer_information,
            (_, Holds::Return) => self.return_and_inspection,
        }
    }
}

/// Who holds the ball on a case opened at `opened_at`, given its facts (sorted here by when they
/// happened; facts at the same instant keep their order).
pub fn ball(opened_at: DateTime<Utc>, facts: &[Dated], policy: &Policy) -> Ball {
    let mut facts = facts.to_vec();
    facts.sort_by_key(|f| f.at);
    let state = State {
        delivery: Delivery::Undecided,
        delivered: false,
        collected: false,
        claim: Claim::NotFiled,
        unit: Unit::NotRequested,
        closed: false,
    };
    fold(state, opened_at, &facts, policy)
}

/// Who holds the ball on a claim alone (the manufacturer's view): the claim thread of a case
/// whose delivery is not this party's concern, from the moment the claim was submitted.
pub fn claim_ball(submitted_at: DateTime<Utc>, facts: &[Dated], policy: &Policy) -> Ball {
    let mut facts = facts.to_vec();
    facts.sort_by_key(|f| f.at);
    let state = State {
        delivery: Delivery::Done,
        delivered: true,
        collected: true,
        claim: Claim::Pending { due: None },
        unit: Unit::NotRequested,
        closed: false,
    };
    fold(state, submitted_at, &facts, policy)
}

fn fold(mut state: State, start: DateTime<Utc>, facts: &[Dated], policy: &Policy) -> Ball {
    // Per thread: who holds it, what, since when (the start of an unbroken hold by that party,
    // whatever it holds), and the deadline the facts set.
    let mut held: [Option<Held>; 2] = [None, None];
    let take = |held: &mut [Option<Held>; 2], state: &State, at: DateTime<Utc>| {
        for (slot, wait) in held.iter_mut().zip(state.waits()) {
            *slot = match (wait, *slot) {
                (None, _) => None,
                (Some((party, holds, due)), Some((p, _, since, _))) if p == party => {
                    Some((party, holds, since, due))
                }
                (Some((party, holds, due)), _) => Some((party, holds, at, due)),
            };
        }
    };
    take(&mut held, &state, start);
    let mut rests_since = start;
    let mut handovers = 0u32;
    for group in facts.chunk_by(|a, b| a.at == b.at) {
        let at = group.first().map_or(start, |f| f.at);
        let before = held;
        for dated in group {
            state.apply(&dated.fact);
        }
        take(&mut held, &state, at);
        let parties_before: Vec<Party> = before.iter().flatten().map(|h| h.0).collect();
        if held
            .iter()
            .flatten()
            .any(|h| !parties_before.contains(&h.0))
        {
            handovers = handovers.saturating_add(1);
        }
        if held.iter().all(Option::is_none) && before.iter().any(Option::is_some) {
            rests_since = at;
        }
    }
    let mut holders: Vec<Holding> = held
        .iter()
        .flatten()
        .map(|&(party, holds, since, due)| Holding {
            party,
            holds,
            since,
            due_at: due.unwrap_or_else(|| since + policy.default_for(holds, party)),
        })
        .collect();
    // Stable: on a tie the delivery (first thread) stays first.
    holders.sort_by_key(|h| h.since);
    Ball {
        since: holders.first().map_or(rests_since, |h| h.since),
        holders,
        handovers,
    }
}

#[cfg(test)]
mod tests;
