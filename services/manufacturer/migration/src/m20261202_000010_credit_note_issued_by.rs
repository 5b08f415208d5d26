//! A credit note records which API key issued it (issue 10: the actor of every write comes from
//! the credential): `issued_by_key`, `NULL` for notes issued before this was recorded. No
//! foreign key: a key's row stays (revoked keys are kept), and the note must outlive any
//! clean-up of keys.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000010_credit_note_issued_by"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("ALTER TABLE credit_notes ADD COLUMN issued_by_key uuid;")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("ALTER TABLE credit_notes DROP COLUMN issued_by_key;")
            .await?;
        Ok(())
    }
}
