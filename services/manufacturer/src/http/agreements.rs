//! Agreements between the manufacturer of the path and its retailers.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use kummerer_service::Problem;
use sea_orm::{DatabaseConnection, TransactionTrait};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::idempotency::Idempotent;
use super::input::{DecimalInput, MoneyInput};
use super::views::{AgreementView, Items};
use super::{invalid, manufacturers::ensure_exists};
use crate::db::{agreement, manufacturer};
use crate::domain::AgreementInput;

#[derive(Debug, Deserialize, Serialize)]
pub struct NewAgreement {
    pub retailer_id: Uuid,
    pub currency: String,
    pub coverage_months: i64,
    pub doa_days: i64,
    pub reimbursement_percent: DecimalInput,
    pub handling_fee: MoneyInput,
    pub decision_deadline_days: i64,
    /// `accept` (the default) or `reject`.
    #[serde(default)]
    pub default_outcome: Option<String>,
}

/// `POST /api/manufacturers/{mid}/agreements` → 201, 400 (idempotency key), 404
/// (manufacturer), 409 `agreement_exists`, 422.
pub async fn create(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    path: web::Path<Uuid>,
    body: web::Json<NewAgreement>,
) -> Result<HttpResponse, Problem> {
    let mid = path.into_inner();
    let idem = Idempotent::new(&req, mid, &*body)?;
    let (fee_amount, fee_currency) = body.handling_fee.parts();
    let input = AgreementInput {
        retailer_id: body.retailer_id,
        currency: body.currency.clone(),
        coverage_months: body.coverage_months,
        doa_days: body.doa_days,
        reimbursement_percent: body.reimbursement_percent.text(),
        handling_fee_amount: fee_amount,
        handling_fee_currency: fee_currency,
        decision_deadline_days: body.decision_deadline_days,
        default_outcome: body.default_outcome.clone(),
    };
    let (retailer_id, terms) = input.parse().map_err(invalid)?;
    let txn = db.begin().await?;
    if let Some(replay) = idem.begin(&txn).await? {
        return Ok(replay);
    }
    if !manufacturer::exists(&txn, mid).await? {
        return Err(Problem::not_found("manufacturer"));
    }
    let Some(created) = agreement::insert(&txn, mid, retailer_id, &terms).await? else {
        return Err(Problem::conflict(
            "agreement_exists",
            format!("the manufacturer already has an agreement with retailer {retailer_id}"),
        ));
    };
    let id = created.id;
    let res = idem
        .respond(&txn, StatusCode::CREATED, &AgreementView::from(created))
        .await?;
    txn.commit().await?;
    tracing::info!(manufacturer.id = %mid, agreement.id = %id, retailer.id = %retailer_id, "agreement created");
    Ok(res)
}

/// `GET /api/manufacturers/{mid}/agreements` → 200 `{"items": [...]}`, 404.
pub async fn list(
    db: web::Data<DatabaseConnection>,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    let mid = path.into_inner();
    ensure_exists(db.get_ref(), mid).await?;
    let items = agreement::list(db.get_ref(), mid)
        .await?
        .into_iter()
        .map(AgreementView::from)
        .collect();
    Ok(HttpResponse::Ok().json(Items { items }))
}

/// `GET /api/manufacturers/{mid}/agreements/{id}` → 200, 404.
pub async fn get(
    db: web::Data<DatabaseConnection>,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, Problem> {
    let (mid, id) = path.into_inner();
    let a = agreement::find(db.get_ref(), mid, id)
        .await?
        .ok_or_else(|| Problem::not_found("agreement"))?;
    Ok(HttpResponse::Ok().json(AgreementView::from(a)))
}
