//! The model test: random interleavings of the events a case can see — approval, refusal,
//! cancellation, the visit's steps and failures, decisions, information requests, returns,
//! disputes, redeliveries (duplicates) and the reorderings the broker allows between producers —
//! applied to the pure rules: the shared ball rule (`kummerer-ball`) and the status machines of
//! the retailer's and the manufacturer's `domain` modules. After each step every open case and
//! claim has exactly one holder per thing it waits on, with a due time; every terminal state is
//! reached once. No service runs: this is fast (a few seconds).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, Duration, Utc};
use kummerer_ball::{Ball, Dated, Fact, Holds, Party, Policy, Thread, ball};
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
    well_formed_late(b, false)
}

/// [`well_formed`]; with `late_crews`, a crew's delivery may begin overdue: a crew that takes a
/// visit up after its window ended (late) holds it due at that window's end, as logistics says
/// (`window_passed`).
fn well_formed_late(b: &Ball, late_crews: bool) -> Result<(), TestCaseError> {
    for thread in [Thread::Delivery, Thread::Claim] {
        let n = b
            .holders
            .iter()
            .filter(|h| h.holds.thread() == thread)
            .count();
        prop_assert!(n <= 1, "{thread:?} held {n} times: {b:?}");
    }
    for h in &b.holders {
        let late = late_crews && h.party == Party::Crew && h.holds == Holds::Delivery;
        prop_assert!(late || h.due_at > h.since, "due before it began: {h:?}");
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

// ---------------------------------------------------------------------------------------------
// Logistics: the job and the return item, driven through logistics' own pure rules
// (`domain::job`, `domain::returns`, `domain::overdue`) beside the shared ball rule.
// ---------------------------------------------------------------------------------------------

use kummerer_contracts::FailureReason;
use logistics::domain::job::Amend;
use logistics::domain::overdue::{Holder, JobFacts, Thresholds, waiting};
use logistics::domain::returns::{
    ItemState, ShipmentStatus, Unit as ShippedUnit, Withdrawal, check_arrival, check_dispatch,
    withdraw,
};
use logistics::domain::{
    AfterFailure, Completion, FailedAttempt, JobStatus, Progress, Step, StepOutcome,
};

/// Short thresholds (the settings a test would choose), so the model's minutes cross them.
const LIMITS: Thresholds = Thresholds {
    unassigned_lead: Duration::minutes(120),
    reschedule_within: Duration::minutes(240),
};
const WINDOW: i64 = 240;
const RETURN_WITHIN: i64 = 900;

/// The job of the swap, as logistics stores it.
#[derive(Debug, Clone, Copy)]
struct Job {
    progress: Progress,
    attempts: u32,
    on_a_crew: bool,
    /// Some carrier is granted the job's postcode (else the operator holds an unassigned job).
    covered: bool,
    /// Minutes since the model's start.
    window_start: i64,
    changed_at: i64,
}

impl Job {
    fn facts(&self) -> JobFacts {
        JobFacts {
            status: self.progress.status,
            on_a_crew: self.on_a_crew,
            window_start: at(self.window_start),
            window_end: at(self.window_start + WINDOW),
            changed_at: at(self.changed_at),
            covered: self.covered,
        }
    }

    fn visit_by(&self) -> Option<DateTime<Utc>> {
        Some(at(self.window_start + WINDOW))
    }

    fn terminal(&self) -> bool {
        matches!(
            self.progress.status,
            JobStatus::Completed | JobStatus::Cancelled
        )
    }
}

/// The unit asked back, as logistics stores it.
#[derive(Debug, Clone, Copy)]
struct Item {
    withdrawn: bool,
    /// Its shipment's status; `None`: in the pool (the job had no carrier).
    shipment: Option<ShipmentStatus>,
    return_by: i64,
}

/// What can happen to the job and its return; `Redelivered` applies the last message again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    GrantRegion,
    Assign,
    Step(Step),
    CompleteAtOnce,
    Fail(FailureReason, bool),
    Reschedule,
    Cancel,
    Decide,
    AskBack,
    TakeFromPool,
    Dispatch(bool),
    Arrive,
    Withdraw,
    ReturnByPasses,
    Inspect,
}

#[derive(Debug, Clone)]
struct Yard {
    job: Job,
    item: Option<Item>,
    decided: bool,
    inspected: bool,
    /// The manufacturer no longer waits for the unit (withdrawn, or the claim cancelled): an
    /// item whose shipment left still arrives, but the case waits for it no more.
    called_off: bool,
    now: i64,
    facts: Vec<Dated>,
    /// How often the job and the item reached a terminal state.
    job_ended: u32,
    item_ended: u32,
}

impl Yard {
    fn new() -> Yard {
        let job = Job {
            progress: Progress {
                status: JobStatus::Scheduled,
                on_the_way: false,
                delivered: false,
                collected: false,
            },
            attempts: 0,
            on_a_crew: false,
            covered: false,
            window_start: 1440,
            changed_at: 0,
        };
        let mut y = Yard {
            job,
            item: None,
            decided: false,
            inspected: false,
            called_off: false,
            now: 0,
            facts: Vec::new(),
            job_ended: 0,
            item_ended: 0,
        };
        y.fact(Fact::SwapApproved {
            visit_by: job.visit_by(),
        });
        y.fact(Fact::ClaimSubmitted);
        y.fact(Fact::JobScheduled {
            visit_by: job.visit_by(),
        });
        y
    }

    fn fact(&mut self, fact: Fact) {
        self.facts.push(Dated {
            fact,
            at: at(self.now),
        });
    }

    fn item_state(&self) -> Option<ItemState> {
        self.item
            .map(|i| ItemState::of(i.withdrawn, i.shipment, self.job.progress.collected))
    }

    /// The operations that make sense now (the others are tried as redeliveries).
    fn enabled(&self) -> Vec<Op> {
        let mut ops = Vec::new();
        let open = !self.job.terminal();
        if open {
            if !self.job.covered {
                ops.push(Op::GrantRegion);
            }
            if !self.job.on_a_crew && self.job.covered {
                ops.push(Op::Assign);
            }
            ops.extend([
                Op::Step(Step::OnTheWay),
                Op::Step(Step::Delivered),
                Op::Step(Step::Collected),
                Op::CompleteAtOnce,
                Op::Cancel,
            ]);
            for reason in [FailureReason::NotHome, FailureReason::Refused] {
                ops.extend([Op::Fail(reason, true), Op::Fail(reason, false)]);
            }
            if self.job.progress.status == JobStatus::Failed {
                ops.push(Op::Reschedule);
            }
        }
        let cancelled = self.job.progress.status == JobStatus::Cancelled;
        if !self.decided && !cancelled {
            ops.push(Op::Decide);
        }
        if self.item.is_none() && !cancelled {
            ops.push(Op::AskBack);
        }
        if let Some(state) = self.item_state() {
            match state {
                ItemState::AwaitingCarrier if self.job.covered => ops.push(Op::TakeFromPool),
                ItemState::AwaitingCarrier => {}
                ItemState::AwaitingCollection | ItemState::Ready => {
                    ops.extend([Op::Dispatch(true), Op::Dispatch(false)])
                }
                ItemState::Travelling => ops.push(Op::Arrive),
                ItemState::Arrived if !self.inspected => ops.push(Op::Inspect),
                ItemState::Arrived | ItemState::Withdrawn => {}
            }
            if state != ItemState::Withdrawn && state != ItemState::Arrived {
                ops.push(Op::Withdraw);
                if self.now >= self.item.map_or(i64::MAX, |i| i.return_by) {
                    ops.push(Op::ReturnByPasses);
                }
            }
        }
        ops
    }

    /// Applies `op` through logistics' rules; a refused one changes nothing.
    fn apply(&mut self, op: Op) {
        let job = self.job;
        let p = job.progress;
        match op {
            Op::GrantRegion => self.job.covered = true,
            Op::Assign => {
                if !job.terminal() {
                    self.job.on_a_crew = true;
                }
            }
            Op::Step(step) => {
                if let Ok(StepOutcome::Recorded { completes }) = p.record(step) {
                    let j = &mut self.job;
                    match step {
                        Step::OnTheWay => j.progress.on_the_way = true,
                        Step::Delivered => j.progress.delivered = true,
                        Step::Collected => j.progress.collected = true,
                    }
                    j.progress.status = if completes {
                        JobStatus::Completed
                    } else {
                        JobStatus::Scheduled
                    };
                    j.changed_at = self.now;
                    let fact = match step {
                        Step::OnTheWay => Fact::OnTheWay {
                            visit_by: j.visit_by(),
                        },
                        Step::Delivered => Fact::Delivered,
                        Step::Collected => Fact::Collected,
                    };
                    self.fact(fact);
                }
            }
            Op::CompleteAtOnce => {
                let c = Completion {
                    delivered_serial: "NEW-1".into(),
                    collected_serial: "OLD-1".into(),
                    recipient_name: "Erika".into(),
                };
                if c.apply(p, "OLD-1").is_ok() {
                    let j = &mut self.job;
                    j.progress.delivered = true;
                    j.progress.collected = true;
                    j.progress.status = JobStatus::Completed;
                    j.changed_at = self.now;
                    self.fact(Fact::DeliveredAndCollected);
                }
            }
            Op::Fail(reason, crew_has_room) => {
                let attempt = FailedAttempt { reason, note: None };
                if let Ok(n) = attempt.apply(p.status, job.attempts) {
                    let j = &mut self.job;
                    j.attempts = n;
                    j.progress.status = JobStatus::Failed;
                    j.progress.on_the_way = false;
                    j.changed_at = self.now;
                    self.fact(Fact::DeliveryFailed);
                    if attempt.after() == AfterFailure::Revisit && crew_has_room {
                        self.reschedule();
                    }
                }
            }
            Op::Reschedule => {
                if p.status == JobStatus::Failed {
                    self.reschedule();
                }
            }
            Op::Cancel => {
                self.fact(Fact::CancelRequested);
                match p.amend(true) {
                    Ok(Amend::Apply) => {
                        self.job.progress.status = JobStatus::Cancelled;
                        self.job.changed_at = self.now;
                        self.fact(Fact::Cancelled);
                        // The claim is withdrawn with the swap, and with it a unit asked back.
                        if let Some(state) = self.item_state() {
                            let w = withdraw(state);
                            assert_ne!(
                                w,
                                Withdrawal::Refused,
                                "a cancelled visit's unit is travelling"
                            );
                            self.withdraw_item(w);
                        }
                    }
                    Ok(Amend::AlreadyCancelled) => self.fact(Fact::Cancelled),
                    Err(_) => self.fact(Fact::CancelRefused),
                }
            }
            Op::Decide => {
                if !self.decided {
                    self.decided = true;
                    self.fact(Fact::ClaimDecided);
                }
            }
            Op::AskBack => {
                if self.item.is_none() {
                    // A job without a carrier puts the unit into the pool of the carriers
                    // granted its postcode; else into its carrier's open shipment.
                    self.item = Some(Item {
                        withdrawn: false,
                        shipment: job.on_a_crew.then_some(ShipmentStatus::Open),
                        return_by: self.now + RETURN_WITHIN,
                    });
                    self.fact(Fact::ReturnRequested {
                        return_by: Some(at(self.now + RETURN_WITHIN)),
                    });
                }
            }
            Op::TakeFromPool => {
                if let Some(i) = self.item.as_mut()
                    && i.shipment.is_none()
                    && !i.withdrawn
                {
                    i.shipment = Some(ShipmentStatus::Open);
                }
            }
            Op::Dispatch(with_another) => {
                let Some(item) = self.item else { return };
                let Some(status) = item.shipment else { return };
                let mut units = Vec::new();
                if !item.withdrawn {
                    units.push(ShippedUnit {
                        serial: "OLD-1".into(),
                        collected: p.collected,
                    });
                }
                if with_another {
                    units.push(ShippedUnit {
                        serial: "OTHER".into(),
                        collected: true,
                    });
                }
                if let Ok(behind) = check_dispatch(status, &units) {
                    // Ours left unless it stayed behind (it moves to the next open shipment).
                    if !item.withdrawn && !behind.contains(&0) {
                        self.item = Some(Item {
                            shipment: Some(ShipmentStatus::Dispatched),
                            ..item
                        });
                    }
                }
            }
            Op::Arrive => {
                if let Some(i) = self.item.as_mut()
                    && let Some(s) = i.shipment
                    && check_arrival(s).is_ok()
                {
                    i.shipment = Some(ShipmentStatus::Arrived);
                    if !i.withdrawn {
                        self.fact(Fact::ReturnArrived { inspect_by: None });
                    }
                }
            }
            Op::Withdraw => {
                if let Some(state) = self.item_state() {
                    self.fact(Fact::ReturnWithdrawn);
                    self.withdraw_item(withdraw(state));
                }
            }
            Op::ReturnByPasses => {
                // The manufacturer applies the agreement's default and withdraws the return.
                if let Some(state) = self.item_state()
                    && !matches!(state, ItemState::Arrived | ItemState::Withdrawn)
                {
                    if !self.decided {
                        self.decided = true;
                        self.fact(Fact::ClaimDecided);
                    }
                    self.fact(Fact::ReturnWithdrawn);
                    self.withdraw_item(withdraw(state));
                }
            }
            Op::Inspect => {
                if self.item_state() == Some(ItemState::Arrived) && !self.inspected {
                    self.inspected = true;
                    self.fact(Fact::ReturnInspected);
                }
            }
        }
    }

    fn reschedule(&mut self) {
        let j = &mut self.job;
        j.progress.status = JobStatus::Scheduled;
        j.window_start = self.now + 1440;
        j.changed_at = self.now;
        let visit_by = j.visit_by();
        self.fact(Fact::JobScheduled { visit_by });
    }

    fn withdraw_item(&mut self, w: Withdrawal) {
        self.called_off = true;
        if w == Withdrawal::Remove
            && let Some(i) = self.item.as_mut()
        {
            i.withdrawn = true;
        }
    }

    /// After a step: the job and the item each have one holder and a due time while open, and
    /// none once ended; the ball agrees on who holds the delivery and the return.
    fn check(&self) -> Result<(), TestCaseError> {
        let now = at(self.now);
        let b = ball_of(&self.facts);
        well_formed_late(&b, true)?;
        let w = waiting(self.job.facts(), now, &LIMITS);
        prop_assert_eq!(w.is_some(), !self.job.terminal(), "job {:?}", self.job);
        if let Some(w) = w {
            // The due time means it: overdue exactly once it passed.
            prop_assert_eq!(w.overdue.is_some(), now >= w.due_at, "{:?}", w);
            let party = match w.holder {
                Holder::Retailer => Party::Retailer,
                Holder::Crew | Holder::Dispatcher | Holder::Operator => Party::Crew,
            };
            prop_assert_eq!(
                b.of(Thread::Delivery).map(|h| h.party),
                Some(party),
                "delivery: {:?} {:?} {:?}",
                self.job,
                w,
                b
            );
        } else {
            prop_assert_eq!(b.of(Thread::Delivery), None, "delivery ended: {:?}", b);
        }
        let claim = b.of(Thread::Claim);
        match (self.item, self.item_state()) {
            (Some(i), Some(state)) => {
                let iw = state.waiting(at(i.return_by), now);
                let open = !matches!(state, ItemState::Arrived | ItemState::Withdrawn);
                prop_assert_eq!(iw.is_some(), open, "item {:?}", i);
                if let Some(iw) = iw {
                    prop_assert_eq!(iw.due_at, at(i.return_by));
                    prop_assert_eq!(iw.overdue, now >= iw.due_at);
                    // The manufacturer waits for it: it holds the claim's thread.
                    prop_assert!(
                        self.called_off || claim.is_some_and(|h| h.party == Party::Manufacturer),
                        "return: {:?} {:?}",
                        i,
                        b
                    );
                }
                if state == ItemState::Arrived && !self.inspected && !self.called_off {
                    prop_assert!(claim.is_some(), "inspection: {:?}", b);
                }
            }
            _ => {
                let pending = !self.decided && self.job.progress.status != JobStatus::Cancelled;
                prop_assert_eq!(claim.is_some(), pending, "claim: {:?}", b);
            }
        }
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// Logistics' job (scheduled on no crew — with no carrier granted its postcode, or one — on a
    /// crew, on the way, delivered, collected, completed, failed and revisited or waiting,
    /// rescheduled, cancelled) and its return item (asked back into a
    /// shipment or the pool, taken, dispatched with or without it, arrived, withdrawn, overdue),
    /// with redeliveries (the same message applied again must change nothing) and cancellations
    /// racing the crew's steps: after every step each open job and item has one holder and a due
    /// time, the ball agrees, and each reaches its end once.
    #[test]
    fn every_open_job_and_return_has_one_holder_and_a_due_time(
        steps in proptest::collection::vec((any::<usize>(), 0i64..400, any::<bool>()), 1..60)
    ) {
        let mut y = Yard::new();
        y.check()?;
        for (choice, later, again) in steps {
            y.now += 1 + later;
            let ops = y.enabled();
            if ops.is_empty() {
                break;
            }
            let op = ops[choice % ops.len()];
            let (job_was, item_was) = (y.job.terminal(), y.item_state());
            y.apply(op);
            let redeliverable = !matches!(op, Op::Fail(..) | Op::Reschedule);
            if again && redeliverable {
                // The same message (or a double tap) once more: nothing changes.
                let before = (y.job.progress, y.job.attempts, y.item_state(), y.decided);
                let ball_before = ball_of(&y.facts);
                y.apply(op);
                prop_assert_eq!(
                    (y.job.progress, y.job.attempts, y.item_state(), y.decided),
                    before,
                    "{:?} applied twice", op
                );
                let ball_after = ball_of(&y.facts);
                prop_assert_eq!(ball_after.holders, ball_before.holders, "{:?} twice", op);
            }
            if !job_was && y.job.terminal() {
                y.job_ended += 1;
            }
            prop_assert!(!job_was || y.job.terminal(), "the job left its end: {:?}", y.job);
            let ended = |s: Option<ItemState>| {
                matches!(s, Some(ItemState::Arrived | ItemState::Withdrawn))
            };
            if !ended(item_was) && ended(y.item_state()) {
                y.item_ended += 1;
            }
            prop_assert!(
                !ended(item_was) || ended(y.item_state()),
                "the item left its end: {:?}", y.item
            );
            y.check()?;
        }
        prop_assert!(y.job_ended <= 1, "the job ended {} times", y.job_ended);
        prop_assert!(y.item_ended <= 1, "the item ended {} times", y.item_ended);
    }
}
