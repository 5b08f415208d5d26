//! Issue 12: the units sold each linked retailer reported, per month and product — the
//! denominator of the failure rates. A month's report replaces the one before only when its
//! sequence is higher (`sales_reports`, one row per manufacturer, retailer and month), its lines
//! are the month's full count per product.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261207_000300_sales_reports"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE TABLE sales_reports (
                     manufacturer_id uuid NOT NULL REFERENCES manufacturers (id),
                     retailer_id     uuid NOT NULL,
                     -- The first day of the (UTC) month of the sales.
                     month           date NOT NULL CHECK (extract(day FROM month) = 1),
                     sequence        bigint NOT NULL,
                     as_of           timestamptz NOT NULL,
                     received_at     timestamptz NOT NULL DEFAULT now(),
                     PRIMARY KEY (manufacturer_id, retailer_id, month)
                 );
                 CREATE TABLE sales_report_lines (
                     manufacturer_id uuid NOT NULL,
                     retailer_id     uuid NOT NULL,
                     month           date NOT NULL,
                     sku             text NOT NULL,
                     name            text NOT NULL,
                     units           integer NOT NULL CHECK (units >= 0),
                     PRIMARY KEY (manufacturer_id, retailer_id, month, sku),
                     FOREIGN KEY (manufacturer_id, retailer_id, month)
                         REFERENCES sales_reports ON DELETE CASCADE
                 );
                 CREATE INDEX sales_report_lines_by_month
                     ON sales_report_lines (manufacturer_id, month);
                 CREATE INDEX claims_by_month_of_sale ON claims (manufacturer_id, sold_at);",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "DROP INDEX claims_by_month_of_sale; DROP TABLE sales_report_lines; \
                 DROP TABLE sales_reports;",
            )
            .await?;
        Ok(())
    }
}
