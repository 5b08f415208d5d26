//! Webhook endpoints are disabled after failing continuously for a while, not after N attempts:
//! `failing_since` is the time of the first failed attempt of the current run of failures
//! (`NULL` while the endpoint delivers), cleared by a delivered attempt and by re-enabling.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000008_webhook_failing_since"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "ALTER TABLE webhook_endpoints ADD COLUMN failing_since timestamptz;",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("ALTER TABLE webhook_endpoints DROP COLUMN failing_since;")
            .await?;
        Ok(())
    }
}
