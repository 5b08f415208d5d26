//! `job_photos`: which photo (by its key in the blob store) belongs to which job.

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "job_photos")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub job_id: Uuid,
    /// `delivered` or `collected`.
    pub kind: crate::domain::photo::PhotoKind,
    /// What the bytes are (by their magic numbers), not what the client declared.
    pub content_type: String,
    pub size_bytes: i64,
    pub storage_key: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// A job's photos, oldest first.
pub async fn of_job<C: ConnectionTrait>(db: &C, job_id: Uuid) -> Result<Vec<Model>, DbErr> {
    use sea_orm::QueryOrder;
    Entity::find()
        .filter(Column::JobId.eq(job_id))
        .order_by_asc(Column::CreatedAt)
        .order_by_asc(Column::Id)
        .all(db)
        .await
}

/// Photo `id` if it belongs to job `job_id` (another job's photo is unknown).
pub async fn find<C: ConnectionTrait>(
    db: &C,
    job_id: Uuid,
    id: Uuid,
) -> Result<Option<Model>, DbErr> {
    Entity::find_by_id(id)
        .filter(Column::JobId.eq(job_id))
        .one(db)
        .await
}

/// Records a stored photo for job `job_id` (in the caller's transaction).
pub async fn insert<C: ConnectionTrait>(
    db: &C,
    job_id: Uuid,
    photo: &crate::photos::StoredPhoto,
    now: DateTime<Utc>,
) -> Result<Model, DbErr> {
    let photo = ActiveModel {
        id: Set(Uuid::now_v7()),
        job_id: Set(job_id),
        kind: Set(photo.kind),
        content_type: Set(photo.image.content_type().to_owned()),
        size_bytes: Set(photo.size_bytes),
        storage_key: Set(photo.key.as_str().to_owned()),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    tracing::info!(job.id = %job_id, photo.id = %photo.id, photo.kind = %photo.kind.as_string(), photo.size = photo.size_bytes, "photo stored");
    Ok(photo)
}

/// Moves photo `id` to `key` (a photo from before the blob store, put into it under a key).
pub async fn set_key<C: ConnectionTrait>(db: &C, id: Uuid, key: &str) -> Result<(), DbErr> {
    Entity::update_many()
        .col_expr(Column::StorageKey, Expr::value(key))
        .filter(Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}
