//! `depots`: a manufacturer's depots that take units back.

use kummerer_contracts::claims::Depot;
use kummerer_contracts::events::Address;
use kummerer_contracts::ids::{DepotId, ManufacturerId};
use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::Set, ConnectionTrait, QueryOrder};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "depots")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: DepotId,
    pub manufacturer_id: ManufacturerId,
    pub name: String,
    pub address: Json,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    pub fn address(&self) -> Result<Address, DbErr> {
        serde_json::from_value(self.address.clone())
            .map_err(|e| DbErr::Custom(format!("depot {}: bad address: {e}", self.id)))
    }

    /// The depot as the messages carry it.
    pub fn contract(&self) -> Result<Depot, DbErr> {
        Ok(Depot {
            depot_id: self.id,
            name: self.name.clone(),
            address: self.address()?,
        })
    }
}

pub async fn insert<C: ConnectionTrait>(
    db: &C,
    manufacturer_id: ManufacturerId,
    name: &str,
    address: &Address,
) -> Result<Model, DbErr> {
    let address = serde_json::to_value(address).map_err(|e| DbErr::Custom(e.to_string()))?;
    ActiveModel {
        id: Set(DepotId::new_v7()),
        manufacturer_id: Set(manufacturer_id),
        name: Set(name.to_owned()),
        address: Set(address),
        created_at: Set(super::now()),
    }
    .insert(db)
    .await
}

pub async fn list<C: ConnectionTrait>(
    db: &C,
    manufacturer_id: ManufacturerId,
) -> Result<Vec<Model>, DbErr> {
    Entity::find()
        .filter(Column::ManufacturerId.eq(manufacturer_id))
        .order_by_asc(Column::CreatedAt)
        .order_by_asc(Column::Id)
        .all(db)
        .await
}

pub async fn find<C: ConnectionTrait>(
    db: &C,
    manufacturer_id: ManufacturerId,
    id: DepotId,
) -> Result<Option<Model>, DbErr> {
    Entity::find_by_id(id)
        .filter(Column::ManufacturerId.eq(manufacturer_id))
        .one(db)
        .await
}

/// The manufacturer's default depot: its first (oldest) one, where a `must_return` agreement
/// sends every unit. `None` while it has none (an agreement cannot say `must_return` then).
pub async fn default_of<C: ConnectionTrait>(
    db: &C,
    manufacturer_id: ManufacturerId,
) -> Result<Option<Model>, DbErr> {
    // A manufacturer has a handful of depots: the list, oldest first, is cheap.
    Ok(list(db, manufacturer_id).await?.into_iter().next())
}
