//! Claims withdrawn by the retailer (issue 11: its swap was cancelled). One row per claim, beside
//! the claim rather than a new claim status: a withdrawn claim is decided by nobody (no deadline,
//! no decision, no credit note), and one withdrawn after it was credited keeps its note and is
//! marked `credited` — the credit is owed back and the ledgers show it.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000040_claim_withdrawals"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                r#"
CREATE TABLE claim_withdrawals (
    claim_id       uuid PRIMARY KEY REFERENCES claims (id),
    withdrawn_at   timestamptz NOT NULL,
    reason         text NOT NULL,
    -- The claim's status when it was withdrawn (`pending`, `accepted`, …).
    status_then    text NOT NULL,
    -- A credit note had credited it: the amount is owed back.
    credited       boolean NOT NULL,
    recorded_at    timestamptz NOT NULL DEFAULT now()
);
"#,
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP TABLE claim_withdrawals;")
            .await?;
        Ok(())
    }
}
