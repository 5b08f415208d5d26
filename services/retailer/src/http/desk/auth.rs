//! Desk sign-in: argon2id passwords, sessions by a random 256-bit token (only its SHA-256 is
//! stored), the session cookie, CSRF tokens, and the lock-out after repeated failures.
//!
//! The cookie `kummerer_session` is `HttpOnly`, `SameSite=Strict`, `Path=/desk` and `Secure`.
//! Browsers (and reqwest's cookie store) treat `http://localhost` and `http://127.0.0.1` as
//! secure origins, so local development and the tests work over plain HTTP. Only a deployment
//! reached over plain HTTP under another host name needs `KUMMERER_INSECURE_COOKIES=1`, which
//! drops `Secure` (never do that on a network you do not trust).

use actix_web::cookie::{Cookie, SameSite, time};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use chrono::{Duration, Utc};
use kummerer_service::Problem;
use sea_orm::{DatabaseConnection, DbErr, TransactionTrait};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::db::{desk, sessions, staff};
use crate::domain::Role;
use crate::domain::staff::{
    LOCK_MINUTES, PASSWORD_MAX, SESSION_HOURS, after_failure, is_locked, parse_email,
};
use crate::http::desk::{DeskConfig, SignIn, message_page, render, see_other};

pub const COOKIE: &str = "kummerer_session";

/// A hash to verify against when the e-mail is unknown, so that an unknown account takes as
/// long as a wrong password (no account enumeration by timing).
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$\
                          7Fy4b0cTf+rXh8o1Y0yVQ3QO2e8f0wRrQm7r8yN5b3Y";

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// 256 random bits, hex.
pub(crate) fn random_token() -> Result<String, Problem> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| Problem::internal(format!("random: {e}")))?;
    Ok(hex(&bytes))
}

/// What the database stores for a session token.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Equal strings, compared in time independent of where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// argon2id (default parameters) in a PHC string, off the async threads.
pub async fn hash_password(password: String) -> Result<String, Problem> {
    web::block(move || {
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).map_err(|e| format!("random: {e}"))?;
        Argon2::default()
            .hash_password_with_salt(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| format!("hashing: {e}"))
    })
    .await
    .map_err(Problem::internal)?
    .map_err(Problem::internal)
}

async fn verify_password(password: String, hash: String) -> Result<bool, Problem> {
    web::block(move || {
        Argon2::default()
            .verify_password(password.as_bytes(), hash.as_str())
            .is_ok()
    })
    .await
    .map_err(Problem::internal)
}

/// A signed-in staff member.
#[derive(Debug, Clone)]
pub struct Signed {
    pub session_id: String,
    pub csrf: String,
    pub staff: staff::Model,
}

/// The staff member whose live session the request's cookie names.
pub async fn signed_in(
    req: &HttpRequest,
    db: &DatabaseConnection,
) -> Result<Option<Signed>, DbErr> {
    let Some(cookie) = req.cookie(COOKIE) else {
        return Ok(None);
    };
    let token = cookie.value();
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let id = token_hash(token);
    Ok(desk::live_session(db, &id, Utc::now())
        .await?
        .map(|(session, staff)| Signed {
            session_id: session.id,
            csrf: session.csrf_token,
            staff,
        }))
}

