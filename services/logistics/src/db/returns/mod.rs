//! Return items (units the manufacturer wants back, `items`) and the return shipments they
//! travel in (`shipments`): one module per table.
//!
//! Locking order: the job first, then the shipment. The consumer of a return request locks the
//! unit's job before it adds the item, and a collection holds the job's lock while it places
//! the job's items, so an item is never missed between the two; placing an item locks its open
//! shipment, and dispatching locks the shipment, so an item never joins a shipment that has
//! just left.

pub mod items;
pub mod shipments;

pub use items::{ItemRow, insert_item, items_of, place_items_of_job};
pub use shipments::{
    crew_trips, find_shipment_of, lock_shipment_of, set_arrived, set_dispatched,
    shipments_of_carrier,
};
