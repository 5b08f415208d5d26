//! Issue 12: the swap records the counter's answer at approval time (its kind, the agreement
//! version, the rule and the whole answer as JSON), and each retailer has the jurisdiction its
//! legal clocks follow (`DE`: German/EU law, the only one so far).

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000120_counter_and_clocks"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "ALTER TABLE swaps
                     ADD COLUMN counter_kind text
                         CONSTRAINT swaps_counter_kind
                         CHECK (counter_kind IN ('manufacturer', 'store', 'ask', 'no_agreement')),
                     ADD COLUMN counter_version integer,
                     ADD COLUMN counter_rule text,
                     ADD COLUMN counter jsonb;
                 ALTER TABLE retailers
                     ADD COLUMN jurisdiction text NOT NULL DEFAULT 'DE'
                         CONSTRAINT retailers_jurisdiction CHECK (jurisdiction IN ('DE'));",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "ALTER TABLE retailers DROP COLUMN jurisdiction;
                 ALTER TABLE swaps DROP COLUMN counter_kind, DROP COLUMN counter_version,
                     DROP COLUMN counter_rule, DROP COLUMN counter;",
            )
            .await?;
        Ok(())
    }
}
