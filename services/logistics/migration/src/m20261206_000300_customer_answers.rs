//! The customer's answer about a visit (issue 13): "I'll be home" or "I won't be home" (with a
//! note) from the status page, the latest per job, so the crew's visit page and the
//! dispatcher's board show it at once. A correction that moves the visit clears it. The job's
//! history takes three new kinds: `customer_confirmed`, `customer_not_home`,
//! `customer_answer_late`.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000300_customer_answers"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                r#"
CREATE TABLE job_customer_answers (
    job_id       uuid        PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
    answer_id    uuid        NOT NULL,
    answer       text        NOT NULL CHECK (answer IN ('confirmed', 'not_home')),
    note         text,
    window_start timestamptz NOT NULL,
    window_end   timestamptz NOT NULL,
    answered_at  timestamptz NOT NULL
);
ALTER TABLE job_events DROP CONSTRAINT job_events_kind_check;
ALTER TABLE job_events ADD CONSTRAINT job_events_kind_check
    CHECK (kind IN ('scheduled', 'completed', 'failed', 'assigned', 'reassigned',
                    'rescheduled', 'on_the_way', 'delivered', 'collected',
                    'cancelled', 'cancel_refused', 'escalated',
                    'corrected', 'correction_refused',
                    'customer_confirmed', 'customer_not_home', 'customer_answer_late'));
"#,
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "DELETE FROM job_events WHERE kind IN ('customer_confirmed', 'customer_not_home', \
                                                      'customer_answer_late');
                 ALTER TABLE job_events DROP CONSTRAINT job_events_kind_check;
                 ALTER TABLE job_events ADD CONSTRAINT job_events_kind_check
                     CHECK (kind IN ('scheduled', 'completed', 'failed', 'assigned', 'reassigned',
                                     'rescheduled', 'on_the_way', 'delivered', 'collected',
                                     'cancelled', 'cancel_refused', 'escalated',
                                     'corrected', 'correction_refused'));
                 DROP TABLE job_customer_answers;",
            )
            .await?;
        Ok(())
    }
}
