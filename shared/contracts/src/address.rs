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

/// Where the crew goes. Its `Debug` leaves out the person (name, phone, street): see
/// [`crate::personal`].
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub name: String,
    pub phone: String,
    pub street: String,
    pub postcode: String,
    pub city: String,
    pub country: String,
}

impl std::fmt::Debug for Address {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Address")
            .field("name", &"[personal]")
            .field("phone", &"[personal]")
            .field("street", &"[personal]")
            .field("postcode", &self.postcode)
            .field("city", &self.city)
            .field("country", &self.country)
            .finish()
    }
}

/// A postcode as carriers' and contracts' postcode prefixes are matched against it: without
/// whitespace, letters upper-cased. Logistics and the retailer match the same way.
pub fn postcode_key(postcode: &str) -> String {
    postcode
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect()
}
