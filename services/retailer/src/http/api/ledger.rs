//! The recovery ledger (see [`crate::app::ledger`]): `GET /api/retailers/{rid}/ledger
//! ?status=open|credited|difference|nothing_due`. Differences beyond `KUMMERER_LEDGER_TOLERANCE` (default 0.01, in the claim's
//! currency) are flagged.

use actix_web::{HttpResponse, web};
use kummerer_service::Problem;
use rust_decimal::Decimal;
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::ledger::LedgerStatus;
use crate::http::api::retailers::existing;
use crate::http::input::invalid;
pub use crate::settings::LedgerConfig;
use kummerer_contracts::RetailerId;

pub use crate::app::ledger::LedgerItem;
use crate::app::ledger::items;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LedgerQuery {
    pub status: String,
}

pub(crate) fn parse_status(raw: &str) -> Result<Option<LedgerStatus>, ()> {
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
    /// Per manufacturer and currency: expected, credited, outstanding, ageing, recourse
    /// warnings — over the items of this answer.
    pub totals: Vec<crate::app::ledger::LedgerTotal>,
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
            "must be one of open, credited, difference, nothing_due, written_off",
        )
    })?;
    existing(db.get_ref(), retailer_id).await?;
    let (items, truncated) = items(
        db.get_ref(),
        RetailerId(retailer_id),
        status,
        config.get_ref(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(LedgerView {
        totals: crate::app::ledger::totals(&items, chrono::Utc::now()),
        tolerance: config.tolerance,
        items,
        truncated,
    }))
}
