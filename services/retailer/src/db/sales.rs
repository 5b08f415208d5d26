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
    /// `customer_phone` in E.164 (`''` when it is not a phone number): what the search matches.
    pub customer_phone_e164: String,
    pub street: String,
    pub postcode: String,
    pub city: String,
    pub country: String,
    pub created_at: DateTimeUtc,
    /// A replacement delivered for this case: the unit the customer now has.
    pub replaces_case_id: Option<Uuid>,
    /// When the supplier delivered the unit to the retailer: the start of the retailer's local
    /// day given with the sale; `None`: not given (the recourse clock assumes the sale).
    pub supplier_delivered_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

// --- queries ---

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use super::{insert_new, sales};
use crate::domain::LIST_LIMIT;

/// `false` when the receipt already lists this serial.
pub async fn insert_sale<C: ConnectionTrait>(db: &C, sale: sales::Model) -> Result<bool, DbErr> {
    let row: sales::ActiveModel = sale.into();
    insert_new(db, row.reset_all()).await
}

/// A retailer's sales by serial and/or receipt number, latest first.
pub async fn find_sales<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    serial: Option<&str>,
    receipt_no: Option<&str>,
) -> Result<Vec<sales::Model>, DbErr> {
    let mut query = sales::Entity::find().filter(sales::Column::RetailerId.eq(retailer_id));
    if let Some(serial) = serial {
        query = query.filter(sales::Column::Serial.eq(serial));
    }
    if let Some(receipt_no) = receipt_no {
        query = query.filter(sales::Column::ReceiptNo.eq(receipt_no));
    }
    query
        .order_by_desc(sales::Column::SoldAt)
        .order_by_desc(sales::Column::Id)
        .limit(LIST_LIMIT)
        .all(db)
        .await
}

/// The latest sale of a unit (a unit sold, returned and sold again has several).
pub async fn latest_sale_of_serial<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    serial: &str,
) -> Result<Option<sales::Model>, DbErr> {
    sales::Entity::find()
        .filter(sales::Column::RetailerId.eq(retailer_id))
        .filter(sales::Column::Serial.eq(serial))
        .order_by_desc(sales::Column::SoldAt)
        .order_by_desc(sales::Column::Id)
        .one(db)
        .await
}

/// The sale a stored case refers to.
pub async fn sale_of<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    id: Uuid,
) -> Result<sales::Model, DbErr> {
    sales::Entity::find_by_id(id)
        .filter(sales::Column::RetailerId.eq(retailer_id))
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("sale {id} of retailer {retailer_id}")))
}

/// The sale row of a unit delivered as the replacement for `case_id`, if any.
pub async fn replacement_of_case<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    case_id: Uuid,
) -> Result<Option<sales::Model>, DbErr> {
    sales::Entity::find()
        .filter(sales::Column::RetailerId.eq(retailer_id))
        .filter(sales::Column::ReplacesCaseId.eq(case_id))
        .one(db)
        .await
}
