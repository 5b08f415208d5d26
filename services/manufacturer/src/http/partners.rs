//! Partner links with retailers (issue 18): the directory of retailers by name with each
//! link's state, and the manufacturer's own actions on a link (the API key is the actor).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use kummerer_contracts::{PartnerAction, RetailerId};
use kummerer_service::Problem;
use sea_orm::{DatabaseConnection, TransactionTrait};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::auth::Manufacturer;
use super::idempotency::Idempotent;
use super::views::Items;
use crate::db::partners::{self, RetailerPartner};
use crate::partners::LinkError;

impl From<LinkError> for Problem {
    fn from(e: LinkError) -> Self {
        match e {
            LinkError::UnknownRetailer => Problem::not_found("retailer"),
            LinkError::Refused(why) => Problem::conflict(why.code(), why.words()),
            LinkError::Db(e) => e.into(),
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PartnersQuery {
    /// `linked`: only the linked retailers.
    #[serde(default)]
    pub state: Option<String>,
}

/// The link's state after an action.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LinkView {
    pub retailer_id: Uuid,
    /// `invited`, `linked`, `declined` or `unlinked`.
    pub state: String,
}

/// List the retailers by name, with the partner link
///
/// Every retailer that announced itself (its id and display name), with this manufacturer's
/// link to it; `?state=linked` lists only the linked partners.
#[utoipa::path(
    get, path = "/api/manufacturers/{mid}/partners", tag = "partners", operation_id = "list_partners",
    params(("mid" = Uuid, Path, description = "The manufacturer (the API key's)"), PartnersQuery),
    responses(
        (status = 200, description = "The retailers by name", body = Items<RetailerPartner>),
        (status = 422, description = "`validation_failed` (`state` other than `linked`)", body = super::openapi::ProblemDoc, content_type = "application/problem+json"),
    )
)]
// `GET /api/manufacturers/{mid}/partners[?state=linked]` → 200, 404, 422.
pub async fn list(
    me: Manufacturer,
    db: web::Data<DatabaseConnection>,
    query: web::Query<PartnersQuery>,
) -> Result<HttpResponse, Problem> {
    let linked_only = match query.state.as_deref() {
        None => false,
        Some("linked") => true,
        Some(_) => {
            let mut v = kummerer_service::FieldErrors::new();
            v.add("state", "must be linked (or absent)");
            v.finish()?;
            return Ok(HttpResponse::Ok().finish());
        }
    };
    let items = partners::retailers(db.get_ref(), me.id, linked_only).await?;
    Ok(HttpResponse::Ok().json(Items { items }))
}

/// Invite a retailer, answer its invitation, or unlink
///
/// `action` is `invite`, `accept`, `decline` or `unlink`. The retailer is told
/// (`manufacturer.partner.changed.v1`) in the same transaction. Inviting a retailer that
/// invited this manufacturer links them. Unlinking stops new claims and agreements; claims
/// recorded before keep going to their end.
#[utoipa::path(
    post, path = "/api/manufacturers/{mid}/partners/{rid}/{action}", tag = "partners", operation_id = "act_on_partner",
    params(("mid" = Uuid, Path, description = "The manufacturer (the API key's)"), ("rid" = Uuid, Path, description = "The retailer"), ("action" = String, Path, description = "`invite`, `accept`, `decline` or `unlink`"), ("Idempotency-Key" = Option<String>, Header, description = "1 to 255 visible ASCII characters; a retry with the same key and body answers the first answer")),
    responses(
        (status = 200, description = "The link's new state", body = LinkView),
        (status = 400, description = "Malformed `Idempotency-Key`", body = super::openapi::ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "`already_linked`, `already_invited`, `no_invitation`, `not_linked`, `request_in_progress`", body = super::openapi::ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "`idempotency_key_reused`", body = super::openapi::ProblemDoc, content_type = "application/problem+json"),
    )
)]
// `POST /api/manufacturers/{mid}/partners/{rid}/{action}` → 200, 404 (retailer never announced,
// unknown action), 409.
pub async fn act(
    me: Manufacturer,
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    path: web::Path<(Uuid, Uuid, String)>,
) -> Result<HttpResponse, Problem> {
    let (_, rid, action) = path.into_inner();
    let action = match action.as_str() {
        "invite" => PartnerAction::Invite,
        "accept" => PartnerAction::Accept,
        "decline" => PartnerAction::Decline,
        "unlink" => PartnerAction::Unlink,
        _ => return Err(Problem::not_found("action")),
    };
    let idem = Idempotent::new(&req, me.id, &(rid, action))?;
    let txn = db.begin().await?;
    if let Some(replay) = idem.begin(&txn).await? {
        return Ok(replay);
    }
    let acted_by = format!("API key {}", me.key_id);
    let now = crate::db::now();
    let pair = (me.id.into(), RetailerId(rid));
    let state = crate::partners::act(&txn, pair, action, &acted_by, now).await?;
    let view = LinkView {
        retailer_id: rid,
        state: state.as_str().to_owned(),
    };
    let res = idem.respond(&txn, StatusCode::OK, &view).await?;
    txn.commit().await?;
    Ok(res)
}
