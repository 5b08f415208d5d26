//! Correct the address or window before the visit (issue 11): each correction asked for a swap,
//! what it asks (address and/or window), who asked (staff or, later, the customer) and why, and
//! logistics' answer (`applied` or `refused`, with the reason). One pending correction per swap
//! at a time (a partial unique index); the swap's own address and window change only on
//! `applied`.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261204_000010_swap_corrections"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE TABLE swap_corrections (
                     id               uuid PRIMARY KEY,
                     retailer_id      uuid NOT NULL,
                     swap_id          uuid NOT NULL REFERENCES swaps (id),
                     case_id          uuid NOT NULL,
                     address          jsonb,
                     window_start     timestamptz,
                     window_end       timestamptz,
                     reason           text NOT NULL,
                     requested_kind   text NOT NULL CHECK (requested_kind IN ('staff', 'customer')),
                     requested_by     text NOT NULL,
                     requested_by_key uuid,
                     requested_at     timestamptz NOT NULL,
                     status           text NOT NULL DEFAULT 'pending'
                                      CHECK (status IN ('pending', 'applied', 'refused')),
                     answered_at      timestamptz,
                     refusal_reason   text,
                     CONSTRAINT swap_corrections_something CHECK (address IS NOT NULL OR window_start IS NOT NULL),
                     CONSTRAINT swap_corrections_window CHECK ((window_start IS NULL) = (window_end IS NULL)),
                     CONSTRAINT swap_corrections_answered CHECK ((status = 'pending') = (answered_at IS NULL))
                 );
                 CREATE UNIQUE INDEX swap_corrections_one_pending ON swap_corrections (swap_id)
                     WHERE status = 'pending';
                 CREATE INDEX swap_corrections_of_swap ON swap_corrections (retailer_id, swap_id);",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP TABLE swap_corrections;")
            .await?;
        Ok(())
    }
}
