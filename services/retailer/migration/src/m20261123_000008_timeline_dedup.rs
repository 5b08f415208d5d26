//! A timeline fact that must be written once per something other than a message (the
//! collected-serial mismatch, once per visit) carries a dedup key, unique per case: the insert
//! skips a second one (`ON CONFLICT DO NOTHING`) instead of the writer scanning the timeline.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000008_timeline_dedup"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "ALTER TABLE timeline ADD COLUMN dedup_key text;
                 UPDATE timeline SET dedup_key = kind || ':' || (details->>'job_id')
                  WHERE kind = 'collected_serial_mismatch' AND details ? 'job_id';
                 CREATE UNIQUE INDEX timeline_dedup ON timeline (case_id, dedup_key)
                  WHERE dedup_key IS NOT NULL;",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "DROP INDEX timeline_dedup; ALTER TABLE timeline DROP COLUMN dedup_key;",
            )
            .await?;
        Ok(())
    }
}
