//! The case timeline: what happened to a case, from whichever service, ordered by when it
//! happened (not when the message about it arrived) — and how the desk says each entry in plain
//! words ([`describe`]).

use chrono::{DateTime, Utc};
use serde_json::Value;

/// Which party an entry comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Retailer,
    Logistics,
    Manufacturer,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Retailer => "retailer",
            Source::Logistics => "logistics",
            Source::Manufacturer => "manufacturer",
        }
    }
}

/// The kinds of timeline entries.
pub mod kind {
    pub const SWAP_APPROVED: &str = "swap_approved";
    pub const CLAIM_SUBMITTED: &str = "claim_submitted";
    pub const JOB_SCHEDULED: &str = "job_scheduled";
    /// The crew set off to the customer.
    pub const ON_THE_WAY: &str = "on_the_way";
    /// The replacement was handed over.
    pub const DELIVERED: &str = "delivered";
    /// The defective unit was collected (its serial, photo and time go to the claim).
    pub const COLLECTED: &str = "collected";
    pub const DELIVERED_AND_COLLECTED: &str = "delivered_and_collected";
    /// Beside `delivered_and_collected` or `collected` when the crew collected a unit whose
    /// serial is not the one the case names: flagged, never silently accepted.
    pub const COLLECTED_SERIAL_MISMATCH: &str = "collected_serial_mismatch";
    pub const DELIVERY_FAILED: &str = "delivery_failed";
    pub const CLAIM_DECIDED: &str = "claim_decided";
    pub const CASE_REFUSED: &str = "case_refused";
    /// The manufacturer wants the collected unit back at a depot.
    pub const RETURN_REQUESTED: &str = "return_requested";
    /// The unit arrived at the manufacturer's depot.
    pub const RETURN_ARRIVED: &str = "return_arrived";
    /// The manufacturer inspected the returned unit.
    pub const CLAIM_INSPECTED: &str = "claim_inspected";
    /// The retailer disputed a rejection (once).
    pub const CLAIM_DISPUTED: &str = "claim_disputed";
    /// A credit note credited the claim.
    pub const CREDITED: &str = "credited";
}

/// A timeline entry in words: what happened, and its details as a sentence (may be empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Described {
    pub what: String,
    pub details: String,
}

fn text<'a>(d: &'a Value, key: &str) -> Option<&'a str> {
    d.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn time(d: &Value, key: &str) -> Option<String> {
    let raw = text(d, key)?;
    Some(
        DateTime::parse_from_rfc3339(raw)
            .map(|t| {
                t.with_timezone(&Utc)
                    .format("%Y-%m-%d %H:%M UTC")
                    .to_string()
            })
            .unwrap_or_else(|_| raw.to_owned()),
    )
}

/// `{"amount": "399.20", "currency": "EUR"}` → `399.20 EUR`.
fn money(d: &Value, key: &str) -> Option<String> {
    let m = d.get(key)?;
    Some(format!("{} {}", text(m, "amount")?, text(m, "currency")?))
}

/// `{"start", "end"}` → `2026-11-24 08:00 – 12:00 UTC` (the end's day too when it differs).
fn window(d: &Value, key: &str) -> Option<String> {
    let w = d.get(key)?;
    let start = DateTime::parse_from_rfc3339(text(w, "start")?)
        .ok()?
        .with_timezone(&Utc);
    let end = DateTime::parse_from_rfc3339(text(w, "end")?)
        .ok()?
        .with_timezone(&Utc);
    Some(window_text(start, end))
}

/// A delivery window for people: `2026-11-24 08:00 – 12:00 UTC`.
pub fn window_text(start: DateTime<Utc>, end: DateTime<Utc>) -> String {
    if start.date_naive() == end.date_naive() {
        format!(
            "{} – {} UTC",
            start.format("%Y-%m-%d %H:%M"),
            end.format("%H:%M")
        )
    } else {
        format!(
            "{} – {} UTC",
            start.format("%Y-%m-%d %H:%M"),
            end.format("%Y-%m-%d %H:%M")
        )
    }
}

/// `snake_case` → `snake case`.
fn words(s: &str) -> String {
    s.replace('_', " ")
}

/// Joins the parts that are there with `, ` and ends the sentence.
fn sentence(parts: Vec<Option<String>>) -> String {
    let parts: Vec<String> = parts.into_iter().flatten().collect();
    if parts.is_empty() {
        String::new()
    } else {
        let mut s = parts.join(", ");
        s.push('.');
        // Upper-case the first letter.
        let mut chars = s.chars();
        chars
            .next()
            .map(|c| c.to_uppercase().chain(chars).collect())
            .unwrap_or_default()
    }
}

fn serial_check(matches: Option<bool>) -> Option<String> {
    matches.map(|m| {
        if m {
            "the serial matches the case".to_owned()
        } else {
            "NOT the serial the case names".to_owned()
        }
    })
}

