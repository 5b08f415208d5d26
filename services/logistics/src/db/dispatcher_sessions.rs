//! `dispatcher_sessions`: a signed-in dispatcher's session, by the SHA-256 of its token.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "dispatcher_sessions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub dispatcher_id: Uuid,
    pub carrier_id: Uuid,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

pub async fn insert<C: ConnectionTrait>(db: &C, row: Model) -> Result<(), DbErr> {
    let row: ActiveModel = row.into();
    Entity::insert(row.reset_all())
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// The unexpired session with this token hash and its dispatcher (of the session's carrier).
pub async fn live<C: ConnectionTrait>(
    db: &C,
    id: &str,
    now: DateTime<Utc>,
) -> Result<Option<(Model, super::dispatchers::Model)>, DbErr> {
    let found = Entity::find_by_id(id.to_owned())
        .filter(Column::ExpiresAt.gt(now))
        .one(db)
        .await?;
    let Some(session) = found else {
        return Ok(None);
    };
    Ok(
        super::dispatchers::Entity::find_by_id(session.dispatcher_id)
            .filter(super::dispatchers::Column::CarrierId.eq(session.carrier_id))
            .one(db)
            .await?
            .map(|d| (session, d)),
    )
}

pub async fn delete<C: ConnectionTrait>(db: &C, id: &str) -> Result<(), DbErr> {
    Entity::delete_by_id(id.to_owned()).exec(db).await?;
    Ok(())
}
