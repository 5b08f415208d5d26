//! API keys: how a manufacturer's system authenticates. A key is shown once, when it is made;
//! the table keeps only its SHA-256 (`secret_hash`), its first characters (`prefix`, for people
//! to recognise it in a listing) and a non-secret id. A manufacturer may hold several keys at a
//! time (rotation); a revoked key (`revoked_at`) stops working at once.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000004_api_keys"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                r#"
CREATE TABLE api_keys (
    id              uuid PRIMARY KEY,
    manufacturer_id uuid NOT NULL REFERENCES manufacturers (id),
    prefix          text NOT NULL,
    secret_hash     bytea NOT NULL CONSTRAINT api_keys_secret_hash_key UNIQUE
                    CONSTRAINT api_keys_secret_hash_len CHECK (length(secret_hash) = 32),
    label           text NOT NULL,
    created_at      timestamptz NOT NULL,
    revoked_at      timestamptz,
    last_used_at    timestamptz
);
-- The listing of a manufacturer's keys.
CREATE INDEX api_keys_manufacturer ON api_keys (manufacturer_id, created_at);
"#,
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP TABLE api_keys;")
            .await?;
        Ok(())
    }
}