/// How the desk says a timeline entry of `kind` with these `details`. Unknown kinds and missing
/// details are shown as they are, never dropped.
pub fn describe(kind: &str, d: &Value) -> Described {
    let (what, details): (&str, String) = match kind {
        kind::SWAP_APPROVED => (
            "Swap approved",
            sentence(vec![
                text(d, "replacement_sku").map(|s| format!("replacement {s}")),
                window(d, "window").map(|w| format!("delivery {w}")),
                text(d, "approved_by").map(|s| format!("approved by {s}")),
                text(d, "authorized_by").map(|s| format!("authorized by manager {s}")),
            ]),
        ),
        kind::CLAIM_SUBMITTED => (
            "Claim filed with the manufacturer",
            sentence(vec![
                money(d, "amount_claimed").map(|m| format!("{m} claimed")),
            ]),
        ),
        kind::JOB_SCHEDULED => (
            "Visit scheduled",
            sentence(vec![
                window(d, "window").map(|w| format!("the crew comes {w}")),
            ]),
        ),
        kind::ON_THE_WAY => (
            "Crew on the way",
            sentence(vec![
                time(d, "eta").map(|t| format!("expected at {t}")),
                window(d, "window").map(|w| format!("window {w}")),
            ]),
        ),
        kind::DELIVERED => (
            "Replacement delivered",
            sentence(vec![
                text(d, "delivered_serial").map(|s| format!("serial {s}")),
                text(d, "recipient_name").map(|s| format!("received by {s}")),
                (d.get("photo_taken").and_then(Value::as_bool) == Some(true))
                    .then(|| "photo taken".to_owned()),
            ]),
        ),
        kind::COLLECTED => (
            "Defective unit collected",
            sentence(vec![
                text(d, "collected_serial").map(|s| format!("serial {s}")),
                serial_check(d.get("serial_matches").and_then(Value::as_bool)),
                (d.get("photo_taken").and_then(Value::as_bool) == Some(true))
                    .then(|| "with a photo".to_owned()),
                (d.get("evidence_forwarded").and_then(Value::as_bool) == Some(true))
                    .then(|| "forwarded to the manufacturer as evidence".to_owned()),
            ]),
        ),
        kind::DELIVERED_AND_COLLECTED => (
            "Replacement delivered, defective unit collected",
            sentence(vec![
                text(d, "delivered_serial").map(|s| format!("delivered serial {s}")),
                text(d, "collected_serial").map(|s| format!("collected serial {s}")),
                serial_check(d.get("collected_serial_matches").and_then(Value::as_bool)),
                text(d, "recipient_name").map(|s| format!("received by {s}")),
            ]),
        ),
        kind::COLLECTED_SERIAL_MISMATCH => (
            "Collected serial does not match",
            sentence(vec![
                text(d, "collected_serial").map(|s| format!("the crew collected {s}")),
                text(d, "expected_serial").map(|s| format!("the case names {s}")),
            ]),
        ),
        kind::DELIVERY_FAILED => (
            "Visit failed",
            sentence(vec![
                text(d, "reason").map(words),
                d.get("attempt")
                    .and_then(Value::as_u64)
                    .map(|n| format!("attempt {n}")),
                text(d, "note").map(|s| format!("“{s}”")),
            ]),
        ),
        kind::CLAIM_DECIDED => {
            let outcome = text(d, "outcome");
            let by = match d.get("decided_by").and_then(|b| text(b, "kind")) {
                Some("rule") => Some(match d.get("decided_by").and_then(|b| text(b, "rule")) {
                    Some(rule) => format!("decided by the agreement's rule {rule}"),
                    None => "decided by the agreement's rules".to_owned(),
                }),
                Some("manufacturer") => Some("decided by the manufacturer".to_owned()),
                _ => None,
            };
            (
                match outcome {
                    Some("accepted") => "Claim accepted",
                    Some("partly_accepted") => "Claim partly accepted",
                    Some("rejected") => "Claim rejected",
                    _ => "Claim decided",
                },
                sentence(vec![
                    money(d, "amount").map(|m| format!("{m} to be credited")),
                    text(d, "reason_code").map(|r| format!("reason: {}", words(r))),
                    by,
                ]),
            )
        }
        kind::CASE_REFUSED => (
            "Case refused",
            sentence(vec![
                text(d, "reason_code").map(words),
                text(d, "reason_text").map(|s| format!("“{s}”")),
                text(d, "refused_by").map(|s| format!("by {s}")),
            ]),
        ),
        kind::RETURN_REQUESTED => (
            "Manufacturer wants the unit back",
            sentence(vec![
                d.get("depot")
                    .and_then(|depot| text(depot, "name"))
                    .map(|n| format!("to depot {n}")),
                time(d, "return_by").map(|t| format!("by {t}")),
                text(d, "freight_paid_by").map(|p| format!("freight paid by the {p}")),
            ]),
        ),
        kind::RETURN_ARRIVED => (
            "Unit arrived at the manufacturer's depot",
            sentence(vec![
                text(d, "serial").map(|s| format!("serial {s}")),
                text(d, "received_by").map(|s| format!("received by {s}")),
            ]),
        ),
        kind::CLAIM_INSPECTED => (
            "Unit inspected by the manufacturer",
            sentence(vec![
                text(d, "result").map(words),
                text(d, "note").map(|s| format!("“{s}”")),
            ]),
        ),
        kind::CLAIM_DISPUTED => (
            "Rejection disputed",
            sentence(vec![
                text(d, "statement").map(|s| format!("“{s}”")),
                text(d, "note").map(|s| format!("note: {s}")),
                text(d, "disputed_by").map(|s| format!("by {s}")),
            ]),
        ),
        kind::CREDITED => (
            "Credited by the manufacturer",
            sentence(vec![
                money(d, "amount"),
                text(d, "number").map(|n| format!("credit note {n}")),
            ]),
        ),
        other => {
            return Described {
                what: words(other),
                details: raw_details(d),
            };
        }
    };
    Described {
        what: what.to_owned(),
        details,
    }
}

