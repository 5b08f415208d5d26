//! The rules of a delivery-and-collection job, free of I/O: which states a job can be in, which
//! outcomes a crew may record in which state, how a collected serial is checked, and which crew
//! takes a visit.

pub mod dispatch;
pub mod job;
pub mod photo;

pub use job::{
    Completion, FailedAttempt, InvalidSwap, JobStatus, LIST_LIMIT, NOTE_MAX, SERIAL_MAX,
    TransitionError, check_swap, parse_failure_reason, serial_matches,
};
