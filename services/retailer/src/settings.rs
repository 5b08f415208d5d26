//! The retailer's settings, read from the environment and checked once at start (beside the
//! shared `Config` every service has: database, broker, port). A bad value stops the start with
//! a message naming the variable, instead of falling back silently.
//!
//! Nothing here is a secret: the database and broker URLs live in the shared `Config`, and the
//! first admin's password (`KUMMERER_ADMIN_PASSWORD`) is read by `create-admin` only.

use rust_decimal::Decimal;

use crate::domain::ledger::DEFAULT_TOLERANCE;

/// The ledger's tolerance for differences, the recourse warning and the DATEV accounts.
#[derive(Debug, Clone, Copy)]
pub struct LedgerConfig {
    pub tolerance: Decimal,
    /// `KUMMERER_RECOURSE_WARN_DAYS` (default 30): the ledger and the dashboard warn of a claim
    /// whose recourse deadline is this many days away or nearer.
    pub recourse_warn_days: i64,
    /// The accounts of the DATEV booking export (`/desk/ledger/datev.csv`).
    pub datev: DatevAccounts,
}

/// The accounts the DATEV-style export books on. The defaults follow SKR03 and are only a
/// start: the retailer's accountant sets them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DatevAccounts {
    /// `KUMMERER_DATEV_RECEIVABLE_ACCOUNT` (default 1400, SKR03 "Forderungen aus Lieferungen
    /// und Leistungen"): the claim against the manufacturer.
    pub receivable: u32,
    /// `KUMMERER_DATEV_RECOVERY_ACCOUNT` (default 2742, SKR03 "Versicherungsentschädigungen und
    /// Schadenersatzleistungen"): the recovery the decided claim books against.
    pub recovery: u32,
    /// `KUMMERER_DATEV_CLEARING_ACCOUNT` (default 1360, SKR03 "Geldtransit"): where a credit
    /// note's amount is booked when it settles the claim.
    pub clearing: u32,
}

impl Default for DatevAccounts {
    fn default() -> Self {
        DatevAccounts {
            receivable: 1400,
            recovery: 2742,
            clearing: 1360,
        }
    }
}

impl LedgerConfig {
    /// The recourse warning when `KUMMERER_RECOURSE_WARN_DAYS` is unset.
    pub const DEFAULT_RECOURSE_WARN_DAYS: i64 = 30;

    /// `KUMMERER_LEDGER_TOLERANCE` (a non-negative decimal); unset → 0.01;
    /// `KUMMERER_RECOURSE_WARN_DAYS` (0–3650, default 30); the `KUMMERER_DATEV_*_ACCOUNT`s
    /// (1–999999999). A bad value is an error naming the variable: the service does not start.
    pub fn from_env() -> anyhow::Result<LedgerConfig> {
        let tolerance = match std::env::var("KUMMERER_LEDGER_TOLERANCE") {
            Err(_) => DEFAULT_TOLERANCE,
            Ok(raw) => {
                let tolerance: Decimal = raw.trim().parse().map_err(|e| {
                    anyhow::anyhow!("KUMMERER_LEDGER_TOLERANCE={raw:?} is not a decimal: {e}")
                })?;
                anyhow::ensure!(
                    !tolerance.is_sign_negative(),
                    "KUMMERER_LEDGER_TOLERANCE={raw:?} must not be negative"
                );
                tolerance
            }
        };
        let number = |name: &str, default: u32, max: u32| -> anyhow::Result<u32> {
            match std::env::var(name) {
                Err(_) => Ok(default),
                Ok(raw) => match raw.trim().parse::<u32>() {
                    Ok(n) if (1..=max).contains(&n) || (max == 3650 && n == 0) => Ok(n),
                    _ => anyhow::bail!("{name}={raw:?} must be a whole number from 1 to {max}"),
                },
            }
        };
        let d = DatevAccounts::default();
        Ok(LedgerConfig {
            tolerance,
            recourse_warn_days: i64::from(number("KUMMERER_RECOURSE_WARN_DAYS", 30, 3650)?),
            datev: DatevAccounts {
                receivable: number(
                    "KUMMERER_DATEV_RECEIVABLE_ACCOUNT",
                    d.receivable,
                    999_999_999,
                )?,
                recovery: number("KUMMERER_DATEV_RECOVERY_ACCOUNT", d.recovery, 999_999_999)?,
                clearing: number("KUMMERER_DATEV_CLEARING_ACCOUNT", d.clearing, 999_999_999)?,
            },
        })
    }
}

