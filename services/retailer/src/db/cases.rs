//! `cases`: a defect reported on a sold unit.

use sea_orm::entity::prelude::*;
use sea_orm::sea_query::Expr;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "cases")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub retailer_id: Uuid,
    pub sale_id: Uuid,
    pub defect_category: String,
    pub defect_description: String,
    pub status: String,
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
