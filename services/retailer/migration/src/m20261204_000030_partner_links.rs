//! Issue 18: partner links with consent. The manufacturers' public profiles as announced
//! (`partner_directory`), the retailer's copy of each link with a manufacturer
//! (`partner_links`: state, who invited, who acted last — from the credential — and when), and
//! the acceptance of an agreement version (`agreements.accepted_at`, `accepted_by`).
//!
//! Existing data keeps working: every pair that already has an agreement version or a product
//! is linked (`implied`), every agreement version stored so far counts as accepted, and the
//! directory starts with the manufacturer names those versions carried.

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
    manufacturer_id uuid PRIMARY KEY,
    name            text NOT NULL,
    announced_at    timestamptz NOT NULL,
    received_at     timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE partner_links (
    retailer_id     uuid NOT NULL REFERENCES retailers (id),
    manufacturer_id uuid NOT NULL,
    state           text NOT NULL CHECK (state IN ('invited', 'linked', 'declined', 'unlinked')),
    invited_by      text CHECK (invited_by IN ('retailer', 'manufacturer')),
    acted_by_side   text NOT NULL CHECK (acted_by_side IN ('retailer', 'manufacturer')),
    acted_by        text NOT NULL,
    acted_at        timestamptz NOT NULL,
    implied         boolean NOT NULL DEFAULT false,
    PRIMARY KEY (retailer_id, manufacturer_id),
    CONSTRAINT partner_links_invited CHECK ((state = 'invited') = (invited_by IS NOT NULL))
);
INSERT INTO partner_directory (manufacturer_id, name, announced_at)
SELECT DISTINCT ON (manufacturer_id) manufacturer_id, manufacturer_name, published_at
FROM agreements ORDER BY manufacturer_id, published_at DESC;
INSERT INTO partner_links (retailer_id, manufacturer_id, state, acted_by_side, acted_by, acted_at,
                           implied)
SELECT retailer_id, manufacturer_id, 'linked', 'retailer',
       'migration: implied by an existing agreement or product', now(), true
FROM (SELECT retailer_id, manufacturer_id FROM agreements
      UNION SELECT retailer_id, manufacturer_id FROM products) p;

ALTER TABLE agreements ADD COLUMN accepted_at timestamptz, ADD COLUMN accepted_by text;
UPDATE agreements SET accepted_at = published_at,
                      accepted_by = 'migration: stored before acceptance existed';
CREATE INDEX agreements_accepted_in_force ON agreements (retailer_id, manufacturer_id, valid_from)
    WHERE accepted_at IS NOT NULL;

-- Each retailer's profile is announced once (`retailer.tenant.profile.v1`); the start
-- announces those not yet announced.
ALTER TABLE retailers ADD COLUMN profile_announced_at timestamptz;
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
ALTER TABLE retailers DROP COLUMN profile_announced_at;
DROP INDEX agreements_accepted_in_force;
ALTER TABLE agreements DROP COLUMN accepted_at, DROP COLUMN accepted_by;
DROP TABLE partner_links;
DROP TABLE partner_directory;
"#,
            )
            .await?;
        Ok(())
    }
}
