//! Personal data of a retailer's customer: what it is, how it stays out of logs, and how it is
//! erased (issue 18, "personal data by rule").
//!
//! - [`Personal`] wraps a value about a person (name, phone, street, a note a crew wrote at the
//!   door): it serialises as the bare value but its `Debug` and `Display` print `[personal]`, so
//!   a `{:?}` of a struct holding it (a log line, a panic message) never shows the person.
//!   [`crate::Address`] prints its name, phone and street the same way.
//! - [`scrub_json`] erases a customer from a JSON document (a timeline entry's details, a job's
//!   history, an outbox row's payload): every string containing one of the customer's values,
//!   and every string under a key that always holds personal data ([`PERSONAL_KEYS`]), becomes
//!   [`ERASED`]. Pure, so both services use the same rule.
//! - [`CustomerErasureRequestedV1`](crate::CustomerErasureRequestedV1) and
//!   [`CustomerErasedV1`](crate::CustomerErasedV1) carry ids only, never the values erased.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What an erased personal value reads afterwards.
pub const ERASED: &str = "[erased]";

/// Keys whose string value is about a person wherever they appear in the services' JSON (a
/// timeline entry, a job event, an outbox payload): erased whatever the value.
pub const PERSONAL_KEYS: [&str; 6] = [
    "recipient_name",
    "customer_name",
    "customer_phone",
    "address_name",
    "address_phone",
    "address_street",
];

/// A value about a person. Serialises as the bare value; never prints it in `Debug`/`Display`.
#[derive(Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Personal<T>(T);

impl<T> Personal<T> {
    pub fn new(value: T) -> Self {
        Personal(value)
    }

    /// The value, for the places that must use it (the database, the crew's page); the name
    /// says so at the call site.
    pub fn expose(&self) -> &T {
        &self.0
    }

    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for Personal<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[personal]")
    }
}

impl<T> fmt::Display for Personal<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[personal]")
    }
}

impl<T> From<T> for Personal<T> {
    fn from(value: T) -> Self {
        Personal(value)
    }
}

/// The values one customer is found by in free text and JSON: their name, phone and street
/// (from the sale and from the swap's delivery address). Values shorter than three characters
/// are left out: they would match far too much (and are not a person on their own).
#[derive(Debug, Clone, Default)]
pub struct CustomerValues {
    values: Vec<Personal<String>>,
}

impl CustomerValues {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `value` (trimmed) unless it is too short, already erased or already known.
    pub fn add(&mut self, value: &str) {
        let v = value.trim();
        if v.chars().count() < 3 || v == ERASED || self.values.iter().any(|k| k.expose() == v) {
            return;
        }
        self.values.push(Personal::new(v.to_owned()));
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The values, longest first (so a name is replaced before a part of it).
    pub fn exposed(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.values.iter().map(|p| p.expose().as_str()).collect();
        v.sort_by_key(|s| std::cmp::Reverse(s.len()));
        v
    }

    /// `text` with every occurrence of a value replaced by [`ERASED`].
    pub fn scrub_text(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for v in self.exposed() {
            if out.contains(v) {
                out = out.replace(v, ERASED);
            }
        }
        out
    }
}

/// Erases the customer from `doc` in place: a string containing one of `values` gets them
/// replaced, a string under one of [`PERSONAL_KEYS`] or `extra_keys` becomes [`ERASED`]. Returns
/// whether anything changed.
pub fn scrub_json(doc: &mut Value, values: &CustomerValues, extra_keys: &[&str]) -> bool {
    match doc {
        Value::String(s) => {
            let scrubbed = values.scrub_text(s);
            let changed = scrubbed != *s;
            *s = scrubbed;
            changed
        }
        Value::Array(items) => items
            .iter_mut()
            .fold(false, |acc, v| scrub_json(v, values, extra_keys) | acc),
        Value::Object(map) => {
            let mut changed = false;
            for (k, v) in map.iter_mut() {
                let personal =
                    PERSONAL_KEYS.contains(&k.as_str()) || extra_keys.contains(&k.as_str());
                if personal && v.is_string() && v.as_str() != Some(ERASED) {
                    *v = Value::String(ERASED.to_owned());
                    changed = true;
                } else {
                    changed |= scrub_json(v, values, extra_keys);
                }
            }
            changed
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => false,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn erika() -> CustomerValues {
        let mut v = CustomerValues::new();
        for s in [
            "Erika Mustermann",
            "+49 30 1234567",
            "Hauptstr. 1",
            "",
            "DE",
            "Erika Mustermann",
        ] {
            v.add(s);
        }
        v
    }

    #[test]
    fn personal_values_never_print() {
        let p = Personal::new("Erika Mustermann".to_owned());
        assert_eq!(format!("{p:?} {p}"), "[personal] [personal]");
        assert_eq!(serde_json::to_value(&p).unwrap(), json!("Erika Mustermann"));
        assert!(!format!("{:?}", erika()).contains("Erika"));
    }

    #[test]
    fn short_and_repeated_values_are_not_kept() {
        assert_eq!(erika().exposed().len(), 3);
    }

    #[test]
    fn scrub_replaces_values_anywhere_and_personal_keys_whatever_they_hold() {
        let mut doc = json!({
            "delivery_address": {"name": "Erika Mustermann", "phone": "+49 30 1234567",
                                 "street": "Hauptstr. 1", "postcode": "10115"},
            "details": {"recipient_name": "Max Nachbar", "note": "rang Erika Mustermann twice"},
            "serials": ["SN-1"], "n": 3
        });
        assert!(scrub_json(&mut doc, &erika(), &[]));
        assert_eq!(
            doc,
            json!({
                "delivery_address": {"name": ERASED, "phone": ERASED, "street": ERASED,
                                     "postcode": "10115"},
                "details": {"recipient_name": ERASED, "note": "rang [erased] twice"},
                "serials": ["SN-1"], "n": 3
            })
        );
        assert!(
            !scrub_json(&mut doc, &erika(), &[]),
            "a second scrub changes nothing"
        );
        let mut note = json!({"note": "left at the door"});
        assert!(scrub_json(&mut note, &CustomerValues::new(), &["note"]));
        assert_eq!(note, json!({"note": ERASED}));
    }
}
