//! Claims of the manufacturer of the path, and its decisions on them.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use kummerer_contracts::DecidedBy;
use kummerer_service::Problem;
use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseConnection, DbErr, IsolationLevel, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::auth::Manufacturer;
use super::idempotency::Idempotent;
use super::input::MoneyInput;
use super::invalid;
use super::views::ClaimView;
use crate::db::{claim, claim_event, claim_evidence};
use crate::domain::claim::MANUFACTURER_DECIDER;
use crate::domain::decision::check_input;
use crate::domain::listing;
use crate::domain::returns::WithdrawReason;
use crate::domain::{
    ClaimFlag, ClaimStatus, DecisionError, DecisionInput, DecisionOutcome, Invalid, decide as rule,
};

#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StatusParam {
    Pending,
    Accepted,
    PartlyAccepted,
    Rejected,
    ReturnRequested,
    UnitArrived,
    Disputed,
    InformationRequested,
}

impl From<StatusParam> for ClaimStatus {
    fn from(s: StatusParam) -> Self {
        match s {
            StatusParam::Pending => ClaimStatus::Pending,
            StatusParam::Accepted => ClaimStatus::Accepted,
            StatusParam::PartlyAccepted => ClaimStatus::PartlyAccepted,
            StatusParam::Rejected => ClaimStatus::Rejected,
            StatusParam::ReturnRequested => ClaimStatus::ReturnRequested,
            StatusParam::UnitArrived => ClaimStatus::UnitArrived,
            StatusParam::Disputed => ClaimStatus::Disputed,
            StatusParam::InformationRequested => ClaimStatus::InformationRequested,
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FlagParam {
    DuplicateSerial,
    UnknownSerial,
    SerialMismatch,
    AmountAboveCap,
}

impl From<FlagParam> for ClaimFlag {
    fn from(f: FlagParam) -> Self {
        match f {
            FlagParam::DuplicateSerial => ClaimFlag::DuplicateSerial,
            FlagParam::UnknownSerial => ClaimFlag::UnknownSerial,
            FlagParam::SerialMismatch => ClaimFlag::SerialMismatch,
            FlagParam::AmountAboveCap => ClaimFlag::AmountAboveCap,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only claims in this status.
    #[param(inline)]
    pub status: Option<StatusParam>,
    /// Only claims of this retailer.
    pub retailer_id: Option<Uuid>,
    /// Only claims of this product (its SKU, exactly).
    pub sku: Option<String>,
    /// Only claims carrying this flag (e.g. `amount_above_cap`: the rules held them above the
    /// agreement's cap or the list price).
    #[param(inline)]
    pub flag: Option<FlagParam>,
    /// Only claims received at or after this: an RFC 3339 time, or a date (`YYYY-MM-DD`, from
    /// its first instant, UTC).
    pub from: Option<String>,
    /// Only claims received before this: an RFC 3339 time, or a date (`YYYY-MM-DD`, the whole
    /// day included, UTC).
    pub to: Option<String>,
    /// Claims per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page, as it came; absent for the first page.
    pub cursor: Option<String>,
}

/// A page of claims.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ClaimPage {
    /// Newest first (`received_at`, then `id`, descending).
    pub items: Vec<ClaimView>,
    /// Pass as `cursor` (with the same filters) for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

fn bad_query(detail: String) -> Problem {
    Problem::bad_request("bad_query", detail)
}

/// List the claims
///
/// Newest first, a page at a time: the answer's `next_cursor`, passed as `cursor` with the
/// same filters, gives the next page; it is `null` on the last page. Filters combine.
#[utoipa::path(
    get, path = "/api/manufacturers/{mid}/claims", tag = "claims", operation_id = "list_claims",
    params(("mid" = Uuid, Path, description = "The manufacturer (the API key's)"), ListQuery),
    responses(
        (status = 200, description = "A page of claims (without their events)", body = ClaimPage),
        (status = 400, description = "`bad_query`: an unknown status or flag, a malformed retailer id, time or date, `from` not before `to`, a `limit` outside 1–200, or a cursor this API did not hand out", body = super::openapi::ProblemDoc, content_type = "application/problem+json"),
    )
)]
// `GET /api/manufacturers/{mid}/claims[?status=…&retailer_id=…&sku=…&flag=…&from=…&to=…&limit=…
// &cursor=…]` → 200 `{"items": [...], "next_cursor": …}` newest first, 400 `bad_query`.
pub async fn list(
    me: Manufacturer,
    db: web::Data<DatabaseConnection>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, Problem> {
    let mid = me.id;
    let q = query.into_inner();
    let limit = listing::limit(q.limit).map_err(bad_query)?;
    let listing::Range { from, to } =
        listing::range(q.from.as_deref(), q.to.as_deref()).map_err(bad_query)?;
    let after = q
        .cursor
        .as_deref()
        .map(listing::Cursor::decode)
        .transpose()
        .map_err(bad_query)?;
    let filter = claim::Filter {
        status: q.status.map(ClaimStatus::from),
        retailer_id: q.retailer_id,
        sku: q.sku,
        flag: q.flag.map(ClaimFlag::from),
        from,
        to,
    };
    let mut rows = claim::page(db.get_ref(), mid, &filter, after, limit).await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = rows.last().filter(|_| more).map(|c| {
        listing::Cursor {
            received_at: c.received_at,
            id: c.id,
        }
        .encode()
    });
    let items = rows.into_iter().map(|c| ClaimView::new(c, None)).collect();
    Ok(HttpResponse::Ok().json(ClaimPage { items, next_cursor }))
}

/// The claim's status as the domain reads it.
pub fn status_of(c: &claim::Model) -> Result<ClaimStatus, Problem> {
    Ok(c.claim_status()?)
}

/// The single-claim answer: the claim with its history and evidence.
pub async fn claim_answer<C: ConnectionTrait>(db: &C, c: claim::Model) -> Result<ClaimView, DbErr> {
    let events = claim_event::of_claim(db, c.id).await?;
    let evidence = claim_evidence::of_claim(db, c.id).await?;
    Ok(ClaimView::with_evidence(c, Some(events), Some(evidence)))
}

/// One claim, with its history and evidence
#[utoipa::path(
    get, path = "/api/manufacturers/{mid}/claims/{id}", tag = "claims", operation_id = "get_claim",
    params(("mid" = Uuid, Path, description = "The manufacturer (the API key's)"), ("id" = Uuid, Path, description = "The claim")),
    responses((status = 200, description = "The claim with its `events` and `evidence`", body = ClaimView))
)]
// `GET /api/manufacturers/{mid}/claims/{id}` → 200 with `events`, 404.
pub async fn get(
    me: Manufacturer,
    db: web::Data<DatabaseConnection>,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, Problem> {
    let (mid, id) = (me.id, path.into_inner().1);
    // One snapshot, so that the claim, its history and its evidence agree with each other.
    let txn = db
        .begin_with_config(
            Some(IsolationLevel::RepeatableRead),
            Some(AccessMode::ReadOnly),
        )
        .await?;
    let c = claim::find(&txn, mid, id)
        .await?
        .ok_or_else(|| Problem::not_found("claim"))?;
    let view = claim_answer(&txn, c).await?;
    txn.commit().await?;
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
pub struct DecisionBody {
    /// `accept`, `partly_accept`, `reject`, `request_return` or `request_information` (text, so
    /// that anything else is a field error).
    pub outcome: String,
    #[serde(default)]
    pub amount: Option<MoneyInput>,
    #[serde(default)]
    pub reason_code: Option<String>,
    /// `request_return`: one of the manufacturer's depots.
    #[serde(default)]
    pub depot_id: Option<Uuid>,
    /// `request_return`: the unit is due at the depot by then (RFC 3339, in the future).
    #[serde(default)]
    pub return_by: Option<String>,
    /// `request_return`: `manufacturer` or `retailer`.
    #[serde(default)]
    pub freight_paid_by: Option<String>,
    /// `request_information`: the question to the retailer (1 to 4000 characters).
    #[serde(default)]
    pub question: Option<String>,
    /// `request_information`: the retailer answers by then (RFC 3339, in the future, at most 90
    /// days ahead; default 14 days from now). Unanswered by then, the claim is rejected with
    /// reason `no_information`.
    #[serde(default)]
    pub answer_by: Option<String>,
}

/// Decide a claim, or ask for its unit back
///
/// `accept` (optionally with an `amount` up to the agreement's maximum), `partly_accept`
/// (`amount` below the maximum and a `reason_code`) or `reject` (`reason_code`) decide a claim
/// that is `pending`, `return_requested`, `unit_arrived` or `disputed` (a disputed claim is
/// decided again and the retailer told again). `request_return` (`depot_id`, `return_by`,
/// `freight_paid_by`) asks for a pending claim's unit back: the claim is `return_requested`
/// until the unit arrives, due at `return_by` (then the agreement's default outcome applies);
/// asked of an accepted or partly accepted claim (also one accepted by a rule), the decision
/// stands and only the unit travels (it is inspected once it arrived). Deciding a
/// `return_requested` claim without its unit withdraws the return (`return_withdrawn` in its
/// `decided` event; logistics removes the unit from its shipment unless it already travels,
/// then it simply arrives). `request_information` (`question`, `answer_by`) sends a decidable
/// claim back to the retailer: `information_requested`, its `deadline_at` the answer's
/// deadline; the answer brings it back with a fresh decision deadline, no answer in time
/// rejects it (`no_information`). Of two concurrent decisions one wins; the other is a 409.
#[utoipa::path(
    post, path = "/api/manufacturers/{mid}/claims/{id}/decision", tag = "claims", operation_id = "decide_claim",
    params(("mid" = Uuid, Path, description = "The manufacturer (the API key's)"), ("id" = Uuid, Path, description = "The claim"), ("Idempotency-Key" = Option<String>, Header, description = "1 to 255 visible ASCII characters; a retry with the same key and body answers the first answer")),
    request_body = DecisionBody,
    responses(
        (status = 200, description = "The decided claim", body = ClaimView),
        (status = 400, description = "Malformed JSON or `Idempotency-Key`", body = super::openapi::ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "`claim_already_decided`, `claim_not_pending` (`request_return` on a claim that is not pending nor accepted), `return_already_requested`, `claim_awaiting_information` (sent back to the retailer, not answered yet), `claim_not_decidable` (`request_information` on a claim that is not pending, unit_arrived or disputed), `claim_withdrawn` (the retailer cancelled the swap), `request_in_progress`; the detail names the claim's status", body = super::openapi::ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`, `idempotency_key_reused`", body = super::openapi::ProblemDoc, content_type = "application/problem+json"),
    )
)]
// `POST /api/manufacturers/{mid}/claims/{id}/decision` → 200 claim, 404, 409
// `claim_already_decided`, 422, 400 (idempotency key). Locks the claim; of two concurrent
// decisions one wins.
pub async fn decide(
    me: Manufacturer,
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    path: web::Path<(Uuid, Uuid)>,
    body: web::Json<DecisionBody>,
) -> Result<HttpResponse, Problem> {
    let (mid, id) = (me.id, path.into_inner().1);
    let idem = Idempotent::new(&req, mid, &*body)?;
    let outcome = match body.outcome.as_str() {
        "accept" => DecisionOutcome::Accept,
        "partly_accept" => DecisionOutcome::PartlyAccept,
        "reject" => DecisionOutcome::Reject,
        "request_return" => {
            if let Some(done) =
                super::unit_back::request_return(&me, &idem, db.get_ref(), id, &body).await?
            {
                return Ok(done);
            }
            return super::returns::request_return(mid, idem, db.get_ref(), id, &body).await;
        }
        "request_information" => {
            return super::information::request(&me, idem, db.get_ref(), id, &body).await;
        }
        _ => {
            return Err(invalid(vec![Invalid::new(
                "outcome",
                "must be accept, partly_accept, reject, request_return or request_information",
            )]));
        }
    };
    let input = DecisionInput {
        outcome,
        amount: body.amount.as_ref().map(MoneyInput::parts),
        reason_code: body.reason_code.clone(),
    };
    check_input(&input).map_err(invalid)?;

    let txn = db.begin().await?;
    if let Some(replay) = idem.begin(&txn).await? {
        return Ok(replay);
    }
    let c = claim::lock(&txn, mid, id)
        .await?
        .ok_or_else(|| Problem::not_found("claim"))?;
    if crate::db::withdrawal::exists(&txn, c.id).await? {
        return Err(Problem::conflict(
            "claim_withdrawn",
            "the retailer withdrew the claim (its swap was cancelled): it is not decided",
        ));
    }
    let open = c.open_claim()?;
    // Waiting for its unit, it is decided without it (the return is withdrawn below).
    let without_unit = crate::domain::returns::decided_without_unit(&open);
    let decision = rule(without_unit.as_ref().unwrap_or(&open), &input).map_err(|e| match e {
        DecisionError::AlreadyDecided(s @ ClaimStatus::InformationRequested) => {
            super::information::awaiting(s)
        }
        DecisionError::AlreadyDecided(s) => {
            Problem::conflict("claim_already_decided", format!("the claim is already {s}"))
        }
        DecisionError::Invalid(errors) => invalid(errors),
    })?;

    let key_label = crate::db::api_key::label(&txn, me.key_id).await?;
    let decided_at = crate::db::now();
    let updated = claim::record_decision(
        &txn,
        c,
        decision.status(),
        decision.amount.amount,
        decision.reason_code.clone(),
        MANUFACTURER_DECIDER,
        decided_at,
    )
    .await?;
    let mut details = json!({
        "outcome": decision.outcome.as_str(),
        "amount": decision.amount,
        "reason_code": decision.reason_code,
        "decided_by": MANUFACTURER_DECIDER,
        // Which of the manufacturer's keys decided (shown in the claim's events).
        "key": {"id": me.key_id, "label": key_label},
    });
    let withdrawn = without_unit.as_ref().map(|_| WithdrawReason::Decided);
    crate::domain::returns::withdrawal_detail(&mut details, withdrawn);
    claim_event::append(&txn, id, claim_event::DECIDED, decided_at, details).await?;
    crate::announce::decided(
        &txn,
        &updated,
        &decision,
        DecidedBy::Manufacturer,
        decided_at,
    )
    .await?;
    if let Some(reason) = withdrawn {
        crate::announce::return_withdrawn(&txn, &updated, reason, decided_at).await?;
    }
    crate::webhooks::claim_updated(&txn, id, "decided").await?;
    let view = claim_answer(&txn, updated).await?;
    let res = idem.respond(&txn, StatusCode::OK, &view).await?;
    txn.commit().await?;
    tracing::info!(claim.id = %id, manufacturer.id = %mid, outcome = decision.outcome.as_str(), "claim decided");
    Ok(res)
}
