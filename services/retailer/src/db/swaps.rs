//! `swaps`: one per case — deliver the replacement, collect the defective unit.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "swaps")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub case_id: Uuid,
    pub retailer_id: Uuid,
    pub replacement_product_id: Uuid,
    pub window_start: DateTimeUtc,
    pub window_end: DateTimeUtc,
    pub address_name: String,
    pub address_phone: String,
    pub street: String,
    pub postcode: String,
    pub city: String,
    pub country: String,
    pub approved_by: String,
    pub approved_at: DateTimeUtc,
    /// The integration key that approved (the JSON API), or that asked for the approval;
    /// `None` for the desk.
    pub approved_by_key: Option<Uuid>,
    /// The manager who authorized a swap above the approver's limit.
    pub authorized_by: Option<String>,
    pub status: crate::domain::SwapStatus,
    pub status_changed_at: DateTimeUtc,
    /// Where the replacement was reserved (`None`: no reservation).
    pub stock_location_id: Option<Uuid>,
    /// The manager who booked the window although no crew had room left in it (issue 13).
    pub overbooked_by: Option<String>,
    /// The counter's answer at approval (issue 12): `manufacturer`, `store`, `ask` or
    /// `no_agreement`, the agreement version and rule it was answered by, and the whole answer
    /// (`domain::Counter` as JSON). `None` on swaps approved before it was recorded.
    pub counter_kind: Option<String>,
    pub counter_version: Option<i32>,
    pub counter_rule: Option<String>,
    pub counter: Option<Json>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

// --- queries ---

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use super::{insert_new, swaps};
use crate::domain::SwapStatus;

/// `false` when the case already has its swap.
pub async fn insert_swap<C: ConnectionTrait>(db: &C, swap: swaps::Model) -> Result<bool, DbErr> {
    let row: swaps::ActiveModel = swap.into();
    insert_new(db, row.reset_all()).await
}

pub async fn swap_of_case<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    case_id: Uuid,
) -> Result<Option<swaps::Model>, DbErr> {
    swaps::Entity::find()
        .filter(swaps::Column::RetailerId.eq(retailer_id))
        .filter(swaps::Column::CaseId.eq(case_id))
        .one(db)
        .await
}

/// The swap, locked until the caller's transaction ends.
pub async fn lock_swap<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    id: Uuid,
) -> Result<Option<swaps::Model>, DbErr> {
    swaps::Entity::find_by_id(id)
        .filter(swaps::Column::RetailerId.eq(retailer_id))
        .lock_exclusive()
        .one(db)
        .await
}

pub async fn set_swap_status<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    id: Uuid,
    status: SwapStatus,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    swaps::Entity::update_many()
        .col_expr(swaps::Column::Status, Expr::value(status))
        .col_expr(swaps::Column::StatusChangedAt, Expr::value(at))
        .filter(swaps::Column::Id.eq(id))
        .filter(swaps::Column::RetailerId.eq(retailer_id))
        .exec(db)
        .await?;
    Ok(())
}
