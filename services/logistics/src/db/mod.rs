//! The logistics database: one module per table, holding its entity and its queries.

pub mod carrier_contracts;
pub mod carrier_regions;
pub mod carrier_tokens;
pub mod carriers;
pub mod crew_members;
pub mod crew_sessions;
pub mod customer_answers;
pub mod dispatch;
pub mod dispatcher_sessions;
pub mod dispatchers;
pub mod job_events;
pub mod job_photos;
pub mod jobs;
pub mod overdue;
pub mod page_prefs;
pub mod returns;
pub mod slots;
