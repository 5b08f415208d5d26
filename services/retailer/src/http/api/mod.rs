//! The JSON API: extract, call [`crate::app`], map its error enum to a `Problem` (`impl From<…>
//! for Problem` beside each handler, the problem codes exactly as documented).

pub mod admin_auth;
pub mod authority;
pub mod cancel;
pub mod carriers;
pub mod cases;
pub mod correct;
pub mod disputes;
pub mod entitlement;
pub mod erasures;
pub mod imports;
pub mod information;
pub mod key_auth;
pub mod keys;
pub mod ledger;
pub mod partners;
pub mod products;
pub mod resubmit;
pub mod retailers;
pub mod sales;
pub mod staff;
