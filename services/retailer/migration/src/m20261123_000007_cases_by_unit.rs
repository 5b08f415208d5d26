//! Earlier cases of a unit: opening a case on a sold unit warns about every earlier case of the
//! same serial (on any of its sales), so the desk finds them by sale.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000007_cases_by_unit"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("CREATE INDEX cases_by_sale ON cases (sale_id, opened_at);")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX cases_by_sale;")
            .await?;
        Ok(())
    }
}
