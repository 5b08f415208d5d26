//! Carriers, their crews (home region by postcode prefixes, visits per day) and the assignment of
//! jobs to crews by day, with the dispatcher's history kinds.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000003_dispatch"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                r#"
CREATE TABLE carriers (
    id          uuid PRIMARY KEY,
    name        text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE crews (
    id                      uuid PRIMARY KEY,
    carrier_id              uuid NOT NULL REFERENCES carriers (id),
    name                    text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    -- Upper-case letters and digits, 1–10 each, at least one; matched against the job's
    -- postcode with spaces removed and letters upper-cased.
    home_postcode_prefixes  text[] NOT NULL
                            CHECK (cardinality(home_postcode_prefixes) BETWEEN 1 AND 100
                                   AND array_position(home_postcode_prefixes, NULL) IS NULL
                                   AND array_to_string(home_postcode_prefixes, ',')
                                       ~ '^[0-9A-Z]{1,10}(,[0-9A-Z]{1,10})*$'),
    visits_per_day          integer NOT NULL CHECK (visits_per_day BETWEEN 1 AND 50),
    active                  boolean NOT NULL DEFAULT true,
    created_at              timestamptz NOT NULL DEFAULT now(),
    UNIQUE (carrier_id, name),
    -- Target of the jobs' (crew_id, carrier_id) reference: a job's carrier is its crew's.
    UNIQUE (id, carrier_id)
);
CREATE INDEX crews_carrier ON crews (carrier_id, name, id);

ALTER TABLE jobs
    ADD COLUMN carrier_id uuid REFERENCES carriers (id),
    ADD COLUMN crew_id    uuid,
    -- The day of the visit: the date of window_start in UTC.
    ADD COLUMN visit_date date,
    -- Order of the visit within its crew's day (1, 2, …), by window start.
    ADD COLUMN position   integer CHECK (position >= 1),
    ADD CONSTRAINT jobs_crew_of_carrier FOREIGN KEY (crew_id, carrier_id)
        REFERENCES crews (id, carrier_id),
    ADD CONSTRAINT jobs_assigned_consistently
        CHECK ((crew_id IS NULL) = (position IS NULL)
               AND (crew_id IS NULL OR (carrier_id IS NOT NULL AND visit_date IS NOT NULL)));
UPDATE jobs SET visit_date = (window_start AT TIME ZONE 'UTC')::date;
-- A crew's day (capacity, positions, the crew's page) and the day's unassigned jobs.
CREATE INDEX jobs_crew_day ON jobs (crew_id, visit_date, window_start, id)
    WHERE crew_id IS NOT NULL;
CREATE INDEX jobs_unassigned_day ON jobs (visit_date, window_start, id) WHERE crew_id IS NULL;

ALTER TABLE job_events DROP CONSTRAINT job_events_kind_check;
ALTER TABLE job_events ADD CONSTRAINT job_events_kind_check
    CHECK (kind IN ('scheduled', 'completed', 'failed', 'assigned', 'reassigned', 'rescheduled'));
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
DELETE FROM job_events WHERE kind IN ('assigned', 'reassigned', 'rescheduled');
ALTER TABLE job_events DROP CONSTRAINT job_events_kind_check;
ALTER TABLE job_events ADD CONSTRAINT job_events_kind_check
    CHECK (kind IN ('scheduled', 'completed', 'failed'));
DROP INDEX jobs_unassigned_day;
DROP INDEX jobs_crew_day;
ALTER TABLE jobs
    DROP CONSTRAINT jobs_assigned_consistently,
    DROP CONSTRAINT jobs_crew_of_carrier,
    DROP COLUMN position,
    DROP COLUMN visit_date,
    DROP COLUMN crew_id,
    DROP COLUMN carrier_id;
DROP TABLE crews;
DROP TABLE carriers;
"#,
            )
            .await?;
        Ok(())
    }
}
