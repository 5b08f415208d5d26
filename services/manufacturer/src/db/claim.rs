//! `claims`: one per swap, keyed by the retailer's claim id.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::{ExprTrait, OnConflict};
use sea_orm::{ActiveValue::Set, ConnectionTrait, QueryOrder, QuerySelect};

use kummerer_contracts::Money;

use crate::domain::listing::Cursor;
use crate::domain::money::money_of;
use crate::domain::{ClaimFlag, ClaimStatus, OpenClaim};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "claims")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub manufacturer_id: Uuid,
    pub retailer_id: Uuid,
    pub swap_id: Uuid,
    pub case_id: Uuid,
    pub serial: String,
    pub product_sku: String,
    pub product_name: String,
    pub currency: String,
    pub price_paid: Decimal,
    pub sold_at: DateTimeUtc,
    pub swapped_at: DateTimeUtc,
    pub defect_category: String,
    pub defect_description: String,
    pub agreement_id: Option<Uuid>,
    pub handling_fee: Option<Decimal>,
    pub status: String,
    pub pending_reason: Option<String>,
    pub suggested_amount: Option<Decimal>,
    pub decided_amount: Option<Decimal>,
    pub reason_code: Option<String>,
    pub decided_by: Option<String>,
    pub received_at: DateTimeUtc,
    pub deadline_at: Option<DateTimeUtc>,
    pub decided_at: Option<DateTimeUtc>,
    /// A JSON array of flag codes (`duplicate_serial`, `unknown_serial`, `serial_mismatch`,
    /// `amount_above_cap`).
    pub flags: Json,
    /// With `agreement_id`: the version in force on the swap date that judged the claim.
    pub agreement_version: Option<i32>,
    pub return_depot_id: Option<Uuid>,
    pub return_by: Option<DateTimeUtc>,
    pub freight_paid_by: Option<String>,
    pub return_requested_at: Option<DateTimeUtc>,
    pub arrived_at: Option<DateTimeUtc>,
    pub inspection_result: Option<String>,
    pub inspection_note: Option<String>,
    pub inspected_at: Option<DateTimeUtc>,
    pub dispute_statement: Option<String>,
    pub disputed_by: Option<String>,
    pub disputed_at: Option<DateTimeUtc>,
    /// The list price the retailer's claim carried (`None` for older claims).
    pub list_price: Option<Decimal>,
    pub list_price_currency: Option<String>,
    /// The cost lines of the rule that accepted the claim (`[CostLine]`, net of VAT); empty
    /// where no rule gave lines.
    pub cost_lines: Json,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// A stored claim whose columns do not parse into the domain's types (a status or an amount
/// the checks on the way in exclude): a fault of the data, never of the caller.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("claim {claim_id}: bad {what} in the stored row")]
pub struct CorruptClaim {
    pub claim_id: Uuid,
    pub what: &'static str,
}

impl Model {
    fn corrupt(&self, what: &'static str) -> CorruptClaim {
        CorruptClaim {
            claim_id: self.id,
            what,
        }
    }

    /// The claim's status as the domain reads it.
    pub fn claim_status(&self) -> Result<ClaimStatus, CorruptClaim> {
        ClaimStatus::parse(&self.status).ok_or_else(|| self.corrupt("status"))
    }

    /// What the retailer paid for the unit, typed.
    pub fn price_paid_money(&self) -> Result<Money, CorruptClaim> {
        money_of(self.price_paid, &self.currency).ok_or_else(|| self.corrupt("price_paid"))
    }

    /// The decided amount of a decided claim, typed; an error when a decided claim has none.
    pub fn decided_money(&self) -> Result<Money, CorruptClaim> {
        self.decided_amount
            .and_then(|a| money_of(a, &self.currency))
            .ok_or_else(|| self.corrupt("decided_amount"))
    }

    /// The open claim a decision (the manufacturer's or a deadline's) is taken on.
    pub fn open_claim(&self) -> Result<OpenClaim, CorruptClaim> {
        Ok(OpenClaim {
            status: self.claim_status()?,
            price_paid: self.price_paid_money()?,
            handling_fee: self.handling_fee.and_then(|a| money_of(a, &self.currency)),
            suggested_amount: self
                .suggested_amount
                .and_then(|a| money_of(a, &self.currency)),
        })
    }
}

impl From<CorruptClaim> for DbErr {
    fn from(e: CorruptClaim) -> Self {
        DbErr::Custom(e.to_string())
    }
}

