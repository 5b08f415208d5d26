//! Carrier contracts through the retailer's API (issue 18), with the retailer's integration key:
//! find carriers by name in the directory, offer a contract, list and end contracts
//! ([`crate::app::carriers`]). Another retailer's contract answers 404 as an unknown one.

use actix_web::{HttpResponse, web};
use kummerer_service::Problem;
use kummerer_service::problem::FieldError;
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::app::carriers::{self as app, ContractError};
use crate::db::carrier_contracts::{Contract, DirectoryCarrier};
use crate::domain::carrier_contract::parse_terms;
use crate::http::api::key_auth::ApiKey;
use crate::http::api::retailers::existing;

#[derive(Debug, Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    pub name: String,
}

#[derive(Debug, Serialize)]
pub struct CarrierList {
    pub items: Vec<DirectoryCarrier>,
}

#[derive(Debug, Serialize)]
pub struct ContractList {
    pub items: Vec<Contract>,
}

/// `GET /api/retailers/{rid}/carriers?name=…` → `{items}`: the carriers whose name contains
/// `name` (any case; all when empty), each with the regions the operator granted it.
pub async fn search(
    db: web::Data<DatabaseConnection>,
    path: web::Path<Uuid>,
    query: web::Query<SearchQuery>,
) -> Result<HttpResponse, Problem> {
    existing(db.get_ref(), path.into_inner()).await?;
    if query.name.chars().count() > 200 || query.name.contains('\0') {
        return Err(Problem::validation(vec![FieldError {
            field: "name".to_owned(),
            message: "at most 200 characters, no NUL".to_owned(),
        }]));
    }
    let items = app::search(db.get_ref(), &query.name).await?;
    Ok(HttpResponse::Ok().json(CarrierList { items }))
}

#[derive(Debug, Deserialize)]
pub struct OfferBody {
    pub carrier_id: Uuid,
    pub postcode_prefixes: Vec<String>,
    #[serde(default)]
    pub weekdays: Vec<i64>,
    #[serde(default)]
    pub daily_capacity: Option<i64>,
}

/// `POST /api/retailers/{rid}/carrier-contracts {carrier_id, postcode_prefixes, weekdays?,
/// daily_capacity?}` → 201 with the contract, `offered` until the carrier answers (then
/// `active` or `declined`). 404 `carrier` for a carrier not in the directory, 422 for bad terms
/// or prefixes outside the carrier's regions (`prefix_outside_regions`).
pub async fn offer(
    key: ApiKey,
    db: web::Data<DatabaseConnection>,
    path: web::Path<Uuid>,
    body: web::Json<OfferBody>,
) -> Result<HttpResponse, Problem> {
    let retailer_id = path.into_inner();
    let terms = parse_terms(&body.postcode_prefixes, &body.weekdays, body.daily_capacity).map_err(
        |errs| {
            Problem::validation(
                errs.into_iter()
                    .map(|(field, message)| FieldError {
                        field: field.to_owned(),
                        message,
                    })
                    .collect(),
            )
        },
    )?;
    let contract = app::offer(
        db.get_ref(),
        retailer_id,
        body.carrier_id,
        terms,
        &key.actor(),
    )
    .await?;
    Ok(HttpResponse::Created().json(contract))
}

/// `GET /api/retailers/{rid}/carrier-contracts` → `{items}`, newest offer first.
pub async fn list(
    db: web::Data<DatabaseConnection>,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    let retailer_id = path.into_inner();
    existing(db.get_ref(), retailer_id).await?;
    let items = app::of_retailer(db.get_ref(), retailer_id).await?;
    Ok(HttpResponse::Ok().json(ContractList { items }))
}

/// `POST /api/retailers/{rid}/carrier-contracts/{contract_id}/end` → 200 with the contract,
/// `ended`: no new jobs go to the carrier under it; the jobs on its crews stay. 409
/// `contract_not_open` for a declined one.
pub async fn end(
    key: ApiKey,
    db: web::Data<DatabaseConnection>,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, Problem> {
    let (retailer_id, contract_id) = path.into_inner();
    let contract = app::end(db.get_ref(), retailer_id, contract_id, &key.actor()).await?;
    Ok(HttpResponse::Ok().json(contract))
}

impl From<ContractError> for Problem {
    fn from(e: ContractError) -> Problem {
        match e {
            ContractError::UnknownRetailer => Problem::not_found("retailer"),
            ContractError::UnknownCarrier(_) => Problem::not_found("carrier"),
            ContractError::NotFound => Problem::not_found("contract"),
            ContractError::OutsideRegions(_) => {
                let mut p = Problem::new(
                    actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
                    "prefix_outside_regions",
                    "Postcode prefixes outside the carrier's regions",
                    Some(e.to_string()),
                );
                p.errors = vec![FieldError {
                    field: "postcode_prefixes".to_owned(),
                    message: e.to_string(),
                }];
                p
            }
            ContractError::NotOpen(_) => Problem::conflict("contract_not_open", e.to_string()),
            ContractError::Db(e) => e.into(),
        }
    }
}
