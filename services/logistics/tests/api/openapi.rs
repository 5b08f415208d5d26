//! The OpenAPI document (`services/logistics/openapi.json`): it keeps the conventions, every
//! documented operation is routed, and it is served with the shared docs page.

use kummerer_testkit::openapi::{check_document, check_served};
use serde_json::Value;

use crate::support::*;

/// Documented ahead of the routes other work adds (the lead empties this after merging).
const PENDING: &[(&str, &str)] = &[
    ("PUT", "/api/carriers/{cid}/regions"),
    ("GET", "/api/carriers/{cid}/regions"),
];

#[test]
fn the_openapi_document_keeps_the_conventions() {
    let spec: Value = serde_json::from_str(logistics::http::openapi::DOCUMENT).unwrap();
    check_document(&spec);
    assert_eq!(spec["info"]["title"], "Kümmerer logistics API");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_is_served_and_every_operation_is_routed() {
    let svc = start().await;
    check_served(&svc, logistics::http::openapi::DOCUMENT, PENDING).await;
    svc.stop().await;
}
