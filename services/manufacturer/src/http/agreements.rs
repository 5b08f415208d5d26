//! Agreements between the manufacturer of the path and its retailers, and their versions.
//!
//! Making an agreement writes its version 1; `POST …/agreements/{id}/versions` writes the next
//! one. Each version is in force from its `valid_from` (default: now; never before the latest
//! version's) until the next version's, and is published to the retailer
//! (`manufacturer.agreement.published.v1`) in the same transaction.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use kummerer_contracts::agreement::UnitDisposition;
use kummerer_contracts::ids::ManufacturerId;
use kummerer_contracts::{AgreementPublishedV1, EvidenceKind};
use kummerer_service::Problem;
use sea_orm::{
    AccessMode, DatabaseConnection, DatabaseTransaction, IsolationLevel, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::auth::Manufacturer;
use super::idempotency::Idempotent;
use super::input::{DecimalInput, MoneyInput};
use super::invalid;
use super::views::{AgreementView, Items};
use crate::db::{agreement, agreement_version, manufacturer};
use crate::domain::agreement::{ListPriceInput, check_valid_from};
use crate::domain::swap_rules::SwapRuleInput;
use crate::domain::{AgreementInput, Invalid, Terms};

/// The terms of an agreement version, as a client sends them.
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
pub struct TermsBody {
    pub currency: String,
    pub coverage_months: i64,
    pub doa_days: i64,
    pub reimbursement_percent: DecimalInput,
    /// Percentage points off `reimbursement_percent` per whole month since the sale (default 0).
    #[serde(default)]
    pub depreciation_percent_per_month: Option<DecimalInput>,
    pub handling_fee: MoneyInput,
    pub decision_deadline_days: i64,
    /// `accept` (the default) or `reject`.
    #[serde(default)]
    pub default_outcome: Option<String>,
    /// `on_request` (the default), `must_return` or `scrap_on_site`.
    #[serde(default)]
    pub unit_disposition: Option<String>,
    /// Evidence a claim needs before a rule may accept it: `collected_serial`,
    /// `collected_photo`, `delivered_photo`, `receipt`, `statement` (default none).
    #[serde(default)]
    pub evidence_required: Option<Vec<String>>,
    /// The most a rule (DOA, the deadline's default outcome) accepts for one claim, handling
    /// fee included, in the agreement's currency (default: no cap). A claim above it waits for
    /// the manufacturer, flagged `amount_above_cap`.
    #[serde(default)]
    pub claim_cap: Option<MoneyInput>,
    /// The manufacturer's list prices by SKU, in the agreement's currency (default none): a
    /// claim whose price paid is above its product's list price waits, flagged
    /// `amount_above_cap`. Where a SKU is listed here, it wins over the list price the
    /// retailer's claim carries.
    #[serde(default)]
    pub price_list: Option<Vec<ListPriceBody>>,
    /// What the retailer may swap on the manufacturer's account without asking, tried in order
    /// (default none: only the DOA window is accepted by rule). Each field error is named
    /// `swap_rules[i].<field>`.
    #[serde(default)]
    pub swap_rules: Option<Vec<SwapRuleBody>>,
    /// When the version comes into force, RFC 3339 (default: now). A later version must not
    /// start before the latest one.
    #[serde(default)]
    pub valid_from: Option<String>,
}

/// One line of a price list.
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
pub struct ListPriceBody {
    #[schema(example = "WM-100")]
    pub sku: String,
    pub price: MoneyInput,
}

/// One swap rule. A swap whose whole months since the sale are in `[from_month, until_month)`
/// (and, with `within_days`, at most that many whole days) and whose defect category is listed
/// (or none is) falls under the first such rule: it is covered (`percent` of the unit price
/// after depreciation, plus the fees, up to `cap`), or excluded with `reject_reason`.
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
pub struct SwapRuleBody {
    /// Named in every decision the rule makes: 1 to 40 of `a-z`, `0-9`, `_`; unique.
    #[schema(example = "warranty_year_1")]
    pub code: String,
    /// Whole months since the sale from which the rule applies (default 0).
    #[serde(default)]
    pub from_month: Option<i64>,
    /// Whole months since the sale before which the rule applies (up to 120).
    pub until_month: i64,
    /// At most this many whole days since the sale (a dead-on-arrival rule), 0 to 365.
    #[serde(default)]
    pub within_days: Option<i64>,
    /// Defect categories the rule applies to (default: all).
    #[serde(default)]
    pub defect_categories: Option<Vec<String>>,
    /// Set: swaps under the rule are at the store's own cost, and claims are rejected by rule
    /// with this reason code (still disputable).
    #[serde(default)]
    pub reject_reason: Option<String>,
    /// The dearest unit (price paid) the desk may swap under the rule without asking.
    #[serde(default)]
    pub max_price: Option<MoneyInput>,
    /// `same_model` (default) or `upgrade_allowed`.
    #[serde(default)]
    pub replacement: Option<String>,
    /// Who pays an upgrade's difference: `retailer` (default) or `manufacturer`.
    #[serde(default)]
    pub upgrade_difference_paid_by: Option<String>,
    /// Evidence a claim needs before the rule accepts it.
    #[serde(default)]
    pub evidence_required: Option<Vec<String>>,
    /// `price_paid` (default) or `list_price`.
    #[serde(default)]
    pub unit_price: Option<String>,
    /// Share of the unit price reimbursed, 0 to 100 (required unless `reject_reason`).
    #[serde(default)]
    pub percent: Option<DecimalInput>,
    /// Percentage points off `percent` per whole month since the sale (default 0).
    #[serde(default)]
    pub depreciation_percent_per_month: Option<DecimalInput>,
    #[serde(default)]
    pub handling_fee: Option<MoneyInput>,
    #[serde(default)]
    pub freight: Option<MoneyInput>,
    #[serde(default)]
    pub haul_away: Option<MoneyInput>,
    #[serde(default)]
    pub labour: Option<MoneyInput>,
    /// The most the rule accepts for one claim, all lines together (above zero, at least the
    /// fees); above it a claim waits for a person, flagged `amount_above_cap`.
    #[serde(default)]
    pub cap: Option<MoneyInput>,
}

impl SwapRuleBody {
    fn input(&self) -> SwapRuleInput {
        let money = |m: &Option<MoneyInput>| m.as_ref().map(MoneyInput::parts);
        SwapRuleInput {
            code: self.code.clone(),
            from_month: self.from_month,
            until_month: self.until_month,
            within_days: self.within_days,
            defect_categories: self.defect_categories.clone().unwrap_or_default(),
            reject_reason: self.reject_reason.clone(),
            max_price: money(&self.max_price),
            replacement: self.replacement.clone(),
            upgrade_difference_paid_by: self.upgrade_difference_paid_by.clone(),
            evidence_required: self.evidence_required.clone().unwrap_or_default(),
            unit_price: self.unit_price.clone(),
            percent: self.percent.as_ref().map(DecimalInput::text),
            depreciation_percent_per_month: self
                .depreciation_percent_per_month
                .as_ref()
                .map(DecimalInput::text),
            handling_fee: money(&self.handling_fee),
            freight: money(&self.freight),
            haul_away: money(&self.haul_away),
            labour: money(&self.labour),
            cap: money(&self.cap),
        }
    }
}

impl TermsBody {
    fn input(&self, retailer_id: Uuid) -> AgreementInput {
        let (fee_amount, fee_currency) = self.handling_fee.parts();
        AgreementInput {
            retailer_id,
            currency: self.currency.clone(),
            coverage_months: self.coverage_months,
            doa_days: self.doa_days,
            reimbursement_percent: self.reimbursement_percent.text(),
            handling_fee_amount: fee_amount,
            handling_fee_currency: fee_currency,
            decision_deadline_days: self.decision_deadline_days,
            default_outcome: self.default_outcome.clone(),
            depreciation_percent_per_month: self
                .depreciation_percent_per_month
                .as_ref()
                .map(DecimalInput::text),
            unit_disposition: self.unit_disposition.clone(),
            evidence_required: self.evidence_required.clone(),
            claim_cap: self.claim_cap.as_ref().map(MoneyInput::parts),
            price_list: self.price_list.as_ref().map(|lines| {
                lines
                    .iter()
                    .map(|l| {
                        let (amount, currency) = l.price.parts();
                        ListPriceInput {
                            sku: l.sku.clone(),
                            amount,
                            currency,
                        }
                    })
                    .collect()
            }),
            swap_rules: self
                .swap_rules
                .as_ref()
                .map(|rules| rules.iter().map(SwapRuleBody::input).collect()),
        }
    }

    /// The terms and `valid_from` (`now` when absent), or every field that is wrong.
    fn parse(
        &self,
        retailer_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<(Terms, DateTime<Utc>), Problem> {
        let parsed = self.input(retailer_id).parse();
        let valid_from = match self.valid_from.as_deref() {
            None => Ok(now),
            Some(t) => DateTime::parse_from_rfc3339(t.trim())
                .map(|t| crate::db::truncate(t.with_timezone(&Utc)))
                .map_err(|_| Invalid::new("valid_from", "must be an RFC 3339 time")),
        };
        match (parsed, valid_from) {
            (Ok((_, terms)), Ok(valid_from)) => {
                refuse_unproducible(&terms.evidence_required)?;
                Ok((terms, valid_from))
            }
            (parsed, valid_from) => {
                let mut errors = parsed.err().unwrap_or_default();
                errors.extend(valid_from.err());
                Err(invalid(errors))
            }
        }
    }
}

/// An agreement may require only the evidence the system produces for every claim
/// ([`EvidenceKind::PRODUCED`]); anything else would hold its claims for good: 422
/// `evidence_not_producible`.
fn refuse_unproducible(required: &[EvidenceKind]) -> Result<(), Problem> {
    let impossible: Vec<&str> = required
        .iter()
        .filter(|k| !k.is_produced())
        .map(|k| k.as_str())
        .collect();
    if impossible.is_empty() {
        return Ok(());
    }
    let produced: Vec<&str> = EvidenceKind::PRODUCED.iter().map(|k| k.as_str()).collect();
    Err(Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "evidence_not_producible",
        "Evidence the system cannot produce",
        Some(format!(
            "evidence_required lists {}, which no claim ever brings; an agreement may require \
             only {}",
            impossible.join(", "),
            produced.join(", ")
        )),
    ))
}

/// Only linked partners exchange agreements (issue 18): 409 `retailer_not_linked` otherwise.
async fn refuse_unlinked(
    txn: &DatabaseTransaction,
    manufacturer_id: Uuid,
    retailer_id: Uuid,
) -> Result<(), Problem> {
    if crate::db::partners::linked(txn, manufacturer_id, retailer_id).await? {
        return Ok(());
    }
    Err(Problem::conflict(
        "retailer_not_linked",
        format!(
            "retailer {retailer_id} is not a linked partner of this manufacturer: invite it \
             (POST /api/manufacturers/{{mid}}/partners/{retailer_id}/invite) or accept its \
             invitation first"
        ),
    ))
}

#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
pub struct NewAgreement {
    pub retailer_id: Uuid,
    #[serde(flatten)]
    pub terms: TermsBody,
}

/// Writes version `number` of the locked or new agreement `a`, mirrors it on the agreement, and
/// publishes it to the retailer, all in `txn`; returns the agreement with all its versions.
async fn write_version(
    txn: &DatabaseTransaction,
    a: agreement::Model,
    number: i32,
    valid_from: DateTime<Utc>,
    terms: &Terms,
    now: DateTime<Utc>,
) -> Result<AgreementView, Problem> {
    let m = manufacturer::find(txn, a.manufacturer_id)
        .await?
        .ok_or_else(|| Problem::not_found("manufacturer"))?;
    // `must_return` sends every unit to the manufacturer's default depot: there must be one.
    if terms.unit_disposition == UnitDisposition::MustReturn
        && crate::db::depot::default_of(txn, ManufacturerId(a.manufacturer_id))
            .await?
            .is_none()
    {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "must_return_without_depot",
            "must_return needs a depot",
            Some(
                "unit_disposition must_return sends every unit to the manufacturer's first depot;                  create a depot first"
                    .to_owned(),
            ),
        ));
    }
    agreement_version::insert(txn, a.id, number, valid_from, terms, now).await?;
    let a = if number == 1 {
        a
    } else {
        agreement::set_latest(txn, a, terms).await?
    };
    kummerer_messaging::enqueue(
        txn,
        AgreementPublishedV1 {
            agreement_id: a.id.into(),
            version: u32::try_from(number).unwrap_or(0),
            manufacturer_id: a.manufacturer_id.into(),
            manufacturer_name: m.name,
            retailer_id: a.retailer_id.into(),
            valid_from,
            terms: terms.to_contract(),
            published_at: now,
        },
    )
    .await?;
    let versions = agreement_version::of_agreement(txn, a.id).await?;
    Ok(AgreementView::new(a, versions, true))
}

