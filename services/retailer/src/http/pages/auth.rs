//! Desk sign-in: the shared flow of [`kummerer_web::signin`] over the desk's tables (`staff`,
//! `sessions`) and templates, and the manager's signature on a colleague's screen, which checks
//! the password the same way.
//!
//! The cookie `kummerer_session` is `HttpOnly`, `SameSite=Strict`, `Path=/desk` and `Secure`.
//! Browsers (and reqwest's cookie store) treat `http://localhost` and `http://127.0.0.1` as
//! secure origins, so local development and the tests work over plain HTTP. Only a deployment
//! reached over plain HTTP under another host name needs `KUMMERER_INSECURE_COOKIES=1`, which
//! drops `Secure` (never do that on a network you do not trust).

use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use kummerer_service::Problem;
use kummerer_web::i18n::Tr;
use kummerer_web::signin::{self, Accounts, Credentials, NewSession, SignInNote, Site};
use sea_orm::{DatabaseConnection, DatabaseTransaction, DbErr};
use uuid::Uuid;

use crate::db::{desk, staff};
use crate::domain::Role;
use crate::domain::staff::SESSION_HOURS;
use crate::http::pages::{SignIn, message_page, render};

pub use kummerer_web::signin::CsrfForm;

pub const COOKIE: &str = "kummerer_session";

/// A failure of the shared sign-in pieces (randomness, hashing, the blocking pool): a logged 500.
pub fn web_error(e: kummerer_web::Error) -> Problem {
    Problem::internal(e)
}

/// The staff accounts, for the shared sign-in flow.
pub struct StaffAccounts;

impl Accounts for StaffAccounts {
    type Account = staff::Model;
    const SITE: Site = Site {
        name: "desk",
        cookie: COOKIE,
        root: "/desk",
        sign_in: "/desk/sign-in",
        session_hours: SESSION_HOURS,
        locked_hint: "ask a manager",
    };

    fn credentials(m: &staff::Model) -> Credentials<'_> {
        Credentials {
            id: m.id,
            password_hash: &m.password_hash,
            failed_attempts: m.failed_attempts,
            locked_until: m.locked_until,
        }
    }

    async fn lock_by_login(
        txn: &DatabaseTransaction,
        login: &str,
    ) -> Result<Option<staff::Model>, DbErr> {
        desk::lock_staff_by_email(txn, login).await
    }

    async fn set_failures(
        txn: &DatabaseTransaction,
        id: Uuid,
        failed_attempts: i32,
        locked_until: Option<DateTime<Utc>>,
    ) -> Result<(), DbErr> {
        desk::set_failures(txn, id, failed_attempts, locked_until).await
    }

    async fn insert_session(
        txn: &DatabaseTransaction,
        m: &staff::Model,
        s: NewSession,
    ) -> Result<(), DbErr> {
        desk::insert_session(txn, m, s).await
    }

    async fn live_session(
        db: &DatabaseConnection,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(String, staff::Model)>, DbErr> {
        Ok(desk::live_session(db, id, now)
            .await?
            .map(|(s, m)| (s.csrf_token, m)))
    }

    async fn delete_session(db: &DatabaseConnection, id: &str) -> Result<(), DbErr> {
        desk::delete_session(db, id).await
    }

    fn sign_in_form(email: &str, message: Option<String>) -> Result<HttpResponse, Problem> {
        render(&SignIn {
            tr: super::locale::tr(Default::default(), super::locale::DEFAULT_TZ),
            email: email.to_owned(),
            message,
        })
    }

    fn sign_in_form_for(
        req: &HttpRequest,
        email: &str,
        note: Option<SignInNote>,
    ) -> Result<HttpResponse, Problem> {
        let tr = super::locale::of_request(req);
        let message = note.map(|n| sign_in_note(&tr, n));
        render(&SignIn {
            tr,
            email: email.to_owned(),
            message,
        })
    }

    fn forbidden() -> Result<HttpResponse, Problem> {
        forbidden_in(&super::locale::tr(
            Default::default(),
            super::locale::DEFAULT_TZ,
        ))
    }

    fn forbidden_for(req: &HttpRequest) -> Result<HttpResponse, Problem> {
        forbidden_in(&super::locale::of_request(req))
    }
}

