//! `cases`: a defect reported on a sold unit.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "cases")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub retailer_id: Uuid,
    pub sale_id: Uuid,
    pub defect_category: String,
    pub defect_description: String,
    pub status: String,
    pub opened_at: DateTimeUtc,
    /// Hex SHA-256 of the customer's status-link token, once a link was created.
    pub status_token_hash: Option<String>,
    /// The store the case was opened at (the desk: the staff member's store).
    pub store_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
