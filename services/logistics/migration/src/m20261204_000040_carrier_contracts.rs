//! Carrier contracts (issue 18): a retailer contracts a carrier for postcode regions (and
//! weekdays, and a daily capacity); the carrier consents. Routing and what a carrier sees follow
//! the contracts, no longer the postcode alone.
//!
//! Existing deployments: no contract is implied. A contract is the retailer's choice and the
//! carrier's consent, and both databases must know it — a row made up here would exist in
//! logistics only. So after the upgrade new jobs stay unassigned (the operator sees them and can
//! assign them; the retailer's case says that no contracted carrier serves the address) until
//! each retailer offers its contracts and the carriers accept. Jobs already on a crew stay there
//! and remain visible to their carrier. The operator should tell retailers and carriers before
//! upgrading, and review the unassigned jobs after.
//!
//! `carriers.profile_published_at` is when the carrier's public profile was last put in the
//! outbox; the service announces every carrier still without one at start, so retailers' carrier
//! directories learn the carriers made before this migration.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261204_000040_carrier_contracts"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                r#"
CREATE TABLE carrier_contracts (
    id                uuid PRIMARY KEY,
    retailer_id       uuid NOT NULL,
    retailer_name     text NOT NULL,
    carrier_id        uuid NOT NULL REFERENCES carriers (id),
    postcode_prefixes text[] NOT NULL,
    -- ISO weekdays (1 = Monday … 7 = Sunday); empty: every day.
    weekdays          int[] NOT NULL DEFAULT '{}',
    daily_capacity    int CHECK (daily_capacity > 0),
    status            text NOT NULL CHECK (status IN ('offered', 'active', 'declined', 'ended')),
    offered_at        timestamptz NOT NULL,
    answered_at       timestamptz,
    answered_by       text,
    ended_at          timestamptz,
    updated_at        timestamptz NOT NULL
);
CREATE INDEX carrier_contracts_routing ON carrier_contracts (retailer_id, carrier_id)
    WHERE status = 'active';
CREATE INDEX carrier_contracts_of_carrier ON carrier_contracts (carrier_id, offered_at);

ALTER TABLE carriers ADD COLUMN profile_published_at timestamptz;
"#,
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "DROP TABLE carrier_contracts; ALTER TABLE carriers DROP COLUMN profile_published_at;",
            )
            .await?;
        Ok(())
    }
}
