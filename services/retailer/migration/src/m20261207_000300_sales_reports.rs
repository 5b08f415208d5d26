//! Issue 12: units sold reported to the linked manufacturers. One row per retailer,
//! manufacturer and month: the counts last sent (`sku` → units) and their sequence, so the
//! sweep sends a month again only when its counts changed, with the next sequence.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261207_000300_sales_reports"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE TABLE sales_reports_sent (
                     retailer_id     uuid NOT NULL REFERENCES retailers (id),
                     manufacturer_id uuid NOT NULL,
                     -- The first day of the (UTC) month.
                     month           date NOT NULL CHECK (extract(day FROM month) = 1),
                     sequence        bigint NOT NULL CHECK (sequence > 0),
                     -- {\"<sku>\": units, …} as sent.
                     counts          jsonb NOT NULL,
                     sent_at         timestamptz NOT NULL,
                     PRIMARY KEY (retailer_id, manufacturer_id, month)
                 );",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP TABLE sales_reports_sent;")
            .await?;
        Ok(())
    }
}
