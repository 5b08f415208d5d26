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
