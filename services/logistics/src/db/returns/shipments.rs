//! `return_shipments`: one trip from a carrier's depot to a manufacturer's depot.
use chrono::NaiveDate;
use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::Set, DbBackend, QueryOrder, QuerySelect, Statement};

use super::{items, shipments};
use crate::domain::LIST_LIMIT;
use crate::domain::returns::ShipmentStatus;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "return_shipments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub carrier_id: Uuid,
    pub manufacturer_id: Uuid,
    pub depot_id: Uuid,
    pub depot_name: String,
    /// `kummerer_contracts::Address`.
    #[sea_orm(column_type = "JsonBinary")]
    pub depot_address: Json,
    pub status: crate::domain::returns::ShipmentStatus,
    pub crew_id: Option<Uuid>,
    pub ship_date: Option<Date>,
    pub dispatched_at: Option<DateTime<Utc>>,
    pub arrived_at: Option<DateTime<Utc>>,
    pub received_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// The open shipment of the carrier for the item's manufacturer and depot, created if there is
/// none, and locked until the caller's transaction ends.
pub(super) async fn lock_open_shipment<C: ConnectionTrait>(
    db: &C,
    carrier_id: Uuid,
    item: &items::Model,
    now: DateTime<Utc>,
) -> Result<Uuid, DbErr> {
    // A shipment dispatched between the insert and the lock is skipped: then try again.
    for _ in 0..3 {
        db.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO return_shipments (id, carrier_id, manufacturer_id, depot_id, depot_name, \
             depot_address, status, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $7) \
             ON CONFLICT (carrier_id, manufacturer_id, depot_id) WHERE status = 'open' DO NOTHING",
            [
                Uuid::now_v7().into(),
                carrier_id.into(),
                item.manufacturer_id.into(),
                item.depot_id.into(),
                item.depot_name.clone().into(),
                item.depot_address.clone().into(),
                now.into(),
            ],
        ))
        .await?;
        let open = shipments::Entity::find()
            .filter(shipments::Column::CarrierId.eq(carrier_id))
            .filter(shipments::Column::ManufacturerId.eq(item.manufacturer_id))
            .filter(shipments::Column::DepotId.eq(item.depot_id))
            .filter(shipments::Column::Status.eq(ShipmentStatus::Open))
            .lock_exclusive()
            .one(db)
            .await?;
        if let Some(open) = open {
            return Ok(open.id);
        }
    }
    Err(DbErr::Custom(format!(
        "no open return shipment could be taken for carrier {carrier_id}"
    )))
}

/// A carrier's shipments, optionally of one status, newest first; at most [`LIST_LIMIT`].
pub async fn shipments_of_carrier<C: ConnectionTrait>(
    db: &C,
    carrier_id: Uuid,
    status: Option<ShipmentStatus>,
) -> Result<Vec<shipments::Model>, DbErr> {
    let mut query = shipments::Entity::find().filter(shipments::Column::CarrierId.eq(carrier_id));
    if let Some(status) = status {
        query = query.filter(shipments::Column::Status.eq(status));
    }
    query
        .order_by_desc(shipments::Column::CreatedAt)
        .order_by_desc(shipments::Column::Id)
        .limit(LIST_LIMIT)
        .all(db)
        .await
}

/// The carrier's shipment `id`, locked until the caller's transaction ends (another carrier's
/// is unknown).
pub async fn lock_shipment_of<C: ConnectionTrait>(
    db: &C,
    carrier_id: Uuid,
    id: Uuid,
) -> Result<Option<shipments::Model>, DbErr> {
    shipments::Entity::find_by_id(id)
        .filter(shipments::Column::CarrierId.eq(carrier_id))
        .lock_exclusive()
        .one(db)
        .await
}

/// The carrier's shipment `id` (another carrier's is unknown).
pub async fn find_shipment_of<C: ConnectionTrait>(
    db: &C,
    carrier_id: Uuid,
    id: Uuid,
) -> Result<Option<shipments::Model>, DbErr> {
    shipments::Entity::find_by_id(id)
        .filter(shipments::Column::CarrierId.eq(carrier_id))
        .one(db)
        .await
}

/// Sends the shipment with `crew_id` on `date`.
pub async fn set_dispatched<C: ConnectionTrait>(
    db: &C,
    shipment: shipments::Model,
    crew_id: Uuid,
    date: NaiveDate,
    now: DateTime<Utc>,
) -> Result<shipments::Model, DbErr> {
    use sea_orm::ActiveModelTrait;
    let mut active: shipments::ActiveModel = shipment.into();
    active.status = Set(ShipmentStatus::Dispatched);
    active.crew_id = Set(Some(crew_id));
    active.ship_date = Set(Some(date));
    active.dispatched_at = Set(Some(now));
    active.updated_at = Set(now);
    active.update(db).await
}

/// Records the shipment's arrival at the depot.
pub async fn set_arrived<C: ConnectionTrait>(
    db: &C,
    shipment: shipments::Model,
    received_by: &str,
    now: DateTime<Utc>,
) -> Result<shipments::Model, DbErr> {
    use sea_orm::ActiveModelTrait;
    let mut active: shipments::ActiveModel = shipment.into();
    active.status = Set(ShipmentStatus::Arrived);
    active.arrived_at = Set(Some(now));
    active.received_by = Set(Some(received_by.to_owned()));
    active.updated_at = Set(now);
    active.update(db).await
}

/// The shipments a crew takes to a manufacturer's depot on `date` (dispatched or arrived).
pub async fn crew_trips<C: ConnectionTrait>(
    db: &C,
    crew_id: Uuid,
    date: NaiveDate,
) -> Result<Vec<shipments::Model>, DbErr> {
    shipments::Entity::find()
        .filter(shipments::Column::CrewId.eq(crew_id))
        .filter(shipments::Column::ShipDate.eq(date))
        .order_by_asc(shipments::Column::DispatchedAt)
        .order_by_asc(shipments::Column::Id)
        .limit(LIST_LIMIT)
        .all(db)
        .await
}
