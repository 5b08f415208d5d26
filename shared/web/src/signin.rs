//! The sign-in flow of a page with accounts, written once: the sign-in page and form, the
//! session cookie, the guard of every POST (live session, CSRF token, same origin), sign-out,
//! and the password check with its lock-out. A service keeps only its tables and templates: it
//! implements [`Accounts`] for a marker type and registers [`sign_in_page`], [`sign_in`] and
//! [`sign_out`] for that type under its page's scope, with a [`PageConfig`] in the scope's data.
//!
//! Sessions are a random 256-bit token in the cookie, stored only as its SHA-256, each with its
//! own CSRF token; the account row is locked while a password is checked, so concurrent sign-ins
//! count every failure, and the fifth failure in a row locks the account for 15 minutes.
//!
//! Sign-in abuse: failed sign-ins are throttled per client address too ([`crate::throttle`]),
//! and an anonymous caller never learns whether an account exists or is locked: an unknown
//! e-mail, a wrong password and a locked account get the same page ([`wrong_message`]) after
//! the same work (one argon2 verification each).

use actix_web::cookie::{Cookie, time};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Duration, Utc};
use kummerer_service::Problem;
use sea_orm::{DatabaseConnection, DatabaseTransaction, DbErr, TransactionTrait};
use serde::Deserialize;
use uuid::Uuid;

use crate::{
    DUMMY_HASH, LOCK_MINUTES, PASSWORD_MAX, after_failure, is_locked, looks_like_token,
    parse_email, random_token, same, same_origin, see_other, session_cookie, token_hash,
    verify_password,
};

/// What tells one page's sign-in from another's.
#[derive(Debug, Clone, Copy)]
pub struct Site {
    /// For the logs: `crew`, `desk`, `dispatch`.
    pub name: &'static str,
    /// The session cookie's name.
    pub cookie: &'static str,
    /// The page's root (`/crew`): the cookie's path and where a sign-in leads.
    pub root: &'static str,
    /// The sign-in page (`/crew/sign-in`), where a request without a session is sent.
    pub sign_in: &'static str,
    /// How long a session lasts.
    pub session_hours: i64,
    /// Whom a locked-out person turns to (`call your dispatcher`).
    pub locked_hint: &'static str,
}

/// What the flow needs of an account row.
#[derive(Debug, Clone, Copy)]
pub struct Credentials<'a> {
    pub id: Uuid,
    pub password_hash: &'a str,
    pub failed_attempts: i32,
    pub locked_until: Option<DateTime<Utc>>,
}

/// A session to store: `id` is the SHA-256 of the cookie's token.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub id: String,
    pub csrf: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A page's accounts and sessions: its tables (find an account by login, record a failure or
/// a lock-out, store / find / delete a session) and its templates (the sign-in form, the page
/// for a rejected form).
#[allow(async_fn_in_trait)]
pub trait Accounts: 'static {
    /// An account row.
    type Account: Clone;
    const SITE: Site;

    fn credentials(account: &Self::Account) -> Credentials<'_>;

    /// The account with this (lower-case) e-mail, locked until `txn` ends.
    async fn lock_by_login(
        txn: &DatabaseTransaction,
        login: &str,
    ) -> Result<Option<Self::Account>, DbErr>;

    /// Records the failures in a row and the lock (both reset by a right password).
    async fn set_failures(
        txn: &DatabaseTransaction,
        id: Uuid,
        failed_attempts: i32,
        locked_until: Option<DateTime<Utc>>,
    ) -> Result<(), DbErr>;

    async fn insert_session(
        txn: &DatabaseTransaction,
        account: &Self::Account,
        session: NewSession,
    ) -> Result<(), DbErr>;

    /// The unexpired session with this id (token hash): its CSRF token and its account.
    async fn live_session(
        db: &DatabaseConnection,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(String, Self::Account)>, DbErr>;

    async fn delete_session(db: &DatabaseConnection, id: &str) -> Result<(), DbErr>;

    /// The sign-in form, with the e-mail typed so far and a message.
    fn sign_in_form(email: &str, message: Option<String>) -> Result<HttpResponse, Problem>;

    /// 403: the form did not come from the open page (CSRF token or origin).
    fn forbidden() -> Result<HttpResponse, Problem>;

    /// [`Accounts::sign_in_form`] for the request `req` (a site whose pages speak the reader's
    /// language reads it from the request here).
    fn sign_in_form_for(
        _req: &HttpRequest,
        email: &str,
        message: Option<String>,
    ) -> Result<HttpResponse, Problem> {
        Self::sign_in_form(email, message)
    }

    /// [`Accounts::forbidden`] for the request `req`.
    fn forbidden_for(_req: &HttpRequest) -> Result<HttpResponse, Problem> {
        Self::forbidden()
    }
}

