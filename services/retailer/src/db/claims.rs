//! `claims`: the recourse claim filed with the manufacturer for each swap.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "claims")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub swap_id: Uuid,
    pub case_id: Uuid,
    pub retailer_id: Uuid,
    pub manufacturer_id: Uuid,
    pub amount_claimed: Decimal,
    pub currency: String,
    pub status: crate::domain::ClaimStatus,
    pub decided_amount: Option<Decimal>,
    pub reason_code: Option<String>,
    pub submitted_at: DateTimeUtc,
    pub decided_at: Option<DateTimeUtc>,
    /// Why the manufacturer did not accept the claim (`unknown_manufacturer`, `no_agreement`,
    /// `unknown_claim`) while its status is `not_accepted`.
    pub not_accepted_reason: Option<String>,
    /// The manufacturer's words with it.
    pub not_accepted_detail: Option<String>,
    /// How often the claim was submitted (1, then one more per resubmission).
    pub submissions: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

// --- queries ---

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use super::{claims, insert_new};

/// `false` when the swap already has its claim.
pub async fn insert_claim<C: ConnectionTrait>(db: &C, claim: claims::Model) -> Result<bool, DbErr> {
    let row: claims::ActiveModel = claim.into();
    insert_new(db, row.reset_all()).await
}

pub async fn claim_of_swap<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    swap_id: Uuid,
) -> Result<Option<claims::Model>, DbErr> {
    claims::Entity::find()
        .filter(claims::Column::RetailerId.eq(retailer_id))
        .filter(claims::Column::SwapId.eq(swap_id))
        .one(db)
        .await
}

/// The claim, locked until the caller's transaction ends.
pub async fn lock_claim<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    id: Uuid,
) -> Result<Option<claims::Model>, DbErr> {
    claims::Entity::find_by_id(id)
        .filter(claims::Column::RetailerId.eq(retailer_id))
        .lock_exclusive()
        .one(db)
        .await
}

/// Records a decision on the claim.
pub async fn decide_claim<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    id: Uuid,
    decision: ClaimDecision<'_>,
) -> Result<(), DbErr> {
    claims::Entity::update_many()
        .col_expr(claims::Column::Status, Expr::value(decision.status))
        .col_expr(claims::Column::DecidedAmount, Expr::value(decision.amount))
        .col_expr(
            claims::Column::ReasonCode,
            Expr::value(decision.reason_code.map(str::to_owned)),
        )
        .col_expr(claims::Column::DecidedAt, Expr::value(decision.decided_at))
        .filter(claims::Column::Id.eq(id))
        .filter(claims::Column::RetailerId.eq(retailer_id))
        .exec(db)
        .await?;
    Ok(())
}

pub struct ClaimDecision<'a> {
    pub status: crate::domain::ClaimStatus,
    pub amount: rust_decimal::Decimal,
    pub reason_code: Option<&'a str>,
    pub decided_at: DateTime<Utc>,
}

/// The manufacturer did not accept the claim: `not_accepted`, with the reason and its words.
pub async fn claim_not_accepted<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    id: Uuid,
    reason: &str,
    detail: &str,
) -> Result<(), DbErr> {
    claims::Entity::update_many()
        .col_expr(
            claims::Column::Status,
            Expr::value(crate::domain::ClaimStatus::NotAccepted),
        )
        .col_expr(
            claims::Column::NotAcceptedReason,
            Expr::value(Some(reason.to_owned())),
        )
        .col_expr(
            claims::Column::NotAcceptedDetail,
            Expr::value(Some(detail.to_owned())),
        )
        .filter(claims::Column::Id.eq(id))
        .filter(claims::Column::RetailerId.eq(retailer_id))
        .exec(db)
        .await?;
    Ok(())
}

/// The claim is written off at the store's cost: `written_off`, decided now for nothing (so
/// the manufacturer owes nothing and the ledger counts it as written off).
pub async fn claim_written_off<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    id: Uuid,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    claims::Entity::update_many()
        .col_expr(
            claims::Column::Status,
            Expr::value(crate::domain::ClaimStatus::WrittenOff),
        )
        .col_expr(claims::Column::DecidedAt, Expr::value(Some(at)))
        .col_expr(
            claims::Column::DecidedAmount,
            Expr::value(Some(rust_decimal::Decimal::ZERO)),
        )
        .filter(claims::Column::Id.eq(id))
        .filter(claims::Column::RetailerId.eq(retailer_id))
        .exec(db)
        .await?;
    Ok(())
}

/// The claim goes to the manufacturer again (`submitted`, one submission more), for the
/// manufacturer `manufacturer_id` (the product's, maybe corrected).
pub async fn claim_resubmitted<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    id: Uuid,
    manufacturer_id: Uuid,
    submissions: i32,
) -> Result<(), DbErr> {
    claims::Entity::update_many()
        .col_expr(
            claims::Column::Status,
            Expr::value(crate::domain::ClaimStatus::Submitted),
        )
        .col_expr(
            claims::Column::NotAcceptedReason,
            Expr::value(None::<String>),
        )
        .col_expr(
            claims::Column::NotAcceptedDetail,
            Expr::value(None::<String>),
        )
        .col_expr(claims::Column::ManufacturerId, Expr::value(manufacturer_id))
        .col_expr(claims::Column::Submissions, Expr::value(submissions))
        .filter(claims::Column::Id.eq(id))
        .filter(claims::Column::RetailerId.eq(retailer_id))
        .exec(db)
        .await?;
    Ok(())
}
