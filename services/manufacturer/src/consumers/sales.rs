//! `retailer.sales.reported.v1` on `manufacturer.claims` (issue 12): a linked retailer's units
//! sold in one month per product, the denominator of the failure rates. Event-carried state:
//! the month's report replaces the one held only when its sequence is higher
//! ([`supersedes`]), so a redelivered, doubled or late report changes nothing.
//!
//! A report from a retailer that is not linked with the manufacturer now (it crossed an
//! unlink, or the manufacturer is unknown here) is **dropped** and counted
//! (`kummerer_manufacturer_sales_reports_ignored_total{reason="not_linked"}`), not
//! dead-lettered: it is well-formed, nothing an operator could replay would make it apply, and
//! the retailer sends only to linked manufacturers, so it stops by itself. A report that names a
//! product twice is malformed: dead-lettered.

use kummerer_contracts::SalesReportedV1;
use kummerer_messaging::HandleError;
use sea_orm::ConnectionTrait;

use crate::db::sales_reports::{self as reports, Line};
use crate::domain::failure_rates::{duplicate_sku, supersedes};

pub async fn sales_reported<C: ConnectionTrait>(
    txn: &C,
    ev: &SalesReportedV1,
) -> Result<(), HandleError> {
    let (mid, rid) = (ev.manufacturer_id.as_uuid(), ev.retailer_id.as_uuid());
    if let Some(sku) = duplicate_sku(ev.by_product.iter().map(|p| p.sku.as_str())) {
        return Err(HandleError::Permanent(format!(
            "sales report of {} names product {sku:?} twice",
            ev.month
        )));
    }
    if !crate::db::partners::linked(txn, mid, rid).await? {
        tracing::info!(manufacturer.id = %mid, retailer.id = %rid, month = %ev.month,
            "sales report from a retailer that is not linked: dropped");
        crate::metrics::sales_report_ignored("not_linked");
        return Ok(());
    }
    let month = (mid, rid, ev.month.first_day());
    let held = reports::lock(txn, month).await?;
    if !supersedes(held, ev.sequence) {
        tracing::info!(manufacturer.id = %mid, retailer.id = %rid, month = %ev.month,
            sequence = ev.sequence, held = ?held, "sales report not newer than the one held");
        crate::metrics::sales_report_ignored("not_newer");
        return Ok(());
    }
    let lines: Vec<Line<'_>> = ev
        .by_product
        .iter()
        .map(|p| Line {
            sku: &p.sku,
            name: &p.name,
            units: p.units,
        })
        .collect();
    reports::replace(txn, month, (ev.sequence, ev.as_of), &lines).await?;
    Ok(())
}
