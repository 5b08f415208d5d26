//! The model test: random interleavings of the events a case can see — approval, refusal,
//! cancellation, the visit's steps and failures, decisions, information requests, returns,
//! disputes, redeliveries (duplicates) and the reorderings the broker allows between producers —
//! applied to the pure rules: the shared ball rule (`kummerer-ball`) and the status machines of
//! the retailer's and the manufacturer's `domain` modules. After each step every open case and
//! claim has exactly one holder per thing it waits on, with a due time; every terminal state is
//! reached once. No service runs: this is fast (a few seconds).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, Duration, Utc};
use kummerer_ball::{Ball, Dated, Fact, Party, Policy, Thread, ball};
use kummerer_contracts::ClaimOutcome;
use manufacturer::domain::claim::ClaimStatus as MClaim;
use proptest::prelude::*;
use retailer::domain::{CaseStatus, ClaimStatus as RClaim, SwapStatus, status_follows};

fn at(minutes: i64) -> DateTime<Utc> {
    DateTime::<Utc>::UNIX_EPOCH + Duration::days(20_000) + Duration::minutes(minutes)
}

/// Who produced a fact: the broker keeps each producer's order, not the order across producers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Producer {
    Retailer,
    Logistics,
    Manufacturer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    None,
    Requested,
    Arrived,
    Inspected,
}

/// The reference: the services' own status machines, stepped by the same events.
#[derive(Debug, Clone)]
struct Model {
    case: CaseStatus,
    swap: Option<(SwapStatus, DateTime<Utc>)>,
    r_claim: Option<RClaim>,
    m_claim: Option<MClaim>,
    disputed: bool,
    info_out: bool,
    unit: Unit,
    cancelled: bool,
    now: i64,
    /// Facts in the order they happened, with who produced them.
    history: Vec<(Producer, Dated)>,
}

impl Model {
    fn new() -> Model {
        Model {
            case: CaseStatus::Open,
            swap: None,
            r_claim: None,
            m_claim: None,
            disputed: false,
            info_out: false,
            unit: Unit::None,
            cancelled: false,
            now: 0,
            history: Vec::new(),
        }
    }

    fn push(&mut self, who: Producer, fact: Fact) {
        self.history.push((
            who,
            Dated {
                fact,
                at: at(self.now),
            },
        ));
    }

    fn set_swap(&mut self, next: SwapStatus) {
        let t = at(self.now);
        if let Some((current, current_at)) = self.swap
            && status_follows(current, current_at, next, t)
        {
            self.swap = Some((next, t));
        }
    }

    fn swap_is(&self, any: &[SwapStatus]) -> bool {
        self.swap.is_some_and(|(s, _)| any.contains(&s))
    }

    fn decidable(&self) -> bool {
        !self.cancelled && !self.info_out && self.m_claim.is_some_and(MClaim::is_decidable)
    }

