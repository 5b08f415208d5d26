//! Cancel a swap (issue 11): a swap approved by mistake can be cancelled until the crew is on
//! the way. The request (when, by whom, why) waits on the swap for logistics' answer; on
//! `cancelled` the swap is `cancelled`, its reserved unit goes back to stock exactly once
//! (`stock_released_at`), and its claim is withdrawn (`withdrawn_at`, kept beside whatever the
//! manufacturer had decided).

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000040_swap_cancel"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                r#"
ALTER TABLE swaps DROP CONSTRAINT swaps_status_check;
ALTER TABLE swaps ADD CONSTRAINT swaps_status_check
    CHECK (status IN ('approved', 'scheduled', 'on_the_way', 'delivered', 'failed_attempt',
                      'cancelled'));
ALTER TABLE swaps
    ADD COLUMN cancel_requested_at    timestamptz,
    ADD COLUMN cancel_requested_by    text,
    ADD COLUMN cancel_requested_by_key uuid,
    ADD COLUMN cancel_reason          text CHECK (length(cancel_reason) BETWEEN 1 AND 500),
    ADD COLUMN cancelled_at           timestamptz,
    ADD COLUMN stock_released_at      timestamptz,
    ADD CONSTRAINT swaps_cancelled_when CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL)),
    ADD CONSTRAINT swaps_released_once CHECK (stock_released_at IS NULL OR stock_location_id IS NOT NULL);

ALTER TABLE claims
    ADD COLUMN withdrawn_at     timestamptz,
    ADD COLUMN withdrawn_reason text;
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
ALTER TABLE claims DROP COLUMN withdrawn_at, DROP COLUMN withdrawn_reason;
ALTER TABLE swaps DROP CONSTRAINT swaps_cancelled_when, DROP CONSTRAINT swaps_released_once,
    DROP COLUMN cancel_requested_at, DROP COLUMN cancel_requested_by,
    DROP COLUMN cancel_requested_by_key, DROP COLUMN cancel_reason, DROP COLUMN cancelled_at,
    DROP COLUMN stock_released_at;
ALTER TABLE swaps DROP CONSTRAINT swaps_status_check;
ALTER TABLE swaps ADD CONSTRAINT swaps_status_check
    CHECK (status IN ('approved', 'scheduled', 'on_the_way', 'delivered', 'failed_attempt'));
"#,
            )
            .await?;
        Ok(())
    }
}
