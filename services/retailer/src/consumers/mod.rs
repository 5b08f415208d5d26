//! One module per consumed queue.

pub mod carriers;
pub mod case_events;
pub mod settlement;
