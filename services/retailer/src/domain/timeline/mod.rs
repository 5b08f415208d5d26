//! The case timeline: what happened to a case, from whichever service, ordered by when it
//! happened (not when the message about it arrived). How the desk says each entry in the
//! reader's words and time is the page's business (`http::pages::timeline`).

use chrono::{DateTime, Utc};
use kummerer_contracts::{
    Address, ClaimId, ClaimOutcome, CorrectionRefusal, CreditNoteId, DecidedBy, Depot, DepotId,
    FailureReason, FreightPayer, InspectionResult, JobId, ManufacturerId, Money, NotAcceptedReason,
    ShipmentId, SwapId, TimeWindow, VisitBegun,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::domain::RefusalReason;

/// Which party an entry comes from; stored in `timeline.source` (text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, sea_orm::EnumIter, sea_orm::DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
pub enum Source {
    Retailer,
    Logistics,
    Manufacturer,
}

impl Source {
    /// The stored value, as the column holds it.
    pub fn as_string(self) -> String {
        sea_orm::ActiveEnum::to_value(&self)
    }
}

/// What happened to a case: one variant per kind of timeline entry, with its typed details.
///
/// Stored as two columns, `kind` (the variant's snake-case name) and `details` (its fields as a
/// JSON object): serde's adjacent tagging (`{"kind": …, "details": {…}}`) is exactly that pair,
/// so rows written before the enum existed read back unchanged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "details", rename_all = "snake_case")]
pub enum TimelineEntry {
    /// The retailer approved the swap.
    SwapApproved {
        swap_id: SwapId,
        replacement_sku: String,
        window: TimeWindow,
        approved_by: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        authorized_by: Option<String>,
        /// The stock location the replacement was reserved at.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        stock_location: Option<String>,
        /// The manager who booked the window although no crew had room left in it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        overbooked_by: Option<String>,
    },
    /// The claim filed with the swap.
    ClaimSubmitted {
        claim_id: ClaimId,
        manufacturer_id: ManufacturerId,
        amount_claimed: Money,
    },
    JobScheduled {
        job_id: JobId,
        window: TimeWindow,
        /// No carrier this retailer contracted serves the address that day (issue 18): the
        /// visit waits for the operator. Absent in older rows: false.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        no_contracted_carrier: bool,
    },
    /// The crew set off to the customer.
    OnTheWay {
        job_id: JobId,
        window: TimeWindow,
        eta: Option<DateTime<Utc>>,
        departed_at: DateTime<Utc>,
    },
    /// The replacement was handed over.
    Delivered {
        job_id: JobId,
        delivered_serial: String,
        recipient_name: String,
        photo_taken: bool,
    },
    /// The defective unit was collected (its serial, photo and time go to the claim).
    Collected {
        job_id: JobId,
        collected_serial: String,
        expected_serial: String,
        serial_matches: bool,
        photo_taken: bool,
        evidence_forwarded: bool,
        claim_id: ClaimId,
    },
    DeliveredAndCollected {
        job_id: JobId,
        delivered_serial: String,
        collected_serial: String,
        collected_serial_matches: bool,
        recipient_name: String,
    },
    /// Beside `delivered_and_collected` or `collected` when the crew collected a unit whose
    /// serial is not the one the case names: flagged, never silently accepted (once per visit:
    /// its dedup key is [`TimelineEntry::mismatch_key`]).
    CollectedSerialMismatch {
        job_id: JobId,
        collected_serial: String,
        /// `job.completed` does not say which serial was expected.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expected_serial: Option<String>,
    },
    DeliveryFailed {
        job_id: JobId,
        reason: FailureReason,
        note: Option<String>,
        attempt: u32,
    },
    ClaimDecided {
        claim_id: ClaimId,
        outcome: ClaimOutcome,
        amount: Money,
        reason_code: Option<String>,
        decided_by: DecidedBy,
    },
    CaseRefused {
        reason_code: RefusalReason,
        reason_text: String,
        refused_by: String,
    },
    /// The manufacturer wants the collected unit back at a depot.
    ReturnRequested {
        claim_id: ClaimId,
        depot: Depot,
        return_by: DateTime<Utc>,
        freight_paid_by: FreightPayer,
    },
    /// The unit arrived at the manufacturer's depot.
    ReturnArrived {
        claim_id: ClaimId,
        depot_id: DepotId,
        shipment_id: ShipmentId,
        serial: String,
        received_by: String,
    },
    /// The manufacturer inspected the returned unit.
    ClaimInspected {
        claim_id: ClaimId,
        result: InspectionResult,
        note: Option<String>,
    },
    /// The retailer disputed a rejection (once).
    ClaimDisputed {
        claim_id: ClaimId,
        statement: String,
        note: Option<String>,
        disputed_by: String,
    },
    /// A credit note credited the claim.
    Credited {
        claim_id: ClaimId,
        credit_note_id: CreditNoteId,
        number: String,
        amount: Money,
    },
    /// Staff asked to cancel the swap (approved by mistake); logistics answers.
    SwapCancelRequested {
        swap_id: SwapId,
        reason: String,
        requested_by: String,
    },
    /// Logistics cancelled the job before the crew set off: the swap is cancelled, the reserved
    /// unit back in stock, the claim withdrawn and the case closed.
    SwapCancelled {
        swap_id: SwapId,
        job_id: JobId,
        stock_released: bool,
        claim_withdrawn: bool,
    },
    /// Logistics refused to cancel: the crew already set off (or the visit is done); the swap
    /// goes on.
    SwapCancelRefused {
        swap_id: SwapId,
        job_id: JobId,
        reason: VisitBegun,
    },
    /// Staff (or the customer) asked to correct the visit's address and/or window; logistics
    /// answers (`swap_corrected` or `swap_correction_refused`). Nothing changes before.
    SwapCorrectionRequested {
        swap_id: SwapId,
        correction_id: uuid::Uuid,
        #[serde(default)]
        address: Option<Address>,
        #[serde(default)]
        window: Option<TimeWindow>,
        reason: String,
        requested_by: String,
    },
    /// Logistics applied the correction: the visit goes to `address` in `window`
    /// (`crew_assigned`: a crew has it; else the dispatcher places it).
    SwapCorrected {
        swap_id: SwapId,
        job_id: JobId,
        correction_id: uuid::Uuid,
        address: Address,
        window: TimeWindow,
        crew_assigned: bool,
    },
    /// Logistics refused the correction: the visit stays as it was.
    SwapCorrectionRefused {
        swap_id: SwapId,
        #[serde(default)]
        job_id: Option<JobId>,
        correction_id: uuid::Uuid,
        reason: CorrectionRefusal,
    },
    /// The manufacturer no longer wants the unit back (`decided`: it decided without it;
    /// `return_by_passed`: the unit was not at the depot in time).
    ReturnWithdrawn { claim_id: ClaimId, reason: String },
    /// The manufacturer sent the claim back with a question, to be answered by `answer_by`.
    InformationRequested {
        claim_id: ClaimId,
        question: String,
        answer_by: DateTime<Utc>,
    },
    /// The retailer answered the manufacturer's question.
    InformationProvided {
        claim_id: ClaimId,
        answer: String,
        answered_by: String,
    },
    /// The manufacturer could not take a message about the claim (the claim itself, its
    /// evidence or its dispute): the claim is back with the retailer.
    ClaimNotAccepted {
        claim_id: ClaimId,
        reason: NotAcceptedReason,
        detail: String,
        /// The type of the retailer's message answered.
        answers: String,
    },
    /// The retailer submitted the claim again after a correction (the `submission`-th time).
    ClaimResubmitted {
        claim_id: ClaimId,
        manufacturer_id: ManufacturerId,
        resubmitted_by: String,
        submission: u32,
    },
    /// The manufacturer recorded the claim (or took it up again after a dispute or the unit's
    /// arrival) and decides by `decision_due_at` at the latest.
    ClaimAcknowledged {
        claim_id: ClaimId,
        decision_due_at: DateTime<Utc>,
    },
    /// The retailer held the ball past its due time: escalated to the store's managers (once
    /// per holding; its dedup key is [`TimelineEntry::escalation_key`]).
    Escalated {
        /// What the retailer held: `decision`, `delivery`, `claim` or `information`.
        holds: String,
        since: DateTime<Utc>,
        due_at: DateTime<Utc>,
    },
    /// The retailer wrote off a claim the manufacturer did not accept: the store bears the cost.
    ClaimWrittenOff {
        claim_id: ClaimId,
        written_off_by: String,
    },
    /// The customer confirmed the visit's window on the status page (issue 13).
    CustomerConfirmed {
        swap_id: SwapId,
        answer_id: uuid::Uuid,
        window: TimeWindow,
    },
    /// The customer said on the status page they won't be home in the window (perhaps with a
    /// note): logistics takes the visit's room back; a new window is to be agreed.
    CustomerNotHome {
        swap_id: SwapId,
        answer_id: uuid::Uuid,
        window: TimeWindow,
        #[serde(default)]
        note: Option<String>,
    },
}

/// The kind of a timeline entry alone, as stored in `timeline.kind` (what the ball and the
/// queries that count deliveries need, without the details).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, sea_orm::EnumIter, sea_orm::DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
pub enum TimelineKind {
    SwapApproved,
    ClaimSubmitted,
    JobScheduled,
    OnTheWay,
    Delivered,
    Collected,
    DeliveredAndCollected,
    CollectedSerialMismatch,
    DeliveryFailed,
    ClaimDecided,
    CaseRefused,
    ReturnRequested,
    ReturnArrived,
    ClaimInspected,
    ClaimDisputed,
    Credited,
    SwapCancelRequested,
    SwapCancelled,
    SwapCancelRefused,
    ReturnWithdrawn,
    InformationRequested,
    InformationProvided,
    ClaimNotAccepted,
    ClaimResubmitted,
    ClaimAcknowledged,
    Escalated,
    ClaimWrittenOff,
    SwapCorrectionRequested,
    SwapCorrected,
    SwapCorrectionRefused,
    CustomerConfirmed,
    CustomerNotHome,
}

impl TimelineKind {
    /// The stored value (`swap_approved`, …).
    pub fn as_string(self) -> String {
        sea_orm::ActiveEnum::to_value(&self)
    }

    /// A stored value; `None` for a kind this version does not know.
    pub fn parse(s: &str) -> Option<TimelineKind> {
        <Self as sea_orm::ActiveEnum>::try_from_value(&s.to_owned()).ok()
    }
}

/// A stored entry whose kind or details do not read as a [`TimelineEntry`].
#[derive(Debug, thiserror::Error)]
#[error("timeline entry of kind {kind} does not read: {source}")]
pub struct UnreadableEntry {
    pub kind: String,
    #[source]
    pub source: serde_json::Error,
}

impl TimelineEntry {
    /// Reads a stored entry back from its `kind` and `details` columns.
    pub fn from_stored(kind: &str, details: &Value) -> Result<TimelineEntry, UnreadableEntry> {
        serde_json::from_value(serde_json::json!({ "kind": kind, "details": details })).map_err(
            |source| UnreadableEntry {
                kind: kind.to_owned(),
                source,
            },
        )
    }

    /// The `kind` and `details` columns for this entry.
    pub fn to_stored(&self) -> (TimelineKind, Value) {
        let details = match serde_json::to_value(self) {
            Ok(Value::Object(mut tagged)) => tagged.remove("details").unwrap_or(Value::Null),
            // Every variant is a struct of plain values: it always serializes to an object.
            _ => Value::Null,
        };
        (self.kind(), details)
    }

    pub fn kind(&self) -> TimelineKind {
        match self {
            TimelineEntry::SwapApproved { .. } => TimelineKind::SwapApproved,
            TimelineEntry::ClaimSubmitted { .. } => TimelineKind::ClaimSubmitted,
            TimelineEntry::JobScheduled { .. } => TimelineKind::JobScheduled,
            TimelineEntry::OnTheWay { .. } => TimelineKind::OnTheWay,
            TimelineEntry::Delivered { .. } => TimelineKind::Delivered,
            TimelineEntry::Collected { .. } => TimelineKind::Collected,
            TimelineEntry::DeliveredAndCollected { .. } => TimelineKind::DeliveredAndCollected,
            TimelineEntry::CollectedSerialMismatch { .. } => TimelineKind::CollectedSerialMismatch,
            TimelineEntry::DeliveryFailed { .. } => TimelineKind::DeliveryFailed,
            TimelineEntry::ClaimDecided { .. } => TimelineKind::ClaimDecided,
            TimelineEntry::CaseRefused { .. } => TimelineKind::CaseRefused,
            TimelineEntry::ReturnRequested { .. } => TimelineKind::ReturnRequested,
            TimelineEntry::ReturnArrived { .. } => TimelineKind::ReturnArrived,
            TimelineEntry::ClaimInspected { .. } => TimelineKind::ClaimInspected,
            TimelineEntry::ClaimDisputed { .. } => TimelineKind::ClaimDisputed,
            TimelineEntry::Credited { .. } => TimelineKind::Credited,
            TimelineEntry::SwapCancelRequested { .. } => TimelineKind::SwapCancelRequested,
            TimelineEntry::SwapCancelled { .. } => TimelineKind::SwapCancelled,
            TimelineEntry::SwapCancelRefused { .. } => TimelineKind::SwapCancelRefused,
            TimelineEntry::ReturnWithdrawn { .. } => TimelineKind::ReturnWithdrawn,
            TimelineEntry::InformationRequested { .. } => TimelineKind::InformationRequested,
            TimelineEntry::InformationProvided { .. } => TimelineKind::InformationProvided,
            TimelineEntry::ClaimNotAccepted { .. } => TimelineKind::ClaimNotAccepted,
            TimelineEntry::ClaimResubmitted { .. } => TimelineKind::ClaimResubmitted,
            TimelineEntry::ClaimAcknowledged { .. } => TimelineKind::ClaimAcknowledged,
            TimelineEntry::Escalated { .. } => TimelineKind::Escalated,
            TimelineEntry::ClaimWrittenOff { .. } => TimelineKind::ClaimWrittenOff,
            TimelineEntry::SwapCorrectionRequested { .. } => TimelineKind::SwapCorrectionRequested,
            TimelineEntry::SwapCorrected { .. } => TimelineKind::SwapCorrected,
            TimelineEntry::SwapCorrectionRefused { .. } => TimelineKind::SwapCorrectionRefused,
            TimelineEntry::CustomerConfirmed { .. } => TimelineKind::CustomerConfirmed,
            TimelineEntry::CustomerNotHome { .. } => TimelineKind::CustomerNotHome,
        }
    }

    /// Which party the fact comes from.
    pub fn source(&self) -> Source {
        match self {
            TimelineEntry::SwapApproved { .. }
            | TimelineEntry::ClaimSubmitted { .. }
            | TimelineEntry::CaseRefused { .. }
            | TimelineEntry::ClaimDisputed { .. }
            | TimelineEntry::SwapCancelRequested { .. }
            | TimelineEntry::InformationProvided { .. }
            | TimelineEntry::ClaimResubmitted { .. } => Source::Retailer,
            TimelineEntry::JobScheduled { .. }
            | TimelineEntry::OnTheWay { .. }
            | TimelineEntry::Delivered { .. }
            | TimelineEntry::Collected { .. }
            | TimelineEntry::DeliveredAndCollected { .. }
            | TimelineEntry::CollectedSerialMismatch { .. }
            | TimelineEntry::DeliveryFailed { .. }
            | TimelineEntry::ReturnArrived { .. }
            | TimelineEntry::SwapCancelled { .. }
            | TimelineEntry::SwapCancelRefused { .. } => Source::Logistics,
            TimelineEntry::ClaimDecided { .. }
            | TimelineEntry::ReturnRequested { .. }
            | TimelineEntry::ClaimInspected { .. }
            | TimelineEntry::Credited { .. }
            | TimelineEntry::ReturnWithdrawn { .. }
            | TimelineEntry::InformationRequested { .. }
            | TimelineEntry::ClaimNotAccepted { .. } => Source::Manufacturer,
            TimelineEntry::ClaimAcknowledged { .. } => Source::Manufacturer,
            TimelineEntry::Escalated { .. } => Source::Retailer,
            TimelineEntry::ClaimWrittenOff { .. } => Source::Retailer,
            TimelineEntry::SwapCorrectionRequested { .. } => Source::Retailer,
            TimelineEntry::CustomerConfirmed { .. } | TimelineEntry::CustomerNotHome { .. } => {
                Source::Retailer
            }
            TimelineEntry::SwapCorrected { .. } | TimelineEntry::SwapCorrectionRefused { .. } => {
                Source::Logistics
            }
        }
    }

    /// The dedup key of the escalation of the retailer's holding of `holds` since `since`: one
    /// per holding, however often the sweep sees it overdue.
    pub fn escalation_key(holds: &str, since: DateTime<Utc>) -> String {
        format!(
            "{}:{holds}:{}",
            TimelineKind::Escalated.as_string(),
            since.timestamp_micros()
        )
    }

    /// The dedup key of the serial-mismatch flag of the visit `job_id`: one per visit, whether
    /// `job.collected` or `job.completed` reports it (or both).
    /// The dedup key of the swap's cancellation: once per swap, however often logistics says so.
    pub fn cancelled_key(swap_id: SwapId) -> String {
        format!("{}:{swap_id}", TimelineKind::SwapCancelled.as_string())
    }

    /// The dedup key of the serial-mismatch flag of the visit `job_id`: one per visit, whether
    /// `job.collected` or `job.completed` reports it (or both).
    pub fn mismatch_key(job_id: JobId) -> String {
        format!(
            "{}:{job_id}",
            TimelineKind::CollectedSerialMismatch.as_string()
        )
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn an_entry_is_stored_as_its_kind_and_its_fields() {
        let entry = TimelineEntry::SwapApproved {
            swap_id: SwapId(uuid::Uuid::nil()),
            replacement_sku: "WM-2".into(),
            window: TimeWindow {
                start: DateTime::<Utc>::UNIX_EPOCH,
                end: DateTime::<Utc>::UNIX_EPOCH,
            },
            approved_by: "clerk@x.de".into(),
            authorized_by: None,
            stock_location: Some("Lager".into()),
            overbooked_by: None,
        };
        let (kind, details) = entry.to_stored();
        assert_eq!(kind, TimelineKind::SwapApproved);
        assert_eq!(kind.as_string(), "swap_approved");
        // Absent optional facts are left out, as before the enum.
        assert_eq!(
            details,
            json!({"swap_id": uuid::Uuid::nil(), "replacement_sku": "WM-2",
                   "window": {"start": "1970-01-01T00:00:00Z", "end": "1970-01-01T00:00:00Z"},
                   "approved_by": "clerk@x.de", "stock_location": "Lager"})
        );
        let back = TimelineEntry::from_stored(&kind.as_string(), &details).unwrap();
        assert_eq!(back, entry);
        assert_eq!(TimelineKind::parse("swap_approved"), Some(kind));
        assert_eq!(TimelineKind::parse("teleported"), None);
    }
}
