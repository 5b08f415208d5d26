//! How the desk says each timeline entry in plain words.

use chrono::{DateTime, Utc};
use kummerer_contracts::{ClaimOutcome, DecidedBy, TimeWindow};
use serde_json::Value;

use super::TimelineEntry;

/// A timeline entry in words: what happened, and its details as a sentence (may be empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Described {
    pub what: String,
    pub details: String,
}

/// A text that says something (trimmed, not empty).
fn text(s: &str) -> Option<&str> {
    Some(s.trim()).filter(|s| !s.is_empty())
}

fn opt_text(s: &Option<String>) -> Option<&str> {
    s.as_deref().and_then(text)
}

fn time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// `2026-11-24 08:00 – 12:00 UTC` (the end's day too when it differs).
fn window(w: &TimeWindow) -> String {
    window_text(w.start, w.end)
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
/// An address on one line: street, postcode and city.
fn address_text(a: &kummerer_contracts::Address) -> String {
    format!("{}, {} {}", a.street, a.postcode, a.city)
}

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

fn serial_check(matches: bool) -> String {
    if matches {
        "the serial matches the case".to_owned()
    } else {
        "NOT the serial the case names".to_owned()
    }
}

fn flag(on: bool, says: &str) -> Option<String> {
    on.then(|| says.to_owned())
}

/// How the desk says a timeline entry.
pub fn describe(entry: &TimelineEntry) -> Described {
    let (what, details): (&str, String) = match entry {
        TimelineEntry::SwapApproved {
            swap_id: _,
            replacement_sku,
            window: w,
            approved_by,
            authorized_by,
            stock_location: _,
            overbooked_by,
        } => (
            "Swap approved",
            sentence(vec![
                text(replacement_sku).map(|s| format!("replacement {s}")),
                Some(format!("delivery {}", window(w))),
                text(approved_by).map(|s| format!("approved by {s}")),
                opt_text(authorized_by).map(|s| format!("authorized by manager {s}")),
                opt_text(overbooked_by)
                    .map(|s| format!("window overbooked (no crew had room) by manager {s}")),
            ]),
        ),
        TimelineEntry::ClaimSubmitted { amount_claimed, .. } => (
            "Claim filed with the manufacturer",
            sentence(vec![Some(format!("{amount_claimed} claimed"))]),
        ),
        TimelineEntry::JobScheduled {
            window: w,
            no_contracted_carrier: true,
            ..
        } => (
            "Visit waiting: no contracted carrier",
            sentence(vec![
                Some(format!("the visit is planned {}", window(w))),
                Some(
                    "but no carrier you contracted delivers to this postcode on that day (or \
                     its daily capacity is used up), so no crew has it yet; the operator will \
                     assign it — contract a carrier for this region under carrier contracts"
                        .to_owned(),
                ),
            ]),
        ),
        TimelineEntry::JobScheduled { window: w, .. } => (
            "Visit scheduled",
            sentence(vec![Some(format!("the crew comes {}", window(w)))]),
        ),
        TimelineEntry::OnTheWay { window: w, eta, .. } => (
            "Crew on the way",
            sentence(vec![
                eta.map(|t| format!("expected at {}", time(t))),
                Some(format!("window {}", window(w))),
            ]),
        ),
        TimelineEntry::Delivered {
            delivered_serial,
            recipient_name,
            photo_taken,
            ..
        } => (
            "Replacement delivered",
            sentence(vec![
                text(delivered_serial).map(|s| format!("serial {s}")),
                text(recipient_name).map(|s| format!("received by {s}")),
                flag(*photo_taken, "photo taken"),
            ]),
        ),
        TimelineEntry::Collected {
            collected_serial,
            serial_matches,
            photo_taken,
            evidence_forwarded,
            ..
        } => (
            "Defective unit collected",
            sentence(vec![
                text(collected_serial).map(|s| format!("serial {s}")),
                Some(serial_check(*serial_matches)),
                flag(*photo_taken, "with a photo"),
                flag(
                    *evidence_forwarded,
                    "forwarded to the manufacturer as evidence",
                ),
            ]),
        ),
        TimelineEntry::DeliveredAndCollected {
            delivered_serial,
            collected_serial,
            collected_serial_matches,
            recipient_name,
            ..
        } => (
            "Replacement delivered, defective unit collected",
            sentence(vec![
                text(delivered_serial).map(|s| format!("delivered serial {s}")),
                text(collected_serial).map(|s| format!("collected serial {s}")),
                Some(serial_check(*collected_serial_matches)),
                text(recipient_name).map(|s| format!("received by {s}")),
            ]),
        ),
        TimelineEntry::CollectedSerialMismatch {
            collected_serial,
            expected_serial,
            ..
        } => (
            "Collected serial does not match",
            sentence(vec![
                text(collected_serial).map(|s| format!("the crew collected {s}")),
                opt_text(expected_serial).map(|s| format!("the case names {s}")),
            ]),
        ),
        TimelineEntry::DeliveryFailed {
            reason,
            note,
            attempt,
            ..
        } => (
            "Visit failed",
            sentence(vec![
                Some(words(reason.as_str())),
                Some(format!("attempt {attempt}")),
                opt_text(note).map(|s| format!("“{s}”")),
            ]),
        ),
        TimelineEntry::ClaimDecided {
            outcome,
            amount,
            reason_code,
            decided_by,
            ..
        } => {
            let by = match decided_by {
                DecidedBy::Rule { rule } => match text(rule) {
                    Some(rule) => format!("decided by the agreement's rule {rule}"),
                    None => "decided by the agreement's rules".to_owned(),
                },
                DecidedBy::Manufacturer => "decided by the manufacturer".to_owned(),
            };
            (
                match outcome {
                    ClaimOutcome::Accepted => "Claim accepted",
                    ClaimOutcome::PartlyAccepted => "Claim partly accepted",
                    ClaimOutcome::Rejected => "Claim rejected",
                },
                sentence(vec![
                    Some(format!("{amount} to be credited")),
                    opt_text(reason_code).map(|r| format!("reason: {}", words(r))),
                    Some(by),
                ]),
            )
        }
        TimelineEntry::CaseRefused {
            reason_code,
            reason_text,
            refused_by,
        } => (
            "Case refused",
            sentence(vec![
                Some(words(&reason_code.as_string())),
                text(reason_text).map(|s| format!("“{s}”")),
                text(refused_by).map(|s| format!("by {s}")),
            ]),
        ),
        TimelineEntry::ReturnRequested {
            depot,
            return_by,
            freight_paid_by,
            ..
        } => (
            "Manufacturer wants the unit back",
            sentence(vec![
                text(&depot.name).map(|n| format!("to depot {n}")),
                Some(format!("by {}", time(*return_by))),
                Some(format!("freight paid by the {}", freight_paid_by.as_str())),
            ]),
        ),
        TimelineEntry::ReturnArrived {
            serial,
            received_by,
            ..
        } => (
            "Unit arrived at the manufacturer's depot",
            sentence(vec![
                text(serial).map(|s| format!("serial {s}")),
                text(received_by).map(|s| format!("received by {s}")),
            ]),
        ),
        TimelineEntry::ReturnWithdrawn { reason, .. } => (
            "Manufacturer no longer wants the unit back",
            match reason.as_str() {
                "return_by_passed" => "the unit was not at the depot in time".to_owned(),
                "decided" => "the claim was decided without it".to_owned(),
                "claim_withdrawn" => "the claim was withdrawn (the swap was cancelled)".to_owned(),
                other => words(other),
            },
        ),
        TimelineEntry::ClaimInspected { result, note, .. } => (
            "Unit inspected by the manufacturer",
            sentence(vec![
                Some(words(result.as_str())),
                opt_text(note).map(|s| format!("“{s}”")),
            ]),
        ),
        TimelineEntry::ClaimDisputed {
            statement,
            note,
            disputed_by,
            ..
        } => (
            "Rejection disputed",
            sentence(vec![
                text(statement).map(|s| format!("“{s}”")),
                opt_text(note).map(|s| format!("note: {s}")),
                text(disputed_by).map(|s| format!("by {s}")),
            ]),
        ),
        TimelineEntry::Credited { number, amount, .. } => (
            "Credited by the manufacturer",
            sentence(vec![
                Some(amount.to_string()),
                text(number).map(|n| format!("credit note {n}")),
            ]),
        ),
        TimelineEntry::SwapCancelRequested {
            reason,
            requested_by,
            ..
        } => (
            "Cancellation of the swap requested",
            sentence(vec![
                text(reason).map(|s| format!("“{s}”")),
                text(requested_by).map(|s| format!("by {s}")),
                Some("waiting for logistics".to_owned()),
            ]),
        ),
        TimelineEntry::SwapCancelled {
            stock_released,
            claim_withdrawn,
            ..
        } => (
            "Swap cancelled",
            sentence(vec![
                Some("no crew will go".to_owned()),
                stock_released.then(|| "the replacement is back in stock".to_owned()),
                claim_withdrawn.then(|| "the claim is withdrawn".to_owned()),
                Some("the case is closed".to_owned()),
            ]),
        ),
        TimelineEntry::SwapCancelRefused { reason, .. } => (
            "Cancellation refused: the swap goes on",
            sentence(vec![Some(
                match reason {
                    kummerer_contracts::VisitBegun::OnTheWay => "the crew is already on the way",
                    kummerer_contracts::VisitBegun::StepRecorded => {
                        "the crew already delivered or collected"
                    }
                    kummerer_contracts::VisitBegun::Completed => "the visit is done",
                    kummerer_contracts::VisitBegun::Cancelled => "the visit is cancelled",
                }
                .to_owned(),
            )]),
        ),
        TimelineEntry::SwapCorrectionRequested {
            address,
            window: w,
            reason,
            requested_by,
            ..
        } => (
            "Correction of the visit requested",
            sentence(vec![
                address.as_ref().map(|a| format!("to {}", address_text(a))),
                w.as_ref().map(|w| format!("window {}", window(w))),
                text(reason).map(|s| format!("“{s}”")),
                text(requested_by).map(|s| format!("by {s}")),
                Some("waiting for logistics".to_owned()),
            ]),
        ),
        TimelineEntry::SwapCorrected {
            address,
            window: w,
            crew_assigned,
            ..
        } => (
            "Visit corrected",
            sentence(vec![
                Some(format!("to {}", address_text(address))),
                Some(format!("window {}", window(w))),
                Some(
                    if *crew_assigned {
                        "a crew has the visit"
                    } else {
                        "the dispatcher assigns a crew"
                    }
                    .to_owned(),
                ),
            ]),
        ),
        TimelineEntry::SwapCorrectionRefused { reason, .. } => (
            "Correction refused: the visit stays as it was",
            sentence(vec![Some(
                match reason {
                    kummerer_contracts::CorrectionRefusal::OnTheWay => {
                        "the crew is already on the way"
                    }
                    kummerer_contracts::CorrectionRefusal::Delivered => {
                        "the crew already delivered or collected"
                    }
                    kummerer_contracts::CorrectionRefusal::Cancelled => "the visit is cancelled",
                    kummerer_contracts::CorrectionRefusal::UnknownJob => {
                        "logistics does not know the visit"
                    }
                    kummerer_contracts::CorrectionRefusal::WindowFull => {
                        "the window was just taken"
                    }
                }
                .to_owned(),
            )]),
        ),
        TimelineEntry::CustomerConfirmed { window: w, .. } => (
            "Customer confirmed the window",
            sentence(vec![Some(format!("window {}", window(w)))]),
        ),
        TimelineEntry::CustomerNotHome {
            window: w, note, ..
        } => (
            "Customer won't be home in the window",
            sentence(vec![
                Some(format!("window {}", window(w))),
                opt_text(note).map(|n| format!("“{n}”")),
                Some("a new window is to be agreed".to_owned()),
            ]),
        ),
        TimelineEntry::InformationRequested {
            question,
            answer_by,
            ..
        } => (
            "Manufacturer asks for information",
            sentence(vec![
                text(question).map(|q| format!("“{q}”")),
                Some(format!("answer by {}", time(*answer_by))),
            ]),
        ),
        TimelineEntry::InformationProvided {
            answer,
            answered_by,
            ..
        } => (
            "Information sent to the manufacturer",
            sentence(vec![
                text(answer).map(|a| format!("“{a}”")),
                text(answered_by).map(|s| format!("by {s}")),
            ]),
        ),
        TimelineEntry::ClaimNotAccepted { reason, detail, .. } => (
            "Claim not accepted by the manufacturer",
            sentence(vec![
                Some(crate::domain::not_accepted::reason_in_words(*reason).to_owned()),
                text(detail).map(|d| format!("“{d}”")),
                Some("correct it and resubmit the claim, or write it off".to_owned()),
            ]),
        ),
        TimelineEntry::ClaimResubmitted {
            resubmitted_by,
            submission,
            ..
        } => (
            "Claim resubmitted to the manufacturer",
            sentence(vec![
                Some(format!("submission {submission}")),
                text(resubmitted_by).map(|s| format!("by {s}")),
            ]),
        ),
        TimelineEntry::ClaimAcknowledged {
            decision_due_at, ..
        } => (
            "Claim recorded by the manufacturer",
            sentence(vec![Some(format!(
                "decision due by {}",
                time(*decision_due_at)
            ))]),
        ),
        TimelineEntry::Escalated {
            holds,
            since,
            due_at,
        } => (
            "Escalated to the store's managers",
            sentence(vec![Some(format!(
                "the {} waits on the store since {}, was due by {}",
                words(holds),
                time(*since),
                time(*due_at)
            ))]),
        ),
        TimelineEntry::ClaimWrittenOff { written_off_by, .. } => (
            "Claim written off at the store's cost",
            sentence(vec![text(written_off_by).map(|s| format!("by {s}"))]),
        ),
    };
    Described {
        what: what.to_owned(),
        details,
    }
}

/// How the desk says a stored entry: [`describe`] when it reads as a [`TimelineEntry`]; a kind
/// this version does not know, or details that do not read, are shown as they are, never dropped.
pub fn describe_stored(kind: &str, details: &Value) -> Described {
    match TimelineEntry::from_stored(kind, details) {
        Ok(entry) => describe(&entry),
        Err(_) => Described {
            what: words(kind),
            details: raw_details(details),
        },
    }
}

/// `"a: 1, b: x"` for a JSON object, compactly (what an unreadable entry shows).
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

    /// Says a stored entry (kind and details as the rows hold them).
    fn says(kind: &str, details: Value) -> (String, String) {
        let d = describe_stored(kind, &details);
        (d.what, d.details)
    }

    const JOB: &str = "0190f0e2-0000-7000-8000-000000000001";
    const CLAIM: &str = "0190f0e2-0000-7000-8000-000000000002";

    #[test]
    fn the_visit_reads_plainly() {
        let window = json!({"start": "2026-11-24T08:00:00Z", "end": "2026-11-24T12:00:00Z"});
        assert_eq!(
            says("job_scheduled", json!({"job_id": JOB, "window": window})),
            (
                "Visit scheduled".into(),
                "The crew comes 2026-11-24 08:00 – 12:00 UTC.".into()
            )
        );
        assert_eq!(
            says(
                "on_the_way",
                json!({"job_id": JOB, "window": window, "eta": "2026-11-24T09:30:00Z",
                       "departed_at": "2026-11-24T09:00:00Z"})
            ),
            (
                "Crew on the way".into(),
                "Expected at 2026-11-24 09:30 UTC, window 2026-11-24 08:00 – 12:00 UTC.".into()
            )
        );
        assert_eq!(
            says(
                "delivered",
                json!({"job_id": JOB, "delivered_serial": "SN-NEW", "recipient_name": "Erika",
                       "photo_taken": false})
            )
            .1,
            "Serial SN-NEW, received by Erika."
        );
        assert_eq!(
            says(
                "collected",
                json!({"job_id": JOB, "collected_serial": "SN-X", "expected_serial": "SN-1",
                       "serial_matches": false, "photo_taken": true,
                       "evidence_forwarded": true, "claim_id": CLAIM})
            )
            .1,
            "Serial SN-X, NOT the serial the case names, with a photo, forwarded to the \
             manufacturer as evidence."
        );
        assert_eq!(
            says(
                "delivery_failed",
                json!({"job_id": JOB, "reason": "not_home", "attempt": 2,
                       "note": "nobody opened"})
            ),
            (
                "Visit failed".into(),
                "Not home, attempt 2, “nobody opened”.".into()
            )
        );
        // `job.completed` names no expected serial.
        assert_eq!(
            says(
                "collected_serial_mismatch",
                json!({"job_id": JOB, "collected_serial": "SN-X"})
            )
            .1,
            "The crew collected SN-X."
        );
    }

    #[test]
    fn the_claim_reads_plainly() {
        assert_eq!(
            says(
                "claim_decided",
                json!({"claim_id": CLAIM, "outcome": "partly_accepted",
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
                "claim_decided",
                json!({"claim_id": CLAIM, "outcome": "accepted",
                       "amount": {"amount": "10.00", "currency": "EUR"}, "reason_code": null,
                       "decided_by": {"kind": "rule", "rule": "doa"}})
            )
            .1,
            "10.00 EUR to be credited, decided by the agreement's rule doa."
        );
        assert_eq!(
            says(
                "return_requested",
                json!({"claim_id": CLAIM,
                       "depot": {"depot_id": JOB, "name": "Depot Nord",
                                 "address": {"name": "Depot Nord", "phone": "040 1",
                                             "street": "Hafenstr. 1", "postcode": "20457",
                                             "city": "Hamburg", "country": "DE"}},
                       "return_by": "2026-12-01T00:00:00Z",
                       "freight_paid_by": "manufacturer"})
            ),
            (
                "Manufacturer wants the unit back".into(),
                "To depot Depot Nord, by 2026-12-01 00:00 UTC, freight paid by the manufacturer."
                    .into()
            )
        );
        assert_eq!(
            says(
                "claim_inspected",
                json!({"claim_id": CLAIM, "result": "no_fault_found", "note": null})
            )
            .1,
            "No fault found."
        );
        assert_eq!(
            says(
                "claim_disputed",
                json!({"claim_id": CLAIM, "statement": "The drum was broken", "note": null,
                       "disputed_by": "m@x.de"})
            )
            .1,
            "“The drum was broken”, by m@x.de."
        );
    }

    #[test]
    fn unknown_kinds_and_unreadable_details_are_shown_as_they_are() {
        assert_eq!(
            says("teleported", json!({"to": "Mars", "n": 2})),
            ("teleported".into(), "n: 2, to: Mars".into())
        );
        assert_eq!(
            says("on_the_way", json!({})),
            ("on the way".into(), String::new())
        );
        assert_eq!(
            says("return_requested", json!({"return_by": "soon"})).1,
            "return_by: soon"
        );
    }
}
