//! Logistics' own settings, read from the environment and checked once at start (beside the
//! shared `kummerer_service::Config`): a bad value stops the start with a message naming the
//! variable. Secrets are wrapped ([`SecretString`]): they never show in `Debug` or in logs.
//!
//! | variable | meaning |
//! |---|---|
//! | `KUMMERER_OPERATOR_TOKEN` | the operator's bearer token (creating carriers and their tokens), read by the shared [`Config`]; unset or empty: those routes answer 503 |
//! | `KUMMERER_BLOB_DIR`, `KUMMERER_BLOB_S3_*` | the blob store the photos go to (`kummerer_blobs::Settings`: a local directory, default `./data/blobs`, or an S3-compatible bucket); opened at start |
//! | `KUMMERER_PHOTO_DIR` | former photo directory: the blob directory when no `KUMMERER_BLOB_*` is set (its photos stay readable) |
//! | `KUMMERER_INSECURE_COOKIES` | `1`: the pages' session cookies are not `Secure` (plain HTTP under another host name); `0` or unset: they are |
//! | `KUMMERER_OVERDUE_SWEEP_SECONDS` | how often overdue jobs are looked for and escalated (default 30; `0`: never, e.g. in a test that counts a job's history) |
//! | `KUMMERER_JOB_UNASSIGNED_LEAD_SECONDS` | how long before its window a job not on a crew is overdue (default 86400 = 24 h; 0 to 2592000) |
//! | `KUMMERER_JOB_RESCHEDULE_WITHIN_SECONDS` | how long a failed visit may wait for a new date before it is overdue (default 172800 = 48 h; 1 to 2592000) |
//! | `KUMMERER_SLOT_WINDOWS` | the delivery windows of a day, local times (default `08:00-12:00,12:00-16:00,16:00-20:00`) |
//! | `KUMMERER_SLOT_TIME_ZONE` | the time zone of those windows (default `Europe/Berlin`) |
//! | `KUMMERER_SLOT_HORIZON_DAYS` | how many days after today the windows with room are announced (default 14; 0 to 60) |
//! | `KUMMERER_SLOT_ANNOUNCE_SECONDS` | how often every carrier's horizon is compared with what was announced (default 5; `0`: no announcements at all) |

use kummerer_service::config::Config;
use secrecy::{ExposeSecret, SecretString};

use crate::domain::overdue::Thresholds;
use crate::photos::PHOTO_DIR_VAR;

pub const INSECURE_COOKIES_VAR: &str = "KUMMERER_INSECURE_COOKIES";
pub const OVERDUE_SWEEP_VAR: &str = "KUMMERER_OVERDUE_SWEEP_SECONDS";
pub const UNASSIGNED_LEAD_VAR: &str = "KUMMERER_JOB_UNASSIGNED_LEAD_SECONDS";
pub const RESCHEDULE_WITHIN_VAR: &str = "KUMMERER_JOB_RESCHEDULE_WITHIN_SECONDS";
pub const SLOT_WINDOWS_VAR: &str = "KUMMERER_SLOT_WINDOWS";
pub const SLOT_TIME_ZONE_VAR: &str = "KUMMERER_SLOT_TIME_ZONE";
pub const SLOT_HORIZON_VAR: &str = "KUMMERER_SLOT_HORIZON_DAYS";
pub const SLOT_ANNOUNCE_VAR: &str = "KUMMERER_SLOT_ANNOUNCE_SECONDS";

/// The longest a job's threshold may be: 30 days.
const THRESHOLD_MAX_SECONDS: u64 = 30 * 86_400;

/// Shortest operator token that does not draw a warning at start.
const OPERATOR_TOKEN_ADVISED: usize = 32;

/// What logistics reads from its environment, checked.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The operator's token; `None` closes the operator's routes (503).
    pub operator_token: Option<SecretString>,
    /// Where the photos' bytes are kept: the blob store the services share.
    pub blobs: kummerer_blobs::Settings,
    /// `KUMMERER_PHOTO_DIR` was used for the blob directory (warned about at start).
    pub legacy_photo_dir: bool,
    /// The pages' session cookies without `Secure`.
    pub insecure_cookies: bool,
    /// How often the overdue jobs' sweep runs; `None`: never.
    pub overdue_sweep: Option<std::time::Duration>,
    /// How long a job may wait before it is overdue.
    pub overdue: Thresholds,
    /// The delivery windows announced with their room; `None`: no announcements.
    pub slots: Option<crate::app::slots::SlotConfig>,
}

/// A variable whose value cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("configuration: {var} is not valid: {reason}")]
pub struct SettingsError {
    pub var: &'static str,
    pub reason: String,
}

impl Settings {
    /// From the process environment; the operator's token from the shared `config`.
    pub fn from_env(config: &Config) -> Result<Settings, SettingsError> {
        Settings::from_lookup(config, |name| std::env::var(name).ok())
    }