impl From<CorruptClaim> for kummerer_messaging::HandleError {
    fn from(e: CorruptClaim) -> Self {
        kummerer_messaging::HandleError::Permanent(e.to_string())
    }
}

/// Inserts a new claim; `false` when its id or its swap is already known.
pub async fn insert_new<C: ConnectionTrait>(db: &C, claim: Model) -> Result<bool, DbErr> {
    let active: ActiveModel = claim.into();
    let inserted = Entity::insert(active.reset_all())
        .on_conflict(OnConflict::new().do_nothing().to_owned())
        .exec_without_returning(db)
        .await?;
    Ok(inserted == 1)
}

pub async fn exists<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<bool, DbErr> {
    Ok(Entity::find_by_id(id).one(db).await?.is_some())
}

/// What a claim listing asks for: the manufacturer's claims, optionally narrowed.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub status: Option<ClaimStatus>,
    pub retailer_id: Option<Uuid>,
    pub sku: Option<String>,
    /// Claims carrying this flag.
    pub flag: Option<ClaimFlag>,
    /// `received_at >= from`.
    pub from: Option<DateTime<Utc>>,
    /// `received_at < to`.
    pub to: Option<DateTime<Utc>>,
}

/// One page of the manufacturer's claims, newest first (`received_at`, then `id`, both
/// descending), starting after `after`; at most `limit` claims plus one to tell whether more
/// follow (the caller drops it).
pub async fn page<C: ConnectionTrait>(
    db: &C,
    manufacturer_id: Uuid,
    filter: &Filter,
    after: Option<Cursor>,
    limit: u64,
) -> Result<Vec<Model>, DbErr> {
    let mut q = Entity::find().filter(Column::ManufacturerId.eq(manufacturer_id));
    if let Some(status) = filter.status {
        q = q.filter(Column::Status.eq(status.as_str()));
    }
    if let Some(retailer_id) = filter.retailer_id {
        q = q.filter(Column::RetailerId.eq(retailer_id));
    }
    if let Some(sku) = &filter.sku {
        q = q.filter(Column::ProductSku.eq(sku.as_str()));
    }
    if let Some(flag) = filter.flag {
        q = q.filter(Expr::cust_with_values(
            "flags @> jsonb_build_array($1::text)",
            [flag.as_str()],
        ));
    }
    if let Some(from) = filter.from {
        q = q.filter(Column::ReceivedAt.gte(from));
    }
    if let Some(to) = filter.to {
        q = q.filter(Column::ReceivedAt.lt(to));
    }
    if let Some(c) = after {
        // A row comparison, so that the page is one range of the (…, received_at DESC, id DESC)
        // indexes.
        q = q.filter(ExprTrait::lt(
            Expr::tuple([Expr::col(Column::ReceivedAt), Expr::col(Column::Id)]),
            Expr::tuple([Expr::val(c.received_at), Expr::val(c.id)]),
        ));
    }
    q.order_by_desc(Column::ReceivedAt)
        .order_by_desc(Column::Id)
        .limit(limit + 1)
        .all(db)
        .await
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

/// The claim, locked for update until the caller's transaction ends.
pub async fn lock<C: ConnectionTrait>(
    db: &C,
    manufacturer_id: Uuid,
    id: Uuid,
) -> Result<Option<Model>, DbErr> {
    Entity::find_by_id(id)
        .filter(Column::ManufacturerId.eq(manufacturer_id))
        .lock_exclusive()
        .one(db)
        .await
}

/// The claim by id alone (a message names it), locked for update until the caller's
/// transaction ends.
pub async fn lock_any<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<Option<Model>, DbErr> {
    Entity::find_by_id(id).lock_exclusive().one(db).await
}

/// Writes every column of a claim the caller locked and changed.
pub async fn save<C: ConnectionTrait>(db: &C, claim: Model) -> Result<Model, DbErr> {
    let active: ActiveModel = claim.into();
    active.reset_all().update(db).await
}

/// Records a decision on a claim the caller locked and found decidable.
pub async fn record_decision<C: ConnectionTrait>(
    db: &C,
    claim: Model,
    status: ClaimStatus,
    amount: Decimal,
    reason_code: Option<String>,
    decided_by: &str,
    decided_at: DateTime<Utc>,
) -> Result<Model, DbErr> {
    let mut active: ActiveModel = claim.into();
    active.status = Set(status.as_str().to_owned());
    active.decided_amount = Set(Some(amount));
    active.reason_code = Set(reason_code);
    active.decided_by = Set(Some(decided_by.to_owned()));
    active.decided_at = Set(Some(decided_at));
    active.update(db).await
}
