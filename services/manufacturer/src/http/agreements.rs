//! Agreements between the manufacturer of the path and its retailers.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use kummerer_service::Problem;
use sea_orm::{DatabaseConnection, TransactionTrait};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::auth::Manufacturer;
use super::idempotency::Idempotent;
use super::input::{DecimalInput, MoneyInput};
use super::invalid;
use super::views::{AgreementView, Items};
use crate::db::agreement;
use crate::domain::AgreementInput;

#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
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

/// Make an agreement with a retailer
#[utoipa::path(
    post, path = "/api/manufacturers/{mid}/agreements", tag = "agreements", operation_id = "create_agreement",
    params(("mid" = Uuid, Path, description = "The manufacturer (the API key's)"), ("Idempotency-Key" = Option<String>, Header, description = "1 to 255 visible ASCII characters; a retry with the same key and body answers the first answer")),
    request_body = NewAgreement,
    responses(
        (status = 201, description = "Created", body = AgreementView),
        (status = 400, description = "Malformed JSON or `Idempotency-Key`", body = super::openapi::ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "`agreement_exists` (one per retailer), `request_in_progress`", body = super::openapi::ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`, `idempotency_key_reused`", body = super::openapi::ProblemDoc, content_type = "application/problem+json"),
    )
)]
// `POST /api/manufacturers/{mid}/agreements` → 201, 400 (idempotency key), 404
// (manufacturer), 409 `agreement_exists`, 422.
pub async fn create(
    me: Manufacturer,
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    body: web::Json<NewAgreement>,
) -> Result<HttpResponse, Problem> {
    let mid = me.id;
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

/// List the agreements
#[utoipa::path(
    get, path = "/api/manufacturers/{mid}/agreements", tag = "agreements", operation_id = "list_agreements",
    params(("mid" = Uuid, Path, description = "The manufacturer (the API key's)")),
    responses((status = 200, description = "The agreements", body = Items<AgreementView>))
)]
// `GET /api/manufacturers/{mid}/agreements` → 200 `{"items": [...]}`, 404.
pub async fn list(
    me: Manufacturer,
    db: web::Data<DatabaseConnection>,
) -> Result<HttpResponse, Problem> {
    let mid = me.id;
    let items = agreement::list(db.get_ref(), mid)
        .await?
        .into_iter()
        .map(AgreementView::from)
        .collect();
    Ok(HttpResponse::Ok().json(Items { items }))
}

/// One agreement
#[utoipa::path(
    get, path = "/api/manufacturers/{mid}/agreements/{id}", tag = "agreements", operation_id = "get_agreement",
    params(("mid" = Uuid, Path, description = "The manufacturer (the API key's)"), ("id" = Uuid, Path, description = "The agreement")),
    responses((status = 200, description = "The agreement", body = AgreementView))
)]
// `GET /api/manufacturers/{mid}/agreements/{id}` → 200, 404.
pub async fn get(
    me: Manufacturer,
    db: web::Data<DatabaseConnection>,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, Problem> {
    let (mid, id) = (me.id, path.into_inner().1);
    let a = agreement::find(db.get_ref(), mid, id)
        .await?
        .ok_or_else(|| Problem::not_found("agreement"))?;
    Ok(HttpResponse::Ok().json(AgreementView::from(a)))
}