/// How the pages run.
#[derive(Debug, Clone)]
pub struct PageConfig {
    /// `Secure` on the session cookie.
    pub secure_cookies: bool,
}

impl PageConfig {
    /// From the environment: `KUMMERER_INSECURE_COOKIES=1` drops `Secure`.
    pub fn from_env() -> PageConfig {
        let insecure = crate::insecure_cookies_from_env();
        if insecure {
            tracing::warn!("KUMMERER_INSECURE_COOKIES=1: the session cookies are not Secure");
        }
        PageConfig {
            secure_cookies: !insecure,
        }
    }
}

/// A signed-in account.
#[derive(Debug, Clone)]
pub struct Signed<T> {
    /// The session's id (the token's hash).
    pub session_id: String,
    pub csrf: String,
    pub account: T,
}

fn internal(e: crate::Error) -> Problem {
    Problem::internal(e)
}

/// The account whose live session the request's cookie names.
pub async fn signed_in<A: Accounts>(
    req: &HttpRequest,
    db: &DatabaseConnection,
) -> Result<Option<Signed<A::Account>>, DbErr> {
    let Some(cookie) = req.cookie(A::SITE.cookie) else {
        return Ok(None);
    };
    if !looks_like_token(cookie.value()) {
        return Ok(None);
    }
    let id = token_hash(cookie.value());
    Ok(A::live_session(db, &id, Utc::now())
        .await?
        .map(|(csrf, account)| Signed {
            session_id: id,
            csrf,
            account,
        }))
}

/// The guard of every POST of a page: a live session (else to the sign-in page) and the
/// session's CSRF token in the form from our own origin (else 403).
pub async fn guard_post<A: Accounts>(
    req: &HttpRequest,
    db: &DatabaseConnection,
    csrf: &str,
) -> Result<Result<Signed<A::Account>, HttpResponse>, Problem> {
    let Some(me) = signed_in::<A>(req, db).await? else {
        return Ok(Err(see_other(A::SITE.sign_in)));
    };
    if !same_origin(req) || !same(&me.csrf, csrf) {
        let id = A::credentials(&me.account).id;
        tracing::warn!(page = A::SITE.name, account.id = %id, "form rejected: CSRF token or origin");
        return Ok(Err(A::forbidden_for(req)?));
    }
    Ok(Ok(me))
}

fn cookie<A: Accounts>(
    config: &PageConfig,
    value: String,
    max_age: time::Duration,
) -> Cookie<'static> {
    session_cookie(
        A::SITE.cookie,
        A::SITE.root,
        value,
        max_age,
        config.secure_cookies,
    )
}

/// `GET {root}/sign-in`: the form, or home when already signed in. Right after a sign-in whose
/// session cookie the browser did not keep (the probe came back, the session cookie not at all),
/// the form says why and what to do ([`crate::cookie_check`]).
pub async fn sign_in_page<A: Accounts>(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    config: web::Data<PageConfig>,
) -> Result<HttpResponse, Problem> {
    if signed_in::<A>(&req, db.get_ref()).await?.is_some() {
        return Ok(see_other(A::SITE.root));
    }
    // A session cookie that came back but names no live session (signed out elsewhere, the
    // account deactivated) is not the browser's doing: the plain form.
    if !crate::cookie_check::came_back(&req, &A::SITE) || req.cookie(A::SITE.cookie).is_some() {
        return A::sign_in_form_for(&req, "", None);
    }
    let message = crate::cookie_check::message(&req, &config);
    tracing::warn!(
        page = A::SITE.name,
        "session cookie not kept by the browser after a sign-in"
    );
    let mut res = A::sign_in_form_for(&req, "", Some(message))?;
    res.add_cookie(&crate::cookie_check::cleared(&A::SITE))
        .map_err(Problem::internal)?;
    Ok(res)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SignInForm {
    pub email: String,
    pub password: String,
}

/// The outcome of a password check.
pub enum Check<T> {
    /// The right password: failures reset, the account row still locked in the open
    /// transaction (commit it, with whatever else belongs to the sign-in).
    Right(T, DatabaseTransaction),
    /// An unknown (or, by the caller's `scope`, foreign) account, a wrong or unusable password,
    /// or a locked account: what to tell the person.
    Refused(Refusal),
}

/// Why a password check failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The e-mail is no e-mail address.
    NoEmail,
    /// Unknown account or wrong password (the failure is counted on a known account).
    Wrong,
    /// The wrong password was the one that locked the account.
    NowLocked,
    /// The account is locked until then; not even the right password opens it.
    Locked(DateTime<Utc>),
}

