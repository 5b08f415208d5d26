//! Credit notes as documents with net, VAT and gross (issue 12): each note keeps the VAT
//! statement its manufacturer issued (`credit_notes.vat`, the contract's `CreditNoteVatV1`;
//! `NULL` for notes issued before, which stated none), each line its VAT and cost lines.
//!
//! The retailer's profile now carries its country (the VAT of its credit notes): every
//! retailer's profile is announced once more (`profile_announced_at` cleared; the service
//! announces unannounced retailers at start), so the manufacturers learn the countries of the
//! retailers they already know.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261207_000210_credit_note_vat"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                r#"
ALTER TABLE credit_notes ADD COLUMN vat jsonb CHECK (vat IS NULL OR jsonb_typeof(vat) = 'object');
ALTER TABLE credit_lines ADD COLUMN vat numeric(12,2),
    ADD COLUMN cost_lines jsonb NOT NULL DEFAULT '[]'::jsonb
        CHECK (jsonb_typeof(cost_lines) = 'array');
UPDATE retailers SET profile_announced_at = NULL;
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
ALTER TABLE credit_lines DROP COLUMN cost_lines, DROP COLUMN vat;
ALTER TABLE credit_notes DROP COLUMN vat;
"#,
            )
            .await?;
        Ok(())
    }
}
