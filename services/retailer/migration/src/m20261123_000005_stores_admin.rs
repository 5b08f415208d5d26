//! Stores, stock and the desk's administration: a retailer's stores and stock locations (a
//! store's own stock room, or a central warehouse with no store) with their addresses, the stock
//! level of each product at each location (never below zero), staff belonging to a store and
//! staff disabled by an admin, the stock location a swap's replacement was reserved at, the store
//! a case was opened at; the approval requests a clerk sends to the managers' desks; and the POS
//! sales files uploaded for import.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000005_stores_admin"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                r#"
CREATE TABLE stores (
    id          uuid PRIMARY KEY,
    retailer_id uuid NOT NULL REFERENCES retailers (id),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT stores_name UNIQUE (retailer_id, name),
    CONSTRAINT stores_tenant UNIQUE (retailer_id, id)
);

CREATE TABLE stock_locations (
    id          uuid PRIMARY KEY,
    retailer_id uuid NOT NULL REFERENCES retailers (id),
    -- NULL: a central warehouse that belongs to no store.
    store_id    uuid,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    phone       text NOT NULL DEFAULT '',
    street      text NOT NULL,
    postcode    text NOT NULL,
    city        text NOT NULL,
    country     text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT stock_locations_name UNIQUE (retailer_id, name),
    CONSTRAINT stock_locations_tenant UNIQUE (retailer_id, id),
    CONSTRAINT stock_locations_store FOREIGN KEY (retailer_id, store_id)
        REFERENCES stores (retailer_id, id)
);

-- How many units of a product a location has; a swap reserves one with
-- `quantity = quantity - 1 ... AND quantity > 0`, and the CHECK is the second line of defence.
CREATE TABLE stock_levels (
    retailer_id uuid NOT NULL,
    location_id uuid NOT NULL,
    product_id  uuid NOT NULL,
    quantity    integer NOT NULL CHECK (quantity >= 0),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (location_id, product_id),
    CONSTRAINT stock_levels_location FOREIGN KEY (retailer_id, location_id)
        REFERENCES stock_locations (retailer_id, id),
    CONSTRAINT stock_levels_product FOREIGN KEY (retailer_id, product_id)
        REFERENCES products (retailer_id, id)
);
CREATE INDEX stock_levels_by_product ON stock_levels (retailer_id, product_id)
    WHERE quantity > 0;

-- Staff belong to a store (NULL for accounts made before stores, and for head-office staff);
-- a disabled account cannot sign in and its sessions end.
ALTER TABLE staff ADD COLUMN store_id uuid,
    ADD CONSTRAINT staff_store FOREIGN KEY (retailer_id, store_id)
        REFERENCES stores (retailer_id, id);
ALTER TABLE staff ADD COLUMN disabled_at timestamptz;

-- Where the replacement was reserved (NULL: no reservation, e.g. the JSON API without one).
ALTER TABLE swaps ADD COLUMN stock_location_id uuid,
    ADD CONSTRAINT swaps_stock_location FOREIGN KEY (retailer_id, stock_location_id)
        REFERENCES stock_locations (retailer_id, id);

-- The store a case was opened at (the desk: the staff member's store).
ALTER TABLE cases ADD COLUMN store_id uuid,
    ADD CONSTRAINT cases_store FOREIGN KEY (retailer_id, store_id)
        REFERENCES stores (retailer_id, id);

-- The dashboard: deliveries per retailer (time to swap), and the open work (who holds the ball).
CREATE INDEX timeline_deliveries ON timeline (retailer_id, case_id, occurred_at)
    WHERE kind IN ('delivered', 'delivered_and_collected');
CREATE INDEX swaps_undelivered ON swaps (retailer_id) WHERE status <> 'delivered';
CREATE INDEX cases_open ON cases (retailer_id) WHERE status = 'open';

-- A clerk above their limit asks the managers: the whole swap form waits here until a manager
-- approves it (the swap is made in that transaction) or declines it with a reason.
CREATE TABLE approval_requests (
    id             uuid PRIMARY KEY,
    retailer_id    uuid NOT NULL,
    case_id        uuid NOT NULL,
    requested_by   uuid NOT NULL,
    form           jsonb NOT NULL,
    status         text NOT NULL DEFAULT 'open'
                   CHECK (status IN ('open', 'approved', 'declined', 'withdrawn')),
    decided_by     uuid,
    decided_at     timestamptz,
    decline_reason text,
    swap_id        uuid,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT approval_requests_tenant UNIQUE (retailer_id, id),
    CONSTRAINT approval_requests_case FOREIGN KEY (retailer_id, case_id)
        REFERENCES cases (retailer_id, id),
    CONSTRAINT approval_requests_requester FOREIGN KEY (retailer_id, requested_by)
        REFERENCES staff (retailer_id, id),
    CONSTRAINT approval_requests_decider FOREIGN KEY (retailer_id, decided_by)
        REFERENCES staff (retailer_id, id),
    CONSTRAINT approval_requests_swap FOREIGN KEY (retailer_id, swap_id)
        REFERENCES swaps (retailer_id, id),
    CONSTRAINT approval_requests_decided CHECK (
        (status = 'open') = (decided_at IS NULL)
        AND (status = 'approved') = (swap_id IS NOT NULL)
        AND (status = 'declined') = (decline_reason IS NOT NULL)
    )
);
-- One open request per case.
CREATE UNIQUE INDEX approval_requests_one_open ON approval_requests (case_id)
    WHERE status = 'open';
CREATE INDEX approval_requests_open ON approval_requests (retailer_id, created_at)
    WHERE status = 'open';

-- A POS sales file an admin uploaded: kept until it is imported (or the admin leaves it), so
-- that "import the valid rows" imports exactly the file that was checked.
CREATE TABLE sales_imports (
    id          uuid PRIMARY KEY,
    retailer_id uuid NOT NULL,
    uploaded_by uuid NOT NULL,
    file_name   text NOT NULL,
    content     text NOT NULL,
    status      text NOT NULL DEFAULT 'checked' CHECK (status IN ('checked', 'imported')),
    imported    integer,
    skipped     integer,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT sales_imports_staff FOREIGN KEY (retailer_id, uploaded_by)
        REFERENCES staff (retailer_id, id)
);
"#,
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "DROP TABLE sales_imports; DROP TABLE approval_requests; \
                 DROP INDEX cases_open; DROP INDEX swaps_undelivered; \
                 DROP INDEX timeline_deliveries; \
                 ALTER TABLE cases DROP COLUMN store_id; \
                 ALTER TABLE swaps DROP COLUMN stock_location_id; \
                 ALTER TABLE staff DROP COLUMN disabled_at; ALTER TABLE staff DROP COLUMN store_id; \
                 DROP TABLE stock_levels; DROP TABLE stock_locations; DROP TABLE stores;",
            )
            .await?;
        Ok(())
    }
}
