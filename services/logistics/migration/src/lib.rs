//! The logistics service's schema: the shared outbox and inbox tables, then the jobs, then carriers,
//! crews and the assignment of jobs to crews, then crew accounts and their sessions, then the
//! photos of a visit, then the visit in steps and the return shipments, then dispatcher
//! accounts and the carriers' API tokens, then the postcode regions the operator grants each
//! carrier, then the withdrawal of return items, then cancelled jobs, overdue escalations and
//! corrections of the address or window, then the pages' languages and time zones.

pub use sea_orm_migration::prelude::*;

mod m20261123_000002_logistics;
mod m20261123_000003_dispatch;
mod m20261123_000004_crew_accounts;
mod m20261123_000005_photos;
mod m20261123_000006_visit_steps_returns;
mod m20261123_000007_dispatchers_tokens;
mod m20261202_000008_carrier_regions;
mod m20261203_000010_return_withdrawal;
mod m20261203_000040_job_cancel;
mod m20261203_000062_job_overdue;
mod m20261204_000010_job_corrections;
mod m20261204_000040_carrier_contracts;
mod m20261204_000051_personal_data;
mod m20261205_000100_slot_announcements;
mod m20261205_000200_page_language_time_zone;
mod m20261206_000300_customer_answers;

pub struct Migrator;

#[sea_orm_migration::async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(kummerer_messaging::migration::OutboxInbox),
            Box::new(m20261123_000002_logistics::Migration),
            Box::new(m20261123_000003_dispatch::Migration),
            Box::new(m20261123_000004_crew_accounts::Migration),
            Box::new(m20261123_000005_photos::Migration),
            Box::new(m20261123_000006_visit_steps_returns::Migration),
            Box::new(m20261123_000007_dispatchers_tokens::Migration),
            Box::new(m20261202_000008_carrier_regions::Migration),
            Box::new(m20261203_000010_return_withdrawal::Migration),
            Box::new(m20261203_000040_job_cancel::Migration),
            Box::new(m20261203_000062_job_overdue::Migration),
            Box::new(m20261204_000010_job_corrections::Migration),
            Box::new(m20261204_000040_carrier_contracts::Migration),
            Box::new(m20261204_000051_personal_data::Migration),
            Box::new(m20261205_000100_slot_announcements::Migration),
            Box::new(m20261205_000200_page_language_time_zone::Migration),
            Box::new(m20261206_000300_customer_answers::Migration),
        ]
    }
}
