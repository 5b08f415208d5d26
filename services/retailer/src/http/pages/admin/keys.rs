//! The admin page's integration keys: make one (its secret is shown on the page this once, never
//! again), list them, revoke one. The same use cases as the JSON API ([`crate::app::keys`]).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use kummerer_contracts::RetailerId;
use kummerer_service::{FieldErrors, Problem};
use kummerer_web::i18n::Tr;
use sea_orm::{DatabaseConnection, DbErr};
use uuid::Uuid;

use crate::app::keys::{self as keys_app, KeyError, NAME_MAX};
use crate::http::input::checked;
use crate::http::pages::roles::Posted;
use crate::http::pages::{Errors, not_found, path_id, render_status};

use super::{Failure, Form, admin_view, done, failed, field, parse_money};

/// A key as the page lists it.
pub struct KeyRow {
    pub id: Uuid,
    pub name: String,
    pub prefix: String,
    pub limit: String,
    pub created_at: String,
    pub last_used_at: String,
    pub revoked: bool,
    pub revoked_at: String,
}

/// A key just made, shown once.
pub struct Shown {
    pub name: String,
    pub secret: String,
}

/// The retailer's keys for the page.
pub(super) async fn rows(
    db: &DatabaseConnection,
    tr: &Tr,
    retailer_id: Uuid,
) -> Result<Vec<KeyRow>, DbErr> {
    Ok(keys_app::list(db, RetailerId(retailer_id))
        .await?
        .into_iter()
        .map(|k| KeyRow {
            id: k.id,
            limit: k.approval_limit.map_or_else(
                || tr.t("keys-no-limit"),
                |m| tr.money(m.amount, m.currency.as_str()),
            ),
            created_at: tr.datetime(k.created_at),
            last_used_at: k
                .last_used_at
                .map(|t| tr.datetime(t))
                .unwrap_or_else(|| tr.t("keys-never")),
            revoked: k.revoked_at.is_some(),
            revoked_at: k.revoked_at.map(|t| tr.datetime(t)).unwrap_or_default(),
            name: k.name,
            prefix: k.prefix,
        })
        .collect())
}

/// `POST /desk/admin/keys` `{name, approval_limit ("" = none), currency}`: the page again with
/// the new key's secret, shown this once.
pub async fn create_key(
    db: web::Data<DatabaseConnection>,
    Posted { me, form: f, .. }: Form,
) -> Result<HttpResponse, Problem> {
    let db = db.get_ref();
    let mut v = FieldErrors::new();
    let name = v.text("name", field(&f, "name"), NAME_MAX);
    let limit = match field(&f, "approval_limit").trim() {
        "" => None,
        amount => parse_money(&mut v, "approval_limit", amount, field(&f, "currency")).ok(),
    };
    if let Err(fields) = checked(v) {
        let mut typed = f.clone();
        typed.remove("csrf");
        let errors = Errors::fields(fields).in_lang(&me.tr);
        return failed(db, &me, "keys", errors, typed).await;
    }
    let rid = RetailerId(me.staff.retailer_id);
    let made = keys_app::create(db, rid, &name, limit.as_ref())
        .await
        .map_err(Problem::from)?;
    tracing::info!(admin.id = %me.staff.id, key.id = %made.key.id, "integration key made at the desk");
    let mut page = admin_view(db, &me, None).await?;
    page.new_key = Some(Shown {
        name: made.key.name,
        secret: made.secret,
    });
    render_status(StatusCode::OK, &page)
}

/// `POST /desk/admin/keys/{id}/revoke`: from then on the key answers 401.
pub async fn revoke_key(
    db: web::Data<DatabaseConnection>,
    path: web::Path<String>,
    form: Form,
) -> Result<HttpResponse, Problem> {
    let db = db.get_ref();
    admin_form!(db, form, "keys", |me, f| async {
        let id = path_id(&path).ok_or(Failure::NotFound)?;
        match keys_app::revoke(db, RetailerId(me.staff.retailer_id), id).await {
            Ok(()) => Ok(()),
            Err(KeyError::Db(e)) => Err(e.into()),
            Err(KeyError::NotFound | KeyError::RetailerNotFound) => Err(Failure::NotFound),
        }
    }
    .await)
}