/// Why the sign-in form is shown again, in the reader's words.
fn sign_in_note(tr: &Tr, note: SignInNote) -> String {
    match note {
        // The browser's cookie trouble names hosts and settings: kept as written.
        SignInNote::CookieNotKept(text) => text,
        SignInNote::NoEmail => tr.t("sign-in-no-email"),
        SignInNote::Wrong => tr.ta("sign-in-wrong", "minutes", kummerer_web::LOCK_MINUTES),
        SignInNote::Throttled => tr.t("sign-in-throttled"),
    }
}

/// A signed-in staff member, with the language and time zone the desk shows them.
#[derive(Debug, Clone)]
pub struct Signed {
    pub session_id: String,
    pub csrf: String,
    pub staff: staff::Model,
    pub tr: Tr,
    /// The staff member's own language choice (`de`, `en`), empty when they follow the store's.
    pub own_language: String,
}

/// The shared flow's signed-in account with its language and time zone
/// ([`super::locale::of_staff`]).
async fn with_locale(
    req: &HttpRequest,
    db: &DatabaseConnection,
    s: signin::Signed<staff::Model>,
) -> Result<Signed, DbErr> {
    let row = crate::db::locale::of_staff(db, s.account.retailer_id, s.account.id).await?;
    Ok(Signed {
        session_id: s.session_id,
        csrf: s.csrf,
        tr: super::locale::of_staff(&row, req),
        own_language: row.staff_language.unwrap_or_default(),
        staff: s.account,
    })
}

/// The staff member whose live session the request's cookie names.
pub async fn signed_in(
    req: &HttpRequest,
    db: &DatabaseConnection,
) -> Result<Option<Signed>, DbErr> {
    match signin::signed_in::<StaffAccounts>(req, db).await? {
        Some(s) => Ok(Some(with_locale(req, db, s).await?)),
        None => Ok(None),
    }
}

/// 403: the form did not come from the open page, in the reader's language.
pub fn forbidden_in(tr: &Tr) -> Result<HttpResponse, Problem> {
    message_page(
        tr,
        actix_web::http::StatusCode::FORBIDDEN,
        &tr.t("forbidden-title"),
        &tr.t("forbidden-text"),
    )
}

/// The guard of every desk POST: a live session (else to the sign-in page) and the session's
/// CSRF token in the form (else 403).
pub async fn guard_post(
    req: &HttpRequest,
    db: &DatabaseConnection,
    csrf: &str,
) -> Result<Result<Signed, HttpResponse>, Problem> {
    match signin::guard_post::<StaffAccounts>(req, db, csrf).await? {
        Ok(s) => Ok(Ok(with_locale(req, db, s).await?)),
        Err(res) => Ok(Err(res)),
    }
}

/// The active manager or admin of `retailer_id` with this e-mail and password, checked
/// without touching the account: a wrong password is not counted toward the account's lock-out
/// (so a form anyone can reach cannot lock a manager out), and a locked account is refused like
/// a wrong password (so the answer never tells that an account exists or is locked). An
/// unknown, foreign or clerk's account takes as long as a wrong password. The caller limits
/// the guesses (per clerk session, per client address).
pub async fn check_manager(
    db: &DatabaseConnection,
    retailer_id: Uuid,
    email: &str,
    password: String,
) -> Result<Option<staff::Model>, Problem> {
    let Some(email) = kummerer_web::parse_email(email) else {
        return Ok(None);
    };
    if password.is_empty() || password.chars().count() > kummerer_web::PASSWORD_MAX {
        return Ok(None);
    }
    let member = desk::staff_by_email(db, &email)
        .await?
        .filter(|m| m.retailer_id == retailer_id && matches!(m.role, Role::Manager | Role::Admin));
    let hash = member
        .as_ref()
        .map_or(kummerer_web::DUMMY_HASH.to_owned(), |m| {
            m.password_hash.clone()
        });
    let right = kummerer_web::verify_password(password, hash)
        .await
        .map_err(web_error)?;
    Ok(member.filter(|m| right && !kummerer_web::is_locked(m.locked_until, Utc::now())))
}

/// Wrong manager entries on one clerk session within [`MANAGER_WINDOW_MINUTES`] before the
/// swap form refuses further ones (even right ones) until the oldest leaves the window.
pub const MANAGER_MAX_FAILURES: usize = 5;
/// The window of [`MANAGER_MAX_FAILURES`].
pub const MANAGER_WINDOW_MINUTES: i64 = 15;
/// Sessions remembered at most; past it, the ones with no failure in the window are dropped.
const MANAGER_MAX_TRACKED: usize = 100_000;

