//! The message side of a case after the swap: the crew on the way (a swap status), disputes of a
//! rejected claim (once), the manufacturers' agreements as published to this retailer (every
//! version), and the credit notes that settle claims (the recovery ledger).

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000006_settlement"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                r#"
-- The crew has set off to the customer: the customer's status page shows it.
ALTER TABLE swaps DROP CONSTRAINT swaps_status_check;
ALTER TABLE swaps ADD CONSTRAINT swaps_status_check
    CHECK (status IN ('approved', 'scheduled', 'on_the_way', 'delivered', 'failed_attempt'));

-- A rejected claim disputed by the retailer waits for the manufacturer's new decision; it keeps
-- the rejection's decided_at and amount until then.
ALTER TABLE claims DROP CONSTRAINT claims_status_check;
ALTER TABLE claims ADD CONSTRAINT claims_status_check
    CHECK (status IN ('submitted', 'accepted', 'partly_accepted', 'rejected', 'disputed'));
ALTER TABLE claims ADD CONSTRAINT claims_tenant UNIQUE (retailer_id, id);
-- The recovery ledger reads a retailer's claims oldest first, page by page.
CREATE INDEX claims_ledger ON claims (retailer_id, submitted_at, id);

-- One dispute per claim, ever.
CREATE TABLE claim_disputes (
    claim_id     uuid PRIMARY KEY,
    retailer_id  uuid NOT NULL,
    statement    text NOT NULL CHECK (length(statement) BETWEEN 1 AND 4000),
    note         text CHECK (length(note) BETWEEN 1 AND 4000),
    disputed_by  text NOT NULL,
    disputed_at  timestamptz NOT NULL,
    CONSTRAINT claim_disputes_claim FOREIGN KEY (retailer_id, claim_id)
        REFERENCES claims (retailer_id, id)
);

-- Every version of every agreement a manufacturer published for this retailer; the desk uses
-- the version in force (the latest valid_from not in the future).
CREATE TABLE agreements (
    agreement_id      uuid NOT NULL,
    version           integer NOT NULL CHECK (version >= 1),
    retailer_id       uuid NOT NULL REFERENCES retailers (id),
    manufacturer_id   uuid NOT NULL,
    manufacturer_name text NOT NULL,
    valid_from        timestamptz NOT NULL,
    -- kummerer_contracts::AgreementTermsV1 as published.
    terms             jsonb NOT NULL,
    published_at      timestamptz NOT NULL,
    received_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agreement_id, version)
);
CREATE INDEX agreements_in_force ON agreements (retailer_id, manufacturer_id, valid_from);

-- Credit notes from the manufacturers, one row per note, one per credited claim line.
CREATE TABLE credit_notes (
    id              uuid PRIMARY KEY,
    retailer_id     uuid NOT NULL REFERENCES retailers (id),
    manufacturer_id uuid NOT NULL,
    number          text NOT NULL,
    total           numeric(12,2) NOT NULL,
    currency        char(3) NOT NULL,
    period_from     timestamptz,
    period_to       timestamptz,
    issued_at       timestamptz NOT NULL,
    received_at     timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE credit_lines (
    credit_note_id uuid NOT NULL REFERENCES credit_notes (id),
    line_no        integer NOT NULL,
    retailer_id    uuid NOT NULL,
    claim_id       uuid NOT NULL,
    amount         numeric(12,2) NOT NULL,
    currency       char(3) NOT NULL,
    PRIMARY KEY (credit_note_id, line_no),
    CONSTRAINT credit_lines_claim FOREIGN KEY (retailer_id, claim_id)
        REFERENCES claims (retailer_id, id)
);
CREATE INDEX credit_lines_by_claim ON credit_lines (retailer_id, claim_id);
"#,
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "DROP TABLE credit_lines; DROP TABLE credit_notes; DROP TABLE agreements; \
                 DROP TABLE claim_disputes; DROP INDEX claims_ledger; \
                 ALTER TABLE claims DROP CONSTRAINT claims_tenant; \
                 ALTER TABLE claims DROP CONSTRAINT claims_status_check; \
                 ALTER TABLE claims ADD CONSTRAINT claims_status_check \
                     CHECK (status IN ('submitted', 'accepted', 'partly_accepted', 'rejected')); \
                 ALTER TABLE swaps DROP CONSTRAINT swaps_status_check; \
                 ALTER TABLE swaps ADD CONSTRAINT swaps_status_check \
                     CHECK (status IN ('approved', 'scheduled', 'delivered', 'failed_attempt'));",
            )
            .await?;
        Ok(())
    }
}
