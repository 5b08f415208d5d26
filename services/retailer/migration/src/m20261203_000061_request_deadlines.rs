//! An approval request waits with a due time: past `due_at` it is escalated once to every
//! manager and admin of the retailer (`escalated_at`), past `expires_at` it ends `expired` and
//! the case is open again for a decision. Requests already open get the defaults (30 minutes,
//! 8 hours from when they were asked).

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000061_request_deadlines"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "ALTER TABLE approval_requests
                     ADD COLUMN due_at timestamptz,
                     ADD COLUMN expires_at timestamptz,
                     ADD COLUMN escalated_at timestamptz;
                 UPDATE approval_requests SET due_at = created_at + interval '30 minutes',
                     expires_at = created_at + interval '8 hours';
                 ALTER TABLE approval_requests
                     ALTER COLUMN due_at SET NOT NULL,
                     ALTER COLUMN expires_at SET NOT NULL,
                     ADD CONSTRAINT approval_requests_due CHECK (due_at <= expires_at),
                     DROP CONSTRAINT approval_requests_status_check,
                     ADD CONSTRAINT approval_requests_status_check CHECK (status IN
                         ('open', 'approved', 'declined', 'withdrawn', 'expired'));
                 CREATE INDEX approval_requests_due ON approval_requests (due_at)
                     WHERE status = 'open' AND escalated_at IS NULL;
                 CREATE INDEX approval_requests_expiring ON approval_requests (expires_at)
                     WHERE status = 'open';",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "DROP INDEX approval_requests_due; DROP INDEX approval_requests_expiring;
                 ALTER TABLE approval_requests
                     DROP CONSTRAINT approval_requests_due,
                     DROP CONSTRAINT approval_requests_status_check,
                     ADD CONSTRAINT approval_requests_status_check CHECK (status IN
                         ('open', 'approved', 'declined', 'withdrawn')),
                     DROP COLUMN due_at, DROP COLUMN expires_at, DROP COLUMN escalated_at;",
            )
            .await?;
        Ok(())
    }
}
