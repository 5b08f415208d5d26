//! One module per consumed queue.

pub mod erasure;
pub mod returns;
pub mod swaps;
