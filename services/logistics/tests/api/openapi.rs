//! The OpenAPI document (`services/logistics/openapi.json`): it keeps the conventions, every
//! documented operation is routed, and it is served with the shared docs page.

use kummerer_testkit::openapi::{check_document, check_routed};
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
    let res = svc
        .client
        .get(svc.url("/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let spec: Value = res.json().await.unwrap();
    assert_eq!(
        spec,
        serde_json::from_str::<Value>(logistics::http::openapi::DOCUMENT).unwrap()
    );
    let docs = svc.client.get(svc.url("/docs")).send().await.unwrap();
    assert_eq!(docs.status(), 200);
    let page = docs.text().await.unwrap();
    assert!(page.contains("/openapi.json") && !page.contains("https://"));
    check_routed(&svc, &spec, PENDING).await;
    svc.stop().await;
}
