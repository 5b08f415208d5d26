//! The recovery ledger (see [`crate::domain::ledger`]): each claim with what its decision will
//! credit, what was credited, and the difference (flagged beyond the tolerance).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use kummerer_contracts::RetailerId;
use rust_decimal::Decimal;
use sea_orm::DbErr;
use serde::Serialize;
use uuid::Uuid;

use crate::db::settlement::{self, LedgerRow};
use crate::domain::ClaimStatus;
use crate::domain::LIST_LIMIT;
use crate::domain::ledger::{ClaimFacts, LedgerStatus, age_bucket, expected_in_all, match_claim};
use crate::domain::ledger_deadlines::{Deadline, running};
use crate::domain::legal_clocks::{Jurisdiction, local_day, recourse_clock, recourse_deadline};
use crate::settings::LedgerConfig;

/// Most claims one ledger answer holds.
pub const LEDGER_LIMIT: usize = 1000;
/// Claims read per query while filtering.
const PAGE: u64 = LIST_LIMIT * 5;

#[derive(Debug, Serialize)]
pub struct LedgerItem {
    pub claim_id: Uuid,
    pub swap_id: Uuid,
    pub case_id: Uuid,
    pub manufacturer_id: Uuid,
    pub claim_status: String,
    /// `open`, `credited`, `difference` or `nothing_due`.
    pub status: &'static str,
    pub currency: String,
    pub amount_claimed: Decimal,
    /// What the decision will credit; `null` while undecided.
    pub expected: Option<Decimal>,
    pub credited: Decimal,
    /// `credited − expected` once something was credited against a decision.
    pub difference: Option<Decimal>,
    /// Whole days an open item has waited; `null` for the others.
    pub age_days: Option<i64>,
    pub submitted_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub credit_notes: Vec<String>,
    /// The notes' ids, in the order of `credit_notes` (their documents:
    /// `/desk/credit-notes/{id}`).
    pub credit_note_ids: Vec<Uuid>,
    /// When the latest credit note naming it was issued.
    pub last_credited_at: Option<DateTime<Utc>>,
    /// An open item's running deadlines, soonest first (see
    /// [`crate::domain::ledger_deadlines`]); empty for the others.
    pub deadlines: Vec<Deadline>,
    /// The sold unit and its manufacturer (the name from the partner directory; `null` while
    /// the manufacturer never announced one).
    pub product_name: String,
    pub product_sku: String,
    pub serial: String,
    pub manufacturer_name: Option<String>,
    pub sold_at: DateTime<Utc>,
    /// When the replacement was delivered to the customer (`null`: not yet).
    pub delivered_at: Option<DateTime<Utc>>,
    /// What the item still expects in all: the decided amount, or the amount claimed while
    /// undecided; 0 for `nothing_due` and `written_off`.
    pub expected_in_all: Decimal,
    /// `expected_in_all − credited`.
    pub outstanding: Decimal,
    /// The retailer's local day the supplier delivered the unit, as imported with the sale;
    /// `null`: not known, the sale stands in for it (`supplier_delivery_assumed`).
    pub supplier_delivered_on: Option<NaiveDate>,
    /// Whether the recourse clock runs from the sale because the supplier's delivery is not
    /// known (the true deadline can then be earlier than the one shown).
    pub supplier_delivery_assumed: bool,
    /// The last local day of the retailer's recourse against the supplier (see
    /// [`crate::domain::legal_clocks::recourse_deadline`], by the retailer's jurisdiction), from
    /// the supplier's delivery (the sale where it is not known) and the replacement's delivery
    /// to the customer.
    pub recourse_ends_on: NaiveDate,
    /// While money is outstanding: `running`, `nearing` (within the warning period) or
    /// `passed`; `null` once nothing is outstanding.
    pub recourse: Option<&'static str>,
    /// Days to the recourse deadline (negative: days past it).
    pub recourse_days_left: i64,
}

/// What the retailer's clocks need: its jurisdiction, its time zone and the warning period.
#[derive(Debug, Clone, Copy)]
pub struct Clocks {
    pub jurisdiction: Jurisdiction,
    pub tz: Tz,
    pub warn_days: i64,
}

