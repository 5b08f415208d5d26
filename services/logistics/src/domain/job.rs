//! A job: deliver the replacement and collect the defective unit in one visit.
//!
//! The visit is recorded in steps — *on the way*, *delivered*, *collected* — or at once
//! (*delivered and collected*). The job is completed when both the delivery and the collection
//! are recorded; a failed attempt (not home, refused, …) leaves it open for another visit.
//!
//! ```text
//!              on the way / delivered / collected (each once)
//!            ┌──────────┐
//!            ▼          │            both delivered and collected
//!        scheduled ─────┴───────────────────────────────────────▶ completed
//!          │   ▲                                                    ▲
//!         fail │ any step, or the dispatcher reschedules            │
//!          ▼   │                                                    │
//!         failed ───────────────────────────────────────────────────┘
//! ```
//!
//! A failed attempt for which another visit makes sense (not home, unit not ready) is rescheduled
//! in the same transaction ([`AfterFailure::Revisit`]): the job is `scheduled` again, on a new
//! day. One that would fail again as it stands (refused, wrong address) stays `failed` until the
//! dispatcher acts.
//!
//! A step already recorded is not recorded again (a double tap, a retried request): the answer
//! says so and nothing changes. A completed job is final. A failed attempt keeps what was
//! already delivered or collected (the next visit does the rest) and clears *on the way*.

use kummerer_contracts::{FailureReason, SwapApprovedV1};

/// Longest serial number or recipient name a crew may enter.
pub const SERIAL_MAX: usize = 100;
/// Longest note on a failed attempt.
pub const NOTE_MAX: usize = 500;
/// Most jobs one list answer holds.
pub const LIST_LIMIT: u64 = 200;

/// Stored in `jobs.status` (text) as `scheduled`, `completed`, `failed`, `cancelled`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sea_orm::EnumIter, sea_orm::DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
pub enum JobStatus {
    Scheduled,
    Completed,
    Failed,
    /// Cancelled on the retailer's request before the crew set off: final, no crew goes.
    Cancelled,
}

impl JobStatus {
    /// The stored value (`scheduled`, …), as a filter's query parameter names it.
    pub fn parse(s: &str) -> Option<JobStatus> {
        <Self as sea_orm::ActiveEnum>::try_from_value(&s.to_owned()).ok()
    }

    pub fn as_string(self) -> String {
        sea_orm::ActiveEnum::to_value(&self)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("the job is already completed; a visit records one delivery")]
    AlreadyCompleted,
    #[error(
        "part of the visit is already recorded in steps; record the remaining step \
         (delivered or collected) instead"
    )]
    PartlyRecorded,
    #[error("the job was cancelled by the retailer; do not go")]
    Cancelled,
}

/// What is recorded of a job's visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub status: JobStatus,
    /// Set off to the customer on the current attempt.
    pub on_the_way: bool,
    pub delivered: bool,
    pub collected: bool,
}

/// A step of the visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    OnTheWay,
    Delivered,
    Collected,
}

impl Step {
    pub fn as_str(self) -> &'static str {
        match self {
            Step::OnTheWay => "on_the_way",
            Step::Delivered => "delivered",
            Step::Collected => "collected",
        }
    }
}

/// What recording a step does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepOutcome {
    /// The step is recorded; `completes` when it finishes the visit (the other of delivered and
    /// collected is already recorded).
    Recorded { completes: bool },
    /// The step was recorded before: nothing changes.
    AlreadyRecorded,
}

impl Progress {
    /// Whether `step` may be recorded now, and what it does.
    pub fn record(&self, step: Step) -> Result<StepOutcome, TransitionError> {
        let (done, other) = match step {
            Step::OnTheWay => (self.on_the_way, false),
            Step::Delivered => (self.delivered, self.collected),
            Step::Collected => (self.collected, self.delivered),
        };
        if done {
            return Ok(StepOutcome::AlreadyRecorded);
        }
        ensure_open(self.status)?;
        Ok(StepOutcome::Recorded { completes: other })
    }
}

/// Whether a crew may still record an outcome (a step or a failed attempt).
fn ensure_open(status: JobStatus) -> Result<(), TransitionError> {
    match status {
        JobStatus::Scheduled | JobStatus::Failed => Ok(()),
        JobStatus::Completed => Err(TransitionError::AlreadyCompleted),
        JobStatus::Cancelled => Err(TransitionError::Cancelled),
    }
}

