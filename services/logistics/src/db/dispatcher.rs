//! Queries of the dispatcher's pages: accounts, sessions and the lock-out counters.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QuerySelect,
};
use uuid::Uuid;

use super::{dispatcher_sessions as sessions, dispatchers};

/// Creates the account; `false` when the e-mail is taken.
pub async fn insert<C: ConnectionTrait>(db: &C, row: dispatchers::Model) -> Result<bool, DbErr> {
    let row: dispatchers::ActiveModel = row.into();
    let result = dispatchers::Entity::insert(row.reset_all())
        .on_conflict_do_nothing_on([dispatchers::Column::Email])
        .exec_without_returning(db)
        .await?;
    Ok(matches!(result, sea_orm::TryInsertResult::Inserted(n) if n > 0))
}

/// The account with this (lower-case) e-mail, locked until the caller's transaction ends.
pub async fn lock_by_email<C: ConnectionTrait>(
    db: &C,
    email: &str,
) -> Result<Option<dispatchers::Model>, DbErr> {
    dispatchers::Entity::find()
        .filter(dispatchers::Column::Email.eq(email))
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
    dispatchers::ActiveModel {
        id: Set(id),
        failed_attempts: Set(failed_attempts),
        locked_until: Set(locked_until),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(())
}

pub async fn insert_session<C: ConnectionTrait>(db: &C, row: sessions::Model) -> Result<(), DbErr> {
    let row: sessions::ActiveModel = row.into();
    sessions::Entity::insert(row.reset_all())
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// The unexpired session with this token hash and its dispatcher (of the session's carrier).
pub async fn live_session<C: ConnectionTrait>(
    db: &C,
    id: &str,
    now: DateTime<Utc>,
) -> Result<Option<(sessions::Model, dispatchers::Model)>, DbErr> {
    let found = sessions::Entity::find_by_id(id.to_owned())
        .filter(sessions::Column::ExpiresAt.gt(now))
        .one(db)
        .await?;
    let Some(session) = found else {
        return Ok(None);
    };
    Ok(dispatchers::Entity::find_by_id(session.dispatcher_id)
        .filter(dispatchers::Column::CarrierId.eq(session.carrier_id))
        .one(db)
        .await?
        .map(|d| (session, d)))
}

pub async fn delete_session<C: ConnectionTrait>(db: &C, id: &str) -> Result<(), DbErr> {
    sessions::Entity::delete_by_id(id.to_owned())
        .exec(db)
        .await?;
    Ok(())
}
