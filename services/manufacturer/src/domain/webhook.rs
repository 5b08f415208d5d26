//! Webhooks as the Standard Webhooks specification (<https://www.standardwebhooks.com>) has
//! them: the event types a manufacturer may subscribe to, the endpoint's URL, the signing secret
//! (`whsec_<base64>`) and the signature (`v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`),
//! and when a failed delivery is tried again. Pure: no HTTP client, no database.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{KeyInit, Mac};
use sha2::Sha256;

use super::Invalid;

/// A claim arrived (with its status and flags as the rules left them).
pub const CLAIM_CREATED: &str = "claim.created";
/// A claim changed: a decision (by the manufacturer, a rule or a deadline), its status, flags.
pub const CLAIM_UPDATED: &str = "claim.updated";
/// A credit note was issued.
pub const CREDIT_NOTE_ISSUED: &str = "credit_note.issued";
/// Every event type an endpoint may ask for.
pub const EVENT_TYPES: [&str; 3] = [CLAIM_CREATED, CLAIM_UPDATED, CREDIT_NOTE_ISSUED];

/// Prefix of a signing secret.
pub const SECRET_PREFIX: &str = "whsec_";
/// Random bytes in a signing secret (the spec asks for 24 to 64).
pub const SECRET_BYTES: usize = 32;
/// Longest URL accepted.
pub const MAX_URL_LEN: usize = 2000;

/// An endpoint as a manufacturer asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointInput {
    pub url: String,
    /// Empty: every event type.
    pub event_types: Vec<String>,
}

