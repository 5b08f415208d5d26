//! The recovery ledger (see [`crate::domain::ledger`]): `GET /api/retailers/{rid}/ledger
//! ?status=open|credited|difference|nothing_due` and the desk page `/desk/ledger` (managers and
//! admins). Differences beyond `KUMMERER_LEDGER_TOLERANCE` (default 0.01, in the claim's
//! currency) are flagged.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{DateTime, Utc};
use kummerer_service::Problem;
use rust_decimal::Decimal;
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::db::settlement::{self, LedgerRow};
use crate::domain::LIST_LIMIT;
use crate::domain::ledger::{ClaimFacts, DEFAULT_TOLERANCE, LedgerStatus, match_claim};
use crate::http::desk::disputes::{is_manager, managers_only};
use crate::http::desk::pages::{me_or_sign_in, when};
use crate::http::desk::{Me, render};
use crate::http::input::invalid;
use crate::http::retailers::existing;

/// Most claims one ledger answer holds.
const LEDGER_LIMIT: usize = 1000;
/// Claims read per query while filtering.
const PAGE: u64 = LIST_LIMIT * 5;

/// The ledger's tolerance for differences.
#[derive(Debug, Clone, Copy)]
pub struct LedgerConfig {
    pub tolerance: Decimal,
}

impl LedgerConfig {
    /// `KUMMERER_LEDGER_TOLERANCE` (a non-negative decimal); unset → 0.01. A bad value is an
    /// error (the service logs it at start and keeps the default).
    pub fn from_env() -> anyhow::Result<LedgerConfig> {
        match std::env::var("KUMMERER_LEDGER_TOLERANCE") {
            Err(_) => Ok(LedgerConfig {
                tolerance: DEFAULT_TOLERANCE,
            }),
            Ok(raw) => {
                let tolerance: Decimal = raw.trim().parse().map_err(|e| {
                    anyhow::anyhow!("KUMMERER_LEDGER_TOLERANCE={raw:?} is not a decimal: {e}")
                })?;
                anyhow::ensure!(
                    !tolerance.is_sign_negative(),
                    "KUMMERER_LEDGER_TOLERANCE={raw:?} must not be negative"
                );
                Ok(LedgerConfig { tolerance })
            }
        }
    }
}

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
}

fn item(row: LedgerRow, tolerance: Decimal, now: DateTime<Utc>) -> LedgerItem {
    let decided = matches!(
        row.status.as_str(),
        "accepted" | "partly_accepted" | "rejected"
    );
    let m = match_claim(
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
    }
}

/// The retailer's ledger, filtered by `status` when given: the oldest [`LEDGER_LIMIT`] items,
/// and whether more matched. The claims are read page by page (the status is the domain's
/// rule, applied here), so a rare status deep in the ledger is still found.
async fn items(
    db: &DatabaseConnection,
    retailer_id: Uuid,
    status: Option<LedgerStatus>,
    tolerance: Decimal,
) -> Result<(Vec<LedgerItem>, bool), Problem> {
    let now = Utc::now();
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let rows = settlement::ledger(db, retailer_id, after, PAGE).await?;
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

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LedgerQuery {
    pub status: String,
}

fn parse_status(raw: &str) -> Result<Option<LedgerStatus>, ()> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    LedgerStatus::parse(raw).map(Some).ok_or(())
}

#[derive(Debug, Serialize)]
pub struct LedgerView {
    pub tolerance: Decimal,
    pub items: Vec<LedgerItem>,
    /// More claims matched than the answer holds (the oldest are shown).
    pub truncated: bool,
}

