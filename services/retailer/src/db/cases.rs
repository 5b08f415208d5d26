//! `cases`: a defect reported on a sold unit.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "cases")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub retailer_id: Uuid,
    pub sale_id: Uuid,
    pub defect_category: crate::domain::DefectCategory,
    pub defect_description: String,
    pub status: crate::domain::CaseStatus,
    pub opened_at: DateTimeUtc,
    /// Hex SHA-256 of the customer's status-link token, once a link was created.
    pub status_token_hash: Option<String>,
    /// The store the case was opened at (the desk: the staff member's store).
    pub store_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// The case whose status link has this token hash.
pub async fn by_status_token<C: ConnectionTrait>(
    db: &C,
    token_hash: &str,
) -> Result<Option<Model>, DbErr> {
    Entity::find()
        .filter(Column::StatusTokenHash.eq(token_hash))
        .one(db)
        .await
}

/// Stores the case's new status-link hash: `false` when the retailer has no such case.
pub async fn set_status_token<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    id: Uuid,
    token_hash: String,
) -> Result<bool, DbErr> {
    let updated = Entity::update_many()
        .col_expr(Column::StatusTokenHash, Expr::value(token_hash))
        .filter(Column::Id.eq(id))
        .filter(Column::RetailerId.eq(retailer_id))
        .exec(db)
        .await?;
    Ok(updated.rows_affected == 1)
}

// --- queries ---

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use super::{cases, insert_new};
use crate::domain::CaseStatus;

/// `false` when the sale already has a case in progress.
/// Inserts the case (and who holds its ball: the retailer, to decide); `false` when it collides.
pub async fn insert_case<C: ConnectionTrait>(db: &C, case: cases::Model) -> Result<bool, DbErr> {
    let (retailer_id, id) = (case.retailer_id, case.id);
    let row: cases::ActiveModel = case.into();
    let inserted = insert_new(db, row.reset_all()).await?;
    if inserted {
        super::ball::refresh(db, retailer_id, id).await?;
    }
    Ok(inserted)
}

pub async fn find_case<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    id: Uuid,
) -> Result<Option<cases::Model>, DbErr> {
    cases::Entity::find_by_id(id)
        .filter(cases::Column::RetailerId.eq(retailer_id))
        .one(db)
        .await
}

/// The case, locked (`FOR UPDATE`) until the caller's transaction ends: a second approval of the
/// same case waits here and then sees the first one's outcome.
pub async fn lock_case<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    id: Uuid,
) -> Result<Option<cases::Model>, DbErr> {
    cases::Entity::find_by_id(id)
        .filter(cases::Column::RetailerId.eq(retailer_id))
        .lock_exclusive()
        .one(db)
        .await
}

pub async fn set_case_status<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    id: Uuid,
    status: CaseStatus,
) -> Result<(), DbErr> {
    cases::Entity::update_many()
        .col_expr(cases::Column::Status, Expr::value(status))
        .filter(cases::Column::Id.eq(id))
        .filter(cases::Column::RetailerId.eq(retailer_id))
        .exec(db)
        .await?;
    Ok(())
}
