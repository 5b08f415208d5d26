//! `crew_sessions`: a signed-in crew member's session, by the SHA-256 of its token.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "crew_sessions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub member_id: Uuid,
    pub crew_id: Uuid,
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

/// The unexpired session with this token hash and its crew member.
pub async fn live<C: ConnectionTrait>(
    db: &C,
    id: &str,
    now: DateTime<Utc>,
) -> Result<Option<(Model, super::crew_members::Model)>, DbErr> {
    let Some(session) = Entity::find_by_id(id.to_owned())
        .filter(Column::ExpiresAt.gt(now))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let member = super::crew_members::Entity::find_by_id(session.member_id)
        .filter(super::crew_members::Column::CrewId.eq(session.crew_id))
        .one(db)
        .await?;
    Ok(member.map(|m| (session, m)))
}

pub async fn delete<C: ConnectionTrait>(db: &C, id: &str) -> Result<(), DbErr> {
    Entity::delete_by_id(id.to_owned()).exec(db).await?;
    Ok(())
}
