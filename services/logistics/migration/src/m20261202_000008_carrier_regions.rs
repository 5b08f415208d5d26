//! The postcode regions the operator grants each carrier (issue 10: a carrier's token no longer
//! declares where its crews work). A carrier's crews may only cover prefixes inside its grant,
//! a job is routed only to a crew whose carrier is granted its postcode, and the unassigned
//! jobs of a region are shown only to the carriers granted it.
//!
//! Existing data keeps working: each carrier is granted the prefixes its crews cover today
//! (every crew, active or not). The operator should review these grants after the upgrade: a
//! carrier that declared a competitor's postcodes before this migration holds them until the
//! operator replaces its grant (`PUT /api/carriers/{cid}/regions`).

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000008_carrier_regions"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                r#"
CREATE TABLE carrier_regions (
    carrier_id      uuid NOT NULL REFERENCES carriers (id),
    -- Upper-case letters and digits, 1 to 10 (as a crew's prefixes).
    postcode_prefix text NOT NULL CHECK (postcode_prefix ~ '^[A-Z0-9]{1,10}$'),
    granted_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (carrier_id, postcode_prefix)
);

INSERT INTO carrier_regions (carrier_id, postcode_prefix)
SELECT DISTINCT c.carrier_id, p
FROM crews c, unnest(c.home_postcode_prefixes) p
WHERE p ~ '^[A-Z0-9]{1,10}$'
ON CONFLICT DO NOTHING;
"#,
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP TABLE carrier_regions;")
            .await?;
        Ok(())
    }
}
