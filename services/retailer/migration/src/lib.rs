//! The retailer service's schema: the shared outbox and inbox tables, then retailers, products,
//! sales, cases, swaps, claims and the case timeline; then the staff desk's accounts and sessions; then the authority limits;
//! then stores, stock, approval requests and sales imports; then settlement; then the index that
//! finds a unit's earlier cases; then the timeline's dedup key; then the retailer's integration
//! keys and the key recorded as the actor of what it did; then the replacement as the customer's
//! unit (`sales.replaces_case_id`); then the approval requests' due and expiry times.

pub use sea_orm_migration::prelude::*;

mod m20261123_000002_retailer;
mod m20261123_000003_desk;
mod m20261123_000004_desk_decisions;
mod m20261123_000005_stores_admin;
mod m20261123_000006_settlement;
mod m20261123_000007_cases_by_unit;
mod m20261123_000008_timeline_dedup;
mod m20261202_000001_integration_keys;
mod m20261203_000020_claim_not_accepted;
mod m20261203_000030_information_requests;
mod m20261203_000040_swap_cancel;
mod m20261203_000050_case_holdings;
mod m20261203_000060_replacement_units;
mod m20261203_000061_request_deadlines;
mod m20261203_000090_claim_written_off;
mod m20261204_000010_swap_corrections;
mod m20261204_000030_partner_links;
mod m20261204_000040_carrier_contracts;
mod m20261204_000050_personal_data;
mod m20261204_000060_notifications;
mod m20261204_000070_counter_search;
mod m20261205_000100_delivery_slots;
mod m20261205_000180_desk_locale;
mod m20261206_000120_counter_and_clocks;
mod m20261207_000110_austria_and_supplier_delivery;
mod m20261207_000210_credit_note_vat;
mod m20261207_000300_sales_reports;

pub struct Migrator;

#[sea_orm_migration::async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(kummerer_messaging::migration::OutboxInbox),
            Box::new(m20261123_000002_retailer::Migration),
            Box::new(m20261123_000003_desk::Migration),
            Box::new(m20261123_000004_desk_decisions::Migration),
            Box::new(m20261123_000005_stores_admin::Migration),
            Box::new(m20261123_000006_settlement::Migration),
            Box::new(m20261123_000007_cases_by_unit::Migration),
            Box::new(m20261123_000008_timeline_dedup::Migration),
            Box::new(m20261202_000001_integration_keys::Migration),
            Box::new(m20261203_000020_claim_not_accepted::Migration),
            Box::new(m20261203_000030_information_requests::Migration),
            Box::new(m20261203_000040_swap_cancel::Migration),
            Box::new(m20261203_000050_case_holdings::Migration),
            Box::new(m20261203_000060_replacement_units::Migration),
            Box::new(m20261203_000061_request_deadlines::Migration),
            Box::new(m20261203_000090_claim_written_off::Migration),
            Box::new(m20261204_000010_swap_corrections::Migration),
            Box::new(m20261204_000030_partner_links::Migration),
            Box::new(m20261204_000040_carrier_contracts::Migration),
            Box::new(m20261204_000050_personal_data::Migration),
            Box::new(m20261204_000060_notifications::Migration),
            Box::new(m20261204_000070_counter_search::Migration),
            Box::new(m20261205_000100_delivery_slots::Migration),
            Box::new(m20261205_000180_desk_locale::Migration),
            Box::new(m20261206_000120_counter_and_clocks::Migration),
            Box::new(m20261207_000110_austria_and_supplier_delivery::Migration),
            Box::new(m20261207_000210_credit_note_vat::Migration),
            Box::new(m20261207_000300_sales_reports::Migration),
        ]
    }
}
