//! The retailer database: entities and the queries the handlers and the consumer use.
//!
//! Every query on tenant data takes the retailer id and filters by it, so one retailer's id never
//! reaches another retailer's rows (and the composite foreign keys keep references inside one
//! tenant as well).

pub mod authority;
pub mod cases;
pub mod claims;
pub mod dashboard;
pub mod desk;
pub mod products;
pub mod refusals;
pub mod requests;
pub mod retailers;
pub mod sales;
pub mod sessions;
pub mod settlement;
pub mod staff;
pub mod stock;
pub mod swaps;
pub mod timeline;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use crate::domain::{CaseStatus, LIST_LIMIT, Source, SwapStatus};

/// Inserts `row` unless it collides with a unique key (`ON CONFLICT DO NOTHING`): `false` when it
/// was not inserted. Lets a handler answer 409 without aborting its transaction.
async fn insert_new<C, A>(db: &C, row: A) -> Result<bool, DbErr>
where
    C: ConnectionTrait,
    A: ActiveModelTrait,
{
    let inserted = <A::Entity as EntityTrait>::insert(row)
        .on_conflict(OnConflict::new().do_nothing().to_owned())
        .exec_without_returning(db)
        .await?;
    Ok(inserted == 1)
}

/// A stored amount and currency as `Money`: a bad one is a broken invariant.
pub fn money(amount: Decimal, currency: &str) -> Result<kummerer_contracts::Money, DbErr> {
    let currency = kummerer_contracts::Currency::parse(currency.trim())
        .map_err(|e| DbErr::Custom(format!("stored currency: {e}")))?;
    kummerer_contracts::Money::new(amount, currency)
        .map_err(|e| DbErr::Custom(format!("stored amount: {e}")))
}

// --- retailers ----------------------------------------------------------------------------------

pub async fn insert_retailer<C: ConnectionTrait>(
    db: &C,
    retailer: retailers::Model,
) -> Result<(), DbErr> {
    let row: retailers::ActiveModel = retailer.into();
    retailers::Entity::insert(row.reset_all())
        .exec_without_returning(db)
        .await?;
    Ok(())
}

pub async fn find_retailer<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
) -> Result<Option<retailers::Model>, DbErr> {
    retailers::Entity::find_by_id(id).one(db).await
}

// --- products -----------------------------------------------------------------------------------

/// `false` when the retailer already has a product with this SKU.
pub async fn insert_product<C: ConnectionTrait>(
    db: &C,
    product: products::Model,
) -> Result<bool, DbErr> {
    let row: products::ActiveModel = product.into();
    insert_new(db, row.reset_all()).await
}

pub async fn product_by_sku<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    sku: &str,
) -> Result<Option<products::Model>, DbErr> {
    products::Entity::find()
        .filter(products::Column::RetailerId.eq(retailer_id))
        .filter(products::Column::Sku.eq(sku))
        .one(db)
        .await
}

pub async fn product<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    id: Uuid,
) -> Result<Option<products::Model>, DbErr> {
    products::Entity::find_by_id(id)
        .filter(products::Column::RetailerId.eq(retailer_id))
        .one(db)
        .await
}

/// A product that a stored row refers to: its absence is a broken invariant, not a client error.
pub async fn product_of<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    id: Uuid,
) -> Result<products::Model, DbErr> {
    product(db, retailer_id, id)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("product {id} of retailer {retailer_id}")))
}

pub async fn products_by_ids<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    ids: Vec<Uuid>,
) -> Result<Vec<products::Model>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    products::Entity::find()
        .filter(products::Column::RetailerId.eq(retailer_id))
        .filter(products::Column::Id.is_in(ids))
        .all(db)
        .await
}

pub async fn list_products<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
) -> Result<Vec<products::Model>, DbErr> {
    products::Entity::find()
        .filter(products::Column::RetailerId.eq(retailer_id))
        .order_by_asc(products::Column::Sku)
        .limit(LIST_LIMIT)
        .all(db)
        .await
}

// --- sales --------------------------------------------------------------------------------------

/// `false` when the receipt already lists this serial.
pub async fn insert_sale<C: ConnectionTrait>(db: &C, sale: sales::Model) -> Result<bool, DbErr> {
    let row: sales::ActiveModel = sale.into();
    insert_new(db, row.reset_all()).await
}

