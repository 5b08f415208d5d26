//! The retailer's side of the business with each manufacturer: the agreements as published
//! (every version), the credit notes and their lines, disputes of rejected claims, and the rows
//! of the recovery ledger.

use chrono::{DateTime, Utc};
use kummerer_contracts::{AgreementPublishedV1, AgreementTermsV1, CreditNoteIssuedV1};
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, DbBackend, DbErr, QueryResult, Statement, Value};
use uuid::Uuid;

use crate::domain::ClaimStatus;

fn stmt(sql: &str, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
}

// --- agreements ---------------------------------------------------------------------------------

/// Stores one version of an agreement; `false` when that version is already stored (a
/// redelivery — the first copy stands).
pub async fn insert_agreement<C: ConnectionTrait>(
    db: &C,
    a: &AgreementPublishedV1,
) -> Result<bool, DbErr> {
    let terms = serde_json::to_value(&a.terms).map_err(|e| DbErr::Custom(format!("terms: {e}")))?;
    let done = db
        .execute_raw(stmt(
            "INSERT INTO agreements (agreement_id, version, retailer_id, manufacturer_id, \
             manufacturer_name, valid_from, terms, published_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
            vec![
                a.agreement_id.into(),
                i64::from(a.version).into(),
                a.retailer_id.into(),
                a.manufacturer_id.into(),
                a.manufacturer_name.clone().into(),
                a.valid_from.into(),
                terms.into(),
                a.published_at.into(),
            ],
        ))
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The version of an agreement in force at a moment.
#[derive(Debug, Clone)]
pub struct AgreementInForce {
    pub agreement_id: Uuid,
    pub version: i32,
    pub manufacturer_name: String,
    pub valid_from: DateTime<Utc>,
    pub terms: AgreementTermsV1,
}

/// The agreement between the retailer and the manufacturer in force `at`: of the versions a
/// retailer admin accepted, the one with the latest `valid_from` not after `at` (the highest
/// version number on a tie). A version offered but not accepted has no effect.
pub async fn agreement_in_force<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    manufacturer_id: Uuid,
    at: DateTime<Utc>,
) -> Result<Option<AgreementInForce>, DbErr> {
    let Some(row) = db
        .query_one_raw(stmt(
            "SELECT agreement_id, version, manufacturer_name, valid_from, terms FROM agreements \
             WHERE retailer_id = $1 AND manufacturer_id = $2 AND valid_from <= $3 \
             AND accepted_at IS NOT NULL ORDER BY valid_from DESC, version DESC LIMIT 1",
            vec![retailer_id.into(), manufacturer_id.into(), at.into()],
        ))
        .await?
    else {
        return Ok(None);
    };
    let terms: serde_json::Value = row.try_get("", "terms")?;
    Ok(Some(AgreementInForce {
        agreement_id: row.try_get("", "agreement_id")?,
        version: row.try_get("", "version")?,
        manufacturer_name: row.try_get("", "manufacturer_name")?,
        valid_from: row.try_get("", "valid_from")?,
        terms: serde_json::from_value(terms)
            .map_err(|e| DbErr::Custom(format!("stored terms: {e}")))?,
    }))
}

// --- credit notes -------------------------------------------------------------------------------

/// Stores a credit note and its lines; `false` when the note is already stored (nothing is
/// written then).
pub async fn insert_credit_note<C: ConnectionTrait>(
    db: &C,
    n: &CreditNoteIssuedV1,
) -> Result<bool, DbErr> {
    let done = db
        .execute_raw(stmt(
            "INSERT INTO credit_notes (id, retailer_id, manufacturer_id, number, total, currency, \
             period_from, period_to, issued_at, vat) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING",
            vec![
                n.credit_note_id.into(),
                n.retailer_id.into(),
                n.manufacturer_id.into(),
                n.number.clone().into(),
                n.total.amount.into(),
                n.total.currency.to_string().into(),
                n.period.as_ref().map(|p| p.from).into(),
                n.period.as_ref().map(|p| p.to).into(),
                n.issued_at.into(),
                n.vat
                    .as_ref()
                    .map(serde_json::to_value)
                    .transpose()
                    .map_err(|e| DbErr::Custom(e.to_string()))?
                    .into(),
            ],
        ))
        .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    for (i, line) in n.lines.iter().enumerate() {
        let line_no = i64::try_from(i + 1).map_err(|e| DbErr::Custom(e.to_string()))?;
        db.execute_raw(stmt(
            "INSERT INTO credit_lines (credit_note_id, line_no, retailer_id, claim_id, amount, \
             currency, vat, cost_lines) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            vec![
                n.credit_note_id.into(),
                line_no.into(),
                n.retailer_id.into(),
                line.claim_id.into(),
                line.amount.amount.into(),
                line.amount.currency.to_string().into(),
                line.vat.as_ref().map(|v| v.amount).into(),
                serde_json::json!(line.cost_lines).into(),
            ],
        ))
        .await?;
    }
    Ok(true)
}

