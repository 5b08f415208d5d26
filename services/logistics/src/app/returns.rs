//! Return shipments: a carrier's crew takes an open shipment to the manufacturer's depot on a
//! day with the units collected so far (the others move to the next open shipment), and the
//! depot signs for it, which tells the manufacturer and the retailer (`ReturnArrivedV1` per
//! unit, in the same transaction). A carrier takes an item out of its pool (a job completed
//! without a carrier in its region); the manufacturer withdraws an item (`withdraw`).
//! Creating return items from the manufacturer's request is the consumer's
//! (`consumers::returns`).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use kummerer_contracts::ids::{CarrierId, CrewId, ShipmentId};
use sea_orm::{DatabaseConnection, DbErr, EntityTrait, QuerySelect, TransactionTrait};
use uuid::Uuid;

use super::{Fields, Invalid};
use crate::db::dispatch;
use crate::db::returns::{self, ItemRow, shipments};
use crate::domain::dispatch::RESCHEDULE_DAYS_AHEAD;
use crate::domain::returns::{
    ItemState, RECEIVED_BY_MAX, ShipmentError, Unit, Withdrawal, check_arrival, check_dispatch,
    withdraw as withdrawal_of,
};
use crate::outbound;

/// Why a shipment could not be dispatched or marked arrived.
#[derive(Debug, thiserror::Error)]
pub enum ReturnError {
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// No such `return shipment` or `crew` (or not the carrier's).
    #[error("no such {0}")]
    NotFound(&'static str),
    /// The shipment's state does not allow it.
    #[error("return shipment {shipment}: {reason}")]
    Refused {
        shipment: ShipmentId,
        reason: ShipmentError,
    },
    #[error("database: {0}")]
    Db(#[from] DbErr),
}

/// A shipment with its units, as an action leaves it.
pub type Shipment = (shipments::Model, Vec<ItemRow>);

/// One of the carrier's crews takes shipment `id` to the depot on `date` (from today to
/// [`RESCHEDULE_DAYS_AHEAD`] days ahead) with the units collected from the customer; the
/// others move to the carrier's next open shipment for that depot and follow. Refused while no
/// unit is collected and once dispatched.
pub async fn dispatch(
    db: &DatabaseConnection,
    carrier_id: CarrierId,
    id: ShipmentId,
    crew_id: CrewId,
    date: NaiveDate,
) -> Result<Shipment, ReturnError> {
    let now = Utc::now();
    let today = now.date_naive();
    let mut v = Fields::new();
    if date < today {
        v.add("date", "must not be in the past");
    } else if date > today + Duration::days(RESCHEDULE_DAYS_AHEAD) {
        v.add(
            "date",
            format!("must be at most {RESCHEDULE_DAYS_AHEAD} days ahead"),
        );
    }
    v.finish()?;
    let txn = db.begin().await?;
    let shipment = returns::lock_shipment_of(&txn, carrier_id.0, id.0)
        .await?
        .ok_or(ReturnError::NotFound("return shipment"))?;
    let crew = dispatch::find_crew_of(&txn, carrier_id.0, crew_id.0)
        .await?
        .ok_or(ReturnError::NotFound("crew"))?;
    let rows = returns::items_of(&txn, &[id.0]).await?;
    let units: Vec<Unit> = rows
        .iter()
        .map(|r| Unit {
            serial: r.item.serial.clone(),
            collected: r.collected_at.is_some(),
        })
        .collect();
    let behind =
        check_dispatch(shipment.status, &units).map_err(|reason| ReturnError::Refused {
            shipment: id,
            reason,
        })?;
    let shipment = returns::set_dispatched(&txn, shipment, crew.id, date, now).await?;
    // Dispatched, the shipment is no longer the open one: the units left behind start the next.
    for &i in &behind {
        returns::move_to_open_shipment(&txn, carrier_id.0, &rows[i].item, now).await?;
    }
    let rows: Vec<ItemRow> = rows
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !behind.contains(i))
        .map(|(_, r)| r)
        .collect();
    txn.commit().await?;
    tracing::info!(shipment.id = %id, carrier.id = %carrier_id, crew.id = %crew.id, units = rows.len(), left_behind = behind.len(), "return shipment dispatched");
    metrics::counter!(crate::metrics::RETURN_SHIPMENTS_DISPATCHED).increment(1);
    Ok((shipment, rows))
}

/// The depot signed for shipment `id`: `ReturnArrivedV1` per unit in the same transaction;
/// refused before the dispatch and after the arrival.
pub async fn arrived(
    db: &DatabaseConnection,
    carrier_id: CarrierId,
    id: ShipmentId,
    received_by: &str,
) -> Result<Shipment, ReturnError> {
    let mut v = Fields::new();
    let received_by = v.text("received_by", received_by, RECEIVED_BY_MAX);
    v.finish()?;
    let now = Utc::now();
    let txn = db.begin().await?;
    let shipment = returns::lock_shipment_of(&txn, carrier_id.0, id.0)
        .await?
        .ok_or(ReturnError::NotFound("return shipment"))?;
    check_arrival(shipment.status).map_err(|reason| ReturnError::Refused {
        shipment: id,
        reason,
    })?;
    let shipment = returns::set_arrived(&txn, shipment, &received_by, now).await?;
    let rows = returns::items_of(&txn, &[id.0]).await?;
    for row in &rows {
        outbound::return_arrived(&txn, &row.item, id.0, &received_by, now).await?;
    }
    txn.commit().await?;
    tracing::info!(shipment.id = %id, carrier.id = %carrier_id, units = rows.len(), "return shipment arrived at the depot");
    metrics::counter!(crate::metrics::RETURN_UNITS_ARRIVED).increment(rows.len() as u64);
    Ok((shipment, rows))
}

/// Why an item could not be taken out of the pool.
#[derive(Debug, thiserror::Error)]
pub enum TakeError {
    /// Not in the carrier's pool (unknown, another region's, taken or withdrawn already).
    #[error("no such return item in the carrier's pool")]
    NotFound,
    #[error("database: {0}")]
    Db(#[from] DbErr),
}

/// The carrier takes item `id` out of its pool (a job completed without a carrier, in a region
/// granted to it): the item joins its open shipment for the item's manufacturer and depot.
/// Lock order as everywhere: the job, then the item, then the shipment.
pub async fn take(
    db: &DatabaseConnection,
    carrier_id: CarrierId,
    id: Uuid,
) -> Result<Shipment, TakeError> {
    let now = Utc::now();
    let txn = db.begin().await?;
    let Some(found) = returns::find_item(&txn, id).await? else {
        return Err(TakeError::NotFound);
    };
    crate::db::jobs::lock(&txn, found.job_id).await?;
    let item = returns::lock_pool_item(&txn, carrier_id.0, id)
        .await?
        .ok_or(TakeError::NotFound)?;
    let sid = returns::move_to_open_shipment(&txn, carrier_id.0, &item, now).await?;
    let shipment = returns::lock_shipment_of(&txn, carrier_id.0, sid)
        .await?
        .ok_or(TakeError::NotFound)?;
    let rows = returns::items_of(&txn, &[sid]).await?;
    txn.commit().await?;
    tracing::info!(item.id = %id, carrier.id = %carrier_id, shipment.id = %sid, "return item taken from the pool");
    Ok((shipment, rows))
}

/// What a withdrawal did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Withdrawn {
    /// The claim has no item (yet).
    NoItem,
    Done(Withdrawal),
}

/// The manufacturer withdrew the return of claim `claim_id` (`reason` as it said): the item
/// leaves its open shipment or the pool; withdrawn before, nothing happens; once its shipment
/// left, the withdrawal is refused and recorded, and the unit arrives. In the caller's
/// transaction; lock order: the job, then the item's shipment, then the item.
pub async fn withdraw<C: sea_orm::ConnectionTrait>(
    txn: &C,
    claim_id: Uuid,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<Withdrawn, DbErr> {
    // The item's shipment is locked before the item; a dispatch may move the item between the
    // read and the locks, then read again.
    for _ in 0..3 {
        let Some(found) = returns::find_of_claim(txn, claim_id).await? else {
            return Ok(Withdrawn::NoItem);
        };
        crate::db::jobs::lock(txn, found.job_id).await?;
        let shipment = match found.shipment_id {
            Some(sid) => shipments::Entity::find_by_id(sid)
                .lock_exclusive()
                .one(txn)
                .await?
                .map(|s| s.status),
            None => None,
        };
        let Some(item) = returns::lock_of_claim(txn, claim_id).await? else {
            return Ok(Withdrawn::NoItem);
        };
        if item.shipment_id != found.shipment_id {
            continue;
        }
        let collected = crate::db::jobs::find(txn, item.job_id)
            .await?
            .and_then(|j| j.collected_at)
            .is_some();
        let state = ItemState::of(item.withdrawn_at.is_some(), shipment, collected);
        let what = withdrawal_of(state);
        match what {
            Withdrawal::Remove => {
                returns::set_withdrawn(txn, item, reason, now).await?;
            }
            Withdrawal::Refused => {
                returns::set_withdrawal_refused(txn, item, now).await?;
            }
            Withdrawal::AlreadyWithdrawn => {}
        }
        return Ok(Withdrawn::Done(what));
    }
    Err(DbErr::Custom(format!(
        "return item of claim {claim_id} kept moving between shipments"
    )))
}