    /// Applies the `choice`-th event enabled now (none when the case is finished).
    fn step(&mut self, choice: usize, later: i64) -> bool {
        self.now += 1 + later;
        let due = Some(at(self.now + 600));
        type Op = fn(&mut Model, Option<DateTime<Utc>>);
        let mut enabled: Vec<Op> = Vec::new();
        if !self.cancelled {
            if self.case.approve_swap().is_ok() {
                enabled.push(|m, due| {
                    m.case = m.case.approve_swap().expect("enabled");
                    m.swap = Some((SwapStatus::Approved, at(m.now)));
                    m.r_claim = Some(RClaim::Submitted);
                    m.m_claim = Some(MClaim::Pending);
                    m.push(Producer::Retailer, Fact::SwapApproved { visit_by: due });
                    m.push(Producer::Retailer, Fact::ClaimSubmitted);
                });
            }
            if self.case.refuse().is_ok() {
                enabled.push(|m, _| {
                    m.case = m.case.refuse().expect("enabled");
                    m.push(Producer::Retailer, Fact::CaseRefused);
                });
            }
            if self.swap_is(&[SwapStatus::Approved, SwapStatus::FailedAttempt]) {
                enabled.push(|m, due| {
                    m.set_swap(SwapStatus::Scheduled);
                    m.push(Producer::Logistics, Fact::JobScheduled { visit_by: due });
                });
            }
            if self.swap_is(&[SwapStatus::Approved, SwapStatus::Scheduled]) {
                // A swap is cancelled until the crew is on the way: the claim goes with it.
                enabled.push(|m, _| {
                    m.cancelled = true;
                    m.push(Producer::Retailer, Fact::CancelRequested);
                    m.push(Producer::Retailer, Fact::Cancelled);
                });
            }
            if self.swap_is(&[SwapStatus::Scheduled]) {
                enabled.push(|m, due| {
                    m.set_swap(SwapStatus::OnTheWay);
                    m.push(Producer::Logistics, Fact::OnTheWay { visit_by: due });
                });
            }
            if self.swap_is(&[SwapStatus::Scheduled, SwapStatus::OnTheWay]) {
                enabled.push(|m, _| {
                    m.set_swap(SwapStatus::FailedAttempt);
                    m.push(Producer::Logistics, Fact::DeliveryFailed);
                });
                enabled.push(|m, _| {
                    m.set_swap(SwapStatus::Delivered);
                    m.case = m.case.after_delivery().unwrap_or(m.case);
                    m.push(Producer::Logistics, Fact::DeliveredAndCollected);
                });
            }
            if self.decidable() {
                enabled.push(|m, due| {
                    m.push(
                        Producer::Manufacturer,
                        Fact::ClaimAcknowledged {
                            decision_due_at: due.expect("a due time"),
                        },
                    );
                });
                for outcome in [ClaimOutcome::Accepted, ClaimOutcome::Rejected] {
                    let decide: Op = match outcome {
                        ClaimOutcome::Rejected => |m, _| m.decide(ClaimOutcome::Rejected),
                        _ => |m, _| m.decide(ClaimOutcome::Accepted),
                    };
                    enabled.push(decide);
                }
            }
            if self.m_claim == Some(MClaim::Pending) && !self.info_out {
                enabled.push(|m, due| {
                    m.m_claim = Some(MClaim::ReturnRequested);
                    m.unit = Unit::Requested;
                    m.push(
                        Producer::Manufacturer,
                        Fact::ReturnRequested { return_by: due },
                    );
                });
                enabled.push(|m, due| {
                    m.info_out = true;
                    m.push(
                        Producer::Manufacturer,
                        Fact::InformationRequested { answer_by: due },
                    );
                });
            }
            if self.info_out {
                enabled.push(|m, _| {
                    m.info_out = false;
                    m.push(
                        Producer::Retailer,
                        Fact::InformationProvided {
                            decision_due_at: None,
                        },
                    );
                });
            }
            if self.unit == Unit::Requested {
                enabled.push(|m, due| {
                    m.unit = Unit::Arrived;
                    m.m_claim = Some(MClaim::UnitArrived);
                    m.push(Producer::Logistics, Fact::ReturnArrived { inspect_by: due });
                });
            }
            if self.unit == Unit::Arrived {
                enabled.push(|m, _| {
                    m.unit = Unit::Inspected;
                    m.push(Producer::Manufacturer, Fact::ReturnInspected);
                });
            }
            if let Some(Ok(next)) = self.r_claim.map(|c| c.dispute(self.disputed)) {
                // Disputed once the delivery no longer waits, so the claim is the only thread
                // that reopens.
                let _ = next;
                enabled.push(|m, _| {
                    let next = m
                        .r_claim
                        .map(|c| c.dispute(m.disputed))
                        .and_then(Result::ok)
                        .expect("enabled");
                    m.r_claim = Some(next);
                    m.disputed = true;
                    m.m_claim = Some(MClaim::Disputed);
                    m.push(
                        Producer::Retailer,
                        Fact::ClaimDisputed {
                            decision_due_at: None,
                        },
                    );
                });
            }
        }
        if enabled.is_empty() {
            return false;
        }
        let op = enabled[choice % enabled.len()];
        op(self, due);
        true
    }

    fn decide(&mut self, outcome: ClaimOutcome) {
        let t = at(self.now);
        assert!(retailer::domain::decision_applies(None, t));
        self.r_claim = Some(RClaim::from(outcome));
        self.m_claim = Some(match outcome {
            ClaimOutcome::Rejected => MClaim::Rejected,
            _ => MClaim::Accepted,
        });
        self.push(Producer::Manufacturer, Fact::ClaimDecided);
    }

    /// Whether the delivery still waits on someone, and on whom.
    fn delivery_holder(&self) -> Option<Party> {
        if self.cancelled || self.case == CaseStatus::Refused {
            return None;
        }
        match self.swap.map(|(s, _)| s) {
            None => Some(Party::Retailer),
            Some(SwapStatus::FailedAttempt) => Some(Party::Retailer),
            Some(SwapStatus::Delivered) => None,
            Some(_) => Some(Party::Crew),
        }
    }

    /// Whether the claim still waits on someone, and on whom.
    fn claim_holder(&self) -> Option<Party> {
        let claim = self.m_claim?;
        if self.cancelled {
            return None;
        }
        if self.info_out {
            return Some(Party::Retailer);
        }
        let open = claim.is_decidable()
            || claim == MClaim::ReturnRequested
            || matches!(self.unit, Unit::Requested | Unit::Arrived);
        open.then_some(Party::Manufacturer)
    }
}

