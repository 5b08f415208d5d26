//! Issue 18: partner links with consent. The retailers' public profiles as announced
//! (`partner_directory`), the manufacturer's copy of each link with a retailer
//! (`partner_links`: state, who invited, who acted last — from the credential — and when), and
//! the retailer's acceptance of an agreement version (`agreement_versions.accepted_at`,
//! `accepted_by`): only an accepted version judges claims.
//!
//! Existing data keeps working: every pair with an agreement is linked (`implied`) and every
//! version stored so far counts as accepted.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261204_000030_partner_links"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                r#"
CREATE TABLE partner_directory (
    retailer_id  uuid PRIMARY KEY,
    name         text NOT NULL,
    announced_at timestamptz NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE partner_links (
    manufacturer_id uuid NOT NULL REFERENCES manufacturers (id),
    retailer_id     uuid NOT NULL,
    state           text NOT NULL CHECK (state IN ('invited', 'linked', 'declined', 'unlinked')),
    invited_by      text CHECK (invited_by IN ('retailer', 'manufacturer')),
    acted_by_side   text NOT NULL CHECK (acted_by_side IN ('retailer', 'manufacturer')),
    acted_by        text NOT NULL,
    acted_at        timestamptz NOT NULL,
    implied         boolean NOT NULL DEFAULT false,
    PRIMARY KEY (manufacturer_id, retailer_id),
    CONSTRAINT partner_links_invited CHECK ((state = 'invited') = (invited_by IS NOT NULL))
);
INSERT INTO partner_links (manufacturer_id, retailer_id, state, acted_by_side, acted_by, acted_at,
                           implied)
SELECT manufacturer_id, retailer_id, 'linked', 'manufacturer',
       'migration: implied by an existing agreement', now(), true
FROM agreements;

ALTER TABLE agreement_versions ADD COLUMN accepted_at timestamptz, ADD COLUMN accepted_by text;
UPDATE agreement_versions SET accepted_at = created_at,
                              accepted_by = 'migration: stored before acceptance existed';

ALTER TABLE manufacturers ADD COLUMN profile_announced_at timestamptz;
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
ALTER TABLE manufacturers DROP COLUMN profile_announced_at;
ALTER TABLE agreement_versions DROP COLUMN accepted_at, DROP COLUMN accepted_by;
DROP TABLE partner_links;
DROP TABLE partner_directory;
"#,
            )
            .await?;
        Ok(())
    }
}
