//! Queries of the crew's page: accounts, sessions and the lock-out counters.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use super::{crew_members, crew_sessions};

/// Creates the account; `false` when the e-mail is taken.
pub async fn insert_member<C: ConnectionTrait>(
    db: &C,
    row: crew_members::Model,
) -> Result<bool, DbErr> {
    let row: crew_members::ActiveModel = row.into();
    let result = crew_members::Entity::insert(row.reset_all())
        .on_conflict_do_nothing_on([crew_members::Column::Email])
        .exec_without_returning(db)
        .await?;
    Ok(matches!(result, sea_orm::TryInsertResult::Inserted(n) if n > 0))
}

/// The account with this (lower-case) e-mail, locked until the caller's transaction ends, so
/// that concurrent sign-ins count every failure.
pub async fn lock_member_by_email<C: ConnectionTrait>(
    db: &C,
    email: &str,
) -> Result<Option<crew_members::Model>, DbErr> {
    crew_members::Entity::find()
        .filter(crew_members::Column::Email.eq(email))
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
    crew_members::Entity::update_many()
        .col_expr(
            crew_members::Column::FailedAttempts,
            Expr::value(failed_attempts),
        )
        .col_expr(crew_members::Column::LockedUntil, Expr::value(locked_until))
        .filter(crew_members::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn insert_session<C: ConnectionTrait>(
    db: &C,
    row: crew_sessions::Model,
) -> Result<(), DbErr> {
    let row: crew_sessions::ActiveModel = row.into();
    crew_sessions::Entity::insert(row.reset_all())
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// The unexpired session with this token hash and its crew member.
pub async fn live_session<C: ConnectionTrait>(
    db: &C,
    id: &str,
    now: DateTime<Utc>,
) -> Result<Option<(crew_sessions::Model, crew_members::Model)>, DbErr> {
    let Some(session) = crew_sessions::Entity::find_by_id(id.to_owned())
        .filter(crew_sessions::Column::ExpiresAt.gt(now))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let member = crew_members::Entity::find_by_id(session.member_id)
        .filter(crew_members::Column::CrewId.eq(session.crew_id))
        .one(db)
        .await?;
    Ok(member.map(|m| (session, m)))
}

pub async fn delete_session<C: ConnectionTrait>(db: &C, id: &str) -> Result<(), DbErr> {
    crew_sessions::Entity::delete_by_id(id.to_owned())
        .exec(db)
        .await?;
    Ok(())
}
