//! The HTTP edge: thin JSON adapters ([`api`], under `/api`) and thin page adapters ([`pages`]:
//! the staff desk under `/desk`, the customer's status page). Both parse, call [`crate::app`],
//! and map its typed errors (to a `Problem`, or to a form's errors).
//! Every route under `/api/retailers/{rid}` works on that retailer's data only; another
//! retailer's ids answer 404, as unknown ones do.

pub mod api;
pub mod import_file;
pub mod input;
pub mod openapi;
pub mod pages;
pub mod view;

use actix_web::http::Method;
use actix_web::middleware::from_fn;
use actix_web::{FromRequest, Handler, Responder, Scope, guard, web};
use kummerer_web::doors::{Access, Door, Doors, DoorsExt};

use api::{
    admin_auth, authority, cancel, carriers, cases, correct, disputes, entitlement, erasures,
    imports, information, key_auth, keys, ledger, partners, products, resubmit, retailers, sales,
    staff,
};
use pages::status;

/// Registers the JSON API and the pages (see [`routes_with`]), recording into a throwaway table.
pub fn routes(cfg: &mut web::ServiceConfig, desk: pages::DeskConfig) {
    routes_with(cfg, desk, &Doors::new());
}

/// Registers every route of the service and records each door in `doors`: the customer's
/// status link (open), `POST /api/retailers` (the operator token), the admin's routes (an
/// admin's HTTP Basic credentials, [`admin_auth`]), every other `/api/retailers/{rid}/…` route
/// (an integration key of that retailer, [`key_auth`]) and the desk's pages.
pub fn routes_with(cfg: &mut web::ServiceConfig, desk: pages::DeskConfig, doors: &Doors) {
    kummerer_web::doors::door(
        cfg,
        doors,
        Method::GET,
        "/status/{token}",
        Access::Open,
        status::page,
    );
    // The customer's answers on the status page: the link's token is the credential.
    kummerer_web::doors::door(
        cfg,
        doors,
        Method::POST,
        "/status/{token}/confirm",
        Access::Open,
        status::confirm,
    );
    kummerer_web::doors::door(
        cfg,
        doors,
        Method::POST,
        "/status/{token}/not-home",
        Access::Open,
        status::not_home,
    );
    kummerer_web::doors::door(
        cfg,
        doors,
        Method::POST,
        "/status/{token}/move",
        Access::Open,
        status::move_visit,
    );
    kummerer_web::doors::door(
        cfg,
        doors,
        Method::GET,
        "/openapi.json",
        Access::Open,
        openapi::serve,
    );
    kummerer_web::doors::door(
        cfg,
        doors,
        Method::GET,
        "/docs",
        Access::Open,
        openapi::docs,
    );
    let (scope, d) = doors.scope("/api/retailers");
    let scope = scope.door(&d, Method::POST, "", Access::Operator, retailers::create);
    let scope = admin(scope, &d, Method::POST, "/{rid}/staff", staff::create);
    let scope = admin(
        scope,
        &d,
        Method::PUT,
        "/{rid}/authority-limits/{role}",
        authority::set,
    );
    let scope = admin(scope, &d, Method::POST, "/{rid}/keys", keys::create);
    let scope = admin(scope, &d, Method::GET, "/{rid}/keys", keys::list);
    let scope = admin(
        scope,
        &d,
        Method::DELETE,
        "/{rid}/keys/{key_id}",
        keys::revoke,
    );
    let scope = admin(scope, &d, Method::GET, "/{rid}/partners", partners::list);
    let scope = admin(
        scope,
        &d,
        Method::POST,
        "/{rid}/partners/{mid}/{action}",
        partners::act,
    );
    let scope = admin(
        scope,
        &d,
        Method::GET,
        "/{rid}/agreements",
        partners::agreements,
    );
    let scope = admin(
        scope,
        &d,
        Method::POST,
        "/{rid}/agreements/{aid}/versions/{version}/accept",
        partners::accept_agreement,
    );
    let scope = admin(
        scope,
        &d,
        Method::GET,
        "/{rid}/settings",
        retailers::get_settings,
    );
    let scope = admin(
        scope,
        &d,
        Method::PUT,
        "/{rid}/settings",
        retailers::set_settings,
    );
    let scope = keyed(scope, &d, Method::GET, "/{rid}", retailers::get);
    let scope = keyed(scope, &d, Method::POST, "/{rid}/products", products::create);
    let scope = keyed(scope, &d, Method::GET, "/{rid}/products", products::list);
    let scope = keyed(scope, &d, Method::POST, "/{rid}/sales", sales::create);
    let scope = keyed(scope, &d, Method::GET, "/{rid}/sales", sales::search);
    // The POS file as the body: larger than the default payload limit.
    let import_path = "/{rid}/sales/imports";
    let scope = scope.service(
        d.resource_door(
            web::resource(import_path)
                .guard(guard::Method(Method::POST))
                .app_data(web::PayloadConfig::new(import_file::MAX_BYTES + 64 * 1024))
                .wrap(from_fn(admin_auth::require)),
            import_path,
            Method::POST,
            Access::TenantAdmin,
            imports::upload,
        ),
    );
    let scope = keyed(
        scope,
        &d,
        Method::GET,
        "/{rid}/sales/{sale_id}",
        entitlement::get,
    );
    let scope = keyed(scope, &d, Method::POST, "/{rid}/cases", cases::open);
    let scope = keyed(scope, &d, Method::GET, "/{rid}/cases/{case_id}", cases::get);
    let scope = keyed(
        scope,
        &d,
        Method::POST,
        "/{rid}/cases/{case_id}/swap",
        cases::approve_swap,
    );
    let scope = keyed(
        scope,
        &d,
        Method::POST,
        "/{rid}/cases/{case_id}/swap/cancel",
        cancel::create,
    );
    let scope = keyed(
        scope,
        &d,
        Method::POST,
        "/{rid}/cases/{case_id}/swap/correction",
        correct::create,
    );
    let scope = keyed(
        scope,
        &d,
        Method::POST,
        "/{rid}/claims/{claim_id}/dispute",
        disputes::create,
    );
    let scope = keyed(
        scope,
        &d,
        Method::POST,
        "/{rid}/claims/{claim_id}/information",
        information::create,
    );
    let scope = keyed(
        scope,
        &d,
        Method::POST,
        "/{rid}/claims/{claim_id}/resubmit",
        resubmit::create,
    );
    let scope = keyed(scope, &d, Method::GET, "/{rid}/ledger", ledger::get);
    let scope = admin(scope, &d, Method::POST, "/{rid}/erasures", erasures::create);
    let scope = admin(scope, &d, Method::GET, "/{rid}/erasures", erasures::list);
    let scope = admin(
        scope,
        &d,
        Method::GET,
        "/{rid}/retention",
        erasures::get_retention,
    );
    let scope = admin(
        scope,
        &d,
        Method::PUT,
        "/{rid}/retention",
        erasures::set_retention,
    );
    let scope = keyed(scope, &d, Method::GET, "/{rid}/carriers", carriers::search);
    let scope = keyed(
        scope,
        &d,
        Method::POST,
        "/{rid}/carrier-contracts",
        carriers::offer,
    );
    let scope = keyed(
        scope,
        &d,
        Method::GET,
        "/{rid}/carrier-contracts",
        carriers::list,
    );
    let scope = keyed(
        scope,
        &d,
        Method::POST,
        "/{rid}/carrier-contracts/{contract_id}/end",
        carriers::end,
    );
    cfg.service(scope);
    pages::routes_with(cfg, desk, doors);
}

