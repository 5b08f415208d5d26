//! Response bodies.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::db::{agreement, agreement_version, claim, claim_event, claim_evidence, manufacturer};

#[derive(Debug, Serialize, ToSchema)]
pub struct Items<T> {
    pub items: Vec<T>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ManufacturerView {
    pub id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

impl From<manufacturer::Model> for ManufacturerView {
    fn from(m: manufacturer::Model) -> Self {
        Self {
            id: m.id,
            name: m.name,
            created_at: m.created_at,
        }
    }
}

/// Money as the contracts serialize it; the currency comes from a checked column.
#[derive(Debug, Serialize, ToSchema)]
pub struct MoneyView {
    /// A decimal string with two places, e.g. `"499.00"`.
    #[schema(example = "499.00")]
    pub amount: String,
    /// ISO 4217, e.g. `EUR`.
    #[schema(example = "EUR")]
    pub currency: String,
}

pub(super) fn money(amount: Decimal, currency: &str) -> MoneyView {
    let mut amount = amount;
    amount.rescale(2);
    MoneyView {
        amount: amount.to_string(),
        currency: currency.trim().to_owned(),
    }
}

/// An agreement: its latest terms at the top, and (on the single-agreement answers) every
/// version. A claim is judged by the version in force on its swap date.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgreementView {
    pub id: Uuid,
    pub manufacturer_id: Uuid,
    pub retailer_id: Uuid,
    pub currency: String,
    pub coverage_months: i32,
    pub doa_days: i32,
    /// A decimal string such as `"80.00"`.
    pub reimbursement_percent: String,
    /// Percentage points off `reimbursement_percent` per whole month since the sale, e.g.
    /// `"0.00"`.
    pub depreciation_percent_per_month: String,
    pub handling_fee: MoneyView,
    /// `on_request`, `must_return` or `scrap_on_site`.
    pub unit_disposition: String,
    pub decision_deadline_days: i32,
    /// `accept` or `reject`: what a claim left undecided past its deadline becomes.
    pub default_outcome: String,
    /// Evidence kinds a claim needs before a rule may accept it.
    pub evidence_required: Vec<String>,
    /// The latest version's per-claim cap for rules (fee included), if any.
    pub claim_cap: Option<MoneyView>,
    /// The latest version's price list (SKU → list price).
    pub price_list: Vec<ListPriceView>,
    /// The latest version's swap rules, in order, as sent (`SwapRuleBody`, defaults filled in).
    #[schema(value_type = Vec<Object>)]
    pub swap_rules: Vec<serde_json::Value>,
    pub created_at: DateTime<Utc>,
    /// The latest version's number (the terms above are its terms).
    pub version: i32,
    /// When the latest version comes (or came) into force.
    pub valid_from: Option<DateTime<Utc>>,
    /// The version in force now: the latest accepted by the retailer whose `valid_from` has
    /// come; `null` while none is.
    pub version_in_force: Option<i32>,
    /// Every version, oldest first (only on the single-agreement answers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub versions: Option<Vec<AgreementVersionView>>,
}

/// One line of a price list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListPriceView {
    pub sku: String,
    pub price: MoneyView,
}

/// One version of an agreement.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgreementVersionView {
    pub version: i32,
    pub valid_from: DateTime<Utc>,
    /// The terms as published to the retailer (`AgreementTermsV1`).
    #[schema(value_type = Object)]
    pub terms: serde_json::Value,
    pub created_at: DateTime<Utc>,
    /// When the retailer accepted this version on its desk; `null`: offered, not accepted yet
    /// (it judges no claim and has no effect at the retailer).
    pub accepted_at: Option<DateTime<Utc>>,
}

impl From<agreement_version::Model> for AgreementVersionView {
    fn from(v: agreement_version::Model) -> Self {
        Self {
            version: v.version,
            valid_from: v.valid_from,
            terms: v.terms,
            created_at: v.created_at,
            accepted_at: v.accepted_at,
        }
    }
}

fn percent(p: Decimal) -> String {
    let mut p = p;
    p.rescale(2);
    p.to_string()
}

