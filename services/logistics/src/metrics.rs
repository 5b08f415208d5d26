//! Logistics' own series (the shared ones are in `kummerer_service::metrics`), named
//! `kummerer_logistics_…`, each described by [`describe`] when the service is built.

use metrics::{describe_counter, describe_gauge};

pub const VISIT_STEPS: &str = "kummerer_logistics_visit_steps_total";
pub const VISITS_COMPLETED: &str = "kummerer_logistics_visits_completed_total";
pub const FAILED_ATTEMPTS: &str = "kummerer_logistics_failed_attempts_total";
pub const RETURN_ITEMS: &str = "kummerer_logistics_return_items_total";
pub const RETURN_SHIPMENTS_DISPATCHED: &str =
    "kummerer_logistics_return_shipments_dispatched_total";
pub const RETURN_UNITS_ARRIVED: &str = "kummerer_logistics_return_units_arrived_total";
pub const JOBS_OVERDUE: &str = "kummerer_logistics_jobs_overdue";
pub const RETURN_ITEMS_WITHDRAWN: &str = "kummerer_logistics_return_items_withdrawn_total";

/// Gives logistics' series their HELP text.
pub fn describe() {
    describe_counter!(
        VISIT_STEPS,
        "Visit steps the crews recorded, by step (on_the_way, delivered, collected)."
    );
    describe_counter!(
        VISITS_COMPLETED,
        "Visits completed (replacement delivered and defective unit collected)."
    );
    describe_counter!(
        FAILED_ATTEMPTS,
        "Failed visit attempts, by reason and whether a revisit was scheduled at once."
    );
    describe_counter!(
        RETURN_ITEMS,
        "Units requested back by a manufacturer and placed in a return shipment."
    );
    describe_counter!(
        RETURN_ITEMS_WITHDRAWN,
        "Return items the manufacturer withdrew before their shipment left."
    );
    describe_counter!(
        RETURN_SHIPMENTS_DISPATCHED,
        "Return shipments handed to a crew for the depot."
    );
    describe_counter!(
        RETURN_UNITS_ARRIVED,
        "Returned units that arrived at a manufacturer's depot."
    );
    describe_gauge!(
        JOBS_OVERDUE,
        "Jobs overdue at the last sweep: unassigned a day before their window, their window \
         passed without a completed visit, or a failed attempt nobody rescheduled in 48 h."
    );
}

/// The overdue jobs the last sweep counted.
pub fn jobs_overdue(n: i64) {
    metrics::gauge!(JOBS_OVERDUE).set(n as f64);
}
