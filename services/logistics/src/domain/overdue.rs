//! Who holds a waiting job, by when, and whether it is overdue: nothing waits forever.
//!
//! | the job | holder | due |
//! |---|---|---|
//! | scheduled, on no crew | the dispatchers of the carriers granted its postcode (the operator where none is) | [`Thresholds::unassigned_lead`] before its window starts |
//! | scheduled on a crew | the crew | the end of its window |
//! | its window passed without a completed visit | the dispatcher (the operator when unassigned and no carrier covers it) | the end of the window: overdue |
//! | failed, waiting for a new date | the retailer (it agrees the new date with the customer) | [`Thresholds::reschedule_within`] after the attempt |
//! | completed | nobody | — |
//!
//! Past its due time a job is overdue; the sweep ([`crate::app::overdue`]) escalates each kind of
//! overdue once. The two durations are settings ([`crate::settings`]:
//! `KUMMERER_JOB_UNASSIGNED_LEAD_SECONDS`, `KUMMERER_JOB_RESCHEDULE_WITHIN_SECONDS`), by default
//! [`DEFAULT_UNASSIGNED_LEAD`] and [`DEFAULT_RESCHEDULE_WITHIN`].

use chrono::{DateTime, Duration, Utc};

use crate::domain::JobStatus;

/// How long before its window an unassigned job is due to be on a crew, by default.
pub const DEFAULT_UNASSIGNED_LEAD: Duration = Duration::hours(24);
/// How long a failed attempt may wait for a new date before logistics flags it, by default.
pub const DEFAULT_RESCHEDULE_WITHIN: Duration = Duration::hours(48);

/// How long a job may wait where no window says it: the service's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    /// How long before its window an unassigned job is due to be on a crew (0: at its start).
    pub unassigned_lead: Duration,
    /// How long a failed attempt may wait for a new date before logistics flags it.
    pub reschedule_within: Duration,
}

impl Thresholds {
    pub const DEFAULT: Thresholds = Thresholds {
        unassigned_lead: DEFAULT_UNASSIGNED_LEAD,
        reschedule_within: DEFAULT_RESCHEDULE_WITHIN,
    };
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds::DEFAULT
    }
}

/// Who must act next on a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    /// The dispatchers of the carriers granted the job's postcode (or of the crew's carrier).
    Dispatcher,
    /// No carrier covers the job's postcode: the operator must grant a region.
    Operator,
    Crew,
    /// A failed attempt: the retailer agrees the new date with the customer.
    Retailer,
}

impl Holder {
    pub fn as_str(self) -> &'static str {
        match self {
            Holder::Dispatcher => "dispatcher",
            Holder::Operator => "operator",
            Holder::Crew => "crew",
            Holder::Retailer => "retailer",
        }
    }
}

/// Which wait ran out (each is escalated once).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverdueKind {
    /// Not on a crew by [`Thresholds::unassigned_lead`] before its window.
    Unassigned,
    /// The window passed without a completed visit.
    WindowPassed,
    /// A failed attempt nobody rescheduled within [`Thresholds::reschedule_within`].
    NotRescheduled,
}

impl OverdueKind {
    /// The stored value (`jobs.escalated_for`).
    pub fn as_str(self) -> &'static str {
        match self {
            OverdueKind::Unassigned => "unassigned",
            OverdueKind::WindowPassed => "window_passed",
            OverdueKind::NotRescheduled => "not_rescheduled",
        }
    }
}

/// What [`waiting`] needs of a job.
#[derive(Debug, Clone, Copy)]
pub struct JobFacts {
    pub status: JobStatus,
    pub on_a_crew: bool,
    pub window_start: DateTime<Utc>,
    pub window_end: DateTime<Utc>,
    /// When the job last changed (for a failed job: the failed attempt).
    pub changed_at: DateTime<Utc>,
    /// Whether some carrier is granted the job's postcode (`true` when not known).
    pub covered: bool,
}

/// A waiting job: its holder, its due time, and the wait that ran out (if it did at `now`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Waiting {
    pub holder: Holder,
    pub due_at: DateTime<Utc>,
    pub overdue: Option<OverdueKind>,
}

