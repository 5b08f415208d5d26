//! Retailer integration keys (`krt_…`): the credential of a retailer's own systems on the JSON
//! API. Only a key's SHA-256 is stored; a key belongs to one retailer, has a name and an optional
//! approval limit (none: every swap it approves waits for a manager), and can be revoked.
//! What a key did is recorded with the key: the swap it approved, the dispute, the case and the
//! sale it made, and the approval request it sent to the managers (which a staff member or a
//! key makes, never both).

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000001_integration_keys"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                r#"
CREATE TABLE integration_keys (
    id                uuid PRIMARY KEY,
    retailer_id       uuid NOT NULL REFERENCES retailers (id),
    name              text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    -- `krt_` and the first characters, to tell keys apart in listings.
    prefix            text NOT NULL,
    secret_hash       bytea NOT NULL UNIQUE,
    approval_limit    numeric(12,2) CHECK (approval_limit >= 0),
    approval_currency char(3),
    created_at        timestamptz NOT NULL,
    revoked_at        timestamptz,
    last_used_at      timestamptz,
    CONSTRAINT integration_keys_tenant UNIQUE (retailer_id, id),
    CONSTRAINT integration_keys_limit
        CHECK ((approval_limit IS NULL) = (approval_currency IS NULL))
);
CREATE INDEX integration_keys_by_retailer ON integration_keys (retailer_id, created_at);

ALTER TABLE swaps ADD COLUMN approved_by_key uuid,
    ADD CONSTRAINT swaps_key FOREIGN KEY (retailer_id, approved_by_key)
        REFERENCES integration_keys (retailer_id, id);
ALTER TABLE claim_disputes ADD COLUMN disputed_by_key uuid,
    ADD CONSTRAINT claim_disputes_key FOREIGN KEY (retailer_id, disputed_by_key)
        REFERENCES integration_keys (retailer_id, id);
ALTER TABLE cases ADD COLUMN opened_by_key uuid,
    ADD CONSTRAINT cases_key FOREIGN KEY (retailer_id, opened_by_key)
        REFERENCES integration_keys (retailer_id, id);
ALTER TABLE sales ADD COLUMN recorded_by_key uuid,
    ADD CONSTRAINT sales_key FOREIGN KEY (retailer_id, recorded_by_key)
        REFERENCES integration_keys (retailer_id, id);
ALTER TABLE approval_requests ALTER COLUMN requested_by DROP NOT NULL,
    ADD COLUMN requested_by_key uuid,
    ADD CONSTRAINT approval_requests_key FOREIGN KEY (retailer_id, requested_by_key)
        REFERENCES integration_keys (retailer_id, id),
    ADD CONSTRAINT approval_requests_one_requester
        CHECK ((requested_by IS NULL) <> (requested_by_key IS NULL));
"#,
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "DELETE FROM approval_requests WHERE requested_by IS NULL;
                 ALTER TABLE approval_requests DROP CONSTRAINT approval_requests_one_requester,
                     DROP COLUMN requested_by_key, ALTER COLUMN requested_by SET NOT NULL;
                 ALTER TABLE sales DROP COLUMN recorded_by_key;
                 ALTER TABLE cases DROP COLUMN opened_by_key;
                 ALTER TABLE claim_disputes DROP COLUMN disputed_by_key;
                 ALTER TABLE swaps DROP COLUMN approved_by_key;
                 DROP TABLE integration_keys;",
            )
            .await?;
        Ok(())
    }
}
