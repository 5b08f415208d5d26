//! A claim carries the list price the retailer's catalogue names for the product (issue 10,
//! "no one can buy a refund"): `list_price` and its currency, `NULL` for claims filed before
//! the retailer sent it. The rules compare the claimed amount with it (and with the agreement's
//! cap and price list, which live in the version's `terms`) and flag `amount_above_cap`.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000009_claim_list_price"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "ALTER TABLE claims \
                   ADD COLUMN list_price numeric(12,2) CHECK (list_price >= 0), \
                   ADD COLUMN list_price_currency char(3), \
                   ADD CONSTRAINT claims_list_price_currency \
                     CHECK ((list_price IS NULL) = (list_price_currency IS NULL));",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "ALTER TABLE claims DROP COLUMN list_price, DROP COLUMN list_price_currency;",
            )
            .await?;
        Ok(())
    }
}
