//! The use cases: one transaction each, typed input, a typed error enum per module, typed facts
//! out. The JSON API (`http::api`), the desk pages (`http::pages`) and the consumers all call
//! these; nothing here knows HTTP.
//!
//! The error policy: the domain and the app layer return typed enums (`ApproveError`,
//! `DisputeError`, …) that say what went wrong; only the HTTP edge turns them into a `Problem`
//! (`impl From<…> for Problem` beside the JSON handlers) or into a form's errors (the pages match
//! the variants); a consumer turns them into a `HandleError`. A `Db(DbErr)` variant is the
//! database failing (or a stored row breaking an invariant), never the client's mistake.

pub mod actor;
pub mod approve;
pub mod ball;
pub mod cancel;
pub mod carriers;
pub mod case_events;
pub mod cases;
pub mod catalogue;
pub mod correct;
pub mod customer_visit;
pub mod disputes;
pub mod entitlement;
pub mod erasure;
pub mod import;
pub mod information;
pub mod keys;
pub mod law_settings;
pub mod ledger;
pub mod notify;
pub mod partners;
pub mod refusals;
pub mod request_deadlines;
pub mod requests;
pub mod resubmit;
pub mod sales_reports;
pub mod slots;
pub mod staff;
pub mod status_link;
pub mod stock;
pub mod write_off;
