#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The retailer service against the real PostgreSQL and RabbitMQ: the desk flow (retailer,
//! product, sale, case, swap) with its outbox rows, concurrent approvals, the case events from
//! logistics and the manufacturer landing on the timeline, the tenant wall, and bad input that
//! changes nothing.

mod support;

mod bad_input;
mod carriers;
mod case_events;
mod corrections;
mod counter;
mod credit_note_document;
mod desk;
mod disputes;
mod doors;
mod erasure;
mod information;
mod keys;
mod ledger;
mod ledger_deadlines;
mod notify;
mod openapi;
mod prices;
mod resubmit_desk;
mod settlement;
mod slots;
mod status_actions;
mod supplier_delivery;
mod swaps;
mod tenancy;
mod visits;
