//! The staff desk: staff accounts (argon2id password hashes, lock-out after failed sign-ins) and
//! their sessions (only the SHA-256 of the session token is stored), plus the indexes the desk
//! search by customer name and phone needs.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000003_desk"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                r#"
CREATE TABLE staff (
    id              uuid PRIMARY KEY,
    retailer_id     uuid NOT NULL REFERENCES retailers (id),
    -- Stored lower-case; the sign-in form asks for the e-mail only, so it is unique globally.
    email           text NOT NULL,
    name            text NOT NULL,
    role            text NOT NULL CHECK (role IN ('clerk', 'manager', 'admin')),
    -- PHC string (argon2id).
    password_hash   text NOT NULL,
    failed_attempts integer NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
    locked_until    timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT staff_email UNIQUE (email),
    CONSTRAINT staff_tenant UNIQUE (retailer_id, id)
);

CREATE TABLE sessions (
    -- Hex SHA-256 of the random 256-bit token in the cookie: a leaked table opens no session.
    id          text PRIMARY KEY CHECK (length(id) = 64),
    staff_id    uuid NOT NULL,
    retailer_id uuid NOT NULL,
    csrf_token  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    CONSTRAINT sessions_staff FOREIGN KEY (retailer_id, staff_id)
        REFERENCES staff (retailer_id, id) ON DELETE CASCADE
);
CREATE INDEX sessions_by_staff ON sessions (staff_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

-- The desk search: a receipt number (sales_receipt_serial), a serial (sales_serial), or the
-- start of the customer's name or phone digits.
CREATE INDEX sales_customer_name ON sales (retailer_id, lower(customer_name) text_pattern_ops);
CREATE INDEX sales_customer_phone
    ON sales (retailer_id, (regexp_replace(customer_phone, '[^0-9]', '', 'g')) text_pattern_ops);
"#,
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "DROP INDEX sales_customer_phone; DROP INDEX sales_customer_name; \
                 DROP TABLE sessions; DROP TABLE staff;",
            )
            .await?;
        Ok(())
    }
}
