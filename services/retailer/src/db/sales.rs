//! `sales`: one sold unit (serial) on a receipt, with its customer.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "sales")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub retailer_id: Uuid,
    pub receipt_no: String,
    pub product_id: Uuid,
    pub serial: String,
    pub price_paid: Decimal,
    pub currency: String,
    pub sold_at: DateTimeUtc,
    pub customer_name: String,
    pub customer_phone: String,
    pub street: String,
    pub postcode: String,
    pub city: String,
    pub country: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