/// The job's wait at `now` under `limits`; `None` when it waits for nobody (completed or
/// cancelled).
pub fn waiting(job: JobFacts, now: DateTime<Utc>, limits: &Thresholds) -> Option<Waiting> {
    let dispatch = if job.covered {
        Holder::Dispatcher
    } else {
        Holder::Operator
    };
    let w = match job.status {
        JobStatus::Completed | JobStatus::Cancelled => return None,
        JobStatus::Failed => {
            let due_at = job.changed_at + limits.reschedule_within;
            Waiting {
                holder: Holder::Retailer,
                due_at,
                overdue: (now >= due_at).then_some(OverdueKind::NotRescheduled),
            }
        }
        JobStatus::Scheduled if now >= job.window_end => Waiting {
            holder: if job.on_a_crew {
                Holder::Dispatcher
            } else {
                dispatch
            },
            due_at: job.window_end,
            overdue: Some(OverdueKind::WindowPassed),
        },
        JobStatus::Scheduled if job.on_a_crew => Waiting {
            holder: Holder::Crew,
            due_at: job.window_end,
            overdue: None,
        },
        JobStatus::Scheduled => {
            let due_at = job.window_start - limits.unassigned_lead;
            Waiting {
                holder: dispatch,
                due_at,
                overdue: (now >= due_at).then_some(OverdueKind::Unassigned),
            }
        }
    };
    Some(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: Thresholds = Thresholds::DEFAULT;

    fn job(status: JobStatus, on_a_crew: bool, covered: bool) -> JobFacts {
        let start = DateTime::parse_from_rfc3339("2026-12-10T08:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        JobFacts {
            status,
            on_a_crew,
            window_start: start,
            window_end: start + Duration::hours(4),
            changed_at: start - Duration::days(3),
            covered,
        }
    }

    #[test]
    fn an_unassigned_job_is_due_a_day_before_its_window_with_the_dispatchers_or_the_operator() {
        let j = job(JobStatus::Scheduled, false, true);
        let due = j.window_start - DEFAULT_UNASSIGNED_LEAD;
        let w = waiting(j, due - Duration::seconds(1), &D).unwrap();
        assert_eq!(
            (w.holder, w.due_at, w.overdue),
            (Holder::Dispatcher, due, None)
        );
        let w = waiting(j, due, &D).unwrap();
        assert_eq!(w.overdue, Some(OverdueKind::Unassigned));
        let nobody = job(JobStatus::Scheduled, false, false);
        assert_eq!(waiting(nobody, due, &D).unwrap().holder, Holder::Operator);
        // Its window passed: overdue of another kind.
        let w = waiting(nobody, nobody.window_end, &D).unwrap();
        assert_eq!(
            (w.holder, w.overdue),
            (Holder::Operator, Some(OverdueKind::WindowPassed))
        );
    }

    #[test]
    fn an_assigned_job_is_the_crews_until_its_window_ends_then_the_dispatchers() {
        let j = job(JobStatus::Scheduled, true, true);
        let w = waiting(j, j.window_start, &D).unwrap();
        assert_eq!(
            (w.holder, w.due_at, w.overdue),
            (Holder::Crew, j.window_end, None)
        );
        let w = waiting(j, j.window_end, &D).unwrap();
        assert_eq!(
            (w.holder, w.overdue),
            (Holder::Dispatcher, Some(OverdueKind::WindowPassed))
        );
    }

    #[test]
    fn a_failed_attempt_is_the_retailers_and_flagged_when_nobody_rescheduled_it() {
        let j = job(JobStatus::Failed, true, true);
        let due = j.changed_at + DEFAULT_RESCHEDULE_WITHIN;
        let w = waiting(j, due - Duration::seconds(1), &D).unwrap();
        assert_eq!(
            (w.holder, w.due_at, w.overdue),
            (Holder::Retailer, due, None)
        );
        assert_eq!(
            waiting(j, due, &D).unwrap().overdue,
            Some(OverdueKind::NotRescheduled)
        );
        assert_eq!(
            waiting(job(JobStatus::Completed, true, true), due, &D),
            None
        );
    }
}