/// A sweep's interval from `var`: whole seconds from 1 to 86400; unset → `default_s`; 0 →
/// never (`None`, e.g. for tests that sweep by hand). A bad value names the variable.
pub fn interval_from_env(var: &str, default_s: u64) -> anyhow::Result<Option<std::time::Duration>> {
    parse_interval(var, std::env::var(var).ok().as_deref(), default_s)
}

/// See [`interval_from_env`].
pub fn parse_interval(
    var: &str,
    raw: Option<&str>,
    default_s: u64,
) -> anyhow::Result<Option<std::time::Duration>> {
    let Some(raw) = raw else {
        return Ok(Some(std::time::Duration::from_secs(default_s)));
    };
    let s: u64 = raw
        .trim()
        .parse()
        .map_err(|e| anyhow::anyhow!("{var}={raw:?} is not a whole number: {e}"))?;
    anyhow::ensure!(s <= 86_400, "{var}={raw:?} must be from 0 to 86400");
    Ok((s > 0).then(|| std::time::Duration::from_secs(s)))
}

/// How far a sale's price paid may lie above the product's list price.
#[derive(Debug, Clone, Copy)]
pub struct SalesConfig {
    /// Percent of the list price a price paid may exceed it by (0: never above the list price).
    pub price_tolerance_percent: Decimal,
}

impl SalesConfig {
    /// The tolerance when `KUMMERER_PRICE_TOLERANCE_PERCENT` is unset: none.
    pub const DEFAULT_TOLERANCE_PERCENT: Decimal = Decimal::ZERO;

    /// `KUMMERER_PRICE_TOLERANCE_PERCENT` (a decimal from 0 to 100); unset → 0. A bad value is
    /// an error naming the variable: the service does not start.
    pub fn from_env() -> anyhow::Result<SalesConfig> {
        match std::env::var("KUMMERER_PRICE_TOLERANCE_PERCENT") {
            Err(_) => Ok(SalesConfig::default()),
            Ok(raw) => SalesConfig::parse(&raw),
        }
    }

    fn parse(raw: &str) -> anyhow::Result<SalesConfig> {
        let percent: Decimal = raw.trim().parse().map_err(|e| {
            anyhow::anyhow!("KUMMERER_PRICE_TOLERANCE_PERCENT={raw:?} is not a decimal: {e}")
        })?;
        anyhow::ensure!(
            !percent.is_sign_negative() && percent <= Decimal::ONE_HUNDRED,
            "KUMMERER_PRICE_TOLERANCE_PERCENT={raw:?} must be from 0 to 100"
        );
        Ok(SalesConfig {
            price_tolerance_percent: percent,
        })
    }
}

impl Default for SalesConfig {
    fn default() -> Self {
        SalesConfig {
            price_tolerance_percent: Self::DEFAULT_TOLERANCE_PERCENT,
        }
    }
}

/// How long a clerk's approval request waits for a manager: past `escalate_after` it is
/// escalated to every manager and admin, past `expire_after` it expires and the case is open
/// again for a decision; the sweep looks every `sweep_every`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestsConfig {
    pub escalate_after: chrono::Duration,
    pub expire_after: chrono::Duration,
    pub sweep_every: std::time::Duration,
}

impl RequestsConfig {
    pub const DEFAULT_ESCALATE_MINUTES: i64 = 30;
    pub const DEFAULT_EXPIRE_MINUTES: i64 = 8 * 60;

    /// `KUMMERER_REQUEST_ESCALATE_MINUTES` (unset → 30) and `KUMMERER_REQUEST_EXPIRE_MINUTES`
    /// (unset → 480), minutes from 1 second (`0.0167`; a decimal, so a test can shorten them) to
    /// 43200, the expiry not before the escalation; `KUMMERER_REQUEST_SWEEP_SECONDS` (unset → 15,
    /// 1 to 3600) how often the sweep looks. A bad value is an error naming the variable: the
    /// service does not start.
    pub fn from_env() -> anyhow::Result<RequestsConfig> {
        let var = |name| std::env::var(name).ok();
        let mut c = RequestsConfig::parse(
            var("KUMMERER_REQUEST_ESCALATE_MINUTES").as_deref(),
            var("KUMMERER_REQUEST_EXPIRE_MINUTES").as_deref(),
        )?;
        c.sweep_every = sweep_seconds(var("KUMMERER_REQUEST_SWEEP_SECONDS").as_deref())?;
        Ok(c)
    }

