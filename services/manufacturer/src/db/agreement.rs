//! `agreements`: one per manufacturer and retailer. Its term columns mirror the agreement's
//! latest version (see [`super::agreement_version`]), which a claim is never judged by: a claim
//! is judged by the version in force on its swap date.

use sea_orm::entity::prelude::*;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, QueryOrder, QuerySelect};

use crate::domain::Terms;
use crate::domain::agreement::disposition_str;

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
    pub depreciation_percent_per_month: Decimal,
    /// `on_request`, `must_return` or `scrap_on_site`.
    pub unit_disposition: String,
    /// A JSON array of evidence kinds.
    pub evidence_required: Json,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

fn mirror(model: &mut Model, terms: &Terms) {
    model.currency = terms.currency.to_string();
    model.coverage_months = terms.coverage_months as i32;
    model.doa_days = terms.doa_days as i32;
    model.reimbursement_percent = terms.reimbursement_percent;
    model.handling_fee = terms.handling_fee.amount;
    model.decision_deadline_days = terms.decision_deadline_days as i32;
    model.default_outcome = terms.default_outcome.as_str().to_owned();
    model.depreciation_percent_per_month = terms.depreciation_percent_per_month;
    model.unit_disposition = disposition_str(terms.unit_disposition).to_owned();
    model.evidence_required = serde_json::json!(
        terms
            .evidence_required
            .iter()
            .map(|k| k.as_str())
            .collect::<Vec<_>>()
    );
}

/// Inserts the agreement; `None` when the pair already has one.
pub async fn insert<C: ConnectionTrait>(
    db: &C,
    manufacturer_id: Uuid,
    retailer_id: Uuid,
    terms: &Terms,
) -> Result<Option<Model>, DbErr> {
    let mut model = Model {
        id: Uuid::now_v7(),
        manufacturer_id,
        retailer_id,
        currency: String::new(),
        coverage_months: 0,
        doa_days: 0,
        reimbursement_percent: Decimal::ZERO,
        handling_fee: Decimal::ZERO,
        decision_deadline_days: 0,
        created_at: super::now(),
        default_outcome: String::new(),
        depreciation_percent_per_month: Decimal::ZERO,
        unit_disposition: String::new(),
        evidence_required: serde_json::json!([]),
    };
    mirror(&mut model, terms);
    let active: ActiveModel = model.clone().into();
    let inserted = Entity::insert(active.reset_all())
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

/// The agreement, locked for update until the caller's transaction ends (new versions of one
/// agreement are numbered one after another).
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

/// Makes the agreement's columns mirror `terms` (its new latest version).
pub async fn set_latest<C: ConnectionTrait>(
    db: &C,
    agreement: Model,
    terms: &Terms,
) -> Result<Model, DbErr> {
    let mut model = agreement;
    mirror(&mut model, terms);
    let active: ActiveModel = model.into();
    active.reset_all().update(db).await
}