/// Checks `email` and `password` against the accounts: an unknown account takes as long as a
/// wrong password; a failure is counted on the account (the fifth in a row locks it); a locked
/// account is refused. `scope` narrows the accounts that count (an account outside it is
/// treated as unknown, and nothing is counted on it).
pub async fn check_password<A: Accounts>(
    db: &DatabaseConnection,
    email: &str,
    password: String,
    scope: impl Fn(&A::Account) -> bool,
) -> Result<Check<A::Account>, Problem> {
    let Some(email) = parse_email(email) else {
        return Ok(Check::Refused(Refusal::NoEmail));
    };
    if password.is_empty() || password.chars().count() > PASSWORD_MAX {
        return Ok(Check::Refused(Refusal::Wrong));
    }
    let now = Utc::now();
    let txn = db.begin().await?;
    let Some(account) = A::lock_by_login(&txn, &email).await?.filter(|a| scope(a)) else {
        txn.rollback().await?;
        verify_password(password, DUMMY_HASH.to_owned())
            .await
            .map_err(internal)?;
        return Ok(Check::Refused(Refusal::Wrong));
    };
    let c = A::credentials(&account);
    let id = c.id;
    if let Some(until) = c.locked_until.filter(|_| is_locked(c.locked_until, now)) {
        txn.rollback().await?;
        // As long as a wrong password takes: the answer's timing tells nothing either.
        verify_password(password, c.password_hash.to_owned())
            .await
            .map_err(internal)?;
        return Ok(Check::Refused(Refusal::Locked(until)));
    }
    if !verify_password(password, c.password_hash.to_owned())
        .await
        .map_err(internal)?
    {
        let (failed, locked_until) = after_failure(c.failed_attempts, now);
        A::set_failures(&txn, id, failed, locked_until).await?;
        txn.commit().await?;
        tracing::info!(page = A::SITE.name, account.id = %id, locked = locked_until.is_some(),
            "password check failed");
        return Ok(Check::Refused(if locked_until.is_some() {
            Refusal::NowLocked
        } else {
            Refusal::Wrong
        }));
    }
    A::set_failures(&txn, id, 0, None).await?;
    Ok(Check::Right(account, txn))
}

/// "Locked until 14:05 UTC".
pub fn until_text(until: DateTime<Utc>) -> String {
    until.format("%H:%M").to_string()
}

/// What an anonymous caller is told of an unknown e-mail, a wrong password and a locked
/// account alike: never whether the account exists or is locked.
pub fn wrong_message(site: &Site) -> String {
    format!(
        "The e-mail or the password is wrong. After repeated failures, sign-in pauses for a \
         while: if you are sure of your password, try again in {LOCK_MINUTES} minutes, or {}.",
        site.locked_hint
    )
}

/// What a throttled address is told.
pub const THROTTLED_MESSAGE: &str =
    "Too many failed sign-ins from your network. Wait a few minutes, then try again.";

/// The client's address as the throttle counts it: the TCP peer's.
fn client_address(req: &HttpRequest) -> std::net::IpAddr {
    req.peer_addr()
        .map_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED), |a| {
            a.ip()
        })
}

