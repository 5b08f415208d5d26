//! `carriers`: the delivery companies whose crews make the visits; a dispatcher works for one.

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "carriers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Creates a carrier.
pub async fn insert<C: ConnectionTrait>(
    db: &C,
    name: &str,
    now: DateTime<Utc>,
) -> Result<Model, DbErr> {
    let carrier = Model {
        id: Uuid::now_v7(),
        name: name.to_owned(),
        created_at: now,
    };
    Entity::insert(ActiveModel {
        id: Set(carrier.id),
        name: Set(carrier.name.clone()),
        created_at: Set(now),
    })
    .exec_without_returning(db)
    .await?;
    Ok(carrier)
}

pub async fn find<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<Option<Model>, DbErr> {
    Entity::find_by_id(id).one(db).await
}

/// The carrier, locked until the caller's transaction ends (its grant and its crews change one
/// at a time).
pub async fn lock<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<Option<Model>, DbErr> {
    use sea_orm::QuerySelect;
    Entity::find_by_id(id).lock_exclusive().one(db).await
}