/// Make an agreement with a retailer
///
/// Writes its version 1 and publishes it to the retailer (`manufacturer.agreement.published.v1`).
#[utoipa::path(
    post, path = "/api/manufacturers/{mid}/agreements", tag = "agreements", operation_id = "create_agreement",
    params(("mid" = Uuid, Path, description = "The manufacturer (the API key's)"), ("Idempotency-Key" = Option<String>, Header, description = "1 to 255 visible ASCII characters; a retry with the same key and body answers the first answer")),
    request_body = NewAgreement,
    responses(
        (status = 201, description = "Created, with its version 1", body = AgreementView),
        (status = 400, description = "Malformed JSON or `Idempotency-Key`", body = super::openapi::ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "`agreement_exists` (one per retailer: change it with a new version), `retailer_not_linked` (only linked partners make agreements), `request_in_progress`", body = super::openapi::ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`, `must_return_without_depot` (`must_return` sends every unit to the manufacturer's first depot: create one first), `idempotency_key_reused`", body = super::openapi::ProblemDoc, content_type = "application/problem+json"),
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
    let retailer_id = body.retailer_id;
    let now = crate::db::now();
    let (terms, valid_from) = body.terms.parse(retailer_id, now)?;
    let txn = db.begin().await?;
    if let Some(replay) = idem.begin(&txn).await? {
        return Ok(replay);
    }
    refuse_unlinked(&txn, mid, retailer_id).await?;
    let Some(created) = agreement::insert(&txn, mid, retailer_id, &terms).await? else {
        return Err(Problem::conflict(
            "agreement_exists",
            format!(
                "the manufacturer already has an agreement with retailer {retailer_id}; \
                 change it with a new version"
            ),
        ));
    };
    let id = created.id;
    let view = write_version(&txn, created, 1, valid_from, &terms, now).await?;
    let res = idem.respond(&txn, StatusCode::CREATED, &view).await?;
    txn.commit().await?;
    tracing::info!(manufacturer.id = %mid, agreement.id = %id, retailer.id = %retailer_id, "agreement created");
    Ok(res)
}

/// Change an agreement: its next version
///
/// The full terms of the next version, in force from `valid_from` (default: now), which must
/// not be before the latest version's. Claims swapped from then on are judged by it; earlier
/// claims keep the version in force on their swap date. Published to the retailer in the same
/// transaction.
#[utoipa::path(
    post, path = "/api/manufacturers/{mid}/agreements/{id}/versions", tag = "agreements", operation_id = "create_agreement_version",
    params(("mid" = Uuid, Path, description = "The manufacturer (the API key's)"), ("id" = Uuid, Path, description = "The agreement"), ("Idempotency-Key" = Option<String>, Header, description = "1 to 255 visible ASCII characters; a retry with the same key and body answers the first answer")),
    request_body = TermsBody,
    responses(
        (status = 201, description = "The agreement with its new version and history", body = AgreementView),
        (status = 400, description = "Malformed JSON or `Idempotency-Key`", body = super::openapi::ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "`retailer_not_linked` (the partners unlinked), `request_in_progress`", body = super::openapi::ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`, `valid_from_before_latest_version`, `must_return_without_depot` (`must_return` sends every unit to the manufacturer's first depot: create one first), `idempotency_key_reused`", body = super::openapi::ProblemDoc, content_type = "application/problem+json"),
    )
)]
// `POST /api/manufacturers/{mid}/agreements/{id}/versions` → 201, 404, 422. Locks the
// agreement, so that two new versions get consecutive numbers.
pub async fn create_version(
    me: Manufacturer,
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    path: web::Path<(Uuid, Uuid)>,
    body: web::Json<TermsBody>,
) -> Result<HttpResponse, Problem> {
    let (mid, id) = (me.id, path.into_inner().1);
    let idem = Idempotent::new(&req, mid, &*body)?;
    let now = crate::db::now();
    // The retailer is the agreement's; the terms do not depend on it.
    let (terms, valid_from) = body.parse(Uuid::nil(), now)?;
    let txn = db.begin().await?;
    if let Some(replay) = idem.begin(&txn).await? {
        return Ok(replay);
    }
    let a = agreement::lock(&txn, mid, id)
        .await?
        .ok_or_else(|| Problem::not_found("agreement"))?;
    refuse_unlinked(&txn, mid, a.retailer_id).await?;
    let latest = agreement_version::latest(&txn, id).await?;
    check_valid_from(valid_from, latest.as_ref().map(|v| v.valid_from)).map_err(|detail| {
        Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "valid_from_before_latest_version",
            "valid_from is before the latest version's",
            Some(format!("valid_from {detail}")),
        )
    })?;
    let number = latest.map_or(1, |v| v.version + 1);
    let view = write_version(&txn, a, number, valid_from, &terms, now).await?;
    let res = idem.respond(&txn, StatusCode::CREATED, &view).await?;
    txn.commit().await?;
    tracing::info!(manufacturer.id = %mid, agreement.id = %id, version = number, "agreement version published");
    Ok(res)
}