/// Failed manager signatures per clerk session (the session's id, a token hash), in process:
/// each replica counts its own, and a restart forgets them — a bound on guessing, not an
/// account lock.
static MANAGER_FAILURES: std::sync::LazyLock<
    std::sync::Mutex<std::collections::HashMap<String, std::collections::VecDeque<DateTime<Utc>>>>,
> = std::sync::LazyLock::new(Default::default);

/// When the clerk session `session_id` may next try a manager's signature, if not at `now`.
fn manager_blocked_until(session_id: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let window = chrono::Duration::minutes(MANAGER_WINDOW_MINUTES);
    let mut map = MANAGER_FAILURES.lock().unwrap_or_else(|p| p.into_inner());
    let times = map.get_mut(session_id)?;
    while times.front().is_some_and(|t| *t + window <= now) {
        times.pop_front();
    }
    if times.is_empty() {
        map.remove(session_id);
        return None;
    }
    (times.len() >= MANAGER_MAX_FAILURES)
        .then(|| times.front().map(|t| *t + window))
        .flatten()
}

/// Counts one failed manager signature on the clerk session `session_id`.
fn manager_failed(session_id: &str, now: DateTime<Utc>) {
    let window = chrono::Duration::minutes(MANAGER_WINDOW_MINUTES);
    let mut map = MANAGER_FAILURES.lock().unwrap_or_else(|p| p.into_inner());
    if map.len() >= MANAGER_MAX_TRACKED {
        map.retain(|_, times| times.back().is_some_and(|t| *t + window > now));
    }
    let times = map.entry(session_id.to_owned()).or_default();
    times.push_back(now);
    while times.len() > MANAGER_MAX_FAILURES {
        times.pop_front();
    }
}

/// A manager (or admin) of the clerk's retailer authorizing a swap on the clerk's screen with
/// their e-mail and password: `Ok(manager)`, or `Err(message)` for the form. Checked by
/// [`check_manager`] (nothing counted on the manager's account; a wrong, unknown, foreign,
/// clerk's or locked account all get the same message); the failures are counted per clerk
/// session instead, and after [`MANAGER_MAX_FAILURES`] of them the form refuses for a while.
pub async fn authorize_manager(
    db: &DatabaseConnection,
    clerk: &Signed,
    email: &str,
    password: String,
) -> Result<Result<staff::Model, String>, Problem> {
    let now = Utc::now();
    if let Some(until) = manager_blocked_until(&clerk.session_id, now) {
        tracing::warn!(staff.id = %clerk.staff.id, "manager signature throttled");
        return Ok(Err(clerk.tr.ta(
            "manager-throttled",
            "when",
            clerk.tr.time(until),
        )));
    }
    if kummerer_web::parse_email(email).is_none() {
        return Ok(Err(clerk.tr.t("manager-missing")));
    }
    match check_manager(db, clerk.staff.retailer_id, email, password).await? {
        Some(manager) => Ok(Ok(manager)),
        None => {
            manager_failed(&clerk.session_id, now);
            tracing::info!(staff.id = %clerk.staff.id, "manager signature refused");
            Ok(Err(clerk.tr.t("manager-wrong")))
        }
    }
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

/// The signed-in staff member as an extractor (zero2prod's `reject_anonymous_users`): a desk
/// page takes `SignedIn(me)` instead of checking the session itself; without a live session the
/// request is answered with the redirect to the sign-in page and the handler never runs. (A POST
/// also checks the form's CSRF token: it takes [`super::roles::Posted`]; the manager and admin
/// pages take [`super::roles::SignedManager`] and [`super::roles::SignedAdmin`].)
pub struct SignedIn(pub Signed);

/// No live session: 303 to the sign-in page.
#[derive(Debug)]
pub struct SignInFirst;

impl std::fmt::Display for SignInFirst {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not signed in")
    }
}

impl actix_web::ResponseError for SignInFirst {
    fn status_code(&self) -> actix_web::http::StatusCode {
        actix_web::http::StatusCode::SEE_OTHER
    }

    fn error_response(&self) -> HttpResponse {
        super::see_other("/desk/sign-in")
    }
}

impl actix_web::FromRequest for SignedIn {
    type Error = actix_web::Error;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let db = req
                .app_data::<actix_web::web::Data<DatabaseConnection>>()
                .cloned()
                .ok_or_else(|| Problem::internal("the desk has no database"))?;
            match signed_in(&req, db.get_ref()).await.map_err(Problem::from)? {
                Some(me) => Ok(SignedIn(me)),
                None => Err(SignInFirst.into()),
            }
        })
    }
}
