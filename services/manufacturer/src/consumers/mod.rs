//! One module per consumed queue; `manufacturer.claims` carries several message types, each
//! handled in its own module.

pub mod claims;
pub mod disputes;
pub mod evidence;
pub mod not_accepted;
pub mod returns;
pub mod sales;
pub mod withdrawals;
