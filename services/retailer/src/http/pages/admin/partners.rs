//! The admin page's partners (issue 18): the manufacturers of the directory by name with each
//! link's state — invite, accept or decline an invitation, unlink — and the agreement versions
//! offered but not accepted yet, each with what it changes from the version before; an admin
//! accepts one here, and only then it takes effect. The same use cases as the JSON API
//! ([`crate::app::partners`]); the signed-in admin is the actor.

use actix_web::{HttpResponse, web};
use chrono::Utc;
use kummerer_contracts::{PartnerAction, RetailerId};
use kummerer_service::Problem;
use kummerer_web::i18n::Tr;
use sea_orm::{DatabaseConnection, DbErr};
use uuid::Uuid;

use crate::app::partners::{self as partners_app, AcceptError, PartnerError};
use crate::db::partners::{self, Partner};
use crate::domain::terms_diff::{TermChange, changes};
use crate::http::api::partners::parse_action;
use crate::http::pages::path_id;

use super::{Failure, Form, done, failed};
use crate::http::pages::roles::Posted;
use crate::http::pages::{Errors, not_found};

/// A button of a partner's row: the action (`invite`, `accept`, `decline`, `unlink`) and its
/// words.
pub struct Action {
    pub action: &'static str,
    pub label: String,
    pub secondary: bool,
}

fn action(tr: &Tr, action: &'static str) -> Action {
    let secondary = matches!(action, "decline" | "unlink");
    Action {
        action,
        label: tr.code("partner-action", action),
        secondary,
    }
}

/// A manufacturer of the directory as the page lists it.
pub struct PartnerRow {
    pub id: Uuid,
    pub name: String,
    /// The state's code: `linked`, `invited_by_you`, `invites_you`, `declined`, `unlinked`,
    /// `not_linked`.
    pub code: &'static str,
    /// In words: "not linked", "invited by you", "invites you", "linked", …
    pub state: String,
    /// The actions that fit the state.
    pub actions: Vec<Action>,
    pub last: String,
}

impl PartnerRow {
    fn of(tr: &Tr, p: Partner) -> Self {
        let mine = p.invited_by.as_deref() == Some("retailer");
        let (code, actions): (&'static str, Vec<&'static str>) = match p.state.as_str() {
            "linked" => ("linked", vec!["unlink"]),
            "invited" if mine => ("invited_by_you", vec!["unlink"]),
            "invited" => ("invites_you", vec!["accept", "decline"]),
            "declined" => ("declined", vec!["invite"]),
            "unlinked" => ("unlinked", vec!["invite"]),
            _ => ("not_linked", vec!["invite"]),
        };
        PartnerRow {
            id: p.manufacturer_id,
            code,
            state: tr.code("partner-state", code),
            actions: actions.into_iter().map(|a| action(tr, a)).collect(),
            last: match (&p.acted_by, p.acted_at) {
                (Some(by), Some(at)) => format!("{by}, {}", tr.datetime(at)),
                _ => String::new(),
            },
            name: p.name,
        }
    }
}

/// A version offered and not accepted yet, with what it changes.
pub struct Offer {
    /// "Hersteller: version 2, from …", in the reader's words.
    pub heading: String,
    pub agreement_id: Uuid,
    pub version: i32,
    pub manufacturer: String,
    pub valid_from: String,
    /// The version it changes (`None`: the first one accepted would be this).
    pub before: Option<i32>,
    pub changes: Vec<TermChange>,
}

/// The directory for the page.
pub(super) async fn rows(
    db: &DatabaseConnection,
    tr: &Tr,
    rid: Uuid,
) -> Result<Vec<PartnerRow>, DbErr> {
    Ok(partners::directory(db, rid)
        .await?
        .into_iter()
        .map(|p| PartnerRow::of(tr, p))
        .collect())
}

