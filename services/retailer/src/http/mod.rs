//! The HTTP edge: thin JSON adapters ([`api`], under `/api`) and thin page adapters ([`pages`]:
//! the staff desk under `/desk`, the customer's status page). Both parse, call [`crate::app`],
//! and map its typed errors (to a `Problem`, or to a form's errors).
//! Every route under `/api/retailers/{rid}` works on that retailer's data only; another
//! retailer's ids answer 404, as unknown ones do.

pub mod api;
pub mod input;
pub mod openapi;
pub mod pages;
pub mod view;

use actix_web::web;

use api::{authority, cases, disputes, entitlement, ledger, products, retailers, sales, staff};
use pages::status;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/status/{token}", web::get().to(status::page));
    cfg.route("/openapi.json", web::get().to(openapi::serve))
        .route("/docs", web::get().to(openapi::docs));
    cfg.service(
        web::scope("/api/retailers")
            .route("", web::post().to(retailers::create))
            .route("/{rid}", web::get().to(retailers::get))
            .route("/{rid}/products", web::post().to(products::create))
            .route("/{rid}/products", web::get().to(products::list))
            .route("/{rid}/sales", web::post().to(sales::create))
            .route("/{rid}/sales", web::get().to(sales::search))
            .route("/{rid}/sales/{sale_id}", web::get().to(entitlement::get))
            .route("/{rid}/staff", web::post().to(staff::create))
            .route(
                "/{rid}/authority-limits/{role}",
                web::put().to(authority::set),
            )
            .route("/{rid}/cases", web::post().to(cases::open))
            .route("/{rid}/cases/{case_id}", web::get().to(cases::get))
            .route(
                "/{rid}/cases/{case_id}/swap",
                web::post().to(cases::approve_swap),
            )
            .route(
                "/{rid}/claims/{claim_id}/dispute",
                web::post().to(disputes::create),
            )
            .route("/{rid}/ledger", web::get().to(ledger::get)),
    );
}
