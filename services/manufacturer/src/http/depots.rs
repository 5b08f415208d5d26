//! The manufacturer's depots, where units requested back are sent.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use kummerer_contracts::events::Address;
use kummerer_contracts::ids::ManufacturerId;
use kummerer_service::Problem;
use sea_orm::{DatabaseConnection, TransactionTrait};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::auth::Manufacturer;
use super::idempotency::Idempotent;
use super::invalid;
use super::views::Items;
use crate::db::depot;
use crate::domain::returns::DepotInput;

/// A postal address; every line but `phone` is required.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct AddressBody {
    /// Who receives there (company or person).
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub street: String,
    #[serde(default)]
    pub postcode: String,
    #[serde(default)]
    pub city: String,
    /// e.g. `DE`.
    #[serde(default)]
    pub country: String,
}

impl From<AddressBody> for Address {
    fn from(a: AddressBody) -> Self {
        Address {
            name: a.name,
            phone: a.phone,
            street: a.street,
            postcode: a.postcode,
            city: a.city,
            country: a.country,
        }
    }
}

impl From<Address> for AddressBody {
    fn from(a: Address) -> Self {
        AddressBody {
            name: a.name,
            phone: a.phone,
            street: a.street,
            postcode: a.postcode,
            city: a.city,
            country: a.country,
        }
    }
}

#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
pub struct NewDepot {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub address: AddressBody,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DepotView {
    pub id: Uuid,
    pub name: String,
    pub address: AddressBody,
    pub created_at: DateTime<Utc>,
}

impl TryFrom<depot::Model> for DepotView {
    type Error = sea_orm::DbErr;
    fn try_from(d: depot::Model) -> Result<Self, Self::Error> {
        Ok(DepotView {
            address: d.address()?.into(),
            id: d.id.as_uuid(),
            name: d.name,
            created_at: d.created_at,
        })
    }
}

/// Add a depot
#[utoipa::path(
    post, path = "/api/manufacturers/{mid}/depots", tag = "returns", operation_id = "create_depot",
    params(("mid" = Uuid, Path, description = "The manufacturer (the API key's)"), ("Idempotency-Key" = Option<String>, Header, description = "1 to 255 visible ASCII characters; a retry with the same key and body answers the first answer")),
    request_body = NewDepot,
    responses(
        (status = 201, description = "Created", body = DepotView),
        (status = 400, description = "Malformed JSON or `Idempotency-Key`", body = super::openapi::ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "`request_in_progress`", body = super::openapi::ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`, `idempotency_key_reused`", body = super::openapi::ProblemDoc, content_type = "application/problem+json"),
    )
)]
// `POST /api/manufacturers/{mid}/depots` → 201, 400, 404, 422.
pub async fn create(
    me: Manufacturer,
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    body: web::Json<NewDepot>,
) -> Result<HttpResponse, Problem> {
    let mid = me.id;
    let idem = Idempotent::new(&req, mid, &*body)?;
    let input = DepotInput {
        name: body.name.clone(),
        address: body.address.clone().into(),
    }
    .parse()
    .map_err(invalid)?;
    let txn = db.begin().await?;
    if let Some(replay) = idem.begin(&txn).await? {
        return Ok(replay);
    }
    let d = depot::insert(&txn, ManufacturerId(mid), &input.name, &input.address).await?;
    let id = d.id;
    let res = idem
        .respond(&txn, StatusCode::CREATED, &DepotView::try_from(d)?)
        .await?;
    txn.commit().await?;
    tracing::info!(manufacturer.id = %mid, depot.id = %id, "depot created");
    Ok(res)
}

/// List the depots
#[utoipa::path(
    get, path = "/api/manufacturers/{mid}/depots", tag = "returns", operation_id = "list_depots",
    params(("mid" = Uuid, Path, description = "The manufacturer (the API key's)")),
    responses((status = 200, description = "The depots, oldest first", body = Items<DepotView>))
)]
// `GET /api/manufacturers/{mid}/depots` → 200, 404.
pub async fn list(
    me: Manufacturer,
    db: web::Data<DatabaseConnection>,
) -> Result<HttpResponse, Problem> {
    let items = depot::list(db.get_ref(), ManufacturerId(me.id))
        .await?
        .into_iter()
        .map(DepotView::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(HttpResponse::Ok().json(Items { items }))
}