/// `"a: 1, b: x"` for a JSON object, compactly (what an unknown kind shows).
fn raw_details(details: &Value) -> String {
    match details {
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => format!("{k}: {s}"),
                other => format!("{k}: {other}"),
            })
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn says(kind: &str, details: Value) -> (String, String) {
        let d = describe(kind, &details);
        (d.what, d.details)
    }

    #[test]
    fn the_visit_reads_plainly() {
        let window = json!({"start": "2026-11-24T08:00:00Z", "end": "2026-11-24T12:00:00Z"});
        assert_eq!(
            says(
                kind::JOB_SCHEDULED,
                json!({"job_id": "x", "window": window})
            ),
            (
                "Visit scheduled".into(),
                "The crew comes 2026-11-24 08:00 – 12:00 UTC.".into()
            )
        );
        assert_eq!(
            says(
                kind::ON_THE_WAY,
                json!({"window": window, "eta": "2026-11-24T09:30:00Z"})
            ),
            (
                "Crew on the way".into(),
                "Expected at 2026-11-24 09:30 UTC, window 2026-11-24 08:00 – 12:00 UTC.".into()
            )
        );
        assert_eq!(
            says(
                kind::DELIVERED,
                json!({"delivered_serial": "SN-NEW", "recipient_name": "Erika", "photo_taken": false})
            )
            .1,
            "Serial SN-NEW, received by Erika."
        );
        assert_eq!(
            says(
                kind::COLLECTED,
                json!({"collected_serial": "SN-X", "serial_matches": false,
                       "photo_taken": true, "evidence_forwarded": true})
            )
            .1,
            "Serial SN-X, NOT the serial the case names, with a photo, forwarded to the \
             manufacturer as evidence."
        );
        assert_eq!(
            says(
                kind::DELIVERY_FAILED,
                json!({"reason": "not_home", "attempt": 2, "note": "nobody opened"})
            ),
            (
                "Visit failed".into(),
                "Not home, attempt 2, “nobody opened”.".into()
            )
        );
    }

    #[test]
    fn the_claim_reads_plainly() {
        assert_eq!(
            says(
                kind::CLAIM_DECIDED,
                json!({"outcome": "partly_accepted",
                       "amount": {"amount": "399.20", "currency": "EUR"},
                       "reason_code": "wear_and_tear", "decided_by": {"kind": "manufacturer"}})
            ),
            (
                "Claim partly accepted".into(),
                "399.20 EUR to be credited, reason: wear and tear, decided by the manufacturer."
                    .into()
            )
        );
        assert_eq!(
            says(
                kind::CLAIM_DECIDED,
                json!({"outcome": "accepted", "decided_by": {"kind": "rule", "rule": "doa"}})
            )
            .1,
            "Decided by the agreement's rule doa."
        );
        assert_eq!(
            says(
                kind::RETURN_REQUESTED,
                json!({"depot": {"name": "Depot Nord"}, "return_by": "2026-12-01T00:00:00Z",
                       "freight_paid_by": "manufacturer"})
            ),
            (
                "Manufacturer wants the unit back".into(),
                "To depot Depot Nord, by 2026-12-01 00:00 UTC, freight paid by the manufacturer."
                    .into()
            )
        );
        assert_eq!(
            says(kind::CLAIM_INSPECTED, json!({"result": "no_fault_found"})).1,
            "No fault found."
        );
        assert_eq!(
            says(
                kind::CLAIM_DISPUTED,
                json!({"statement": "The drum was broken", "disputed_by": "m@x.de"})
            )
            .1,
            "“The drum was broken”, by m@x.de."
        );
    }

    #[test]
    fn unknown_kinds_and_missing_details_are_shown_as_they_are() {
        assert_eq!(
            says("teleported", json!({"to": "Mars", "n": 2})),
            ("teleported".into(), "n: 2, to: Mars".into())
        );
        assert_eq!(
            says(kind::ON_THE_WAY, json!({})),
            ("Crew on the way".into(), String::new())
        );
        // A time that does not parse is shown as it came.
        assert_eq!(
            says(kind::RETURN_REQUESTED, json!({"return_by": "soon"})).1,
            "By soon."
        );
    }
}
