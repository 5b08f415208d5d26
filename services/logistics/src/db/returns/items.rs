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
    /// The manufacturer withdrew it (then it is in no shipment).
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub withdrawal_reason: Option<String>,
    /// A withdrawal came once the unit travelled: it arrives anyway.
    pub withdrawal_refused_at: Option<DateTime<Utc>>,
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
        withdrawn_at: None,
        withdrawal_reason: None,
        withdrawal_refused_at: None,
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
        .filter(items::Column::WithdrawnAt.is_null())
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
        move_to_open_shipment(db, carrier_id, &item, now).await?;
        moved += 1;
    }
    Ok(moved)
}

/// Puts `item` into the open shipment of `carrier_id` for its manufacturer and depot (created
/// if there is none); the open shipment it left is dropped when it holds nothing more.
pub async fn move_to_open_shipment<C: ConnectionTrait>(
    db: &C,
    carrier_id: Uuid,
    item: &items::Model,
    now: DateTime<Utc>,
) -> Result<Uuid, DbErr> {
    let shipment_id = shipments::lock_open_shipment(db, carrier_id, item, now).await?;
    set_shipment(db, item.id, Some(shipment_id)).await?;
    if let Some(left) = item.shipment_id {
        drop_if_empty(db, left).await?;
    }
    Ok(shipment_id)
}

async fn set_shipment<C: ConnectionTrait>(
    db: &C,
    item_id: Uuid,
    shipment_id: Option<Uuid>,
) -> Result<(), DbErr> {
    items::Entity::update_many()
        .col_expr(
            items::Column::ShipmentId,
            sea_orm::sea_query::Expr::value(shipment_id),
        )
        .filter(items::Column::Id.eq(item_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Drops the open shipment `id` when it holds no item.
async fn drop_if_empty<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<(), DbErr> {
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "DELETE FROM return_shipments s WHERE s.id = $1 AND s.status = 'open' \
         AND NOT EXISTS (SELECT 1 FROM return_items i WHERE i.shipment_id = s.id)",
        [id.into()],
    ))
    .await?;
    Ok(())
}

/// The return item of claim `claim_id`, locked until the caller's transaction ends.
pub async fn lock_of_claim<C: ConnectionTrait>(
    db: &C,
    claim_id: Uuid,
) -> Result<Option<items::Model>, DbErr> {
    use sea_orm::QuerySelect;
    items::Entity::find()
        .filter(items::Column::ClaimId.eq(claim_id))
        .lock_exclusive()
        .one(db)
        .await
}

/// Return item `id`.
pub async fn find_item<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
) -> Result<Option<items::Model>, DbErr> {
    items::Entity::find_by_id(id).one(db).await
}

/// The return item of claim `claim_id`.
pub async fn find_of_claim<C: ConnectionTrait>(
    db: &C,
    claim_id: Uuid,
) -> Result<Option<items::Model>, DbErr> {
    items::Entity::find()
        .filter(items::Column::ClaimId.eq(claim_id))
        .one(db)
        .await
}

/// Takes `item` (locked by the caller) out of its shipment as withdrawn for `reason`; the open
/// shipment it left is dropped when it holds nothing more.
pub async fn set_withdrawn<C: ConnectionTrait>(
    db: &C,
    item: items::Model,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<items::Model, DbErr> {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    let left = item.shipment_id;
    let mut active: items::ActiveModel = item.into();
    active.shipment_id = Set(None);
    active.withdrawn_at = Set(Some(now));
    active.withdrawal_reason = Set(Some(reason.to_owned()));
    let item = active.update(db).await?;
    if let Some(left) = left {
        drop_if_empty(db, left).await?;
    }
    Ok(item)
}

/// Records that a withdrawal of `item` came once its unit travelled (the first time only).
pub async fn set_withdrawal_refused<C: ConnectionTrait>(
    db: &C,
    item: items::Model,
    now: DateTime<Utc>,
) -> Result<items::Model, DbErr> {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    if item.withdrawal_refused_at.is_some() {
        return Ok(item);
    }
    let mut active: items::ActiveModel = item.into();
    active.withdrawal_refused_at = Set(Some(now));
    active.update(db).await
}

/// SQL: the pool — items in no shipment, not withdrawn, whose job has no carrier and was
/// completed (the unit is collected), where the carrier `$1` serves the job's retailer (granted
/// and contracted).
fn pool_sql(extra: &str) -> String {
    format!(
        "SELECT i.* FROM return_items i JOIN jobs ON jobs.id = i.job_id \
         WHERE i.shipment_id IS NULL AND i.withdrawn_at IS NULL AND jobs.carrier_id IS NULL \
         AND jobs.collected_at IS NOT NULL AND {} {extra}",
        crate::db::carrier_contracts::serves_sql(
            "$1",
            "jobs.retailer_id",
            crate::db::dispatch::POSTCODE_KEY_SQL,
            None
        )
    )
}

/// The pool of carrier `carrier_id`: the items waiting for a carrier granted their job's
/// postcode, oldest request first; at most [`crate::domain::LIST_LIMIT`].
pub async fn pool_of_carrier<C: ConnectionTrait>(
    db: &C,
    carrier_id: Uuid,
) -> Result<Vec<ItemRow>, DbErr> {
    let items = items::Entity::find()
        .from_raw_sql(Statement::from_sql_and_values(
            DbBackend::Postgres,
            pool_sql(&format!(
                "ORDER BY i.requested_at, i.id LIMIT {}",
                crate::domain::LIST_LIMIT
            )),
            [carrier_id.into()],
        ))
        .all(db)
        .await?;
    with_collection(db, items).await
}

/// Item `id` of the pool of carrier `carrier_id`, locked until the caller's transaction ends.
pub async fn lock_pool_item<C: ConnectionTrait>(
    db: &C,
    carrier_id: Uuid,
    id: Uuid,
) -> Result<Option<items::Model>, DbErr> {
    items::Entity::find()
        .from_raw_sql(Statement::from_sql_and_values(
            DbBackend::Postgres,
            pool_sql("AND i.id = $2 FOR UPDATE OF i"),
            [carrier_id.into(), id.into()],
        ))
        .one(db)
        .await
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
    with_collection(db, items).await
}

/// The items with their job's collection time.
async fn with_collection<C: ConnectionTrait>(
    db: &C,
    items: Vec<items::Model>,
) -> Result<Vec<ItemRow>, DbErr> {
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
