//! Cancel (issue 11): a job can be cancelled on the retailer's request before the crew sets off
//! (`status = 'cancelled'`, with when and why); the cancellation and its refusal are in the
//! job's history.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000040_job_cancel"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                r#"
ALTER TABLE jobs DROP CONSTRAINT jobs_status_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_status_check
    CHECK (status IN ('scheduled', 'completed', 'failed', 'cancelled'));
ALTER TABLE jobs
    ADD COLUMN cancelled_at  timestamptz,
    ADD COLUMN cancel_reason text,
    ADD CONSTRAINT jobs_cancelled_when CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL));

ALTER TABLE job_events DROP CONSTRAINT job_events_kind_check;
ALTER TABLE job_events ADD CONSTRAINT job_events_kind_check
    CHECK (kind IN ('scheduled', 'completed', 'failed', 'assigned', 'reassigned', 'rescheduled',
                    'on_the_way', 'delivered', 'collected', 'cancelled', 'cancel_refused'));
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
DELETE FROM job_events WHERE kind IN ('cancelled', 'cancel_refused');
ALTER TABLE job_events DROP CONSTRAINT job_events_kind_check;
ALTER TABLE job_events ADD CONSTRAINT job_events_kind_check
    CHECK (kind IN ('scheduled', 'completed', 'failed', 'assigned', 'reassigned', 'rescheduled',
                    'on_the_way', 'delivered', 'collected'));
ALTER TABLE jobs DROP CONSTRAINT jobs_cancelled_when,
    DROP COLUMN cancelled_at, DROP COLUMN cancel_reason;
ALTER TABLE jobs DROP CONSTRAINT jobs_status_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_status_check
    CHECK (status IN ('scheduled', 'completed', 'failed'));
"#,
            )
            .await?;
        Ok(())
    }
}
