//! Issue 14: the desk speaks the reader's language in their local time. The retailer gets a
//! default language (`NULL`: follow the reader's browser) and a time zone (IANA name, for staff
//! without a store); each staff member may choose their own language (`NULL`: the store's, then
//! the retailer's). Stores already have `language` and `time_zone`
//! (`m20261204_000060_notifications`).

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261205_000180_desk_locale"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "ALTER TABLE retailers
                     ADD COLUMN default_language text
                         CONSTRAINT retailers_default_language
                         CHECK (default_language IN ('de', 'en')),
                     ADD COLUMN time_zone text NOT NULL DEFAULT 'Europe/Berlin';
                 ALTER TABLE staff
                     ADD COLUMN language text
                         CONSTRAINT staff_language CHECK (language IN ('de', 'en'));",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "ALTER TABLE staff DROP COLUMN language;
                 ALTER TABLE retailers DROP COLUMN default_language, DROP COLUMN time_zone;",
            )
            .await?;
        Ok(())
    }
}
