//! Issue 11 (dec): the manufacturer may send a claim back to the retailer with a question
//! (`information_requested`). The claim's `deadline_at` is then the retailer's answer deadline;
//! the request, the status it came from and the answer are kept in `claim_information_requests`
//! (one row per question, the open one has no `answered_at` and no `expired_at`).

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000030_information_requests"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                r#"
ALTER TABLE claims DROP CONSTRAINT claims_status_check;
ALTER TABLE claims ADD CONSTRAINT claims_status_check
    CHECK (status IN ('pending', 'accepted', 'partly_accepted', 'rejected', 'return_requested',
                      'unit_arrived', 'disputed', 'information_requested'));
-- A question may be asked of a pending claim (undecided) or of a disputed one (which keeps its
-- rejection until decided again).
ALTER TABLE claims DROP CONSTRAINT claims_decided;
ALTER TABLE claims ADD CONSTRAINT claims_decided CHECK (
    (status IN ('pending', 'return_requested', 'unit_arrived') AND decided_at IS NULL
        AND decided_amount IS NULL AND decided_by IS NULL)
    OR (status IN ('accepted', 'partly_accepted', 'rejected', 'disputed')
        AND decided_at IS NOT NULL AND decided_amount IS NOT NULL AND decided_by IS NOT NULL)
    OR status = 'information_requested');

ALTER TABLE claim_events DROP CONSTRAINT claim_events_kind_check;
ALTER TABLE claim_events ADD CONSTRAINT claim_events_kind_check
    CHECK (kind IN ('received', 'auto_accepted', 'left_pending', 'decided', 'evidence_added',
                    'readjudicated', 'return_requested', 'unit_arrived', 'inspected',
                    'disputed', 'ignored', 'information_requested', 'information_provided'));
-- The sweep of unanswered questions.
CREATE INDEX claims_information_deadline ON claims (deadline_at)
    WHERE status = 'information_requested';

CREATE TABLE claim_information_requests (
    id            uuid PRIMARY KEY,
    claim_id      uuid NOT NULL REFERENCES claims (id),
    question      text NOT NULL,
    answer_by     timestamptz NOT NULL,
    requested_at  timestamptz NOT NULL,
    -- The status the claim returns to once answered (pending, unit_arrived or disputed).
    prior_status  text NOT NULL,
    answer        text,
    answered_by   text,
    answered_at   timestamptz,
    -- The sweep rejected the claim unanswered (reason no_information).
    expired_at    timestamptz,
    CHECK ((answer IS NULL) = (answered_at IS NULL))
);
-- At most one open question per claim.
CREATE UNIQUE INDEX claim_information_open ON claim_information_requests (claim_id)
    WHERE answered_at IS NULL AND expired_at IS NULL;
CREATE INDEX claim_information_of_claim ON claim_information_requests (claim_id, requested_at);
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
DROP TABLE claim_information_requests;
DROP INDEX claims_information_deadline;
ALTER TABLE claim_events DROP CONSTRAINT claim_events_kind_check;
ALTER TABLE claim_events ADD CONSTRAINT claim_events_kind_check
    CHECK (kind IN ('received', 'auto_accepted', 'left_pending', 'decided', 'evidence_added',
                    'readjudicated', 'return_requested', 'unit_arrived', 'inspected',
                    'disputed', 'ignored'));
ALTER TABLE claims DROP CONSTRAINT claims_decided;
ALTER TABLE claims ADD CONSTRAINT claims_decided CHECK (
    (status IN ('pending', 'return_requested', 'unit_arrived') AND decided_at IS NULL
        AND decided_amount IS NULL AND decided_by IS NULL)
    OR (status IN ('accepted', 'partly_accepted', 'rejected', 'disputed')
        AND decided_at IS NOT NULL AND decided_amount IS NOT NULL AND decided_by IS NOT NULL));
ALTER TABLE claims DROP CONSTRAINT claims_status_check;
ALTER TABLE claims ADD CONSTRAINT claims_status_check
    CHECK (status IN ('pending', 'accepted', 'partly_accepted', 'rejected', 'return_requested',
                      'unit_arrived', 'disputed'));
"#,
            )
            .await?;
        Ok(())
    }
}
