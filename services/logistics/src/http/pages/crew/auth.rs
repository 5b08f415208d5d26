//! Crew sign-in: the shared flow of [`kummerer_web::signin`] over the crew's tables
//! (`crew_members`, `crew_sessions`) and templates. The session cookie is
//! `kummerer_crew_session` (`HttpOnly`, `SameSite=Strict`, `Secure`, `Path=/crew`, 12 h).

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::error::InternalError;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use kummerer_service::Problem;
use kummerer_web::i18n::{LANG_COOKIE, Lang, Tr};
use kummerer_web::signin::{self, Accounts, Credentials, NewSession, SignInNote, Site};
use sea_orm::{DatabaseConnection, DatabaseTransaction, DbErr};
use uuid::Uuid;

use super::{SignIn, message_page, render, see_other};
use crate::db::{crew_members, crew_sessions};
use crate::http::pages::i18n;

pub use kummerer_web::signin::CsrfForm;

pub const COOKIE: &str = "kummerer_crew_session";
/// How long a crew session lasts (a long day in the van).
pub const SESSION_HOURS: i64 = 12;

/// The crew's accounts, for the shared sign-in flow.
pub struct CrewAccounts;

impl Accounts for CrewAccounts {
    type Account = crew_members::Model;
    const SITE: Site = Site {
        name: "crew",
        cookie: COOKIE,
        root: "/crew",
        sign_in: "/crew/sign-in",
        session_hours: SESSION_HOURS,
        locked_hint: "call your dispatcher",
    };

    fn credentials(m: &crew_members::Model) -> Credentials<'_> {
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
    ) -> Result<Option<crew_members::Model>, DbErr> {
        crew_members::lock_by_email(txn, login).await
    }

    async fn set_failures(
        txn: &DatabaseTransaction,
        id: Uuid,
        failed_attempts: i32,
        locked_until: Option<DateTime<Utc>>,
    ) -> Result<(), DbErr> {
        crew_members::set_failures(txn, id, failed_attempts, locked_until).await
    }

    async fn insert_session(
        txn: &DatabaseTransaction,
        m: &crew_members::Model,
        s: NewSession,
    ) -> Result<(), DbErr> {
        crew_sessions::insert(
            txn,
            crew_sessions::Model {
                id: s.id,
                member_id: m.id,
                crew_id: m.crew_id,
                csrf_token: s.csrf,
                created_at: s.created_at,
                expires_at: s.expires_at,
            },
        )
        .await
    }

    async fn live_session(
        db: &DatabaseConnection,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(String, crew_members::Model)>, DbErr> {
        Ok(crew_sessions::live(db, id, now)
            .await?
            .map(|(s, m)| (s.csrf_token, m)))
    }

    async fn delete_session(db: &DatabaseConnection, id: &str) -> Result<(), DbErr> {
        crew_sessions::delete(db, id).await
    }

    fn sign_in_form(email: &str, message: Option<String>) -> Result<HttpResponse, Problem> {
        render(&SignIn {
            tr: Tr::new(&i18n::CATALOG, Lang::default(), i18n::DEFAULT_TZ),
            email: email.to_owned(),
            message,
        })
    }

    fn sign_in_form_for(
        req: &HttpRequest,
        email: &str,
        note: Option<SignInNote>,
    ) -> Result<HttpResponse, Problem> {
        sign_in_page(req, email, note, "crew")
    }

    fn forbidden() -> Result<HttpResponse, Problem> {
        forbidden(&Tr::new(&i18n::CATALOG, Lang::default(), i18n::DEFAULT_TZ))
    }

    fn forbidden_for(req: &HttpRequest) -> Result<HttpResponse, Problem> {
        forbidden(&i18n::anonymous(req))
    }
}

/// The language a sign-in page link chose (`?lang=de`), kept in the language cookie.
pub fn chosen_lang(req: &HttpRequest) -> Option<Lang> {
    web::Query::<std::collections::HashMap<String, String>>::from_query(req.query_string())
        .ok()
        .and_then(|q| q.get("lang").and_then(|l| Lang::parse(l)))
}

/// The language cookie for a reader's choice (a year, the whole site).
pub fn lang_cookie(lang: Lang) -> actix_web::cookie::Cookie<'static> {
    actix_web::cookie::Cookie::build(LANG_COOKIE, lang.as_str())
        .path("/")
        .same_site(actix_web::cookie::SameSite::Lax)
        .max_age(actix_web::cookie::time::Duration::days(365))
        .finish()
}

