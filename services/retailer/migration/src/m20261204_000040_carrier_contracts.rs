//! Carrier contracts (issue 18). `carrier_directory` is the event-carried state of
//! `logistics.carrier.profile_published.v1` (each carrier's name and granted regions, the newest
//! by `published_at`), so the desk and the API find carriers by name without asking logistics.
//! `carrier_contracts` holds the retailer's offers and their state as logistics answered them.
//!
//! Existing deployments: no contract is implied (see the logistics migration of the same
//! number): each retailer offers its contracts after the upgrade; until a carrier accepted, new
//! jobs wait for the operator and the case says so.

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
CREATE TABLE carrier_directory (
    carrier_id   uuid PRIMARY KEY,
    name         text NOT NULL,
    regions      text[] NOT NULL,
    published_at timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL
);
CREATE INDEX carrier_directory_name ON carrier_directory (lower(name));

CREATE TABLE carrier_contracts (
    id                uuid PRIMARY KEY,
    retailer_id       uuid NOT NULL REFERENCES retailers (id),
    carrier_id        uuid NOT NULL,
    carrier_name      text NOT NULL,
    postcode_prefixes text[] NOT NULL,
    -- ISO weekdays (1 = Monday … 7 = Sunday); empty: every day.
    weekdays          int[] NOT NULL DEFAULT '{}',
    daily_capacity    int CHECK (daily_capacity > 0),
    status            text NOT NULL CHECK (status IN ('offered', 'active', 'declined', 'ended')),
    offered_by        text NOT NULL,
    offered_by_key    uuid,
    offered_at        timestamptz NOT NULL,
    answered_at       timestamptz,
    answered_by       text,
    declined_reason   text,
    declined_detail   text,
    ended_by          text,
    ended_at          timestamptz
);
CREATE INDEX carrier_contracts_of_retailer ON carrier_contracts (retailer_id, offered_at);
"#,
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP TABLE carrier_contracts; DROP TABLE carrier_directory;")
            .await?;
        Ok(())
    }
}
