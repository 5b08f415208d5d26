//! `products`: a retailer's catalogue, by SKU.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "products")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub retailer_id: Uuid,
    pub sku: String,
    pub name: String,
    pub manufacturer_id: Uuid,
    pub price: Decimal,
    pub currency: String,
    pub created_at: DateTimeUtc,
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

use super::{insert_new, products};
use crate::domain::LIST_LIMIT;

/// `false` when the retailer already has a product with this SKU.
pub async fn insert_product<C: ConnectionTrait>(
    db: &C,
    product: products::Model,
) -> Result<bool, DbErr> {
    let row: products::ActiveModel = product.into();
    insert_new(db, row.reset_all()).await
}

pub async fn product_by_sku<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    sku: &str,
) -> Result<Option<products::Model>, DbErr> {
    products::Entity::find()
        .filter(products::Column::RetailerId.eq(retailer_id))
        .filter(products::Column::Sku.eq(sku))
        .one(db)
        .await
}

pub async fn product<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    id: Uuid,
) -> Result<Option<products::Model>, DbErr> {
    products::Entity::find_by_id(id)
        .filter(products::Column::RetailerId.eq(retailer_id))
        .one(db)
        .await
}

/// A product that a stored row refers to: its absence is a broken invariant, not a client error.
pub async fn product_of<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    id: Uuid,
) -> Result<products::Model, DbErr> {
    product(db, retailer_id, id)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("product {id} of retailer {retailer_id}")))
}

pub async fn products_by_ids<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    ids: Vec<Uuid>,
) -> Result<Vec<products::Model>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    products::Entity::find()
        .filter(products::Column::RetailerId.eq(retailer_id))
        .filter(products::Column::Id.is_in(ids))
        .all(db)
        .await
}

pub async fn list_products<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
) -> Result<Vec<products::Model>, DbErr> {
    products::Entity::find()
        .filter(products::Column::RetailerId.eq(retailer_id))
        .order_by_asc(products::Column::Sku)
        .limit(LIST_LIMIT)
        .all(db)
        .await
}

/// Corrects the product's manufacturer.
pub async fn set_product_manufacturer<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    id: Uuid,
    manufacturer_id: Uuid,
) -> Result<(), DbErr> {
    products::Entity::update_many()
        .col_expr(
            products::Column::ManufacturerId,
            sea_orm::sea_query::Expr::value(manufacturer_id),
        )
        .filter(products::Column::Id.eq(id))
        .filter(products::Column::RetailerId.eq(retailer_id))
        .exec(db)
        .await?;
    Ok(())
}
