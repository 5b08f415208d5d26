//! `agreements`: one per manufacturer and retailer.

use kummerer_contracts::{Currency, Money};
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ConnectionTrait, QueryOrder};

use crate::domain::{DefaultOutcome, Terms};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "agreements")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub manufacturer_id: Uuid,
    pub retailer_id: Uuid,
    pub currency: String,
    pub coverage_months: i32,
    pub doa_days: i32,
    pub reimbursement_percent: Decimal,
    pub handling_fee: Decimal,
    pub decision_deadline_days: i32,
    pub created_at: DateTimeUtc,
    /// `accept` or `reject`.
    pub default_outcome: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The terms as the domain reads them. The table's checks guarantee what `Terms` needs; a
    /// row that breaks them anyway is reported, not guessed at.
    pub fn terms(&self) -> Result<Terms, DbErr> {
        let bad = |what: &str| DbErr::Custom(format!("agreement {}: bad {what}", self.id));
        let currency = Currency::parse(&self.currency).map_err(|_| bad("currency"))?;
        Ok(Terms {
            handling_fee: Money::new(self.handling_fee, currency.clone())
                .map_err(|_| bad("handling_fee"))?,
            currency,
            coverage_months: u32::try_from(self.coverage_months)
                .map_err(|_| bad("coverage_months"))?,
            doa_days: u32::try_from(self.doa_days).map_err(|_| bad("doa_days"))?,
            reimbursement_percent: self.reimbursement_percent,
            decision_deadline_days: u32::try_from(self.decision_deadline_days)
                .map_err(|_| bad("decision_deadline_days"))?,
            default_outcome: DefaultOutcome::parse(&self.default_outcome)
                .ok_or_else(|| bad("default_outcome"))?,
        })
    }
}

/// Inserts the agreement; `None` when the pair already has one.
pub async fn insert<C: ConnectionTrait>(
    db: &C,
    manufacturer_id: Uuid,
    retailer_id: Uuid,
    terms: &Terms,
) -> Result<Option<Model>, DbErr> {
    let model = Model {
        id: Uuid::now_v7(),
        manufacturer_id,
        retailer_id,
        currency: terms.currency.to_string(),
        coverage_months: terms.coverage_months as i32,
        doa_days: terms.doa_days as i32,
        reimbursement_percent: terms.reimbursement_percent,
        handling_fee: terms.handling_fee.amount,
        decision_deadline_days: terms.decision_deadline_days as i32,
        created_at: super::now(),
        default_outcome: terms.default_outcome.as_str().to_owned(),
    };
    let active = ActiveModel {
        id: Set(model.id),
        manufacturer_id: Set(model.manufacturer_id),
        retailer_id: Set(model.retailer_id),
        currency: Set(model.currency.clone()),
        coverage_months: Set(model.coverage_months),
        doa_days: Set(model.doa_days),
        reimbursement_percent: Set(model.reimbursement_percent),
        handling_fee: Set(model.handling_fee),
        decision_deadline_days: Set(model.decision_deadline_days),
        created_at: Set(model.created_at),
        default_outcome: Set(model.default_outcome.clone()),
    };
    let inserted = Entity::insert(active)
        .on_conflict(
            OnConflict::columns([Column::ManufacturerId, Column::RetailerId])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok((inserted == 1).then_some(model))
}

pub async fn list<C: ConnectionTrait>(db: &C, manufacturer_id: Uuid) -> Result<Vec<Model>, DbErr> {
    Entity::find()
        .filter(Column::ManufacturerId.eq(manufacturer_id))
        .order_by_asc(Column::CreatedAt)
        .order_by_asc(Column::Id)
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

/// The agreement between `manufacturer_id` and `retailer_id`, if they have one.
pub async fn for_pair<C: ConnectionTrait>(
    db: &C,
    manufacturer_id: Uuid,
    retailer_id: Uuid,
) -> Result<Option<Model>, DbErr> {
    Entity::find()
        .filter(Column::ManufacturerId.eq(manufacturer_id))
        .filter(Column::RetailerId.eq(retailer_id))
        .one(db)
        .await
}
