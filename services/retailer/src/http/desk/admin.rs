//! The admin pages (role admin only; anyone else gets the 403 page, another retailer's ids the
//! same 404 as unknown ones): staff and roles, authority limits, stores, stock locations and
//! stock levels, products. The POS sales import is in [`super::import`].
//!
//! Every form checks every field and explains; nothing is saved on an error.

use std::collections::HashMap;
use std::str::FromStr;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use kummerer_contracts::{Currency, Money};
use kummerer_service::{FieldErrors, Problem};
use kummerer_web::{check_password, hash_password, parse_email};
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use serde::Deserialize;
use uuid::Uuid;

use crate::app::catalogue::{self, ProductError};
use crate::app::staff::{
    self as staff_app, AccountError, Change, ChangeError, NewAccount, create_account,
};
use crate::app::stock::{self as stock_app, StockError};
use crate::db::{self, staff, stock};
use crate::domain::{CODE_MAX, Role, TEXT_MAX};
use crate::http::desk::auth::{Signed, web_error};
use crate::http::desk::pages::path_id;
use crate::http::desk::roles::{admin_page, admin_post};
use crate::http::desk::{Errors, Me, not_found, render_status, see_other};
use crate::http::input::AddressBody;
use crate::http::input::checked;
use crate::http::view::money;
use kummerer_contracts::{LocationId, ManufacturerId, ProductId, RetailerId, StaffId, StoreId};
use kummerer_service::problem::FieldError;
use sea_orm::DbErr;

