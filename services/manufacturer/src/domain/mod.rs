//! The manufacturer's rules, free of HTTP, database and broker: what an agreement may say, how a
//! claim is judged against it when it arrives, and what a manufacturer's decision may be.

pub mod adjudication;
pub mod agreement;
pub mod claim;
pub mod decision;
pub mod input;

pub use adjudication::{Adjudication, ClaimFacts, adjudicate};
pub use agreement::{AgreementInput, Terms};
pub use claim::{ClaimStatus, PendingReason};
pub use decision::{Decision, DecisionError, DecisionInput, DecisionOutcome, OpenClaim, decide};
pub use input::Invalid;
