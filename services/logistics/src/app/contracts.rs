//! Carrier contracts (issue 18): a retailer's offer arrives over the broker; the carrier
//! consents (or declines) with its API token — or the operator on its behalf — and the answer
//! goes back to the retailer; the retailer may end a contract, which stops new jobs only (the
//! jobs on the carrier's crews stay there).
//!
//! Why the carrier's API token and not a dispatcher's page: consent binds the carrier as a
//! company (it will receive the retailer's customers' addresses), which is what its API token
//! stands for — the token the operator issued to the carrier, that already sets up its crews
//! and dispatchers. The operator may answer for a carrier that has no integration.
//!
//! An offer for an unknown carrier, or for postcode prefixes the operator did not grant the
//! carrier, is answered `declined` at once with that reason (a business answer, not a dead
//! letter); a malformed one (bad prefixes, weekdays, capacity) is dead-lettered.

use chrono::Utc;
use kummerer_contracts::ids::{CarrierContractId, CarrierId};
use kummerer_contracts::{CarrierContractEndedV1, CarrierContractOfferedV1};
use sea_orm::{DatabaseConnection, DatabaseTransaction, DbErr, TransactionTrait};
use tokio_util::sync::CancellationToken;

use crate::db::carrier_contracts::{self, Contract, NewContract, status};
use crate::db::{carrier_regions, carriers};
use crate::domain::dispatch::{outside_regions, parse_regions};
use crate::outbound;

