//! Delivery-and-collection jobs (one per approved swap) and their own history.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000002_logistics"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                r#"
CREATE TABLE jobs (
    id                       uuid PRIMARY KEY,
    -- One visit per swap: a re-published swap (new message id) hits this and changes nothing.
    swap_id                  uuid NOT NULL UNIQUE,
    case_id                  uuid NOT NULL,
    retailer_id              uuid NOT NULL,
    deliver_sku              text NOT NULL,
    deliver_name             text NOT NULL,
    collect_serial           text NOT NULL,
    collect_sku              text NOT NULL,
    address_name             text NOT NULL,
    address_phone            text NOT NULL,
    address_street           text NOT NULL,
    address_postcode         text NOT NULL,
    address_city             text NOT NULL,
    address_country          text NOT NULL,
    window_start             timestamptz NOT NULL,
    window_end               timestamptz NOT NULL,
    status                   text NOT NULL DEFAULT 'scheduled'
                             CHECK (status IN ('scheduled', 'completed', 'failed')),
    attempts                 integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    delivered_serial         text,
    collected_serial         text,
    collected_serial_matches boolean,
    recipient_name           text,
    failure_reason           text
                             CHECK (failure_reason IN ('not_home', 'wrong_address', 'refused', 'unit_not_ready')),
    failure_note             text,
    created_at               timestamptz NOT NULL DEFAULT now(),
    updated_at               timestamptz NOT NULL DEFAULT now(),
    completed_at             timestamptz,
    CHECK (window_end >= window_start),
    CHECK ((status = 'completed') = (completed_at IS NOT NULL))
);
-- The job lists: ordered by window, optionally by status and/or retailer.
CREATE INDEX jobs_window ON jobs (window_start, id);
CREATE INDEX jobs_status_window ON jobs (status, window_start, id);
CREATE INDEX jobs_retailer_window ON jobs (retailer_id, window_start, id);

CREATE TABLE job_events (
    id          uuid PRIMARY KEY,
    job_id      uuid NOT NULL REFERENCES jobs (id),
    kind        text NOT NULL CHECK (kind IN ('scheduled', 'completed', 'failed')),
    occurred_at timestamptz NOT NULL DEFAULT now(),
    details     jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX job_events_job ON job_events (job_id, occurred_at, id);
"#,
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP TABLE job_events; DROP TABLE jobs;")
            .await?;
        Ok(())
    }
}
