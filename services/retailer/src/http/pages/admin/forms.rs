//! The admin page's forms: each checks every field, calls the use case, and shows what went
//! wrong on the page again (see `admin_form!`).

use actix_web::{HttpResponse, web};
use kummerer_service::{FieldErrors, Problem};
use kummerer_web::{check_password, hash_password, parse_email};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::app::catalogue::{self, ProductError};
use crate::app::staff::{
    self as staff_app, AccountError, Change, ChangeError, NewAccount, create_account,
};
use crate::app::stock::{self as stock_app, StockError};
use crate::db::{self, locale, stock};
use crate::domain::{CODE_MAX, Role, TEXT_MAX};
use crate::http::input::AddressBody;
use crate::http::input::{AllParsed, checked, required};
use crate::http::pages::PathId;
use crate::http::pages::auth::web_error;
use crate::http::pages::path_id;
use crate::http::pages::roles::Posted;
use crate::http::pages::{Errors, not_found};
use kummerer_contracts::{LocationId, ManufacturerId, ProductId, RetailerId, StaffId, StoreId};
use kummerer_web::i18n::{Lang, Tr, parse_tz};

use super::{Failure, Form, SUGGESTED_CLERK_LIMIT, done, failed, field, parse_money, store_choice};

// --- staff --------------------------------------------------------------------------------------

/// `POST /desk/admin/staff` `{email, name, role, store_id, password}`: a new account with an
/// initial password (the person changes nothing else here; sign-in is as usual).
pub async fn create_staff(
    db: web::Data<DatabaseConnection>,
    form: Form,
) -> Result<HttpResponse, Problem> {
    let db = db.get_ref();
    admin_form!(db, form, "staff", |me, f| {
        async {
        let retailer_id = me.staff.retailer_id;
        let mut v = FieldErrors::new();
        let email = parse_email(field(&f, "email"));
        let email = required(&mut v, "email", email, "must be an e-mail address");
        let name = v.text("name", field(&f, "name"), TEXT_MAX);
        let role = Role::parse(field(&f, "role"));
        let role = required(&mut v, "role", role, "choose clerk, manager or admin");
        let password = field(&f, "password").to_owned();
        if let Err(e) = check_password(&password) {
            v.add("password", e.to_string());
        }
        let store = store_choice(db, retailer_id, field(&f, "store_id")).await?;
        let store = required(&mut v, "store_id", store.ok(), "no such store");
        // The first clerk: the admin sets the clerks' limit now (never a silent 0.00).
        let clerk_limit = match role {
            Ok(Role::Clerk) if !db::authority::is_set(db, retailer_id, Role::Clerk).await? => {
                Some(clerk_limit(&mut v, &f))
            }
            _ => None,
        };
        let (email, role, store_id) = (email, role, store)
            .all_parsed(v)
            .map_err(Failure::Fields)?;
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
                return Err(Failure::Refused(me.tr.ta("err-account-exists", "email", email)));
            }
            Err(AccountError::Db(e)) => return Err(e.into()),
        };
        tracing::info!(admin.id = %me.staff.id, staff.id = %member.id, staff.role = member.role.as_string(),
            "staff account created by an admin");
        if let Some(Ok(limit)) = clerk_limit {
            db::authority::set_limit(db, retailer_id, Role::Clerk, &limit).await?;
            tracing::info!(admin.id = %me.staff.id, limit = %limit,
                "clerks' authority limit set with the first clerk");
        }
        Ok(())
    }
    .await
    })
}

/// The clerks' authority limit typed with the first clerk (`clerk_limit`,
/// `clerk_limit_currency`): required.
fn clerk_limit(
    v: &mut FieldErrors,
    f: &std::collections::HashMap<String, String>,
) -> Result<kummerer_contracts::Money, crate::http::input::Missing> {
    let amount = field(f, "clerk_limit");
    if amount.trim().is_empty() {
        return Err(crate::http::input::missing(
            v,
            "clerk_limit",
            format!(
                "the first clerk needs the clerks' authority limit: enter one \
                 (suggested {SUGGESTED_CLERK_LIMIT})"
            ),
        ));
    }
    parse_money(v, "clerk_limit", amount, field(f, "clerk_limit_currency"))
}

