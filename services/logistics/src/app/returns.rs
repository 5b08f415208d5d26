//! Return shipments: a carrier's crew takes an open shipment to the manufacturer's depot on a
//! day (when every unit in it is collected), and the depot signs for it, which tells the
//! manufacturer and the retailer (`ReturnArrivedV1` per unit, in the same transaction).
//! Creating return items from the manufacturer's request is the consumer's
//! (`consumers::returns`).

use chrono::{Duration, NaiveDate, Utc};
use kummerer_contracts::ids::{CarrierId, CrewId, ShipmentId};
use sea_orm::{DatabaseConnection, DbErr, TransactionTrait};

use super::{Fields, Invalid};
use crate::db::dispatch;
use crate::db::returns::{self, ItemRow, shipments};
use crate::domain::dispatch::RESCHEDULE_DAYS_AHEAD;
use crate::domain::returns::{RECEIVED_BY_MAX, ShipmentError, Unit, check_arrival, check_dispatch};
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
/// [`RESCHEDULE_DAYS_AHEAD`] days ahead); refused while a unit is still at the customer's and
/// once dispatched.
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
    check_dispatch(shipment.status, &units).map_err(|reason| ReturnError::Refused {
        shipment: id,
        reason,
    })?;
    let shipment = returns::set_dispatched(&txn, shipment, crew.id, date, now).await?;
    txn.commit().await?;
    tracing::info!(shipment.id = %id, carrier.id = %carrier_id, crew.id = %crew.id, units = rows.len(), "return shipment dispatched");
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
