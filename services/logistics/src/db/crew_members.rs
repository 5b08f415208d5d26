//! `crew_members`: the accounts a crew signs in with on the crew's page.

use chrono::{DateTime, Utc};
use sea_orm::QuerySelect;
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::Expr;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "crew_members")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub crew_id: Uuid,
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

/// The account with this (lower-case) e-mail, locked until the caller's transaction ends, so
/// that concurrent sign-ins count every failure.
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
    Entity::update_many()
        .col_expr(Column::FailedAttempts, Expr::value(failed_attempts))
        .col_expr(Column::LockedUntil, Expr::value(locked_until))
        .filter(Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}