/// What a cancellation or a correction asked by the retailer does to the job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Amend {
    /// Apply it: the crew has not set off and nothing of the visit is recorded.
    Apply,
    /// A cancellation of a job already cancelled: nothing changes, the answer is sent again.
    AlreadyCancelled,
}

impl Progress {
    /// Whether the retailer may still cancel or correct the visit: only while no crew set off on
    /// the current attempt and nothing was delivered or collected (a failed attempt before is
    /// fine: nothing changed hands). The crew's steps take the same row lock, so a step racing
    /// the cancellation either comes first (the cancellation is refused) or sees `Cancelled`.
    pub fn amend(&self, cancel: bool) -> Result<Amend, kummerer_contracts::VisitBegun> {
        use kummerer_contracts::VisitBegun;
        match self.status {
            JobStatus::Cancelled if cancel => return Ok(Amend::AlreadyCancelled),
            JobStatus::Cancelled => return Err(VisitBegun::Cancelled),
            JobStatus::Completed => return Err(VisitBegun::Completed),
            JobStatus::Scheduled | JobStatus::Failed => {}
        }
        if self.delivered || self.collected {
            Err(VisitBegun::StepRecorded)
        } else if self.on_the_way {
            Err(VisitBegun::OnTheWay)
        } else {
            Ok(Amend::Apply)
        }
    }
}

/// What the crew reports on a delivery (already checked for presence and length).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub delivered_serial: String,
    pub recipient_name: String,
}

/// What the crew reports on a collection (already checked for presence and length).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collection {
    pub collected_serial: String,
    /// The crew confirmed a serial that is not the case's (else a mismatch is refused, so a typo
    /// is caught before anything is recorded).
    pub confirm_mismatch: bool,
}

/// A collected serial that is not the case's, not confirmed by the crew.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the collected serial {collected} is not the case's serial {expected}")]
pub struct UnconfirmedMismatch {
    pub expected: String,
    pub collected: String,
}

impl Collection {
    /// Whether the serial matches the case's `expected` one; a mismatch needs the crew's
    /// confirmation and is then recorded as flagged.
    pub fn check(&self, expected: &str) -> Result<bool, UnconfirmedMismatch> {
        let matches = serial_matches(expected, &self.collected_serial);
        if !matches && !self.confirm_mismatch {
            return Err(UnconfirmedMismatch {
                expected: expected.to_owned(),
                collected: self.collected_serial.clone(),
            });
        }
        Ok(matches)
    }
}

/// Whether the serial the crew read off the collected unit is the one the case names: equal
/// after trimming, ignoring case. A mismatch is recorded and flagged, never refused at the door.
pub fn serial_matches(expected: &str, collected: &str) -> bool {
    expected.trim().to_lowercase() == collected.trim().to_lowercase()
}

/// What the crew reports on a completed visit (already checked for presence and length).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    pub delivered_serial: String,
    pub collected_serial: String,
    pub recipient_name: String,
}

impl Completion {
    /// Records delivery and collection at once on a job that expects `collect_serial`; returns
    /// whether the collected serial matches (a mismatch is recorded and flagged). Refused on a
    /// completed job, and on one whose delivery or collection is already recorded as a step.
    pub fn apply(&self, progress: Progress, collect_serial: &str) -> Result<bool, TransitionError> {
        ensure_open(progress.status)?;
        if progress.delivered || progress.collected {
            return Err(TransitionError::PartlyRecorded);
        }
        Ok(serial_matches(collect_serial, &self.collected_serial))
    }
}

/// A visit that did not work out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedAttempt {
    pub reason: FailureReason,
    pub note: Option<String>,
}

/// What follows a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    /// Another visit makes sense (nobody home, the unit was not ready): the visit is rescheduled
    /// at once, to the next day a crew has room, in the same window hours.
    Revisit,
    /// Another visit as it stands would fail again (refused, wrong address): the job waits for
    /// the dispatcher, and the retailer (told of the failure) must sort it out with the customer.
    Dispatcher,
}

