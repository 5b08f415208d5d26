//! The crew's and dispatcher's pages in the reader's language and local time (issue 14): a
//! language each crew member and dispatcher chose (`NULL`: not chosen), the carrier's default
//! language, and a time zone per granted region and per carrier (IANA names, Europe/Berlin
//! unless set). Times stay stored in UTC; the pages show and take them in these zones.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261205_000200_page_language_time_zone"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                r#"
ALTER TABLE crew_members ADD COLUMN lang text CHECK (lang IN ('de', 'en'));
ALTER TABLE dispatchers ADD COLUMN lang text CHECK (lang IN ('de', 'en'));
ALTER TABLE carriers
    ADD COLUMN default_lang text CHECK (default_lang IN ('de', 'en')),
    ADD COLUMN time_zone text NOT NULL DEFAULT 'Europe/Berlin';
ALTER TABLE carrier_regions ADD COLUMN time_zone text NOT NULL DEFAULT 'Europe/Berlin';
"#,
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                r#"
ALTER TABLE carrier_regions DROP COLUMN time_zone;
ALTER TABLE carriers DROP COLUMN time_zone, DROP COLUMN default_lang;
ALTER TABLE dispatchers DROP COLUMN lang;
ALTER TABLE crew_members DROP COLUMN lang;
"#,
            )
            .await?;
        Ok(())
    }
}
