//! Credit notes: accepted and partly accepted claim amounts credited to a retailer, one claim
//! at a time or a retailer's decision period in one go (one note per currency). Each note
//! leaves as `manufacturer.credit_note.issued.v1` (to the retailer's recovery ledger) and as
//! the webhook `credit_note.issued`, in the transaction that issues it.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, SubsecRound, Utc};
use kummerer_contracts::vat::{self, note_vat};
use kummerer_contracts::{
    CreditLine, CreditNoteIssuedV1, CreditNoteVatV1, Currency, Money, Period,
};
use kummerer_service::Problem;
use rust_decimal::Decimal;
use sea_orm::{DatabaseConnection, DatabaseTransaction, TransactionTrait};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::auth::Manufacturer;
use super::idempotency::Idempotent;
use super::invalid;
use super::views::{CostLineView, MoneyView, money};
use crate::db::{claim, credit_note};
use crate::domain::credit_note::{
    Creditable, Draft, Scope, ScopeInput, drafts, lines_adding_up, number, scope, series,
};
use crate::domain::listing;
use crate::domain::money::money_of;
use crate::domain::webhook::CREDIT_NOTE_ISSUED;

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct PeriodBody {
    /// Decisions from this instant (inclusive), RFC 3339.
    #[serde(default)]
    pub from: Option<String>,
    /// Decisions before this instant (exclusive), RFC 3339.
    #[serde(default)]
    pub to: Option<String>,
}

