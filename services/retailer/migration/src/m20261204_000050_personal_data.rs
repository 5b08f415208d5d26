//! Issue 18, personal data by rule: a retention period per retailer (days after a case's visit
//! is over, 0–3650, 90 by default), the marks of what was erased (`sales.erased_at`,
//! `cases.erased_at`), and the erasure record (`customer_erasures`: what was erased, when, by
//! whom and why — ids and counts only, nothing about the person). A timeline entry arriving for
//! a case already erased (a late message) is stored without the recipient's name or the crew's
//! note, by a trigger, so no writer can bring the person back.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261204_000050_personal_data"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                r#"
ALTER TABLE retailers ADD COLUMN retention_days integer NOT NULL DEFAULT 90
    CONSTRAINT retailers_retention_days CHECK (retention_days BETWEEN 0 AND 3650);
ALTER TABLE sales ADD COLUMN erased_at timestamptz;
ALTER TABLE cases ADD COLUMN erased_at timestamptz;
-- The retention sweep looks for cases not yet erased.
CREATE INDEX cases_not_erased ON cases (retailer_id, opened_at) WHERE erased_at IS NULL;

CREATE TABLE customer_erasures (
    id             uuid PRIMARY KEY,
    retailer_id    uuid NOT NULL REFERENCES retailers (id),
    reason         text NOT NULL CHECK (reason IN ('request', 'retention')),
    -- Who asked: a staff member's e-mail, `API key «name»`, or `retention` for the sweep.
    requested_by   text NOT NULL,
    requested_at   timestamptz NOT NULL,
    sale_ids       uuid[] NOT NULL,
    case_ids       uuid[] NOT NULL,
    swap_ids       uuid[] NOT NULL,
    -- What the retailer erased, counted per place (rows changed), e.g. {"sales": 1, ...}.
    erased         jsonb NOT NULL,
    -- Logistics' answer (`logistics.customer.erased.v1`); NULL until it arrived.
    logistics_erased_at timestamptz,
    logistics_jobs      integer,
    logistics_photos    integer,
    logistics_outbox    integer,
    CONSTRAINT customer_erasures_tenant UNIQUE (retailer_id, id)
);
CREATE INDEX customer_erasures_by_retailer ON customer_erasures (retailer_id, requested_at DESC);

"#,
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(&kummerer_messaging::migration::scrub_under_erased_sql(
                "timeline_of_erased_case",
                "timeline",
                "cases",
                "case_id",
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "DROP TRIGGER timeline_of_erased_case ON timeline; \
                 DROP FUNCTION timeline_of_erased_case(); DROP TABLE customer_erasures; \
                 DROP INDEX cases_not_erased; ALTER TABLE cases DROP COLUMN erased_at; \
                 ALTER TABLE sales DROP COLUMN erased_at; \
                 ALTER TABLE retailers DROP COLUMN retention_days;",
            )
            .await?;
        Ok(())
    }
}
