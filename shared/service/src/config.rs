//! Configuration from environment variables, with defaults that work against a local
//! PostgreSQL and RabbitMQ. A wrong value stops the start with the variable's name.

use std::net::SocketAddr;
use std::time::Duration;

use kummerer_messaging::BrokerConfig;
use secrecy::SecretString;

pub use kummerer_contracts::topology::Service;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub service: Service,
    pub bind: SocketAddr,
    pub database_url: String,
    pub amqp_url: String,
    pub broker_prefix: String,
    pub retry_delays: Vec<Duration>,
    pub delivery_limit: u32,
    pub log_format: LogFormat,
    pub otlp_endpoint: Option<String>,
    pub shutdown_timeout: Duration,
    /// `KUMMERER_OPERATOR_TOKEN`: the bearer token of operator-level routes (e.g. creating a
    /// manufacturer or a carrier), trimmed; `None` (unset or blank) closes them (503). Wrapped,
    /// so it never shows in `Debug` or in logs.
    pub operator_token: Option<SecretString>,
}

#[derive(Debug, thiserror::Error)]
#[error("configuration: {var}={value:?} is not valid: {reason}")]
pub struct ConfigError {
    pub var: &'static str,
    pub value: String,
    pub reason: String,
}

fn var(name: &'static str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn invalid(var: &'static str, value: &str, reason: impl Into<String>) -> ConfigError {
    ConfigError {
        var,
        value: value.to_owned(),
        reason: reason.into(),
    }
}

impl Config {
    /// Reads the configuration of `service` from the process environment.
    pub fn from_env(service: Service, default_port: u16) -> Result<Self, ConfigError> {
        Self::from_lookup(service, default_port, var)
    }

    /// Reads it through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(
        service: Service,
        default_port: u16,
        lookup: impl Fn(&'static str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let bind = match lookup("KUMMERER_BIND") {
            Some(v) => v
                .parse()
                .map_err(|e| invalid("KUMMERER_BIND", &v, format!("expected host:port, {e}")))?,
            None => SocketAddr::from(([127, 0, 0, 1], default_port)),
        };
        let database_url = lookup("DATABASE_URL").unwrap_or_else(|| {
            format!(
                "postgres://postgres@127.0.0.1:5432/kummerer_{}",
                service.name()
            )
        });
        if !(database_url.starts_with("postgres://") || database_url.starts_with("postgresql://")) {
            return Err(invalid(
                "DATABASE_URL",
                &database_url,
                "expected a postgres:// URL",
            ));
        }
        let amqp_url = lookup("AMQP_URL")
            .unwrap_or_else(|| "amqp://guest:guest@127.0.0.1:5672/%2f".to_owned());
        if !(amqp_url.starts_with("amqp://") || amqp_url.starts_with("amqps://")) {
            return Err(invalid("AMQP_URL", &amqp_url, "expected an amqp:// URL"));
        }
        let broker_prefix =
            lookup("KUMMERER_BROKER_PREFIX").unwrap_or_else(|| "kummerer".to_owned());
        if !broker_prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            return Err(invalid(
                "KUMMERER_BROKER_PREFIX",
                &broker_prefix,
                "use letters, digits, '-', '_' or '.'",
            ));
        }
        let retry_delays = match lookup("KUMMERER_RETRY_DELAYS_MS") {
            Some(v) => parse_delays(&v).map_err(|r| invalid("KUMMERER_RETRY_DELAYS_MS", &v, r))?,
            None => vec![
                Duration::from_secs(1),
                Duration::from_secs(10),
                Duration::from_secs(60),
            ],
        };
        let delivery_limit = match lookup("KUMMERER_DELIVERY_LIMIT") {
            Some(v) => v
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=1000).contains(n))
                .ok_or_else(|| {
                    invalid(
                        "KUMMERER_DELIVERY_LIMIT",
                        &v,
                        "expected a number from 1 to 1000",
                    )
                })?,
            None => 10,
        };
        let log_format = match lookup("LOG_FORMAT").as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => return Err(invalid("LOG_FORMAT", other, "expected text or json")),
        };
        let otlp_endpoint = lookup("OTEL_EXPORTER_OTLP_ENDPOINT");
        let shutdown_timeout = match lookup("KUMMERER_SHUTDOWN_TIMEOUT_S") {
            Some(v) => Duration::from_secs(
                v.parse()
                    .map_err(|_| invalid("KUMMERER_SHUTDOWN_TIMEOUT_S", &v, "expected seconds"))?,
            ),
            None => Duration::from_secs(20),
        };
        let operator_token = match lookup("KUMMERER_OPERATOR_TOKEN").as_deref().map(str::trim) {
            None | Some("") => None,
            Some(t) if t.chars().any(char::is_control) => {
                // The value is a secret: the message does not repeat it.
                return Err(invalid(
                    "KUMMERER_OPERATOR_TOKEN",
                    "(hidden)",
                    "must not contain control characters",
                ));
            }
            Some(t) => Some(SecretString::from(t.to_owned())),
        };
        Ok(Self {
            service,
            bind,
            database_url,
            amqp_url,
            broker_prefix,
            retry_delays,
            delivery_limit,
            log_format,
            otlp_endpoint,
            shutdown_timeout,
            operator_token,
        })
    }

    pub fn broker(&self) -> BrokerConfig {
        let mut broker = BrokerConfig::new(&self.amqp_url, &self.broker_prefix, self.service);
        broker.retry_delays = self.retry_delays.clone();
        broker.delivery_limit = self.delivery_limit;
        broker
    }
}

fn parse_delays(v: &str) -> Result<Vec<Duration>, String> {
    let delays: Result<Vec<u64>, _> = v.split(',').map(|s| s.trim().parse::<u64>()).collect();
    match delays {
        Ok(d) if !d.is_empty() && d.len() <= 10 && d.iter().all(|&ms| ms > 0) => {
            Ok(d.into_iter().map(Duration::from_millis).collect())
        }
        _ => Err(
            "expected 1 to 10 comma-separated positive milliseconds, e.g. 1000,10000,60000"
                .to_owned(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn with(pairs: &[(&'static str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<&'static str, String> =
            pairs.iter().map(|(k, v)| (*k, v.to_string())).collect();
        Config::from_lookup(Service::Retailer, 8081, |k| map.get(k).cloned())
    }

    #[test]
    fn defaults_work_locally() {
        let c = with(&[]).unwrap();
        assert_eq!(c.bind.to_string(), "127.0.0.1:8081");
        assert_eq!(
            c.database_url,
            "postgres://postgres@127.0.0.1:5432/kummerer_retailer"
        );
        assert_eq!(c.broker_prefix, "kummerer");
        assert_eq!(c.retry_delays.len(), 3);
    }

    #[test]
    fn a_bad_value_names_its_variable() {
        for (var, value) in [
            ("KUMMERER_BIND", "nope"),
            ("DATABASE_URL", "mysql://x"),
            ("AMQP_URL", "http://x"),
            ("KUMMERER_RETRY_DELAYS_MS", "1,x"),
            ("LOG_FORMAT", "xml"),
            ("KUMMERER_BROKER_PREFIX", "a b"),
        ] {
            let err = with(&[(var, value)]).unwrap_err();
            assert_eq!(err.var, var);
            assert!(err.to_string().contains(var));
        }
    }
}
