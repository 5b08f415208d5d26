//! Windows with room (issue 13): per carrier and day, the room its crews have per window as
//! last announced (`logistics.slots.announced.v1`) and the announcement's sequence number, so
//! a change is announced once and a receiver can keep the newest.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261205_000100_slot_announcements"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                r#"
CREATE TABLE slot_announcements (
    carrier_id   uuid        NOT NULL REFERENCES carriers (id),
    date         date        NOT NULL,
    sequence     bigint      NOT NULL DEFAULT 0,
    state        jsonb       NOT NULL DEFAULT 'null',
    announced_at timestamptz,
    PRIMARY KEY (carrier_id, date)
);
"#,
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP TABLE slot_announcements;")
            .await?;
        Ok(())
    }
}
