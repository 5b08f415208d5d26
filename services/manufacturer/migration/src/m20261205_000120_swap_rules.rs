//! Swap rules (issue 12): a claim keeps the cost lines of the rule that accepted it, may wait
//! because no rule fits (`no_rule`), and may be rejected by rule (`auto_rejected` in its history).
//! The rules themselves live in the version's `terms` (jsonb), like every other term.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261205_000120_swap_rules"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                r#"
-- `[{"kind": "unit", "amount": {"amount": "499.00", "currency": "EUR"}}, …]`, net of VAT;
-- empty where no rule gave lines (a person's decision, an older claim).
ALTER TABLE claims ADD COLUMN cost_lines jsonb NOT NULL DEFAULT '[]'::jsonb
    CHECK (jsonb_typeof(cost_lines) = 'array');
ALTER TABLE claims DROP CONSTRAINT claims_pending_reason_check;
ALTER TABLE claims ADD CONSTRAINT claims_pending_reason_check
    CHECK (pending_reason IN ('no_agreement', 'currency_mismatch', 'swapped_before_sale',
                              'outside_doa', 'outside_coverage', 'flagged',
                              'evidence_missing', 'no_rule'));
ALTER TABLE claim_events DROP CONSTRAINT claim_events_kind_check;
ALTER TABLE claim_events ADD CONSTRAINT claim_events_kind_check
    CHECK (kind IN ('received', 'auto_accepted', 'left_pending', 'decided', 'evidence_added',
                    'readjudicated', 'return_requested', 'unit_arrived', 'inspected',
                    'disputed', 'ignored', 'information_requested', 'information_provided',
                    'auto_rejected'));
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
ALTER TABLE claim_events DROP CONSTRAINT claim_events_kind_check;
ALTER TABLE claim_events ADD CONSTRAINT claim_events_kind_check
    CHECK (kind IN ('received', 'auto_accepted', 'left_pending', 'decided', 'evidence_added',
                    'readjudicated', 'return_requested', 'unit_arrived', 'inspected',
                    'disputed', 'ignored', 'information_requested', 'information_provided'));
ALTER TABLE claims DROP CONSTRAINT claims_pending_reason_check;
ALTER TABLE claims ADD CONSTRAINT claims_pending_reason_check
    CHECK (pending_reason IN ('no_agreement', 'currency_mismatch', 'swapped_before_sale',
                              'outside_doa', 'outside_coverage', 'flagged',
                              'evidence_missing'));
ALTER TABLE claims DROP COLUMN cost_lines;
"#,
            )
            .await?;
        Ok(())
    }
}