/// A form POST from our own pages: the `Origin` header (when the browser sends one) names this
/// host. Blocks cross-site form posts, including to the sign-in form.
fn same_origin(req: &HttpRequest) -> bool {
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

pub fn forbidden() -> Result<HttpResponse, Problem> {
    message_page(
        actix_web::http::StatusCode::FORBIDDEN,
        "Form expired",
        "This form was not sent from your open desk page (or your session changed). Go back, \
         reload the page and send it again.",
    )
}

/// The guard of every desk POST: a live session (else to the sign-in page) and the session's
/// CSRF token in the form (else 403).
pub async fn guard_post(
    req: &HttpRequest,
    db: &DatabaseConnection,
    csrf: &str,
) -> Result<Result<Signed, HttpResponse>, Problem> {
    let Some(me) = signed_in(req, db).await? else {
        return Ok(Err(see_other("/desk/sign-in")));
    };
    if !same_origin(req) || !same(&me.csrf, csrf) {
        tracing::warn!(staff.id = %me.staff.id, "desk form rejected: CSRF token or origin");
        return Ok(Err(forbidden()?));
    }
    Ok(Ok(me))
}

fn session_cookie(config: &DeskConfig, value: String, max_age: time::Duration) -> Cookie<'static> {
    Cookie::build(COOKIE, value)
        .path("/desk")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(config.secure_cookies)
        .max_age(max_age)
        .finish()
}