/// A money amount typed into a form (`"549.00"`, `"549,00"`) with its currency.
pub(crate) fn parse_money(
    v: &mut FieldErrors,
    field: &str,
    amount: &str,
    currency: &str,
) -> Option<Money> {
    let amount = Decimal::from_str(&amount.trim().replace(',', "."));
    let currency = Currency::parse(currency.trim().to_uppercase().as_str());
    match (amount, currency) {
        (Ok(amount), Ok(currency)) => match Money::new(amount, currency) {
            Ok(m) => Some(m),
            Err(e) => {
                v.add(field, e.to_string());
                None
            }
        },
        (Err(_), _) => {
            v.add(field, "enter an amount like 549.00");
            None
        }
        (_, Err(_)) => {
            v.add(
                &format!("{field}_currency"),
                "must be an ISO 4217 code like EUR",
            );
            None
        }
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
    pub role: &'static str,
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
    /// What was just saved.
    pub saved: Option<String>,
    /// The form that failed (`staff`, `limits`, `stores`, `locations`, `stock`, `products`).
    pub failed: String,
    pub errors: Errors,
    pub typed: Typed,
    pub staff: Vec<StaffRow>,
    pub limits: Vec<LimitRow>,
    pub stores: Vec<stock::Store>,
    pub locations: Vec<LocationRow>,
    pub levels: Vec<stock::Level>,
    pub products: Vec<ProductRow>,
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
    let store_name = |id: Option<Uuid>| {
        id.and_then(|id| stores.iter().find(|s| s.id == id))
            .map(|s| s.name.clone())
            .unwrap_or_default()
    };
    let staff_rows = staff::Entity::find()
        .filter(staff::Column::RetailerId.eq(retailer_id))
        .order_by_asc(staff::Column::Email)
        .all(db)
        .await?
        .into_iter()
        .map(|s| StaffRow {
            store: store_name(s.store_id),
            is_me: s.id == me.staff.id,
            disabled: s.disabled_at.is_some(),
            id: s.id,
            name: s.name,
            email: s.email,
            role: s.role,
            store_id: s.store_id,
        })
        .collect();
    let mut limits = Vec::new();
    for role in Role::ALL {
        limits.push(LimitRow {
            role: role.as_str(),
            current: db::authority::limit_of(db, retailer_id, role)
                .await?
                .describe(),
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
    let products = db::list_products(db, retailer_id)
        .await?
        .into_iter()
        .map(|p| {
            Ok(ProductRow {
                price: money(p.price, &p.currency)?.to_string(),
                sku: p.sku,
                name: p.name,
                manufacturer_id: p.manufacturer_id,
            })
        })
        .collect::<Result<Vec<_>, sea_orm::DbErr>>()?;
    Ok(AdminPage {
        me: Me::from(me),
        saved,
        failed: String::new(),
        errors: Errors::default(),
        typed: Typed::default(),
        staff: staff_rows,
        limits,
        stores,
        locations,
        levels: stock::levels(db, retailer_id).await?,
        products,
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Saved {
    pub saved: String,
}

/// `GET /desk/admin`.
pub async fn page(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    query: web::Query<Saved>,
) -> Result<HttpResponse, Problem> {
    let me = match admin_page(&req, db.get_ref()).await? {
        Ok(me) => me,
        Err(res) => return Ok(res),
    };
    let saved = match query.saved.as_str() {
        "" => None,
        "staff" => Some("The staff member is saved."),
        "limits" => Some("The authority limit is saved."),
        "stores" => Some("The store is saved."),
        "locations" => Some("The stock location is saved."),
        "stock" => Some("The stock level is saved."),
        "products" => Some("The product is saved."),
        _ => None,
    };
    let page = admin_view(db.get_ref(), &me, saved.map(str::to_owned)).await?;
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
            .map(|(k, v)| format!("{k}: {v}"))
            .collect();
        page.errors.general = Some(format!("{general} {}", details.join("; ")));
    }
    page.typed = Typed(typed);
    render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

fn done(form: &str) -> HttpResponse {
    see_other(&format!("/desk/admin?saved={form}#{form}"))
}

type Form = web::Form<HashMap<String, String>>;

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

/// Runs an admin form: the admin guard (CSRF first), then `work`; a failure re-renders the
/// page with the errors and what was typed, a missing thing is the 404 page.
macro_rules! admin_form {
    ($req:expr, $db:expr, $form:expr, $name:literal, |$me:ident, $f:ident| $work:expr) => {{
        let $f: HashMap<String, String> = $form.into_inner();
        let $me = match admin_post(&$req, $db, field(&$f, "csrf")).await? {
            Ok(me) => me,
            Err(res) => return Ok(res),
        };
        let result: Result<(), Failure> = $work;
        let errors = match result {
            Ok(()) => return Ok(done($name)),
            Err(Failure::NotFound) => return not_found(),
            Err(Failure::Internal(p)) => return Err(p),
            Err(Failure::Fields(fields)) => Errors::fields(fields),
            Err(Failure::Refused(message)) => Errors::general(message),
        };
        let mut typed = $f.clone();
        typed.remove("password");
        typed.remove("csrf");
        failed($db, &$me, $name, errors, typed).await
    }};
}

// --- staff --------------------------------------------------------------------------------------

/// `POST /desk/admin/staff` `{email, name, role, store_id, password}`: a new account with an
/// initial password (the person changes nothing else here; sign-in is as usual).
pub async fn create_staff(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    form: Form,
) -> Result<HttpResponse, Problem> {
    let db = db.get_ref();
    admin_form!(req, db, form, "staff", |me, f| async {
        let retailer_id = me.staff.retailer_id;
        let mut v = FieldErrors::new();
        let email = parse_email(field(&f, "email"));
        if email.is_none() {
            v.add("email", "must be an e-mail address");
        }
        let name = v.text("name", field(&f, "name"), TEXT_MAX);
        let role = Role::parse(field(&f, "role"));
        if role.is_none() {
            v.add("role", "choose clerk, manager or admin");
        }
        let password = field(&f, "password").to_owned();
        if let Err(e) = check_password(&password) {
            v.add("password", e.to_string());
        }
        let store = store_choice(db, retailer_id, field(&f, "store_id")).await?;
        if store.is_err() {
            v.add("store_id", "no such store");
        }
        checked(v).map_err(Failure::Fields)?;
        let (Some(email), Some(role), Ok(store_id)) = (email, role, store) else {
            return Err(Problem::internal("checked fields vanished").into());
        };
        let password_hash = hash_password(password).await.map_err(web_error)?;
        let new = NewAccount {
            email,
            name,
            role,
            password_hash,
            store_id: store_id.map(StoreId),
        };
        let member = match create_account(db, RetailerId(retailer_id), new).await {
            Ok(member) => member,
            Err(AccountError::Exists(email)) => {
                return Err(Failure::Refused(format!("{email} already has an account")));
            }
            Err(AccountError::Db(e)) => return Err(e.into()),
        };
        tracing::info!(admin.id = %me.staff.id, staff.id = %member.id, staff.role = %member.role,
            "staff account created by an admin");
        Ok(())
    }
    .await)
}

/// `POST /desk/admin/staff/{id}` `{role, store_id, action}`: `save` the role and store,
/// `disable` (the account cannot sign in, its sessions end) or `enable`. Admins cannot change
/// or disable their own account here (so a retailer never loses its last admin by a slip).
pub async fn update_staff(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    path: web::Path<String>,
    form: Form,
) -> Result<HttpResponse, Problem> {
    let db = db.get_ref();
    admin_form!(req, db, form, "staff", |me, f| async {
        let retailer_id = me.staff.retailer_id;
        let rid = RetailerId(retailer_id);
        let admin = StaffId(me.staff.id);
        let Some(member) = path_id(&path).map(StaffId) else {
            return Err(Failure::NotFound);
        };
        let refused = |e: ChangeError| match e {
            ChangeError::NotFound => Failure::NotFound,
            ChangeError::OwnAccount => Failure::Refused(e.to_string()),
            ChangeError::Db(e) => e.into(),
        };
        staff_app::changeable(db, rid, admin, member)
            .await
            .map_err(refused)?;
        let mut v = FieldErrors::new();
        let change = match field(&f, "action") {
            "disable" => Change::Disable,
            "enable" => Change::Enable,
            _ => {
                let role = Role::parse(field(&f, "role"));
                if role.is_none() {
                    v.add("role", "choose clerk, manager or admin");
                }
                let store = store_choice(db, retailer_id, field(&f, "store_id")).await?;
                if store.is_err() {
                    v.add("store_id", "no such store");
                }
                checked(v).map_err(Failure::Fields)?;
                let (Some(role), Ok(store)) = (role, store) else {
                    return Err(Problem::internal("checked fields vanished").into());
                };
                Change::RoleAndStore {
                    role,
                    store: store.map(StoreId),
                }
            }
        };
        staff_app::change(db, rid, admin, member, change)
            .await
            .map_err(refused)?;
        Ok(())
    }
    .await)
}

// --- authority limits ---------------------------------------------------------------------------

/// `POST /desk/admin/limits/{role}` `{amount, currency}`.
pub async fn set_limit(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    path: web::Path<String>,
    form: Form,
) -> Result<HttpResponse, Problem> {
    let db = db.get_ref();
    admin_form!(req, db, form, "limits", |me, f| async {
        let role = Role::parse(&path).ok_or(Failure::NotFound)?;
        let mut v = FieldErrors::new();
        let amount = parse_money(&mut v, "amount", field(&f, "amount"), field(&f, "currency"));
        checked(v).map_err(Failure::Fields)?;
        let amount = amount.ok_or_else(|| Problem::internal("amount vanished"))?;
        db::authority::set_limit(db, me.staff.retailer_id, role, &amount).await?;
        tracing::info!(admin.id = %me.staff.id, role = role.as_str(), limit = %amount,
            "authority limit set at the desk");
        Ok(())
    }
    .await)
}

// --- stores and stock ---------------------------------------------------------------------------

/// `POST /desk/admin/stores` `{name}`.
pub async fn create_store(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    form: Form,
) -> Result<HttpResponse, Problem> {
    let db = db.get_ref();
    admin_form!(req, db, form, "stores", |me, f| async {
        let mut v = FieldErrors::new();
        let name = v.text("name", field(&f, "name"), TEXT_MAX);
        checked(v).map_err(Failure::Fields)?;
        match stock_app::create_store(db, RetailerId(me.staff.retailer_id), name).await {
            Ok(_) => {}
            Err(StockError::Db(e)) => return Err(e.into()),
            Err(e) => return Err(Failure::Refused(e.to_string())),
        }
        Ok(())
    }
    .await)
}

/// `POST /desk/admin/locations` `{name, store_id ("" = central warehouse), phone, street,
/// postcode, city, country}`.
pub async fn create_location(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    form: Form,
) -> Result<HttpResponse, Problem> {
    let db = db.get_ref();
    admin_form!(req, db, form, "locations", |me, f| async {
        let retailer_id = me.staff.retailer_id;
        let mut v = FieldErrors::new();
        let name = v.text("name", field(&f, "name"), TEXT_MAX);
        let phone = field(&f, "phone").trim();
        let address = AddressBody {
            name: name.clone(),
            phone: if phone.is_empty() { "-" } else { phone }.to_owned(),
            street: field(&f, "street").to_owned(),
            postcode: field(&f, "postcode").to_owned(),
            city: field(&f, "city").to_owned(),
            country: field(&f, "country").to_owned(),
        }
        .parse("address", &mut v);
        let store = store_choice(db, retailer_id, field(&f, "store_id")).await?;
        if store.is_err() {
            v.add("store_id", "no such store");
        }
        checked(v).map_err(Failure::Fields)?;
        let store_id = store.map_err(|()| Problem::internal("store vanished"))?;
        let mut address = address;
        address.phone = phone.to_owned();
        let new = stock_app::NewLocation {
            name,
            store: store_id.map(StoreId),
            address,
        };
        match stock_app::create_location(db, RetailerId(retailer_id), new).await {
            Ok(_) => {}
            Err(StockError::Db(e)) => return Err(e.into()),
            Err(e) => return Err(Failure::Refused(e.to_string())),
        }
        Ok(())
    }
    .await)
}

/// `POST /desk/admin/stock` `{location_id, sku, quantity}`: sets the level (counted stock).
pub async fn set_stock(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    form: Form,
) -> Result<HttpResponse, Problem> {
    let db = db.get_ref();
    admin_form!(req, db, form, "stock", |me, f| async {
        let retailer_id = me.staff.retailer_id;
        let mut v = FieldErrors::new();
        let location = match path_id(field(&f, "location_id").trim()) {
            Some(id) => stock::location(db, retailer_id, id).await?,
            None => None,
        };
        if location.is_none() {
            v.add("location_id", "choose a stock location");
        }
        let product = db::product_by_sku(db, retailer_id, field(&f, "sku").trim()).await?;
        if product.is_none() {
            v.add("sku", "no product with this SKU");
        }
        let quantity = field(&f, "quantity")
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|q| *q >= 0);
        if quantity.is_none() {
            v.add("quantity", "must be a whole number, 0 or more");
        }
        checked(v).map_err(Failure::Fields)?;
        let (Some(location), Some(product), Some(quantity)) = (location, product, quantity) else {
            return Err(Problem::internal("checked fields vanished").into());
        };
        let (location_id, product_id) = (LocationId(location.id), ProductId(product.id));
        stock_app::set_level(
            db,
            RetailerId(retailer_id),
            location_id,
            product_id,
            quantity,
        )
        .await?;
        tracing::info!(admin.id = %me.staff.id, location.id = %location.id,
            product.id = %product.id, quantity, "stock level set");
        Ok(())
    }
    .await)
}

// --- products -----------------------------------------------------------------------------------

/// `POST /desk/admin/products` `{sku, name, manufacturer_id, price, currency}`.
pub async fn create_product(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    form: Form,
) -> Result<HttpResponse, Problem> {
    let db = db.get_ref();
    admin_form!(req, db, form, "products", |me, f| async {
        let mut v = FieldErrors::new();
        let sku = v.text("sku", field(&f, "sku"), CODE_MAX);
        let name = v.text("name", field(&f, "name"), TEXT_MAX);
        let manufacturer_id = Uuid::parse_str(field(&f, "manufacturer_id").trim()).ok();
        if manufacturer_id.is_none() {
            v.add("manufacturer_id", "must be the manufacturer's id (a UUID)");
        }
        let price = parse_money(&mut v, "price", field(&f, "price"), field(&f, "currency"));
        checked(v).map_err(Failure::Fields)?;
        let (Some(manufacturer_id), Some(price)) = (manufacturer_id, price) else {
            return Err(Problem::internal("checked fields vanished").into());
        };
        let new = catalogue::NewProduct {
            sku,
            name,
            manufacturer_id: ManufacturerId(manufacturer_id),
            price,
        };
        match catalogue::create_product(db, RetailerId(me.staff.retailer_id), new).await {
            Ok(_) => {}
            Err(ProductError::Exists(sku)) => {
                return Err(Failure::Refused(format!(
                    "a product with SKU {sku} already exists"
                )));
            }
            Err(ProductError::Db(e)) => return Err(e.into()),
        }
        Ok(())
    }
    .await)
}