/// List the agreements
#[utoipa::path(
    get, path = "/api/manufacturers/{mid}/agreements", tag = "agreements", operation_id = "list_agreements",
    params(("mid" = Uuid, Path, description = "The manufacturer (the API key's)")),
    responses((status = 200, description = "The agreements with their latest terms (without the version history)", body = Items<AgreementView>))
)]
// `GET /api/manufacturers/{mid}/agreements` → 200 `{"items": [...]}`, 404.
pub async fn list(
    me: Manufacturer,
    db: web::Data<DatabaseConnection>,
) -> Result<HttpResponse, Problem> {
    let mid = me.id;
    let txn = db
        .begin_with_config(
            Some(IsolationLevel::RepeatableRead),
            Some(AccessMode::ReadOnly),
        )
        .await?;
    let agreements = agreement::list(&txn, mid).await?;
    let ids: Vec<Uuid> = agreements.iter().map(|a| a.id).collect();
    let mut versions = agreement_version::of_agreements(&txn, &ids).await?;
    txn.commit().await?;
    let items = agreements
        .into_iter()
        .map(|a| {
            let mine = versions.remove(&a.id).unwrap_or_default();
            AgreementView::new(a, mine, false)
        })
        .collect();
    Ok(HttpResponse::Ok().json(Items { items }))
}

/// One agreement, with its version history
#[utoipa::path(
    get, path = "/api/manufacturers/{mid}/agreements/{id}", tag = "agreements", operation_id = "get_agreement",
    params(("mid" = Uuid, Path, description = "The manufacturer (the API key's)"), ("id" = Uuid, Path, description = "The agreement")),
    responses((status = 200, description = "The agreement with its `versions`", body = AgreementView))
)]
// `GET /api/manufacturers/{mid}/agreements/{id}` → 200, 404.
pub async fn get(
    me: Manufacturer,
    db: web::Data<DatabaseConnection>,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, Problem> {
    let (mid, id) = (me.id, path.into_inner().1);
    // One snapshot: the latest terms on top are those of the last version listed.
    let txn = db
        .begin_with_config(
            Some(IsolationLevel::RepeatableRead),
            Some(AccessMode::ReadOnly),
        )
        .await?;
    let a = agreement::find(&txn, mid, id)
        .await?
        .ok_or_else(|| Problem::not_found("agreement"))?;
    let versions = agreement_version::of_agreement(&txn, a.id).await?;
    txn.commit().await?;
    Ok(HttpResponse::Ok().json(AgreementView::new(a, versions, true)))
}