/// The URL must be absolute `http` or `https` with a host and no credentials; the event types
/// must be known (each once).
pub fn check_endpoint(input: &EndpointInput) -> Result<(), Vec<Invalid>> {
    let mut errors = Vec::new();
    let url = input.url.trim();
    if url.len() > MAX_URL_LEN {
        errors.push(Invalid::new(
            "url",
            format!("must be at most {MAX_URL_LEN} characters"),
        ));
    } else {
        match url::Url::parse(url) {
            Ok(u) if !matches!(u.scheme(), "http" | "https") => {
                errors.push(Invalid::new("url", "must be an http or https URL"));
            }
            Ok(u) if u.host_str().is_none_or(str::is_empty) => {
                errors.push(Invalid::new("url", "must name a host"));
            }
            Ok(u) if !u.username().is_empty() || u.password().is_some() => {
                errors.push(Invalid::new("url", "must not carry credentials"));
            }
            Ok(_) => {}
            Err(_) => errors.push(Invalid::new("url", "must be an absolute http or https URL")),
        }
    }
    for (i, t) in input.event_types.iter().enumerate() {
        if !EVENT_TYPES.contains(&t.as_str()) {
            errors.push(Invalid::new(
                format!("event_types[{i}]"),
                format!("must be one of {}", EVENT_TYPES.join(", ")),
            ));
        } else if input.event_types[..i].contains(t) {
            errors.push(Invalid::new(format!("event_types[{i}]"), "is given twice"));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// A secret from random bytes: `whsec_` and their standard base64.
pub fn secret_from(bytes: &[u8]) -> String {
    format!("{SECRET_PREFIX}{}", STANDARD.encode(bytes))
}

/// The HMAC key of a secret: its base64 part, decoded.
pub fn key_of(secret: &str) -> Option<Vec<u8>> {
    let b64 = secret.strip_prefix(SECRET_PREFIX)?;
    STANDARD.decode(b64).ok().filter(|k| !k.is_empty())
}

/// The `webhook-signature` value: `v1,` and the base64 HMAC-SHA256 of
/// `{id}.{timestamp}.{body}` with the secret's key. `None` for a secret that is no
/// `whsec_<base64>`.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &str) -> Option<String> {
    let key = key_of(secret)?;
    let mut mac = hmac::Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body.as_bytes());
    Some(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// When delivery gives up and how long it waits between tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    /// Wait after the first failed attempt; doubled after each further one.
    pub base: Duration,
    /// Longest wait.
    pub max: Duration,
    /// Attempts of one delivery before it is given up.
    pub max_attempts: u32,
}

impl Default for Retry {
    /// 5 s, 10 s, 20 s … up to 1 h between tries; 15 attempts (about 8 hours in all).
    fn default() -> Self {
        Self {
            base: Duration::from_secs(5),
            max: Duration::from_secs(3600),
            max_attempts: 15,
        }
    }
}

impl Retry {
    /// The wait after `attempts` failed attempts (1 for the first), or `None` when the
    /// delivery is given up.
    pub fn next_after(&self, attempts: u32) -> Option<Duration> {
        if attempts >= self.max_attempts {
            return None;
        }
        let exp = attempts.saturating_sub(1).min(30);
        Some(self.base.saturating_mul(1 << exp).min(self.max))
    }
}

/// What an attempt's HTTP status means for the delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// 2xx: delivered.
    Delivered,
    /// 410 Gone: the endpoint is disabled at once.
    Gone,
    /// Anything else (or no answer): try again later.
    Failed,
}

pub fn verdict(status: Option<u16>) -> Verdict {
    match status {
        Some(s) if (200..300).contains(&s) => Verdict::Delivered,
        Some(410) => Verdict::Gone,
        _ => Verdict::Failed,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_signature_is_the_one_of_the_standard_webhooks_reference() {
        // The example of the Standard Webhooks reference libraries.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            sign(secret, id, 1614265330, body).unwrap(),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn a_secret_is_whsec_and_base64_of_its_key() {
        let s = secret_from(&[1, 2, 3]);
        assert_eq!(s, "whsec_AQID");
        assert_eq!(key_of(&s).unwrap(), vec![1, 2, 3]);
        assert_eq!(key_of("AQID"), None);
        assert_eq!(key_of("whsec_!!"), None);
        assert_eq!(sign("nope", "id", 1, ""), None);
    }

    fn endpoint(url: &str, types: &[&str]) -> EndpointInput {
        EndpointInput {
            url: url.to_owned(),
            event_types: types.iter().map(|t| (*t).to_owned()).collect(),
        }
    }

    fn fields(r: Result<(), Vec<Invalid>>) -> Vec<String> {
        r.err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn endpoints_take_http_urls_and_known_event_types() {
        assert!(check_endpoint(&endpoint("https://erp.example.com/hooks", &[])).is_ok());
        assert!(check_endpoint(&endpoint("http://127.0.0.1:9000/x", &["claim.created"])).is_ok());
        for bad in [
            "ftp://example.com/",
            "example.com/hooks",
            "",
            "https://user:pw@example.com/",
            "mailto:a@example.com",
        ] {
            assert_eq!(
                fields(check_endpoint(&endpoint(bad, &[]))),
                ["url"],
                "{bad}"
            );
        }
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL_LEN));
        assert_eq!(fields(check_endpoint(&endpoint(&long, &[]))), ["url"]);
        assert_eq!(
            fields(check_endpoint(&endpoint(
                "https://example.com/",
                &["claim.created", "claim.deleted", "claim.created"]
            ))),
            ["event_types[1]", "event_types[2]"]
        );
    }

    #[test]
    fn retries_back_off_exponentially_up_to_a_cap_then_give_up() {
        let r = Retry {
            base: Duration::from_secs(5),
            max: Duration::from_secs(60),
            max_attempts: 6,
        };
        let waits: Vec<_> = (1..=6).map(|n| r.next_after(n)).collect();
        assert_eq!(
            waits,
            [
                Some(Duration::from_secs(5)),
                Some(Duration::from_secs(10)),
                Some(Duration::from_secs(20)),
                Some(Duration::from_secs(40)),
                Some(Duration::from_secs(60)),
                None
            ]
        );
        assert_eq!(
            Retry::default().next_after(14),
            Some(Duration::from_secs(3600))
        );
    }

    #[test]
    fn only_2xx_delivers_and_410_disables() {
        assert_eq!(verdict(Some(200)), Verdict::Delivered);
        assert_eq!(verdict(Some(204)), Verdict::Delivered);
        assert_eq!(verdict(Some(410)), Verdict::Gone);
        assert_eq!(verdict(Some(500)), Verdict::Failed);
        assert_eq!(verdict(Some(301)), Verdict::Failed);
        assert_eq!(verdict(None), Verdict::Failed);
    }
}