/// A credit note as the printable document shows it: issuer, recipient, number, date, the VAT
/// statement as issued (`None` for notes from before), and its lines.
#[derive(Debug, Clone)]
pub struct NoteDocument {
    pub id: Uuid,
    pub number: String,
    pub manufacturer_id: Uuid,
    /// From the partner directory, where announced.
    pub manufacturer_name: Option<String>,
    pub retailer_name: String,
    pub retailer_country: String,
    pub currency: String,
    pub total: Decimal,
    pub period: Option<(DateTime<Utc>, DateTime<Utc>)>,
    pub issued_at: DateTime<Utc>,
    pub vat: Option<kummerer_contracts::CreditNoteVatV1>,
    pub lines: Vec<DocumentLine>,
}

/// One credited claim on the document, with its case, unit and cost lines.
#[derive(Debug, Clone)]
pub struct DocumentLine {
    pub claim_id: Uuid,
    pub case_id: Uuid,
    pub product_name: String,
    pub product_sku: String,
    pub serial: String,
    pub amount: Decimal,
    pub vat: Option<Decimal>,
    pub cost_lines: Vec<kummerer_contracts::CostLine>,
}

/// The retailer's credit note `id` as a document; `None` when it is not the retailer's (the
/// tenant wall: another retailer's note reads as no note).
pub async fn note_document<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    id: Uuid,
) -> Result<Option<NoteDocument>, DbErr> {
    let Some(n) = db
        .query_one_raw(stmt(
            "SELECT n.id, n.number, n.manufacturer_id, n.currency, n.total, n.period_from, \
             n.period_to, n.issued_at, n.vat, r.name AS retailer_name, \
             r.country AS retailer_country, \
             (SELECT d.name FROM partner_directory d WHERE d.manufacturer_id = n.manufacturer_id) \
               AS manufacturer_name \
             FROM credit_notes n JOIN retailers r ON r.id = n.retailer_id \
             WHERE n.retailer_id = $1 AND n.id = $2",
            vec![retailer_id.into(), id.into()],
        ))
        .await?
    else {
        return Ok(None);
    };
    let lines = db
        .query_all_raw(stmt(
            "SELECT l.claim_id, c.case_id, p.name AS product_name, p.sku AS product_sku, \
             s.serial, l.amount, l.vat, l.cost_lines \
             FROM credit_lines l \
             JOIN claims c ON c.id = l.claim_id AND c.retailer_id = l.retailer_id \
             JOIN cases k ON k.id = c.case_id AND k.retailer_id = c.retailer_id \
             JOIN sales s ON s.id = k.sale_id AND s.retailer_id = c.retailer_id \
             JOIN products p ON p.id = s.product_id AND p.retailer_id = c.retailer_id \
             WHERE l.retailer_id = $1 AND l.credit_note_id = $2 ORDER BY l.line_no",
            vec![retailer_id.into(), id.into()],
        ))
        .await?
        .iter()
        .map(|r| {
            let cost_lines: serde_json::Value = r.try_get("", "cost_lines")?;
            Ok(DocumentLine {
                claim_id: r.try_get("", "claim_id")?,
                case_id: r.try_get("", "case_id")?,
                product_name: r.try_get("", "product_name")?,
                product_sku: r.try_get("", "product_sku")?,
                serial: r.try_get("", "serial")?,
                amount: r.try_get("", "amount")?,
                vat: r.try_get("", "vat")?,
                // Lines that do not read are left out, never invented.
                cost_lines: serde_json::from_value(cost_lines).unwrap_or_default(),
            })
        })
        .collect::<Result<Vec<_>, DbErr>>()?;
    let currency: String = n.try_get("", "currency")?;
    let from: Option<DateTime<Utc>> = n.try_get("", "period_from")?;
    let to: Option<DateTime<Utc>> = n.try_get("", "period_to")?;
    let vat: Option<serde_json::Value> = n.try_get("", "vat")?;
    Ok(Some(NoteDocument {
        id: n.try_get("", "id")?,
        number: n.try_get("", "number")?,
        manufacturer_id: n.try_get("", "manufacturer_id")?,
        manufacturer_name: n.try_get("", "manufacturer_name")?,
        retailer_name: n.try_get("", "retailer_name")?,
        retailer_country: n.try_get("", "retailer_country")?,
        currency: currency.trim().to_owned(),
        total: n.try_get("", "total")?,
        period: from.zip(to),
        issued_at: n.try_get("", "issued_at")?,
        vat: vat.and_then(|v| serde_json::from_value(v).ok()),
        lines,
    }))
}

