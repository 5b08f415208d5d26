//! Manufacturers, agreements (one per manufacturer and retailer), claims and their history.
//!
//! Every claim amount (`price_paid`, `handling_fee`, `suggested_amount`, `decided_amount`) is in
//! the claim's `currency`; an agreement's `handling_fee` is in the agreement's `currency`.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000002_manufacturer"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                r#"
CREATE TABLE manufacturers (
    id          uuid PRIMARY KEY,
    name        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE agreements (
    id                     uuid PRIMARY KEY,
    manufacturer_id        uuid NOT NULL REFERENCES manufacturers (id),
    retailer_id            uuid NOT NULL,
    currency               char(3) NOT NULL,
    coverage_months        integer NOT NULL CHECK (coverage_months BETWEEN 1 AND 120),
    doa_days               integer NOT NULL CHECK (doa_days BETWEEN 0 AND 365),
    reimbursement_percent  numeric(5,2) NOT NULL
                           CHECK (reimbursement_percent BETWEEN 0 AND 100),
    handling_fee           numeric(12,2) NOT NULL CHECK (handling_fee >= 0),
    decision_deadline_days integer NOT NULL CHECK (decision_deadline_days BETWEEN 1 AND 365),
    created_at             timestamptz NOT NULL DEFAULT now(),
    -- One agreement per pair until agreements are versioned.
    CONSTRAINT agreements_pair UNIQUE (manufacturer_id, retailer_id)
);
CREATE INDEX agreements_by_manufacturer ON agreements (manufacturer_id, created_at, id);

CREATE TABLE claims (
    id                 uuid PRIMARY KEY,
    manufacturer_id    uuid NOT NULL REFERENCES manufacturers (id),
    retailer_id        uuid NOT NULL,
    swap_id            uuid NOT NULL,
    case_id            uuid NOT NULL,
    serial             text NOT NULL,
    product_sku        text NOT NULL,
    product_name       text NOT NULL,
    currency           char(3) NOT NULL,
    price_paid         numeric(12,2) NOT NULL CHECK (price_paid >= 0),
    sold_at            timestamptz NOT NULL,
    swapped_at         timestamptz NOT NULL,
    defect_category    text NOT NULL,
    defect_description text NOT NULL,
    -- The agreement the claim was judged against, and its handling fee (when in the claim's
    -- currency) as it stood then.
    agreement_id       uuid REFERENCES agreements (id),
    handling_fee       numeric(12,2) CHECK (handling_fee >= 0),
    status             text NOT NULL
                       CHECK (status IN ('pending', 'accepted', 'partly_accepted', 'rejected')),
    -- Why the rules left it pending (kept after a decision: it says why it waited).
    pending_reason     text CHECK (pending_reason IN ('no_agreement', 'currency_mismatch',
                       'swapped_before_sale', 'outside_doa', 'outside_coverage')),
    suggested_amount   numeric(12,2) CHECK (suggested_amount >= 0),
    decided_amount     numeric(12,2) CHECK (decided_amount >= 0),
    reason_code        text,
    decided_by         text,
    received_at        timestamptz NOT NULL,
    deadline_at        timestamptz,
    decided_at         timestamptz,
    -- One claim per swap (the natural key beside the retailer's claim id).
    CONSTRAINT claims_swap UNIQUE (swap_id),
    CONSTRAINT claims_decided CHECK (
        (status = 'pending' AND decided_at IS NULL AND decided_amount IS NULL
            AND decided_by IS NULL)
        OR (status <> 'pending' AND decided_at IS NOT NULL AND decided_amount IS NOT NULL
            AND decided_by IS NOT NULL)
    )
);
CREATE INDEX claims_by_manufacturer ON claims (manufacturer_id, received_at DESC, id DESC);
CREATE INDEX claims_by_manufacturer_status
    ON claims (manufacturer_id, status, received_at DESC, id DESC);
-- For the deemed-acceptance sweep (a later issue): pending claims past their deadline.
CREATE INDEX claims_pending_deadline ON claims (deadline_at) WHERE status = 'pending';

-- Append-only history of a claim.
CREATE TABLE claim_events (
    id          uuid PRIMARY KEY,
    claim_id    uuid NOT NULL REFERENCES claims (id),
    kind        text NOT NULL
                CHECK (kind IN ('received', 'auto_accepted', 'left_pending', 'decided')),
    occurred_at timestamptz NOT NULL,
    details     jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX claim_events_by_claim ON claim_events (claim_id, occurred_at, id);
"#,
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "DROP TABLE claim_events; DROP TABLE claims; DROP TABLE agreements; \
                 DROP TABLE manufacturers;",
            )
            .await?;
        Ok(())
    }
}
