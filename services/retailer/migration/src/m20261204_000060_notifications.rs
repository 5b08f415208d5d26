//! The customer is told: the contact recorded at the counter (channels, address/number,
//! consent, language), the store's time zone, language and phone, and the notifications — an
//! outbox for people, one row per (event, channel), written in the transaction of the change
//! that causes it and sent by the notification worker.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261204_000060_notifications"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "ALTER TABLE stores
                     ADD COLUMN time_zone text NOT NULL DEFAULT 'Europe/Berlin',
                     ADD COLUMN language text NOT NULL DEFAULT 'de'
                         CONSTRAINT stores_language CHECK (language IN ('de', 'en')),
                     ADD COLUMN phone text NOT NULL DEFAULT '';
                 CREATE TABLE customer_contacts (
                     retailer_id uuid NOT NULL,
                     case_id     uuid NOT NULL,
                     email       text,
                     -- E.164
                     phone       text CHECK (phone ~ '^\\+[1-9][0-9]{6,14}$'),
                     by_email    boolean NOT NULL,
                     by_sms      boolean NOT NULL,
                     consent     boolean NOT NULL,
                     language    text NOT NULL CHECK (language IN ('de', 'en')),
                     recorded_by text NOT NULL,
                     recorded_at timestamptz NOT NULL,
                     PRIMARY KEY (retailer_id, case_id),
                     CONSTRAINT customer_contacts_case FOREIGN KEY (retailer_id, case_id)
                         REFERENCES cases (retailer_id, id),
                     CHECK (NOT by_email OR email IS NOT NULL),
                     CHECK (NOT by_sms OR phone IS NOT NULL)
                 );
                 CREATE TABLE notifications (
                     id              uuid PRIMARY KEY,
                     retailer_id     uuid NOT NULL,
                     case_id         uuid NOT NULL,
                     -- The message id of the event that caused it (the swap's id for the
                     -- approval): one notification per event and channel.
                     event_id        uuid NOT NULL,
                     channel         text NOT NULL CHECK (channel IN ('email', 'sms')),
                     kind            text NOT NULL,
                     recipient       text NOT NULL,
                     subject         text NOT NULL,
                     body            text NOT NULL,
                     html            text NOT NULL DEFAULT '',
                     status          text NOT NULL DEFAULT 'pending'
                                     CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
                     attempts        integer NOT NULL DEFAULT 0,
                     next_attempt_at timestamptz NOT NULL,
                     leased_until    timestamptz,
                     last_error      text,
                     created_at      timestamptz NOT NULL,
                     sent_at         timestamptz,
                     CONSTRAINT notifications_once UNIQUE (event_id, channel),
                     CONSTRAINT notifications_case FOREIGN KEY (retailer_id, case_id)
                         REFERENCES cases (retailer_id, id)
                 );
                 CREATE INDEX notifications_due ON notifications (next_attempt_at)
                     WHERE status IN ('pending', 'sending');
                 CREATE INDEX notifications_of_case ON notifications (retailer_id, case_id);",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "DROP TABLE notifications; DROP TABLE customer_contacts;
                 ALTER TABLE stores DROP COLUMN time_zone, DROP COLUMN language,
                     DROP COLUMN phone;",
            )
            .await?;
        Ok(())
    }
}