    /// From `lookup` (a variable's value, `None` when unset; tests pass a map) and the
    /// operator's token of the shared `config`.
    pub fn from_lookup(
        config: &Config,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Settings, SettingsError> {
        let set = |var: &str| lookup(var).is_some_and(|v| !v.trim().is_empty());
        let legacy_photo_dir = set(PHOTO_DIR_VAR)
            && !set(kummerer_blobs::BLOB_DIR_VAR)
            && !set(kummerer_blobs::S3_BUCKET_VAR);
        let blobs = kummerer_blobs::Settings::from_lookup(|var| {
            if legacy_photo_dir && var == kummerer_blobs::BLOB_DIR_VAR {
                lookup(PHOTO_DIR_VAR)
            } else {
                lookup(var)
            }
        })
        .map_err(|e| SettingsError {
            var: e.var,
            reason: e.reason,
        })?;
        let insecure_cookies = match lookup(INSECURE_COOKIES_VAR).as_deref().map(str::trim) {
            None | Some("" | "0") => false,
            Some("1") => true,
            Some(other) => {
                return Err(SettingsError {
                    var: INSECURE_COOKIES_VAR,
                    reason: format!("expected 1 or 0, not {other:?}"),
                });
            }
        };
        let overdue_sweep = match lookup(OVERDUE_SWEEP_VAR).as_deref().map(str::trim) {
            None | Some("") => Some(crate::app::overdue::INTERVAL),
            Some(raw) => match raw.parse::<u64>() {
                Ok(0) => None,
                Ok(n) if n <= 86_400 => Some(std::time::Duration::from_secs(n)),
                _ => {
                    return Err(SettingsError {
                        var: OVERDUE_SWEEP_VAR,
                        reason: format!("expected whole seconds from 0 to 86400, not {raw:?}"),
                    });
                }
            },
        };
        let d = Thresholds::DEFAULT;
        let overdue = Thresholds {
            unassigned_lead: seconds(&lookup, UNASSIGNED_LEAD_VAR, 0, d.unassigned_lead)?,
            reschedule_within: seconds(&lookup, RESCHEDULE_WITHIN_VAR, 1, d.reschedule_within)?,
        };
        let slots = slot_config(&lookup)?;
        Ok(Settings {
            operator_token: config.operator_token.clone(),
            blobs,
            legacy_photo_dir,
            insecure_cookies,
            overdue_sweep,
            overdue,
            slots,
        })
    }

    /// Says at start what the settings leave closed or weak.
    pub fn warn_about(&self) {
        match &self.operator_token {
            None => tracing::warn!(
                "KUMMERER_OPERATOR_TOKEN is not set: creating carriers and tokens answers 503"
            ),
            Some(t) if t.expose_secret().chars().count() < OPERATOR_TOKEN_ADVISED => {
                tracing::warn!(
                    "KUMMERER_OPERATOR_TOKEN is short: use at least 32 random characters"
                )
            }
            Some(_) => {}
        }
        if self.legacy_photo_dir {
            tracing::warn!(
                "KUMMERER_PHOTO_DIR is used as the blob directory: rename it KUMMERER_BLOB_DIR"
            );
        }
        if self.insecure_cookies {
            tracing::warn!("KUMMERER_INSECURE_COOKIES=1: the session cookies are not Secure");
        }
    }
}

/// `var` in whole seconds from `min` to 30 days; unset or empty: `default`.
/// The `KUMMERER_SLOT_*` settings; `None` when the announcements are off.
fn slot_config(
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<Option<crate::app::slots::SlotConfig>, SettingsError> {
    use crate::app::slots::{HORIZON_DAYS, INTERVAL, SlotConfig};
    use crate::domain::slots::SlotGrid;
    let set = |var: &str| lookup(var).filter(|v| !v.trim().is_empty());
    let whole = |var: &'static str, max: u64, default: u64| match set(var) {
        None => Ok(default),
        Some(raw) => raw
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|n| *n <= max)
            .ok_or_else(|| SettingsError {
                var,
                reason: format!("expected a whole number from 0 to {max}, not {raw:?}"),
            }),
    };
    let every = whole(SLOT_ANNOUNCE_VAR, 86_400, INTERVAL.as_secs())?;
    let horizon = whole(SLOT_HORIZON_VAR, 60, HORIZON_DAYS.unsigned_abs())?;
    let default = SlotGrid::default();
    let grid = match (set(SLOT_WINDOWS_VAR), set(SLOT_TIME_ZONE_VAR)) {
        (None, None) => default,
        (windows, zone) => {
            let windows = windows.unwrap_or_else(|| "08:00-12:00,12:00-16:00,16:00-20:00".into());
            let zone = zone.unwrap_or_else(|| default.time_zone.name().to_owned());
            SlotGrid::parse(&windows, &zone).map_err(|reason| SettingsError {
                var: SLOT_WINDOWS_VAR,
                reason,
            })?
        }
    };
    if every == 0 {
        return Ok(None);
    }
    Ok(Some(SlotConfig {
        grid,
        horizon_days: i64::try_from(horizon).unwrap_or(HORIZON_DAYS),
        every: std::time::Duration::from_secs(every),
    }))
}