/// The versions waiting for an admin's acceptance, each against the accepted one before it.
pub(super) async fn offers(
    db: &DatabaseConnection,
    tr: &Tr,
    rid: Uuid,
) -> Result<Vec<Offer>, DbErr> {
    let mut out = Vec::new();
    for v in partners::versions(db, rid).await? {
        if v.accepted_at.is_some() {
            continue;
        }
        let before = partners::accepted_before(db, rid, v.agreement_id, v.version).await?;
        let valid_from = tr.date(v.valid_from);
        out.push(Offer {
            heading: tr.targs(
                "offers-version",
                &[
                    ("manufacturer", &v.manufacturer_name),
                    ("version", &v.version),
                    ("from", &valid_from),
                ],
            ),
            changes: changes(before.as_ref().map(|b| &b.terms), &v.terms)
                .into_iter()
                .map(|c| term_in_words(tr, c))
                .collect(),
            before: before.map(|b| b.version),
            agreement_id: v.agreement_id,
            version: v.version,
            manufacturer: v.manufacturer_name,
            valid_from,
        });
    }
    Ok(out)
}

/// `POST /desk/admin/partners/{mid}/{action}` (`invite`, `accept`, `decline`, `unlink`).
pub async fn act(
    db: web::Data<DatabaseConnection>,
    path: web::Path<(String, String)>,
    form: Form,
) -> Result<HttpResponse, Problem> {
    let db = db.get_ref();
    admin_form!(db, form, "partners", |me, _f| async {
        let (mid, action) = path.into_inner();
        let mid = path_id(&mid).ok_or(Failure::NotFound)?;
        let action: PartnerAction = parse_action(&action).ok_or(Failure::NotFound)?;
        let rid = RetailerId(me.staff.retailer_id);
        let now = Utc::now();
        match partners_app::act(db, rid, mid.into(), action, &me.staff.email, now).await {
            Ok(_) => Ok(()),
            Err(PartnerError::UnknownManufacturer) => Err(Failure::NotFound),
            Err(e @ PartnerError::Refused(_)) => Err(Failure::Refused(capitalized(
                &crate::http::pages::errors::partner(&me.tr, &e),
            ))),
            Err(PartnerError::Db(e)) => Err(e.into()),
        }
    }
    .await)
}

/// `POST /desk/admin/agreements/{aid}/versions/{version}/accept`.
pub async fn accept(
    db: web::Data<DatabaseConnection>,
    path: web::Path<(String, String)>,
    form: Form,
) -> Result<HttpResponse, Problem> {
    let db = db.get_ref();
    admin_form!(db, form, "agreements", |me, _f| async {
        let (aid, version) = path.into_inner();
        let aid = path_id(&aid).ok_or(Failure::NotFound)?;
        let version: i32 = version.parse().map_err(|_| Failure::NotFound)?;
        let rid = RetailerId(me.staff.retailer_id);
        let (who, now) = (me.staff.email.as_str(), Utc::now());
        match partners_app::accept_agreement(db, rid, (aid, version), who, now).await {
            Ok(()) => Ok(()),
            Err(AcceptError::NotFound) => Err(Failure::NotFound),
            Err(e @ (AcceptError::AlreadyAccepted | AcceptError::NotLinked)) => Err(
                Failure::Refused(capitalized(&crate::http::pages::errors::accept(&me.tr, &e))),
            ),
            Err(AcceptError::Db(e)) => Err(e.into()),
        }
    }
    .await)
}

/// A changed term in the reader's words: its name from the catalog (`term-<key>`), "none",
/// "yes" and "no" too; amounts and codes as the terms hold them.
fn term_in_words(tr: &Tr, c: TermChange) -> TermChange {
    let value = |v: String| match v.as_str() {
        "none" => tr.t("term-none"),
        "true" => tr.t("term-yes"),
        "false" => tr.t("term-no"),
        _ => v,
    };
    TermChange {
        term: tr.code("term", c.key),
        before: c.before.map(value),
        after: value(c.after),
        key: c.key,
    }
}

fn capitalized(e: &dyn std::fmt::Display) -> String {
    let s = e.to_string();
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect::<String>() + ".",
        None => s,
    }
}
