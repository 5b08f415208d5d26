//! `jobs`: one delivery-and-collection visit per approved swap.

use chrono::{DateTime, Utc};
use kummerer_contracts::SwapApprovedV1;
use sea_orm::entity::prelude::*;
use sea_orm::{QueryOrder, QuerySelect, TryInsertResult};

use crate::domain::{JobStatus, LIST_LIMIT};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "jobs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub swap_id: Uuid,
    pub case_id: Uuid,
    pub retailer_id: Uuid,
    pub deliver_sku: String,
    pub deliver_name: String,
    pub collect_serial: String,
    pub collect_sku: String,
    pub address_name: String,
    pub address_phone: String,
    pub address_street: String,
    pub address_postcode: String,
    pub address_city: String,
    pub address_country: String,
    pub window_start: DateTime<Utc>,
    pub window_end: DateTime<Utc>,
    pub status: crate::domain::JobStatus,
    pub attempts: i32,
    pub delivered_serial: Option<String>,
    pub collected_serial: Option<String>,
    pub collected_serial_matches: Option<bool>,
    pub recipient_name: Option<String>,
    pub failure_reason: Option<kummerer_contracts::FailureReason>,
    pub failure_note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    /// The carrier of the crew the job is assigned to.
    pub carrier_id: Option<Uuid>,
    pub crew_id: Option<Uuid>,
    /// The date of `window_start` in UTC.
    pub visit_date: Option<Date>,
    /// Order of the visit within its crew's day, from 1.
    pub position: Option<i32>,
    /// Set off to the customer on the current attempt (cleared by a failed attempt).
    pub on_the_way_at: Option<DateTime<Utc>>,
    /// The crew's estimate of its arrival, where it gave one.
    pub eta: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub collected_at: Option<DateTime<Utc>>,
    /// Where the crew picks the replacement up (`kummerer_contracts::StockPickup`), if given.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub replacement_from: Option<Json>,
    /// The overdue wait escalated last (`crate::domain::overdue::OverdueKind`), when, and to
    /// whom (`dispatchers`, `operator`).
    pub escalated_for: Option<String>,
    pub escalated_at: Option<DateTime<Utc>>,
    pub escalated_to: Option<String>,
    /// When the job was cancelled on the retailer's request (`status = cancelled`).
    pub cancelled_at: Option<DateTime<Utc>>,
    pub cancel_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Creates the job for `swap` unless the swap already has one (`ON CONFLICT (swap_id) DO
/// NOTHING`). Returns the new job, or `None` when it existed.
pub async fn insert_for_swap<C: ConnectionTrait>(
    db: &C,
    swap: &SwapApprovedV1,
    now: DateTime<Utc>,
) -> Result<Option<Model>, DbErr> {
    let addr = &swap.delivery_address;
    let job = Model {
        id: Uuid::now_v7(),
        swap_id: swap.swap_id.as_uuid(),
        case_id: swap.case_id.as_uuid(),
        retailer_id: swap.retailer_id.as_uuid(),
        deliver_sku: swap.replacement_product.sku.clone(),
        deliver_name: swap.replacement_product.name.clone(),
        collect_serial: swap.defective_serial.clone(),
        collect_sku: swap.defective_product.sku.clone(),
        address_name: addr.name.clone(),
        address_phone: addr.phone.clone(),
        address_street: addr.street.clone(),
        address_postcode: addr.postcode.clone(),
        address_city: addr.city.clone(),
        address_country: addr.country.clone(),
        window_start: swap.window.start,
        window_end: swap.window.end,
        status: JobStatus::Scheduled,
        attempts: 0,
        delivered_serial: None,
        collected_serial: None,
        collected_serial_matches: None,
        recipient_name: None,
        failure_reason: None,
        failure_note: None,
        created_at: now,
        updated_at: now,
        completed_at: None,
        carrier_id: None,
        crew_id: None,
        visit_date: Some(crate::domain::dispatch::visit_date(swap.window.start)),
        position: None,
        on_the_way_at: None,
        eta: None,
        delivered_at: None,
        collected_at: None,
        replacement_from: swap
            .replacement_from
            .as_ref()
            .map(serde_json::to_value)
            .transpose()
            .map_err(|e| DbErr::Custom(format!("replacement_from: {e}")))?,
        escalated_for: None,
        escalated_at: None,
        escalated_to: None,
        cancelled_at: None,
        cancel_reason: None,
    };
    let active: ActiveModel = job.clone().into();
    let result = Entity::insert(active)
        .on_conflict_do_nothing_on([Column::SwapId])
        .exec_without_returning(db)
        .await?;
    Ok(match result {
        TryInsertResult::Inserted(n) if n > 0 => Some(job),
        _ => None,
    })
}

/// Jobs by window, optionally of one status and/or one retailer, and only those on the crews of
/// `carrier` when given; at most [`LIST_LIMIT`].
pub async fn list<C: ConnectionTrait>(
    db: &C,
    status: Option<JobStatus>,
    retailer_id: Option<Uuid>,
    carrier: Option<Uuid>,
) -> Result<Vec<Model>, DbErr> {
    let mut query = Entity::find();
    if let Some(carrier) = carrier {
        query = query.filter(super::dispatch::assigned_to_carrier(carrier));
    }
    if let Some(status) = status {
        query = query.filter(Column::Status.eq(status));
    }
    if let Some(retailer_id) = retailer_id {
        query = query.filter(Column::RetailerId.eq(retailer_id));
    }
    query
        .order_by_asc(Column::WindowStart)
        .order_by_asc(Column::Id)
        .limit(LIST_LIMIT)
        .all(db)
        .await
}

pub async fn find<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<Option<Model>, DbErr> {
    Entity::find_by_id(id).one(db).await
}

/// The job, locked (`FOR UPDATE`) until the caller's transaction ends: a second request for the
/// same job waits here and then sees the first one's outcome.
pub async fn lock<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<Option<Model>, DbErr> {
    Entity::find_by_id(id).lock_exclusive().one(db).await
}

/// What is recorded of the job's visit, for the rules.
pub fn progress_of(job: &Model) -> crate::domain::Progress {
    crate::domain::Progress {
        status: job.status,
        on_the_way: job.on_the_way_at.is_some(),
        delivered: job.delivered_at.is_some(),
        collected: job.collected_at.is_some(),
    }
}

/// The job of a swap (unlocked, a first look).
pub async fn find_of_swap<C: ConnectionTrait>(
    db: &C,
    swap_id: Uuid,
) -> Result<Option<Model>, DbErr> {
    Entity::find()
        .filter(Column::SwapId.eq(swap_id))
        .one(db)
        .await
}

/// Where the job's crew goes, as the contracts say it.
pub fn address_of(job: &Model) -> kummerer_contracts::Address {
    kummerer_contracts::Address {
        name: job.address_name.clone(),
        phone: job.address_phone.clone(),
        street: job.address_street.clone(),
        postcode: job.address_postcode.clone(),
        city: job.address_city.clone(),
        country: job.address_country.clone(),
    }
}

/// The job of a swap, locked until the caller's transaction ends.
pub async fn lock_of_swap<C: ConnectionTrait>(
    db: &C,
    swap_id: Uuid,
) -> Result<Option<Model>, DbErr> {
    Entity::find()
        .filter(Column::SwapId.eq(swap_id))
        .lock_exclusive()
        .one(db)
        .await
}
