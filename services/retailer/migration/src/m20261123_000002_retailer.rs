//! Retailers and their catalogue, sales, warranty cases, swaps, the claims filed with the
//! manufacturers, and the case timeline.
//!
//! Tenancy is in the keys: every table carries `retailer_id`, and every reference between tenant
//! tables is a composite foreign key `(retailer_id, x_id)`, so a row can never point at another
//! retailer's product, sale, case or swap, whatever a query forgets.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000002_retailer"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                r#"
CREATE TABLE retailers (
    id         uuid PRIMARY KEY,
    name       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE products (
    id              uuid PRIMARY KEY,
    retailer_id     uuid NOT NULL REFERENCES retailers (id),
    sku             text NOT NULL,
    name            text NOT NULL,
    manufacturer_id uuid NOT NULL,
    price           numeric(12,2) NOT NULL CHECK (price >= 0),
    currency        char(3) NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT products_sku UNIQUE (retailer_id, sku),
    CONSTRAINT products_tenant UNIQUE (retailer_id, id)
);

CREATE TABLE sales (
    id             uuid PRIMARY KEY,
    retailer_id    uuid NOT NULL REFERENCES retailers (id),
    receipt_no     text NOT NULL,
    product_id     uuid NOT NULL,
    serial         text NOT NULL,
    price_paid     numeric(12,2) NOT NULL CHECK (price_paid >= 0),
    currency       char(3) NOT NULL,
    sold_at        timestamptz NOT NULL,
    customer_name  text NOT NULL,
    customer_phone text NOT NULL,
    street         text NOT NULL,
    postcode       text NOT NULL,
    city           text NOT NULL,
    country        text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    -- One line per unit on a receipt; also serves the search by receipt number.
    CONSTRAINT sales_receipt_serial UNIQUE (retailer_id, receipt_no, serial),
    CONSTRAINT sales_tenant UNIQUE (retailer_id, id),
    CONSTRAINT sales_product FOREIGN KEY (retailer_id, product_id)
        REFERENCES products (retailer_id, id)
);
-- The search by serial and "the latest sale of this unit".
CREATE INDEX sales_serial ON sales (retailer_id, serial, sold_at DESC);

CREATE TABLE cases (
    id                 uuid PRIMARY KEY,
    retailer_id        uuid NOT NULL,
    sale_id            uuid NOT NULL,
    defect_category    text NOT NULL CHECK (defect_category IN ('does_not_start', 'noise',
                       'leak', 'display', 'performance', 'damaged_on_arrival', 'other')),
    defect_description text NOT NULL,
    status             text NOT NULL DEFAULT 'open'
                       CHECK (status IN ('open', 'swap_approved', 'delivered', 'closed')),
    opened_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT cases_tenant UNIQUE (retailer_id, id),
    CONSTRAINT cases_sale FOREIGN KEY (retailer_id, sale_id) REFERENCES sales (retailer_id, id)
);
-- At most one case in progress per sold unit: two clerks opening the same case at once get one
-- case and one conflict.
CREATE UNIQUE INDEX cases_one_active_per_sale ON cases (sale_id) WHERE status <> 'closed';
CREATE INDEX cases_by_retailer ON cases (retailer_id, opened_at, id);

CREATE TABLE swaps (
    id                     uuid PRIMARY KEY,
    -- One swap per case: the second concurrent approval can never insert a second one.
    case_id                uuid NOT NULL UNIQUE,
    retailer_id            uuid NOT NULL,
    replacement_product_id uuid NOT NULL,
    window_start           timestamptz NOT NULL,
    window_end             timestamptz NOT NULL,
    address_name           text NOT NULL,
    address_phone          text NOT NULL,
    street                 text NOT NULL,
    postcode               text NOT NULL,
    city                   text NOT NULL,
    country                text NOT NULL,
    approved_by            text NOT NULL,
    approved_at            timestamptz NOT NULL,
    status                 text NOT NULL DEFAULT 'approved'
                           CHECK (status IN ('approved', 'scheduled', 'delivered',
                                             'failed_attempt')),
    -- When the fact behind `status` happened (events may arrive out of order).
    status_changed_at      timestamptz NOT NULL,
    CONSTRAINT swaps_window CHECK (window_end > window_start),
    CONSTRAINT swaps_tenant UNIQUE (retailer_id, id),
    CONSTRAINT swaps_case FOREIGN KEY (retailer_id, case_id) REFERENCES cases (retailer_id, id),
    CONSTRAINT swaps_replacement FOREIGN KEY (retailer_id, replacement_product_id)
        REFERENCES products (retailer_id, id)
);

CREATE TABLE claims (
    id              uuid PRIMARY KEY,
    swap_id         uuid NOT NULL UNIQUE,
    case_id         uuid NOT NULL,
    retailer_id     uuid NOT NULL,
    manufacturer_id uuid NOT NULL,
    -- `amount_claimed` and `decided_amount` are both in `currency`.
    amount_claimed  numeric(12,2) NOT NULL CHECK (amount_claimed >= 0),
    currency        char(3) NOT NULL,
    status          text NOT NULL DEFAULT 'submitted'
                    CHECK (status IN ('submitted', 'accepted', 'partly_accepted', 'rejected')),
    decided_amount  numeric(12,2) CHECK (decided_amount >= 0),
    reason_code     text,
    submitted_at    timestamptz NOT NULL,
    decided_at      timestamptz,
    CONSTRAINT claims_decided CHECK (
        (status = 'submitted') = (decided_at IS NULL)
        AND (status = 'submitted') = (decided_amount IS NULL)
    ),
    CONSTRAINT claims_swap FOREIGN KEY (retailer_id, swap_id) REFERENCES swaps (retailer_id, id),
    CONSTRAINT claims_case FOREIGN KEY (retailer_id, case_id) REFERENCES cases (retailer_id, id)
);
CREATE INDEX claims_by_retailer ON claims (retailer_id, status, submitted_at);

-- Append-only: what happened to a case, from whichever service, ordered by when it happened.
CREATE TABLE timeline (
    id          uuid PRIMARY KEY,
    case_id     uuid NOT NULL,
    retailer_id uuid NOT NULL,
    kind        text NOT NULL,
    occurred_at timestamptz NOT NULL,
    source      text NOT NULL CHECK (source IN ('retailer', 'logistics', 'manufacturer')),
    -- The message an entry came from: a second copy of it (even one the inbox no longer
    -- remembers) adds nothing.
    message_id  uuid UNIQUE,
    details     jsonb NOT NULL DEFAULT '{}'::jsonb,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT timeline_case FOREIGN KEY (retailer_id, case_id) REFERENCES cases (retailer_id, id)
);
CREATE INDEX timeline_by_case ON timeline (case_id, occurred_at, id);
"#,
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "DROP TABLE timeline; DROP TABLE claims; DROP TABLE swaps; DROP TABLE cases; \
                 DROP TABLE sales; DROP TABLE products; DROP TABLE retailers;",
            )
            .await?;
        Ok(())
    }
}
