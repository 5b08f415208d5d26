//! Generic pieces of Kümmerer's server-rendered pages with a sign-in: argon2id password hashing
//! and verification off the async threads, random session tokens stored only as their SHA-256,
//! constant-time token comparison (CSRF), the same-origin check of form posts, the session
//! cookie, the lock-out after repeated failed sign-ins, and the sign-in flow itself ([`signin`]:
//! a page keeps only its tables and templates).
//!
//! Session cookies are `HttpOnly`, `SameSite=Strict` and `Secure`. Browsers (and reqwest's
//! cookie store) treat `http://localhost` and `http://127.0.0.1` as secure origins, so local
//! development and tests work over plain HTTP; [`insecure_cookies_from_env`] reads
//! `KUMMERER_INSECURE_COOKIES=1` for a deployment reached over plain HTTP under another name.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite, time};
use actix_web::http::header;
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

pub mod apidocs;
pub mod cookie_check;
pub mod doors;
pub mod i18n;
pub mod operator;
pub mod signin;
pub mod throttle;

/// Failed sign-ins in a row that lock an account.
pub const MAX_FAILED_SIGN_INS: i32 = 5;
/// How long a locked account stays locked.
pub const LOCK_MINUTES: i64 = 15;
/// Shortest password.
pub const PASSWORD_MIN: usize = 12;
/// Longest password (hashing cost stays bounded).
pub const PASSWORD_MAX: usize = 256;

/// A hash to verify against when the account is unknown, so that an unknown account takes as
/// long as a wrong password (no account enumeration by timing).
pub const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$\
                              7Fy4b0cTf+rXh8o1Y0yVQ3QO2e8f0wRrQm7r8yN5b3Y";

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("random: {0}")]
    Random(String),
    #[error("hashing: {0}")]
    Hashing(String),
    #[error("blocking task: {0}")]
    Task(String),
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// 256 random bits, as 64 hex digits.
pub fn random_token() -> Result<String, Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| Error::Random(e.to_string()))?;
    Ok(hex(&bytes))
}

/// An API token: `prefix` (`kcr_`, so a leaked one is recognisable) and 256 random bits as 64
/// hex digits.
pub fn prefixed_token(prefix: &str) -> Result<String, Error> {
    Ok(format!("{prefix}{}", random_token()?))
}

/// Whether `s` has the shape of a [`prefixed_token`] (checked before any database work).
pub fn is_prefixed_token(s: &str, prefix: &str) -> bool {
    s.strip_prefix(prefix).is_some_and(|rest| {
        rest.len() == 64 && rest.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    })
}

/// Why a request carries no usable bearer token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BearerError {
    #[error("send the token as Authorization: Bearer <token>")]
    Missing,
    #[error("send one Authorization header")]
    Several,
    #[error("the Authorization header must be Bearer <token>")]
    Malformed,
}

/// The token of the request's one `Authorization: Bearer <token>` header.
pub fn bearer(req: &HttpRequest) -> Result<&str, BearerError> {
    let mut values = req.headers().get_all(header::AUTHORIZATION);
    let value = values.next().ok_or(BearerError::Missing)?;
    if values.next().is_some() {
        return Err(BearerError::Several);
    }
    let value = value.to_str().map_err(|_| BearerError::Malformed)?;
    let (scheme, token) = value.split_once(' ').ok_or(BearerError::Malformed)?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(BearerError::Malformed);
    }
    Ok(token)
}

/// What the database stores for a session token: its SHA-256, hex.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Whether a cookie value can be one of our tokens (64 hex digits).
pub fn looks_like_token(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Equal strings, compared in time independent of where they differ (CSRF tokens).
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// argon2id (default parameters) as a PHC string, on a blocking thread.
pub async fn hash_password(password: String) -> Result<String, Error> {
    tokio::task::spawn_blocking(move || {
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).map_err(|e| Error::Random(e.to_string()))?;
        Argon2::default()
            .hash_password_with_salt(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| Error::Hashing(e.to_string()))
    })
    .await
    .map_err(|e| Error::Task(e.to_string()))?
}

