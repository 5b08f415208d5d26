//! Carrier contracts, the retailer's side (issue 18): find carriers in the directory (the
//! profiles logistics announces), offer a contract (`retailer.carrier_contract.offered.v1`),
//! take the carrier's answer, end a contract (`retailer.carrier_contract.ended.v1`: new jobs
//! stop, jobs on the carrier's crews stay). The JSON API and the desk call these.

use chrono::{DateTime, Utc};
use kummerer_contracts::{
    CarrierContractAcceptedV1, CarrierContractDeclinedV1, CarrierProfilePublishedV1,
};
use sea_orm::{DatabaseConnection, DatabaseTransaction, DbErr, TransactionTrait};
use uuid::Uuid;

use crate::app::actor::Actor;
use crate::db::carrier_contracts::{self as db, Contract, DirectoryCarrier, NewContract, status};
use crate::domain::carrier_contract::{Terms, outside};
use crate::outbound;

/// Most carriers one search answers.
pub const SEARCH_LIMIT: u64 = 50;

#[derive(Debug, thiserror::Error)]
pub enum ContractError {
    #[error("no such retailer")]
    UnknownRetailer,
    #[error("no carrier {0} in the directory")]
    UnknownCarrier(Uuid),
    #[error("no such contract")]
    NotFound,
    /// Prefixes the operator did not grant the carrier.
    #[error("postcode prefixes outside the carrier's regions: {}", .0.join(", "))]
    OutsideRegions(Vec<String>),
    #[error("the contract is {0} already")]
    NotOpen(String),
    #[error("database: {0}")]
    Db(#[from] DbErr),
}

/// Carriers whose name contains `name`.
pub async fn search(db: &DatabaseConnection, name: &str) -> Result<Vec<DirectoryCarrier>, DbErr> {
    db::search(db, name.trim(), SEARCH_LIMIT).await
}

/// Offers carrier `carrier_id` a contract on `terms`: stored `offered` and announced in one
/// transaction. The carrier must be in the directory and the prefixes inside its regions.
pub async fn offer(
    conn: &DatabaseConnection,
    retailer_id: Uuid,
    carrier_id: Uuid,
    terms: Terms,
    actor: &Actor,
) -> Result<Contract, ContractError> {
    let txn = conn.begin().await?;
    let retailer = crate::db::find_retailer(&txn, retailer_id)
        .await?
        .ok_or(ContractError::UnknownRetailer)?;
    let carrier = db::find_carrier(&txn, carrier_id)
        .await?
        .ok_or(ContractError::UnknownCarrier(carrier_id))?;
    let out = outside(&terms.postcode_prefixes, &carrier.regions);
    if !out.is_empty() {
        return Err(ContractError::OutsideRegions(out));
    }
    let new = NewContract {
        id: Uuid::now_v7(),
        retailer_id,
        carrier_id,
        carrier_name: carrier.name.clone(),
        postcode_prefixes: terms.postcode_prefixes,
        weekdays: terms.weekdays,
        daily_capacity: terms.daily_capacity,
        offered_by: actor.label(),
        offered_by_key: actor.key_id(),
        offered_at: Utc::now(),
    };
    db::insert(&txn, &new).await?;
    outbound::carrier_contract_offered(&txn, &new, &retailer.name).await?;
    let contract = db::lock(&txn, new.id, None)
        .await?
        .ok_or(ContractError::NotFound)?;
    txn.commit().await?;
    tracing::info!(retailer.id = %retailer_id, carrier.id = %carrier_id, contract.id = %new.id, "carrier contract offered");
    Ok(contract)
}

/// The retailer's contracts, newest first.
pub async fn of_retailer(
    db: &DatabaseConnection,
    retailer_id: Uuid,
) -> Result<Vec<Contract>, DbErr> {
    db::of_retailer(db, retailer_id).await
}

/// Ends the contract (offered or active): new jobs stop at once in logistics once the message
/// arrives; an ended one stays ended (the same answer again).
pub async fn end(
    conn: &DatabaseConnection,
    retailer_id: Uuid,
    contract_id: Uuid,
    actor: &Actor,
) -> Result<Contract, ContractError> {
    let txn = conn.begin().await?;
    let contract = db::lock(&txn, contract_id, Some(retailer_id))
        .await?
        .ok_or(ContractError::NotFound)?;
    match contract.status.as_str() {
        status::ENDED => return Ok(contract),
        status::DECLINED => return Err(ContractError::NotOpen(contract.status)),
        _ => {}
    }
    let now = Utc::now();
    let by = actor.label();
    db::ended(&txn, contract.id, &by, now).await?;
    outbound::carrier_contract_ended(&txn, &contract, &by, now).await?;
    let contract = db::lock(&txn, contract_id, None)
        .await?
        .ok_or(ContractError::NotFound)?;
    txn.commit().await?;
    tracing::info!(retailer.id = %retailer_id, contract.id = %contract_id, "carrier contract ended");
    Ok(contract)
}

/// A carrier's profile for the directory (the newest wins; an older one changes nothing).
pub async fn profile_published(
    txn: &DatabaseTransaction,
    ev: &CarrierProfilePublishedV1,
) -> Result<(), DbErr> {
    let carrier = DirectoryCarrier {
        carrier_id: ev.carrier_id.as_uuid(),
        name: ev.name.clone(),
        regions: ev.regions.clone(),
        published_at: ev.published_at,
    };
    let stored = db::upsert_carrier(txn, &carrier, Utc::now()).await?;
    tracing::info!(carrier.id = %ev.carrier_id, stored, "carrier profile");
    Ok(())
}

/// Why a carrier's answer cannot be applied.
#[derive(Debug, thiserror::Error)]
pub enum AnswerError {
    /// Not a contract of this service (or of that retailer and carrier): dead-lettered.
    #[error("no contract {0} of that retailer and carrier")]
    Unknown(Uuid),
    #[error("database: {0}")]
    Db(#[from] DbErr),
}

async fn open_contract(
    txn: &DatabaseTransaction,
    id: Uuid,
    retailer_id: Uuid,
    carrier_id: Uuid,
) -> Result<Option<Contract>, AnswerError> {
    let contract = db::lock(txn, id, Some(retailer_id))
        .await?
        .filter(|c| c.carrier_id == carrier_id)
        .ok_or(AnswerError::Unknown(id))?;
    // Only an open offer takes an answer: an ended contract stays ended (the end overtook it).
    Ok((contract.status == status::OFFERED).then_some(contract))
}

/// The carrier consented: the contract is active.
pub async fn accepted(
    txn: &DatabaseTransaction,
    ev: &CarrierContractAcceptedV1,
) -> Result<(), AnswerError> {
    let id = ev.contract_id.as_uuid();
    if let Some(c) =
        open_contract(txn, id, ev.retailer_id.as_uuid(), ev.carrier_id.as_uuid()).await?
    {
        answer(
            txn,
            &c,
            status::ACTIVE,
            Some(&ev.accepted_by),
            None,
            ev.accepted_at,
        )
        .await?;
    }
    Ok(())
}

/// The offer was declined (by the carrier, or for a business reason).
pub async fn declined(
    txn: &DatabaseTransaction,
    ev: &CarrierContractDeclinedV1,
) -> Result<(), AnswerError> {
    let id = ev.contract_id.as_uuid();
    if let Some(c) =
        open_contract(txn, id, ev.retailer_id.as_uuid(), ev.carrier_id.as_uuid()).await?
    {
        let reason = Some((ev.reason.as_str(), ev.detail.as_deref()));
        answer(txn, &c, status::DECLINED, None, reason, ev.declined_at).await?;
    }
    Ok(())
}

async fn answer(
    txn: &DatabaseTransaction,
    c: &Contract,
    to: &str,
    by: Option<&str>,
    reason: Option<(&str, Option<&str>)>,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    db::answered(txn, c.id, to, by, reason, at).await?;
    tracing::info!(contract.id = %c.id, carrier.id = %c.carrier_id, status = to, "carrier answered the contract");
    Ok(())
}
