//! Who holds the ball, stored with the case so the dashboard reads it with plain indexed SQL:
//! one row per thread a case waits on (the delivery, the claim) with its holder, since when and
//! due when, and the case's handover count. Written by the retailer's one ball rule in the same
//! transaction as every timeline entry. Existing cases are computed by the service at start
//! (`ball_at IS NULL`: not computed yet), with the same rule — SQL cannot run it.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000050_case_holdings"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "ALTER TABLE cases ADD COLUMN handovers integer NOT NULL DEFAULT 0,
                                   ADD COLUMN ball_at timestamptz;
                 CREATE TABLE case_holdings (
                   case_id uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
                   thread text NOT NULL,
                   retailer_id uuid NOT NULL,
                   party text NOT NULL,
                   holds text NOT NULL,
                   since timestamptz NOT NULL,
                   due_at timestamptz NOT NULL,
                   escalated_at timestamptz,
                   PRIMARY KEY (case_id, thread));
                 CREATE INDEX case_holdings_by_party ON case_holdings (retailer_id, party, since);
                 CREATE INDEX case_holdings_retailer_due ON case_holdings (due_at)
                  WHERE party = 'retailer' AND escalated_at IS NULL;
                 CREATE INDEX cases_ball_not_computed ON cases (id) WHERE ball_at IS NULL;",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "DROP TABLE case_holdings; DROP INDEX cases_ball_not_computed;
                 ALTER TABLE cases DROP COLUMN handovers, DROP COLUMN ball_at;",
            )
            .await?;
        Ok(())
    }
}