    fn parse(escalate: Option<&str>, expire: Option<&str>) -> anyhow::Result<RequestsConfig> {
        /// The value in whole milliseconds (a decimal number of minutes).
        fn minutes(name: &str, raw: Option<&str>, default: i64) -> anyhow::Result<i64> {
            let Some(raw) = raw else {
                return Ok(default * 60_000);
            };
            let n: Decimal = raw
                .trim()
                .parse()
                .map_err(|e| anyhow::anyhow!("{name}={raw:?} is not a number of minutes: {e}"))?;
            let ms = (n * Decimal::from(60_000)).round();
            anyhow::ensure!(
                ms >= Decimal::from(1_000) && n <= Decimal::from(60 * 24 * 30),
                "{name}={raw:?} must be from 1 second (0.0167) to 43200 minutes"
            );
            Ok(i64::try_from(ms)?)
        }
        let escalate = minutes(
            "KUMMERER_REQUEST_ESCALATE_MINUTES",
            escalate,
            Self::DEFAULT_ESCALATE_MINUTES,
        )?;
        let expire = minutes(
            "KUMMERER_REQUEST_EXPIRE_MINUTES",
            expire,
            Self::DEFAULT_EXPIRE_MINUTES,
        )
        .map(|ms| {
            if expire.is_none() {
                ms.max(escalate)
            } else {
                ms
            }
        })?;
        anyhow::ensure!(
            expire >= escalate,
            "KUMMERER_REQUEST_EXPIRE_MINUTES={} must not be below \
             KUMMERER_REQUEST_ESCALATE_MINUTES={}",
            Decimal::new(expire, 0) / Decimal::from(60_000),
            Decimal::new(escalate, 0) / Decimal::from(60_000)
        );
        Ok(RequestsConfig {
            escalate_after: chrono::Duration::milliseconds(escalate),
            expire_after: chrono::Duration::milliseconds(expire),
            sweep_every: crate::app::request_deadlines::INTERVAL,
        })
    }

    /// When a request asked at `now` is due and when it expires.
    pub fn due(&self, now: chrono::DateTime<chrono::Utc>) -> crate::db::requests::Due {
        crate::db::requests::Due {
            due_at: now + self.escalate_after,
            expires_at: now + self.expire_after,
        }
    }
}

/// `KUMMERER_REQUEST_SWEEP_SECONDS`: whole seconds from 1 to 3600; unset → the default.
fn sweep_seconds(raw: Option<&str>) -> anyhow::Result<std::time::Duration> {
    let Some(raw) = raw else {
        return Ok(crate::app::request_deadlines::INTERVAL);
    };
    let n: u64 = raw.trim().parse().map_err(|e| {
        anyhow::anyhow!("KUMMERER_REQUEST_SWEEP_SECONDS={raw:?} is not a whole number: {e}")
    })?;
    anyhow::ensure!(
        (1..=3600).contains(&n),
        "KUMMERER_REQUEST_SWEEP_SECONDS={raw:?} must be from 1 to 3600 seconds"
    );
    Ok(std::time::Duration::from_secs(n))
}

impl Default for RequestsConfig {
    fn default() -> Self {
        RequestsConfig {
            escalate_after: chrono::Duration::minutes(Self::DEFAULT_ESCALATE_MINUTES),
            expire_after: chrono::Duration::minutes(Self::DEFAULT_EXPIRE_MINUTES),
            sweep_every: crate::app::request_deadlines::INTERVAL,
        }
    }
}

/// Everything the retailer reads from the environment, checked.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The recovery ledger's tolerance for differences.
    pub ledger: LedgerConfig,
    /// The tolerance of a sale's price paid above the list price.
    pub sales: SalesConfig,
    /// The desk's pages (`KUMMERER_INSECURE_COOKIES=1` drops `Secure` on the session cookie).
    pub desk: crate::http::pages::DeskConfig,
    /// How long an approval request waits for a manager.
    pub requests: RequestsConfig,
    /// How long the retailer may hold the ball (see [`ball_policy_from_env`]).
    pub ball: kummerer_ball::Policy,
    /// How often the retention sweep runs (`KUMMERER_RETENTION_SWEEP_SECONDS`, see
    /// [`crate::app::erasure::sweep_interval_from_env`]); `None`: never.
    pub retention_sweep: Option<std::time::Duration>,
    /// How often the units sold are compared with what was reported to the linked
    /// manufacturers (`KUMMERER_SALES_REPORT_SECONDS`, default 300; 0: never, see
    /// [`crate::app::sales_reports`]).
    pub sales_reports: Option<std::time::Duration>,
    pub notify: NotifySettings,
}

