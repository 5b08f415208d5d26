//! Issue 12: a second jurisdiction (`AT`, Austrian law) for the retailer's legal clocks, and
//! the supplier's delivery to the retailer per sale (`sales.supplier_delivered_at`, the start
//! of the retailer's local day it was imported as; `NULL`: not known, the sale stands in), from
//! which the recourse deadline against the supplier runs.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261207_000110_austria_and_supplier_delivery"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "ALTER TABLE retailers DROP CONSTRAINT retailers_jurisdiction,
                     ADD CONSTRAINT retailers_jurisdiction CHECK (jurisdiction IN ('DE', 'AT'));
                 ALTER TABLE sales ADD COLUMN supplier_delivered_at timestamptz;",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "ALTER TABLE sales DROP COLUMN supplier_delivered_at;
                 UPDATE retailers SET jurisdiction = 'DE' WHERE jurisdiction <> 'DE';
                 ALTER TABLE retailers DROP CONSTRAINT retailers_jurisdiction,
                     ADD CONSTRAINT retailers_jurisdiction CHECK (jurisdiction IN ('DE'));",
            )
            .await?;
        Ok(())
    }
}
