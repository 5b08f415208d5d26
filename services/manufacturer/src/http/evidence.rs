//! The photos of a claim's evidence.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use kummerer_service::Problem;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::auth::Manufacturer;
use crate::db::{claim, claim_evidence};

/// The photo of one piece of a claim's evidence
///
/// The bytes as the retailer forwarded them (their sha256 was checked on arrival), with their
/// content type.
#[utoipa::path(
    get, path = "/api/manufacturers/{mid}/claims/{id}/evidence/{evidence_id}/photo", tag = "claims", operation_id = "get_evidence_photo",
    params(("mid" = Uuid, Path, description = "The manufacturer (the API key's)"), ("id" = Uuid, Path, description = "The claim"), ("evidence_id" = Uuid, Path, description = "The evidence")),
    responses((status = 200, description = "The photo", content((Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png"), (Vec<u8> = "image/webp"))))
)]
// `GET /api/manufacturers/{mid}/claims/{id}/evidence/{evidence_id}/photo` → 200 bytes, 404
// (claim, evidence of another claim, evidence without a photo).
pub async fn photo(
    me: Manufacturer,
    db: web::Data<DatabaseConnection>,
    path: web::Path<(Uuid, Uuid, Uuid)>,
) -> Result<HttpResponse, Problem> {
    let (_, id, evidence_id) = path.into_inner();
    let c = claim::find(db.get_ref(), me.id, id)
        .await?
        .ok_or_else(|| Problem::not_found("claim"))?;
    let (content_type, bytes) = claim_evidence::photo(db.get_ref(), c.id, evidence_id)
        .await?
        .ok_or_else(|| Problem::not_found("photo"))?;
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(bytes))
}
