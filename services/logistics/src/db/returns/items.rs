//! `return_items`: one unit the manufacturer wants back (one per claim).
use chrono::{DateTime, Utc};
use kummerer_contracts::ReturnRequestedV1;
use sea_orm::entity::prelude::*;
use sea_orm::{DbBackend, QueryOrder, Statement, TryInsertResult};

use super::{items, shipments};
use crate::db::jobs;
use crate::domain::returns::ShipmentStatus;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "return_items")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub claim_id: Uuid,
    pub swap_id: Uuid,
    pub case_id: Uuid,
    pub retailer_id: Uuid,
    pub manufacturer_id: Uuid,
    pub job_id: Uuid,
    pub serial: String,
    pub product_sku: String,
    pub product_name: String,
    pub depot_id: Uuid,
    pub depot_name: String,
    #[sea_orm(column_type = "JsonBinary")]
    pub depot_address: Json,
    pub return_by: DateTime<Utc>,
    pub freight_paid_by: String,
    pub requested_at: DateTime<Utc>,
    pub shipment_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Adds the return item of a request for the unit of `job`, unless the claim has one already.
/// Returns the new item.
pub async fn insert_item<C: ConnectionTrait>(
    db: &C,
    req: &ReturnRequestedV1,
    job: &jobs::Model,
    now: DateTime<Utc>,
) -> Result<Option<items::Model>, DbErr> {
    let address = serde_json::to_value(&req.depot.address)
        .map_err(|e| DbErr::Custom(format!("depot address: {e}")))?;
    let item = items::Model {
        id: Uuid::now_v7(),
        claim_id: req.claim_id.as_uuid(),
        swap_id: req.swap_id.as_uuid(),
        case_id: req.case_id.as_uuid(),
        retailer_id: req.retailer_id.as_uuid(),
        manufacturer_id: req.manufacturer_id.as_uuid(),
        job_id: job.id,
        serial: req.serial.clone(),
        product_sku: req.product.sku.clone(),
        product_name: req.product.name.clone(),
        depot_id: req.depot.depot_id.as_uuid(),
        depot_name: req.depot.name.clone(),
        depot_address: address,
        return_by: req.return_by,
        freight_paid_by: req.freight_paid_by.as_str().to_owned(),
        requested_at: req.requested_at,
        shipment_id: None,
        created_at: now,
    };
    let active: items::ActiveModel = item.clone().into();
    let result = items::Entity::insert(active)
        .on_conflict_do_nothing_on([items::Column::ClaimId])
        .exec_without_returning(db)
        .await?;
    Ok(match result {
        TryInsertResult::Inserted(n) if n > 0 => Some(item),
        _ => None,
    })
}

/// Puts the return items of `job` (held locked by the caller) into the open shipment of the
/// job's carrier for their manufacturer and depot: the items not in a shipment yet, and those
/// in another carrier's open shipment (the job was moved to another carrier). Returns how many
/// items moved. A job without a carrier keeps its items waiting.
pub async fn place_items_of_job<C: ConnectionTrait>(
    db: &C,
    job: &jobs::Model,
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let Some(carrier_id) = job.carrier_id else {
        return Ok(0);
    };
    let items = items::Entity::find()
        .filter(items::Column::JobId.eq(job.id))
        .order_by_asc(items::Column::Id)
        .all(db)
        .await?;
    let mut moved = 0;
    for item in items {
        if let Some(current) = item.shipment_id {
            let shipment = shipments::Entity::find_by_id(current).one(db).await?;
            let stays = shipment
                .is_none_or(|s| s.status != ShipmentStatus::Open || s.carrier_id == carrier_id);
            if stays {
                continue;
            }
        }
        let shipment_id = shipments::lock_open_shipment(db, carrier_id, &item, now).await?;
        items::Entity::update_many()
            .col_expr(
                items::Column::ShipmentId,
                sea_orm::sea_query::Expr::value(shipment_id),
            )
            .filter(items::Column::Id.eq(item.id))
            .exec(db)
            .await?;
        if let Some(left) = item.shipment_id {
            // The shipment the item left: dropped when it holds nothing more.
            db.execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "DELETE FROM return_shipments s WHERE s.id = $1 AND s.status = 'open' \
                 AND NOT EXISTS (SELECT 1 FROM return_items i WHERE i.shipment_id = s.id)",
                [left.into()],
            ))
            .await?;
        }
        moved += 1;
    }
    Ok(moved)
}

/// A unit of a shipment with whether its job collected it.
#[derive(Debug, Clone)]
pub struct ItemRow {
    pub item: items::Model,
    pub collected_at: Option<DateTime<Utc>>,
}

/// The items of the shipments, with their collection time, in the order they were requested.
pub async fn items_of<C: ConnectionTrait>(
    db: &C,
    shipment_ids: &[Uuid],
) -> Result<Vec<ItemRow>, DbErr> {
    if shipment_ids.is_empty() {
        return Ok(Vec::new());
    }
    let items = items::Entity::find()
        .filter(items::Column::ShipmentId.is_in(shipment_ids.iter().copied()))
        .order_by_asc(items::Column::CreatedAt)
        .order_by_asc(items::Column::Id)
        .all(db)
        .await?;
    let job_ids: Vec<Uuid> = items.iter().map(|i| i.job_id).collect();
    let jobs: std::collections::HashMap<Uuid, Option<DateTime<Utc>>> = jobs::Entity::find()
        .filter(jobs::Column::Id.is_in(job_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|j| (j.id, j.collected_at))
        .collect();
    Ok(items
        .into_iter()
        .map(|item| ItemRow {
            collected_at: jobs.get(&item.job_id).copied().flatten(),
            item,
        })
        .collect())
}
