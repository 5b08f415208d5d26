//! A swap: the replacement delivered and the defective unit collected in one visit.
//!
//! ```text
//! approved ──job scheduled──▶ scheduled ──job failed──▶ failed_attempt
//!     │                           │   ▲                     │    │
//!     │                           │   └──job scheduled──────┘    │
//!     └───────────────────────────┴──job completed──▶ delivered ◀┘
//! ```
//!
//! `on_the_way` (the crew set off) sits between `scheduled` and `delivered`: it moves on to
//! `delivered`, or to `failed_attempt` and back to `scheduled` like a scheduled visit.
//! `job delivered` (the replacement handed over) makes the swap `delivered` as the completed
//! job does.
//!
//! The logistics events may arrive out of order (retries, redeliveries), so the swap follows the
//! fact that *happened* last, not the message that arrived last: each status remembers when its
//! fact happened, and an older fact does not overwrite a newer one. `delivered` is final.

use chrono::{DateTime, Duration, Utc};

/// How far in the past a window may start (a visit agreed this morning, entered now).
pub const WINDOW_PAST_TOLERANCE_DAYS: i64 = 1;
/// How far ahead a window may end.
pub const WINDOW_HORIZON_DAYS: i64 = 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryWindow {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WindowError {
    #[error("must be after window_start")]
    EndNotAfterStart,
    #[error("must not be more than {WINDOW_PAST_TOLERANCE_DAYS} day in the past")]
    StartTooFarInPast,
    #[error("must be at most {WINDOW_HORIZON_DAYS} days ahead")]
    TooFarAhead,
    /// A corrected window starts in the future ([`crate::domain::correction`]).
    #[error("must be in the future")]
    StartNotInFuture,
}

impl WindowError {
    /// The request field the error is about.
    pub fn field(self) -> &'static str {
        match self {
            WindowError::EndNotAfterStart | WindowError::TooFarAhead => "window_end",
            WindowError::StartTooFarInPast | WindowError::StartNotInFuture => "window_start",
        }
    }
}

