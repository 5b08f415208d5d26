//! Partner links with retailers (issue 18). The manufacturer (its API key) invites a retailer
//! found by name in the directory, answers a retailer's invitation, or unlinks; the retailer's
//! actions, its profile and its acceptance of agreement versions arrive on the claims queue.
//! Both copies of a link move by the one rule [`PartnerState::after`]. Only linked partners
//! exchange agreements (refused at the API) and claims (answered `not_linked`).

use chrono::{DateTime, Utc};
use kummerer_contracts::{
    AgreementAcceptedV1, LinkRefused, ManufacturerId, ManufacturerPartnerChangedV1,
    ManufacturerProfileV1, PartnerAction, PartnerState, RetailerId, RetailerPartnerChangedV1, Side,
};
use kummerer_messaging::{HandleError, enqueue, profiles};
use kummerer_service::once_at_start;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, TransactionTrait};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::db::{manufacturer, partners};

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    /// A retailer whose profile never arrived, and no link with it.
    #[error("no such retailer")]
    UnknownRetailer,
    #[error("{}", .0.words())]
    Refused(LinkRefused),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// The manufacturer does `action` on its link with the retailer, as `acted_by` (its API key),
/// and tells the retailer (`manufacturer.partner.changed.v1`), in the caller's transaction.
pub async fn act<C: ConnectionTrait>(
    txn: &C,
    (manufacturer_id, retailer_id): (ManufacturerId, RetailerId),
    action: PartnerAction,
    acted_by: &str,
    now: DateTime<Utc>,
) -> Result<PartnerState, LinkError> {
    let (mid, rid) = (manufacturer_id.as_uuid(), retailer_id.as_uuid());
    let me = manufacturer::find(txn, mid)
        .await?
        .ok_or(LinkError::UnknownRetailer)?;
    let current = partners::lock(txn, mid, rid).await?;
    if current == PartnerState::None && !partners::retailer_known(txn, rid).await? {
        return Err(LinkError::UnknownRetailer);
    }
    let next = current
        .after(Side::Manufacturer, action)
        .map_err(LinkError::Refused)?;
    partners::store(txn, (mid, rid), next, Side::Manufacturer, acted_by, now).await?;
    enqueue(
        txn,
        ManufacturerPartnerChangedV1 {
            manufacturer_id,
            manufacturer_name: me.name,
            retailer_id,
            action,
            acted_by: acted_by.to_owned(),
            acted_at: now,
        },
    )
    .await?;
    tracing::info!(manufacturer.id = %mid, retailer.id = %rid, ?action, state = next.as_str(),
        "partner link changed");
    Ok(next)
}

/// `retailer.partner.changed.v1`: the retailer's action on the manufacturer's copy. A link for
/// a manufacturer this service does not know is dead-lettered; an action that does not fit the
/// state changes nothing.
pub async fn retailer_acted<C: ConnectionTrait>(
    txn: &C,
    ev: &RetailerPartnerChangedV1,
) -> Result<(), HandleError> {
    let (mid, rid) = (ev.manufacturer_id.as_uuid(), ev.retailer_id.as_uuid());
    if !manufacturer::exists(txn, mid).await? {
        return Err(HandleError::Permanent(format!("no manufacturer {mid}")));
    }
    partners::remember_retailer(txn, rid, &ev.retailer_name, None, ev.acted_at).await?;
    let current = partners::lock(txn, mid, rid).await?;
    match current.after(Side::Retailer, ev.action) {
        Ok(next) => {
            let at = ev.acted_at;
            partners::store(txn, (mid, rid), next, Side::Retailer, &ev.acted_by, at).await?;
            tracing::info!(manufacturer.id = %mid, retailer.id = %rid, action = ?ev.action,
                state = next.as_str(), "partner link changed by the retailer");
        }
        Err(why) => {
            tracing::info!(manufacturer.id = %mid, retailer.id = %rid, action = ?ev.action,
                state = current.as_str(), why = why.code(), "retailer's link action ignored");
        }
    }
    Ok(())
}

/// `retailer.agreement.accepted.v1`: the version takes effect for claims from its
/// `valid_from`. A version of another pair, or one this service does not hold, is
/// dead-lettered; a second acceptance changes nothing.
pub async fn version_accepted<C: ConnectionTrait>(
    txn: &C,
    ev: &AgreementAcceptedV1,
) -> Result<(), HandleError> {
    let pair = (ev.manufacturer_id.as_uuid(), ev.retailer_id.as_uuid());
    let version = i32::try_from(ev.version).unwrap_or(0);
    let which = (ev.agreement_id.as_uuid(), version);
    if partners::version_accepted(txn, pair, which, &ev.accepted_by, ev.accepted_at).await? {
        tracing::info!(agreement.id = %ev.agreement_id, agreement.version = ev.version,
            "agreement version accepted by the retailer: in force from its valid_from");
        return Ok(());
    }
    match crate::db::agreement_version::find(txn, which.0, version).await? {
        Some(_) => Ok(()),
        None => Err(HandleError::Permanent(format!(
            "no version {} of agreement {} between manufacturer {} and retailer {}",
            ev.version, ev.agreement_id, ev.manufacturer_id, ev.retailer_id
        ))),
    }
}

/// Announces a manufacturer's public profile in the caller's transaction.
pub async fn announce<C: ConnectionTrait>(
    txn: &C,
    manufacturer_id: Uuid,
    name: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    enqueue(
        txn,
        ManufacturerProfileV1 {
            manufacturer_id: ManufacturerId(manufacturer_id),
            name: name.to_owned(),
            announced_at: now,
        },
    )
    .await?;
    profiles::mark_announced(txn, "manufacturers", manufacturer_id, now).await
}

async fn announce_unannounced(db: &DatabaseConnection) -> Result<usize, DbErr> {
    let txn = db.begin().await?;
    let todo = profiles::unannounced(&txn, "manufacturers").await?;
    let now = crate::db::now();
    for (id, name) in &todo {
        announce(&txn, *id, name, now).await?;
    }
    txn.commit().await?;
    Ok(todo.len())
}

/// At start: announces the manufacturers from before issue 18 (retried every 10 s while the
/// database fails), then waits for the shutdown.
pub async fn announce_at_start(db: DatabaseConnection, cancel: CancellationToken) {
    once_at_start("manufacturer profiles announced", cancel, || {
        announce_unannounced(&db)
    })
    .await;
}
