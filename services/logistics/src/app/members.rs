//! Crew and dispatcher accounts, created by the carrier (the crew's page and the dispatcher's
//! pages sign in with them). The password is hashed with argon2id off the async threads.

use chrono::Utc;
use kummerer_contracts::ids::{CarrierId, CrewId};
use sea_orm::{DatabaseConnection, DbErr};
use uuid::Uuid;

use super::{Fields, Invalid};
use crate::db::{crew_members, dispatch, dispatchers};
use crate::domain::dispatch::NAME_MAX;

/// Why an account was not created.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// No such `crew` or `carrier` (or not the carrier's).
    #[error("no such {0}")]
    NotFound(&'static str),
    #[error("there is already an account for {0}")]
    EmailTaken(String),
    #[error("password: {0}")]
    Hash(#[from] kummerer_web::Error),
    #[error("database: {0}")]
    Db(#[from] DbErr),
}

/// A new account, checked: the e-mail (lower-case), the name and the password to hash.
#[derive(Debug)]
pub struct NewAccount {
    pub email: String,
    pub name: String,
    password: String,
}

/// A new account's e-mail, name and password checked. Crew and dispatcher accounts both come
/// here.
pub fn new_account(email: &str, name: &str, password: &str) -> Result<NewAccount, Invalid> {
    let mut v = Fields::new();
    let email = kummerer_web::parse_email(email);
    if email.is_none() {
        v.add("email", "must be an e-mail address");
    }
    let name = v.text("name", name, NAME_MAX);
    if let Err(e) = kummerer_web::check_password(password) {
        v.add("password", e.to_string());
    }
    match email {
        Some(email) => {
            v.finish()?;
            Ok(NewAccount {
                email,
                name,
                password: password.to_owned(),
            })
        }
        None => Err(v
            .finish()
            .err()
            .unwrap_or_else(|| Invalid::field("email", "must be an e-mail address"))),
    }
}

/// Makes an account on one of the carrier's crews.
pub async fn create_member(
    db: &DatabaseConnection,
    carrier_id: CarrierId,
    crew_id: CrewId,
    account: NewAccount,
) -> Result<crew_members::Model, AccountError> {
    dispatch::find_crew_of(db, carrier_id.0, crew_id.0)
        .await?
        .ok_or(AccountError::NotFound("crew"))?;
    let password_hash = kummerer_web::hash_password(account.password).await?;
    let member = crew_members::Model {
        id: Uuid::now_v7(),
        crew_id: crew_id.0,
        carrier_id: carrier_id.0,
        email: account.email,
        name: account.name,
        password_hash,
        failed_attempts: 0,
        locked_until: None,
        created_at: Utc::now(),
    };
    if !crew_members::insert(db, member.clone()).await? {
        return Err(AccountError::EmailTaken(member.email));
    }
    tracing::info!(carrier.id = %carrier_id, crew.id = %crew_id, member.id = %member.id, "crew account created");
    Ok(member)
}

/// Makes a dispatcher's account of the carrier.
pub async fn create_dispatcher(
    db: &DatabaseConnection,
    carrier_id: CarrierId,
    account: NewAccount,
) -> Result<dispatchers::Model, AccountError> {
    crate::db::carriers::find(db, carrier_id.0)
        .await?
        .ok_or(AccountError::NotFound("carrier"))?;
    let password_hash = kummerer_web::hash_password(account.password).await?;
    let row = dispatchers::Model {
        id: Uuid::now_v7(),
        carrier_id: carrier_id.0,
        email: account.email,
        name: account.name,
        password_hash,
        failed_attempts: 0,
        locked_until: None,
        created_at: Utc::now(),
    };
    if !dispatchers::insert(db, row.clone()).await? {
        return Err(AccountError::EmailTaken(row.email));
    }
    tracing::info!(carrier.id = %carrier_id, dispatcher.id = %row.id, "dispatcher account created");
    Ok(row)
}
