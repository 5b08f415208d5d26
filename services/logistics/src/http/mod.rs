//! The JSON API for crews and dispatchers, and the crew's page (`/crew`, server-rendered).

pub mod crew;
pub mod dispatch;
pub mod jobs;
pub mod members;
pub mod photos;
pub mod returns;
pub mod view;

use std::sync::Arc;

use actix_web::web;

use crate::photos::PhotoStore;

pub fn routes(
    cfg: &mut web::ServiceConfig,
    crew_config: crew::CrewConfig,
    photos: Arc<dyn PhotoStore>,
) {
    cfg.app_data(web::Data::from(photos));
    crew::routes(cfg, crew_config);
    cfg.service(
        web::scope("/api/jobs")
            .route("", web::get().to(jobs::list))
            .route("/{id}", web::get().to(jobs::get))
            .route("/{id}/complete", web::post().to(jobs::complete))
            .route("/{id}/on-the-way", web::post().to(jobs::on_the_way))
            .route("/{id}/delivered", web::post().to(jobs::delivered))
            .route("/{id}/collected", web::post().to(jobs::collected))
            .route("/{id}/fail", web::post().to(jobs::fail))
            .route("/{id}/photos", web::post().to(photos::upload))
            .route("/{id}/photos", web::get().to(photos::list))
            .route("/{id}/photos/{photo_id}", web::get().to(photos::get)),
    )
    .service(
        web::scope("/api/carriers")
            .route("", web::post().to(dispatch::create_carrier))
            .route("/{cid}/crews", web::post().to(dispatch::create_crew))
            .route("/{cid}/crews", web::get().to(dispatch::list_crews))
            .route(
                "/{cid}/crews/{crew_id}/members",
                web::post().to(members::create),
            )
            .route("/{cid}/dispatch", web::get().to(dispatch::day))
            .route("/{cid}/jobs/{id}/assign", web::post().to(dispatch::assign))
            .route(
                "/{cid}/jobs/{id}/reschedule",
                web::post().to(dispatch::reschedule),
            )
            .route("/{cid}/return-shipments", web::get().to(returns::list))
            .route("/{cid}/return-shipments/{sid}", web::get().to(returns::get))
            .route(
                "/{cid}/return-shipments/{sid}/dispatch",
                web::post().to(returns::dispatch),
            )
            .route(
                "/{cid}/return-shipments/{sid}/arrived",
                web::post().to(returns::arrived),
            ),
    )
    .service(
        web::scope("/api/crews").route("/{crew_id}/visits", web::get().to(dispatch::crew_visits)),
    );
}
