//! The manufacturer's settings: everything the service reads from its environment beyond the
//! shared [`Config`], read and checked once at start. A bad value stops the start with a
//! [`ConfigError`] naming its variable (exit code 2, like the shared variables); secrets are
//! held as [`SecretString`], so no `Debug` or log line shows them.
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `KUMMERER_OPERATOR_TOKEN` | bearer token of the operator routes (read by the shared [`Config`]); unset closes them (503) | unset |
//! | `KUMMERER_WEBHOOK_DISABLE_AFTER_S` | seconds an endpoint may fail continuously before it is disabled, 60 s – 30 days | 259200 (3 days) |
//! | `KUMMERER_WEBHOOK_ALLOW_HOSTS` | receivers beyond public addresses a webhook may reach (CIDRs, addresses, `host:port`; for tests and development) | none |
//! | `HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY` (or lower-case) | the proxy webhooks go through (an HTTP `CONNECT` tunnel), and the hosts that go direct | none |
//! | `KUMMERER_WEBHOOK_TIMEOUT_MS` | timeout of one webhook request, 100–120000 ms | 10000 |
//! | `KUMMERER_BLOB_DIR`, `KUMMERER_BLOB_S3_*` | the blob store the services share, where the evidence's photos are fetched from by key (`kummerer_blobs::Settings`: a local directory or an S3-compatible bucket); opened at start | `./data/blobs` |
//! | `KUMMERER_MUST_RETURN_WITHIN_S` | seconds a unit asked back by an agreement's `must_return` has to reach the depot (its `return_by`, from the claim's arrival), 1 s – 365 days | 2592000 (30 days) |

use std::ops::RangeInclusive;
use std::sync::OnceLock;
use std::time::Duration;

use kummerer_service::{Config, ConfigError};
use secrecy::SecretString;

use crate::webhooks::{delivery, egress};

pub const WEBHOOK_DISABLE_AFTER_VAR: &str = "KUMMERER_WEBHOOK_DISABLE_AFTER_S";
pub const WEBHOOK_TIMEOUT_VAR: &str = "KUMMERER_WEBHOOK_TIMEOUT_MS";
pub const MUST_RETURN_WITHIN_VAR: &str = "KUMMERER_MUST_RETURN_WITHIN_S";

/// How long a `must_return` unit has to reach the depot, by default: 30 days.
pub const DEFAULT_MUST_RETURN_WITHIN: chrono::TimeDelta = chrono::TimeDelta::days(30);

/// What the manufacturer is tuned and secured by.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The operator routes' bearer token; `None` closes them.
    pub operator_token: Option<SecretString>,
    /// The webhook delivery worker's tuning.
    pub webhooks: delivery::Settings,
    /// How long a unit asked back by the agreement (`must_return`) has to reach the depot.
    pub must_return_within: chrono::TimeDelta,
    /// Where the evidence's photos are fetched from (claim-check).
    pub blobs: kummerer_blobs::Settings,
}

/// The service's own variables as `main` read them (unset in tests, which start the service
/// in-process and take the defaults).
static FROM_ENV: OnceLock<delivery::Settings> = OnceLock::new();
static MUST_RETURN_WITHIN: OnceLock<chrono::TimeDelta> = OnceLock::new();
static BLOBS: OnceLock<kummerer_blobs::Settings> = OnceLock::new();

/// How long a `must_return` unit has to reach the depot: `KUMMERER_MUST_RETURN_WITHIN_S` as
/// `main` read it, else [`DEFAULT_MUST_RETURN_WITHIN`].
pub fn must_return_within() -> chrono::TimeDelta {
    MUST_RETURN_WITHIN
        .get()
        .copied()
        .unwrap_or(DEFAULT_MUST_RETURN_WITHIN)
}

