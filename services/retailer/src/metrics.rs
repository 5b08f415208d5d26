//! The retailer's own series (the shared ones are in `kummerer_service::metrics`), named
//! `kummerer_retailer_…`, each described by [`describe`] when the service is built.

use metrics::{describe_counter, describe_gauge};

pub const SESSIONS_PURGED: &str = "kummerer_retailer_desk_sessions_purged_total";
pub const EVIDENCE_FORWARDED: &str = "kummerer_retailer_evidence_forwarded_total";
pub const AGREEMENT_VERSIONS_STORED: &str = "kummerer_retailer_agreement_versions_stored_total";
pub const CREDIT_NOTES_STORED: &str = "kummerer_retailer_credit_notes_stored_total";
pub const REQUESTS_ESCALATED: &str = "kummerer_retailer_approval_requests_escalated_total";
pub const REQUESTS_EXPIRED: &str = "kummerer_retailer_approval_requests_expired_total";
pub const OVERDUE_CASES: &str = "kummerer_retailer_overdue_cases";
pub const NOTIFICATIONS_SENT: &str = "kummerer_retailer_notifications_sent_total";
pub const NOTIFICATIONS_FAILED: &str = "kummerer_retailer_notifications_failed_total";
pub const ESCALATIONS: &str = "kummerer_retailer_escalations_total";
pub const SALES_REPORTED: &str = "kummerer_retailer_sales_reports_sent_total";

/// Gives the retailer's series their HELP text.
pub fn describe() {
    describe_counter!(
        NOTIFICATIONS_SENT,
        "Notifications to customers sent (e-mail, SMS), by channel."
    );
    describe_counter!(
        NOTIFICATIONS_FAILED,
        "Notifications to customers given up after the last retry (shown on the case), by channel."
    );
    describe_counter!(
        SESSIONS_PURGED,
        "Expired desk sessions removed by the sweep."
    );
    describe_counter!(
        EVIDENCE_FORWARDED,
        "Collected units' evidence (serial, photo) forwarded to the manufacturer's claim."
    );
    describe_counter!(
        AGREEMENT_VERSIONS_STORED,
        "Agreement versions received from manufacturers and stored for the counter."
    );
    describe_counter!(
        CREDIT_NOTES_STORED,
        "Credit notes received from manufacturers and entered in the recovery ledger."
    );
    describe_counter!(
        REQUESTS_ESCALATED,
        "Approval requests past their due time, escalated to every manager and admin."
    );
    describe_counter!(
        REQUESTS_EXPIRED,
        "Approval requests no manager decided before they expired (the case is open again)."
    );
    describe_gauge!(
        OVERDUE_CASES,
        "Open cases on which the retailer holds the ball past its due time (all retailers)."
    );
    describe_counter!(
        ESCALATIONS,
        "Overdue holdings of the retailer escalated to the store's managers (once each)."
    );
    describe_counter!(
        SALES_REPORTED,
        "Months of units sold reported to a linked manufacturer (sent again when they changed)."
    );
}

/// Counts the months one sales report sweep sent.
pub fn sales_reported(months: usize) {
    if months > 0 {
        metrics::counter!(SALES_REPORTED).increment(months as u64);
    }
}

/// Counts what one sweep of the approval requests did.
pub fn requests_swept(escalated: usize, expired: usize) {
    if escalated > 0 {
        metrics::counter!(REQUESTS_ESCALATED).increment(escalated as u64);
    }
    if expired > 0 {
        metrics::counter!(REQUESTS_EXPIRED).increment(expired as u64);
    }
}
