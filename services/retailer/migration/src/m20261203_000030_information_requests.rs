//! Issue 11 (dec): the manufacturer may send a claim back with a question
//! (`manufacturer.claim.information_requested.v1`); the claim is `information_requested` until
//! the retailer answers (desk or API). The questions and answers are kept in
//! `claim_information_requests` (the open one has no `answered_at`).

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
    CHECK (status IN ('submitted', 'accepted', 'partly_accepted', 'rejected', 'disputed',
                      'not_accepted', 'information_requested'));
-- Asked of a submitted claim (undecided) or of a disputed one (which keeps its rejection).
ALTER TABLE claims DROP CONSTRAINT claims_decided;
ALTER TABLE claims ADD CONSTRAINT claims_decided CHECK (
    status = 'information_requested'
    OR ((status IN ('submitted', 'not_accepted')) = (decided_at IS NULL)
        AND (status IN ('submitted', 'not_accepted')) = (decided_amount IS NULL)));

CREATE TABLE claim_information_requests (
    id              uuid PRIMARY KEY,
    claim_id        uuid NOT NULL REFERENCES claims (id),
    retailer_id     uuid NOT NULL,
    -- The message that asked: a copy of it asks nothing twice.
    message_id      uuid NOT NULL UNIQUE,
    question        text NOT NULL,
    answer_by       timestamptz NOT NULL,
    requested_at    timestamptz NOT NULL,
    answer          text,
    answered_by     text,
    answered_by_key uuid,
    answered_at     timestamptz,
    CHECK ((answer IS NULL) = (answered_at IS NULL))
);
CREATE INDEX claim_information_of_claim
    ON claim_information_requests (retailer_id, claim_id, requested_at);
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
ALTER TABLE claims DROP CONSTRAINT claims_decided;
ALTER TABLE claims ADD CONSTRAINT claims_decided CHECK (
    (status IN ('submitted', 'not_accepted')) = (decided_at IS NULL)
    AND (status IN ('submitted', 'not_accepted')) = (decided_amount IS NULL));
ALTER TABLE claims DROP CONSTRAINT claims_status_check;
ALTER TABLE claims ADD CONSTRAINT claims_status_check
    CHECK (status IN ('submitted', 'accepted', 'partly_accepted', 'rejected', 'disputed',
                      'not_accepted'));
"#,
            )
            .await?;
        Ok(())
    }
}
