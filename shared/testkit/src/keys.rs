//! The API keys a test holds, so that its requests carry the right one without every call
//! naming it: per service (its base URL) the key of each tenant the test made, and the key of
//! the tenant made last (an authenticated caller asking about an unknown or another tenant:
//! the service's 404).

use std::collections::HashMap;
use std::sync::Mutex;

use uuid::Uuid;

use crate::service::TestService;

#[derive(Default)]
struct Keys {
    of: HashMap<(String, Uuid), String>,
    last: HashMap<String, String>,
}

static KEYS: Mutex<Option<Keys>> = Mutex::new(None);

/// Remembers `key` as the key of `tenant` at `svc` (and as the last one made there).
pub fn remember_key(svc: &TestService, tenant: Uuid, key: &str) {
    let mut keys = KEYS.lock().unwrap_or_else(|e| e.into_inner());
    let keys = keys.get_or_insert_with(Keys::default);
    keys.of.insert((svc.url(""), tenant), key.to_owned());
    keys.last.insert(svc.url(""), key.to_owned());
}

/// The key a request to `path` goes with: for a path under `prefix` (`/api/retailers/`), the
/// key of the tenant whose id follows it when the test made one, else the last key made.
pub fn key_for(svc: &TestService, prefix: &str, path: &str) -> Option<String> {
    let keys = KEYS.lock().unwrap_or_else(|e| e.into_inner());
    let keys = keys.as_ref()?;
    let tenant = path
        .strip_prefix(prefix)?
        .split(['/', '?'])
        .next()
        .and_then(|s| Uuid::parse_str(s).ok());
    tenant
        .and_then(|t| keys.of.get(&(svc.url(""), t)).cloned())
        .or_else(|| keys.last.get(&svc.url("")).cloned())
}

/// A request to `path` with the credential a test sends there: the operator token for `POST`
/// to `tenants` itself (`/api/retailers`: making a tenant), else the key [`key_for`] picks for
/// the tenant under `tenants`.
pub fn request(
    svc: &TestService,
    method: reqwest::Method,
    path: &str,
    tenants: &str,
) -> reqwest::RequestBuilder {
    let req = svc.client.request(method, svc.url(path));
    if path == tenants {
        return req.bearer_auth(crate::service::TEST_OPERATOR_TOKEN);
    }
    match key_for(svc, &format!("{tenants}/"), path) {
        Some(key) => req.bearer_auth(key),
        None => req,
    }
}