/// Which failed attempts are rescheduled on their own.
pub fn after_failure(reason: FailureReason) -> AfterFailure {
    match reason {
        FailureReason::NotHome | FailureReason::UnitNotReady => AfterFailure::Revisit,
        FailureReason::WrongAddress | FailureReason::Refused => AfterFailure::Dispatcher,
    }
}

impl FailedAttempt {
    /// What follows this attempt.
    pub fn after(&self) -> AfterFailure {
        after_failure(self.reason)
    }

    /// Records the failed attempt on a job in `status` with `attempts` failures so far; returns
    /// the new number of failed attempts (this attempt's number).
    pub fn apply(&self, status: JobStatus, attempts: u32) -> Result<u32, TransitionError> {
        ensure_open(status)?;
        Ok(attempts.saturating_add(1))
    }
}

pub fn parse_failure_reason(s: &str) -> Option<FailureReason> {
    <FailureReason as sea_orm::ActiveEnum>::try_from_value(&s.to_owned()).ok()
}

/// A swap that can never become a visit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidSwap {
    #[error("the delivery window ends before it starts")]
    WindowReversed,
    #[error("the defective unit has no serial number to check at collection")]
    NoDefectiveSerial,
}

/// Checks that an approved swap describes a visit a crew can make.
pub fn check_swap(swap: &SwapApprovedV1) -> Result<(), InvalidSwap> {
    if swap.window.end < swap.window.start {
        return Err(InvalidSwap::WindowReversed);
    }
    if swap.defective_serial.trim().is_empty() {
        return Err(InvalidSwap::NoDefectiveSerial);
    }
    Ok(())
}

/// A correction that can never be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidCorrection {
    #[error("neither the address nor the window is corrected")]
    Nothing,
    #[error("the corrected window ends before it starts")]
    WindowReversed,
    #[error("the corrected address has no postcode")]
    NoPostcode,
}

