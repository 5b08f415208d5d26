//! Dispatcher accounts of a carrier (argon2id password hashes, lock-out after failed sign-ins)
//! and their sessions for the dispatcher's pages (only the SHA-256 of the session token is
//! stored), and the carriers' API tokens (only their SHA-256 is stored).

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000007_dispatchers_tokens"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                r#"
CREATE TABLE dispatchers (
    id              uuid PRIMARY KEY,
    carrier_id      uuid NOT NULL REFERENCES carriers (id),
    -- Stored lower-case; the sign-in form asks for the e-mail only, so it is unique globally.
    email           text NOT NULL CHECK (length(email) BETWEEN 3 AND 200),
    name            text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    -- PHC string (argon2id).
    password_hash   text NOT NULL,
    failed_attempts integer NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
    locked_until    timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT dispatchers_email UNIQUE (email),
    CONSTRAINT dispatchers_tenant UNIQUE (carrier_id, id)
);

CREATE TABLE dispatcher_sessions (
    -- Hex SHA-256 of the random 256-bit token in the cookie: a leaked table opens no session.
    id            text PRIMARY KEY CHECK (length(id) = 64),
    dispatcher_id uuid NOT NULL,
    carrier_id    uuid NOT NULL,
    csrf_token    text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    CONSTRAINT dispatcher_sessions_dispatcher FOREIGN KEY (carrier_id, dispatcher_id)
        REFERENCES dispatchers (carrier_id, id) ON DELETE CASCADE
);
CREATE INDEX dispatcher_sessions_by_dispatcher ON dispatcher_sessions (dispatcher_id);
CREATE INDEX dispatcher_sessions_by_expiry ON dispatcher_sessions (expires_at);

CREATE TABLE carrier_tokens (
    id           uuid PRIMARY KEY,
    carrier_id   uuid NOT NULL REFERENCES carriers (id),
    -- `kcr_` and the first 8 hex digits, to recognise a token in a listing.
    prefix       text NOT NULL,
    -- Hex SHA-256 of the whole token (256 random bits: a fast hash is enough).
    secret_hash  text NOT NULL CHECK (length(secret_hash) = 64),
    label        text NOT NULL CHECK (length(btrim(label)) BETWEEN 1 AND 100),
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz,
    last_used_at timestamptz,
    CONSTRAINT carrier_tokens_secret UNIQUE (secret_hash)
);
CREATE INDEX carrier_tokens_by_carrier ON carrier_tokens (carrier_id, created_at);
"#,
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "DROP TABLE carrier_tokens; DROP TABLE dispatcher_sessions; DROP TABLE dispatchers;",
            )
            .await?;
        Ok(())
    }
}
