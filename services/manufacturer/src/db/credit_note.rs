//! `credit_notes`, their `credit_note_lines`, and the number counter.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::ExprTrait;
use sea_orm::{ConnectionTrait, DbBackend, QueryOrder, QuerySelect, Statement};

use crate::domain::credit_note::{Creditable, lines_adding_up};
use crate::domain::listing::Cursor;

/// The claim statuses that may be credited.
pub const CREDITABLE: [&str; 2] = ["accepted", "partly_accepted"];

pub mod line {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "credit_note_lines")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub credit_note_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub claim_id: Uuid,
        pub swap_id: Uuid,
        pub case_id: Uuid,
        /// Net of VAT.
        pub amount: Decimal,
        /// The VAT on `amount`; `None` before issue 12 or when the retailer's country was not
        /// known.
        pub vat: Option<Decimal>,
        /// `[CostLine]` (net) where the claim's lines add up to `amount`, else `[]`.
        pub cost_lines: Json,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "credit_notes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub manufacturer_id: Uuid,
    pub retailer_id: Uuid,
    pub number: String,
    pub currency: String,
    pub total: Decimal,
    pub period_from: Option<DateTimeUtc>,
    pub period_to: Option<DateTimeUtc>,
    pub issued_at: DateTimeUtc,
    /// The API key that issued the note (`None` before this was recorded).
    pub issued_by_key: Option<Uuid>,
    /// The VAT statement as issued (`CreditNoteVatV1`); `None` for notes issued before.
    pub vat: Option<Json>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

fn stmt(sql: &str, values: Vec<sea_orm::Value>) -> Statement {
    Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
}

/// The next number of the manufacturer's series `year`. The counter row stays locked until the
/// caller's transaction ends, so numbers are handed out one after another and a rolled-back
/// note gives its number back: no gaps, no duplicates.
pub async fn next_number<C: ConnectionTrait>(
    db: &C,
    manufacturer_id: Uuid,
    year: i32,
) -> Result<i64, DbErr> {
    let row = db
        .query_one_raw(stmt(
            "INSERT INTO credit_note_counters (manufacturer_id, year, last_number) \
             VALUES ($1, $2, 1) \
             ON CONFLICT (manufacturer_id, year) \
             DO UPDATE SET last_number = credit_note_counters.last_number + 1 \
             RETURNING last_number",
            vec![manufacturer_id.into(), year.into()],
        ))
        .await?
        .ok_or_else(|| DbErr::Custom("credit note counter returned no row".to_owned()))?;
    row.try_get("", "last_number")
}

