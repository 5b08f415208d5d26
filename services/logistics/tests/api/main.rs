#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The logistics service against the real PostgreSQL and RabbitMQ: approved swaps become jobs,
//! crews complete them or record failed attempts, and every change is in the outbox.

mod support;

mod auth;
mod bad_input;
mod carriers;
mod contracts;
mod correct;
mod crew;
mod crew_day;
mod customer;
mod dispatch;
mod dispatcher;
mod doors;
mod every_page;
mod jobs;
mod migration;
mod openapi;
mod overdue;
mod photos;
mod regions;
mod return_pool;
mod returns;
mod revisit;
mod slots;
mod steps;
mod tenancy;
mod visits;