// --- disputes -----------------------------------------------------------------------------------

pub struct NewDispute<'a> {
    pub claim_id: Uuid,
    pub retailer_id: Uuid,
    pub statement: &'a str,
    pub note: Option<&'a str>,
    pub disputed_by: &'a str,
    pub disputed_at: DateTime<Utc>,
}

/// `false` when the claim was disputed before (once per claim).
pub async fn insert_dispute<C: ConnectionTrait>(db: &C, d: NewDispute<'_>) -> Result<bool, DbErr> {
    let done = db
        .execute_raw(stmt(
            "INSERT INTO claim_disputes (claim_id, retailer_id, statement, note, disputed_by, \
             disputed_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
            vec![
                d.claim_id.into(),
                d.retailer_id.into(),
                d.statement.into(),
                d.note.map(str::to_owned).into(),
                d.disputed_by.into(),
                d.disputed_at.into(),
            ],
        ))
        .await?;
    Ok(done.rows_affected() == 1)
}

/// When the claim was disputed, if it was.
pub async fn disputed_at<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    claim_id: Uuid,
) -> Result<Option<DateTime<Utc>>, DbErr> {
    match db
        .query_one_raw(stmt(
            "SELECT disputed_at FROM claim_disputes WHERE retailer_id = $1 AND claim_id = $2",
            vec![retailer_id.into(), claim_id.into()],
        ))
        .await?
    {
        Some(row) => Ok(Some(row.try_get("", "disputed_at")?)),
        None => Ok(None),
    }
}

pub async fn was_disputed<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    claim_id: Uuid,
) -> Result<bool, DbErr> {
    Ok(db
        .query_one_raw(stmt(
            "SELECT 1 AS one FROM claim_disputes WHERE retailer_id = $1 AND claim_id = $2",
            vec![retailer_id.into(), claim_id.into()],
        ))
        .await?
        .is_some())
}

pub async fn set_claim_status<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    claim_id: Uuid,
    status: ClaimStatus,
) -> Result<(), DbErr> {
    db.execute_raw(stmt(
        "UPDATE claims SET status = $3 WHERE retailer_id = $1 AND id = $2",
        vec![
            retailer_id.into(),
            claim_id.into(),
            status.as_string().into(),
        ],
    ))
    .await?;
    Ok(())
}

// --- the ledger ---------------------------------------------------------------------------------

