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
    /// The manager who authorized a swap above the approver's limit.
    pub authorized_by: Option<String>,
    pub status: String,
    pub status_changed_at: DateTimeUtc,
    /// Where the replacement was reserved (`None`: no reservation).
    pub stock_location_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