/// A route that needs an integration key of the path's retailer ([`Access::Tenant`]) or an
/// admin's credentials ([`Access::TenantAdmin`]), checked by a middleware on the route before
/// its extractors run.
fn guarded<F, Args>(
    scope: Scope,
    d: &Doors,
    (method, path, access): (Method, &str, Access),
    handler: F,
) -> Scope
where
    F: Handler<Args>,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    let resource = web::resource(path).guard(guard::Method(method.clone()));
    match access {
        Access::TenantAdmin => {
            let resource = resource.wrap(from_fn(admin_auth::require));
            scope.service(d.resource_door(resource, path, method, access, handler))
        }
        _ => {
            let resource = resource.wrap(from_fn(key_auth::require));
            scope.service(d.resource_door(resource, path, method, Access::Tenant, handler))
        }
    }
}

/// [`guarded`] by an integration key.
fn keyed<F, Args>(scope: Scope, d: &Doors, method: Method, path: &str, handler: F) -> Scope
where
    F: Handler<Args>,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    guarded(scope, d, (method, path, Access::Tenant), handler)
}

/// [`guarded`] by an admin's credentials.
fn admin<F, Args>(scope: Scope, d: &Doors, method: Method, path: &str, handler: F) -> Scope
where
    F: Handler<Args>,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    guarded(scope, d, (method, path, Access::TenantAdmin), handler)
}

/// The service's route table (every door with who may pass), as [`routes_with`] registers it.
pub fn doors() -> Vec<Door> {
    let doors = Doors::new();
    let _app = actix_web::App::new().configure(|cfg| {
        routes_with(
            cfg,
            pages::DeskConfig {
                secure_cookies: true,
            },
            &doors,
        )
    });
    doors.table()
}