impl Settings {
    /// Reads the service's own variables through `lookup` (the environment, or a map in tests);
    /// the operator token comes from the shared `config`.
    pub fn from_lookup(
        config: &Config,
        lookup: impl Fn(&'static str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        Ok(Self {
            operator_token: operator_token(config),
            webhooks: webhook_settings(&lookup)?,
            must_return_within: must_return_setting(&lookup)?,
            blobs: blob_settings(&lookup)?,
        })
    }

    /// Reads and checks the process environment once; `main` calls it before the start.
    pub fn load_env() -> Result<(), ConfigError> {
        let lookup = |k: &'static str| std::env::var(k).ok();
        let webhooks = webhook_settings(&lookup)?;
        let must_return = must_return_setting(&lookup)?;
        let blobs = blob_settings(&lookup)?;
        let _ = FROM_ENV.set(webhooks);
        let _ = MUST_RETURN_WITHIN.set(must_return);
        let _ = BLOBS.set(blobs);
        Ok(())
    }

    /// The settings of a starting service: what [`Settings::load_env`] read (the defaults where
    /// it did not run) with the operator token of `config`.
    pub fn of(config: &Config) -> Self {
        Self {
            operator_token: operator_token(config),
            webhooks: FROM_ENV.get().cloned().unwrap_or_default(),
            must_return_within: must_return_within(),
            blobs: BLOBS
                .get()
                .cloned()
                .unwrap_or_else(|| kummerer_blobs::Settings::Local {
                    dir: kummerer_blobs::DEFAULT_BLOB_DIR.into(),
                }),
        }
    }
}

