//! One module per consumed queue.

pub mod case_events;
pub mod settlement;
