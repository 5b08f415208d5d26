//! One module per consumed queue.

pub mod claims;
