//! Partner links with manufacturers (issue 18): a retailer admin invites a manufacturer found by
//! name in the directory, answers its invitation, or unlinks; the manufacturer's actions arrive
//! over the broker. Both copies of a link move by the one rule
//! [`PartnerState::after`](kummerer_contracts::PartnerState::after). Only linked partners
//! exchange claims (checked at the counter, [`crate::app::approve`]) and agreements; an agreement
//! version takes effect only once a retailer admin accepted it ([`accept_agreement`]).

use chrono::{DateTime, Utc};
use kummerer_contracts::{
    AgreementAcceptedV1, LinkRefused, ManufacturerId, ManufacturerPartnerChangedV1, PartnerAction,
    PartnerState, RetailerId, RetailerPartnerChangedV1, RetailerProfileV1, Side,
};
use kummerer_messaging::{enqueue, profiles};
use kummerer_service::once_at_start;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, TransactionTrait};
use uuid::Uuid;

use crate::db::{self, partners};

#[derive(Debug, thiserror::Error)]
pub enum PartnerError {
    /// No such retailer, or a manufacturer the directory does not know.
    #[error("no such manufacturer")]
    UnknownManufacturer,
    /// The action does not fit the link's state.
    #[error("{}", .0.words())]
    Refused(LinkRefused),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Does `action` on the retailer's link with the manufacturer, as `acted_by` (a retailer
/// admin, from the credential), and tells the manufacturer (`retailer.partner.changed.v1`), in
/// one transaction. Returns the new state.
pub async fn act(
    db: &DatabaseConnection,
    retailer_id: RetailerId,
    manufacturer_id: ManufacturerId,
    action: PartnerAction,
    acted_by: &str,
    now: DateTime<Utc>,
) -> Result<PartnerState, PartnerError> {
    let (rid, mid) = (retailer_id.as_uuid(), manufacturer_id.as_uuid());
    let txn = db.begin().await?;
    let retailer = db::find_retailer(&txn, rid)
        .await?
        .ok_or(PartnerError::UnknownManufacturer)?;
    if partners::manufacturer_name(&txn, mid).await?.is_none() {
        return Err(PartnerError::UnknownManufacturer);
    }
    let current = partners::lock_link(&txn, rid, mid)
        .await?
        .unwrap_or(PartnerState::None);
    let next = current
        .after(Side::Retailer, action)
        .map_err(PartnerError::Refused)?;
    partners::write_link(&txn, (rid, mid), next, (Side::Retailer, acted_by), now).await?;
    enqueue(
        &txn,
        RetailerPartnerChangedV1 {
            retailer_id,
            retailer_name: retailer.name,
            manufacturer_id,
            action,
            acted_by: acted_by.to_owned(),
            acted_at: now,
        },
    )
    .await?;
    txn.commit().await?;
    tracing::info!(retailer.id = %rid, manufacturer.id = %mid, ?action, state = next.as_str(),
        "partner link changed");
    Ok(next)
}

/// Applies the manufacturer's action to the retailer's copy of the link (the consumer's
/// transaction). Its profile rides along into the directory. An action that does not fit the
/// local state (a redelivery under a new id, a crossing) changes nothing: `false`.
pub async fn apply_remote<C: ConnectionTrait>(
    txn: &C,
    ev: &ManufacturerPartnerChangedV1,
) -> Result<bool, DbErr> {
    let (rid, mid) = (ev.retailer_id.as_uuid(), ev.manufacturer_id.as_uuid());
    partners::upsert_directory(txn, mid, &ev.manufacturer_name, ev.acted_at).await?;
    let current = partners::lock_link(txn, rid, mid)
        .await?
        .unwrap_or(PartnerState::None);
    match current.after(Side::Manufacturer, ev.action) {
        Ok(next) => {
            let who = (Side::Manufacturer, ev.acted_by.as_str());
            partners::write_link(txn, (rid, mid), next, who, ev.acted_at).await?;
            tracing::info!(retailer.id = %rid, manufacturer.id = %mid, action = ?ev.action,
                state = next.as_str(), "partner link changed by the manufacturer");
            Ok(true)
        }
        Err(why) => {
            tracing::info!(retailer.id = %rid, manufacturer.id = %mid, action = ?ev.action,
                state = current.as_str(), why = why.code(), "manufacturer's link action ignored");
            Ok(false)
        }
    }
}

/// Announces a retailer's public profile (id, name and country: the VAT of its credit notes)
/// in the caller's transaction.
pub async fn announce<C: ConnectionTrait>(
    txn: &C,
    retailer_id: Uuid,
    name: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    enqueue(
        txn,
        RetailerProfileV1 {
            retailer_id: RetailerId(retailer_id),
            name: name.to_owned(),
            announced_at: now,
            country: crate::db::retailers::country(txn, retailer_id).await?,
        },
    )
    .await?;
    profiles::mark_announced(txn, "retailers", retailer_id, now).await
}

/// Announces every retailer not announced yet (those from before issue 18); run at start.
pub async fn announce_unannounced(db: &DatabaseConnection) -> Result<usize, DbErr> {
    let txn = db.begin().await?;
    let todo = profiles::unannounced(&txn, "retailers").await?;
    let now = Utc::now();
    for (id, name) in &todo {
        announce(&txn, *id, name, now).await?;
    }
    txn.commit().await?;
    Ok(todo.len())
}

#[derive(Debug, thiserror::Error)]
pub enum AcceptError {
    #[error("no such agreement version")]
    NotFound,
    #[error("this version is already accepted")]
    AlreadyAccepted,
    /// The manufacturer is not (or no longer) a linked partner.
    #[error("the manufacturer is not a linked partner")]
    NotLinked,
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// A retailer admin accepts a version of an agreement: from now on it takes effect (at the
/// counter, for claims) from its `valid_from`; the manufacturer is told
/// (`retailer.agreement.accepted.v1`) in the same transaction.
pub async fn accept_agreement(
    db: &DatabaseConnection,
    retailer_id: RetailerId,
    (agreement_id, version): (Uuid, i32),
    accepted_by: &str,
    now: DateTime<Utc>,
) -> Result<(), AcceptError> {
    let rid = retailer_id.as_uuid();
    let txn = db.begin().await?;
    let v = partners::lock_version(&txn, rid, agreement_id, version)
        .await?
        .ok_or(AcceptError::NotFound)?;
    if v.accepted_at.is_some() {
        return Err(AcceptError::AlreadyAccepted);
    }
    if !partners::is_linked(&txn, rid, v.manufacturer_id).await? {
        return Err(AcceptError::NotLinked);
    }
    partners::mark_accepted(&txn, (rid, agreement_id, version), accepted_by, now).await?;
    enqueue(
        &txn,
        AgreementAcceptedV1 {
            agreement_id: agreement_id.into(),
            version: u32::try_from(version).unwrap_or(0),
            retailer_id,
            manufacturer_id: v.manufacturer_id.into(),
            accepted_by: accepted_by.to_owned(),
            accepted_at: now,
        },
    )
    .await?;
    txn.commit().await?;
    tracing::info!(retailer.id = %rid, agreement.id = %agreement_id, agreement.version = version,
        "agreement version accepted");
    Ok(())
}

/// The start's announcement of the retailers from before issue 18 (see
/// [`announce_unannounced`]), retried every 10 s while the database fails; then it waits for
/// the shutdown.
pub async fn announce_at_start(
    db: DatabaseConnection,
    cancel: tokio_util::sync::CancellationToken,
) {
    once_at_start("retailer profiles announced", cancel, || {
        announce_unannounced(&db)
    })
    .await;
}