/// Either `claim_id` (one claim), or `retailer_id` and `period` (that retailer's accepted and
/// partly accepted claims decided in the period and not credited yet).
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct IssueBody {
    #[serde(default)]
    pub claim_id: Option<String>,
    #[serde(default)]
    pub retailer_id: Option<String>,
    #[serde(default)]
    pub period: Option<PeriodBody>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreditLineView {
    pub claim_id: Uuid,
    pub swap_id: Uuid,
    pub case_id: Uuid,
    /// Net of VAT.
    pub amount: MoneyView,
    /// The VAT on `amount` (rounded half-up to the currency's minor unit); `null` when the
    /// note states no VAT (the retailer's country unknown, or a note from before).
    pub vat: Option<MoneyView>,
    /// `amount` plus `vat`; `null` with `vat`.
    pub gross: Option<MoneyView>,
    /// What `amount` is made of (net), where the rule's lines add up to it; else empty.
    pub cost_lines: Vec<CostLineView>,
}

/// Net, VAT and gross of a note by the retailer's country (issue 12).
#[derive(Debug, Serialize, ToSchema)]
pub struct VatView {
    /// `standard` (the retailer's country's rate), `reverse_charge` (EU cross-border B2B, 0 %:
    /// the recipient owes the VAT) or `unknown` (the retailer's country is not known: no VAT
    /// stated, rather than a guess).
    #[schema(example = "standard")]
    pub treatment: String,
    /// The retailer's country (ISO 3166-1 alpha-2) as its profile announced it.
    #[schema(example = "DE")]
    pub retailer_country: Option<String>,
    /// The manufacturer's country; `null`: not known (taken to be the retailer's).
    pub manufacturer_country: Option<String>,
    /// In percent, e.g. `"19"`, `"8.1"`; `"0"` for reverse charge; `null` when unknown.
    #[schema(example = "19")]
    pub rate_percent: Option<String>,
    /// The sum of the lines' amounts (= `total`).
    pub net: MoneyView,
    /// The sum of the lines' VAT; `null` when unknown.
    pub vat: Option<MoneyView>,
    /// `net` plus `vat`; `null` when unknown.
    pub gross: Option<MoneyView>,
}

impl From<CreditNoteVatV1> for VatView {
    fn from(v: CreditNoteVatV1) -> Self {
        let view = |m: Money| money(m.amount, m.currency.as_str());
        VatView {
            treatment: v.treatment.as_str().to_owned(),
            retailer_country: v.retailer_country,
            manufacturer_country: v.manufacturer_country,
            rate_percent: v.rate_percent.map(|p| p.normalize().to_string()),
            net: view(v.net),
            vat: v.vat.map(view),
            gross: v.gross.map(view),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PeriodView {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreditNoteView {
    pub id: Uuid,
    /// `CN-<year>-<sequence>`, unique per manufacturer, without gaps within a year.
    #[schema(example = "CN-2026-000001")]
    pub number: String,
    pub manufacturer_id: Uuid,
    pub retailer_id: Uuid,
    /// The decision period of a batch; `null` for one claim's note.
    pub period: Option<PeriodView>,
    pub total: MoneyView,
    pub issued_at: DateTime<Utc>,
    /// The API key that issued the note (its id); `null` for notes issued before keys were
    /// recorded.
    pub issued_by_key: Option<Uuid>,
    /// Net, VAT rate, VAT and gross; `null` for notes issued before VAT was stated.
    pub vat: Option<VatView>,
    /// In the listing: `null` (fetch the note for its lines).
    pub lines: Option<Vec<CreditLineView>>,
}

impl CreditNoteView {
    fn new(n: credit_note::Model, lines: Option<Vec<credit_note::line::Model>>) -> Self {
        let currency = n.currency.clone();
        Self {
            id: n.id,
            number: n.number,
            manufacturer_id: n.manufacturer_id,
            retailer_id: n.retailer_id,
            period: n
                .period_from
                .zip(n.period_to)
                .map(|(from, to)| PeriodView { from, to }),
            total: money(n.total, &currency),
            issued_at: n.issued_at,
            issued_by_key: n.issued_by_key,
            // A stored statement that does not read is left out (`null`), never invented.
            vat: n
                .vat
                .and_then(|v| serde_json::from_value::<CreditNoteVatV1>(v).ok())
                .map(VatView::from),
            lines: lines.map(|lines| {
                lines
                    .into_iter()
                    .map(|l| CreditLineView {
                        claim_id: l.claim_id,
                        swap_id: l.swap_id,
                        case_id: l.case_id,
                        amount: money(l.amount, &currency),
                        vat: l.vat.map(|v| money(v, &currency)),
                        gross: l.vat.map(|v| money(l.amount + v, &currency)),
                        cost_lines: CostLineView::list(&l.cost_lines),
                    })
                    .collect()
            }),
        }
    }
}

/// The notes one request issued.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedNotes {
    /// One note for a claim; for a batch one per currency (alphabetical), numbered in that order.
    pub credit_notes: Vec<CreditNoteView>,
}

fn parse_scope(body: &IssueBody) -> Result<Scope, Problem> {
    let mut errors = Vec::new();
    let mut uuid = |field: &str, text: &Option<String>| {
        text.as_deref().and_then(|t| {
            let parsed = Uuid::parse_str(t.trim()).ok();
            if parsed.is_none() {
                errors.push(crate::domain::Invalid::new(field, "must be a UUID"));
            }
            parsed
        })
    };
    let claim_id = uuid("claim_id", &body.claim_id);
    let retailer_id = uuid("retailer_id", &body.retailer_id);
    let mut time = |field: &str, text: Option<&String>| {
        text.and_then(|t| match DateTime::parse_from_rfc3339(t.trim()) {
            // At the database's precision, so that the answer is what a later read returns.
            Ok(t) => Some(t.with_timezone(&Utc).trunc_subsecs(6)),
            Err(_) => {
                errors.push(crate::domain::Invalid::new(
                    field,
                    "must be an RFC 3339 time (e.g. 2026-11-01T00:00:00Z)",
                ));
                None
            }
        })
    };
    let from = time(
        "period.from",
        body.period.as_ref().and_then(|p| p.from.as_ref()),
    );
    let to = time(
        "period.to",
        body.period.as_ref().and_then(|p| p.to.as_ref()),
    );
    if !errors.is_empty() {
        return Err(invalid(errors));
    }
    scope(&ScopeInput {
        claim_id,
        retailer_id,
        from,
        to,
        has_period: body.period.is_some(),
    })
    .map_err(invalid)
}

/// Issue credit notes
///
/// `{"claim_id"}`: a note for that accepted or partly accepted claim. `{"retailer_id",
/// "period": {"from", "to"}}`: notes (one per currency) for every accepted or partly accepted
/// claim of that retailer decided in `[from, to)` and not credited yet. A claim is credited at
/// most once; of two concurrent requests for one claim one issues, the other gets a 409.
#[utoipa::path(
    post, path = "/api/manufacturers/{mid}/credit-notes", tag = "credit-notes", operation_id = "issue_credit_notes",
    params(("mid" = Uuid, Path, description = "The manufacturer (the API key's)"), ("Idempotency-Key" = Option<String>, Header, description = "1 to 255 visible ASCII characters; a retry with the same key and body answers the first answer")),
    request_body = IssueBody,
    responses(
        (status = 201, description = "The notes issued", body = IssuedNotes),
        (status = 400, description = "Malformed JSON or `Idempotency-Key`", body = super::openapi::ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "`claim_already_credited`, `claim_not_creditable` (not accepted or partly accepted), `claim_withdrawn` (the retailer cancelled the swap), `request_in_progress`", body = super::openapi::ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`, `nothing_to_credit` (an empty batch), `idempotency_key_reused`", body = super::openapi::ProblemDoc, content_type = "application/problem+json"),
    )
)]
// `POST /api/manufacturers/{mid}/credit-notes` → 201 `{"credit_notes": [...]}`, 404 (claim),
// 409, 422.
pub async fn issue(
    me: Manufacturer,
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    body: web::Json<IssueBody>,
) -> Result<HttpResponse, Problem> {
    let mid = me.id;
    let idem = Idempotent::new(&req, mid, &*body)?;
    let scope = parse_scope(&body)?;
    let txn = db.begin().await?;
    if let Some(replay) = idem.begin(&txn).await? {
        return Ok(replay);
    }
    let issued_at = crate::db::now();
    let (retailer_id, period, claims) = match scope {
        Scope::Claim(id) => {
            let c = claim::lock(&txn, mid, id)
                .await?
                .ok_or_else(|| Problem::not_found("claim"))?;
            if !credit_note::CREDITABLE.contains(&c.status.as_str()) {
                return Err(Problem::conflict(
                    "claim_not_creditable",
                    format!(
                        "the claim is {}: only accepted or partly accepted claims are credited",
                        c.status
                    ),
                ));
            }
            if crate::db::withdrawal::exists(&txn, c.id).await? {
                return Err(Problem::conflict(
                    "claim_withdrawn",
                    "the retailer withdrew the claim (its swap was cancelled): it is not credited",
                ));
            }
            let amount = c.decided_money()?.amount;
            let line = Creditable {
                claim_id: c.id,
                swap_id: c.swap_id,
                case_id: c.case_id,
                currency: c.currency.clone(),
                amount,
                cost_lines: lines_adding_up(&c.cost_lines, &c.currency, amount),
            };
            (c.retailer_id, None, vec![line])
        }
        Scope::Batch {
            retailer_id,
            from,
            to,
        } => {
            let claims = credit_note::lock_batch(&txn, mid, retailer_id, from, to).await?;
            (retailer_id, Some((from, to)), claims)
        }
    };
    // Locked now: what another request credited meanwhile shows.
    let ids: Vec<Uuid> = claims.iter().map(|c| c.claim_id).collect();
    let already = credit_note::credited(&txn, &ids).await?;
    let claims: Vec<Creditable> = match period {
        None if !already.is_empty() => {
            return Err(Problem::conflict(
                "claim_already_credited",
                "the claim is on a credit note already",
            ));
        }
        None => claims,
        Some(_) => claims
            .into_iter()
            .filter(|c| !already.contains(&c.claim_id))
            .collect(),
    };
    if claims.is_empty() {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "nothing_to_credit",
            "Nothing to credit",
            Some(
                "the retailer has no accepted or partly accepted claim decided in the period \
                 that is not credited yet"
                    .to_owned(),
            ),
        ));
    }
    // The VAT by the retailer's country as its profile said; the manufacturer's country is not
    // held: taken to be the retailer's (see `kummerer_contracts::vat`).
    let country = crate::db::partners::retailer_country(&txn, retailer_id).await?;
    let mut notes = Vec::new();
    for draft in drafts(claims) {
        notes.push(
            issue_one(
                &txn,
                (mid, me.key_id),
                (retailer_id, country.as_deref()),
                period,
                draft,
                issued_at,
            )
            .await?,
        );
    }
    let res = idem
        .respond(
            &txn,
            StatusCode::CREATED,
            &IssuedNotes {
                credit_notes: notes,
            },
        )
        .await?;
    txn.commit().await.map_err(credited_meanwhile)?;
    Ok(res)
}

/// The unique line per claim, hit (a last guard behind the claim locks): 409.
fn credited_meanwhile(e: sea_orm::DbErr) -> Problem {
    if crate::db::is_unique_violation(&e, "credit_note_lines_claim") {
        Problem::conflict(
            "claim_already_credited",
            "a claim is on a credit note already",
        )
    } else {
        Problem::from(e)
    }
}

async fn issue_one(
    txn: &DatabaseTransaction,
    (mid, key_id): (Uuid, Uuid),
    (retailer_id, retailer_country): (Uuid, Option<&str>),
    period: Option<(DateTime<Utc>, DateTime<Utc>)>,
    draft: Draft,
    issued_at: DateTime<Utc>,
) -> Result<CreditNoteView, Problem> {
    let sequence = credit_note::next_number(txn, mid, series(issued_at)).await?;
    let note = credit_note::new_note(
        mid,
        retailer_id,
        number(issued_at, sequence),
        draft.currency.clone(),
        draft.total,
        period,
        issued_at,
    );
    let bad_money = || Problem::internal(format!("credit note {}: bad amount", note.id));
    let currency = Currency::parse(draft.currency.trim()).map_err(|_| bad_money())?;
    let nets = draft
        .lines
        .iter()
        .map(|l| money_of(l.amount, &draft.currency).ok_or_else(bad_money))
        .collect::<Result<Vec<Money>, Problem>>()?;
    let manufacturer_country = None;
    let vat = note_vat(
        &currency,
        &nets,
        vat::treatment(retailer_country, manufacturer_country),
        retailer_country,
        manufacturer_country,
    );
    let note = credit_note::Model {
        issued_by_key: Some(key_id),
        vat: Some(serde_json::to_value(&vat.statement).map_err(Problem::internal)?),
        ..note
    };
    let line_vat: Vec<Option<Decimal>> = vat
        .line_vat
        .iter()
        .map(|v| v.as_ref().map(|m| m.amount))
        .collect();
    let lines = credit_note::insert(txn, note.clone(), &draft.lines, &line_vat)
        .await
        .map_err(credited_meanwhile)?;
    let event = CreditNoteIssuedV1 {
        credit_note_id: note.id.into(),
        number: note.number.clone(),
        manufacturer_id: mid.into(),
        retailer_id: retailer_id.into(),
        period: period.map(|(from, to)| Period { from, to }),
        lines: draft
            .lines
            .iter()
            .zip(nets)
            .zip(vat.line_vat)
            .map(|((l, amount), vat)| CreditLine {
                claim_id: l.claim_id.into(),
                swap_id: l.swap_id.into(),
                case_id: l.case_id.into(),
                amount,
                vat,
                cost_lines: l.cost_lines.clone(),
            })
            .collect(),
        total: money_of(draft.total, &draft.currency).ok_or_else(bad_money)?,
        issued_at,
        vat: Some(vat.statement),
    };
    kummerer_messaging::enqueue(txn, event).await?;
    let view = CreditNoteView::new(note, Some(lines));
    crate::webhooks::enqueue(
        txn,
        mid,
        CREDIT_NOTE_ISSUED,
        serde_json::to_value(&view).map_err(Problem::internal)?,
    )
    .await?;
    tracing::info!(credit_note.id = %view.id, credit_note.number = %view.number, manufacturer.id = %mid, lines = draft.lines.len(), "credit note issued");
    metrics::counter!(crate::metrics::CREDIT_NOTES_ISSUED).increment(1);
    Ok(view)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only notes to this retailer.
    pub retailer_id: Option<Uuid>,
    /// Notes per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page, as it came; absent for the first page.
    pub cursor: Option<String>,
}

/// A page of credit notes.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreditNotePage {
    /// Newest first (`issued_at`, then `id`, descending), without their lines.
    pub items: Vec<CreditNoteView>,
    /// Pass as `cursor` (with the same filter) for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// List the credit notes
#[utoipa::path(
    get, path = "/api/manufacturers/{mid}/credit-notes", tag = "credit-notes", operation_id = "list_credit_notes",
    params(("mid" = Uuid, Path, description = "The manufacturer (the API key's)"), ListQuery),
    responses(
        (status = 200, description = "A page of credit notes (without their lines)", body = CreditNotePage),
        (status = 400, description = "`bad_query`: a malformed retailer id, a `limit` outside 1–200, or a cursor this API did not hand out", body = super::openapi::ProblemDoc, content_type = "application/problem+json"),
    )
)]
// `GET /api/manufacturers/{mid}/credit-notes[?retailer_id=…&limit=…&cursor=…]` → 200, 400.
pub async fn list(
    me: Manufacturer,
    db: web::Data<DatabaseConnection>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, Problem> {
    let q = query.into_inner();
    let bad = |detail: String| Problem::bad_request("bad_query", detail);
    let limit = listing::limit(q.limit).map_err(bad)?;
    let after = q
        .cursor
        .as_deref()
        .map(listing::Cursor::decode)
        .transpose()
        .map_err(bad)?;
    let mut rows = credit_note::page(db.get_ref(), me.id, q.retailer_id, after, limit).await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = rows.last().filter(|_| more).map(|n| {
        listing::Cursor {
            received_at: n.issued_at,
            id: n.id,
        }
        .encode()
    });
    let items = rows
        .into_iter()
        .map(|n| CreditNoteView::new(n, None))
        .collect();
    Ok(HttpResponse::Ok().json(CreditNotePage { items, next_cursor }))
}

/// One credit note, with its lines
#[utoipa::path(
    get, path = "/api/manufacturers/{mid}/credit-notes/{id}", tag = "credit-notes", operation_id = "get_credit_note",
    params(("mid" = Uuid, Path, description = "The manufacturer (the API key's)"), ("id" = Uuid, Path, description = "The credit note")),
    responses((status = 200, description = "The credit note with its `lines`", body = CreditNoteView))
)]
// `GET /api/manufacturers/{mid}/credit-notes/{id}` → 200 with `lines`, 404.
pub async fn get(
    me: Manufacturer,
    db: web::Data<DatabaseConnection>,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, Problem> {
    let id = path.into_inner().1;
    let n = credit_note::find(db.get_ref(), me.id, id)
        .await?
        .ok_or_else(|| Problem::not_found("credit note"))?;
    let lines = credit_note::lines_of(db.get_ref(), n.id).await?;
    Ok(HttpResponse::Ok().json(CreditNoteView::new(n, Some(lines))))
}