/// The version in force at `now`: of the accepted versions valid from `now` or before, the
/// latest `valid_from` (the higher number on a tie) — the rule of `agreement_version::in_force`.
fn in_force(versions: &[agreement_version::Model], now: DateTime<Utc>) -> Option<i32> {
    versions
        .iter()
        .filter(|v| v.accepted_at.is_some() && v.valid_from <= now)
        .max_by_key(|v| (v.valid_from, v.version))
        .map(|v| v.version)
}

impl AgreementView {
    /// The agreement with its versions (oldest first); `with_history` lists them all.
    pub fn new(
        a: agreement::Model,
        versions: Vec<agreement_version::Model>,
        with_history: bool,
    ) -> Self {
        let latest = versions.last();
        let terms = latest.and_then(|v| {
            serde_json::from_value::<kummerer_contracts::AgreementTermsV1>(v.terms.clone()).ok()
        });
        let swap_rules = terms
            .as_ref()
            .map(|t| {
                t.swap_rules
                    .iter()
                    .filter_map(|r| serde_json::to_value(r).ok())
                    .collect()
            })
            .unwrap_or_default();
        let (claim_cap, price_list) = terms
            .map(|t| {
                let lines = t.price_list.into_iter().map(|l| ListPriceView {
                    sku: l.sku,
                    price: money(l.price.amount, l.price.currency.as_str()),
                });
                let cap = t.claim_cap.map(|c| money(c.amount, c.currency.as_str()));
                (cap, lines.collect())
            })
            .unwrap_or_default();
        Self {
            id: a.id,
            manufacturer_id: a.manufacturer_id,
            retailer_id: a.retailer_id,
            handling_fee: money(a.handling_fee, &a.currency),
            currency: a.currency.trim().to_owned(),
            coverage_months: a.coverage_months,
            doa_days: a.doa_days,
            reimbursement_percent: percent(a.reimbursement_percent),
            depreciation_percent_per_month: percent(a.depreciation_percent_per_month),
            unit_disposition: a.unit_disposition,
            decision_deadline_days: a.decision_deadline_days,
            default_outcome: a.default_outcome,
            evidence_required: string_list(&a.evidence_required),
            claim_cap,
            price_list,
            swap_rules,
            created_at: a.created_at,
            version: latest.map_or(0, |v| v.version),
            valid_from: latest.map(|v| v.valid_from),
            version_in_force: in_force(&versions, chrono::Utc::now()),
            versions: with_history.then(|| {
                versions
                    .into_iter()
                    .map(AgreementVersionView::from)
                    .collect()
            }),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProductView {
    pub sku: String,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClaimEventView {
    /// `received`, `accepted_by_rule`, `left_pending`, `decided`, `deemed_decided`, …
    pub kind: String,
    pub occurred_at: DateTime<Utc>,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

impl From<claim_event::Model> for ClaimEventView {
    fn from(e: claim_event::Model) -> Self {
        Self {
            kind: e.kind,
            occurred_at: e.occurred_at,
            details: e.details,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClaimView {
    pub id: Uuid,
    pub manufacturer_id: Uuid,
    pub retailer_id: Uuid,
    pub swap_id: Uuid,
    pub case_id: Uuid,
    pub serial: String,
    pub product: ProductView,
    pub price_paid: MoneyView,
    /// The product's list price the retailer's claim carried (absent on older claims).
    pub list_price: Option<MoneyView>,
    pub sold_at: DateTime<Utc>,
    pub swapped_at: DateTime<Utc>,
    pub defect_category: String,
    pub defect_description: String,
    /// `pending`, `accepted`, `partly_accepted`, `rejected`, `return_requested`,
    /// `unit_arrived`, `disputed` or `information_requested` (sent back to the retailer with a
    /// question: `deadline_at` is then the answer's deadline).
    pub status: String,
    /// `no_agreement`, `currency_mismatch`, `swapped_before_sale`, `outside_doa`,
    /// `outside_coverage` (older claims), `flagged`, `evidence_missing` or `no_rule` (the
    /// version's swap rules leave the claim open).
    pub pending_reason: Option<String>,
    pub agreement_id: Option<Uuid>,
    /// The version of the agreement (in force on the swap date) that judged the claim.
    pub agreement_version: Option<i32>,
    pub suggested_amount: Option<MoneyView>,
    pub decided_amount: Option<MoneyView>,
    pub reason_code: Option<String>,
    pub decided_by: Option<String>,
    pub received_at: DateTime<Utc>,
    pub deadline_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    /// Duplicate, fraud and amount flags (`duplicate_serial`, `unknown_serial`,
    /// `serial_mismatch`, `amount_above_cap`); empty when none.
    pub flags: Vec<String>,
    /// What the amount accepted by a swap rule is made of, net of VAT: `unit`,
    /// `upgrade_difference`, `freight`, `haul_away`, `labour`, `handling_fee`; empty where no
    /// rule gave lines (a person's decision, a claim still open).
    pub cost_lines: Vec<CostLineView>,
    /// The unit requested back, once it was.
    pub return_request: Option<ReturnView>,
    /// The returned unit's inspection, once done.
    pub inspection: Option<InspectionView>,
    /// The retailer's dispute of a rejection, once disputed.
    pub dispute: Option<DisputeView>,
    /// Who holds the ball on the claim now and by when they are due (the shared ball rule);
    /// `null` when it waits for nobody.
    pub ball: Option<ClaimBallView>,
    /// The claim's history, oldest first (only on the single-claim answers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<ClaimEventView>>,
    /// The claim's evidence without photo bytes, oldest first (only on the single-claim
    /// answers); a photo is at `…/claims/{id}/evidence/{evidence_id}/photo`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Vec<EvidenceView>>,
}

/// One cost line of a claim.
#[derive(Debug, Serialize, ToSchema)]
pub struct CostLineView {
    #[schema(example = "unit")]
    pub kind: String,
    pub amount: MoneyView,
}

impl CostLineView {
    /// The stored `[CostLine]` (a claim's, a credit line's) as shown; lines that do not read
    /// are left out, never invented.
    pub fn list(stored: &serde_json::Value) -> Vec<CostLineView> {
        serde_json::from_value::<Vec<kummerer_contracts::CostLine>>(stored.clone())
            .unwrap_or_default()
            .into_iter()
            .map(|l| CostLineView {
                kind: l.kind.as_str().to_owned(),
                amount: money(l.amount.amount, l.amount.currency.as_str()),
            })
            .collect()
    }
}

/// Who holds the ball on a claim: one party, what it holds, since when, due when.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClaimBallView {
    /// `manufacturer` or `retailer`.
    pub party: String,
    /// `claim` (to decide, or to correct), `return` (the unit asked back and its inspection)
    /// or `information` (a question to answer).
    pub holds: String,
    pub since: DateTime<Utc>,
    /// The deadline that runs: the decision deadline, `return_by`, or a default.
    pub due_at: DateTime<Utc>,
    pub overdue: bool,
    /// How often the claim changed hands.
    pub handovers: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReturnView {
    pub depot_id: Option<Uuid>,
    pub return_by: Option<DateTime<Utc>>,
    /// `manufacturer` or `retailer`.
    pub freight_paid_by: Option<String>,
    pub requested_at: DateTime<Utc>,
    /// When the unit reached the depot; the decision deadline counts from then.
    pub arrived_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InspectionView {
    /// `defect_confirmed`, `no_fault_found`, `customer_damage` or `not_the_claimed_unit`.
    pub result: String,
    pub note: Option<String>,
    pub inspected_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DisputeView {
    pub statement: Option<String>,
    pub disputed_by: Option<String>,
    pub disputed_at: DateTime<Utc>,
}

/// One piece of evidence (without the photo's bytes).
#[derive(Debug, Serialize, ToSchema)]
pub struct EvidenceView {
    pub evidence_id: Uuid,
    /// `collected_serial`, `collected_photo`, `delivered_photo`, `receipt` or `statement`.
    pub kind: String,
    pub serial: Option<String>,
    pub serial_matches: Option<bool>,
    pub note: Option<String>,
    pub photo: Option<PhotoView>,
    pub observed_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    /// `evidence` (forwarded on its own) or `dispute` (came with the dispute).
    pub source: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PhotoView {
    pub content_type: String,
    /// Lower-case hex sha256 of the bytes.
    pub sha256: String,
    pub size_bytes: i64,
}

impl From<claim_evidence::Model> for EvidenceView {
    fn from(e: claim_evidence::Model) -> Self {
        let photo = match (e.photo_content_type, e.photo_sha256, e.photo_size_bytes) {
            (Some(content_type), Some(sha256), Some(size_bytes)) => Some(PhotoView {
                content_type,
                sha256,
                size_bytes,
            }),
            _ => None,
        };
        Self {
            evidence_id: e.evidence_id,
            kind: e.kind,
            serial: e.serial,
            serial_matches: e.serial_matches,
            note: e.note,
            photo,
            observed_at: e.observed_at,
            received_at: e.received_at,
            source: e.source,
        }
    }
}

impl ClaimView {
    pub fn new(c: claim::Model, events: Option<Vec<claim_event::Model>>) -> Self {
        Self::with_evidence(c, events, None)
    }

    pub fn with_evidence(
        c: claim::Model,
        events: Option<Vec<claim_event::Model>>,
        evidence: Option<Vec<claim_evidence::Model>>,
    ) -> Self {
        let cur = c.currency.clone();
        let return_request = c.return_requested_at.map(|requested_at| ReturnView {
            depot_id: c.return_depot_id,
            return_by: c.return_by,
            freight_paid_by: c.freight_paid_by.clone(),
            requested_at,
            arrived_at: c.arrived_at,
        });
        let inspection = c.inspection_result.clone().map(|result| InspectionView {
            result,
            note: c.inspection_note.clone(),
            inspected_at: c.inspected_at,
        });
        let dispute = c.disputed_at.map(|disputed_at| DisputeView {
            statement: c.dispute_statement.clone(),
            disputed_by: c.disputed_by.clone(),
            disputed_at,
        });
        let ball = claim_ball(&c);
        Self {
            ball,
            id: c.id,
            manufacturer_id: c.manufacturer_id,
            retailer_id: c.retailer_id,
            swap_id: c.swap_id,
            case_id: c.case_id,
            serial: c.serial,
            product: ProductView {
                sku: c.product_sku,
                name: c.product_name,
            },
            price_paid: money(c.price_paid, &cur),
            list_price: c
                .list_price
                .zip(c.list_price_currency.as_deref())
                .map(|(a, lc)| money(a, lc)),
            sold_at: c.sold_at,
            swapped_at: c.swapped_at,
            defect_category: c.defect_category,
            defect_description: c.defect_description,
            status: c.status,
            pending_reason: c.pending_reason,
            agreement_id: c.agreement_id,
            agreement_version: c.agreement_version,
            suggested_amount: c.suggested_amount.map(|a| money(a, &cur)),
            decided_amount: c.decided_amount.map(|a| money(a, &cur)),
            reason_code: c.reason_code,
            decided_by: c.decided_by,
            received_at: c.received_at,
            deadline_at: c.deadline_at,
            decided_at: c.decided_at,
            flags: string_list(&c.flags),
            cost_lines: CostLineView::list(&c.cost_lines),
            return_request,
            inspection,
            dispute,
            events: events.map(|es| es.into_iter().map(ClaimEventView::from).collect()),
            evidence: evidence.map(|es| es.into_iter().map(EvidenceView::from).collect()),
        }
    }
}

/// Who holds the ball on the claim, by the shared rule over the claim's recorded facts.
fn claim_ball(c: &claim::Model) -> Option<ClaimBallView> {
    let status = crate::domain::claim::ClaimStatus::parse(&c.status)?;
    let ball = crate::domain::ball::ball_of(&crate::domain::ball::ClaimFacts {
        status,
        received_at: c.received_at,
        deadline_at: c.deadline_at,
        decided_at: c.decided_at,
        return_requested_at: c.return_requested_at,
        return_by: c.return_by,
        arrived_at: c.arrived_at,
        inspected_at: c.inspected_at,
        disputed_at: c.disputed_at,
    });
    let now = Utc::now();
    ball.first().map(|h| ClaimBallView {
        party: h.party.as_str().to_owned(),
        holds: h.holds.as_str().to_owned(),
        since: h.since,
        due_at: h.due_at,
        overdue: h.overdue(now),
        handovers: ball.handovers,
    })
}

/// The strings of a JSON array column (`flags`, `evidence_required`).
fn string_list(list: &serde_json::Value) -> Vec<String> {
    list.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|f| f.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}