impl Clocks {
    /// The retailer's clocks (`retailers.jurisdiction`, `retailers.time_zone`).
    pub async fn of<C: sea_orm::ConnectionTrait>(
        db: &C,
        retailer_id: RetailerId,
        config: &LedgerConfig,
    ) -> Result<Clocks, DbErr> {
        let rid = retailer_id.as_uuid();
        let tz = crate::app::catalogue::retailer_tz(db, rid).await?;
        Ok(Clocks {
            jurisdiction: crate::db::retailers::jurisdiction(db, rid).await?,
            tz,
            warn_days: config.recourse_warn_days,
        })
    }
}

fn item(row: LedgerRow, tolerance: Decimal, clocks: &Clocks, now: DateTime<Utc>) -> LedgerItem {
    let decided = matches!(
        row.status.as_str(),
        "accepted" | "partly_accepted" | "rejected"
    );
    let mut m = match_claim(
        &ClaimFacts {
            decided,
            decided_amount: row.decided_amount,
            submitted_at: row.submitted_at,
            decided_at: row.decided_at,
            credited: row.credited,
        },
        tolerance,
        now,
    );
    // Written off at the store's cost: nothing outstanding (unless something was credited).
    if row.status == ClaimStatus::WrittenOff.as_string() && m.credited.is_zero() {
        m.status = LedgerStatus::WrittenOff;
        m.age_days = None;
    }
    let deadlines = match ClaimStatus::parse(&row.status) {
        Some(s) if m.status == LedgerStatus::Open => running(s, row.deadlines, now),
        _ => Vec::new(),
    };
    let expected_in_all = expected_in_all(m.status, m.expected, row.amount_claimed);
    let outstanding = expected_in_all - m.credited;
    let recourse_ends_on = recourse_deadline(
        clocks.jurisdiction.rules(),
        row.supplier_delivered_at.unwrap_or(row.sold_at),
        row.delivered_at,
        clocks.tz,
    );
    let clock = recourse_clock(
        recourse_ends_on,
        local_day(now, clocks.tz),
        clocks.warn_days,
    );
    let recourse_days_left = (recourse_ends_on - local_day(now, clocks.tz)).num_days();
    LedgerItem {
        product_name: row.product_name,
        product_sku: row.product_sku,
        serial: row.serial,
        manufacturer_name: row.manufacturer_name,
        sold_at: row.sold_at,
        delivered_at: row.delivered_at,
        supplier_delivered_on: row.supplier_delivered_at.map(|at| local_day(at, clocks.tz)),
        supplier_delivery_assumed: row.supplier_delivered_at.is_none(),
        expected_in_all,
        outstanding,
        recourse_ends_on,
        recourse: (outstanding > Decimal::ZERO).then_some(clock.as_str()),
        recourse_days_left,
        claim_id: row.claim_id,
        swap_id: row.swap_id,
        case_id: row.case_id,
        manufacturer_id: row.manufacturer_id,
        claim_status: row.status,
        status: m.status.as_str(),
        currency: row.currency,
        amount_claimed: row.amount_claimed,
        expected: m.expected,
        credited: m.credited,
        difference: m.difference,
        age_days: m.age_days,
        submitted_at: row.submitted_at,
        decided_at: row.decided_at,
        credit_notes: row.credit_notes,
        credit_note_ids: row.credit_note_ids,
        last_credited_at: row.last_credited_at,
        deadlines,
    }
}

/// A case's recourse deadline against the supplier, as the ledger computes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseRecourse {
    /// The last local day.
    pub ends_on: NaiveDate,
    /// The supplier's delivery it runs from; `None`: not known, the sale's day assumed.
    pub supplier_delivered_on: Option<NaiveDate>,
}

