//! The manufacturer's own series (the shared ones are in `kummerer_service::metrics`), named
//! `kummerer_manufacturer_…`, each described by [`describe`] when the service is built.

use metrics::{Unit, describe_counter, describe_histogram};

pub const CREDIT_NOTES_ISSUED: &str = "kummerer_manufacturer_credit_notes_issued_total";
pub const DISPUTES: &str = "kummerer_manufacturer_disputes_total";
pub const DISPUTES_IGNORED: &str = "kummerer_manufacturer_disputes_ignored_total";
pub const CLAIM_EVIDENCE: &str = "kummerer_manufacturer_claim_evidence_total";
pub const CLAIMS_NOT_ACCEPTED: &str = "kummerer_manufacturer_claims_not_accepted_total";
pub const RETURNS_ARRIVED: &str = "kummerer_manufacturer_returns_arrived_total";
pub const SALES_REPORTS_IGNORED: &str = "kummerer_manufacturer_sales_reports_ignored_total";
pub const WEBHOOK_EVENTS_QUEUED: &str = "kummerer_manufacturer_webhook_events_queued_total";
pub const WEBHOOK_ATTEMPTS: &str = "kummerer_manufacturer_webhook_attempts_total";
pub const WEBHOOK_ATTEMPT_DURATION: &str = "kummerer_manufacturer_webhook_attempt_duration_seconds";

/// Gives the manufacturer's series their HELP text.
pub fn describe() {
    describe_counter!(
        CREDIT_NOTES_ISSUED,
        "Credit notes issued to retailers (one claim or a period's batch each)."
    );
    describe_counter!(
        DISPUTES,
        "Disputes of rejected claims taken up for a new decision."
    );
    describe_counter!(
        DISPUTES_IGNORED,
        "Disputes ignored because the claim could not be disputed (not rejected, or disputed before)."
    );
    describe_counter!(CLAIM_EVIDENCE, "Pieces of claim evidence stored.");
    describe_counter!(
        CLAIMS_NOT_ACCEPTED,
        "Messages about a claim answered as not accepted (unknown manufacturer, no agreement, unknown claim), by reason."
    );
    describe_counter!(
        SALES_REPORTS_IGNORED,
        "Retailers' sales reports not applied, by reason (not_linked: dropped; not_newer: a late or doubled report)."
    );
    describe_counter!(
        RETURNS_ARRIVED,
        "Units requested back that arrived at a depot."
    );
    describe_counter!(
        WEBHOOK_EVENTS_QUEUED,
        "Webhook deliveries queued, one per subscribed endpoint, by event_type."
    );
    describe_counter!(
        WEBHOOK_ATTEMPTS,
        "Webhook delivery attempts, by outcome (delivered, gone, failed)."
    );
    describe_histogram!(
        WEBHOOK_ATTEMPT_DURATION,
        Unit::Seconds,
        "Time of one webhook delivery attempt, connect to last byte."
    );
}

/// Counts a sales report that was not applied (`not_linked`, `not_newer`).
pub fn sales_report_ignored(reason: &'static str) {
    metrics::counter!(SALES_REPORTS_IGNORED, "reason" => reason).increment(1);
}