/// `POST {root}/sign-in`: the right password → a new session and home (303); a wrong one, an
/// unknown e-mail or a locked account → the form again with one and the same message (200);
/// the fifth failure in a row locks the account for 15 minutes, during which even the right
/// password is refused. An address with too many failures on this page is refused (429)
/// before anything is checked.
pub async fn sign_in<A: Accounts>(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    config: web::Data<PageConfig>,
    form: web::Form<SignInForm>,
) -> Result<HttpResponse, Problem> {
    if !same_origin(&req) {
        return A::forbidden_for(&req);
    }
    let SignInForm { email, password } = form.into_inner();
    let shown = parse_email(&email).unwrap_or_else(|| email.clone());
    let address = client_address(&req);
    let throttle = &crate::throttle::SIGN_INS;
    if let Some(until) = throttle.blocked_until(A::SITE.name, address, Utc::now()) {
        tracing::warn!(page = A::SITE.name, client.address = %address, "sign-in throttled");
        let mut res = A::sign_in_form_for(&req, &shown, Some(THROTTLED_MESSAGE.to_owned()))?;
        *res.status_mut() = actix_web::http::StatusCode::TOO_MANY_REQUESTS;
        let wait = (until - Utc::now()).num_seconds().max(1);
        res.headers_mut().insert(
            actix_web::http::header::RETRY_AFTER,
            actix_web::http::header::HeaderValue::from(wait),
        );
        return Ok(res);
    }
    let (account, txn) = match check_password::<A>(db.get_ref(), &email, password, |_| true).await?
    {
        Check::Right(account, txn) => (account, txn),
        Check::Refused(Refusal::NoEmail) => {
            let message = "Enter the e-mail address of your account.".to_owned();
            return A::sign_in_form_for(&req, &shown, Some(message));
        }
        Check::Refused(Refusal::Wrong | Refusal::NowLocked | Refusal::Locked(_)) => {
            throttle.failed(A::SITE.name, address, Utc::now());
            return A::sign_in_form_for(&req, &shown, Some(wrong_message(&A::SITE)));
        }
    };
    let now = Utc::now();
    let token = random_token().map_err(internal)?;
    A::insert_session(
        &txn,
        &account,
        NewSession {
            id: token_hash(&token),
            csrf: random_token().map_err(internal)?,
            created_at: now,
            expires_at: now + Duration::hours(A::SITE.session_hours),
        },
    )
    .await?;
    txn.commit().await?;
    tracing::info!(page = A::SITE.name, account.id = %A::credentials(&account).id, "signed in");
    let mut res = see_other(A::SITE.root);
    res.add_cookie(&cookie::<A>(
        &config,
        token,
        time::Duration::hours(A::SITE.session_hours),
    ))
    .map_err(Problem::internal)?;
    res.add_cookie(&crate::cookie_check::probe(&A::SITE))
        .map_err(Problem::internal)?;
    Ok(res)
}

/// A form that carries only the CSRF token.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CsrfForm {
    pub csrf: String,
}

/// `POST {root}/sign-out`: ends the session (the row is deleted, the cookie cleared).
pub async fn sign_out<A: Accounts>(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    config: web::Data<PageConfig>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, Problem> {
    let me = match guard_post::<A>(&req, db.get_ref(), &form.csrf).await? {
        Ok(me) => me,
        Err(res) => return Ok(res),
    };
    A::delete_session(db.get_ref(), &me.session_id).await?;
    tracing::info!(page = A::SITE.name, account.id = %A::credentials(&me.account).id, "signed out");
    let mut res = see_other(A::SITE.sign_in);
    res.add_cookie(&cookie::<A>(&config, String::new(), time::Duration::ZERO))
        .map_err(Problem::internal)?;
    res.add_cookie(&crate::cookie_check::cleared(&A::SITE))
        .map_err(Problem::internal)?;
    Ok(res)
}

/// The sign-in routes of a page's scope: `GET`/`POST /sign-in` (open doors), `POST /sign-out`
/// (signed in), with the [`PageConfig`] they need; `doors` is the scope's recorder.
pub fn routes<A: Accounts>(
    scope: actix_web::Scope,
    config: PageConfig,
    doors: &crate::doors::Doors,
) -> actix_web::Scope {
    use crate::doors::{Access, DoorsExt};
    use actix_web::http::Method;
    scope
        .app_data(web::Data::new(config))
        .door(
            doors,
            Method::GET,
            "/sign-in",
            Access::Open,
            sign_in_page::<A>,
        )
        .door(doors, Method::POST, "/sign-in", Access::Open, sign_in::<A>)
        .door(
            doors,
            Method::POST,
            "/sign-out",
            Access::SignedIn,
            sign_out::<A>,
        )
}