impl DeliveryWindow {
    /// A window agreed with the customer at `now`: it ends after it starts, starts at most a day
    /// ago and ends at most 60 days ahead. Every error found is returned.
    pub fn new(
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<DeliveryWindow, Vec<WindowError>> {
        let mut errors = Vec::new();
        if end <= start {
            errors.push(WindowError::EndNotAfterStart);
        }
        if start < now - Duration::days(WINDOW_PAST_TOLERANCE_DAYS) {
            errors.push(WindowError::StartTooFarInPast);
        }
        if end > now + Duration::days(WINDOW_HORIZON_DAYS) {
            errors.push(WindowError::TooFarAhead);
        }
        if errors.is_empty() {
            Ok(DeliveryWindow { start, end })
        } else {
            Err(errors)
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, sea_orm::EnumIter, sea_orm::DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
pub enum SwapStatus {
    Approved,
    Scheduled,
    /// The crew set off to the customer.
    OnTheWay,
    Delivered,
    FailedAttempt,
    /// Cancelled before the crew set off (logistics confirmed it): final.
    Cancelled,
}

impl SwapStatus {
    pub const ALL: [SwapStatus; 6] = [
        SwapStatus::Approved,
        SwapStatus::Scheduled,
        SwapStatus::OnTheWay,
        SwapStatus::Delivered,
        SwapStatus::FailedAttempt,
        SwapStatus::Cancelled,
    ];

    /// The stored value, as the column holds it.
    pub fn as_string(self) -> String {
        sea_orm::ActiveEnum::to_value(&self)
    }

    /// A stored (or submitted) value; `None` for one this version does not know.
    pub fn parse(s: &str) -> Option<SwapStatus> {
        <Self as sea_orm::ActiveEnum>::try_from_value(&s.to_owned()).ok()
    }
}

/// Whether a logistics fact that happened `at` and puts the swap into `next` replaces the
/// `current` status (whose fact happened `current_at`).
///
/// - `delivered` and `cancelled` are final;
/// - `approved` is the retailer's own starting point: any logistics fact moves it on, whatever
///   the two services' clocks say;
/// - a delivery always wins over an attempt or a schedule;
/// - otherwise the later fact wins (a failed attempt reported after a reschedule that happened
///   later does not undo the reschedule).
pub fn status_follows(
    current: SwapStatus,
    current_at: DateTime<Utc>,
    next: SwapStatus,
    at: DateTime<Utc>,
) -> bool {
    match current {
        SwapStatus::Delivered | SwapStatus::Cancelled => false,
        SwapStatus::Approved => true,
        SwapStatus::Scheduled | SwapStatus::OnTheWay | SwapStatus::FailedAttempt => {
            next == SwapStatus::Delivered || at >= current_at
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: i64) -> DateTime<Utc> {
        DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap_or_default() + Duration::hours(h)
    }

    #[test]
    fn a_window_ends_after_it_starts() {
        let now = t(0);
        assert_eq!(
            DeliveryWindow::new(t(24), t(28), now),
            Ok(DeliveryWindow {
                start: t(24),
                end: t(28)
            })
        );
        assert_eq!(
            DeliveryWindow::new(t(28), t(24), now),
            Err(vec![WindowError::EndNotAfterStart])
        );
        assert_eq!(
            DeliveryWindow::new(t(24), t(24), now),
            Err(vec![WindowError::EndNotAfterStart])
        );
    }

    #[test]
    fn a_window_starts_at_most_a_day_ago_and_ends_within_sixty_days() {
        let now = t(0);
        assert!(DeliveryWindow::new(t(-24), t(-20), now).is_ok());
        assert_eq!(
            DeliveryWindow::new(t(-25), t(-20), now),
            Err(vec![WindowError::StartTooFarInPast])
        );
        assert!(DeliveryWindow::new(t(60 * 24 - 4), t(60 * 24), now).is_ok());
        let errors = DeliveryWindow::new(t(60 * 24), t(60 * 24 + 1), now).unwrap_err();
        assert_eq!(errors, vec![WindowError::TooFarAhead]);
        assert_eq!(errors[0].field(), "window_end");
        assert_eq!(
            DeliveryWindow::new(t(-48), t(61 * 24), now)
                .unwrap_err()
                .len(),
            2
        );
    }

    #[test]
    fn the_swap_follows_the_fact_that_happened_last() {
        use SwapStatus::*;
        // Moving on from approved, whatever the clocks say.
        assert!(status_follows(Approved, t(5), Scheduled, t(4)));
        // A reschedule after a failed attempt; an old failure does not undo a later schedule.
        assert!(status_follows(FailedAttempt, t(1), Scheduled, t(2)));
        assert!(!status_follows(Scheduled, t(2), FailedAttempt, t(1)));
        assert!(status_follows(Scheduled, t(2), FailedAttempt, t(3)));
        // Delivered wins and is final.
        assert!(status_follows(FailedAttempt, t(9), Delivered, t(1)));
        assert!(!status_follows(Delivered, t(1), Scheduled, t(2)));
        assert!(!status_follows(Delivered, t(1), FailedAttempt, t(2)));
        // On the way: after the schedule, before the delivery; an older schedule keeps it.
        assert!(status_follows(Scheduled, t(1), OnTheWay, t(2)));
        assert!(!status_follows(OnTheWay, t(2), Scheduled, t(1)));
        assert!(status_follows(OnTheWay, t(2), Delivered, t(1)));
        assert!(!status_follows(Delivered, t(1), OnTheWay, t(2)));
    }

    #[test]
    fn statuses_round_trip() {
        for s in SwapStatus::ALL {
            assert_eq!(SwapStatus::parse(&s.as_string()), Some(s));
        }
        assert_eq!(SwapStatus::parse("lost"), None);
    }
}
