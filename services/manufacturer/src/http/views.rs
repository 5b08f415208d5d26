//! Response bodies.

use chrono::{DateTime, Utc};
use kummerer_contracts::{Currency, Money};
use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::db::{agreement, claim, claim_event, manufacturer};

#[derive(Debug, Serialize, ToSchema)]
pub struct Items<T> {
    pub items: Vec<T>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ManufacturerView {
    pub id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

impl From<manufacturer::Model> for ManufacturerView {
    fn from(m: manufacturer::Model) -> Self {
        Self {
            id: m.id,
            name: m.name,
            created_at: m.created_at,
        }
    }
}

/// Money as the contracts serialize it; the currency comes from a checked column.
#[derive(Debug, Serialize, ToSchema)]
pub struct MoneyView {
    /// A decimal string with two places, e.g. `"499.00"`.
    #[schema(example = "499.00")]
    pub amount: String,
    /// ISO 4217, e.g. `EUR`.
    #[schema(example = "EUR")]
    pub currency: String,
}

pub(super) fn money(amount: Decimal, currency: &str) -> MoneyView {
    let mut amount = amount;
    amount.rescale(2);
    MoneyView {
        amount: amount.to_string(),
        currency: currency.trim().to_owned(),
    }
}

/// Typed money from a row, for the domain.
pub fn money_of(amount: Decimal, currency: &str) -> Option<Money> {
    Money::new(amount, Currency::parse(currency.trim()).ok()?).ok()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AgreementView {
    pub id: Uuid,
    pub manufacturer_id: Uuid,
    pub retailer_id: Uuid,
    pub currency: String,
    pub coverage_months: i32,
    pub doa_days: i32,
    /// A decimal string such as `"80.00"`.
    pub reimbursement_percent: String,
    pub handling_fee: MoneyView,
    pub decision_deadline_days: i32,
    /// `accept` or `reject`: what a claim left undecided past its deadline becomes.
    pub default_outcome: String,
    pub created_at: DateTime<Utc>,
}

impl From<agreement::Model> for AgreementView {
    fn from(a: agreement::Model) -> Self {
        let mut percent = a.reimbursement_percent;
        percent.rescale(2);
        Self {
            id: a.id,
            manufacturer_id: a.manufacturer_id,
            retailer_id: a.retailer_id,
            handling_fee: money(a.handling_fee, &a.currency),
            currency: a.currency.trim().to_owned(),
            coverage_months: a.coverage_months,
            doa_days: a.doa_days,
            reimbursement_percent: percent.to_string(),
            decision_deadline_days: a.decision_deadline_days,
            default_outcome: a.default_outcome,
            created_at: a.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProductView {
    pub sku: String,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClaimEventView {
    /// `received`, `accepted_by_rule`, `left_pending`, `decided`, `deemed_decided`, …
    pub kind: String,
    pub occurred_at: DateTime<Utc>,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

impl From<claim_event::Model> for ClaimEventView {
    fn from(e: claim_event::Model) -> Self {
        Self {
            kind: e.kind,
            occurred_at: e.occurred_at,
            details: e.details,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClaimView {
    pub id: Uuid,
    pub manufacturer_id: Uuid,
    pub retailer_id: Uuid,
    pub swap_id: Uuid,
    pub case_id: Uuid,
    pub serial: String,
    pub product: ProductView,
    pub price_paid: MoneyView,
    pub sold_at: DateTime<Utc>,
    pub swapped_at: DateTime<Utc>,
    pub defect_category: String,
    pub defect_description: String,
    /// `pending`, `accepted`, `partly_accepted` or `rejected`.
    pub status: String,
    pub pending_reason: Option<String>,
    pub agreement_id: Option<Uuid>,
    pub suggested_amount: Option<MoneyView>,
    pub decided_amount: Option<MoneyView>,
    pub reason_code: Option<String>,
    pub decided_by: Option<String>,
    pub received_at: DateTime<Utc>,
    pub deadline_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    /// Duplicate and fraud flags (`duplicate_serial`, `unknown_serial`); empty when none.
    pub flags: Vec<String>,
    /// The claim's history, oldest first (only on the single-claim answers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<ClaimEventView>>,
}

impl ClaimView {
    pub fn new(c: claim::Model, events: Option<Vec<claim_event::Model>>) -> Self {
        let cur = c.currency.clone();
        Self {
            id: c.id,
            manufacturer_id: c.manufacturer_id,
            retailer_id: c.retailer_id,
            swap_id: c.swap_id,
            case_id: c.case_id,
            serial: c.serial,
            product: ProductView {
                sku: c.product_sku,
                name: c.product_name,
            },
            price_paid: money(c.price_paid, &cur),
            sold_at: c.sold_at,
            swapped_at: c.swapped_at,
            defect_category: c.defect_category,
            defect_description: c.defect_description,
            status: c.status,
            pending_reason: c.pending_reason,
            agreement_id: c.agreement_id,
            suggested_amount: c.suggested_amount.map(|a| money(a, &cur)),
            decided_amount: c.decided_amount.map(|a| money(a, &cur)),
            reason_code: c.reason_code,
            decided_by: c.decided_by,
            received_at: c.received_at,
            deadline_at: c.deadline_at,
            decided_at: c.decided_at,
            flags: flag_list(&c.flags),
            events: events.map(|es| es.into_iter().map(ClaimEventView::from).collect()),
        }
    }
}

/// The codes of a `flags` column (a JSON array of strings).
fn flag_list(flags: &serde_json::Value) -> Vec<String> {
    flags
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|f| f.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}
