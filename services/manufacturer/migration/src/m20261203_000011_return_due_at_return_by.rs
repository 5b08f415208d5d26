//! A claim waiting for its unit is due at the return's `return_by` (issue 11: nobody waits
//! forever). Claims asked back before this waited with no deadline; they get theirs now, so the
//! deadline sweep gives them the agreement's default outcome (and withdraws the return) once
//! `return_by` passed. Data only; `down` leaves the deadlines (they are right either way).

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000011_return_due_at_return_by"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE claims SET deadline_at = return_by \
                 WHERE status = 'return_requested' AND deadline_at IS NULL \
                 AND return_by IS NOT NULL;",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Ok(())
    }
}
