//! The series every service records besides the messaging machinery's, and the start-up step
//! that describes them all. One naming scheme for every series of Kümmerer:
//! `kummerer_<area>_<what>[_<unit>][_total]` (a counter ends in `_total`, a duration in
//! `_seconds`, a size in `_bytes`); a service's own series carry its name as the area
//! (`kummerer_manufacturer_webhook_attempts_total`). Each series has HELP text: the shared ones
//! from [`describe`], a service's own from its `metrics::describe()` called in its `build`.

use kummerer_contracts::topology::Service;
use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};

pub const HTTP_REQUESTS: &str = "kummerer_http_requests_total";
pub const HTTP_REQUEST_DURATION: &str = "kummerer_http_request_duration_seconds";
pub const RESIDENT_MEMORY: &str = "kummerer_process_resident_memory_bytes";
pub const PEAK_RESIDENT_MEMORY: &str = "kummerer_process_peak_resident_memory_bytes";
pub const BUILD_INFO: &str = "kummerer_build_info";

/// Describes the shared series (HTTP, process, messaging) and sets `kummerer_build_info`
/// (value 1; labels `service` and `version`). Called by `serve` once the recorder is installed.
pub fn describe(service: Service) {
    describe_counter!(
        HTTP_REQUESTS,
        "HTTP requests answered, by method, route (the pattern, not the path) and status."
    );
    describe_histogram!(
        HTTP_REQUEST_DURATION,
        Unit::Seconds,
        "Time to answer an HTTP request, by method and route."
    );
    describe_gauge!(
        RESIDENT_MEMORY,
        Unit::Bytes,
        "Resident memory of the process at the last scrape."
    );
    describe_gauge!(
        PEAK_RESIDENT_MEMORY,
        Unit::Bytes,
        "Peak resident memory of the process since it started."
    );
    describe_gauge!(
        BUILD_INFO,
        "Always 1: the service and the version of its build, as labels."
    );
    kummerer_messaging::metrics::describe();
    metrics::gauge!(
        BUILD_INFO,
        "service" => service.name(),
        "version" => env!("CARGO_PKG_VERSION"),
    )
    .set(1.0);
}