/// Whether `password` matches the PHC string `hash`, on a blocking thread. A malformed hash
/// matches nothing.
pub async fn verify_password(password: String, hash: String) -> Result<bool, Error> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .verify_password(password.as_bytes(), hash.as_str())
            .is_ok()
    })
    .await
    .map_err(|e| Error::Task(e.to_string()))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("must be at least {PASSWORD_MIN} characters")]
    TooShort,
    #[error("must be at most {PASSWORD_MAX} characters")]
    TooLong,
}

/// A new password is long enough, and not so long that hashing it costs too much.
pub fn check_password(password: &str) -> Result<(), PasswordError> {
    let n = password.chars().count();
    if n < PASSWORD_MIN {
        Err(PasswordError::TooShort)
    } else if n > PASSWORD_MAX {
        Err(PasswordError::TooLong)
    } else {
        Ok(())
    }
}

/// An e-mail address as a sign-in name: trimmed, lower-case, `local@domain` with a dot in the
/// domain and no spaces.
pub fn parse_email(s: &str) -> Option<String> {
    let s = s.trim().to_lowercase();
    let (local, domain) = s.split_once('@')?;
    let ok = !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && s.len() <= 200
        && !s.chars().any(char::is_whitespace);
    ok.then_some(s)
}

/// Whether an account is locked at `now`.
pub fn is_locked(locked_until: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    locked_until.is_some_and(|until| until > now)
}

/// The account after one more failed sign-in: `(failed_attempts, locked_until)`. The fifth
/// failure in a row locks it for 15 minutes and starts the count again.
pub fn after_failure(failed_attempts: i32, now: DateTime<Utc>) -> (i32, Option<DateTime<Utc>>) {
    let failed = failed_attempts.saturating_add(1);
    if failed >= MAX_FAILED_SIGN_INS {
        (0, Some(now + Duration::minutes(LOCK_MINUTES)))
    } else {
        (failed, None)
    }
}

/// A form POST from our own pages: the `Origin` header (when the browser sends one) names this
/// host. Blocks cross-site form posts, including to a sign-in form.
pub fn same_origin(req: &HttpRequest) -> bool {
    let Some(origin) = req.headers().get(header::ORIGIN) else {
        return true;
    };
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    origin
        .to_str()
        .ok()
        .and_then(|o| o.split_once("://"))
        .is_some_and(|(_, authority)| !host.is_empty() && authority == host)
}

/// `KUMMERER_INSECURE_COOKIES=1` drops `Secure` from session cookies.
pub fn insecure_cookies_from_env() -> bool {
    std::env::var("KUMMERER_INSECURE_COOKIES").is_ok_and(|v| v == "1")
}

/// A session cookie: `HttpOnly`, `SameSite=Strict`, `Secure` (unless `secure` is false), limited
/// to `path`. An empty `value` with `max_age` zero clears it.
pub fn session_cookie(
    name: &'static str,
    path: &'static str,
    value: String,
    max_age: time::Duration,
    secure: bool,
) -> Cookie<'static> {
    Cookie::build(name, value)
        .path(path)
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .max_age(max_age)
        .finish()
}

/// The security headers of a signed-in page: no caching, no framing, only our own resources and
/// forms, no inline script or style.
pub const PAGE_CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
                            form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// A page with the headers every signed-in page gets: no caching of personal data, the strict
/// [`PAGE_CSP`] (no framing, only our own resources and forms), no sniffing, same-origin referrer.
pub fn html_page(status: actix_web::http::StatusCode, body: String) -> actix_web::HttpResponse {
    actix_web::HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::CONTENT_SECURITY_POLICY, PAGE_CSP))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "same-origin"))
        .body(body)
}

