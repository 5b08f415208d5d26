//! `retailers`: the tenants.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "retailers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

// --- queries ---

use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait};
use uuid::Uuid;

use super::retailers;

pub async fn insert_retailer<C: ConnectionTrait>(
    db: &C,
    retailer: retailers::Model,
) -> Result<(), DbErr> {
    let row: retailers::ActiveModel = retailer.into();
    retailers::Entity::insert(row.reset_all())
        .exec_without_returning(db)
        .await?;
    Ok(())
}

pub async fn find_retailer<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
) -> Result<Option<retailers::Model>, DbErr> {
    retailers::Entity::find_by_id(id).one(db).await
}
