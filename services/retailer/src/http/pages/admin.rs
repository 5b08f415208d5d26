//! The admin pages (role admin only; anyone else gets the 403 page, another retailer's ids the
//! same 404 as unknown ones): staff and roles, authority limits, stores, stock locations and
//! stock levels, products, integration keys ([`keys`]). The POS sales import is in
//! [`super::import`].
//!
//! Every form checks every field and explains; nothing is saved on an error.

use kummerer_web::i18n::Tr;
use std::collections::HashMap;
use std::str::FromStr;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use kummerer_contracts::{Currency, Money};
use kummerer_service::{FieldErrors, Problem};
use rust_decimal::Decimal;
use sea_orm::DatabaseConnection;
use serde::Deserialize;
use uuid::Uuid;

use crate::db::{self, staff, stock};
use crate::domain::Role;
use crate::http::input::{Missing, missing};
use crate::http::pages::auth::Signed;
use crate::http::pages::path_id;
use crate::http::pages::roles::{Admins, Posted, SignedAdmin};
use crate::http::pages::{Errors, Me, render_status, see_other};
use crate::http::view::money;
use kummerer_service::problem::FieldError;
use sea_orm::DbErr;

/// A money amount typed into a form (`"549.00"`, `"549,00"`) with its currency.
pub(crate) fn parse_money(
    v: &mut FieldErrors,
    field: &str,
    amount: &str,
    currency: &str,
) -> Result<Money, Missing> {
    let amount = Decimal::from_str(&amount.trim().replace(',', "."));
    let currency = Currency::parse(currency.trim().to_uppercase().as_str());
    match (amount, currency) {
        (Ok(amount), Ok(currency)) => match Money::new(amount, currency) {
            Ok(m) => Ok(m),
            Err(e) => Err(missing(v, field, e.to_string())),
        },
        (Err(_), _) => Err(missing(v, field, "enter an amount like 549.00")),
        (_, Err(_)) => Err(missing(
            v,
            &format!("{field}_currency"),
            "must be an ISO 4217 code like EUR",
        )),
    }
}

/// An optional store id from a form (`""` = none); `Err` = not one of the retailer's stores.
async fn store_choice(
    db: &DatabaseConnection,
    retailer_id: Uuid,
    raw: &str,
) -> Result<Result<Option<Uuid>, ()>, Problem> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(Ok(None));
    }
    let Some(id) = path_id(raw) else {
        return Ok(Err(()));
    };
    Ok(match stock::store(db, retailer_id, id).await? {
        Some(s) => Ok(Some(s.id)),
        None => Err(()),
    })
}

/// The clerks' authority limit the admin page suggests with the first clerk (the value of a
/// typical replacement at the counter), in the limit's own currency field (EUR suggested).
pub(crate) const SUGGESTED_CLERK_LIMIT: &str = "300.00";

// --- the page -----------------------------------------------------------------------------------

pub struct StaffRow {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub role: String,
    pub store_id: Option<Uuid>,
    pub store: String,
    pub disabled: bool,
    pub is_me: bool,
}

impl StaffRow {
    pub fn in_store(&self, id: &Uuid) -> bool {
        self.store_id.as_ref() == Some(id)
    }
}

pub struct LimitRow {
    pub role: String,
    pub current: String,
}

pub struct LocationRow {
    pub id: Uuid,
    pub label: String,
    pub address: String,
}

pub struct ProductRow {
    pub sku: String,
    pub name: String,
    pub price: String,
    pub manufacturer_id: Uuid,
    /// The manufacturer's name from the directory (its id when the directory has none).
    pub manufacturer: String,
}

/// What a form on the page was sent with, to show it again with its errors.
#[derive(Debug, Default, Clone)]
pub struct Typed(pub HashMap<String, String>);

impl Typed {
    pub fn v(&self, key: &str) -> &str {
        self.0.get(key).map(String::as_str).unwrap_or("")
    }
}

