//! The JSON API for crews (the crew web page comes later).

pub mod jobs;
pub mod view;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/jobs")
            .route("", web::get().to(jobs::list))
            .route("/{id}", web::get().to(jobs::get))
            .route("/{id}/complete", web::post().to(jobs::complete))
            .route("/{id}/fail", web::post().to(jobs::fail)),
    );
}
