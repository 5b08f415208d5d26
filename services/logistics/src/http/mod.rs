//! The JSON API for carriers, crews and dispatchers (authenticated by [`auth`]), the crew's
//! page (`/crew`) and the dispatcher's pages (`/dispatch`), both server-rendered.

pub mod api;
pub mod auth;
pub mod openapi;
pub mod pages;
pub mod view;

use api::{contracts, dispatch, jobs, members, photos, returns, tokens};
use pages::{crew, dispatcher};

use std::sync::Arc;

use actix_web::http::Method;
use actix_web::middleware::from_fn;
use actix_web::web;
use kummerer_web::doors::{Access, Door, Doors, DoorsExt};

use crate::photos::PhotoStore;
use crate::settings::Settings;

/// How the HTTP side runs.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// The session cookies of the pages.
    pub pages: kummerer_web::signin::PageConfig,
    pub operator: auth::OperatorToken,
}

impl HttpConfig {
    /// `Secure` session cookies and the given operator's token (tests).
    pub fn with_operator(token: Option<String>) -> HttpConfig {
        HttpConfig {
            pages: kummerer_web::signin::PageConfig {
                secure_cookies: true,
            },
            operator: auth::OperatorToken::new(token),
        }
    }

    /// From the service's [`Settings`].
    pub fn from_settings(settings: &Settings) -> HttpConfig {
        HttpConfig {
            pages: kummerer_web::signin::PageConfig {
                secure_cookies: !settings.insecure_cookies,
            },
            operator: auth::OperatorToken::from_secret(settings.operator_token.clone()),
        }
    }
}

/// The service's routes (see [`routes_with`]).
pub fn routes(cfg: &mut web::ServiceConfig, config: HttpConfig, photos: Arc<dyn PhotoStore>) {
    routes_with(cfg, config, photos, &Doors::new());
}

/// The service's route table: every door [`routes_with`] registers, with who may pass. Tests
/// walk it (no credential, another carrier's credential, another carrier's ids).
pub fn doors() -> Vec<Door> {
    let doors = Doors::new();
    let photos: Arc<dyn PhotoStore> = Arc::new(crate::photos::BlobPhotoStore::new(
        kummerer_blobs::BlobStore::in_memory(crate::SERVICE),
    ));
    let _app = actix_web::App::new().configure(|cfg| {
        routes_with(cfg, HttpConfig::with_operator(None), photos, &doors);
    });
    doors.table()
}

/// Registers every route, recording each door in `doors`: the crew's and the dispatcher's pages,
/// then the JSON API, each scope behind its authentication middleware.
pub fn routes_with(
    cfg: &mut web::ServiceConfig,
    config: HttpConfig,
    photos: Arc<dyn PhotoStore>,
    doors: &Doors,
) {
    cfg.app_data(web::Data::from(photos))
        .app_data(web::Data::new(config.operator));
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
    crew::routes(cfg, config.pages.clone(), doors);
    dispatcher::routes(cfg, config.pages, doors);
    let (get, post, put, delete) = (Method::GET, Method::POST, Method::PUT, Method::DELETE);
    let tenant = Access::Tenant;
    let operator = Access::Operator;
    cfg.service(doors.resource_door(
        web::resource("/api/jobs").wrap(from_fn(auth::require)),
        "/api/jobs",
        get.clone(),
        tenant,
        jobs::list,
    ));
    let (scope, d) = doors.scope("/api/jobs/{id}");
    cfg.service(
        scope
            .wrap(from_fn(auth::require))
            .door(&d, get.clone(), "", tenant, jobs::get)
            .door(&d, post.clone(), "/complete", tenant, jobs::complete)
            .door(&d, post.clone(), "/on-the-way", tenant, jobs::on_the_way)
            .door(&d, post.clone(), "/delivered", tenant, jobs::delivered)
            .door(&d, post.clone(), "/collected", tenant, jobs::collected)
            .door(&d, post.clone(), "/fail", tenant, jobs::fail)
            .door(&d, post.clone(), "/photos", tenant, photos::upload)
            .door(&d, get.clone(), "/photos", tenant, photos::list)
            .door(&d, get.clone(), "/photos/{photo_id}", tenant, photos::get),
    );
    cfg.service(doors.resource_door(
        web::resource("/api/carriers").wrap(from_fn(auth::require_operator)),
        "/api/carriers",
        post.clone(),
        operator,
        dispatch::create_carrier,
    ));
    let (scope, d) = doors.scope("/api/carriers/{cid}");
    cfg.service(
        scope
            .wrap(from_fn(auth::require))
            .door(&d, post.clone(), "/tokens", operator, tokens::create)
            .door(&d, get.clone(), "/tokens", tenant, tokens::list)
            .door(&d, delete, "/tokens/{token_id}", tenant, tokens::revoke)
            .door(&d, put, "/regions", operator, dispatch::grant_regions)
            .door(&d, get.clone(), "/regions", tenant, dispatch::regions)
            .door(&d, get.clone(), "/contracts", tenant, contracts::list)
            .door(
                &d,
                post.clone(),
                "/contracts/{contract_id}/accept",
                tenant,
                contracts::accept,
            )
            .door(
                &d,
                post.clone(),
                "/contracts/{contract_id}/decline",
                tenant,
                contracts::decline,
            )
            .door(
                &d,
                post.clone(),
                "/dispatchers",
                tenant,
                members::create_dispatcher,
            )
            .door(&d, post.clone(), "/crews", tenant, dispatch::create_crew)
            .door(&d, get.clone(), "/crews", tenant, dispatch::list_crews)
            .door(
                &d,
                post.clone(),
                "/crews/{crew_id}/members",
                tenant,
                members::create,
            )
            .door(&d, get.clone(), "/dispatch", tenant, dispatch::day)
            .door(
                &d,
                post.clone(),
                "/jobs/{id}/assign",
                tenant,
                dispatch::assign,
            )
            .door(
                &d,
                post.clone(),
                "/jobs/{id}/reschedule",
                tenant,
                dispatch::reschedule,
            )
            .door(&d, get.clone(), "/return-shipments", tenant, returns::list)
            .door(
                &d,
                get.clone(),
                "/return-shipments/{sid}",
                tenant,
                returns::get,
            )
            .door(
                &d,
                post.clone(),
                "/return-shipments/{sid}/dispatch",
                tenant,
                returns::dispatch,
            )
            .door(
                &d,
                post.clone(),
                "/return-shipments/{sid}/arrived",
                tenant,
                returns::arrived,
            )
            .door(&d, get.clone(), "/return-pool", tenant, returns::pool)
            .door(
                &d,
                post,
                "/return-pool/{item_id}/take",
                tenant,
                returns::take,
            ),
    );
    let (scope, d) = doors.scope("/api/crews/{crew_id}");
    cfg.service(scope.wrap(from_fn(auth::require)).door(
        &d,
        get,
        "/visits",
        tenant,
        dispatch::crew_visits,
    ));
}
