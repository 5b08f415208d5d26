//! The dashboard (managers and admins): time to swap per store (median and p90), open cases by
//! who holds the ball, refusals by reason — all computed in SQL and read in one snapshot.

use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{Duration, Utc};
use kummerer_service::Problem;
use kummerer_web::i18n::Tr;
use sea_orm::{AccessMode, DatabaseConnection, IsolationLevel, TransactionTrait};
use serde::Deserialize;

use crate::db::{dashboard, refusals};
use crate::domain::RefusalReason;
use crate::http::pages::case::duration_text;
use crate::http::pages::roles::SignedManager;
use crate::http::pages::{Me, render};

/// Days the dashboard covers when none are asked for; most it covers.
const DEFAULT_DAYS: i64 = 30;
const MAX_DAYS: i64 = 366;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Days {
    pub days: Option<i64>,
}

pub struct StoreRow {
    pub store: String,
    pub swaps: i64,
    pub median: String,
    pub p90: String,
}

pub struct BallRow {
    pub party: &'static str,
    pub label: &'static str,
    pub cases: i64,
    pub oldest: String,
    pub overdue: i64,
    pub escalated: i64,
    pub handovers: i64,
}

pub struct ReasonRow {
    pub code: String,
    pub label: &'static str,
    pub count: i64,
    /// Share of all refusals, in percent (for the bar).
    pub percent: i64,
}

#[derive(Template)]
#[template(path = "desk/dashboard.html")]
pub struct DashboardPage {
    pub me: Me,
    pub tr: Tr,
    pub days: i64,
    pub stores: Vec<StoreRow>,
    pub ball: Vec<BallRow>,
    pub reasons: Vec<ReasonRow>,
    pub refusals: i64,
    pub as_of: String,
    /// Approval requests past their due time, escalated to every manager and admin.
    pub overdue_requests: Vec<OverdueRequestRow>,
    /// Claims with money outstanding whose recourse deadline nears or passed (issue 12).
    pub recourse: Vec<RecourseRow>,
    pub recourse_warn_days: i64,
}

/// A claim whose recourse deadline nears or passed, as the dashboard lists it.
pub struct RecourseRow {
    pub case_id: uuid::Uuid,
    /// `nearing` or `passed`.
    pub state: &'static str,
    pub unit: String,
    pub manufacturer: String,
    pub until: String,
}

/// An escalated approval request, as the dashboard lists it.
pub struct OverdueRequestRow {
    pub id: uuid::Uuid,
    pub requester: String,
    pub asked_at: String,
    pub due_at: String,
    pub expires_at: String,
}

/// `GET /desk/dashboard?days=30`.
pub async fn page(
    SignedManager(me): SignedManager,
    db: web::Data<DatabaseConnection>,
    config: web::Data<crate::settings::LedgerConfig>,
    query: web::Query<Days>,
) -> Result<HttpResponse, Problem> {
    let days = query.days.unwrap_or(DEFAULT_DAYS).clamp(1, MAX_DAYS);
    let retailer_id = me.staff.retailer_id;
    let now = Utc::now();
    let from = now - Duration::days(days);
    let txn = db
        .begin_with_config(
            Some(IsolationLevel::RepeatableRead),
            Some(AccessMode::ReadOnly),
        )
        .await?;
    let times = dashboard::time_to_swap(&txn, retailer_id, from, now).await?;
    let ball = dashboard::ball_counts(&txn, retailer_id, now).await?;
    let counts = refusals::per_reason(&txn, retailer_id, from, now).await?;
    let overdue = crate::db::request_deadlines::escalated(&txn, retailer_id).await?;
    // The recourse clocks run over the ledger, in the same snapshot.
    let (ledger, _) = crate::app::ledger::items(
        &txn,
        kummerer_contracts::RetailerId(retailer_id),
        None,
        config.get_ref(),
    )
    .await?;
    txn.commit().await?;
    let overdue_requests = overdue
        .into_iter()
        .map(|r| OverdueRequestRow {
            id: r.id,
            requester: r.requester_name,
            asked_at: me.tr.datetime(r.created_at),
            due_at: me.tr.datetime(r.due_at),
            expires_at: me.tr.datetime(r.expires_at),
        })
        .collect();
    let mut recourse: Vec<_> = ledger
        .into_iter()
        .filter(|i| matches!(i.recourse, Some("nearing" | "passed")))
        .collect();
    recourse.sort_by_key(|i| i.recourse_ends_on);
    let recourse = recourse
        .into_iter()
        .map(|i| RecourseRow {
            case_id: i.case_id,
            state: i.recourse.unwrap_or_default(),
            unit: format!("{} ({}), {}", i.product_name, i.product_sku, i.serial),
            manufacturer: i.manufacturer_name.unwrap_or_default(),
            until: me.tr.naive_date(i.recourse_ends_on),
        })
        .collect();
    let secs = |s: f64| duration_text(&me.tr, s.round() as i64);
    let refusals_total: i64 = counts.iter().map(|(_, n)| n).sum();
    let page = DashboardPage {
        recourse,
        recourse_warn_days: config.recourse_warn_days,
        overdue_requests,
        me: Me::from(&me),
        tr: me.tr,
        days,
        stores: times
            .into_iter()
            .map(|t| StoreRow {
                store: t
                    .store
                    .unwrap_or_else(|| "No store (API, or staff without one)".into()),
                swaps: t.swaps,
                median: secs(t.median_seconds),
                p90: secs(t.p90_seconds),
            })
            .collect(),
        ball: [
            (
                "retailer",
                "Your stores (to decide, a visit to agree again, a manufacturer's question)",
            ),
            ("crew", "The crews (delivering and collecting)"),
            (
                "manufacturer",
                "The manufacturers (deciding claims, awaiting returned units)",
            ),
        ]
        .into_iter()
        .map(|(party, label)| {
            let row = ball.iter().find(|b| b.party == party);
            BallRow {
                party,
                label,
                cases: row.map_or(0, |b| b.cases),
                oldest: row
                    .and_then(|b| b.oldest)
                    .map(|t| me.tr.datetime(t))
                    .unwrap_or_default(),
                overdue: row.map_or(0, |b| b.overdue),
                escalated: row.map_or(0, |b| b.escalated),
                handovers: row.map_or(0, |b| b.handovers),
            }
        })
        .collect(),
        reasons: RefusalReason::ALL
            .into_iter()
            .map(|r| {
                let count = counts
                    .iter()
                    .find(|(code, _)| *code == r.as_string())
                    .map_or(0, |(_, n)| *n);
                ReasonRow {
                    code: r.as_string(),
                    label: r.label(),
                    count,
                    percent: if refusals_total > 0 {
                        count * 100 / refusals_total
                    } else {
                        0
                    },
                }
            })
            .collect(),
        refusals: refusals_total,
        as_of: me.tr.datetime(now),
    };
    render(&page)
}
