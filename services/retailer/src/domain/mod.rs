//! The retailer's rules, free of I/O: what a case, a swap and a claim can be and how they move,
//! which inputs are acceptable (defect categories, delivery windows, sale dates), and how facts
//! reported by the other services land on a case, and who holds the ball.

pub mod agreement;
pub mod authority;
pub mod ball;
pub mod cancel;
pub mod carrier_contract;
pub mod case;
pub mod claim;
pub mod correction;
pub mod csv;
pub mod customer_status;
pub mod ledger;
pub mod ledger_deadlines;
pub mod legal_clocks;
pub mod not_accepted;
pub mod notify;
pub mod phone;
pub mod refusal;
pub mod request;
pub mod sale;
pub mod sales_report;
pub mod slots;
pub mod staff;
pub mod swap;
pub mod terms_diff;
pub mod timeline;

pub use agreement::{Counter, Warranty, counter, recovery_text, warranty};
pub use authority::Limit;
pub use ball::{Ball, Fact, Holding, Party, ball_of};
pub use case::{ApprovalRefused, CaseStatus, DefectCategory};
pub use claim::{ClaimStatus, DisputeRefused, decision_applies, evidence_id};
pub use customer_status::Step;
pub use refusal::{REFUSAL_TEXT_MAX, RefusalReason};
pub use request::{ImportStatus, RequestStatus};
pub use sale::{
    Entitlement, PriceError, SaleDateError, check_price_paid, check_sold_at, parse_country,
};
pub use staff::Role;
pub use swap::{DeliveryWindow, SwapStatus, WindowError, status_follows};
pub use timeline::{Source, TimelineEntry, TimelineKind};

/// Longest SKU, receipt number or serial number.
pub const CODE_MAX: usize = 100;
/// Longest name, street, city or similar line of text.
pub const TEXT_MAX: usize = 200;
/// Longest defect description.
pub const DESCRIPTION_MAX: usize = 4000;
/// Most rows one list answer holds.
pub const LIST_LIMIT: u64 = 200;
