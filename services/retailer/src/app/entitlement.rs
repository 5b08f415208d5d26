//! What a sold unit is entitled to today: the legal guarantee (the retailer's, two years) and
//! the manufacturer's warranty from the agreement in force today (coverage end, DOA window) with
//! the recovery a swap today can expect — the same numbers for the JSON API and the desk.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Europe::Berlin;
use kummerer_contracts::Recovery;
use sea_orm::{ConnectionTrait, DbErr};
use serde::Serialize;
use uuid::Uuid;

use crate::db::{self, products, sales, settlement};
use crate::domain::legal_clocks::{Jurisdiction, consumer_clocks};
use crate::domain::{Counter, Entitlement, counter, warranty};

/// The manufacturer's warranty by the agreement version in force.
#[derive(Debug, Clone, Serialize)]
pub struct WarrantyView {
    pub agreement_id: Uuid,
    pub version: i32,
    pub manufacturer_id: Uuid,
    pub manufacturer_name: String,
    /// When this version came into force.
    pub valid_from: DateTime<Utc>,
    /// `null`: the coverage never ends.
    pub coverage_ends: Option<DateTime<Utc>>,
    pub under_coverage: bool,
    pub doa_ends: DateTime<Utc>,
    pub within_doa: bool,
    /// What a swap today recovers from the manufacturer, by the shared rule
    /// (`{"kind": "doa"|"covered"|"outside_coverage"|…, "amount"?, "percent"?}`).
    pub recovery_today: Recovery,
    /// Whose account a swap today is on by the version's swap rules (defect not yet known):
    /// `{"kind": "manufacturer", "version", "rule", "percent", "extras", "total", "lines"}`,
    /// `{"kind": "store", "version", "rule", "reason"}` or `{"kind": "ask", "version", "why"}`.
    pub counter_today: Counter,
}

#[derive(Debug, Clone, Serialize)]
pub struct EntitlementView {
    pub days_since_sale: i64,
    pub legal_guarantee_ends: DateTime<Utc>,
    pub legal_guarantee_days_left: i64,
    pub under_legal_guarantee: bool,
    /// The last local day (the retailer's time zone, Europe/Berlin by default) on which a
    /// defect is presumed to have existed at delivery (by the retailer's jurisdiction: BGB
    /// § 477, ABGB § 924: one year), and whether it is still so today. The sale is taken as the
    /// delivery to the customer.
    pub burden_reversal_ends_on: NaiveDate,
    pub burden_of_proof_on_seller: bool,
    /// `null` when no agreement with the product's manufacturer is in force.
    pub manufacturer_warranty: Option<WarrantyView>,
}

/// The entitlement of `sale` (of `product`) at `now`.
pub async fn entitlement_of<C: ConnectionTrait>(
    db: &C,
    sale: &sales::Model,
    product: &products::Model,
    now: DateTime<Utc>,
) -> Result<EntitlementView, DbErr> {
    let legal = Entitlement::at(sale.sold_at, now);
    let price_paid = db::money(sale.price_paid, &sale.currency)?;
    let list_price = db::money(product.price, &product.currency).ok();
    // The retailer's law and local days (issue 12: `DE` or `AT`, set by its admin).
    let law = db::retailers::law_settings(db, sale.retailer_id).await?;
    let jurisdiction = law
        .as_ref()
        .and_then(|l| Jurisdiction::parse(&l.jurisdiction))
        .unwrap_or_default();
    let tz = law.and_then(|l| l.time_zone.parse().ok()).unwrap_or(Berlin);
    let clocks = consumer_clocks(jurisdiction.rules(), sale.sold_at, tz, now);
    let manufacturer_warranty =
        settlement::agreement_in_force(db, sale.retailer_id, product.manufacturer_id, now)
            .await?
            .map(|a| {
                let w = warranty(&a.terms, &price_paid, sale.sold_at, now);
                let counter_today = counter(
                    Some((a.version, &a.terms)),
                    &price_paid,
                    list_price.as_ref(),
                    sale.sold_at,
                    now,
                    "",
                    None,
                );
                WarrantyView {
                    agreement_id: a.agreement_id,
                    version: a.version,
                    manufacturer_id: product.manufacturer_id,
                    manufacturer_name: a.manufacturer_name,
                    valid_from: a.valid_from,
                    coverage_ends: w.coverage_ends,
                    under_coverage: w.under_coverage,
                    doa_ends: w.doa_ends,
                    within_doa: w.within_doa,
                    recovery_today: w.recovery,
                    counter_today,
                }
            });
    Ok(EntitlementView {
        days_since_sale: legal.days_since_sale,
        legal_guarantee_ends: legal.guarantee_ends,
        legal_guarantee_days_left: legal.guarantee_days_left,
        under_legal_guarantee: legal.under_guarantee(now),
        burden_reversal_ends_on: clocks.burden_reversal_ends_on,
        burden_of_proof_on_seller: clocks.burden_on_seller,
        manufacturer_warranty,
    })
}

/// The counter's answer for a swap of `sale` (of `product`) at `now` with a defect of
/// `defect_category` ("" while not known), to `replacement` (`None`: the same model), by the
/// agreement version in force with the product's manufacturer; with the manufacturer's name
/// (for "No agreement with …"). The sale and case pages show it before the clerk decides; the
/// approval records it on the swap, in its own transaction.
pub async fn counter_for<C: ConnectionTrait>(
    db: &C,
    sale: &sales::Model,
    product: &products::Model,
    defect_category: &str,
    replacement: Option<&products::Model>,
    now: DateTime<Utc>,
) -> Result<(Counter, String), DbErr> {
    let price_paid = db::money(sale.price_paid, &sale.currency)?;
    let list_price = db::money(product.price, &product.currency).ok();
    let upgrade_price = replacement
        .filter(|r| r.id != product.id)
        .map(|r| db::money(r.price, &r.currency))
        .transpose()?;
    let agreement =
        settlement::agreement_in_force(db, sale.retailer_id, product.manufacturer_id, now).await?;
    let name = match &agreement {
        Some(a) => a.manufacturer_name.clone(),
        None => db::partners::manufacturer_name(db, product.manufacturer_id)
            .await?
            .unwrap_or_default(),
    };
    let answer = counter(
        agreement.as_ref().map(|a| (a.version, &a.terms)),
        &price_paid,
        list_price.as_ref(),
        sale.sold_at,
        now,
        defect_category,
        upgrade_price.as_ref(),
    );
    Ok((answer, name))
}
