//! Indexes for listing claims with filters and keyset pagination: besides the manufacturer's
//! claims newest first (`claims_by_manufacturer`) and by status (`claims_by_manufacturer_status`),
//! the claims of one retailer and of one product, each in the order of the cursor
//! `(received_at DESC, id DESC)`, so that a page is one index range scan.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000005_claim_listing"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                r#"
CREATE INDEX claims_by_manufacturer_retailer
    ON claims (manufacturer_id, retailer_id, received_at DESC, id DESC);
CREATE INDEX claims_by_manufacturer_sku
    ON claims (manufacturer_id, product_sku, received_at DESC, id DESC);
"#,
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "DROP INDEX claims_by_manufacturer_sku; DROP INDEX claims_by_manufacturer_retailer;",
            )
            .await?;
        Ok(())
    }
}
