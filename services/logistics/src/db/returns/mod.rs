//! Return items (units the manufacturer wants back, `items`) and the return shipments they
//! travel in (`shipments`): one module per table.
//!
//! Locking order: the job first, then the shipment. The consumer of a return request locks the
//! unit's job before it adds the item, and a collection holds the job's lock while it places
//! the job's items, so an item is never missed between the two; placing an item locks its open
//! shipment, and dispatching locks the shipment, so an item never joins a shipment that has
//! just left. A withdrawal locks the job, then the item's shipment, then the item.

pub mod items;
pub mod shipments;

pub use items::{
    ItemRow, find_item, find_of_claim, insert_item, items_of, lock_of_claim, lock_pool_item,
    move_to_open_shipment, place_items_of_job, pool_of_carrier, set_withdrawal_refused,
    set_withdrawn,
};
pub use shipments::{
    crew_trips, find_shipment_of, lock_shipment_of, set_arrived, set_dispatched,
    shipments_of_carrier,
};
