//! The rules of a delivery-and-collection job, free of I/O: which states a job can be in, which
//! outcomes a crew may record in which state, how a collected serial is checked, and which crew
//! takes a visit.

pub mod dispatch;
pub mod job;
pub mod overdue;
pub mod photo;

pub mod returns;
pub mod slots;

pub use job::{
    AfterFailure, Collection, Completion, Delivery, FailedAttempt, InvalidSwap, JobStatus,
    LIST_LIMIT, NOTE_MAX, Progress, SERIAL_MAX, Step, StepOutcome, TransitionError,
    UnconfirmedMismatch, after_failure, check_swap, parse_failure_reason, serial_matches,
};
