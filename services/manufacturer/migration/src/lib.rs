//! The manufacturer service's schema: the outbox and inbox of the message machinery, then
//! manufacturers, their agreements with retailers, and the claims filed against them.

pub use sea_orm_migration::prelude::*;

mod m20261123_000002_manufacturer;
mod m20261123_000003_deadlines_flags_idempotency;
mod m20261123_000004_api_keys;
mod m20261123_000005_claim_listing;
mod m20261123_000006_versions_evidence_returns_disputes;
mod m20261123_000007_credit_notes_webhooks;
mod m20261202_000008_webhook_failing_since;
mod m20261202_000009_claim_list_price;
mod m20261202_000010_credit_note_issued_by;
mod m20261203_000011_return_due_at_return_by;
mod m20261203_000030_information_requests;
mod m20261203_000040_claim_withdrawals;
mod m20261204_000030_partner_links;
mod m20261205_000120_swap_rules;
mod m20261207_000210_credit_note_vat;
mod m20261207_000300_sales_reports;

pub struct Migrator;

#[sea_orm_migration::async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(kummerer_messaging::migration::OutboxInbox),
            Box::new(m20261123_000002_manufacturer::Migration),
            Box::new(m20261123_000003_deadlines_flags_idempotency::Migration),
            Box::new(m20261123_000004_api_keys::Migration),
            Box::new(m20261123_000005_claim_listing::Migration),
            Box::new(m20261123_000006_versions_evidence_returns_disputes::Migration),
            Box::new(m20261123_000007_credit_notes_webhooks::Migration),
            Box::new(m20261202_000008_webhook_failing_since::Migration),
            Box::new(m20261202_000009_claim_list_price::Migration),
            Box::new(m20261202_000010_credit_note_issued_by::Migration),
            Box::new(m20261203_000011_return_due_at_return_by::Migration),
            Box::new(m20261203_000030_information_requests::Migration),
            Box::new(m20261203_000040_claim_withdrawals::Migration),
            Box::new(m20261204_000030_partner_links::Migration),
            Box::new(m20261205_000120_swap_rules::Migration),
            Box::new(m20261207_000210_credit_note_vat::Migration),
            Box::new(m20261207_000300_sales_reports::Migration),
        ]
    }
}
