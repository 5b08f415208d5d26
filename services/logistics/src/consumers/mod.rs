//! One module per consumed queue.

pub mod returns;
pub mod swaps;
