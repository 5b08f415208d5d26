//! Versioned agreements, claim evidence, units requested back to a depot, their inspection, and
//! disputes.
//!
//! An agreement keeps its identity (`agreements`, one per manufacturer and retailer, whose
//! columns mirror its latest version) and gets `agreement_versions` numbered from 1, each in
//! force from `valid_from` until the next version's; `terms` is the published
//! `AgreementTermsV1`. A claim records the version that judged it. Existing agreements become
//! their version 1, valid from their creation.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000006_versions_evidence_returns_disputes"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                r#"
CREATE TABLE agreement_versions (
    agreement_id uuid NOT NULL REFERENCES agreements (id),
    version      integer NOT NULL CHECK (version >= 1),
    valid_from   timestamptz NOT NULL,
    -- `AgreementTermsV1` as published.
    terms        jsonb NOT NULL CHECK (jsonb_typeof(terms) = 'object'),
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (agreement_id, version)
);
CREATE INDEX agreement_versions_in_force ON agreement_versions (agreement_id, valid_from DESC);

INSERT INTO agreement_versions (agreement_id, version, valid_from, terms, created_at)
SELECT id, 1, created_at,
       jsonb_build_object(
           'currency', trim(currency),
           'coverage_months', coverage_months,
           'doa_days', doa_days,
           'reimbursement_percent', reimbursement_percent::text,
           'depreciation_percent_per_month', '0',
           'handling_fee', jsonb_build_object('amount', handling_fee::text,
                                              'currency', trim(currency)),
           'unit_disposition', 'on_request',
           'decision_deadline_days', decision_deadline_days,
           'default_outcome', default_outcome,
           'evidence_required', '[]'::jsonb),
       created_at
FROM agreements;

ALTER TABLE agreements
    ADD COLUMN depreciation_percent_per_month numeric(5,2) NOT NULL DEFAULT 0
        CHECK (depreciation_percent_per_month BETWEEN 0 AND 100),
    ADD COLUMN unit_disposition text NOT NULL DEFAULT 'on_request'
        CHECK (unit_disposition IN ('on_request', 'must_return', 'scrap_on_site')),
    ADD COLUMN evidence_required jsonb NOT NULL DEFAULT '[]'::jsonb
        CHECK (jsonb_typeof(evidence_required) = 'array');

-- A manufacturer's depots that take units back.
CREATE TABLE depots (
    id              uuid PRIMARY KEY,
    manufacturer_id uuid NOT NULL REFERENCES manufacturers (id),
    name            text NOT NULL,
    -- `Address` of the contracts.
    address         jsonb NOT NULL CHECK (jsonb_typeof(address) = 'object'),
    created_at      timestamptz NOT NULL
);
CREATE INDEX depots_by_manufacturer ON depots (manufacturer_id, created_at, id);

ALTER TABLE claims
    -- With `agreement_id`: the version in force on the swap date that judged the claim.
    ADD COLUMN agreement_version integer,
    ADD COLUMN return_depot_id uuid REFERENCES depots (id),
    ADD COLUMN return_by timestamptz,
    ADD COLUMN freight_paid_by text CHECK (freight_paid_by IN ('manufacturer', 'retailer')),
    ADD COLUMN return_requested_at timestamptz,
    ADD COLUMN arrived_at timestamptz,
    ADD COLUMN inspection_result text CHECK (inspection_result IN ('defect_confirmed',
        'no_fault_found', 'customer_damage', 'not_the_claimed_unit')),
    ADD COLUMN inspection_note text,
    ADD COLUMN inspected_at timestamptz,
    ADD COLUMN dispute_statement text,
    ADD COLUMN disputed_by text,
    ADD COLUMN disputed_at timestamptz,
    ADD CONSTRAINT claims_agreement_version
        FOREIGN KEY (agreement_id, agreement_version)
        REFERENCES agreement_versions (agreement_id, version);
UPDATE claims SET agreement_version = 1 WHERE agreement_id IS NOT NULL;

ALTER TABLE claims DROP CONSTRAINT claims_status_check;
ALTER TABLE claims ADD CONSTRAINT claims_status_check
    CHECK (status IN ('pending', 'accepted', 'partly_accepted', 'rejected', 'return_requested',
                      'unit_arrived', 'disputed'));