/// The blob store's variables (`KUMMERER_BLOB_DIR`, `KUMMERER_BLOB_S3_*`).
fn blob_settings(
    lookup: &impl Fn(&'static str) -> Option<String>,
) -> Result<kummerer_blobs::Settings, ConfigError> {
    kummerer_blobs::Settings::from_lookup(lookup).map_err(|e| ConfigError {
        var: e.var,
        // The value is not repeated: it may be the secret key.
        value: String::new(),
        reason: e.reason,
    })
}

fn operator_token(config: &Config) -> Option<SecretString> {
    config.operator_token.clone()
}

fn invalid(var: &'static str, value: &str, reason: String) -> ConfigError {
    ConfigError {
        var,
        value: value.to_owned(),
        reason,
    }
}

fn number(
    lookup: &impl Fn(&'static str) -> Option<String>,
    var: &'static str,
    range: RangeInclusive<u64>,
) -> Result<Option<u64>, ConfigError> {
    let Some(v) = lookup(var).filter(|v| !v.trim().is_empty()) else {
        return Ok(None);
    };
    v.trim()
        .parse::<u64>()
        .ok()
        .filter(|n| range.contains(n))
        .map(Some)
        .ok_or_else(|| {
            invalid(
                var,
                &v,
                format!("expected {} to {}", range.start(), range.end()),
            )
        })
}

/// The webhook worker's defaults, changed by `KUMMERER_WEBHOOK_DISABLE_AFTER_S` (60 s – 30
/// days), `KUMMERER_WEBHOOK_TIMEOUT_MS` (100–120000) and `KUMMERER_WEBHOOK_ALLOW_HOSTS`.
fn webhook_settings(
    lookup: &impl Fn(&'static str) -> Option<String>,
) -> Result<delivery::Settings, ConfigError> {
    let mut s = delivery::Settings::default();
    if let Some(secs) = number(lookup, WEBHOOK_DISABLE_AFTER_VAR, 60..=30 * 24 * 3600)? {
        s.disable_after = Duration::from_secs(secs);
    }
    if let Some(ms) = number(lookup, WEBHOOK_TIMEOUT_VAR, 100..=120_000)? {
        s.timeout = Duration::from_millis(ms);
    }
    if let Some(list) = lookup(egress::ALLOW_HOSTS_VAR) {
        s.egress = egress::Policy::parse(&list)
            .map_err(|e| invalid(egress::ALLOW_HOSTS_VAR, &list, e.to_string()))?;
    }
    s.proxy = delivery::Proxy::from_lookup(lookup);
    Ok(s)
}

/// `KUMMERER_MUST_RETURN_WITHIN_S` (1 s – 365 days), else [`DEFAULT_MUST_RETURN_WITHIN`].
fn must_return_setting(
    lookup: &impl Fn(&'static str) -> Option<String>,
) -> Result<chrono::TimeDelta, ConfigError> {
    Ok(number(lookup, MUST_RETURN_WITHIN_VAR, 1..=365 * 24 * 3600)?
        .and_then(|secs| i64::try_from(secs).ok())
        .map_or(DEFAULT_MUST_RETURN_WITHIN, chrono::TimeDelta::seconds))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::collections::HashMap;

    use kummerer_service::config::Service;
    use secrecy::ExposeSecret;

    use super::*;

    fn with(pairs: &[(&'static str, &str)]) -> Result<Settings, ConfigError> {
        let map: HashMap<&'static str, String> =
            pairs.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
        let config = Config::from_lookup(Service::Manufacturer, 8082, |k| map.get(k).cloned())?;
        Settings::from_lookup(&config, |k| map.get(k).cloned())
    }

    #[test]
    fn settings_come_from_the_environment_or_the_defaults() {
        let s = with(&[]).unwrap();
        assert_eq!(s.webhooks, delivery::Settings::default());
        assert!(s.operator_token.is_none());
        assert_eq!(s.must_return_within, chrono::TimeDelta::days(30));
        assert!(matches!(s.blobs, kummerer_blobs::Settings::Local { .. }));
        let e = with(&[("KUMMERER_BLOB_S3_BUCKET", "evidence")]).unwrap_err();
        assert_eq!(e.var, "KUMMERER_BLOB_S3_ACCESS_KEY_ID");
        let s = with(&[
            (WEBHOOK_DISABLE_AFTER_VAR, "3600"),
            (WEBHOOK_TIMEOUT_VAR, "2500"),
            (MUST_RETURN_WITHIN_VAR, "86400"),
            ("KUMMERER_OPERATOR_TOKEN", "s3cret-token"),
        ])
        .unwrap();
        assert_eq!(s.webhooks.disable_after, Duration::from_secs(3600));
        assert_eq!(s.webhooks.timeout, Duration::from_millis(2500));
        assert_eq!(s.must_return_within, chrono::TimeDelta::days(1));
        let token = s.operator_token.as_ref().unwrap();
        assert_eq!(token.expose_secret(), "s3cret-token");
        assert!(!format!("{s:?}").contains("s3cret"), "{s:?}");
    }

    #[test]
    fn the_webhook_proxy_comes_from_the_usual_variables_and_hides_its_password() {
        let s = with(&[
            ("https_proxy", "http://hooks:pr0xy-pass@proxy.example:3128"),
            ("NO_PROXY", "internal.example, 10.0.0.0/8"),
        ])
        .unwrap();
        let p = &s.webhooks.proxy;
        assert_eq!(
            p.https.as_deref(),
            Some("http://hooks:pr0xy-pass@proxy.example:3128")
        );
        assert_eq!(p.http, None);
        assert_eq!(p.no, "internal.example, 10.0.0.0/8");
        let shown = format!("{s:?}");
        assert!(!shown.contains("pr0xy-pass"), "{shown}");
        assert!(shown.contains("proxy.example:3128"), "{shown}");
        assert_eq!(
            with(&[("HTTPS_PROXY", " ")]).unwrap().webhooks.proxy,
            Default::default()
        );
    }

    #[test]
    fn a_bad_value_names_its_variable() {
        for (var, bad) in [
            (WEBHOOK_DISABLE_AFTER_VAR, "0"),
            (WEBHOOK_DISABLE_AFTER_VAR, "ten"),
            (WEBHOOK_DISABLE_AFTER_VAR, "59"),
            (egress::ALLOW_HOSTS_VAR, "not a host"),
            (WEBHOOK_TIMEOUT_VAR, "5"),
            (MUST_RETURN_WITHIN_VAR, "0"),
            (MUST_RETURN_WITHIN_VAR, "31536001"),
            (MUST_RETURN_WITHIN_VAR, "30d"),
        ] {
            let e = with(&[(var, bad)]).unwrap_err();
            assert_eq!(e.var, var);
            assert!(e.to_string().contains(var), "{e}");
        }
    }
}