/// `GET /desk/sign-in`.
pub async fn sign_in_page(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
) -> Result<HttpResponse, Problem> {
    if signed_in(&req, db.get_ref()).await?.is_some() {
        return Ok(see_other("/desk"));
    }
    render(&SignIn {
        email: String::new(),
        message: None,
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SignInForm {
    pub email: String,
    pub password: String,
}

fn sign_in_again(email: &str, message: String) -> Result<HttpResponse, Problem> {
    render(&SignIn {
        email: email.to_owned(),
        message: Some(message),
    })
}

/// `POST /desk/sign-in`: the right password → a new session and to `/desk` (303); a wrong one
/// (or an unknown e-mail) → the form again with a message (200); the fifth failure in a row
/// locks the account for 15 minutes, during which even the right password is refused.
pub async fn sign_in(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    config: web::Data<DeskConfig>,
    form: web::Form<SignInForm>,
) -> Result<HttpResponse, Problem> {
    if !same_origin(&req) {
        return forbidden();
    }
    let form = form.into_inner();
    let wrong = || "The e-mail or the password is wrong.".to_owned();
    let Some(email) = parse_email(&form.email) else {
        return sign_in_again(
            &form.email,
            "Enter the e-mail address of your account.".into(),
        );
    };
    if form.password.is_empty() || form.password.chars().count() > PASSWORD_MAX {
        return sign_in_again(&email, wrong());
    }
    let now = Utc::now();
    let txn = db.begin().await?;
    let Some(member) = desk::lock_staff_by_email(&txn, &email).await? else {
        txn.rollback().await?;
        verify_password(form.password, DUMMY_HASH.to_owned()).await?;
        return sign_in_again(&email, wrong());
    };
    if is_locked(member.locked_until, now) {
        txn.rollback().await?;
        return sign_in_again(
            &email,
            format!(
                "Too many failed attempts: this account is locked until {} UTC. Try again \
                 then, or ask a manager.",
                member
                    .locked_until
                    .map(|t| t.format("%H:%M").to_string())
                    .unwrap_or_default()
            ),
        );
    }
    if !verify_password(form.password, member.password_hash.clone()).await? {
        let (failed, locked_until) = after_failure(member.failed_attempts, now);
        desk::set_failures(&txn, member.id, failed, locked_until).await?;
        txn.commit().await?;
        tracing::info!(staff.id = %member.id, locked = locked_until.is_some(), "desk sign-in failed");
        let message = if locked_until.is_some() {
            format!(
                "The password is wrong. After too many failed attempts this account is now \
                 locked for {LOCK_MINUTES} minutes."
            )
        } else {
            wrong()
        };
        return sign_in_again(&email, message);
    }
    desk::set_failures(&txn, member.id, 0, None).await?;
    let token = random_token()?;
    desk::insert_session(
        &txn,
        sessions::Model {
            id: token_hash(&token),
            staff_id: member.id,
            retailer_id: member.retailer_id,
            csrf_token: random_token()?,
            created_at: now,
            expires_at: now + Duration::hours(SESSION_HOURS),
        },
    )
    .await?;
    txn.commit().await?;
    tracing::info!(staff.id = %member.id, retailer.id = %member.retailer_id, "desk sign-in");
    let mut res = see_other("/desk");
    res.add_cookie(&session_cookie(
        &config,
        token,
        time::Duration::hours(SESSION_HOURS),
    ))
    .map_err(Problem::internal)?;
    Ok(res)
}

/// A manager (or admin) of `retailer_id` authorizing a swap on a colleague's screen with their
/// e-mail and password: `Ok(manager)`, or `Err(message)` for the form. The same checks as the
/// sign-in: a wrong password counts toward the manager's lock-out, a locked account is refused.
/// Another retailer's account, a clerk's account and an unknown e-mail all get the same answer
/// (and take as long), and failures are never counted on another retailer's account.
pub async fn authorize_manager(
    db: &DatabaseConnection,
    retailer_id: uuid::Uuid,
    email: &str,
    password: String,
) -> Result<Result<staff::Model, String>, Problem> {
    let wrong = || {
        "The manager's e-mail or password is wrong (only a manager or admin of this store can \
         authorize)."
            .to_owned()
    };
    let Some(email) = parse_email(email) else {
        return Ok(Err("Enter the manager's e-mail and password.".to_owned()));
    };
    if password.is_empty() || password.chars().count() > PASSWORD_MAX {
        return Ok(Err(wrong()));
    }
    let now = Utc::now();
    let txn = db.begin().await?;
    let member = desk::lock_staff_by_email(&txn, &email)
        .await?
        .filter(|m| m.retailer_id == retailer_id);
    let Some(member) = member else {
        txn.rollback().await?;
        verify_password(password, DUMMY_HASH.to_owned()).await?;
        return Ok(Err(wrong()));
    };
    let may_authorize = matches!(Role::parse(&member.role), Some(Role::Manager | Role::Admin));
    if is_locked(member.locked_until, now) {
        txn.rollback().await?;
        return Ok(Err(format!(
            "Too many failed attempts: the account {email} is locked until {} UTC.",
            member
                .locked_until
                .map(|t| t.format("%H:%M").to_string())
                .unwrap_or_default()
        )));
    }
    if !verify_password(password, member.password_hash.clone()).await? {
        let (failed, locked_until) = after_failure(member.failed_attempts, now);
        desk::set_failures(&txn, member.id, failed, locked_until).await?;
        txn.commit().await?;
        tracing::info!(staff.id = %member.id, locked = locked_until.is_some(),
            "desk manager authorization failed");
        return Ok(Err(wrong()));
    }
    if !may_authorize {
        txn.rollback().await?;
        return Ok(Err(wrong()));
    }
    desk::set_failures(&txn, member.id, 0, None).await?;
    txn.commit().await?;
    Ok(Ok(member))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CsrfForm {
    pub csrf: String,
}

/// `POST /desk/sign-out`: ends the session (the row is deleted, the cookie cleared).
pub async fn sign_out(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    config: web::Data<DeskConfig>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, Problem> {
    let me = match guard_post(&req, db.get_ref(), &form.csrf).await? {
        Ok(me) => me,
        Err(res) => return Ok(res),
    };
    desk::delete_session(db.get_ref(), &me.session_id).await?;
    tracing::info!(staff.id = %me.staff.id, "desk sign-out");
    let mut res = see_other("/desk/sign-in");
    res.add_cookie(&session_cookie(
        &config,
        String::new(),
        time::Duration::ZERO,
    ))
    .map_err(Problem::internal)?;
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_hashed_and_compared_whole() {
        let t = "ab".repeat(32);
        assert_eq!(token_hash(&t).len(), 64);
        assert_ne!(token_hash(&t), t);
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "abcd"));
        assert!(!same("", "a"));
    }

    #[test]
    fn the_dummy_hash_is_a_valid_phc_string() {
        assert!(argon2::password_hash::phc::PasswordHash::new(DUMMY_HASH).is_ok());
    }
}
