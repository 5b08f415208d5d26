//! Checks of a service's OpenAPI document that every service's tests share: the document is
//! OpenAPI 3.1, every `$ref` resolves, every operation answers problem+json for its errors
//! (401 where it needs a credential, 404 where its path names something, 400/415/422 where it
//! takes a JSON body, 500 everywhere), and every documented operation is routed by the service.

use serde_json::Value;
use uuid::Uuid;

use crate::service::TestService;

/// The `(METHOD, path)` of every operation in the document.
pub fn operations(spec: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for method in ["get", "put", "post", "delete", "patch"] {
            if item.get(method).is_some() {
                out.push((method.to_uppercase(), path.clone()));
            }
        }
    }
    out
}

/// What `$ref` points at, or `None`.
fn resolve<'a>(spec: &'a Value, r: &str) -> Option<&'a Value> {
    spec.pointer(r.strip_prefix('#')?)
}

fn refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get("$ref") {
                out.push(r.clone());
            }
            m.values().for_each(|v| refs(v, out));
        }
        Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

/// Panics with every way the document breaks the conventions.
pub fn check_document(spec: &Value) {
    let mut faults = Vec::new();
    if !spec["openapi"].as_str().unwrap_or("").starts_with("3.1") {
        faults.push("not OpenAPI 3.1".to_owned());
    }
    let mut all = Vec::new();
    refs(spec, &mut all);
    for r in all {
        if resolve(spec, &r).is_none() {
            faults.push(format!("{r} does not resolve"));
        }
    }
    let schemes = &spec["components"]["securitySchemes"];
    for (method, path) in operations(spec) {
        let op = &spec["paths"][&path][method.to_lowercase()];
        let what = format!("{method} {path}");
        let responses = &op["responses"];
        let has = |s: &str| responses.get(s).is_some();
        let problem = |s: &str| {
            let r = &responses[s];
            let r = r["$ref"]
                .as_str()
                .and_then(|p| resolve(spec, p))
                .unwrap_or(r);
            r["content"]["application/problem+json"]["schema"]["$ref"]
                == "#/components/schemas/Problem"
        };
        let secured = op["security"].as_array().is_some_and(|s| !s.is_empty());
        if secured {
            for req in op["security"].as_array().into_iter().flatten() {
                for name in req.as_object().into_iter().flat_map(|o| o.keys()) {
                    if schemes.get(name).is_none() {
                        faults.push(format!("{what}: no security scheme {name}"));
                    }
                }
            }
        }
        let mut expected = vec!["500"];
        if secured {
            expected.push("401");
        }
        if path.contains('{') {
            expected.push("404");
        }
        let json_body = op["requestBody"]["content"]
            .get("application/json")
            .is_some();
        if json_body {
            expected.extend(["400", "415", "422"]);
        }
        for status in expected {
            if !has(status) {
                faults.push(format!("{what}: no {status}"));
            } else if !problem(status) {
                faults.push(format!("{what}: {status} is not a Problem"));
            }
        }
        if !responses
            .as_object()
            .is_some_and(|r| r.keys().any(|k| k.starts_with('2')))
        {
            faults.push(format!("{what}: no success answer"));
        }
    }
    assert!(faults.is_empty(), "the OpenAPI document: {faults:#?}");
}

/// Calls every documented operation without a credential (path parameters filled with fresh
/// ids) and panics for each the service does not route (the router's 404 `no such resource`,
/// or 405), except those in `pending` (documented ahead of their route).
pub async fn check_routed(svc: &TestService, spec: &Value, pending: &[(&str, &str)]) {
    let mut unrouted = Vec::new();
    for (method, path) in operations(spec) {
        if pending.contains(&(method.as_str(), path.as_str())) {
            continue;
        }
        let mut url = String::new();
        for part in path.split('/').skip(1) {
            url.push('/');
            if part.starts_with('{') {
                url.push_str(
                    if part == "{role}" {
                        "manager".to_owned()
                    } else {
                        Uuid::now_v7().to_string()
                    }
                    .as_str(),
                );
            } else {
                url.push_str(part);
            }
        }
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let res = svc
            .client
            .request(m, svc.url(&url))
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        if status == 405 || (status == 404 && body["detail"] == "no such resource") {
            unrouted.push(format!("{method} {path}: {status} {body}"));
        }
    }
    assert!(
        unrouted.is_empty(),
        "documented but not routed: {unrouted:#?}"
    );
}

/// The service serves `document` at `/openapi.json` and the docs page at `/docs` (loading nothing
/// from elsewhere), and routes every documented operation ([`check_routed`]).
pub async fn check_served(svc: &TestService, document: &str, pending: &[(&str, &str)]) {
    let res = svc
        .client
        .get(svc.url("/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let content_type = res.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    let spec: Value = res.json().await.unwrap();
    assert_eq!(spec, serde_json::from_str::<Value>(document).unwrap());
    let docs = svc.client.get(svc.url("/docs")).send().await.unwrap();
    assert_eq!(docs.status(), 200);
    let page = docs.text().await.unwrap();
    assert!(page.contains("/openapi.json") && !page.contains("https://"));
    check_routed(svc, &spec, pending).await;
}

/// Every `/api` door of the service's route table (`(METHOD, path pattern)`, as
/// `kummerer_web::doors` records them) is documented, and every documented operation is such a
/// door: the document cannot fall behind the routes, nor describe a route that does not exist.
pub fn check_doors_documented(spec: &Value, doors: impl IntoIterator<Item = (String, String)>) {
    let mut documented = operations(spec);
    let mut doors: Vec<(String, String)> = doors
        .into_iter()
        .filter(|(_, path)| path.starts_with("/api"))
        .collect();
    documented.sort();
    doors.sort();
    let undocumented: Vec<_> = doors.iter().filter(|d| !documented.contains(d)).collect();
    let no_door: Vec<_> = documented.iter().filter(|d| !doors.contains(d)).collect();
    assert!(
        undocumented.is_empty(),
        "doors not in openapi.json: {undocumented:?}"
    );
    assert!(
        no_door.is_empty(),
        "documented but no such door: {no_door:?}"
    );
    assert!(!doors.is_empty(), "the route table has no /api door");
}
