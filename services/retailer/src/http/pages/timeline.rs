//! How the case page says each timeline entry: what happened and its details as a sentence, in
//! the reader's language (the catalog's `tl-…` texts), every time in the reader's time zone and
//! every amount in their locale. An entry this version cannot read is shown as it is stored,
//! never dropped.

use chrono::{DateTime, Utc};
use kummerer_contracts::{
    ClaimOutcome, CorrectionRefusal, DecidedBy, Money, TimeWindow, VisitBegun,
};
use kummerer_web::i18n::Tr;
use serde_json::Value;

use crate::domain::TimelineEntry;

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

/// `snake_case` → `snake case`.
fn words(s: &str) -> String {
    s.replace('_', " ")
}

/// Joins the parts that are there with `, `, ends the sentence and upper-cases its first letter.
fn sentence(parts: Vec<Option<String>>) -> String {
    let parts: Vec<String> = parts.into_iter().flatten().collect();
    if parts.is_empty() {
        return String::new();
    }
    let mut s = parts.join(", ");
    s.push('.');
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The words of a timeline entry in `tr`'s language and time zone.
struct Say<'a>(&'a Tr);

impl Say<'_> {
    fn t(&self, key: &str) -> String {
        self.0.t(key)
    }
    /// `key` with one argument.
    fn a(&self, key: &str, name: &str, value: impl std::fmt::Display) -> String {
        self.0.ta(key, name, value)
    }
    fn time(&self, t: DateTime<Utc>) -> String {
        self.0.datetime(t)
    }
    fn window(&self, w: &TimeWindow) -> String {
        self.0.window(w.start, w.end)
    }
    fn money(&self, m: &Money) -> String {
        self.0.money(m.amount, m.currency.as_str())
    }
    fn quoted(&self, s: &str) -> String {
        self.a("tl-quoted", "text", s)
    }
    fn by(&self, who: &str) -> String {
        self.a("tl-by", "name", who)
    }
    fn serial_check(&self, matches: bool) -> String {
        self.t(if matches {
            "tl-serial-matches"
        } else {
            "tl-serial-differs"
        })
    }
}

