//! The delivered replacement becomes the customer's unit: a sale row on the original receipt
//! with the delivered serial and the replacement's product, dated by the delivery (its own
//! guarantee runs from there), naming the case it replaced. The counter finds it by its serial,
//! so a second failure opens a case on the replacement.
//!
//! One per case (a unique key on `replaces_case_id`): `job.delivered` and `job.completed` of the
//! same visit, or a redelivered copy, record it once.

use chrono::{DateTime, Utc};
use sea_orm::DatabaseTransaction;
use uuid::Uuid;

use super::CaseEventError;
use crate::db::{self, sales, swaps};
use crate::domain::phone;

/// Records `serial`, delivered at `at` for `swap` (whose case is on the sale `sale_id`), as the
/// customer's unit; nothing when the case already has its replacement or the crew reported no
/// serial.
pub(super) async fn record_replacement(
    txn: &DatabaseTransaction,
    swap: &swaps::Model,
    sale_id: Uuid,
    serial: &str,
    at: DateTime<Utc>,
) -> Result<(), CaseEventError> {
    let serial = serial.trim();
    if serial.is_empty() {
        return Ok(());
    }
    let original = db::sale_of(txn, swap.retailer_id, sale_id).await?;
    let unit = sales::Model {
        id: Uuid::now_v7(),
        retailer_id: swap.retailer_id,
        receipt_no: original.receipt_no,
        product_id: swap.replacement_product_id,
        serial: serial.to_owned(),
        price_paid: original.price_paid,
        currency: original.currency,
        sold_at: at,
        customer_name: swap.address_name.clone(),
        customer_phone: swap.address_phone.clone(),
        customer_phone_e164: phone::e164(&swap.address_phone, &swap.country).unwrap_or_default(),
        street: swap.street.clone(),
        postcode: swap.postcode.clone(),
        city: swap.city.clone(),
        country: swap.country.clone(),
        created_at: Utc::now(),
        replaces_case_id: Some(swap.case_id),
        // From the retailer's stock: when its supplier delivered it is not known.
        supplier_delivered_at: None,
    };
    let unit_id = unit.id;
    if db::insert_sale(txn, unit).await? {
        tracing::info!(
            case.id = %swap.case_id, sale.id = %unit_id,
            "replacement recorded as the customer's unit"
        );
    }
    Ok(())
}
