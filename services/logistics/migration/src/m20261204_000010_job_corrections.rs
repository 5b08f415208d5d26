//! Correct the address or window before the visit (issue 11): the job history's new entries
//! `corrected` (with the correction's id, what changed and the crew before and after) and
//! `correction_refused` (with the reason). The job's own columns change in place.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261204_000010_job_corrections"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "ALTER TABLE job_events DROP CONSTRAINT job_events_kind_check;
                 ALTER TABLE job_events ADD CONSTRAINT job_events_kind_check
                     CHECK (kind IN ('scheduled', 'completed', 'failed', 'assigned', 'reassigned',
                                     'rescheduled', 'on_the_way', 'delivered', 'collected',
                                     'cancelled', 'cancel_refused', 'escalated',
                                     'corrected', 'correction_refused'));",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "DELETE FROM job_events WHERE kind IN ('corrected', 'correction_refused');
                 ALTER TABLE job_events DROP CONSTRAINT job_events_kind_check;
                 ALTER TABLE job_events ADD CONSTRAINT job_events_kind_check
                     CHECK (kind IN ('scheduled', 'completed', 'failed', 'assigned', 'reassigned',
                                     'rescheduled', 'on_the_way', 'delivered', 'collected',
                                     'cancelled', 'cancel_refused', 'escalated'));",
            )
            .await?;
        Ok(())
    }
}
