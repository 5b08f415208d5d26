//! One module per consumed queue.

pub mod contracts;
pub mod erasure;
pub mod returns;
pub mod swaps;
