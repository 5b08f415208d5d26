//! A claim the manufacturer did not accept (it does not know the manufacturer, no agreement was
//! in force, it does not know the claim): status `not_accepted`, undecided, with the reason and
//! the manufacturer's words, until the retailer corrects and resubmits it (back to
//! `submitted`, counted in `submissions`).

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000020_claim_not_accepted"
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
                      'not_accepted'));
ALTER TABLE claims DROP CONSTRAINT claims_decided;
ALTER TABLE claims ADD CONSTRAINT claims_decided CHECK (
    (status IN ('submitted', 'not_accepted')) = (decided_at IS NULL)
    AND (status IN ('submitted', 'not_accepted')) = (decided_amount IS NULL)
);
ALTER TABLE claims ADD COLUMN not_accepted_reason text;
ALTER TABLE claims ADD COLUMN not_accepted_detail text;
ALTER TABLE claims ADD COLUMN submissions integer NOT NULL DEFAULT 1 CHECK (submissions >= 1);
ALTER TABLE claims ADD CONSTRAINT claims_not_accepted
    CHECK ((status = 'not_accepted') = (not_accepted_reason IS NOT NULL));
"#,
            )
            .await?;
        Ok(())
    }
}
