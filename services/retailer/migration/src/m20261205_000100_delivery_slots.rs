//! Windows with room (issue 13): the room the carriers announced per day
//! (`logistics.slots.announced.v1`, the newest per carrier and day by `sequence`), and the
//! manager who overbooked a swap's window.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261205_000100_delivery_slots"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                r#"
CREATE TABLE delivery_slots (
    carrier_id  uuid        NOT NULL,
    date        date        NOT NULL,
    sequence    bigint      NOT NULL,
    crews       jsonb       NOT NULL,
    received_at timestamptz NOT NULL,
    PRIMARY KEY (carrier_id, date)
);
CREATE INDEX delivery_slots_by_date ON delivery_slots (date);
ALTER TABLE swaps ADD COLUMN overbooked_by text;
"#,
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "ALTER TABLE swaps DROP COLUMN overbooked_by; DROP TABLE delivery_slots;",
            )
            .await?;
        Ok(())
    }
}