/// `GET /api/retailers/{rid}/ledger?status=…` → `{tolerance, items}`, oldest claim first.
pub async fn get(
    db: web::Data<DatabaseConnection>,
    config: web::Data<LedgerConfig>,
    path: web::Path<Uuid>,
    query: web::Query<LedgerQuery>,
) -> Result<HttpResponse, Problem> {
    let retailer_id = path.into_inner();
    let status = parse_status(&query.status).map_err(|()| {
        invalid(
            "status",
            "must be one of open, credited, difference, nothing_due",
        )
    })?;
    existing(db.get_ref(), retailer_id).await?;
    let (items, truncated) = items(db.get_ref(), retailer_id, status, config.tolerance).await?;
    Ok(HttpResponse::Ok().json(LedgerView {
        tolerance: config.tolerance,
        items,
        truncated,
    }))
}

// --- the desk page ------------------------------------------------------------------------------

pub struct LedgerLine {
    pub case_id: Uuid,
    pub status: &'static str,
    pub claim_status: String,
    pub expected: String,
    pub credited: String,
    pub difference: String,
    pub age: String,
    pub decided: String,
    pub credit_notes: String,
}

pub struct Filter {
    pub value: &'static str,
    pub label: &'static str,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "desk/ledger.html")]
pub struct LedgerPage {
    pub me: Me,
    pub filters: Vec<Filter>,
    pub message: Option<String>,
    /// More matched than shown.
    pub truncated: Option<String>,
    pub tolerance: String,
    pub lines: Vec<LedgerLine>,
}

fn amount(a: Option<Decimal>, currency: &str) -> String {
    a.map(|a| format!("{} {currency}", a.round_dp(2)))
        .unwrap_or_else(|| "—".to_owned())
}

/// `GET /desk/ledger?status=…`: the ledger for managers and admins (a clerk gets the 403 page).
pub async fn page(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    config: web::Data<LedgerConfig>,
    query: web::Query<LedgerQuery>,
) -> Result<HttpResponse, Problem> {
    let me = match me_or_sign_in(&req, db.get_ref()).await? {
        Ok(me) => me,
        Err(res) => return Ok(res),
    };
    if !is_manager(&me) {
        return managers_only("The recovery ledger is for managers and admins.");
    }
    let status = parse_status(&query.status);
    let current = status.ok().flatten().map(LedgerStatus::as_str);
    let mut filters = vec![Filter {
        value: "",
        label: "all",
        current: current.is_none(),
    }];
    filters.extend(LedgerStatus::ALL.into_iter().map(|s| Filter {
        value: s.as_str(),
        label: match s {
            LedgerStatus::Open => "open",
            LedgerStatus::Credited => "credited",
            LedgerStatus::Difference => "differences",
            LedgerStatus::NothingDue => "nothing due",
        },
        current: current == Some(s.as_str()),
    }));
    let mut page = LedgerPage {
        me: Me::from(&me),
        filters,
        message: None,
        truncated: None,
        tolerance: config.tolerance.to_string(),
        lines: Vec::new(),
    };
    match status {
        Err(()) => page.message = Some("Choose one of the filters above.".to_owned()),
        Ok(status) => {
            let (items, truncated) =
                items(db.get_ref(), me.staff.retailer_id, status, config.tolerance).await?;
            if truncated {
                page.truncated = Some(format!(
                    "Showing the oldest {LEDGER_LIMIT}; narrow the list with a filter."
                ));
            }
            page.lines = items
                .into_iter()
                .map(|i| LedgerLine {
                    case_id: i.case_id,
                    status: i.status,
                    claim_status: i.claim_status.replace('_', " "),
                    expected: amount(i.expected, &i.currency),
                    credited: amount(Some(i.credited), &i.currency),
                    difference: i
                        .difference
                        .filter(|d| !d.is_zero())
                        .map(|d| format!("{:+} {}", d.round_dp(2), i.currency))
                        .unwrap_or_default(),
                    age: i.age_days.map(|d| format!("{d} d")).unwrap_or_default(),
                    decided: i.decided_at.map(when).unwrap_or_default(),
                    credit_notes: i.credit_notes.join(", "),
                })
                .collect();
        }
    }
    render(&page)
}
