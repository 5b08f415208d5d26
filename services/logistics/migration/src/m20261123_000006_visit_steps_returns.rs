//! The visit in steps (on the way, delivered, collected; the job completes when both the delivery
//! and the collection are recorded), where the replacement is picked up, and the units the
//! manufacturer wants back: return items batched into one open return shipment per carrier,
//! manufacturer and depot.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000006_visit_steps_returns"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                r#"
ALTER TABLE jobs
    -- The current attempt: set off to the customer (cleared by a failed attempt), with the
    -- crew's estimate.
    ADD COLUMN on_the_way_at    timestamptz,
    ADD COLUMN eta              timestamptz,
    ADD COLUMN delivered_at     timestamptz,
    ADD COLUMN collected_at     timestamptz,
    -- Where the crew picks the replacement up (SwapApprovedV1.replacement_from), if given.
    ADD COLUMN replacement_from jsonb;
UPDATE jobs SET delivered_at = completed_at, collected_at = completed_at
    WHERE status = 'completed';
ALTER TABLE jobs
    ADD CONSTRAINT jobs_delivered_has_serial
        CHECK ((delivered_at IS NULL) = (delivered_serial IS NULL)),
    ADD CONSTRAINT jobs_collected_has_serial
        CHECK ((collected_at IS NULL) = (collected_serial IS NULL)),
    ADD CONSTRAINT jobs_completed_is_both_steps
        CHECK (status <> 'completed' OR (delivered_at IS NOT NULL AND collected_at IS NOT NULL));

ALTER TABLE job_events DROP CONSTRAINT job_events_kind_check;
ALTER TABLE job_events ADD CONSTRAINT job_events_kind_check
    CHECK (kind IN ('scheduled', 'completed', 'failed', 'assigned', 'reassigned', 'rescheduled',
                    'on_the_way', 'delivered', 'collected'));

-- One trip from a carrier's depot to a manufacturer's depot. At most one open shipment per
-- carrier, manufacturer and depot collects the units as they are requested.
CREATE TABLE return_shipments (
    id              uuid PRIMARY KEY,
    carrier_id      uuid NOT NULL REFERENCES carriers (id),
    manufacturer_id uuid NOT NULL,
    depot_id        uuid NOT NULL,
    depot_name      text NOT NULL,
    depot_address   jsonb NOT NULL,
    status          text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'dispatched', 'arrived')),
    crew_id         uuid,
    ship_date       date,
    dispatched_at   timestamptz,
    arrived_at      timestamptz,
    received_by     text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (crew_id, carrier_id) REFERENCES crews (id, carrier_id),
    CHECK ((status = 'open') = (crew_id IS NULL)),
    CHECK ((status = 'open') = (dispatched_at IS NULL) AND (crew_id IS NULL) = (ship_date IS NULL)),
    CHECK ((status = 'arrived') = (arrived_at IS NOT NULL)
           AND (arrived_at IS NULL) = (received_by IS NULL))
);
CREATE UNIQUE INDEX return_shipments_one_open
    ON return_shipments (carrier_id, manufacturer_id, depot_id) WHERE status = 'open';
CREATE INDEX return_shipments_carrier ON return_shipments (carrier_id, status, created_at, id);
CREATE INDEX return_shipments_crew_day ON return_shipments (crew_id, ship_date)
    WHERE crew_id IS NOT NULL;

-- A unit the manufacturer wants back (one per claim). It is in a shipment once its job has a
-- carrier; it can travel once the crew collected it.
CREATE TABLE return_items (
    id              uuid PRIMARY KEY,
    claim_id        uuid NOT NULL UNIQUE,
    swap_id         uuid NOT NULL,
    case_id         uuid NOT NULL,
    retailer_id     uuid NOT NULL,
    manufacturer_id uuid NOT NULL,
    job_id          uuid NOT NULL REFERENCES jobs (id),
    serial          text NOT NULL,
    product_sku     text NOT NULL,
    product_name    text NOT NULL,
    depot_id        uuid NOT NULL,
    depot_name      text NOT NULL,
    depot_address   jsonb NOT NULL,
    return_by       timestamptz NOT NULL,
    freight_paid_by text NOT NULL CHECK (freight_paid_by IN ('manufacturer', 'retailer')),
    requested_at    timestamptz NOT NULL,
    shipment_id     uuid REFERENCES return_shipments (id),
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX return_items_shipment ON return_items (shipment_id, created_at, id);
CREATE INDEX return_items_job ON return_items (job_id);
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
DROP TABLE return_items;
DROP TABLE return_shipments;
DELETE FROM job_events WHERE kind IN ('on_the_way', 'delivered', 'collected');
ALTER TABLE job_events DROP CONSTRAINT job_events_kind_check;
ALTER TABLE job_events ADD CONSTRAINT job_events_kind_check
    CHECK (kind IN ('scheduled', 'completed', 'failed', 'assigned', 'reassigned', 'rescheduled'));
ALTER TABLE jobs
    DROP CONSTRAINT jobs_completed_is_both_steps,
    DROP CONSTRAINT jobs_collected_has_serial,
    DROP CONSTRAINT jobs_delivered_has_serial,
    DROP COLUMN replacement_from,
    DROP COLUMN collected_at,
    DROP COLUMN delivered_at,
    DROP COLUMN eta,
    DROP COLUMN on_the_way_at;
"#,
            )
            .await?;
        Ok(())
    }
}
