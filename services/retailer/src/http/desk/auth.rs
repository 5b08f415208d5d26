//! Desk sign-in: argon2id passwords, sessions by a random 256-bit token (only its SHA-256 is
//! stored), the session cookie, CSRF tokens, and the lock-out after repeated failures.
//!
//! The cookie `kummerer_session` is `HttpOnly`, `SameSite=Strict`, `Path=/desk` and `Secure`.
//! Browsers (and reqwest's cookie store) treat `http://localhost` and `http://127.0.0.1` as
//! secure origins, so local development and the tests work over plain HTTP. Only a deployment
//! reached over plain HTTP under another host name needs `KUMMERER_INSECURE_COOKIES=1`, which
//! drops `Secure` (never do that on a network you do not trust).

use actix_web::cookie::{Cookie, time};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{Duration, Utc};
use kummerer_service::Problem;
use kummerer_web::{
    DUMMY_HASH, LOCK_MINUTES, PASSWORD_MAX, after_failure, is_locked, looks_like_token,
    parse_email, random_token, same, same_origin, session_cookie, token_hash, verify_password,
};
use sea_orm::{DatabaseConnection, DbErr, TransactionTrait};
use serde::Deserialize;

use crate::db::{desk, sessions, staff};
use crate::domain::Role;
use crate::domain::staff::SESSION_HOURS;
use crate::http::desk::{DeskConfig, SignIn, message_page, render, see_other};

pub const COOKIE: &str = "kummerer_session";

/// A failure of the shared sign-in pieces (randomness, hashing, the blocking pool): a logged 500.
pub fn web_error(e: kummerer_web::Error) -> Problem {
    Problem::internal(e)
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
    if !looks_like_token(token) {
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

fn desk_cookie(config: &DeskConfig, value: String, max_age: time::Duration) -> Cookie<'static> {
    session_cookie(COOKIE, "/desk", value, max_age, config.secure_cookies)
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
        verify_password(form.password, DUMMY_HASH.to_owned())
            .await
            .map_err(web_error)?;
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
    if !verify_password(form.password, member.password_hash.clone())
        .await
        .map_err(web_error)?
    {
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
    let token = random_token().map_err(web_error)?;
    desk::insert_session(
        &txn,
        sessions::Model {
            id: token_hash(&token),
            staff_id: member.id,
            retailer_id: member.retailer_id,
            csrf_token: random_token().map_err(web_error)?,
            created_at: now,
            expires_at: now + Duration::hours(SESSION_HOURS),
        },
    )
    .await?;
    txn.commit().await?;
    tracing::info!(staff.id = %member.id, retailer.id = %member.retailer_id, "desk sign-in");
    let mut res = see_other("/desk");
    res.add_cookie(&desk_cookie(
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
        verify_password(password, DUMMY_HASH.to_owned())
            .await
            .map_err(web_error)?;
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
    if !verify_password(password, member.password_hash.clone())
        .await
        .map_err(web_error)?
    {
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
    res.add_cookie(&desk_cookie(&config, String::new(), time::Duration::ZERO))
        .map_err(Problem::internal)?;
    Ok(res)
}

#[cfg(test)]
mod tests {
    // The desk's tokens, as the shared crate gives them (its own tests check the dummy hash).
    use kummerer_web::{same, token_hash};

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
}