/// The sign-in page (crew or dispatcher) in the reader's language: a `?lang=` link's choice
/// (then kept in the cookie), else the cookie or the browser's; the note in those words.
pub fn sign_in_page(
    req: &HttpRequest,
    email: &str,
    note: Option<SignInNote>,
    site: &'static str,
) -> Result<HttpResponse, Problem> {
    let chosen = chosen_lang(req);
    let mut tr = i18n::anonymous(req);
    if let Some(lang) = chosen {
        tr.lang = lang;
    }
    let message = note.map(|n| sign_in_note(&tr, n, site));
    let mut res = if site == "crew" {
        render(&SignIn {
            tr,
            email: email.to_owned(),
            message,
        })?
    } else {
        render(&crate::http::pages::dispatcher::SignIn {
            tr,
            email: email.to_owned(),
            message,
        })?
    };
    if let Some(lang) = chosen {
        res.add_cookie(&lang_cookie(lang))
            .map_err(Problem::internal)?;
    }
    Ok(res)
}

/// Why the sign-in form is shown again, in the reader's words.
fn sign_in_note(tr: &Tr, note: SignInNote, site: &str) -> String {
    match note {
        // The browser's cookie trouble names hosts and settings: kept as written.
        SignInNote::CookieNotKept(text) => text,
        SignInNote::NoEmail => tr.t("sign-in-no-email"),
        SignInNote::Wrong if site == "crew" => {
            tr.ta("crew-sign-in-wrong", "minutes", kummerer_web::LOCK_MINUTES)
        }
        SignInNote::Wrong => tr.ta(
            "dispatch-sign-in-wrong",
            "minutes",
            kummerer_web::LOCK_MINUTES,
        ),
        SignInNote::Throttled => tr.t("sign-in-throttled"),
    }
}

/// A signed-in crew member.
#[derive(Debug, Clone)]
pub struct Signed {
    pub session_id: String,
    pub csrf: String,
    pub member: crew_members::Model,
    /// The member's language and time zone.
    pub tr: Tr,
}

impl Signed {
    async fn of(
        req: &HttpRequest,
        db: &DatabaseConnection,
        s: signin::Signed<crew_members::Model>,
    ) -> Result<Signed, DbErr> {
        Ok(Signed {
            tr: i18n::of_crew_member(req, db, s.account.id).await?,
            session_id: s.session_id,
            csrf: s.csrf,
            member: s.account,
        })
    }
}

/// The crew member whose live session the request's cookie names.
pub async fn signed_in(
    req: &HttpRequest,
    db: &DatabaseConnection,
) -> Result<Option<Signed>, DbErr> {
    match signin::signed_in::<CrewAccounts>(req, db).await? {
        Some(s) => Ok(Some(Signed::of(req, db, s).await?)),
        None => Ok(None),
    }
}

/// The signed-in crew member, as an extractor (zero2prod's `reject_anonymous_users`): without a
/// live session the request is answered with the redirect to the sign-in page before the
/// handler runs.
#[derive(Debug, Clone)]
pub struct CrewMember(pub Signed);

impl FromRequest for CrewMember {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let db = req
                .app_data::<web::Data<DatabaseConnection>>()
                .ok_or_else(|| Problem::internal("no database connection registered"))?;
            match signed_in(&req, db.get_ref()).await.map_err(Problem::from)? {
                Some(signed) => Ok(CrewMember(signed)),
                None => Err(InternalError::from_response(
                    "not signed in",
                    see_other("/crew/sign-in"),
                )
                .into()),
            }
        })
    }
}

/// The guard of every crew POST: a live session (else to the sign-in page) and the session's
/// CSRF token in the form (else 403).
pub async fn guard_post(
    req: &HttpRequest,
    db: &DatabaseConnection,
    csrf: &str,
) -> Result<Result<Signed, HttpResponse>, Problem> {
    match signin::guard_post::<CrewAccounts>(req, db, csrf).await? {
        Ok(s) => Ok(Ok(Signed::of(req, db, s).await?)),
        Err(res) => Ok(Err(res)),
    }
}

pub fn forbidden(tr: &Tr) -> Result<HttpResponse, Problem> {
    message_page(
        tr,
        StatusCode::FORBIDDEN,
        &tr.t("form-expired"),
        &tr.t("form-expired-text"),
    )
}
