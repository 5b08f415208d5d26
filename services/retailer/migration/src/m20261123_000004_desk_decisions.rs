//! The desk's decisions: authority limits (Handlungsspielraum) — per retailer and role, the
//! value of a swap a person may approve alone; above it a manager authorizes on the same screen,
//! recorded in `swaps.authorized_by` —, refusals (a closed case with a reason code and a
//! text), and the customer's status link (only the SHA-256 of its random token is stored).

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000004_desk_decisions"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                r#"
-- No row for a role: the default (clerk 0, manager and admin unlimited).
CREATE TABLE authority_limits (
    retailer_id uuid NOT NULL REFERENCES retailers (id),
    role        text NOT NULL CHECK (role IN ('clerk', 'manager', 'admin')),
    amount      numeric(12,2) NOT NULL CHECK (amount >= 0),
    currency    char(3) NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (retailer_id, role)
);

-- The manager who authorized a swap above the approver's limit (their e-mail); NULL when the
-- approver's own limit covered it, and for approvals through the JSON API.
ALTER TABLE swaps ADD COLUMN authorized_by text;

-- A refused case is closed: another case may be opened on the same unit later.
ALTER TABLE cases DROP CONSTRAINT cases_status_check;
ALTER TABLE cases ADD CONSTRAINT cases_status_check
    CHECK (status IN ('open', 'swap_approved', 'delivered', 'closed', 'refused'));
DROP INDEX cases_one_active_per_sale;
CREATE UNIQUE INDEX cases_one_active_per_sale ON cases (sale_id)
    WHERE status NOT IN ('closed', 'refused');

CREATE TABLE refusals (
    -- One refusal per case.
    case_id       uuid PRIMARY KEY,
    retailer_id   uuid NOT NULL,
    reason_code   text NOT NULL CHECK (reason_code IN ('outside_warranty', 'damage_by_customer',
                  'no_defect_found', 'not_sold_here', 'other')),
    reason_text   text NOT NULL CHECK (length(reason_text) BETWEEN 1 AND 1000),
    refused_by    uuid NOT NULL,
    refused_at    timestamptz NOT NULL,
    CONSTRAINT refusals_case FOREIGN KEY (retailer_id, case_id)
        REFERENCES cases (retailer_id, id),
    CONSTRAINT refusals_staff FOREIGN KEY (retailer_id, refused_by)
        REFERENCES staff (retailer_id, id)
);
-- The refusal report: a retailer's refusals in a period.
CREATE INDEX refusals_by_retailer ON refusals (retailer_id, refused_at);

-- Hex SHA-256 of the random 256-bit token in the customer's status link; a new link replaces
-- the old one.
ALTER TABLE cases ADD COLUMN status_token_hash text
    CONSTRAINT cases_status_token UNIQUE CHECK (length(status_token_hash) = 64);
"#,
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "ALTER TABLE cases DROP COLUMN status_token_hash; \
                 DROP TABLE refusals; \
                 DROP INDEX cases_one_active_per_sale; \
                 CREATE UNIQUE INDEX cases_one_active_per_sale ON cases (sale_id) \
                     WHERE status <> 'closed'; \
                 ALTER TABLE cases DROP CONSTRAINT cases_status_check; \
                 ALTER TABLE cases ADD CONSTRAINT cases_status_check \
                     CHECK (status IN ('open', 'swap_approved', 'delivered', 'closed')); \
                 ALTER TABLE swaps DROP COLUMN authorized_by; DROP TABLE authority_limits;",
            )
            .await?;
        Ok(())
    }
}
