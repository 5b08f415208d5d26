//! What the API shows: products, sales, cases with their swap, claim and timeline.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use kummerer_contracts::{Address, Money, ProductRef, TimeWindow};
use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseConnection, DbErr, IsolationLevel, TransactionTrait,
};
use serde::Serialize;
use uuid::Uuid;

use crate::db::{self, cases, claims, products, retailers, sales, swaps, timeline};
use crate::domain::{Ball, Holding};

/// Money as stored (amount + `char(3)` currency); a bad stored currency is a broken invariant.
pub use crate::db::money;
pub use crate::outbound::{customer_of, product_ref};

#[derive(Debug, Serialize)]
pub struct List<T> {
    pub items: Vec<T>,
}

#[derive(Debug, Serialize)]
pub struct RetailerView {
    pub id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

impl From<retailers::Model> for RetailerView {
    fn from(r: retailers::Model) -> Self {
        Self {
            id: r.id,
            name: r.name,
            created_at: r.created_at,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ProductView {
    pub id: Uuid,
    pub sku: String,
    pub name: String,
    pub manufacturer_id: Uuid,
    pub price: Money,
    pub created_at: DateTime<Utc>,
}

impl ProductView {
    pub fn new(p: products::Model) -> Result<Self, DbErr> {
        Ok(Self {
            price: money(p.price, &p.currency)?,
            id: p.id,
            sku: p.sku,
            name: p.name,
            manufacturer_id: p.manufacturer_id,
            created_at: p.created_at,
        })
    }
}

pub fn address_of(s: &swaps::Model) -> Address {
    Address {
        name: s.address_name.clone(),
        phone: s.address_phone.clone(),
        street: s.street.clone(),
        postcode: s.postcode.clone(),
        city: s.city.clone(),
        country: s.country.clone(),
    }
}

#[derive(Debug, Serialize)]
pub struct SaleView {
    pub id: Uuid,
    pub receipt_no: String,
    pub serial: String,
    pub product: ProductRef,
    pub price_paid: Money,
    pub sold_at: DateTime<Utc>,
    pub customer: Address,
    pub created_at: DateTime<Utc>,
    /// This unit is the replacement delivered for that case.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replaces_case_id: Option<Uuid>,
    /// When the supplier delivered the unit to the retailer (the start of the retailer's local
    /// day given with the sale); `null`: not given, the recourse clock assumes the sale.
    pub supplier_delivered_at: Option<DateTime<Utc>>,
}

impl SaleView {
    pub fn new(s: sales::Model, product: &products::Model) -> Result<Self, DbErr> {
        Ok(Self {
            price_paid: money(s.price_paid, &s.currency)?,
            customer: customer_of(&s),
            product: product_ref(product),
            id: s.id,
            receipt_no: s.receipt_no,
            serial: s.serial,
            sold_at: s.sold_at,
            created_at: s.created_at,
            replaces_case_id: s.replaces_case_id,
            supplier_delivered_at: s.supplier_delivered_at,
        })
    }

    /// Sales with their products (looked up by id in `products`).
    pub fn many(
        sales: Vec<sales::Model>,
        products: Vec<products::Model>,
    ) -> Result<Vec<Self>, DbErr> {
        let by_id: HashMap<Uuid, products::Model> =
            products.into_iter().map(|p| (p.id, p)).collect();
        sales
            .into_iter()
            .map(|s| {
                let product = by_id.get(&s.product_id).ok_or_else(|| {
                    DbErr::RecordNotFound(format!("product {} of sale {}", s.product_id, s.id))
                })?;
                SaleView::new(s, product)
            })
            .collect()
    }
}

#[derive(Debug, Serialize)]
pub struct SwapView {
    pub id: Uuid,
    pub status: String,
    pub replacement: ProductRef,
    pub window: TimeWindow,
    pub delivery_address: Address,
    pub approved_by: String,
    /// The manager who authorized a swap above the approver's limit (desk only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorized_by: Option<String>,
    pub approved_at: DateTime<Utc>,
    /// Where the replacement was reserved (`None`: no reservation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stock_location: Option<StockLocationRef>,
    /// A correction of the address or window waiting for logistics' answer: until it comes,
    /// `window` and `delivery_address` are the visit as it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correction_pending: Option<PendingCorrection>,
    /// The counter's answer recorded at approval (issue 12): whose account the swap is on —
    /// `{"kind": "manufacturer", "version", "rule", "percent", "extras", "total", "lines"}`,
    /// `{"kind": "store", "version", "rule", "reason"}`, `{"kind": "ask", "version", "why"}` or
    /// `{"kind": "no_agreement"}`; `null` for a swap approved before swaps recorded it.
    pub counter: Option<crate::domain::Counter>,
}

/// A correction waiting for logistics (`swap.correction_pending`).
#[derive(Debug, Serialize)]
pub struct PendingCorrection {
    pub correction_id: Uuid,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery_address: Option<Address>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window: Option<TimeWindow>,
    pub reason: String,
    pub requested_by: String,
    pub requested_at: DateTime<Utc>,
}

impl From<crate::db::corrections::Row> for PendingCorrection {
    fn from(c: crate::db::corrections::Row) -> Self {
        Self {
            correction_id: c.id,
            delivery_address: c.address,
            window: c.window,
            reason: c.reason,
            requested_by: c.requested_by,
            requested_at: c.requested_at,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct StockLocationRef {
    pub id: Uuid,
    pub name: String,
}

impl SwapView {
    pub fn new(s: swaps::Model, replacement: &products::Model) -> Self {
        Self {
            delivery_address: address_of(&s),
            replacement: product_ref(replacement),
            window: TimeWindow {
                start: s.window_start,
                end: s.window_end,
            },
            id: s.id,
            status: s.status.as_string(),
            approved_by: s.approved_by,
            authorized_by: s.authorized_by,
            approved_at: s.approved_at,
            stock_location: None,
            correction_pending: None,
            counter: s.counter.and_then(|json| {
                serde_json::from_value(json)
                    .inspect_err(|e| {
                        tracing::warn!(swap.id = %s.id, error = %e, "the recorded counter does not read");
                    })
                    .ok()
            }),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ClaimView {
    pub id: Uuid,
    pub status: String,
    pub manufacturer_id: Uuid,
    pub amount_claimed: Money,
    pub decided_amount: Option<Money>,
    pub reason_code: Option<String>,
    pub submitted_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    /// When the retailer disputed a rejection (a claim is disputed once); absent if never.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disputed_at: Option<DateTime<Utc>>,
    /// While the manufacturer did not accept the claim: why, in words too; absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_accepted: Option<NotAcceptedView>,
    /// How often the claim was submitted (more than 1 after resubmissions).
    pub submissions: i32,
}

#[derive(Debug, Serialize)]
pub struct NotAcceptedView {
    pub reason: String,
    pub reason_text: String,
    pub detail: Option<String>,
}

impl ClaimView {
    pub fn new(c: claims::Model) -> Result<Self, DbErr> {
        Ok(Self {
            amount_claimed: money(c.amount_claimed, &c.currency)?,
            decided_amount: c
                .decided_amount
                .map(|a| money(a, &c.currency))
                .transpose()?,
            id: c.id,
            status: c.status.as_string(),
            manufacturer_id: c.manufacturer_id,
            reason_code: c.reason_code,
            submitted_at: c.submitted_at,
            decided_at: c.decided_at,
            disputed_at: None,
            not_accepted: c
                .not_accepted_reason
                .as_deref()
                .map(|reason| NotAcceptedView {
                    reason: reason.to_owned(),
                    reason_text: crate::domain::not_accepted::stored_reason_in_words(Some(reason))
                        .unwrap_or_default()
                        .to_owned(),
                    detail: c.not_accepted_detail.clone(),
                }),
            submissions: c.submissions,
        })
    }
}

#[derive(Debug, Serialize)]
pub struct TimelineView {
    pub kind: String,
    pub occurred_at: DateTime<Utc>,
    pub source: String,
    pub details: serde_json::Value,
}

impl From<timeline::Model> for TimelineView {
    fn from(t: timeline::Model) -> Self {
        Self {
            kind: t.kind,
            occurred_at: t.occurred_at,
            source: t.source,
            details: t.details,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct CaseView {
    pub id: Uuid,
    pub status: String,
    pub defect_category: String,
    pub defect_description: String,
    pub opened_at: DateTime<Utc>,
    pub sale: SaleView,
    pub swap: Option<SwapView>,
    pub claim: Option<ClaimView>,
    /// Who holds the ball now (see [`crate::domain::ball`]).
    pub ball: BallView,
    pub timeline: Vec<TimelineView>,
}

/// One party holding one thing.
#[derive(Debug, Serialize)]
pub struct HolderView {
    /// `retailer`, `crew` or `manufacturer`.
    pub party: &'static str,
    /// `decision`, `delivery`, `claim`, `return` or `information`.
    pub holds: &'static str,
    pub since: DateTime<Utc>,
    pub held_for_seconds: i64,
    /// The deadline that runs on it: the visit window's end, the manufacturer's decision
    /// deadline, `return_by`, the information deadline, or the retailer's policy.
    pub due_at: DateTime<Utc>,
    pub overdue: bool,
}

/// Who holds the ball: the party waited on longest (`null` when the case waits for nobody),
/// since when (when nobody: since when the case rests), for how long, how many times it changed
/// hands, and everyone holding something.
#[derive(Debug, Serialize)]
pub struct BallView {
    pub party: Option<&'static str>,
    pub since: DateTime<Utc>,
    /// The earliest deadline running (`null` when nobody holds the ball).
    pub due_at: Option<DateTime<Utc>>,
    pub held_for_seconds: Option<i64>,
    pub handovers: u32,
    pub holders: Vec<HolderView>,
}

impl BallView {
    pub fn new(ball: &Ball, now: DateTime<Utc>) -> Self {
        let holder = |h: &Holding| HolderView {
            party: h.party.as_str(),
            holds: h.holds.as_str(),
            since: h.since,
            held_for_seconds: now.signed_duration_since(h.since).num_seconds().max(0),
            due_at: h.due_at,
            overdue: h.overdue(now),
        };
        Self {
            party: ball.party().map(|p| p.as_str()),
            since: ball.since,
            due_at: ball.due_at(),
            held_for_seconds: ball.held_for_seconds(now),
            handovers: ball.handovers,
            holders: ball.holders.iter().map(holder).collect(),
        }
    }
}

/// Everything the case view shows, as loaded.
pub struct CaseParts {
    pub case: cases::Model,
    pub sale: SaleView,
    pub swap: Option<SwapView>,
    pub claim: Option<ClaimView>,
    pub timeline: Vec<timeline::Model>,
}

impl From<CaseParts> for CaseView {
    fn from(p: CaseParts) -> Self {
        let ball = BallView::new(
            &db::ball::ball_of_timeline(p.case.opened_at, &p.timeline),
            Utc::now(),
        );
        Self {
            ball,
            id: p.case.id,
            status: p.case.status.as_string(),
            defect_category: p.case.defect_category.as_string(),
            defect_description: p.case.defect_description,
            opened_at: p.case.opened_at,
            sale: p.sale,
            swap: p.swap,
            claim: p.claim,
            timeline: p.timeline.into_iter().map(TimelineView::from).collect(),
        }
    }
}

pub use crate::app::approve::SwapApproved;

// --- a case, read in one snapshot ---

/// The case with its sale, swap, claim and timeline (the JSON API and the desk).
///
/// Read in one REPEATABLE READ snapshot: a consumer commits the claim's decision and its
/// timeline entry together, so the view must never show one without the other.
pub async fn case_view(db: &DatabaseConnection, case: cases::Model) -> Result<CaseView, DbErr> {
    Ok(case_view_with_sale(db, case).await?.0)
}

/// [`case_view`], with the sale and its product as stored (the case page reads the counter's
/// answer from them without reading them again).
pub async fn case_view_with_sale(
    db: &DatabaseConnection,
    case: cases::Model,
) -> Result<(CaseView, sales::Model, products::Model), DbErr> {
    let txn = db
        .begin_with_config(
            Some(IsolationLevel::RepeatableRead),
            Some(AccessMode::ReadOnly),
        )
        .await?;
    let case = db::find_case(&txn, case.retailer_id, case.id)
        .await?
        .unwrap_or(case);
    let view = case_view_in(&txn, case).await?;
    txn.commit().await?;
    Ok(view)
}

async fn case_view_in<C: ConnectionTrait>(
    db: &C,
    case: cases::Model,
) -> Result<(CaseView, sales::Model, products::Model), DbErr> {
    let retailer_id = case.retailer_id;
    let sale = db::sale_of(db, retailer_id, case.sale_id).await?;
    let product = db::product_of(db, retailer_id, sale.product_id).await?;
    let (swap, claim) = match db::swap_of_case(db, retailer_id, case.id).await? {
        None => (None, None),
        Some(swap) => {
            let claim = db::claim_of_swap(db, retailer_id, swap.id).await?;
            let replacement = if swap.replacement_product_id == product.id {
                product.clone()
            } else {
                db::product_of(db, retailer_id, swap.replacement_product_id).await?
            };
            let location = match swap.stock_location_id {
                Some(id) => db::stock::location(db, retailer_id, id).await?,
                None => None,
            };
            let pending = db::corrections::pending_of(db, retailer_id, swap.id).await?;
            let mut view = SwapView::new(swap, &replacement);
            view.correction_pending = pending.map(PendingCorrection::from);
            view.stock_location = location.map(|l| StockLocationRef {
                id: l.id,
                name: l.label(),
            });
            let mut claim = claim.map(ClaimView::new).transpose()?;
            if let Some(c) = claim.as_mut() {
                c.disputed_at = db::settlement::disputed_at(db, retailer_id, c.id).await?;
            }
            (Some(view), claim)
        }
    };
    let timeline = db::timeline_of(db, retailer_id, case.id).await?;
    let view = CaseView::from(CaseParts {
        case,
        sale: SaleView::new(sale.clone(), &product)?,
        swap,
        claim,
        timeline,
    });
    Ok((view, sale, product))
}
