//! Stores, stock locations and stock levels (set by an admin; a swap reserves one unit in
//! [`crate::app::approve`]).

use kummerer_contracts::{Address, LocationId, ProductId, RetailerId, StoreId};
use sea_orm::{DatabaseConnection, DbErr};

use crate::db::stock;

#[derive(Debug, thiserror::Error)]
pub enum StockError {
    #[error("there is already a store called {0}")]
    StoreExists(String),
    #[error("there is already a stock location called {0}")]
    LocationExists(String),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Creates a store.
pub async fn create_store(
    db: &DatabaseConnection,
    retailer_id: RetailerId,
    name: String,
) -> Result<StoreId, StockError> {
    let id = StoreId::new_v7();
    if !stock::insert_store(db, retailer_id.as_uuid(), id.as_uuid(), &name).await? {
        return Err(StockError::StoreExists(name));
    }
    Ok(id)
}

/// A checked new stock location (`store`: `None` = a central warehouse).
pub struct NewLocation {
    pub name: String,
    pub store: Option<StoreId>,
    pub address: Address,
}

/// Creates a stock location.
pub async fn create_location(
    db: &DatabaseConnection,
    retailer_id: RetailerId,
    new: NewLocation,
) -> Result<LocationId, StockError> {
    let id = LocationId::new_v7();
    let inserted = stock::insert_location(
        db,
        retailer_id.as_uuid(),
        stock::NewLocation {
            id: id.as_uuid(),
            store_id: new.store.map(StoreId::into),
            name: &new.name,
            address: &new.address,
        },
    )
    .await?;
    if !inserted {
        return Err(StockError::LocationExists(new.name));
    }
    Ok(id)
}

/// Sets the counted stock level of a product at a location.
pub async fn set_level(
    db: &DatabaseConnection,
    retailer_id: RetailerId,
    location: LocationId,
    product: ProductId,
    quantity: i32,
) -> Result<(), DbErr> {
    stock::set_level(
        db,
        retailer_id.as_uuid(),
        location.as_uuid(),
        product.as_uuid(),
        quantity,
    )
    .await
}