/// How the case page says a timeline entry, for `tr`'s reader.
pub fn describe(tr: &Tr, entry: &TimelineEntry) -> Described {
    let s = Say(tr);
    let (what, details): (&str, String) = match entry {
        TimelineEntry::SwapApproved {
            replacement_sku,
            window: w,
            approved_by,
            authorized_by,
            overbooked_by,
            ..
        } => (
            "tl-swap-approved",
            sentence(vec![
                text(replacement_sku).map(|r| s.a("tl-replacement", "sku", r)),
                Some(s.a("tl-delivery", "window", s.window(w))),
                text(approved_by).map(|n| s.a("tl-approved-by", "name", n)),
                opt_text(authorized_by).map(|n| s.a("tl-authorized-by", "name", n)),
                opt_text(overbooked_by).map(|n| s.a("tl-overbooked-by", "name", n)),
            ]),
        ),
        TimelineEntry::ClaimSubmitted { amount_claimed, .. } => (
            "tl-claim-submitted",
            sentence(vec![Some(s.a(
                "tl-claimed",
                "amount",
                s.money(amount_claimed),
            ))]),
        ),
        TimelineEntry::JobScheduled {
            window: w,
            no_contracted_carrier: true,
            ..
        } => (
            "tl-visit-waiting",
            sentence(vec![
                Some(s.a("tl-visit-planned", "window", s.window(w))),
                Some(s.t("tl-no-contracted-carrier")),
            ]),
        ),
        TimelineEntry::JobScheduled { window: w, .. } => (
            "tl-visit-scheduled",
            sentence(vec![Some(s.a("tl-crew-comes", "window", s.window(w)))]),
        ),
        TimelineEntry::OnTheWay { window: w, eta, .. } => (
            "tl-on-the-way",
            sentence(vec![
                eta.map(|t| s.a("tl-expected-at", "when", s.time(t))),
                Some(s.a("tl-window", "window", s.window(w))),
            ]),
        ),
        TimelineEntry::Delivered {
            delivered_serial,
            recipient_name,
            photo_taken,
            ..
        } => (
            "tl-delivered",
            sentence(vec![
                text(delivered_serial).map(|n| s.a("tl-serial", "serial", n)),
                text(recipient_name).map(|n| s.a("tl-received-by", "name", n)),
                photo_taken.then(|| s.t("tl-photo-taken")),
            ]),
        ),
        TimelineEntry::Collected {
            collected_serial,
            serial_matches,
            photo_taken,
            evidence_forwarded,
            ..
        } => (
            "tl-collected",
            sentence(vec![
                text(collected_serial).map(|n| s.a("tl-serial", "serial", n)),
                Some(s.serial_check(*serial_matches)),
                photo_taken.then(|| s.t("tl-with-photo")),
                evidence_forwarded.then(|| s.t("tl-evidence-forwarded")),
            ]),
        ),
        TimelineEntry::DeliveredAndCollected {
            delivered_serial,
            collected_serial,
            collected_serial_matches,
            recipient_name,
            ..
        } => (
            "tl-delivered-and-collected",
            sentence(vec![
                text(delivered_serial).map(|n| s.a("tl-delivered-serial", "serial", n)),
                text(collected_serial).map(|n| s.a("tl-collected-serial", "serial", n)),
                Some(s.serial_check(*collected_serial_matches)),
                text(recipient_name).map(|n| s.a("tl-received-by", "name", n)),
            ]),
        ),
        TimelineEntry::CollectedSerialMismatch {
            collected_serial,
            expected_serial,
            ..
        } => (
            "tl-serial-mismatch",
            sentence(vec![
                text(collected_serial).map(|n| s.a("tl-crew-collected", "serial", n)),
                opt_text(expected_serial).map(|n| s.a("tl-case-names", "serial", n)),
            ]),
        ),
        TimelineEntry::DeliveryFailed {
            reason,
            note,
            attempt,
            ..
        } => (
            "tl-visit-failed",
            sentence(vec![
                Some(tr.code("failure", reason.as_str())),
                Some(s.a("tl-attempt", "attempt", attempt)),
                opt_text(note).map(|n| s.quoted(n)),
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
                    Some(rule) => s.a("tl-decided-by-rule", "rule", rule),
                    None => s.t("tl-decided-by-rules"),
                },
                DecidedBy::Manufacturer => s.t("tl-decided-by-manufacturer"),
            };
            (
                match outcome {
                    ClaimOutcome::Accepted => "tl-claim-accepted",
                    ClaimOutcome::PartlyAccepted => "tl-claim-partly-accepted",
                    ClaimOutcome::Rejected => "tl-claim-rejected",
                },
                sentence(vec![
                    Some(s.a("tl-to-be-credited", "amount", s.money(amount))),
                    opt_text(reason_code)
                        .map(|r| s.a("tl-reason", "reason", tr.code("claim-reason", r))),
                    Some(by),
                ]),
            )
        }
        TimelineEntry::CaseRefused {
            reason_code,
            reason_text,
            refused_by,
        } => (
            "tl-case-refused",
            sentence(vec![
                Some(tr.code("refusal", &reason_code.as_string())),
                text(reason_text).map(|n| s.quoted(n)),
                text(refused_by).map(|n| s.by(n)),
            ]),
        ),
        TimelineEntry::ReturnRequested {
            depot,
            return_by,
            freight_paid_by,
            ..
        } => (
            "tl-return-requested",
            sentence(vec![
                text(&depot.name).map(|n| s.a("tl-to-depot", "depot", n)),
                Some(s.a("tl-return-by", "when", s.time(*return_by))),
                Some(tr.code("tl-freight", freight_paid_by.as_str())),
            ]),
        ),
        TimelineEntry::ReturnArrived {
            serial,
            received_by,
            ..
        } => (
            "tl-return-arrived",
            sentence(vec![
                text(serial).map(|n| s.a("tl-serial", "serial", n)),
                text(received_by).map(|n| s.a("tl-received-by", "name", n)),
            ]),
        ),
        TimelineEntry::ReturnWithdrawn { reason, .. } => (
            "tl-return-withdrawn",
            tr.code("tl-withdrawn", reason.as_str()),
        ),
        TimelineEntry::ClaimInspected { result, note, .. } => (
            "tl-claim-inspected",
            sentence(vec![
                Some(tr.code("inspection", result.as_str())),
                opt_text(note).map(|n| s.quoted(n)),
            ]),
        ),
        TimelineEntry::ClaimDisputed {
            statement,
            note,
            disputed_by,
            ..
        } => (
            "tl-claim-disputed",
            sentence(vec![
                text(statement).map(|n| s.quoted(n)),
                opt_text(note).map(|n| s.a("tl-note", "note", n)),
                text(disputed_by).map(|n| s.by(n)),
            ]),
        ),
        TimelineEntry::Credited { number, amount, .. } => (
            "tl-credited",
            sentence(vec![
                Some(s.money(amount)),
                text(number).map(|n| s.a("tl-credit-note", "number", n)),
            ]),
        ),
        TimelineEntry::SwapCancelRequested {
            reason,
            requested_by,
            ..
        } => (
            "tl-cancel-requested",
            sentence(vec![
                text(reason).map(|n| s.quoted(n)),
                text(requested_by).map(|n| s.by(n)),
                Some(s.t("tl-waiting-for-logistics")),
            ]),
        ),
        TimelineEntry::SwapCancelled {
            stock_released,
            claim_withdrawn,
            ..
        } => (
            "tl-swap-cancelled",
            sentence(vec![
                Some(s.t("tl-no-crew-will-go")),
                stock_released.then(|| s.t("tl-back-in-stock")),
                claim_withdrawn.then(|| s.t("tl-claim-withdrawn")),
                Some(s.t("tl-case-closed")),
            ]),
        ),
        TimelineEntry::SwapCancelRefused { reason, .. } => (
            "tl-cancel-refused",
            sentence(vec![Some(s.t(match reason {
                VisitBegun::OnTheWay => "tl-begun-on-the-way",
                VisitBegun::StepRecorded => "tl-begun-step-recorded",
                VisitBegun::Completed => "tl-begun-completed",
                VisitBegun::Cancelled => "tl-begun-cancelled",
            }))]),
        ),
        TimelineEntry::SwapCorrectionRequested {
            address,
            window: w,
            reason,
            requested_by,
            ..
        } => (
            "tl-correction-requested",
            sentence(vec![
                address
                    .as_ref()
                    .map(|a| s.a("tl-to-address", "address", address_text(a))),
                w.as_ref().map(|w| s.a("tl-window", "window", s.window(w))),
                text(reason).map(|n| s.quoted(n)),
                text(requested_by).map(|n| s.by(n)),
                Some(s.t("tl-waiting-for-logistics")),
            ]),
        ),
        TimelineEntry::SwapCorrected {
            address,
            window: w,
            crew_assigned,
            ..
        } => (
            "tl-corrected",
            sentence(vec![
                Some(s.a("tl-to-address", "address", address_text(address))),
                Some(s.a("tl-window", "window", s.window(w))),
                Some(s.t(if *crew_assigned {
                    "tl-crew-has-visit"
                } else {
                    "tl-dispatcher-assigns"
                })),
            ]),
        ),
        TimelineEntry::SwapCorrectionRefused { reason, .. } => (
            "tl-correction-refused",
            sentence(vec![Some(s.t(match reason {
                CorrectionRefusal::OnTheWay => "tl-begun-on-the-way",
                CorrectionRefusal::Delivered => "tl-begun-step-recorded",
                CorrectionRefusal::Cancelled => "tl-begun-cancelled",
                CorrectionRefusal::UnknownJob => "tl-unknown-job",
                CorrectionRefusal::WindowFull => "tl-window-full",
            }))]),
        ),
        TimelineEntry::CustomerConfirmed { window: w, .. } => (
            "tl-customer-confirmed",
            sentence(vec![Some(s.a("tl-window", "window", s.window(w)))]),
        ),
        TimelineEntry::CustomerNotHome {
            window: w, note, ..
        } => (
            "tl-customer-not-home",
            sentence(vec![
                Some(s.a("tl-window", "window", s.window(w))),
                opt_text(note).map(|n| s.quoted(n)),
                Some(s.t("tl-new-window-to-agree")),
            ]),
        ),
        TimelineEntry::InformationRequested {
            question,
            answer_by,
            ..
        } => (
            "tl-information-requested",
            sentence(vec![
                text(question).map(|n| s.quoted(n)),
                Some(s.a("tl-answer-by", "when", s.time(*answer_by))),
            ]),
        ),
        TimelineEntry::InformationProvided {
            answer,
            answered_by,
            ..
        } => (
            "tl-information-provided",
            sentence(vec![
                text(answer).map(|n| s.quoted(n)),
                text(answered_by).map(|n| s.by(n)),
            ]),
        ),
        TimelineEntry::ClaimNotAccepted { reason, detail, .. } => (
            "tl-claim-not-accepted",
            sentence(vec![
                Some(tr.code("not-accepted", reason.as_str())),
                text(detail).map(|n| s.quoted(n)),
                Some(s.t("tl-correct-or-write-off")),
            ]),
        ),
        TimelineEntry::ClaimResubmitted {
            resubmitted_by,
            submission,
            ..
        } => (
            "tl-claim-resubmitted",
            sentence(vec![
                Some(s.a("tl-submission", "submission", submission)),
                text(resubmitted_by).map(|n| s.by(n)),
            ]),
        ),
        TimelineEntry::ClaimAcknowledged {
            decision_due_at, ..
        } => (
            "tl-claim-acknowledged",
            sentence(vec![Some(s.a(
                "tl-decision-due",
                "when",
                s.time(*decision_due_at),
            ))]),
        ),
        TimelineEntry::Escalated {
            holds,
            since,
            due_at,
        } => (
            "tl-escalated",
            sentence(vec![Some(tr.targs(
                "tl-escalated-details",
                &[
                    ("holds", &tr.code("tl-holds", holds)),
                    ("since", &s.time(*since)),
                    ("due", &s.time(*due_at)),
                ],
            ))]),
        ),
        TimelineEntry::ClaimWrittenOff { written_off_by, .. } => (
            "tl-claim-written-off",
            sentence(vec![text(written_off_by).map(|n| s.by(n))]),
        ),
    };
    Described {
        what: tr.t(what),
        details,
    }
}

