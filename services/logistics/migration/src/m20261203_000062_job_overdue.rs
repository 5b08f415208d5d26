//! Nobody waits forever on a job: which overdue wait of a job was escalated last (`unassigned`,
//! `window_passed`, `not_rescheduled`), when, and to whom (`dispatchers` or `operator`), so the
//! sweep escalates each once; the job history's new entry `escalated`.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000062_job_overdue"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "ALTER TABLE jobs
                     ADD COLUMN escalated_for text
                         CHECK (escalated_for IN ('unassigned', 'window_passed', 'not_rescheduled')),
                     ADD COLUMN escalated_at timestamptz,
                     ADD COLUMN escalated_to text CHECK (escalated_to IN ('dispatchers', 'operator')),
                     ADD CONSTRAINT jobs_escalated CHECK ((escalated_for IS NULL) = (escalated_at IS NULL));
                 CREATE INDEX jobs_waiting ON jobs (window_start) WHERE status <> 'completed';
                 ALTER TABLE job_events DROP CONSTRAINT job_events_kind_check;
                 ALTER TABLE job_events ADD CONSTRAINT job_events_kind_check
                     CHECK (kind IN ('scheduled', 'completed', 'failed', 'assigned', 'reassigned',
                                     'rescheduled', 'on_the_way', 'delivered', 'collected',
                                     'cancelled', 'cancel_refused', 'escalated'));",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "DELETE FROM job_events WHERE kind = 'escalated';
                 ALTER TABLE job_events DROP CONSTRAINT job_events_kind_check;
                 ALTER TABLE job_events ADD CONSTRAINT job_events_kind_check
                     CHECK (kind IN ('scheduled', 'completed', 'failed', 'assigned', 'reassigned',
                                     'rescheduled', 'on_the_way', 'delivered', 'collected',
                                     'cancelled', 'cancel_refused'));
                 DROP INDEX jobs_waiting;
                 ALTER TABLE jobs DROP CONSTRAINT jobs_escalated, DROP COLUMN escalated_for,
                     DROP COLUMN escalated_at, DROP COLUMN escalated_to;",
            )
            .await?;
        Ok(())
    }
}
