//! A carrier's contracts with retailers (issue 18): the list, and the carrier's consent or
//! refusal ([`crate::app::contracts`]). The carrier's token reaches only its own contracts (the
//! path's carrier is checked by the scope's middleware; another carrier's contract is a 404);
//! the operator may answer for any carrier.

use actix_web::{HttpResponse, web};
use kummerer_contracts::ids::{CarrierContractId, CarrierId};
use kummerer_service::Problem;
use sea_orm::DatabaseConnection;
use serde::Serialize;

use crate::app::contracts::{self as app, ContractError};
use crate::db::carrier_contracts::Contract;
use crate::http::auth::Caller;

#[derive(Debug, Serialize)]
pub struct ContractList {
    pub items: Vec<Contract>,
}

impl From<ContractError> for Problem {
    fn from(e: ContractError) -> Problem {
        match e {
            ContractError::NotFound => Problem::not_found("contract"),
            ContractError::NotOpen(_) => Problem::conflict("contract_not_open", e.to_string()),
            ContractError::Db(e) => e.into(),
        }
    }
}

/// `GET /api/carriers/{cid}/contracts` (the carrier, or the operator) → `{items}`, newest offer
/// first: offers waiting for an answer, active, declined and ended contracts.
pub async fn list(
    db: web::Data<DatabaseConnection>,
    path: web::Path<CarrierId>,
) -> Result<HttpResponse, Problem> {
    let items = app::of_carrier(db.get_ref(), path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(ContractList { items }))
}

/// `POST /api/carriers/{cid}/contracts/{contract_id}/accept` → 200 with the contract, now
/// `active`; the retailer's jobs in its regions and days route to the carrier's crews from now
/// on. 409 `contract_not_open` for a declined or ended one; 404 for another carrier's.
pub async fn accept(
    caller: Caller,
    db: web::Data<DatabaseConnection>,
    path: web::Path<(CarrierId, CarrierContractId)>,
) -> Result<HttpResponse, Problem> {
    answer(caller, db, path, true).await
}

/// `POST /api/carriers/{cid}/contracts/{contract_id}/decline` → 200 with the contract, now
/// `declined`; the retailer is told. 409 `contract_not_open` for an active, ended or declined
/// one.
pub async fn decline(
    caller: Caller,
    db: web::Data<DatabaseConnection>,
    path: web::Path<(CarrierId, CarrierContractId)>,
) -> Result<HttpResponse, Problem> {
    answer(caller, db, path, false).await
}

async fn answer(
    caller: Caller,
    db: web::Data<DatabaseConnection>,
    path: web::Path<(CarrierId, CarrierContractId)>,
    accept: bool,
) -> Result<HttpResponse, Problem> {
    let (carrier_id, contract_id) = path.into_inner();
    let by = match caller {
        Caller::Operator => "the operator",
        Caller::Carrier(_) => "the carrier (API token)",
    };
    let contract = app::answer(db.get_ref(), carrier_id, contract_id, accept, by).await?;
    Ok(HttpResponse::Ok().json(contract))
}