/// A retailer's sales by serial and/or receipt number, latest first.
pub async fn find_sales<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    serial: Option<&str>,
    receipt_no: Option<&str>,
) -> Result<Vec<sales::Model>, DbErr> {
    let mut query = sales::Entity::find().filter(sales::Column::RetailerId.eq(retailer_id));
    if let Some(serial) = serial {
        query = query.filter(sales::Column::Serial.eq(serial));
    }
    if let Some(receipt_no) = receipt_no {
        query = query.filter(sales::Column::ReceiptNo.eq(receipt_no));
    }
    query
        .order_by_desc(sales::Column::SoldAt)
        .order_by_desc(sales::Column::Id)
        .limit(LIST_LIMIT)
        .all(db)
        .await
}

/// The latest sale of a unit (a unit sold, returned and sold again has several).
pub async fn latest_sale_of_serial<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    serial: &str,
) -> Result<Option<sales::Model>, DbErr> {
    sales::Entity::find()
        .filter(sales::Column::RetailerId.eq(retailer_id))
        .filter(sales::Column::Serial.eq(serial))
        .order_by_desc(sales::Column::SoldAt)
        .order_by_desc(sales::Column::Id)
        .one(db)
        .await
}

/// The sale a stored case refers to.
pub async fn sale_of<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    id: Uuid,
) -> Result<sales::Model, DbErr> {
    sales::Entity::find_by_id(id)
        .filter(sales::Column::RetailerId.eq(retailer_id))
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("sale {id} of retailer {retailer_id}")))
}

// --- cases --------------------------------------------------------------------------------------

/// `false` when the sale already has a case in progress.
pub async fn insert_case<C: ConnectionTrait>(db: &C, case: cases::Model) -> Result<bool, DbErr> {
    let row: cases::ActiveModel = case.into();
    insert_new(db, row.reset_all()).await
}

pub async fn find_case<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    id: Uuid,
) -> Result<Option<cases::Model>, DbErr> {
    cases::Entity::find_by_id(id)
        .filter(cases::Column::RetailerId.eq(retailer_id))
        .one(db)
        .await
}

/// The case, locked (`FOR UPDATE`) until the caller's transaction ends: a second approval of the
/// same case waits here and then sees the first one's outcome.
pub async fn lock_case<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    id: Uuid,
) -> Result<Option<cases::Model>, DbErr> {
    cases::Entity::find_by_id(id)
        .filter(cases::Column::RetailerId.eq(retailer_id))
        .lock_exclusive()
        .one(db)
        .await
}

pub async fn set_case_status<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    id: Uuid,
    status: CaseStatus,
) -> Result<(), DbErr> {
    cases::Entity::update_many()
        .col_expr(cases::Column::Status, Expr::value(status.as_str()))
        .filter(cases::Column::Id.eq(id))
        .filter(cases::Column::RetailerId.eq(retailer_id))
        .exec(db)
        .await?;
    Ok(())
}

/// The stored status as the domain type.
pub fn case_status(case: &cases::Model) -> Result<CaseStatus, DbErr> {
    CaseStatus::parse(&case.status).ok_or_else(|| {
        DbErr::Custom(format!(
            "case {} has unknown status {:?}",
            case.id, case.status
        ))
    })
}

// --- swaps --------------------------------------------------------------------------------------

/// `false` when the case already has its swap.
pub async fn insert_swap<C: ConnectionTrait>(db: &C, swap: swaps::Model) -> Result<bool, DbErr> {
    let row: swaps::ActiveModel = swap.into();
    insert_new(db, row.reset_all()).await
}

pub async fn swap_of_case<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    case_id: Uuid,
) -> Result<Option<swaps::Model>, DbErr> {
    swaps::Entity::find()
        .filter(swaps::Column::RetailerId.eq(retailer_id))
        .filter(swaps::Column::CaseId.eq(case_id))
        .one(db)
        .await
}

/// The swap, locked until the caller's transaction ends.
pub async fn lock_swap<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    id: Uuid,
) -> Result<Option<swaps::Model>, DbErr> {
    swaps::Entity::find_by_id(id)
        .filter(swaps::Column::RetailerId.eq(retailer_id))
        .lock_exclusive()
        .one(db)
        .await
}

