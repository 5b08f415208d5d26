//! Credit notes and webhooks.
//!
//! - `credit_notes` and `credit_note_lines`: accepted claim amounts credited to a retailer, one
//!   line per claim; a claim is credited at most once (`credit_note_lines_claim`). Numbers
//!   (`CN-<year>-<6 digits>`) are unique per manufacturer and gap-free within a year: the next
//!   number comes from `credit_note_counters`, whose row the issuing transaction locks, so a
//!   rolled-back note gives its number back.
//! - `webhook_endpoints`: where a manufacturer wants events, with the signing secret (kept: it
//!   signs every delivery) and the count of consecutive failed attempts that disables it.
//! - `webhook_deliveries`: one event for one endpoint, written in the transaction of the change it
//!   tells of, delivered (and retried with backoff, `next_attempt_at`) by the delivery worker;
//!   `webhook_attempts`: each try, with its status code, error and duration.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000007_credit_notes_webhooks"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                r#"
CREATE TABLE credit_note_counters (
    manufacturer_id uuid NOT NULL REFERENCES manufacturers (id),
    year            integer NOT NULL,
    last_number     bigint NOT NULL CHECK (last_number >= 1),
    PRIMARY KEY (manufacturer_id, year)
);

CREATE TABLE credit_notes (
    id              uuid PRIMARY KEY,
    manufacturer_id uuid NOT NULL REFERENCES manufacturers (id),
    retailer_id     uuid NOT NULL,
    number          text NOT NULL,
    currency        char(3) NOT NULL,
    total           numeric(14,2) NOT NULL CHECK (total >= 0),
    -- A batch's decision period (from inclusive, to exclusive); NULL for a single claim's note.
    period_from     timestamptz,
    period_to       timestamptz,
    issued_at       timestamptz NOT NULL,
    CONSTRAINT credit_notes_number UNIQUE (manufacturer_id, number),
    CONSTRAINT credit_notes_period CHECK (
        (period_from IS NULL AND period_to IS NULL)
        OR (period_from IS NOT NULL AND period_to IS NOT NULL AND period_from < period_to)
    )
);
CREATE INDEX credit_notes_by_manufacturer
    ON credit_notes (manufacturer_id, issued_at DESC, id DESC);

CREATE TABLE credit_note_lines (
    credit_note_id uuid NOT NULL REFERENCES credit_notes (id),
    claim_id       uuid NOT NULL REFERENCES claims (id),
    swap_id        uuid NOT NULL,
    case_id        uuid NOT NULL,
    amount         numeric(12,2) NOT NULL CHECK (amount >= 0),
    PRIMARY KEY (credit_note_id, claim_id),
    -- A claim is credited at most once.
    CONSTRAINT credit_note_lines_claim UNIQUE (claim_id)
);
-- For the batch: a retailer's decided claims by decision time.
CREATE INDEX claims_by_retailer_decided
    ON claims (manufacturer_id, retailer_id, decided_at)
    WHERE status IN ('accepted', 'partly_accepted');

CREATE TABLE webhook_endpoints (
    id                   uuid PRIMARY KEY,
    manufacturer_id      uuid NOT NULL REFERENCES manufacturers (id),
    url                  text NOT NULL,
    -- The event types it wants; empty: all.
    event_types          jsonb NOT NULL DEFAULT '[]'::jsonb
                         CONSTRAINT webhook_endpoints_types_array
                         CHECK (jsonb_typeof(event_types) = 'array'),
    description          text NOT NULL DEFAULT '',
    -- `whsec_<base64>`: the HMAC key is the base64 part, decoded.
    secret               text NOT NULL,
    consecutive_failures integer NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
    created_at           timestamptz NOT NULL,
    disabled_at          timestamptz,
    disabled_reason      text CHECK (disabled_reason IN ('gone', 'too_many_failures')),
    deleted_at           timestamptz,
    CONSTRAINT webhook_endpoints_disabled CHECK ((disabled_at IS NULL) = (disabled_reason IS NULL))
);
CREATE INDEX webhook_endpoints_by_manufacturer ON webhook_endpoints (manufacturer_id, created_at);

CREATE TABLE webhook_deliveries (
    -- Also the `webhook-id` header: the same for every attempt of one delivery.
    id              uuid PRIMARY KEY,
    endpoint_id     uuid NOT NULL REFERENCES webhook_endpoints (id),
    manufacturer_id uuid NOT NULL,
    event_type      text NOT NULL,
    -- The body sent, byte for byte the same on every attempt.
    body            text NOT NULL,
    created_at      timestamptz NOT NULL,
    status          text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    finished_at     timestamptz,
    CONSTRAINT webhook_deliveries_finished CHECK ((status = 'pending') = (finished_at IS NULL))
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
    WHERE status = 'pending';
CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (endpoint_id, created_at);

CREATE TABLE webhook_attempts (
    id           uuid PRIMARY KEY,
    delivery_id  uuid NOT NULL REFERENCES webhook_deliveries (id),
    attempted_at timestamptz NOT NULL,
    status_code  smallint,
    error        text,
    duration_ms  integer NOT NULL CHECK (duration_ms >= 0)
);
CREATE INDEX webhook_attempts_by_delivery ON webhook_attempts (delivery_id, attempted_at);
"#,
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "DROP TABLE webhook_attempts; DROP TABLE webhook_deliveries; \
                 DROP TABLE webhook_endpoints; DROP INDEX claims_by_retailer_decided; \
                 DROP TABLE credit_note_lines; DROP TABLE credit_notes; \
                 DROP TABLE credit_note_counters;",
            )
            .await?;
        Ok(())
    }
}