/// The recourse deadline of the claim on `case_id` for the unit `sale` (the case page shows it
/// beside the claim): by the retailer's jurisdiction, from the supplier's delivery (the sale
/// where not known) and the replacement's first delivery to the customer.
pub async fn case_recourse<C: sea_orm::ConnectionTrait>(
    db: &C,
    sale: &crate::db::sales::Model,
    case_id: Uuid,
) -> Result<CaseRecourse, DbErr> {
    let rid = sale.retailer_id;
    let tz = crate::app::catalogue::retailer_tz(db, rid).await?;
    let jurisdiction = crate::db::retailers::jurisdiction(db, rid).await?;
    let satisfied = settlement::first_delivered_at(db, rid, case_id).await?;
    Ok(CaseRecourse {
        ends_on: recourse_deadline(
            jurisdiction.rules(),
            sale.supplier_delivered_at.unwrap_or(sale.sold_at),
            satisfied,
            tz,
        ),
        supplier_delivered_on: sale.supplier_delivered_at.map(|at| local_day(at, tz)),
    })
}

/// The retailer's ledger, filtered by `status` when given: the oldest [`LEDGER_LIMIT`] items,
/// and whether more matched. The claims are read page by page (the status is the domain's
/// rule, applied here), so a rare status deep in the ledger is still found. `db` may be a
/// transaction: the dashboard reads it inside its one read-only snapshot.
pub async fn items<C: sea_orm::ConnectionTrait>(
    db: &C,
    retailer_id: RetailerId,
    status: Option<LedgerStatus>,
    config: &LedgerConfig,
) -> Result<(Vec<LedgerItem>, bool), DbErr> {
    let now = Utc::now();
    let tolerance = config.tolerance;
    let clocks = Clocks::of(db, retailer_id, config).await?;
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let rows = settlement::ledger(db, retailer_id.as_uuid(), after, PAGE).await?;
        let full = u64::try_from(rows.len()).unwrap_or(u64::MAX) == PAGE;
        after = rows.last().map(|r| (r.submitted_at, r.claim_id));
        for row in rows {
            let i = item(row, tolerance, &clocks, now);
            if status.is_none_or(|s| i.status == s.as_str()) {
                if out.len() == LEDGER_LIMIT {
                    return Ok((out, true));
                }
                out.push(i);
            }
        }
        if !full {
            return Ok((out, false));
        }
    }
}

/// The totals of one manufacturer in one currency: expected, credited, outstanding, and the
/// outstanding money by age ([`crate::domain::ledger::AGE_BUCKETS`]).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct LedgerTotal {
    pub manufacturer_id: Uuid,
    pub manufacturer_name: Option<String>,
    pub currency: String,
    pub expected: Decimal,
    pub credited: Decimal,
    pub outstanding: Decimal,
    /// Outstanding money (above zero) by days since the decision, or since filing while
    /// undecided: `[0–30, 31–60, 61–90, > 90]`.
    pub ageing: [Decimal; 4],
    /// Items whose recourse deadline nears (within the warning period) or passed, with money
    /// outstanding.
    pub recourse_nearing: u32,
    pub recourse_passed: u32,
}

/// The totals of `items` per manufacturer and currency, by manufacturer name then currency.
pub fn totals(items: &[LedgerItem], now: DateTime<Utc>) -> Vec<LedgerTotal> {
    let mut by: BTreeMap<(String, Uuid, String), LedgerTotal> = BTreeMap::new();
    for i in items {
        let key = (
            i.manufacturer_name.clone().unwrap_or_default(),
            i.manufacturer_id,
            i.currency.clone(),
        );
        let t = by.entry(key).or_insert_with(|| LedgerTotal {
            manufacturer_id: i.manufacturer_id,
            manufacturer_name: i.manufacturer_name.clone(),
            currency: i.currency.clone(),
            expected: Decimal::ZERO,
            credited: Decimal::ZERO,
            outstanding: Decimal::ZERO,
            ageing: [Decimal::ZERO; 4],
            recourse_nearing: 0,
            recourse_passed: 0,
        });
        t.expected += i.expected_in_all;
        t.credited += i.credited;
        t.outstanding += i.outstanding;
        if i.outstanding > Decimal::ZERO {
            let since = i.decided_at.unwrap_or(i.submitted_at);
            let days = (now - since).num_days().max(0);
            t.ageing[age_bucket(days)] += i.outstanding;
        }
        match i.recourse {
            Some("nearing") => t.recourse_nearing += 1,
            Some("passed") => t.recourse_passed += 1,
            _ => {}
        }
    }
    by.into_values().collect()
}
