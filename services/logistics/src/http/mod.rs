//! The JSON API for carriers, crews and dispatchers (authenticated by [`auth`]), the crew's
//! page (`/crew`) and the dispatcher's pages (`/dispatch`), both server-rendered.

pub mod api;
pub mod auth;
pub mod openapi;
pub mod pages;
pub mod view;

use api::{dispatch, jobs, members, photos, returns, tokens};
use pages::{crew, dispatcher};

use std::sync::Arc;

use actix_web::middleware::from_fn;
use actix_web::web;

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

pub fn routes(cfg: &mut web::ServiceConfig, config: HttpConfig, photos: Arc<dyn PhotoStore>) {
    cfg.app_data(web::Data::from(photos))
        .app_data(web::Data::new(config.operator));
    cfg.route("/openapi.json", web::get().to(openapi::serve))
        .route("/docs", web::get().to(openapi::docs));
    crew::routes(cfg, config.pages.clone());
    dispatcher::routes(cfg, config.pages);
    cfg.service(
        web::resource("/api/jobs")
            .wrap(from_fn(auth::require))
            .route(web::get().to(jobs::list)),
    )
    .service(
        web::scope("/api/jobs/{id}")
            .wrap(from_fn(auth::require))
            .route("", web::get().to(jobs::get))
            .route("/complete", web::post().to(jobs::complete))
            .route("/on-the-way", web::post().to(jobs::on_the_way))
            .route("/delivered", web::post().to(jobs::delivered))
            .route("/collected", web::post().to(jobs::collected))
            .route("/fail", web::post().to(jobs::fail))
            .route("/photos", web::post().to(photos::upload))
            .route("/photos", web::get().to(photos::list))
            .route("/photos/{photo_id}", web::get().to(photos::get)),
    )
    .service(
        web::resource("/api/carriers")
            .wrap(from_fn(auth::require_operator))
            .route(web::post().to(dispatch::create_carrier)),
    )
    .service(
        web::scope("/api/carriers/{cid}")
            .wrap(from_fn(auth::require))
            .route("/tokens", web::post().to(tokens::create))
            .route("/tokens", web::get().to(tokens::list))
            .route("/tokens/{token_id}", web::delete().to(tokens::revoke))
            .route("/dispatchers", web::post().to(members::create_dispatcher))
            .route("/crews", web::post().to(dispatch::create_crew))
            .route("/crews", web::get().to(dispatch::list_crews))
            .route("/crews/{crew_id}/members", web::post().to(members::create))
            .route("/dispatch", web::get().to(dispatch::day))
            .route("/jobs/{id}/assign", web::post().to(dispatch::assign))
            .route(
                "/jobs/{id}/reschedule",
                web::post().to(dispatch::reschedule),
            )
            .route("/return-shipments", web::get().to(returns::list))
            .route("/return-shipments/{sid}", web::get().to(returns::get))
            .route(
                "/return-shipments/{sid}/dispatch",
                web::post().to(returns::dispatch),
            )
            .route(
                "/return-shipments/{sid}/arrived",
                web::post().to(returns::arrived),
            ),
    )
    .service(
        web::scope("/api/crews/{crew_id}")
            .wrap(from_fn(auth::require))
            .route("/visits", web::get().to(dispatch::crew_visits)),
    );
}