fn ball_of(facts: &[Dated]) -> Ball {
    ball(at(0), facts, &Policy::default())
}

/// Each thread has at most one holder, and each holding a due time after it began.
fn well_formed(b: &Ball) -> Result<(), TestCaseError> {
    for thread in [Thread::Delivery, Thread::Claim] {
        let n = b
            .holders
            .iter()
            .filter(|h| h.holds.thread() == thread)
            .count();
        prop_assert!(n <= 1, "{thread:?} held {n} times: {b:?}");
    }
    for h in &b.holders {
        prop_assert!(h.due_at > h.since, "due before it began: {h:?}");
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// In order, with redeliveries: the ball agrees with the services' status machines after
    /// every step, and each thing ends once (the claim once more per dispute).
    #[test]
    fn every_open_case_has_one_holder_per_thread_with_a_due_time(
        steps in proptest::collection::vec((any::<usize>(), 0i64..3, any::<Option<u8>>()), 1..40)
    ) {
        let mut m = Model::new();
        let mut delivered: Vec<Dated> = Vec::new();
        let mut ended = [0u32; 2];
        let mut was = [true, false];
        for (choice, later, duplicate) in steps {
            let before = m.history.len();
            if !m.step(choice, later) {
                break;
            }
            delivered.extend(m.history[before..].iter().map(|(_, d)| *d));
            // The broker delivers a message again: a fact already seen, seen twice.
            if let Some(k) = duplicate
                && !delivered.is_empty()
            {
                let again = delivered[usize::from(k) % delivered.len()];
                delivered.push(again);
            }
            let b = ball_of(&delivered);
            well_formed(&b)?;
            let held = |t: Thread| b.of(t).map(|h| h.party);
            prop_assert_eq!(held(Thread::Delivery), m.delivery_holder(), "delivery: {:?} {:?}", m, b);
            prop_assert_eq!(held(Thread::Claim), m.claim_holder(), "claim: {:?} {:?}", m, b);
            // Open ⇔ someone holds it, with a due time.
            let open = m.delivery_holder().is_some() || m.claim_holder().is_some();
            prop_assert_eq!(open, b.due_at().is_some());
            for (i, t) in [Thread::Delivery, Thread::Claim].into_iter().enumerate() {
                let now = b.of(t).is_some();
                if was[i] && !now {
                    ended[i] += 1;
                }
                was[i] = now;
            }
        }
        prop_assert!(ended[0] <= 1, "the delivery ended {} times", ended[0]);
        prop_assert!(
            ended[1] <= 1 + u32::from(m.disputed),
            "the claim ended {} times with {} dispute", ended[1], m.disputed
        );
    }

    /// Reordered across producers (each producer's own order kept), with redeliveries: every
    /// prefix is well formed, and once everything arrived the ball is the in-order one.
    #[test]
    fn the_order_messages_arrive_in_does_not_change_who_holds_the_ball(
        steps in proptest::collection::vec((any::<usize>(), 0i64..3), 1..40),
        picks in proptest::collection::vec(0usize..3, 0..200),
        duplicates in proptest::collection::vec(any::<u8>(), 0..5),
    ) {
        let mut m = Model::new();
        for (choice, later) in steps {
            if !m.step(choice, later) {
                break;
            }
        }
        let in_order = ball_of(&m.history.iter().map(|(_, d)| *d).collect::<Vec<_>>());
        let mut queues: [Vec<Dated>; 3] = Default::default();
        for (who, d) in &m.history {
            let q = match who {
                Producer::Retailer => 0,
                Producer::Logistics => 1,
                Producer::Manufacturer => 2,
            };
            queues[q].push(*d);
        }
        for q in &mut queues {
            q.reverse();
        }
        let mut arrived: Vec<Dated> = Vec::new();
        let mut picks = picks.into_iter();
        while queues.iter().any(|q| !q.is_empty()) {
            let first = picks.next().unwrap_or(0);
            let Some(q) = (0..3).map(|i| (first + i) % 3).find(|&i| !queues[i].is_empty()) else {
                break;
            };
            if let Some(d) = queues[q].pop() {
                arrived.push(d);
            }
            well_formed(&ball_of(&arrived))?;
        }
        for k in duplicates {
            if !arrived.is_empty() {
                let again = arrived[usize::from(k) % arrived.len()];
                arrived.push(again);
            }
        }
        let b = ball_of(&arrived);
        well_formed(&b)?;
        prop_assert_eq!(b.holders, in_order.holders);
        prop_assert_eq!(b.handovers, in_order.handovers);
    }
}
