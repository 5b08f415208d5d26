#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The manufacturer service end to end within itself: its HTTP API, its consumer of
//! `manufacturer.claims`, and its outbox, against a real PostgreSQL and RabbitMQ.

mod support;

mod agreements;
mod amounts;
mod api_keys;
mod bad_input;
mod claims;
mod credit_notes;
mod deadlines;
mod disputes;
mod doors;
mod evidence;
mod failure_rates;
mod flow;
mod idempotency;
mod information;
mod listing;
mod openapi;
mod operator;
mod partners;
mod returns;
mod serials;
mod swap_rules;
mod tenancy;
mod versions;
mod webhooks;