/// The customer's notifications and status link.
#[derive(Debug, Clone)]
pub struct NotifySettings {
    /// `KUMMERER_PUBLIC_BASE_URL`: where customers reach the service (the status link); the
    /// bind address when unset.
    pub public_base_url: Option<String>,
    /// `KUMMERER_STATUS_LINK_DAYS` (default 30): how long a status link works after the case
    /// closes.
    pub link_days: i64,
    /// `KUMMERER_SMTP_HOST`, `_PORT` (default 25; 465 for `tls`, 587 for `starttls`), `_TLS`
    /// (`none`, `starttls`, `tls`; default `starttls`), `_USER`, `_PASSWORD`, `_FROM`.
    pub smtp: Option<crate::app::notify::SmtpSettings>,
    /// `KUMMERER_SMS_GATEWAY_URL`, `KUMMERER_SMS_GATEWAY_TOKEN`.
    pub sms_gateway: Option<(String, Option<secrecy::SecretString>)>,
    /// `KUMMERER_NOTIFY_MAX_ATTEMPTS` (default 5), `KUMMERER_NOTIFY_BACKOFF_S` (default 30).
    pub max_attempts: i32,
    pub backoff_s: i64,
}

static NOTIFY_GIVEN: std::sync::OnceLock<NotifySettings> = std::sync::OnceLock::new();

impl NotifySettings {
    /// Gives the process these settings instead of the environment's (a test process that
    /// starts the service in itself, with its own SMTP server; a second call is ignored).
    pub fn give(settings: NotifySettings) {
        let _ = NOTIFY_GIVEN.set(settings);
    }

    pub fn from_env() -> anyhow::Result<NotifySettings> {
        if let Some(given) = NOTIFY_GIVEN.get() {
            return Ok(given.clone());
        }
        Self::from_lookup(|k| std::env::var(k).ok().filter(|v| !v.trim().is_empty()))
    }

    pub fn from_lookup(var: impl Fn(&str) -> Option<String>) -> anyhow::Result<NotifySettings> {
        use crate::app::notify::{SmtpSettings, TlsMode};
        let number =
            |name: &str, default: i64, range: std::ops::RangeInclusive<i64>| match var(name) {
                None => Ok(default),
                Some(raw) => raw
                    .trim()
                    .parse::<i64>()
                    .ok()
                    .filter(|n| range.contains(n))
                    .ok_or_else(|| {
                        anyhow::anyhow!(
                            "{name}={raw:?} must be a whole number from {} to {}",
                            range.start(),
                            range.end()
                        )
                    }),
            };
        let public_base_url = match var("KUMMERER_PUBLIC_BASE_URL") {
            None => None,
            Some(raw) => {
                let url = raw.trim().trim_end_matches('/').to_owned();
                anyhow::ensure!(
                    url.starts_with("https://") || url.starts_with("http://"),
                    "KUMMERER_PUBLIC_BASE_URL={raw:?} must be an absolute http(s) URL"
                );
                Some(url)
            }
        };
        let smtp = match var("KUMMERER_SMTP_HOST") {
            None => None,
            Some(host) => {
                let tls = match var("KUMMERER_SMTP_TLS") {
                    None => TlsMode::StartTls,
                    Some(raw) => TlsMode::parse(&raw).ok_or_else(|| {
                        anyhow::anyhow!("KUMMERER_SMTP_TLS={raw:?} must be none, starttls or tls")
                    })?,
                };
                let default_port = match tls {
                    TlsMode::None => 25,
                    TlsMode::StartTls => 587,
                    TlsMode::Tls => 465,
                };
                let port = number("KUMMERER_SMTP_PORT", default_port, 1..=65535)? as u16;
                let from_raw = var("KUMMERER_SMTP_FROM").ok_or_else(|| {
                    anyhow::anyhow!("KUMMERER_SMTP_FROM is needed with KUMMERER_SMTP_HOST")
                })?;
                let from = from_raw
                    .parse()
                    .map_err(|e| anyhow::anyhow!("KUMMERER_SMTP_FROM={from_raw:?}: {e}"))?;
                Some(SmtpSettings {
                    host: host.trim().to_owned(),
                    port,
                    tls,
                    user: var("KUMMERER_SMTP_USER"),
                    password: var("KUMMERER_SMTP_PASSWORD").map(secrecy::SecretString::from),
                    from,
                })
            }
        };
        let sms_gateway = var("KUMMERER_SMS_GATEWAY_URL").map(|url| {
            (
                url.trim().to_owned(),
                var("KUMMERER_SMS_GATEWAY_TOKEN").map(secrecy::SecretString::from),
            )
        });
        Ok(NotifySettings {
            public_base_url,
            link_days: number("KUMMERER_STATUS_LINK_DAYS", 30, 1..=3650)?,
            smtp,
            sms_gateway,
            max_attempts: number("KUMMERER_NOTIFY_MAX_ATTEMPTS", 5, 1..=50)? as i32,
            backoff_s: number("KUMMERER_NOTIFY_BACKOFF_S", 30, 0..=86_400)?,
        })
    }
}

