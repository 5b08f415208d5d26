//! Returns never wait forever (issue 11): a return item the manufacturer withdrew stays as a
//! row (so a redelivered or late request cannot bring it back) with `withdrawn_at`, outside any
//! shipment; a withdrawal that came once the unit already travelled is kept as
//! `withdrawal_refused_at` (the unit simply arrives).

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000010_return_withdrawal"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                r#"
ALTER TABLE return_items
    ADD COLUMN withdrawn_at timestamptz,
    ADD COLUMN withdrawal_reason text,
    ADD COLUMN withdrawal_refused_at timestamptz;
"#,
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "ALTER TABLE return_items DROP COLUMN withdrawn_at, DROP COLUMN withdrawal_reason, \
                 DROP COLUMN withdrawal_refused_at;",
            )
            .await?;
        Ok(())
    }
}
