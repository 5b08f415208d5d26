//! Issue 11: a claim the manufacturer did not accept can be written off at the store's cost
//! (`written_off`, final; decided for nothing, so `claims_decided` holds unchanged; it keeps
//! the reason it was not accepted).

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000090_claim_written_off"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                r#"
ALTER TABLE claims DROP CONSTRAINT claims_status_check;
ALTER TABLE claims ADD CONSTRAINT claims_status_check
    CHECK (status IN ('submitted', 'accepted', 'partly_accepted', 'rejected', 'disputed',
                      'not_accepted', 'information_requested', 'written_off'));
-- A written-off claim keeps the reason it was not accepted.
ALTER TABLE claims DROP CONSTRAINT claims_not_accepted;
ALTER TABLE claims ADD CONSTRAINT claims_not_accepted
    CHECK ((status IN ('not_accepted', 'written_off')) = (not_accepted_reason IS NOT NULL));
"#,
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                r#"
ALTER TABLE claims DROP CONSTRAINT claims_not_accepted;
ALTER TABLE claims ADD CONSTRAINT claims_not_accepted
    CHECK ((status = 'not_accepted') = (not_accepted_reason IS NOT NULL));
ALTER TABLE claims DROP CONSTRAINT claims_status_check;
ALTER TABLE claims ADD CONSTRAINT claims_status_check
    CHECK (status IN ('submitted', 'accepted', 'partly_accepted', 'rejected', 'disputed',
                      'not_accepted', 'information_requested'));
"#,
            )
            .await?;
        Ok(())
    }
}
