//! `dispatchers`: a carrier's dispatcher accounts for the dispatcher's pages.

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::QuerySelect;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "dispatchers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub carrier_id: Uuid,
    #[sea_orm(unique)]
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub failed_attempts: i32,
    pub locked_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Creates the account; `false` when the e-mail is taken.
pub async fn insert<C: ConnectionTrait>(db: &C, row: Model) -> Result<bool, DbErr> {
    let row: ActiveModel = row.into();
    let result = Entity::insert(row.reset_all())
        .on_conflict_do_nothing_on([Column::Email])
        .exec_without_returning(db)
        .await?;
    Ok(matches!(result, sea_orm::TryInsertResult::Inserted(n) if n > 0))
}

/// The account with this (lower-case) e-mail, locked until the caller's transaction ends.
pub async fn lock_by_email<C: ConnectionTrait>(
    db: &C,
    email: &str,
) -> Result<Option<Model>, DbErr> {
    Entity::find()
        .filter(Column::Email.eq(email))
        .lock_exclusive()
        .one(db)
        .await
}

pub async fn set_failures<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    failed_attempts: i32,
    locked_until: Option<DateTime<Utc>>,
) -> Result<(), DbErr> {
    ActiveModel {
        id: Set(id),
        failed_attempts: Set(failed_attempts),
        locked_until: Set(locked_until),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(())
}