-- Waiting for the unit or for a decision again: open, but it keeps whatever was decided before
-- (a disputed claim keeps its rejection until it is decided again).
ALTER TABLE claims DROP CONSTRAINT claims_decided;
ALTER TABLE claims ADD CONSTRAINT claims_decided CHECK (
    (status IN ('pending', 'return_requested', 'unit_arrived') AND decided_at IS NULL
        AND decided_amount IS NULL AND decided_by IS NULL)
    OR (status IN ('accepted', 'partly_accepted', 'rejected', 'disputed')
        AND decided_at IS NOT NULL AND decided_amount IS NOT NULL AND decided_by IS NOT NULL)
);
ALTER TABLE claims DROP CONSTRAINT claims_pending_reason_check;
ALTER TABLE claims ADD CONSTRAINT claims_pending_reason_check
    CHECK (pending_reason IN ('no_agreement', 'currency_mismatch', 'swapped_before_sale',
                              'outside_doa', 'outside_coverage', 'flagged',
                              'evidence_missing'));
DROP INDEX claims_pending_deadline;
CREATE INDEX claims_open_deadline ON claims (deadline_at)
    WHERE status IN ('pending', 'unit_arrived', 'disputed');

ALTER TABLE claim_events DROP CONSTRAINT claim_events_kind_check;
ALTER TABLE claim_events ADD CONSTRAINT claim_events_kind_check
    CHECK (kind IN ('received', 'auto_accepted', 'left_pending', 'decided', 'evidence_added',
                    'readjudicated', 'return_requested', 'unit_arrived', 'inspected',
                    'disputed', 'ignored'));

-- Evidence on a claim, stored once per `evidence_id`; a photo's bytes live here too.
CREATE TABLE claim_evidence (
    evidence_id        uuid PRIMARY KEY,
    claim_id           uuid NOT NULL REFERENCES claims (id),
    kind               text NOT NULL CHECK (kind IN ('collected_serial', 'collected_photo',
                       'delivered_photo', 'receipt', 'statement')),
    serial             text,
    serial_matches     boolean,
    note               text,
    photo_content_type text,
    photo_sha256       text,
    photo_size_bytes   bigint,
    photo              bytea,
    observed_at        timestamptz NOT NULL,
    received_at        timestamptz NOT NULL,
    -- `evidence` (forwarded on its own) or `dispute` (came with a dispute).
    source             text NOT NULL CHECK (source IN ('evidence', 'dispute')),
    CONSTRAINT claim_evidence_photo CHECK (
        (photo IS NULL) = (photo_content_type IS NULL)
        AND (photo IS NULL) = (photo_sha256 IS NULL)
        AND (photo IS NULL) = (photo_size_bytes IS NULL))
);
CREATE INDEX claim_evidence_by_claim ON claim_evidence (claim_id, observed_at, evidence_id);
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
DROP TABLE claim_evidence;
ALTER TABLE claim_events DROP CONSTRAINT claim_events_kind_check;
ALTER TABLE claim_events ADD CONSTRAINT claim_events_kind_check
    CHECK (kind IN ('received', 'auto_accepted', 'left_pending', 'decided'));
DROP INDEX claims_open_deadline;
CREATE INDEX claims_pending_deadline ON claims (deadline_at) WHERE status = 'pending';
ALTER TABLE claims DROP CONSTRAINT claims_pending_reason_check;
ALTER TABLE claims ADD CONSTRAINT claims_pending_reason_check
    CHECK (pending_reason IN ('no_agreement', 'currency_mismatch', 'swapped_before_sale',
                              'outside_doa', 'outside_coverage', 'flagged'));
ALTER TABLE claims DROP CONSTRAINT claims_decided;
ALTER TABLE claims ADD CONSTRAINT claims_decided CHECK (
    (status = 'pending' AND decided_at IS NULL AND decided_amount IS NULL
        AND decided_by IS NULL)
    OR (status <> 'pending' AND decided_at IS NOT NULL AND decided_amount IS NOT NULL
        AND decided_by IS NOT NULL));
ALTER TABLE claims DROP CONSTRAINT claims_status_check;
ALTER TABLE claims ADD CONSTRAINT claims_status_check
    CHECK (status IN ('pending', 'accepted', 'partly_accepted', 'rejected'));
ALTER TABLE claims DROP CONSTRAINT claims_agreement_version,
    DROP COLUMN agreement_version, DROP COLUMN return_depot_id, DROP COLUMN return_by,
    DROP COLUMN freight_paid_by, DROP COLUMN return_requested_at, DROP COLUMN arrived_at,
    DROP COLUMN inspection_result, DROP COLUMN inspection_note, DROP COLUMN inspected_at,
    DROP COLUMN dispute_statement, DROP COLUMN disputed_by, DROP COLUMN disputed_at;
DROP TABLE depots;
ALTER TABLE agreements DROP COLUMN depreciation_percent_per_month,
    DROP COLUMN unit_disposition, DROP COLUMN evidence_required;
DROP TABLE agreement_versions;
"#,
            )
            .await?;
        Ok(())
    }
}