fn seconds(
    lookup: &impl Fn(&str) -> Option<String>,
    var: &'static str,
    min: u64,
    default: chrono::Duration,
) -> Result<chrono::Duration, SettingsError> {
    let Some(raw) = lookup(var).filter(|v| !v.trim().is_empty()) else {
        return Ok(default);
    };
    raw.trim()
        .parse::<u64>()
        .ok()
        .filter(|n| (min..=THRESHOLD_MAX_SECONDS).contains(n))
        .and_then(|n| i64::try_from(n).ok())
        .map(chrono::Duration::seconds)
        .ok_or_else(|| SettingsError {
            var,
            reason: format!(
                "expected whole seconds from {min} to {THRESHOLD_MAX_SECONDS}, not {raw:?}"
            ),
        })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use kummerer_service::config::Service;

    use super::*;

    const OPERATOR_TOKEN_VAR: &str = "KUMMERER_OPERATOR_TOKEN";

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, SettingsError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let config = Config::from_lookup(Service::Logistics, 8083, |name| vars.get(name).cloned())
            .expect("the shared configuration");
        Settings::from_lookup(&config, |name| vars.get(name).cloned())
    }

    #[test]
    fn defaults_when_nothing_is_set() {
        let s = settings(&[]).unwrap();
        assert!(s.operator_token.is_none());
        assert!(matches!(
            &s.blobs,
            kummerer_blobs::Settings::Local { dir }
                if dir == std::path::Path::new(kummerer_blobs::DEFAULT_BLOB_DIR)
        ));
        assert!(!s.legacy_photo_dir);
        assert!(!s.insecure_cookies);
        assert_eq!(s.overdue, Thresholds::DEFAULT);
    }

    #[test]
    fn the_overdue_thresholds_are_seconds_and_a_bad_one_names_its_variable() {
        let s = settings(&[(UNASSIGNED_LEAD_VAR, "0"), (RESCHEDULE_WITHIN_VAR, " 3 ")]).unwrap();
        assert_eq!(s.overdue.unassigned_lead, chrono::Duration::zero());
        assert_eq!(s.overdue.reschedule_within, chrono::Duration::seconds(3));
        for (var, bad) in [
            (UNASSIGNED_LEAD_VAR, "-1"),
            (UNASSIGNED_LEAD_VAR, "2592001"),
            (RESCHEDULE_WITHIN_VAR, "0"),
            (RESCHEDULE_WITHIN_VAR, "2 days"),
        ] {
            let e = settings(&[(var, bad)]).unwrap_err();
            assert_eq!(e.var, var);
            assert!(e.to_string().contains(var), "{e}");
        }
    }

    #[test]
    fn the_former_photo_directory_is_the_blob_directory_unless_a_blob_store_is_set() {
        let s = settings(&[(PHOTO_DIR_VAR, "/srv/photos")]).unwrap();
        assert!(s.legacy_photo_dir);
        assert!(matches!(
            &s.blobs,
            kummerer_blobs::Settings::Local { dir } if dir == std::path::Path::new("/srv/photos")
        ));
        let s = settings(&[
            (PHOTO_DIR_VAR, "/srv/photos"),
            ("KUMMERER_BLOB_DIR", "/srv/b"),
        ])
        .unwrap();
        assert!(!s.legacy_photo_dir);
        assert!(matches!(
            &s.blobs,
            kummerer_blobs::Settings::Local { dir } if dir == std::path::Path::new("/srv/b")
        ));
        let e = settings(&[("KUMMERER_BLOB_S3_BUCKET", "kummerer")]).unwrap_err();
        assert_eq!(e.var, "KUMMERER_BLOB_S3_ACCESS_KEY_ID");
    }

    #[test]
    fn a_bad_value_names_its_variable() {
        let e = settings(&[(INSECURE_COOKIES_VAR, "yes")]).unwrap_err();
        assert_eq!(e.var, INSECURE_COOKIES_VAR);
        assert!(e.to_string().contains("KUMMERER_INSECURE_COOKIES"));
    }

    #[test]
    fn the_token_is_trimmed_and_never_shown() {
        let s = settings(&[
            (OPERATOR_TOKEN_VAR, "  secret-token  "),
            (INSECURE_COOKIES_VAR, "1"),
        ])
        .unwrap();
        assert_eq!(
            s.operator_token
                .as_ref()
                .map(|t| t.expose_secret().to_owned()),
            Some("secret-token".to_owned())
        );
        assert!(!format!("{s:?}").contains("secret-token"));
        assert!(s.insecure_cookies);
        assert!(
            settings(&[(OPERATOR_TOKEN_VAR, "   ")])
                .unwrap()
                .operator_token
                .is_none()
        );
    }
}