/// 303 to `location` (after a form POST the browser GETs it).
pub fn see_other(location: &str) -> actix_web::HttpResponse {
    actix_web::HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

/// An askama page with [`html_page`]'s headers; a template that fails to render is a logged 500.
pub fn render_status(
    status: actix_web::http::StatusCode,
    page: &impl askama::Template,
) -> Result<actix_web::HttpResponse, kummerer_service::Problem> {
    let body = page.render().map_err(kummerer_service::Problem::internal)?;
    Ok(html_page(status, body))
}

/// [`render_status`] with 200.
pub fn render(
    page: &impl askama::Template,
) -> Result<actix_web::HttpResponse, kummerer_service::Problem> {
    render_status(actix_web::http::StatusCode::OK, page)
}

/// A page's stylesheet, served by the service itself (no CDN), cached for an hour.
pub fn stylesheet(css: &'static str) -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(css)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn tokens_are_random_hashed_and_compared_whole() {
        let t = random_token().unwrap();
        assert!(looks_like_token(&t));
        assert_ne!(t, random_token().unwrap());
        assert_eq!(token_hash(&t).len(), 64);
        assert_ne!(token_hash(&t), t);
        assert!(!looks_like_token("xyz"));
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "abcd"));
        assert!(!same("", "a"));
        let k = prefixed_token("kcr_").unwrap();
        assert!(is_prefixed_token(&k, "kcr_"), "{k}");
        assert!(!is_prefixed_token(&k, "kmr_"));
        assert!(!is_prefixed_token(&k[..k.len() - 1], "kcr_"));
        assert!(!is_prefixed_token(&k.to_uppercase(), "kcr_"));
    }

    #[test]
    fn the_dummy_hash_is_a_valid_phc_string() {
        assert!(argon2::password_hash::phc::PasswordHash::new(DUMMY_HASH).is_ok());
    }

    #[tokio::test]
    async fn passwords_hash_and_verify() {
        let h = hash_password("correct horse battery".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(
            verify_password("correct horse battery".into(), h.clone())
                .await
                .unwrap()
        );
        assert!(
            !verify_password("wrong horse battery".into(), h)
                .await
                .unwrap()
        );
        assert!(
            !verify_password("x".into(), "not a hash".into())
                .await
                .unwrap()
        );
    }

    #[test]
    fn passwords_are_long_enough_and_emails_normalised() {
        assert_eq!(check_password("elevenchars"), Err(PasswordError::TooShort));
        assert!(check_password("twelve chars").is_ok());
        assert_eq!(
            check_password(&"x".repeat(PASSWORD_MAX + 1)),
            Err(PasswordError::TooLong)
        );
        assert_eq!(
            parse_email(" Anna@Example.COM ").as_deref(),
            Some("anna@example.com")
        );
        for bad in [
            "",
            "anna",
            "anna@",
            "@example.com",
            "anna@example",
            "a b@x.de",
        ] {
            assert_eq!(parse_email(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_fifth_failure_locks_for_fifteen_minutes() {
        let now = Utc::now();
        let mut failed = 0;
        for _ in 0..4 {
            let (f, until) = after_failure(failed, now);
            assert_eq!(until, None);
            failed = f;
        }
        let (failed, until) = after_failure(failed, now);
        assert_eq!(failed, 0);
        assert_eq!(until, Some(now + Duration::minutes(15)));
        assert!(is_locked(until, now + Duration::minutes(14)));
        assert!(!is_locked(until, now + Duration::minutes(15)));
        assert!(!is_locked(None, now));
    }

    #[test]
    fn the_cookie_is_strict() {
        let c = session_cookie("s", "/crew", "v".into(), time::Duration::hours(12), true);
        let s = c.to_string();
        for part in [
            "HttpOnly",
            "SameSite=Strict",
            "Secure",
            "Path=/crew",
            "Max-Age=43200",
        ] {
            assert!(s.contains(part), "{s}");
        }
    }
}