/// One swap's claim with what was decided and what was credited.
#[derive(Debug, Clone)]
pub struct LedgerRow {
    pub claim_id: Uuid,
    pub swap_id: Uuid,
    pub case_id: Uuid,
    pub manufacturer_id: Uuid,
    pub status: String,
    pub currency: String,
    pub amount_claimed: Decimal,
    pub decided_amount: Option<Decimal>,
    pub submitted_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    /// Sum of the credit lines for the claim; `None` when none.
    pub credited: Option<Decimal>,
    pub credit_notes: Vec<String>,
    /// The notes' ids, in the order of `credit_notes`.
    pub credit_note_ids: Vec<Uuid>,
    pub last_credited_at: Option<DateTime<Utc>>,
    /// The deadlines the case's timeline knows (see [`crate::domain::ledger_deadlines`]).
    pub deadlines: crate::domain::ledger_deadlines::KnownDeadlines,
    /// What the accountant needs on each row (issue 12): the sold unit, its manufacturer (its
    /// name from the partner directory, where announced), the sale and the first delivery of the
    /// replacement (the customer satisfied).
    pub product_name: String,
    pub product_sku: String,
    pub serial: String,
    pub manufacturer_name: Option<String>,
    pub sold_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
    /// The supplier's delivery of the unit to the retailer, where the sale was imported with
    /// it (`sales.supplier_delivered_at`).
    pub supplier_delivered_at: Option<DateTime<Utc>>,
}

fn ledger_row(r: &QueryResult) -> Result<LedgerRow, DbErr> {
    let currency: String = r.try_get("", "currency")?;
    Ok(LedgerRow {
        claim_id: r.try_get("", "id")?,
        swap_id: r.try_get("", "swap_id")?,
        case_id: r.try_get("", "case_id")?,
        manufacturer_id: r.try_get("", "manufacturer_id")?,
        status: r.try_get("", "status")?,
        currency: currency.trim().to_owned(),
        amount_claimed: r.try_get("", "amount_claimed")?,
        decided_amount: r.try_get("", "decided_amount")?,
        submitted_at: r.try_get("", "submitted_at")?,
        decided_at: r.try_get("", "decided_at")?,
        credited: r.try_get("", "credited")?,
        credit_notes: r
            .try_get::<Option<Vec<String>>>("", "credit_notes")?
            .unwrap_or_default(),
        // `number id`, by number: the documents the row links to.
        credit_note_ids: r
            .try_get::<Option<Vec<String>>>("", "credit_note_refs")?
            .unwrap_or_default()
            .iter()
            .filter_map(|r| r.rsplit_once(' ').and_then(|(_, id)| id.parse().ok()))
            .collect(),
        last_credited_at: r.try_get("", "last_credited_at")?,
        deadlines: crate::domain::ledger_deadlines::KnownDeadlines {
            decision_due_at: r.try_get("", "decision_due_at")?,
            answer_by: r.try_get("", "answer_by")?,
            return_by: r.try_get("", "return_by")?,
        },
        product_name: r.try_get("", "product_name")?,
        product_sku: r.try_get("", "product_sku")?,
        serial: r.try_get("", "serial")?,
        manufacturer_name: r.try_get("", "manufacturer_name")?,
        sold_at: r.try_get("", "sold_at")?,
        delivered_at: r.try_get("", "delivered_at")?,
        supplier_delivered_at: r.try_get("", "supplier_delivered_at")?,
    })
}

