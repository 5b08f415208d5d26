//! The manufacturer's rules, free of HTTP, database and broker: what an agreement may say, how a
//! claim is judged against it when it arrives, and what a manufacturer's decision may be.

pub mod adjudication;
pub mod agreement;
pub mod analytics;
pub mod ball;
pub mod claim;
pub mod credit_note;
pub mod deadline;
pub mod decision;
pub mod evidence;
pub mod failure_rates;
pub mod flags;
pub mod information;
pub mod input;
pub mod listing;
pub mod money;
pub mod returns;
pub mod swap_rules;
pub mod webhook;

pub use adjudication::{Adjudication, ClaimFacts, adjudicate};
pub use agreement::{AgreementInput, Terms};
pub use claim::{ClaimStatus, PendingReason};
pub use deadline::{DefaultOutcome, deem};
pub use decision::{Decision, DecisionError, DecisionInput, DecisionOutcome, OpenClaim, decide};
pub use flags::{ClaimFlag, SerialFacts};
pub use input::Invalid;