#[derive(Template)]
#[template(path = "desk/admin.html")]
pub struct AdminPage {
    pub me: Me,
    pub tr: Tr,
    /// What was just saved.
    pub saved: Option<String>,
    /// The form that failed (`staff`, `limits`, `stores`, `locations`, `stock`, `products`).
    pub failed: String,
    pub errors: Errors,
    pub typed: Typed,
    pub staff: Vec<StaffRow>,
    pub limits: Vec<LimitRow>,
    /// The clerks' limit is not set yet: the new-staff form asks for it (for a clerk).
    pub clerk_limit_unset: bool,
    pub suggested_limit: &'static str,
    pub stores: Vec<stock::Store>,
    pub locations: Vec<LocationRow>,
    pub levels: Vec<stock::Level>,
    pub products: Vec<ProductRow>,
    /// The retailer's integration keys.
    pub keys: Vec<keys::KeyRow>,
    /// A key just made: its name and secret, shown this once.
    pub new_key: Option<keys::Shown>,
    /// The directory of manufacturers with the links (issue 18).
    pub partners: Vec<partners::PartnerRow>,
    /// The linked manufacturers: a product's manufacturer is picked among them, by name.
    pub linked: Vec<db::partners::Partner>,
    /// Agreement versions offered, waiting for an admin's acceptance.
    pub offers: Vec<partners::Offer>,
    /// The retailer's default language (empty: the reader's browser) and time zone.
    pub locale: db::locale::RetailerLocale,
    /// Each store's language and time zone.
    pub store_locales: Vec<StoreLocaleRow>,
    /// The settings that drive the legal clocks and money (jurisdiction, country, time zone).
    pub law: crate::app::law_settings::LawSettings,
    /// The jurisdictions to choose from: code (`DE`, `AT`) and name.
    pub jurisdictions: Vec<(&'static str, String)>,
    /// The law of the retailer's jurisdiction, in words.
    pub law_text: String,
}

/// A store's language and time zone, for the admin page.
pub struct StoreLocaleRow {
    pub id: Uuid,
    pub name: String,
    pub language: String,
    pub time_zone: String,
}

impl AdminPage {
    pub fn error_of(&self, form: &str) -> Option<&str> {
        if self.failed == form {
            self.errors.general.as_deref()
        } else {
            None
        }
    }
}

async fn admin_view(
    db: &DatabaseConnection,
    me: &Signed,
    saved: Option<String>,
) -> Result<AdminPage, Problem> {
    let retailer_id = me.staff.retailer_id;
    let stores = stock::stores(db, retailer_id).await?;
    let locales = db::locale::of_stores(db, retailer_id).await?;
    let store_locales = stores
        .iter()
        .map(|s| {
            let l = locales.iter().find(|l| l.id == s.id);
            StoreLocaleRow {
                id: s.id,
                name: s.name.clone(),
                language: l.map(|l| l.language.clone()).unwrap_or_default(),
                time_zone: l.map(|l| l.time_zone.clone()).unwrap_or_default(),
            }
        })
        .collect();
    let store_name = |id: Option<Uuid>| {
        id.and_then(|id| stores.iter().find(|s| s.id == id))
            .map(|s| s.name.clone())
            .unwrap_or_default()
    };
    let staff_rows = staff::of_retailer(db, retailer_id)
        .await?
        .into_iter()
        .map(|s| StaffRow {
            store: store_name(s.store_id),
            is_me: s.id == me.staff.id,
            disabled: s.disabled_at.is_some(),
            id: s.id,
            name: s.name,
            email: s.email,
            role: s.role.as_string(),
            store_id: s.store_id,
        })
        .collect();
    let mut limits = Vec::new();
    for role in Role::ALL {
        limits.push(LimitRow {
            role: role.as_string(),
            current: crate::http::pages::limit_text(
                &me.tr,
                &db::authority::limit_of(db, retailer_id, role).await?,
            ),
        });
    }
    let locations = stock::locations(db, retailer_id)
        .await?
        .into_iter()
        .map(|l| LocationRow {
            id: l.id,
            address: format!("{}, {} {} {}", l.street, l.postcode, l.city, l.country),
            label: l.label(),
        })
        .collect();
    let directory = db::partners::directory(db, retailer_id).await?;
    let name_of = |id: Uuid| {
        directory
            .iter()
            .find(|d| d.manufacturer_id == id)
            .map_or_else(|| id.to_string(), |d| d.name.clone())
    };
    let products = db::list_products(db, retailer_id)
        .await?
        .into_iter()
        .map(|p| {
            Ok(ProductRow {
                price: crate::http::pages::money_text(&me.tr, &money(p.price, &p.currency)?),
                manufacturer: name_of(p.manufacturer_id),
                sku: p.sku,
                name: p.name,
                manufacturer_id: p.manufacturer_id,
            })
        })
        .collect::<Result<Vec<_>, sea_orm::DbErr>>()?;
    let law = crate::app::law_settings::of(db, kummerer_contracts::RetailerId(retailer_id))
        .await?
        .ok_or_else(|| Problem::not_found("retailer"))?;
    Ok(AdminPage {
        me: Me::from(me),
        tr: me.tr,
        saved,
        failed: String::new(),
        errors: Errors::default(),
        typed: Typed::default(),
        staff: staff_rows,
        limits,
        clerk_limit_unset: !db::authority::is_set(db, retailer_id, Role::Clerk).await?,
        suggested_limit: SUGGESTED_CLERK_LIMIT,
        stores,
        locations,
        levels: stock::levels(db, retailer_id).await?,
        products,
        keys: keys::rows(db, &me.tr, retailer_id).await?,
        new_key: None,
        partners: partners::rows(db, &me.tr, retailer_id).await?,
        linked: db::partners::linked(db, retailer_id).await?,
        offers: partners::offers(db, &me.tr, retailer_id).await?,
        locale: db::locale::of_retailer(db, retailer_id).await?,
        store_locales,
        law_text: me
            .tr
            .code("jurisdiction-law", &law.jurisdiction.to_lowercase()),
        law,
        jurisdictions: crate::domain::legal_clocks::Jurisdiction::ALL
            .iter()
            .map(|j| {
                let code = j.as_str();
                (code, me.tr.code("jurisdiction", &code.to_lowercase()))
            })
            .collect(),
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Saved {
    pub saved: String,
}

/// `GET /desk/admin`.
pub async fn page(
    SignedAdmin(me): SignedAdmin,
    db: web::Data<DatabaseConnection>,
    query: web::Query<Saved>,
) -> Result<HttpResponse, Problem> {
    let saved = match query.saved.as_str() {
        form @ ("staff" | "limits" | "stores" | "locations" | "stock" | "products" | "keys"
        | "partners" | "agreements" | "locale" | "law") => Some(me.tr.code("admin-saved", form)),
        _ => None,
    };
    let page = admin_view(db.get_ref(), &me, saved).await?;
    render_status(StatusCode::OK, &page)
}

/// The page again with one form's errors and what was typed into it (422).
async fn failed(
    db: &DatabaseConnection,
    me: &Signed,
    form: &str,
    errors: Errors,
    typed: HashMap<String, String>,
) -> Result<HttpResponse, Problem> {
    let mut page = admin_view(db, me, None).await?;
    page.failed = form.to_owned();
    page.errors = errors;
    if let Some(general) = &page.errors.general
        && !page.errors.fields.is_empty()
    {
        let details: Vec<String> = page
            .errors
            .fields
            .iter()
            .map(|(k, v)| format!("{}: {v}", me.tr.code("admin-field", &k.replace('.', "-"))))
            .collect();
        page.errors.general = Some(format!("{general} {}", details.join("; ")));
    }
    page.typed = Typed(typed);
    render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

fn done(form: &str) -> HttpResponse {
    see_other(&format!("/desk/admin?saved={form}#{form}"))
}

/// An admin form as posted: the signed-in admin (CSRF checked) and the fields by name.
type Form = Posted<HashMap<String, String>, Admins>;

fn field<'a>(form: &'a HashMap<String, String>, key: &str) -> &'a str {
    form.get(key).map(String::as_str).unwrap_or("")
}

/// Why an admin form did not go through.
enum Failure {
    /// The thing the form is about does not exist (the 404 page).
    NotFound,
    /// Fields of the form (the page again, the fields marked).
    Fields(Vec<FieldError>),
    /// Refused as a whole, saying why (the page again with the message).
    Refused(String),
    /// The server failed.
    Internal(Problem),
}

impl From<DbErr> for Failure {
    fn from(e: DbErr) -> Self {
        Failure::Internal(e.into())
    }
}

impl From<Problem> for Failure {
    fn from(p: Problem) -> Self {
        Failure::Internal(p)
    }
}

/// Runs an admin form (the admin and the CSRF token already checked by [`Posted`]): `work`; a failure re-renders the
/// page with the errors and what was typed, a missing thing is the 404 page.
macro_rules! admin_form {
    ($db:expr, $form:expr, $name:literal, |$me:ident, $f:ident| $work:expr) => {{
        let Posted {
            me: $me, form: $f, ..
        } = $form;
        let result: Result<(), Failure> = $work;
        let errors = match result {
            Ok(()) => return Ok(done($name)),
            Err(Failure::NotFound) => return not_found(&$me.tr),
            Err(Failure::Internal(p)) => return Err(p),
            Err(Failure::Fields(fields)) => Errors::fields(fields).in_lang(&$me.tr),
            Err(Failure::Refused(message)) => Errors::general(message),
        };
        let mut typed = $f.clone();
        typed.remove("password");
        typed.remove("csrf");
        failed($db, &$me, $name, errors, typed).await
    }};
}

mod forms;
pub mod keys;
pub mod partners;
pub use forms::{
    create_location, create_product, create_staff, create_store, set_limit, set_stock, update_staff,
};
pub use forms::{set_law, set_locale, set_store_locale};
pub use keys::{create_key, revoke_key};
