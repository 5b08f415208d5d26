//! The OpenAPI document (`services/logistics/openapi.json`): it keeps the conventions, every
//! documented operation is routed, and it is served with the shared docs page.

use kummerer_testkit::openapi::{check_document, check_served};
use serde_json::Value;

use crate::support::*;

#[test]
fn the_openapi_document_keeps_the_conventions() {
    let spec: Value = serde_json::from_str(logistics::http::openapi::DOCUMENT).unwrap();
    check_document(&spec);
    assert_eq!(spec["info"]["title"], "Kümmerer logistics API");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_is_served_and_every_operation_is_routed() {
    let svc = start().await;
    check_served(&svc, logistics::http::openapi::DOCUMENT, &[]).await;
    svc.stop().await;
}

/// Every `/api` door of the route table is documented, and every documented operation is a door.
#[test]
fn every_api_door_is_documented_and_every_documented_path_is_a_door() {
    let spec: Value = serde_json::from_str(logistics::http::openapi::DOCUMENT).unwrap();
    let doors = logistics::http::doors()
        .into_iter()
        .map(|d| (d.method.as_str().to_owned(), d.path));
    kummerer_testkit::openapi::check_doors_documented(&spec, doors);
}
