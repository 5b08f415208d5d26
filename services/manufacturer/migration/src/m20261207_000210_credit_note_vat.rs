//! Credit notes with net, VAT and gross (issue 12): the retailer's country as its profile
//! announced it (`partner_directory.country`, absent until a profile says so), each note's VAT
//! statement as issued (`credit_notes.vat`: the contract's `CreditNoteVatV1`; `NULL` for notes
//! issued before, which stated no VAT), and each line's VAT and cost lines.

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
ALTER TABLE partner_directory ADD COLUMN country text CHECK (country ~ '^[A-Z]{2}$');
ALTER TABLE credit_notes ADD COLUMN vat jsonb CHECK (vat IS NULL OR jsonb_typeof(vat) = 'object');
ALTER TABLE credit_note_lines ADD COLUMN vat numeric(12,2) CHECK (vat >= 0),
    ADD COLUMN cost_lines jsonb NOT NULL DEFAULT '[]'::jsonb
        CHECK (jsonb_typeof(cost_lines) = 'array');
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
ALTER TABLE credit_note_lines DROP COLUMN cost_lines, DROP COLUMN vat;
ALTER TABLE credit_notes DROP COLUMN vat;
ALTER TABLE partner_directory DROP COLUMN country;
"#,
            )
            .await?;
        Ok(())
    }
}
