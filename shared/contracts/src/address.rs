//! Where and when: the customer's address and the agreed delivery window, values several
//! producers' events carry.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A delivery window agreed with the customer (UTC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeWindow {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// Where the crew goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub name: String,
    pub phone: String,
    pub street: String,
    pub postcode: String,
    pub city: String,
    pub country: String,
}
