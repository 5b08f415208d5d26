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

/// A trigger that stores a row inserted under an erased parent (a timeline entry of an erased
/// case, a history entry of an erased job: a late message) without the recipient's name or a
/// note (issue 18): `BEFORE INSERT ON {table}`, when `{parent}.erased_at` of `NEW.{fk}` is set.
pub fn scrub_under_erased_sql(name: &str, table: &str, parent: &str, fk: &str) -> String {
    format!(
        r#"
CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM {parent} WHERE id = NEW.{fk} AND erased_at IS NOT NULL) THEN
        IF NEW.details ? 'recipient_name' THEN
            NEW.details := jsonb_set(NEW.details, '{{recipient_name}}', '"[erased]"');
        END IF;
        IF jsonb_typeof(NEW.details -> 'note') = 'string' THEN
            NEW.details := jsonb_set(NEW.details, '{{note}}', '"[erased]"');
        END IF;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER {name} BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION {name}();
"#
    )
}
