//! Staff accounts: created by an admin (the JSON API with the admin token, or the admin page),
//! their role and store set, disabled and enabled again. An admin never changes their own
//! account here, so a retailer does not lose its last admin by a slip.

use kummerer_contracts::{RetailerId, StaffId, StoreId};
use sea_orm::{DatabaseConnection, DbErr};

use crate::db::{desk, staff};
use crate::domain::Role;

/// A checked new account (the password already hashed).
pub struct NewAccount {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub password_hash: String,
    pub store_id: Option<StoreId>,
}

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// The e-mail has an account already.
    #[error("{0:?} already has an account")]
    Exists(String),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Creates the account.
pub async fn create_account(
    db: &DatabaseConnection,
    retailer_id: RetailerId,
    new: NewAccount,
) -> Result<staff::Model, AccountError> {
    let member = staff::Model::new_account(
        retailer_id.as_uuid(),
        new.email,
        new.name,
        new.role,
        new.password_hash,
        new.store_id.map(StoreId::into),
    );
    if !desk::insert_staff(db, member.clone()).await? {
        return Err(AccountError::Exists(member.email));
    }
    Ok(member)
}

/// What an admin changes on an account.
#[derive(Debug, Clone, Copy)]
pub enum Change {
    Disable,
    Enable,
    RoleAndStore { role: Role, store: Option<StoreId> },
}

#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    #[error("no such staff")]
    NotFound,
    #[error("you cannot change or disable your own account: ask another admin")]
    OwnAccount,
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// The account `member` as `admin` may change it: not found, or the admin's own, is refused.
pub async fn changeable(
    db: &DatabaseConnection,
    retailer_id: RetailerId,
    admin: StaffId,
    member: StaffId,
) -> Result<staff::Model, ChangeError> {
    let member = staff::find(db, retailer_id.as_uuid(), member.as_uuid())
        .await?
        .ok_or(ChangeError::NotFound)?;
    if member.id == admin.as_uuid() {
        return Err(ChangeError::OwnAccount);
    }
    Ok(member)
}

/// Applies `change` to the account `member` (see [`changeable`]).
pub async fn change(
    db: &DatabaseConnection,
    retailer_id: RetailerId,
    admin: StaffId,
    member: StaffId,
    change: Change,
) -> Result<(), ChangeError> {
    let member = changeable(db, retailer_id, admin, member).await?;
    let rid = retailer_id.as_uuid();
    match change {
        Change::Disable => {
            desk::set_disabled(db, rid, member.id, Some(chrono::Utc::now())).await?;
            tracing::info!(admin.id = %admin, staff.id = %member.id, "staff disabled");
        }
        Change::Enable => {
            desk::set_disabled(db, rid, member.id, None).await?;
            tracing::info!(admin.id = %admin, staff.id = %member.id, "staff enabled");
        }
        Change::RoleAndStore { role, store } => {
            desk::set_role_and_store(db, rid, member.id, role, store.map(StoreId::into)).await?;
            tracing::info!(admin.id = %admin, staff.id = %member.id,
                staff.role = role.as_string(), "staff role and store set");
        }
    }
    Ok(())
}
