//! Deadlines with a default outcome, duplicate and fraud flags, the serial registry, and
//! idempotency keys.
//!
//! - `agreements.default_outcome`: what a claim left undecided past its deadline becomes.
//! - `claims.flags`: why a claim looks suspicious (`duplicate_serial`, `unknown_serial`), a JSON
//!   array of codes; a flagged claim is never accepted by a rule. `flagged` joins the pending
//!   reasons for a claim the rules would have accepted but for its flags.
//! - `serial_registry`: the serials a manufacturer says it made (uploaded through the API).
//! - `idempotency_keys`: the first answer to a POST with an `Idempotency-Key`, written in the
//!   same transaction as the work it answers.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000003_deadlines_flags_idempotency"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                r#"
ALTER TABLE agreements
    ADD COLUMN default_outcome text NOT NULL DEFAULT 'accept'
        CONSTRAINT agreements_default_outcome CHECK (default_outcome IN ('accept', 'reject'));

ALTER TABLE claims
    ADD COLUMN flags jsonb NOT NULL DEFAULT '[]'::jsonb
        CONSTRAINT claims_flags_array CHECK (jsonb_typeof(flags) = 'array');
ALTER TABLE claims DROP CONSTRAINT claims_pending_reason_check;
ALTER TABLE claims ADD CONSTRAINT claims_pending_reason_check
    CHECK (pending_reason IN ('no_agreement', 'currency_mismatch', 'swapped_before_sale',
                              'outside_doa', 'outside_coverage', 'flagged'));
-- For the duplicate check on arrival.
CREATE INDEX claims_by_serial ON claims (manufacturer_id, serial);

CREATE TABLE serial_registry (
    manufacturer_id uuid NOT NULL REFERENCES manufacturers (id),
    serial          text NOT NULL,
    uploaded_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (manufacturer_id, serial)
);

-- No foreign key to manufacturers: a key is inserted before the work checks the manufacturer,
-- and a request for an unknown one rolls its key back with everything else.
CREATE TABLE idempotency_keys (
    manufacturer_id uuid NOT NULL,
    key             text NOT NULL,
    -- sha256 (hex) of the method, path and body of the first request.
    request_hash    text NOT NULL,
    -- The first answer; NULL only inside the transaction that does the work.
    status          smallint,
    body            jsonb,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (manufacturer_id, key)
);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
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
DROP TABLE idempotency_keys;
DROP TABLE serial_registry;
DROP INDEX claims_by_serial;
ALTER TABLE claims DROP CONSTRAINT claims_pending_reason_check;
ALTER TABLE claims ADD CONSTRAINT claims_pending_reason_check
    CHECK (pending_reason IN ('no_agreement', 'currency_mismatch', 'swapped_before_sale',
                              'outside_doa', 'outside_coverage'));
ALTER TABLE claims DROP COLUMN flags;
ALTER TABLE agreements DROP COLUMN default_outcome;
"#,
            )
            .await?;
        Ok(())
    }
}
