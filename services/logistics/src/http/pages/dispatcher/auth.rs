//! Dispatcher sign-in: the shared flow of [`kummerer_web::signin`] over `dispatchers` and
//! `dispatcher_sessions`. The session cookie is `kummerer_dispatch_session` (`HttpOnly`,
//! `SameSite=Strict`, `Secure`, `Path=/dispatch`, 10 h).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use kummerer_service::Problem;
use kummerer_web::i18n::{Lang, Tr};
use kummerer_web::signin::{Accounts, Credentials, NewSession, SignInNote, Site};
use sea_orm::{DatabaseConnection, DatabaseTransaction, DbErr};
use uuid::Uuid;

use super::{SignIn, message_page};
use crate::db::{dispatcher_sessions, dispatchers};
use crate::http::pages::i18n;

pub const COOKIE: &str = "kummerer_dispatch_session";
/// How long a dispatcher's session lasts (a working day at the desk).
pub const SESSION_HOURS: i64 = 10;

/// The dispatchers' accounts, for the shared sign-in flow.
pub struct DispatcherAccounts;

/// A signed-in dispatcher.
pub type Signed = kummerer_web::signin::Signed<dispatchers::Model>;

impl Accounts for DispatcherAccounts {
    type Account = dispatchers::Model;
    const SITE: Site = Site {
        name: "dispatch",
        cookie: COOKIE,
        root: "/dispatch",
        sign_in: "/dispatch/sign-in",
        session_hours: SESSION_HOURS,
        locked_hint: "ask your carrier's administrator",
    };

    fn credentials(d: &dispatchers::Model) -> Credentials<'_> {
        Credentials {
            id: d.id,
            password_hash: &d.password_hash,
            failed_attempts: d.failed_attempts,
            locked_until: d.locked_until,
        }
    }

    async fn lock_by_login(
        txn: &DatabaseTransaction,
        login: &str,
    ) -> Result<Option<dispatchers::Model>, DbErr> {
        dispatchers::lock_by_email(txn, login).await
    }

    async fn set_failures(
        txn: &DatabaseTransaction,
        id: Uuid,
        failed_attempts: i32,
        locked_until: Option<DateTime<Utc>>,
    ) -> Result<(), DbErr> {
        dispatchers::set_failures(txn, id, failed_attempts, locked_until).await
    }

    async fn insert_session(
        txn: &DatabaseTransaction,
        d: &dispatchers::Model,
        s: NewSession,
    ) -> Result<(), DbErr> {
        let row = dispatcher_sessions::Model {
            id: s.id,
            dispatcher_id: d.id,
            carrier_id: d.carrier_id,
            csrf_token: s.csrf,
            created_at: s.created_at,
            expires_at: s.expires_at,
        };
        dispatcher_sessions::insert(txn, row).await
    }

    async fn live_session(
        db: &DatabaseConnection,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(String, dispatchers::Model)>, DbErr> {
        let found = dispatcher_sessions::live(db, id, now).await?;
        Ok(found.map(|(s, d)| (s.csrf_token, d)))
    }

    async fn delete_session(db: &DatabaseConnection, id: &str) -> Result<(), DbErr> {
        dispatcher_sessions::delete(db, id).await
    }

    fn sign_in_form(email: &str, message: Option<String>) -> Result<HttpResponse, Problem> {
        super::render(&SignIn {
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
        crate::http::pages::crew::auth::sign_in_page(req, email, note, "dispatch")
    }

    fn forbidden() -> Result<HttpResponse, Problem> {
        forbidden(&Tr::new(&i18n::CATALOG, Lang::default(), i18n::DEFAULT_TZ))
    }

    fn forbidden_for(req: &HttpRequest) -> Result<HttpResponse, Problem> {
        forbidden(&i18n::anonymous(req))
    }
}

/// 403: the form did not come from the open dispatch page.
pub fn forbidden(tr: &Tr) -> Result<HttpResponse, Problem> {
    message_page(
        tr,
        StatusCode::FORBIDDEN,
        &tr.t("form-expired"),
        &tr.t("form-expired-text"),
    )
}