pub async fn set_swap_status<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    id: Uuid,
    status: SwapStatus,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    swaps::Entity::update_many()
        .col_expr(swaps::Column::Status, Expr::value(status.as_str()))
        .col_expr(swaps::Column::StatusChangedAt, Expr::value(at))
        .filter(swaps::Column::Id.eq(id))
        .filter(swaps::Column::RetailerId.eq(retailer_id))
        .exec(db)
        .await?;
    Ok(())
}

pub fn swap_status(swap: &swaps::Model) -> Result<SwapStatus, DbErr> {
    SwapStatus::parse(&swap.status).ok_or_else(|| {
        DbErr::Custom(format!(
            "swap {} has unknown status {:?}",
            swap.id, swap.status
        ))
    })
}

// --- claims -------------------------------------------------------------------------------------

/// `false` when the swap already has its claim.
pub async fn insert_claim<C: ConnectionTrait>(db: &C, claim: claims::Model) -> Result<bool, DbErr> {
    let row: claims::ActiveModel = claim.into();
    insert_new(db, row.reset_all()).await
}

pub async fn claim_of_swap<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    swap_id: Uuid,
) -> Result<Option<claims::Model>, DbErr> {
    claims::Entity::find()
        .filter(claims::Column::RetailerId.eq(retailer_id))
        .filter(claims::Column::SwapId.eq(swap_id))
        .one(db)
        .await
}

/// The claim, locked until the caller's transaction ends.
pub async fn lock_claim<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    id: Uuid,
) -> Result<Option<claims::Model>, DbErr> {
    claims::Entity::find_by_id(id)
        .filter(claims::Column::RetailerId.eq(retailer_id))
        .lock_exclusive()
        .one(db)
        .await
}

/// Records a decision on the claim.
pub async fn decide_claim<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    id: Uuid,
    decision: ClaimDecision<'_>,
) -> Result<(), DbErr> {
    claims::Entity::update_many()
        .col_expr(claims::Column::Status, Expr::value(decision.status))
        .col_expr(claims::Column::DecidedAmount, Expr::value(decision.amount))
        .col_expr(
            claims::Column::ReasonCode,
            Expr::value(decision.reason_code.map(str::to_owned)),
        )
        .col_expr(claims::Column::DecidedAt, Expr::value(decision.decided_at))
        .filter(claims::Column::Id.eq(id))
        .filter(claims::Column::RetailerId.eq(retailer_id))
        .exec(db)
        .await?;
    Ok(())
}

pub struct ClaimDecision<'a> {
    pub status: &'a str,
    pub amount: rust_decimal::Decimal,
    pub reason_code: Option<&'a str>,
    pub decided_at: DateTime<Utc>,
}

// --- timeline -----------------------------------------------------------------------------------

/// A new timeline entry.
pub struct Entry {
    pub case_id: Uuid,
    pub retailer_id: Uuid,
    pub kind: &'static str,
    pub occurred_at: DateTime<Utc>,
    pub source: Source,
    /// The message the entry comes from (`None` for the retailer's own entries).
    pub message_id: Option<Uuid>,
    pub details: serde_json::Value,
}

/// Appends an entry; `false` when an entry from the same message is already there.
pub async fn insert_timeline<C: ConnectionTrait>(db: &C, entry: Entry) -> Result<bool, DbErr> {
    let row: timeline::ActiveModel = timeline::Model {
        id: Uuid::now_v7(),
        case_id: entry.case_id,
        retailer_id: entry.retailer_id,
        kind: entry.kind.to_owned(),
        occurred_at: entry.occurred_at,
        source: entry.source.as_str().to_owned(),
        message_id: entry.message_id,
        details: entry.details,
        recorded_at: Utc::now(),
    }
    .into();
    insert_new(db, row.reset_all()).await
}

/// A case's timeline in the order things happened.
pub async fn timeline_of<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    case_id: Uuid,
) -> Result<Vec<timeline::Model>, DbErr> {
    timeline::Entity::find()
        .filter(timeline::Column::RetailerId.eq(retailer_id))
        .filter(timeline::Column::CaseId.eq(case_id))
        .order_by_asc(timeline::Column::OccurredAt)
        .order_by_asc(timeline::Column::Id)
        .all(db)
        .await
}