/// The claims (of the manufacturer) of `claim_ids` that already have a credit note line. Run
/// after locking the claims: a statement of its own sees what another transaction committed
/// while this one waited for the locks.
pub async fn credited<C: ConnectionTrait>(db: &C, claim_ids: &[Uuid]) -> Result<Vec<Uuid>, DbErr> {
    line::Entity::find()
        .select_only()
        .column(line::Column::ClaimId)
        .filter(line::Column::ClaimId.is_in(claim_ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await
}

/// A batch's candidates: the retailer's accepted or partly accepted claims decided in
/// `[from, to)` without a credit note line, locked until the caller's transaction ends (a
/// concurrent batch waits, then finds them credited through [`credited`]).
pub async fn lock_batch<C: ConnectionTrait>(
    db: &C,
    manufacturer_id: Uuid,
    retailer_id: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Creditable>, DbErr> {
    let rows = db
        .query_all_raw(stmt(
            "SELECT c.id, c.swap_id, c.case_id, c.currency, c.decided_amount, c.cost_lines \
             FROM claims c \
             WHERE c.manufacturer_id = $1 AND c.retailer_id = $2 \
               AND c.status IN ('accepted', 'partly_accepted') \
               AND c.decided_at >= $3 AND c.decided_at < $4 \
               AND NOT EXISTS (SELECT 1 FROM credit_note_lines l WHERE l.claim_id = c.id) \
               AND NOT EXISTS (SELECT 1 FROM claim_withdrawals w WHERE w.claim_id = c.id) \
             ORDER BY c.decided_at, c.id \
             FOR UPDATE OF c",
            vec![
                manufacturer_id.into(),
                retailer_id.into(),
                from.into(),
                to.into(),
            ],
        ))
        .await?;
    rows.iter()
        .map(|row| {
            let claim_id: Uuid = row.try_get("", "id")?;
            let amount: Option<Decimal> = row.try_get("", "decided_amount")?;
            let amount = amount.ok_or_else(|| {
                DbErr::Custom(format!("claim {claim_id}: decided without an amount"))
            })?;
            let currency: String = row.try_get("", "currency")?;
            let stored: Json = row.try_get("", "cost_lines")?;
            Ok(Creditable {
                claim_id,
                swap_id: row.try_get("", "swap_id")?,
                case_id: row.try_get("", "case_id")?,
                cost_lines: lines_adding_up(&stored, &currency, amount),
                currency,
                amount,
            })
        })
        .collect()
}

/// Inserts a note and its lines (`vat`: each line's VAT, in the order of `lines`).
pub async fn insert<C: ConnectionTrait>(
    db: &C,
    note: Model,
    lines: &[Creditable],
    vat: &[Option<Decimal>],
) -> Result<Vec<line::Model>, DbErr> {
    let id = note.id;
    let active: ActiveModel = note.into();
    Entity::insert(active.reset_all())
        .exec_without_returning(db)
        .await?;
    let lines: Vec<line::Model> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| line::Model {
            credit_note_id: id,
            claim_id: l.claim_id,
            swap_id: l.swap_id,
            case_id: l.case_id,
            amount: l.amount,
            vat: vat.get(i).copied().flatten(),
            cost_lines: serde_json::json!(l.cost_lines),
        })
        .collect();
    if !lines.is_empty() {
        line::Entity::insert_many(lines.iter().cloned().map(|l| {
            let active: line::ActiveModel = l.into();
            active.reset_all()
        }))
        .exec_without_returning(db)
        .await?;
    }
    Ok(lines)
}

pub async fn find<C: ConnectionTrait>(
    db: &C,
    manufacturer_id: Uuid,
    id: Uuid,
) -> Result<Option<Model>, DbErr> {
    Entity::find_by_id(id)
        .filter(Column::ManufacturerId.eq(manufacturer_id))
        .one(db)
        .await
}

/// A note's lines in claim order. The caller has checked that the note is the tenant's.
pub async fn lines_of<C: ConnectionTrait>(
    db: &C,
    credit_note_id: Uuid,
) -> Result<Vec<line::Model>, DbErr> {
    line::Entity::find()
        .filter(line::Column::CreditNoteId.eq(credit_note_id))
        .order_by_asc(line::Column::ClaimId)
        .all(db)
        .await
}

/// One page of the manufacturer's notes, newest first (`issued_at`, then `id`, descending),
/// after `after` (the cursor's time is the note's `issued_at`); at most `limit` plus one.
pub async fn page<C: ConnectionTrait>(
    db: &C,
    manufacturer_id: Uuid,
    retailer_id: Option<Uuid>,
    after: Option<Cursor>,
    limit: u64,
) -> Result<Vec<Model>, DbErr> {
    let mut q = Entity::find().filter(Column::ManufacturerId.eq(manufacturer_id));
    if let Some(retailer_id) = retailer_id {
        q = q.filter(Column::RetailerId.eq(retailer_id));
    }
    if let Some(c) = after {
        q = q.filter(ExprTrait::lt(
            Expr::tuple([Expr::col(Column::IssuedAt), Expr::col(Column::Id)]),
            Expr::tuple([Expr::val(c.received_at), Expr::val(c.id)]),
        ));
    }
    q.order_by_desc(Column::IssuedAt)
        .order_by_desc(Column::Id)
        .limit(limit + 1)
        .all(db)
        .await
}

/// Builds the row of a new note.
pub fn new_note(
    manufacturer_id: Uuid,
    retailer_id: Uuid,
    number: String,
    currency: String,
    total: Decimal,
    period: Option<(DateTime<Utc>, DateTime<Utc>)>,
    issued_at: DateTime<Utc>,
) -> Model {
    Model {
        id: Uuid::now_v7(),
        manufacturer_id,
        retailer_id,
        number,
        currency,
        total,
        period_from: period.map(|p| p.0),
        period_to: period.map(|p| p.1),
        issued_at,
        issued_by_key: None,
        vat: None,
    }
}