/// Why a carrier's answer was refused.
#[derive(Debug, thiserror::Error)]
pub enum ContractError {
    #[error("no such contract")]
    NotFound,
    /// The contract is no longer an open offer (declined or ended); an accepted one may not be
    /// declined.
    #[error("the contract is {0}; only an open offer can be answered")]
    NotOpen(String),
    #[error("database: {0}")]
    Db(#[from] DbErr),
}

/// Why an offer message cannot be applied.
#[derive(Debug, thiserror::Error)]
pub enum OfferError {
    /// Not what the contract allows: dead-lettered.
    #[error("malformed offer {0}: {1}")]
    Malformed(CarrierContractId, String),
    /// The end of a contract this service has not seen offered (yet): retried.
    #[error("contract {0} is not known (yet)")]
    Unknown(CarrierContractId),
    #[error("database: {0}")]
    Db(#[from] DbErr),
}

/// Checks an offer's terms: prefixes (1–10 letters or digits, at least one), ISO weekdays,
/// capacity of at least one.
pub fn check_offer(offer: &CarrierContractOfferedV1) -> Result<NewContract, String> {
    let prefixes = parse_regions(&offer.postcode_prefixes)?;
    if prefixes.is_empty() {
        return Err("no postcode prefix".to_owned());
    }
    if offer.weekdays.iter().any(|d| !(1..=7).contains(d)) {
        return Err("weekdays are 1 (Monday) to 7 (Sunday)".to_owned());
    }
    let mut weekdays: Vec<i32> = offer.weekdays.iter().map(|d| i32::from(*d)).collect();
    weekdays.sort_unstable();
    weekdays.dedup();
    let daily_capacity = match offer.daily_capacity {
        None => None,
        Some(n) => Some(
            i32::try_from(n)
                .ok()
                .filter(|n| *n >= 1)
                .ok_or("daily capacity is at least 1")?,
        ),
    };
    Ok(NewContract {
        id: offer.contract_id.as_uuid(),
        retailer_id: offer.retailer_id.as_uuid(),
        retailer_name: offer.retailer_name.clone(),
        carrier_id: offer.carrier_id.as_uuid(),
        postcode_prefixes: prefixes,
        weekdays,
        daily_capacity,
        offered_at: offer.offered_at,
    })
}

/// Applies an offer in the consumer's transaction: stored `offered` for the carrier to answer,
/// or answered `declined` at once (unknown carrier, prefixes outside its grant). The same offer
/// again changes nothing.
pub async fn offered(
    txn: &DatabaseTransaction,
    offer: &CarrierContractOfferedV1,
) -> Result<(), OfferError> {
    let new = check_offer(offer).map_err(|e| OfferError::Malformed(offer.contract_id, e))?;
    let now = Utc::now();
    if carriers::lock(txn, new.carrier_id).await?.is_none() {
        // Nothing to store (the carrier does not exist); answer once per message.
        outbound::contract_declined(txn, &new, "unknown_carrier", None, now).await?;
        tracing::info!(contract.id = %new.id, carrier.id = %new.carrier_id, "contract offered to an unknown carrier: declined");
        return Ok(());
    }
    let granted = carrier_regions::of(txn, new.carrier_id).await?;
    let outside = outside_regions(&new.postcode_prefixes, &granted);
    let status = if outside.is_empty() {
        status::OFFERED
    } else {
        status::DECLINED
    };
    if !carrier_contracts::insert(txn, &new, status, now).await? {
        tracing::info!(contract.id = %new.id, "contract offer already known; nothing to do");
        return Ok(());
    }
    if !outside.is_empty() {
        let detail = format!(
            "postcode prefixes the operator did not grant the carrier: {}",
            outside.join(", ")
        );
        outbound::contract_declined(txn, &new, "outside_regions", Some(detail), now).await?;
    }
    tracing::info!(contract.id = %new.id, carrier.id = %new.carrier_id, retailer.id = %new.retailer_id, status, "contract offered");
    Ok(())
}

/// Applies the retailer's end of a contract: no new jobs from now on (jobs already on the
/// carrier's crews stay). Ending an ended or declined contract changes nothing.
pub async fn ended(
    txn: &DatabaseTransaction,
    end: &CarrierContractEndedV1,
) -> Result<(), OfferError> {
    let contract = carrier_contracts::lock(txn, end.contract_id.as_uuid())
        .await?
        .ok_or(OfferError::Unknown(end.contract_id))?;
    if contract.status == status::OFFERED || contract.status == status::ACTIVE {
        carrier_contracts::set_status(
            txn,
            contract.id,
            status::ENDED,
            Some(&end.ended_by),
            end.ended_at,
        )
        .await?;
        tracing::info!(contract.id = %contract.id, carrier.id = %contract.carrier_id, "contract ended by the retailer");
    }
    Ok(())
}

/// The carrier's contracts (offers, active, declined, ended), newest offer first.
pub async fn of_carrier(
    db: &DatabaseConnection,
    carrier_id: CarrierId,
) -> Result<Vec<Contract>, ContractError> {
    carriers::find(db, carrier_id.0)
        .await?
        .ok_or(ContractError::NotFound)?;
    Ok(carrier_contracts::of_carrier(db, carrier_id.0).await?)
}

/// The carrier's answer to an offer: `accept` makes it active (jobs route from now on) and tells
/// the retailer; a second identical answer changes nothing.
pub async fn answer(
    db: &DatabaseConnection,
    carrier_id: CarrierId,
    contract_id: CarrierContractId,
    accept: bool,
    by: &str,
) -> Result<Contract, ContractError> {
    let txn = db.begin().await?;
    let contract = carrier_contracts::lock_of_carrier(&txn, carrier_id.0, contract_id.as_uuid())
        .await?
        .ok_or(ContractError::NotFound)?;
    let wanted = if accept {
        status::ACTIVE
    } else {
        status::DECLINED
    };
    if contract.status == wanted {
        return Ok(contract);
    }
    if contract.status != status::OFFERED {
        return Err(ContractError::NotOpen(contract.status));
    }
    let now = Utc::now();
    carrier_contracts::set_status(&txn, contract.id, wanted, Some(by), now).await?;
    if accept {
        outbound::contract_accepted(&txn, &contract, by, now).await?;
    } else {
        let new = NewContract {
            id: contract.id,
            retailer_id: contract.retailer_id,
            retailer_name: contract.retailer_name.clone(),
            carrier_id: contract.carrier_id,
            postcode_prefixes: contract.postcode_prefixes.clone(),
            weekdays: contract.weekdays.clone(),
            daily_capacity: contract.daily_capacity,
            offered_at: contract.offered_at,
        };
        outbound::contract_declined(&txn, &new, "declined", None, now).await?;
    }
    let contract = carrier_contracts::lock(&txn, contract.id)
        .await?
        .ok_or(ContractError::NotFound)?;
    txn.commit().await?;
    tracing::info!(contract.id = %contract.id, carrier.id = %carrier_id, accept, "contract answered");
    Ok(contract)
}

/// Puts the carrier's public profile (name, granted regions) into the outbox of `txn` and
/// records when: retailers keep it in their carrier directory.
pub async fn announce_profile(
    txn: &DatabaseTransaction,
    carrier_id: uuid::Uuid,
) -> Result<(), DbErr> {
    let Some(carrier) = carriers::find(txn, carrier_id).await? else {
        return Ok(());
    };
    let regions = carrier_regions::of(txn, carrier_id).await?;
    let now = Utc::now();
    outbound::carrier_profile(txn, &carrier, regions, now).await?;
    carrier_contracts::mark_announced(txn, carrier_id, now).await
}

/// At start: announces every carrier whose profile was never announced (made before carrier
/// contracts existed), so the retailers' directories know them (retried while it fails; see
/// [`kummerer_service::once_at_start`]).
pub async fn announce_unannounced(db: DatabaseConnection, cancel: CancellationToken) {
    kummerer_service::once_at_start("carrier profiles announced", cancel, || async {
        let txn = db.begin().await?;
        let ids = carrier_contracts::unannounced_carriers(&txn).await?;
        for id in &ids {
            announce_profile(&txn, *id).await?;
        }
        txn.commit().await?;
        Ok(ids.len())
    })
    .await;
}
