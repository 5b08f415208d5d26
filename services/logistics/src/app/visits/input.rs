//! The visit's typed input: what the crew sends, checked once.

use chrono::{DateTime, Duration, Utc};

use super::{Collection, Completion, Delivery, FailedAttempt};
use crate::app::{Fields, Invalid};
use crate::domain::{NOTE_MAX, SERIAL_MAX, parse_failure_reason};

/// Both steps at once, checked.
pub fn completion(
    delivered_serial: &str,
    collected_serial: &str,
    recipient_name: &str,
) -> Result<Completion, Invalid> {
    let mut v = Fields::new();
    let delivered_serial = v.text("delivered_serial", delivered_serial, SERIAL_MAX);
    let collected_serial = v.text("collected_serial", collected_serial, SERIAL_MAX);
    let recipient_name = v.text("recipient_name", recipient_name, SERIAL_MAX);
    v.finish()?;
    Ok(Completion {
        delivered_serial,
        collected_serial,
        recipient_name,
    })
}

/// *Delivered*, checked.
pub fn delivery(delivered_serial: &str, recipient_name: &str) -> Result<Delivery, Invalid> {
    let mut v = Fields::new();
    let delivered_serial = v.text("delivered_serial", delivered_serial, SERIAL_MAX);
    let recipient_name = v.text("recipient_name", recipient_name, SERIAL_MAX);
    v.finish()?;
    Ok(Delivery {
        delivered_serial,
        recipient_name,
    })
}

/// *Collected*, checked (the serial against the case's is checked under the lock).
pub fn collection(collected_serial: &str, confirm_mismatch: bool) -> Result<Collection, Invalid> {
    let mut v = Fields::new();
    let collected_serial = v.text("collected_serial", collected_serial, SERIAL_MAX);
    v.finish()?;
    Ok(Collection {
        collected_serial,
        confirm_mismatch,
    })
}

/// A failed attempt: one of the reasons, and an optional note.
pub fn failed_attempt(reason: &str, note: Option<&str>) -> Result<FailedAttempt, Invalid> {
    let mut v = Fields::new();
    let reason = parse_failure_reason(reason.trim());
    if reason.is_none() {
        v.add(
            "reason",
            "must be one of not_home, wrong_address, refused, unit_not_ready",
        );
    }
    let note = note
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned);
    if note.as_ref().is_some_and(|n| n.chars().count() > NOTE_MAX) {
        v.add("note", format!("must be at most {NOTE_MAX} characters"));
    }
    match reason {
        Some(reason) => {
            v.finish()?;
            Ok(FailedAttempt { reason, note })
        }
        None => Err(v
            .finish()
            .err()
            .unwrap_or_else(|| Invalid::field("reason", "must be one of the failure reasons"))),
    }
}

/// Longest the crew's estimate may lie ahead.
const ETA_AHEAD_HOURS: i64 = 48;

/// Checks an estimate of arrival against `now`: not in the past (a minute's grace), at most
/// two days ahead.
pub fn check_eta(eta: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Result<(), Invalid> {
    let mut v = Fields::new();
    if let Some(eta) = eta {
        if eta < now - Duration::minutes(1) {
            v.add("eta", "must not be in the past");
        } else if eta > now + Duration::hours(ETA_AHEAD_HOURS) {
            v.add(
                "eta",
                format!("must be at most {ETA_AHEAD_HOURS} hours ahead"),
            );
        }
    }
    v.finish()
}
