//! The delivered replacement becomes the customer's unit: a sale row of the original receipt
//! with the replacement's serial, dated by its delivery, that names the case it replaced. One
//! per case, so a redelivered `job.delivered`/`job.completed` adds none.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000060_replacement_units"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "ALTER TABLE sales ADD COLUMN replaces_case_id uuid NULL,
                 ADD CONSTRAINT sales_replaces_case FOREIGN KEY (retailer_id, replaces_case_id)
                     REFERENCES cases (retailer_id, id);
                 CREATE UNIQUE INDEX sales_one_replacement_per_case ON sales (replaces_case_id)
                     WHERE replaces_case_id IS NOT NULL;",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "DROP INDEX sales_one_replacement_per_case;
                 ALTER TABLE sales DROP CONSTRAINT sales_replaces_case,
                 DROP COLUMN replaces_case_id;",
            )
            .await?;
        Ok(())
    }
}