/// The retailer's claims (one per swap) with their credits, oldest first: a page of at most
/// `limit` after the claim `after` (`(submitted_at, id)` of the last one seen).
pub async fn ledger<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: u64,
) -> Result<Vec<LedgerRow>, DbErr> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let (after_at, after_id) = match after {
        Some((at, id)) => (Some(at), Some(id)),
        None => (None, None),
    };
    db.query_all_raw(stmt(
        "SELECT c.id, c.swap_id, c.case_id, c.manufacturer_id, c.status, c.currency, \
         c.amount_claimed, c.decided_amount, c.submitted_at, c.decided_at, \
         cr.credited, cr.credit_notes, cr.credit_note_refs, cr.last_credited_at, \
         (SELECT (t.details->>'decision_due_at')::timestamptz FROM timeline t \
           WHERE t.retailer_id = c.retailer_id AND t.case_id = c.case_id \
             AND t.kind = 'claim_acknowledged' \
           ORDER BY t.occurred_at DESC LIMIT 1) AS decision_due_at, \
         (SELECT (t.details->>'answer_by')::timestamptz FROM timeline t \
           WHERE t.retailer_id = c.retailer_id AND t.case_id = c.case_id \
             AND t.kind = 'information_requested' \
           ORDER BY t.occurred_at DESC LIMIT 1) AS answer_by, \
         (SELECT (t.details->>'return_by')::timestamptz FROM timeline t \
           WHERE t.retailer_id = c.retailer_id AND t.case_id = c.case_id \
             AND t.kind = 'return_requested' \
             AND NOT EXISTS (SELECT 1 FROM timeline e \
                 WHERE e.retailer_id = t.retailer_id AND e.case_id = t.case_id \
                   AND e.kind IN ('return_arrived', 'return_withdrawn') \
                   AND e.occurred_at >= t.occurred_at) \
           ORDER BY t.occurred_at DESC LIMIT 1) AS return_by, \
         p.name AS product_name, p.sku AS product_sku, s.serial, s.sold_at, \
         s.supplier_delivered_at, \
         (SELECT d.name FROM partner_directory d WHERE d.manufacturer_id = c.manufacturer_id) \
           AS manufacturer_name, \
         (SELECT min(t.occurred_at) FROM timeline t \
           WHERE t.retailer_id = c.retailer_id AND t.case_id = c.case_id \
             AND t.kind = 'delivered') AS delivered_at \
         FROM claims c \
         JOIN cases k ON k.id = c.case_id AND k.retailer_id = c.retailer_id \
         JOIN sales s ON s.id = k.sale_id AND s.retailer_id = c.retailer_id \
         JOIN products p ON p.id = s.product_id AND p.retailer_id = c.retailer_id \
         LEFT JOIN LATERAL ( \
             SELECT sum(l.amount) AS credited, \
                    array_agg(DISTINCT n.number ORDER BY n.number) AS credit_notes, \
                    array_agg(DISTINCT n.number || ' ' || n.id::text) AS credit_note_refs, \
                    max(n.issued_at) AS last_credited_at \
             FROM credit_lines l JOIN credit_notes n ON n.id = l.credit_note_id \
             WHERE l.retailer_id = c.retailer_id AND l.claim_id = c.id \
             HAVING count(*) > 0) cr ON true \
         WHERE c.retailer_id = $1 \
           AND ($3::timestamptz IS NULL OR (c.submitted_at, c.id) > ($3, $4::uuid)) \
         ORDER BY c.submitted_at, c.id LIMIT $2",
        vec![
            retailer_id.into(),
            limit.into(),
            after_at.into(),
            after_id.into(),
        ],
    ))
    .await?
    .iter()
    .map(ledger_row)
    .collect()
}

/// A claim of the retailer (not locked).
pub async fn find_claim<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    claim_id: Uuid,
) -> Result<Option<crate::db::claims::Model>, DbErr> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

    use crate::db::claims;
    claims::Entity::find_by_id(claim_id)
        .filter(claims::Column::RetailerId.eq(retailer_id))
        .one(db)
        .await
}

/// The manufacturers the retailer knows from the agreements it received (any version), by
/// name, for the desk's choice of a product's manufacturer.
pub async fn agreement_manufacturers<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
) -> Result<Vec<(Uuid, String)>, DbErr> {
    db.query_all_raw(stmt(
        "SELECT DISTINCT ON (manufacturer_id) manufacturer_id, manufacturer_name FROM agreements \
         WHERE retailer_id = $1 ORDER BY manufacturer_id, valid_from DESC, version DESC",
        vec![retailer_id.into()],
    ))
    .await?
    .iter()
    .map(|r| {
        Ok((
            r.try_get("", "manufacturer_id")?,
            r.try_get("", "manufacturer_name")?,
        ))
    })
    .collect()
}

/// When the case's replacement was first delivered to the customer (the customer satisfied, for
/// the recourse clock); `None`: not yet.
pub async fn first_delivered_at<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    case_id: Uuid,
) -> Result<Option<DateTime<Utc>>, DbErr> {
    let row = db
        .query_one_raw(stmt(
            "SELECT min(occurred_at) AS delivered_at FROM timeline \
             WHERE retailer_id = $1 AND case_id = $2 AND kind = 'delivered'",
            vec![retailer_id.into(), case_id.into()],
        ))
        .await?;
    Ok(match row {
        Some(r) => r.try_get("", "delivered_at")?,
        None => None,
    })
}
