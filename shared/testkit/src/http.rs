//! JSON over HTTP against a [`TestService`]: requests that return `(status, body)`, and the
//! check of a problem response (RFC 9457) every service's tests make.

use serde_json::Value as Json;

use crate::service::TestService;

/// `GET path`; the status and the JSON body.
pub async fn get_json(svc: &TestService, path: &str) -> (u16, Json) {
    let res = svc.client.get(svc.url(path)).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

/// `POST path` with a JSON `body`; the status and the JSON body.
pub async fn post_json(svc: &TestService, path: &str, body: Json) -> (u16, Json) {
    let res = svc
        .client
        .post(svc.url(path))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

/// A problem response: status, content type and code; returns the body.
pub async fn assert_problem(res: reqwest::Response, status: u16, code: &str, what: &str) -> Json {
    assert_eq!(res.status().as_u16(), status, "{what}");
    let ct = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    assert!(
        ct.starts_with("application/problem+json"),
        "{what}: content-type {ct}"
    );
    let body: Json = res.json().await.unwrap();
    assert_eq!(body["code"], code, "{what}: {body}");
    assert_eq!(body["status"], status, "{what}: {body}");
    body
}
