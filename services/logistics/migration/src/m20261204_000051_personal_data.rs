//! Issue 18, personal data by rule: a job's personal data erased (`jobs.erased_at`) on the
//! retailer's `retailer.customer.erasure_requested.v1`, and the erasure record
//! (`customer_erasures`: one row per erasure id — what was erased, when, on whose request; ids
//! and counts only). A history entry arriving for a job already erased is stored without the
//! recipient's name or the crew's note, by a trigger.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261204_000051_personal_data"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                r#"
ALTER TABLE jobs ADD COLUMN erased_at timestamptz;

CREATE TABLE customer_erasures (
    erasure_id   uuid PRIMARY KEY,
    retailer_id  uuid NOT NULL,
    reason       text NOT NULL CHECK (reason IN ('request', 'retention')),
    requested_at timestamptz NOT NULL,
    erased_at    timestamptz NOT NULL,
    job_ids      uuid[] NOT NULL,
    jobs         integer NOT NULL CHECK (jobs >= 0),
    photos       integer NOT NULL CHECK (photos >= 0),
    outbox_rows  integer NOT NULL CHECK (outbox_rows >= 0)
);
CREATE INDEX customer_erasures_by_retailer ON customer_erasures (retailer_id, erased_at DESC);

"#,
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(&kummerer_messaging::migration::scrub_under_erased_sql(
                "job_event_of_erased_job",
                "job_events",
                "jobs",
                "job_id",
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "DROP TRIGGER job_event_of_erased_job ON job_events; \
                 DROP FUNCTION job_event_of_erased_job(); DROP TABLE customer_erasures; \
                 ALTER TABLE jobs DROP COLUMN erased_at;",
            )
            .await?;
        Ok(())
    }
}
