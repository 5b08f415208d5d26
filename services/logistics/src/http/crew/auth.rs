//! Crew sign-in, modelled on the retailer desk: argon2id passwords, sessions by a random 256-bit
//! token (only its SHA-256 is stored), the session cookie `kummerer_crew_session` (`HttpOnly`,
//! `SameSite=Strict`, `Secure`, `Path=/crew`, 12 h), a CSRF token per session, and the lock-out
//! after five failures in a row (15 minutes).

use actix_web::cookie::time;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{Duration, Utc};
use kummerer_service::Problem;
use kummerer_web::{
    DUMMY_HASH, LOCK_MINUTES, PASSWORD_MAX, after_failure, is_locked, looks_like_token,
    parse_email, random_token, same, same_origin, session_cookie, token_hash, verify_password,
};
use sea_orm::{DatabaseConnection, DbErr, TransactionTrait};
use serde::Deserialize;

use crate::db::{crew, crew_members, crew_sessions};
use crate::http::crew::{CrewConfig, SignIn, message_page, render, see_other};

pub const COOKIE: &str = "kummerer_crew_session";
const COOKIE_PATH: &str = "/crew";
/// How long a crew session lasts (a long day in the van).
pub const SESSION_HOURS: i64 = 12;

fn internal(e: kummerer_web::Error) -> Problem {
    Problem::internal(e)
}

/// A signed-in crew member.
#[derive(Debug, Clone)]
pub struct Signed {
    pub session_id: String,
    pub csrf: String,
    pub member: crew_members::Model,
}

/// The crew member whose live session the request's cookie names.
pub async fn signed_in(
    req: &HttpRequest,
    db: &DatabaseConnection,
) -> Result<Option<Signed>, DbErr> {
    let Some(cookie) = req.cookie(COOKIE) else {
        return Ok(None);
    };
    if !looks_like_token(cookie.value()) {
        return Ok(None);
    }
    let id = token_hash(cookie.value());
    Ok(crew::live_session(db, &id, Utc::now())
        .await?
        .map(|(session, member)| Signed {
            session_id: session.id,
            csrf: session.csrf_token,
            member,
        }))
}

pub fn forbidden() -> Result<HttpResponse, Problem> {
    message_page(
        StatusCode::FORBIDDEN,
        "Form expired",
        "This form was not sent from your open crew page (or your session changed). Go back, \
         reload the page and send it again.",
    )
}

/// The guard of every crew POST: a live session (else to the sign-in page) and the session's
/// CSRF token in the form (else 403).
pub async fn guard_post(
    req: &HttpRequest,
    db: &DatabaseConnection,
    csrf: &str,
) -> Result<Result<Signed, HttpResponse>, Problem> {
    let Some(me) = signed_in(req, db).await? else {
        return Ok(Err(see_other("/crew/sign-in")));
    };
    if !same_origin(req) || !same(&me.csrf, csrf) {
        tracing::warn!(member.id = %me.member.id, "crew form rejected: CSRF token or origin");
        return Ok(Err(forbidden()?));
    }
    Ok(Ok(me))
}

fn cookie(
    config: &CrewConfig,
    value: String,
    max_age: time::Duration,
) -> actix_web::cookie::Cookie<'static> {
    session_cookie(COOKIE, COOKIE_PATH, value, max_age, config.secure_cookies)
}

/// `GET /crew/sign-in`.
pub async fn sign_in_page(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
) -> Result<HttpResponse, Problem> {
    if signed_in(&req, db.get_ref()).await?.is_some() {
        return Ok(see_other("/crew"));
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

/// `POST /crew/sign-in`: the right password → a new session and to `/crew` (303); a wrong one
/// (or an unknown e-mail) → the form again with a message (200); the fifth failure in a row
/// locks the account for 15 minutes, during which even the right password is refused.
pub async fn sign_in(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    config: web::Data<CrewConfig>,
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
    let Some(member) = crew::lock_member_by_email(&txn, &email).await? else {
        txn.rollback().await?;
        verify_password(form.password, DUMMY_HASH.to_owned())
            .await
            .map_err(internal)?;
        return sign_in_again(&email, wrong());
    };
    if is_locked(member.locked_until, now) {
        txn.rollback().await?;
        return sign_in_again(
            &email,
            format!(
                "Too many failed attempts: this account is locked until {} UTC. Try again \
                 then, or call your dispatcher.",
                member
                    .locked_until
                    .map(|t| t.format("%H:%M").to_string())
                    .unwrap_or_default()
            ),
        );
    }
    if !verify_password(form.password, member.password_hash.clone())
        .await
        .map_err(internal)?
    {
        let (failed, locked_until) = after_failure(member.failed_attempts, now);
        crew::set_failures(&txn, member.id, failed, locked_until).await?;
        txn.commit().await?;
        tracing::info!(member.id = %member.id, locked = locked_until.is_some(), "crew sign-in failed");
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
    crew::set_failures(&txn, member.id, 0, None).await?;
    let token = random_token().map_err(internal)?;
    crew::insert_session(
        &txn,
        crew_sessions::Model {
            id: token_hash(&token),
            member_id: member.id,
            crew_id: member.crew_id,
            csrf_token: random_token().map_err(internal)?,
            created_at: now,
            expires_at: now + Duration::hours(SESSION_HOURS),
        },
    )
    .await?;
    txn.commit().await?;
    tracing::info!(member.id = %member.id, crew.id = %member.crew_id, "crew sign-in");
    let mut res = see_other("/crew");
    res.add_cookie(&cookie(
        &config,
        token,
        time::Duration::hours(SESSION_HOURS),
    ))
    .map_err(Problem::internal)?;
    Ok(res)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CsrfForm {
    pub csrf: String,
}

/// `POST /crew/sign-out`: ends the session (the row is deleted, the cookie cleared).
pub async fn sign_out(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    config: web::Data<CrewConfig>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, Problem> {
    let me = match guard_post(&req, db.get_ref(), &form.csrf).await? {
        Ok(me) => me,
        Err(res) => return Ok(res),
    };
    crew::delete_session(db.get_ref(), &me.session_id).await?;
    tracing::info!(member.id = %me.member.id, "crew sign-out");
    let mut res = see_other("/crew/sign-in");
    res.add_cookie(&cookie(&config, String::new(), time::Duration::ZERO))
        .map_err(Problem::internal)?;
    Ok(res)
}
