//! The desk's recovery ledger `/desk/ledger?status=…` (managers and admins; a clerk gets the
//! 403 page): the same items as the JSON API, from [`crate::app::ledger`].

use actix_web::{HttpResponse, web};
use askama::Template;
use kummerer_contracts::RetailerId;
use kummerer_service::Problem;
use kummerer_web::i18n::Tr;
use rust_decimal::Decimal;
use sea_orm::DatabaseConnection;
use serde::Deserialize;
use uuid::Uuid;

use crate::app::ledger::{LEDGER_LIMIT, items};
use crate::domain::ledger::LedgerStatus;
use crate::http::pages::auth::SignedIn;
use crate::http::pages::disputes::{is_manager, managers_only};
use crate::http::pages::{Me, render};
use crate::settings::LedgerConfig;

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
    /// The running deadlines, as shown: (what and when, overdue).
    pub deadlines: Vec<(String, bool)>,
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
    pub tr: Tr,
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
    SignedIn(me): SignedIn,
    db: web::Data<DatabaseConnection>,
    config: web::Data<LedgerConfig>,
    query: web::Query<LedgerQuery>,
) -> Result<HttpResponse, Problem> {
    if !is_manager(&me) {
        return managers_only(&me.tr, "ledger-managers-only");
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
            LedgerStatus::WrittenOff => "written off",
        },
        current: current == Some(s.as_str()),
    }));
    let mut page = LedgerPage {
        me: Me::from(&me),
        tr: me.tr,
        filters,
        message: None,
        truncated: None,
        tolerance: config.tolerance.to_string(),
        lines: Vec::new(),
    };
    match status {
        Err(()) => page.message = Some("Choose one of the filters above.".to_owned()),
        Ok(status) => {
            let (items, truncated) = items(
                db.get_ref(),
                RetailerId(me.staff.retailer_id),
                status,
                config.tolerance,
            )
            .await?;
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
                    claim_status: i.claim_status,
                    expected: amount(i.expected, &i.currency),
                    credited: amount(Some(i.credited), &i.currency),
                    difference: i
                        .difference
                        .filter(|d| !d.is_zero())
                        .map(|d| format!("{:+} {}", d.round_dp(2), i.currency))
                        .unwrap_or_default(),
                    age: i.age_days.map(|d| format!("{d} d")).unwrap_or_default(),
                    decided: i.decided_at.map(|t| me.tr.datetime(t)).unwrap_or_default(),
                    credit_notes: i.credit_notes.join(", "),
                    deadlines: i
                        .deadlines
                        .iter()
                        .map(|d| {
                            (
                                me.tr.ta2(
                                    "ledger-due-by",
                                    "what",
                                    me.tr.code("ledger-deadline", d.kind),
                                    "when",
                                    me.tr.datetime(d.due_at),
                                ),
                                d.overdue,
                            )
                        })
                        .collect(),
                })
                .collect();
        }
    }
    render(&page)
}
