//! `staff`: the retailer's people who sign in to the desk.

use sea_orm::QueryOrder;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "staff")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub retailer_id: Uuid,
    pub email: String,
    pub name: String,
    pub role: crate::domain::Role,
    pub password_hash: String,
    pub failed_attempts: i32,
    pub locked_until: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    /// The store the person works at (`None`: no store, e.g. head office).
    pub store_id: Option<Uuid>,
    /// Set when an admin disabled the account: it cannot sign in.
    pub disabled_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// A new account: no failed sign-ins, not locked, not disabled.
    pub fn new_account(
        retailer_id: Uuid,
        email: String,
        name: String,
        role: crate::domain::Role,
        password_hash: String,
        store_id: Option<Uuid>,
    ) -> Model {
        Model {
            id: Uuid::now_v7(),
            retailer_id,
            email,
            name,
            role,
            password_hash,
            failed_attempts: 0,
            locked_until: None,
            created_at: chrono::Utc::now(),
            store_id,
            disabled_at: None,
        }
    }
}

/// The retailer's staff member `id` (disabled or not).
pub async fn find<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    id: Uuid,
) -> Result<Option<Model>, DbErr> {
    Entity::find_by_id(id)
        .filter(Column::RetailerId.eq(retailer_id))
        .one(db)
        .await
}

/// The retailer's staff, by e-mail.
pub async fn of_retailer<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
) -> Result<Vec<Model>, DbErr> {
    Entity::find()
        .filter(Column::RetailerId.eq(retailer_id))
        .order_by_asc(Column::Email)
        .all(db)
        .await
}