/// Checks that a correction names something a crew can go by.
pub fn check_correction(
    req: &kummerer_contracts::SwapCorrectionRequestedV1,
) -> Result<(), InvalidCorrection> {
    if req.address.is_none() && req.window.is_none() {
        return Err(InvalidCorrection::Nothing);
    }
    if let Some(w) = &req.window
        && w.end <= w.start
    {
        return Err(InvalidCorrection::WindowReversed);
    }
    if let Some(a) = &req.address
        && a.postcode.trim().is_empty()
    {
        return Err(InvalidCorrection::NoPostcode);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use chrono::{Duration, Utc};
    use kummerer_contracts::{Address, ProductRef, TimeWindow};
    use uuid::Uuid;

    fn completion(collected: &str) -> Completion {
        Completion {
            delivered_serial: "NEW-1".into(),
            collected_serial: collected.into(),
            recipient_name: "Erika".into(),
        }
    }

    #[test]
    fn status_round_trips_and_rejects_unknown() {
        use sea_orm::Iterable;
        for s in JobStatus::iter() {
            assert_eq!(JobStatus::parse(&s.as_string()), Some(s));
        }
        assert_eq!(JobStatus::Scheduled.as_string(), "scheduled");
        assert_eq!(JobStatus::parse("done"), None);
        assert_eq!(JobStatus::parse("Scheduled"), None);
    }

    #[test]
    fn serial_check_trims_and_ignores_case() {
        assert!(serial_matches("SN-OLD-1", "  sn-old-1 "));
        assert!(serial_matches(" ÄB-1", "äb-1"));
        assert!(!serial_matches("SN-OLD-1", "SN-OLD-2"));
        assert!(!serial_matches("SN-OLD-1", "SN-OLD-1X"));
    }

    fn progress(status: JobStatus) -> Progress {
        Progress {
            status,
            on_the_way: false,
            delivered: false,
            collected: false,
        }
    }

    #[test]
    fn a_job_is_cancelled_only_before_the_crew_sets_off_and_then_takes_no_step() {
        use kummerer_contracts::VisitBegun;
        assert_eq!(progress(JobStatus::Scheduled).amend(true), Ok(Amend::Apply));
        // A failed attempt before changed no hands.
        assert_eq!(progress(JobStatus::Failed).amend(true), Ok(Amend::Apply));
        let on_the_way = Progress {
            on_the_way: true,
            ..progress(JobStatus::Scheduled)
        };
        assert_eq!(on_the_way.amend(true), Err(VisitBegun::OnTheWay));
        let delivered = Progress {
            delivered: true,
            ..progress(JobStatus::Scheduled)
        };
        assert_eq!(delivered.amend(true), Err(VisitBegun::StepRecorded));
        assert_eq!(
            progress(JobStatus::Completed).amend(true),
            Err(VisitBegun::Completed)
        );
        let cancelled = progress(JobStatus::Cancelled);
        assert_eq!(cancelled.amend(true), Ok(Amend::AlreadyCancelled));
        assert_eq!(cancelled.amend(false), Err(VisitBegun::Cancelled));
        assert_eq!(
            cancelled.record(Step::OnTheWay),
            Err(TransitionError::Cancelled)
        );
    }

    #[test]
    fn completion_is_allowed_when_scheduled_or_after_a_failure() {
        let c = completion("sn-old-1");
        assert_eq!(
            c.apply(progress(JobStatus::Scheduled), "SN-OLD-1"),
            Ok(true)
        );
        assert_eq!(c.apply(progress(JobStatus::Failed), "SN-OLD-1"), Ok(true));
        assert_eq!(
            completion("other").apply(progress(JobStatus::Scheduled), "SN-OLD-1"),
            Ok(false)
        );
        let on_the_way = Progress {
            on_the_way: true,
            ..progress(JobStatus::Scheduled)
        };
        assert_eq!(c.apply(on_the_way, "SN-OLD-1"), Ok(true));
    }

    #[test]
    fn completion_at_once_is_refused_once_a_step_is_recorded() {
        for (delivered, collected) in [(true, false), (false, true)] {
            let p = Progress {
                delivered,
                collected,
                ..progress(JobStatus::Scheduled)
            };
            assert_eq!(
                completion("SN-OLD-1").apply(p, "SN-OLD-1"),
                Err(TransitionError::PartlyRecorded)
            );
        }
    }

    #[test]
    fn steps_are_recorded_once_and_the_second_of_delivered_and_collected_completes() {
        let open = progress(JobStatus::Scheduled);
        for step in [Step::OnTheWay, Step::Delivered, Step::Collected] {
            assert_eq!(
                open.record(step),
                Ok(StepOutcome::Recorded { completes: false }),
                "{step:?}"
            );
        }
        let delivered = Progress {
            on_the_way: true,
            delivered: true,
            ..open
        };
        assert_eq!(
            delivered.record(Step::Delivered),
            Ok(StepOutcome::AlreadyRecorded)
        );
        assert_eq!(
            delivered.record(Step::OnTheWay),
            Ok(StepOutcome::AlreadyRecorded)
        );
        assert_eq!(
            delivered.record(Step::Collected),
            Ok(StepOutcome::Recorded { completes: true })
        );
        let collected = Progress {
            collected: true,
            ..open
        };
        assert_eq!(
            collected.record(Step::Delivered),
            Ok(StepOutcome::Recorded { completes: true })
        );
        // After a failed attempt (on the way cleared, the delivery kept) the next visit goes on.
        let after_failure = Progress {
            delivered: true,
            ..progress(JobStatus::Failed)
        };
        assert_eq!(
            after_failure.record(Step::OnTheWay),
            Ok(StepOutcome::Recorded { completes: false })
        );
        assert_eq!(
            after_failure.record(Step::Collected),
            Ok(StepOutcome::Recorded { completes: true })
        );
    }

    #[test]
    fn a_completed_job_takes_no_new_step_but_a_repeated_one_is_harmless() {
        let done = Progress {
            status: JobStatus::Completed,
            on_the_way: false,
            delivered: true,
            collected: true,
        };
        assert_eq!(
            done.record(Step::Delivered),
            Ok(StepOutcome::AlreadyRecorded)
        );
        assert_eq!(
            done.record(Step::Collected),
            Ok(StepOutcome::AlreadyRecorded)
        );
        assert_eq!(
            done.record(Step::OnTheWay),
            Err(TransitionError::AlreadyCompleted)
        );
    }

    #[test]
    fn a_collected_serial_that_differs_needs_the_crews_confirmation() {
        let c = |serial: &str, confirm_mismatch| Collection {
            collected_serial: serial.into(),
            confirm_mismatch,
        };
        assert_eq!(c(" sn-old-1", false).check("SN-OLD-1"), Ok(true));
        assert_eq!(c("SN-OLD-1", true).check("SN-OLD-1"), Ok(true));
        assert_eq!(
            c("SN-0LD-1", false).check("SN-OLD-1"),
            Err(UnconfirmedMismatch {
                expected: "SN-OLD-1".into(),
                collected: "SN-0LD-1".into()
            })
        );
        assert_eq!(c("SN-0LD-1", true).check("SN-OLD-1"), Ok(false));
    }

    #[test]
    fn a_completed_job_is_final() {
        assert_eq!(
            completion("x").apply(progress(JobStatus::Completed), "x"),
            Err(TransitionError::AlreadyCompleted)
        );
        let f = FailedAttempt {
            reason: FailureReason::NotHome,
            note: None,
        };
        assert_eq!(
            f.apply(JobStatus::Completed, 0),
            Err(TransitionError::AlreadyCompleted)
        );
    }

    #[test]
    fn failed_attempts_are_counted() {
        let f = FailedAttempt {
            reason: FailureReason::Refused,
            note: Some("door closed".into()),
        };
        assert_eq!(f.apply(JobStatus::Scheduled, 0), Ok(1));
        assert_eq!(f.apply(JobStatus::Failed, 1), Ok(2));
        assert_eq!(f.apply(JobStatus::Failed, u32::MAX), Ok(u32::MAX));
    }

    #[test]
    fn not_home_and_unit_not_ready_are_revisited_refused_and_wrong_address_wait() {
        assert_eq!(after_failure(FailureReason::NotHome), AfterFailure::Revisit);
        assert_eq!(
            after_failure(FailureReason::UnitNotReady),
            AfterFailure::Revisit
        );
        assert_eq!(
            after_failure(FailureReason::Refused),
            AfterFailure::Dispatcher
        );
        assert_eq!(
            after_failure(FailureReason::WrongAddress),
            AfterFailure::Dispatcher
        );
        let f = FailedAttempt {
            reason: FailureReason::NotHome,
            note: None,
        };
        assert_eq!(f.after(), AfterFailure::Revisit);
    }

    #[test]
    fn failure_reasons_parse_by_their_wire_name() {
        assert_eq!(
            parse_failure_reason("not_home"),
            Some(FailureReason::NotHome)
        );
        assert_eq!(
            parse_failure_reason("wrong_address"),
            Some(FailureReason::WrongAddress)
        );
        assert_eq!(
            parse_failure_reason("refused"),
            Some(FailureReason::Refused)
        );
        assert_eq!(
            parse_failure_reason("unit_not_ready"),
            Some(FailureReason::UnitNotReady)
        );
        assert_eq!(parse_failure_reason("NOT_HOME"), None);
        assert_eq!(parse_failure_reason("dog"), None);
    }

    fn swap() -> SwapApprovedV1 {
        let product = ProductRef {
            sku: "WM-8".into(),
            name: "Washer 8 kg".into(),
            manufacturer_id: Uuid::now_v7().into(),
        };
        let start = Utc::now();
        SwapApprovedV1 {
            swap_id: Uuid::now_v7().into(),
            case_id: Uuid::now_v7().into(),
            retailer_id: Uuid::now_v7().into(),
            defective_serial: "SN-OLD-1".into(),
            defective_product: product.clone(),
            replacement_product: product,
            delivery_address: Address {
                name: "Erika".into(),
                phone: "+49 30 1".into(),
                street: "Hauptstr. 1".into(),
                postcode: "10115".into(),
                city: "Berlin".into(),
                country: "DE".into(),
            },
            window: TimeWindow {
                start,
                end: start + Duration::hours(2),
            },
            approved_by: "clerk".into(),
            approved_at: start,
            replacement_from: None,
            overbooked: false,
        }
    }

    #[test]
    fn a_swap_must_describe_a_possible_visit() {
        assert_eq!(check_swap(&swap()), Ok(()));
        let mut s = swap();
        s.window.end = s.window.start - Duration::minutes(1);
        assert_eq!(check_swap(&s), Err(InvalidSwap::WindowReversed));
        let mut s = swap();
        s.defective_serial = "  ".into();
        assert_eq!(check_swap(&s), Err(InvalidSwap::NoDefectiveSerial));
    }
}
