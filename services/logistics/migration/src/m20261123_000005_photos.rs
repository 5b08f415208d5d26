//! Photos of a visit (the delivered replacement, the collected unit): the bytes live in the photo
//! store under a generated key; this table says which job they belong to and what they are.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000005_photos"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                r#"
CREATE TABLE job_photos (
    id            uuid PRIMARY KEY,
    job_id        uuid NOT NULL REFERENCES jobs (id),
    kind          text NOT NULL CHECK (kind IN ('delivered', 'collected')),
    content_type  text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp')),
    size_bytes    bigint NOT NULL CHECK (size_bytes > 0 AND size_bytes <= 5242880),
    -- The store's generated key (never user input).
    storage_key   text NOT NULL UNIQUE,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX job_photos_by_job ON job_photos (job_id, created_at, id);
"#,
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP TABLE job_photos;")
            .await?;
        Ok(())
    }
}
