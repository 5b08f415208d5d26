//! A retailer's integration keys: made by an admin (the JSON API with the admin's credentials,
//! the desk's admin page, `retailer create-key`), listed without their secrets, revoked.

use kummerer_contracts::{Money, RetailerId};
use sea_orm::{ConnectionTrait, DbErr};
use uuid::Uuid;

use crate::db::{self, integration_keys};

pub use crate::db::integration_keys::{IntegrationKey, NewKey};

/// Longest key name (so that "API key «name»" fits the actor fields, 200 characters).
pub const NAME_MAX: usize = 100;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("no such retailer")]
    RetailerNotFound,
    #[error("no such integration key")]
    NotFound,
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Makes a key named `name` for the retailer, with `approval_limit` (`None`: every swap it
/// approves waits for a manager). The secret is in the answer, and nowhere else.
pub async fn create<C: ConnectionTrait>(
    db: &C,
    retailer_id: RetailerId,
    name: &str,
    approval_limit: Option<&Money>,
) -> Result<NewKey, KeyError> {
    let rid = retailer_id.as_uuid();
    db::find_retailer(db, rid)
        .await?
        .ok_or(KeyError::RetailerNotFound)?;
    let made = integration_keys::create(db, rid, name, approval_limit).await?;
    tracing::info!(retailer.id = %retailer_id, key.id = %made.key.id, "integration key created");
    Ok(made)
}

/// The retailer's keys, oldest first (revoked ones too), without secrets.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    retailer_id: RetailerId,
) -> Result<Vec<IntegrationKey>, DbErr> {
    integration_keys::list(db, retailer_id.as_uuid()).await
}

/// Revokes the retailer's key (revoking again changes nothing).
pub async fn revoke<C: ConnectionTrait>(
    db: &C,
    retailer_id: RetailerId,
    key_id: Uuid,
) -> Result<(), KeyError> {
    if !integration_keys::revoke(db, retailer_id.as_uuid(), key_id).await? {
        return Err(KeyError::NotFound);
    }
    tracing::info!(retailer.id = %retailer_id, key.id = %key_id, "integration key revoked");
    Ok(())
}