/// The ball policy: `KUMMERER_BALL_DECIDE_CASE_HOURS` (decide an open case) and
/// `KUMMERER_BALL_NEW_VISIT_HOURS` (agree a new visit after a failed one), whole hours ≥ 1;
/// unset → 24 each. A bad value is an error naming the variable.
pub fn ball_policy_from_env() -> anyhow::Result<kummerer_ball::Policy> {
    let hours = |name: &str, default: chrono::Duration| -> anyhow::Result<chrono::Duration> {
        match std::env::var(name) {
            Err(_) => Ok(default),
            Ok(raw) => {
                let h: i64 = raw
                    .trim()
                    .parse()
                    .map_err(|e| anyhow::anyhow!("{name}={raw:?} is not a whole number: {e}"))?;
                anyhow::ensure!(
                    (1..=24 * 365).contains(&h),
                    "{name}={raw:?} must be from 1 to 8760 hours"
                );
                Ok(chrono::Duration::hours(h))
            }
        }
    };
    let d = kummerer_ball::Policy::default();
    Ok(kummerer_ball::Policy {
        decide_case: hours("KUMMERER_BALL_DECIDE_CASE_HOURS", d.decide_case)?,
        agree_new_visit: hours("KUMMERER_BALL_NEW_VISIT_HOURS", d.agree_new_visit)?,
        ..d
    })
}

impl Settings {
    pub fn from_env() -> anyhow::Result<Settings> {
        Ok(Settings {
            ledger: LedgerConfig::from_env()?,
            sales: SalesConfig::from_env()?,
            desk: crate::http::pages::DeskConfig::from_env(),
            requests: RequestsConfig::from_env()?,
            ball: ball_policy_from_env()?,
            notify: NotifySettings::from_env()?,
            retention_sweep: crate::app::erasure::sweep_interval_from_env()?,
            sales_reports: interval_from_env(
                crate::app::sales_reports::INTERVAL_VAR,
                crate::app::sales_reports::DEFAULT_INTERVAL_S,
            )?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_price_tolerance_is_a_percentage() {
        assert_eq!(
            SalesConfig::parse(" 5 ").unwrap().price_tolerance_percent,
            Decimal::from(5)
        );
        assert!(SalesConfig::parse("0").is_ok());
        for bad in ["-1", "100.01", "five", ""] {
            let e = SalesConfig::parse(bad).unwrap_err().to_string();
            assert!(e.contains("KUMMERER_PRICE_TOLERANCE_PERCENT"), "{e}");
        }
    }

    #[test]
    fn a_request_waits_minutes_and_expires_after_it_is_due() {
        assert_eq!(
            RequestsConfig::parse(None, None).unwrap(),
            RequestsConfig::default()
        );
        let c = RequestsConfig::parse(Some("5"), Some(" 60 ")).unwrap();
        assert_eq!(c.escalate_after, chrono::Duration::minutes(5));
        assert_eq!(c.expire_after, chrono::Duration::minutes(60));
        // A long escalation without an expiry moves the default expiry along.
        let c = RequestsConfig::parse(Some("600"), None).unwrap();
        assert_eq!(c.expire_after, chrono::Duration::minutes(600));
        // Decimal minutes, down to a second: a test shortens them.
        let c = RequestsConfig::parse(Some("0.05"), Some("0.1")).unwrap();
        assert_eq!(c.escalate_after, chrono::Duration::seconds(3));
        assert_eq!(c.expire_after, chrono::Duration::seconds(6));
        for (esc, exp) in [
            (Some("0"), None),
            (Some("0.01"), None),
            (Some("x"), None),
            (Some("43201"), None),
            (None, Some("10")),
            (Some("60"), Some("30")),
        ] {
            let e = RequestsConfig::parse(esc, exp).unwrap_err().to_string();
            assert!(e.contains("KUMMERER_REQUEST_"), "{e}");
        }
        assert_eq!(
            sweep_seconds(Some(" 2 ")).unwrap(),
            std::time::Duration::from_secs(2)
        );
        for bad in ["0", "3601", "x"] {
            let e = sweep_seconds(Some(bad)).unwrap_err().to_string();
            assert!(e.contains("KUMMERER_REQUEST_SWEEP_SECONDS"), "{e}");
        }
    }
}