/// `POST /desk/admin/staff/{id}` `{role, store_id, action}`: `save` the role and store,
/// `disable` (the account cannot sign in, its sessions end) or `enable`. Admins cannot change
/// or disable their own account here (so a retailer never loses its last admin by a slip).
pub async fn update_staff(
    db: web::Data<DatabaseConnection>,
    PathId(path): PathId<StaffId>,
    form: Form,
) -> Result<HttpResponse, Problem> {
    let db = db.get_ref();
    admin_form!(db, form, "staff", |me, f| async {
        let retailer_id = me.staff.retailer_id;
        let rid = RetailerId(retailer_id);
        let admin = StaffId(me.staff.id);
        let Some(member) = path else {
            return Err(Failure::NotFound);
        };
        let refused = |e: ChangeError| match e {
            ChangeError::NotFound => Failure::NotFound,
            ChangeError::OwnAccount => Failure::Refused(me.tr.t("err-own-account")),
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
                let role = required(&mut v, "role", role, "choose clerk, manager or admin");
                let store = store_choice(db, retailer_id, field(&f, "store_id")).await?;
                let store = required(&mut v, "store_id", store.ok(), "no such store");
                let (role, store) = (role, store).all_parsed(v).map_err(Failure::Fields)?;
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
    db: web::Data<DatabaseConnection>,
    path: web::Path<String>,
    form: Form,
) -> Result<HttpResponse, Problem> {
    let db = db.get_ref();
    admin_form!(db, form, "limits", |me, f| async {
        let role = Role::parse(&path).ok_or(Failure::NotFound)?;
        let mut v = FieldErrors::new();
        let amount = parse_money(&mut v, "amount", field(&f, "amount"), field(&f, "currency"));
        let (amount,) = (amount,).all_parsed(v).map_err(Failure::Fields)?;
        db::authority::set_limit(db, me.staff.retailer_id, role, &amount).await?;
        tracing::info!(admin.id = %me.staff.id, role = role.as_string(), limit = %amount,
            "authority limit set at the desk");
        Ok(())
    }
    .await)
}

// --- stores and stock ---------------------------------------------------------------------------

/// `POST /desk/admin/stores` `{name}`.
pub async fn create_store(
    db: web::Data<DatabaseConnection>,
    form: Form,
) -> Result<HttpResponse, Problem> {
    let db = db.get_ref();
    admin_form!(db, form, "stores", |me, f| async {
        let mut v = FieldErrors::new();
        let name = v.text("name", field(&f, "name"), TEXT_MAX);
        checked(v).map_err(Failure::Fields)?;
        match stock_app::create_store(db, RetailerId(me.staff.retailer_id), name).await {
            Ok(_) => {}
            Err(StockError::Db(e)) => return Err(e.into()),
            Err(e) => {
                return Err(Failure::Refused(crate::http::pages::errors::stock(
                    &me.tr, &e,
                )));
            }
        }
        Ok(())
    }
    .await)
}

/// `POST /desk/admin/locations` `{name, store_id ("" = central warehouse), phone, street,
/// postcode, city, country}`.
pub async fn create_location(
    db: web::Data<DatabaseConnection>,
    form: Form,
) -> Result<HttpResponse, Problem> {
    let db = db.get_ref();
    admin_form!(db, form, "locations", |me, f| async {
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
        let store = required(&mut v, "store_id", store.ok(), "no such store");
        let (store_id,) = (store,).all_parsed(v).map_err(Failure::Fields)?;
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
            Err(e) => {
                return Err(Failure::Refused(crate::http::pages::errors::stock(
                    &me.tr, &e,
                )));
            }
        }
        Ok(())
    }
    .await)
}

/// `POST /desk/admin/stock` `{location_id, sku, quantity}`: sets the level (counted stock).
pub async fn set_stock(
    db: web::Data<DatabaseConnection>,
    form: Form,
) -> Result<HttpResponse, Problem> {
    let db = db.get_ref();
    admin_form!(db, form, "stock", |me, f| async {
        let retailer_id = me.staff.retailer_id;
        let mut v = FieldErrors::new();
        let location = match path_id(field(&f, "location_id").trim()) {
            Some(id) => stock::location(db, retailer_id, id).await?,
            None => None,
        };
        let location = required(&mut v, "location_id", location, "choose a stock location");
        let product = db::product_by_sku(db, retailer_id, field(&f, "sku").trim()).await?;
        let product = required(&mut v, "sku", product, "no product with this SKU");
        let quantity = field(&f, "quantity")
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|q| *q >= 0);
        let quantity = required(
            &mut v,
            "quantity",
            quantity,
            "must be a whole number, 0 or more",
        );
        let (location, product, quantity) = (location, product, quantity)
            .all_parsed(v)
            .map_err(Failure::Fields)?;
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
    db: web::Data<DatabaseConnection>,
    form: Form,
) -> Result<HttpResponse, Problem> {
    let db = db.get_ref();
    admin_form!(db, form, "products", |me, f| async {
        let mut v = FieldErrors::new();
        let sku = v.text("sku", field(&f, "sku"), CODE_MAX);
        let name = v.text("name", field(&f, "name"), TEXT_MAX);
        // Picked by name among the linked partners (issue 18): anything else is refused.
        let chosen = Uuid::parse_str(field(&f, "manufacturer_id").trim()).ok();
        let linked = db::partners::linked(db, me.staff.retailer_id).await?;
        let manufacturer_id = chosen.filter(|id| linked.iter().any(|p| p.manufacturer_id == *id));
        let manufacturer_id = required(
            &mut v,
            "manufacturer_id",
            manufacturer_id,
            "choose one of your linked partners (an admin links them under Partners)",
        );
        let price = parse_money(&mut v, "price", field(&f, "price"), field(&f, "currency"));
        let (manufacturer_id, price) = (manufacturer_id, price)
            .all_parsed(v)
            .map_err(Failure::Fields)?;
        let new = catalogue::NewProduct {
            sku,
            name,
            manufacturer_id: ManufacturerId(manufacturer_id),
            price,
        };
        match catalogue::create_product(db, RetailerId(me.staff.retailer_id), new).await {
            Ok(_) => {}
            Err(ProductError::Exists(sku)) => {
                return Err(Failure::Refused(me.tr.ta("err-product-exists", "sku", sku)));
            }
            Err(ProductError::Db(e)) => return Err(e.into()),
        }
        Ok(())
    }
    .await)
}

// --- language and time zone ---------------------------------------------------------------------

/// A language setting: `de`, `en`, or (where `empty_ok`) empty for "not set".
fn language_of(v: &mut FieldErrors, tr: &Tr, raw: &str, empty_ok: bool) -> Option<String> {
    match raw.trim() {
        "" if empty_ok => None,
        raw => match Lang::parse(raw) {
            Some(l) => Some(l.as_str().to_owned()),
            None => {
                v.add("language", tr.t("admin-locale-bad-language"));
                None
            }
        },
    }
}

/// A time zone setting: an IANA name (`Europe/Berlin`).
fn time_zone_of(v: &mut FieldErrors, tr: &Tr, raw: &str) -> String {
    match parse_tz(raw) {
        Some(tz) => tz.name().to_owned(),
        None => {
            v.add(
                "time_zone",
                tr.ta("admin-locale-bad-zone", "zone", raw.trim()),
            );
            String::new()
        }
    }
}

/// `POST /desk/admin/locale` `{language ("" = the reader's browser), time_zone}`: the
/// retailer's default language and its time zone (for staff without a store).
pub async fn set_locale(
    db: web::Data<DatabaseConnection>,
    form: Form,
) -> Result<HttpResponse, Problem> {
    let db = db.get_ref();
    admin_form!(db, form, "locale", |me, f| async {
        let mut v = FieldErrors::new();
        let language = language_of(&mut v, &me.tr, field(&f, "language"), true);
        let zone = time_zone_of(&mut v, &me.tr, field(&f, "time_zone"));
        checked(v).map_err(Failure::Fields)?;
        locale::set_retailer(db, me.staff.retailer_id, language.as_deref(), &zone).await?;
        Ok(())
    }
    .await)
}

/// `POST /desk/admin/stores/{id}/locale` `{language, time_zone}`: a store's language and time
/// zone (its staff's desk, its customers' messages and status page).
pub async fn set_store_locale(
    db: web::Data<DatabaseConnection>,
    PathId(store): PathId<Uuid>,
    form: Form,
) -> Result<HttpResponse, Problem> {
    let db = db.get_ref();
    admin_form!(db, form, "locale", |me, f| async {
        let stores = locale::of_stores(db, me.staff.retailer_id).await?;
        // Another retailer's store is as unknown as none, before anything typed is looked at.
        let store = store
            .filter(|id| stores.iter().any(|s| s.id == *id))
            .ok_or(Failure::NotFound)?;
        let mut v = FieldErrors::new();
        let language = language_of(&mut v, &me.tr, field(&f, "language"), false);
        let zone = time_zone_of(&mut v, &me.tr, field(&f, "time_zone"));
        checked(v).map_err(Failure::Fields)?;
        let language = language.unwrap_or_else(|| "de".to_owned());
        if !locale::set_store(db, me.staff.retailer_id, store, &language, &zone).await? {
            return Err(Failure::NotFound);
        }
        Ok(())
    }
    .await)
}

// --- law and money ------------------------------------------------------------------------------

/// `POST /desk/admin/law` `{jurisdiction (DE, AT), country}`: the law the retailer's clocks
/// follow and its country (the time zone is the locale form's). Every field is checked; nothing
/// is saved on an error.
pub async fn set_law(
    db: web::Data<DatabaseConnection>,
    form: Form,
) -> Result<HttpResponse, Problem> {
    let db = db.get_ref();
    admin_form!(db, form, "law", |me, f| async {
        let mut v = FieldErrors::new();
        let change = crate::app::law_settings::LawChange::parse(
            &mut v,
            Some(field(&f, "jurisdiction")),
            Some(field(&f, "country")),
            None,
        );
        checked(v).map_err(Failure::Fields)?;
        let rid = RetailerId(me.staff.retailer_id);
        crate::app::law_settings::set(db, rid, &change, &me.staff.email)
            .await?
            .ok_or(Failure::NotFound)?;
        Ok(())
    }
    .await)
}