/// An address on one line: street, postcode and city.
fn address_text(a: &kummerer_contracts::Address) -> String {
    format!("{}, {} {}", a.street, a.postcode, a.city)
}

/// How the case page says a stored entry: [`describe`] when it reads as a [`TimelineEntry`]; a
/// kind this version does not know, or details that do not read, are shown as they are.
pub fn describe_stored(tr: &Tr, kind: &str, details: &Value) -> Described {
    match TimelineEntry::from_stored(kind, details) {
        Ok(entry) => describe(tr, &entry),
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
    use kummerer_web::i18n::Lang;
    use serde_json::json;

    use super::*;
    use crate::http::pages::locale::{DEFAULT_TZ, tr};

    /// Says a stored entry (kind and details as the rows hold them) in `lang`, Berlin time.
    fn says_in(lang: Lang, kind: &str, details: Value) -> (String, String) {
        let d = describe_stored(&tr(lang, DEFAULT_TZ), kind, &details);
        (d.what, d.details)
    }

    fn says(kind: &str, details: Value) -> (String, String) {
        says_in(Lang::En, kind, details)
    }

    const JOB: &str = "0190f0e2-0000-7000-8000-000000000001";
    const CLAIM: &str = "0190f0e2-0000-7000-8000-000000000002";

    #[test]
    fn the_visit_reads_plainly_in_local_time() {
        // 08:00 UTC in November is 09:00 in Berlin.
        let window = json!({"start": "2026-11-24T08:00:00Z", "end": "2026-11-24T12:00:00Z"});
        assert_eq!(
            says("job_scheduled", json!({"job_id": JOB, "window": window})),
            (
                "Visit scheduled".into(),
                "The crew comes Tue 24 Nov 2026, 09:00–13:00.".into()
            )
        );
        assert_eq!(
            says_in(
                Lang::De,
                "job_scheduled",
                json!({"job_id": JOB, "window": window})
            ),
            (
                "Besuch geplant".into(),
                "Die Tour kommt Di., 24.11.2026, 09:00–13:00.".into()
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
                "Expected at 24 Nov 2026, 10:30, window Tue 24 Nov 2026, 09:00–13:00.".into()
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
        assert_eq!(
            says_in(
                Lang::De,
                "delivery_failed",
                json!({"job_id": JOB, "reason": "not_home", "attempt": 2,
                       "note": "nobody opened"})
            )
            .1,
            "Nicht angetroffen, Versuch 2, „nobody opened“."
        );
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
    fn the_claim_reads_plainly_with_money_in_the_locale() {
        let decided = json!({"claim_id": CLAIM, "outcome": "partly_accepted",
               "amount": {"amount": "399.20", "currency": "EUR"},
               "reason_code": "wear_and_tear", "decided_by": {"kind": "manufacturer"}});
        assert_eq!(
            says("claim_decided", decided.clone()),
            (
                "Claim partly accepted".into(),
                "€399.20 to be credited, reason: wear and tear, decided by the manufacturer."
                    .into()
            )
        );
        assert_eq!(
            says_in(Lang::De, "claim_decided", decided),
            (
                "Anspruch teilweise angenommen".into(),
                "399,20 € werden gutgeschrieben, Grund: wear and tear, entschieden vom Hersteller."
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
            "€10.00 to be credited, decided by the agreement's rule doa."
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
                "To depot Depot Nord, by 1 Dec 2026, 01:00, freight paid by the manufacturer."
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
