//! The crew's and dispatcher's pages in German and English and in local time: one catalog
//! (`locales/de.ftl`, `locales/en.ftl`) and a [`Tr`] per reader — their own language choice,
//! else their carrier's default, else the browser's (`Lang::of_request`); the time zone of the
//! crew's region (the dispatcher: of most of the carrier's regions), else the carrier's.

use std::sync::LazyLock;

use actix_web::HttpRequest;
use chrono_tz::Tz;
use kummerer_web::i18n::{Catalog, Lang, Tr, parse_tz};
use sea_orm::{DatabaseConnection, DbErr};
use uuid::Uuid;

use crate::db::page_prefs::{self, Prefs};

pub use kummerer_web::i18n::Tr as PageTr;

/// The logistics pages' texts.
pub static CATALOG: LazyLock<Catalog> = LazyLock::new(|| {
    Catalog::new(
        include_str!("../../../locales/de.ftl"),
        include_str!("../../../locales/en.ftl"),
    )
});

/// The zone of a reader nobody knows yet (sign-in and message pages).
pub const DEFAULT_TZ: Tz = chrono_tz::Europe::Berlin;

/// A reader nobody knows yet: the browser's language (German when it names neither).
pub fn anonymous(req: &HttpRequest) -> Tr {
    Tr::new(
        &CATALOG,
        Lang::of_request(req).unwrap_or_default(),
        DEFAULT_TZ,
    )
}

/// The reader of `prefs`, with the request for the browser's language.
pub fn of_prefs(req: &HttpRequest, prefs: &Prefs) -> Tr {
    let lang = prefs
        .lang
        .as_deref()
        .and_then(Lang::parse)
        .or_else(|| prefs.default_lang.as_deref().and_then(Lang::parse))
        .or_else(|| Lang::of_request(req))
        .unwrap_or_default();
    let tz = prefs
        .time_zone
        .as_deref()
        .and_then(parse_tz)
        .unwrap_or(DEFAULT_TZ);
    Tr::new(&CATALOG, lang, tz)
}

/// A signed-in crew member's [`Tr`].
pub async fn of_crew_member(
    req: &HttpRequest,
    db: &DatabaseConnection,
    member_id: Uuid,
) -> Result<Tr, DbErr> {
    Ok(of_prefs(
        req,
        &page_prefs::of_crew_member(db, member_id).await?,
    ))
}

/// A signed-in dispatcher's [`Tr`].
pub async fn of_dispatcher(
    req: &HttpRequest,
    db: &DatabaseConnection,
    dispatcher_id: Uuid,
) -> Result<Tr, DbErr> {
    Ok(of_prefs(
        req,
        &page_prefs::of_dispatcher(db, dispatcher_id).await?,
    ))
}
