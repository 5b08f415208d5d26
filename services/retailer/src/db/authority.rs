//! `authority_limits`: what each role of a retailer may approve alone.

use kummerer_contracts::Money;
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};
use uuid::Uuid;

use crate::domain::{Limit, Role};
use crate::http::view::money;

/// The role's limit at this retailer: the one set, or the default.
pub async fn limit_of<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    role: Role,
) -> Result<Limit, DbErr> {
    match set_row(db, retailer_id, role).await? {
        None => Ok(Limit::default_for(role)),
        Some(row) => {
            let amount: Decimal = row.try_get("", "amount")?;
            let currency: String = row.try_get("", "currency")?;
            Ok(Limit::UpTo(money(amount, &currency)?))
        }
    }
}

/// The role's limit as the retailer set it, if it did.
async fn set_row<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    role: Role,
) -> Result<Option<sea_orm::QueryResult>, DbErr> {
    db.query_one_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT amount, currency::text AS currency FROM authority_limits \
         WHERE retailer_id = $1 AND role = $2",
        [retailer_id.into(), role.as_string().into()],
    ))
    .await
}

/// Sets (or replaces) the role's limit at this retailer.
pub async fn set_limit<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    role: Role,
    amount: &Money,
) -> Result<(), DbErr> {
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "INSERT INTO authority_limits (retailer_id, role, amount, currency) \
         VALUES ($1, $2, $3, $4) \
         ON CONFLICT (retailer_id, role) \
         DO UPDATE SET amount = EXCLUDED.amount, currency = EXCLUDED.currency, updated_at = now()",
        [
            retailer_id.into(),
            role.as_string().into(),
            amount.amount.into(),
            amount.currency.as_str().into(),
        ],
    ))
    .await?;
    Ok(())
}

/// Whether the retailer has set the role's limit (rather than living with its default).
pub async fn is_set<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    role: Role,
) -> Result<bool, DbErr> {
    Ok(set_row(db, retailer_id, role).await?.is_some())
}
