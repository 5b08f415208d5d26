//! The outbox and inbox tables. Each service's migrator lists [`OutboxInbox`] first.

use sea_orm_migration::prelude::*;

pub struct OutboxInbox;

impl MigrationName for OutboxInbox {
    fn name(&self) -> &str {
        "m20261123_000001_outbox_inbox"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for OutboxInbox {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                r#"
CREATE TABLE outbox (
    id          uuid PRIMARY KEY,
    routing_key text NOT NULL,
    payload     jsonb NOT NULL,
    traceparent text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    sent_at     timestamptz,
    attempts    integer NOT NULL DEFAULT 0,
    last_error  text
);
CREATE INDEX outbox_unsent ON outbox (created_at, id) WHERE sent_at IS NULL;
CREATE INDEX outbox_sent_at ON outbox (sent_at) WHERE sent_at IS NOT NULL;

CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('outbox', '');
    RETURN NULL;
END $$;
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();

CREATE TABLE inbox (
    consumer     text NOT NULL,
    message_id   uuid NOT NULL,
    message_type text NOT NULL,
    trace_id     text,
    received_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, message_id)
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
                "DROP TABLE inbox; DROP TRIGGER outbox_notify ON outbox; DROP FUNCTION outbox_notify(); DROP TABLE outbox;",
            )
            .await?;
        Ok(())
    }
}
