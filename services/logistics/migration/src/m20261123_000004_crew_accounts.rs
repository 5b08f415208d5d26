//! Crew accounts (argon2id password hashes, lock-out after failed sign-ins) and their sessions
//! for the crew's page (only the SHA-256 of the session token is stored).

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000004_crew_accounts"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                r#"
CREATE TABLE crew_members (
    id              uuid PRIMARY KEY,
    crew_id         uuid NOT NULL,
    carrier_id      uuid NOT NULL,
    -- Stored lower-case; the sign-in form asks for the e-mail only, so it is unique globally.
    email           text NOT NULL CHECK (length(email) BETWEEN 3 AND 200),
    name            text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    -- PHC string (argon2id).
    password_hash   text NOT NULL,
    failed_attempts integer NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
    locked_until    timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT crew_members_email UNIQUE (email),
    CONSTRAINT crew_members_crew FOREIGN KEY (crew_id, carrier_id)
        REFERENCES crews (id, carrier_id),
    CONSTRAINT crew_members_tenant UNIQUE (crew_id, id)
);

CREATE TABLE crew_sessions (
    -- Hex SHA-256 of the random 256-bit token in the cookie: a leaked table opens no session.
    id          text PRIMARY KEY CHECK (length(id) = 64),
    member_id   uuid NOT NULL,
    crew_id     uuid NOT NULL,
    csrf_token  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    CONSTRAINT crew_sessions_member FOREIGN KEY (crew_id, member_id)
        REFERENCES crew_members (crew_id, id) ON DELETE CASCADE
);
CREATE INDEX crew_sessions_by_member ON crew_sessions (member_id);
CREATE INDEX crew_sessions_by_expiry ON crew_sessions (expires_at);
"#,
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP TABLE crew_sessions; DROP TABLE crew_members;")
            .await?;
        Ok(())
    }
}
