//! The recovery ledger (see [`crate::domain::ledger`]): each claim with what its decision will
//! credit, what was credited, and the difference (flagged beyond the tolerance).

use chrono::{DateTime, Utc};
use kummerer_contracts::RetailerId;
use rust_decimal::Decimal;
use sea_orm::{DatabaseConnection, DbErr};
use serde::Serialize;
use uuid::Uuid;

use crate::db::settlement::{self, LedgerRow};
use crate::domain::ClaimStatus;
use crate::domain::LIST_LIMIT;
use crate::domain::ledger::{ClaimFacts, LedgerStatus, match_claim};
use crate::domain::ledger_deadlines::{Deadline, running};

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
    /// An open item's running deadlines, soonest first (see
    /// [`crate::domain::ledger_deadlines`]); empty for the others.
    pub deadlines: Vec<Deadline>,
}

fn item(row: LedgerRow, tolerance: Decimal, now: DateTime<Utc>) -> LedgerItem {
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
    LedgerItem {
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
        deadlines,
    }
}

/// The retailer's ledger, filtered by `status` when given: the oldest [`LEDGER_LIMIT`] items,
/// and whether more matched. The claims are read page by page (the status is the domain's
/// rule, applied here), so a rare status deep in the ledger is still found.
pub async fn items(
    db: &DatabaseConnection,
    retailer_id: RetailerId,
    status: Option<LedgerStatus>,
    tolerance: Decimal,
) -> Result<(Vec<LedgerItem>, bool), DbErr> {
    let now = Utc::now();
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let rows = settlement::ledger(db, retailer_id.as_uuid(), after, PAGE).await?;
        let full = u64::try_from(rows.len()).unwrap_or(u64::MAX) == PAGE;
        after = rows.last().map(|r| (r.submitted_at, r.claim_id));
        for row in rows {
            let i = item(row, tolerance, now);
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
