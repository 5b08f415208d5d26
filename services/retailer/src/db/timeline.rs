//! `timeline`: what happened to a case, append-only.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "timeline")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub case_id: Uuid,
    pub retailer_id: Uuid,
    pub kind: String,
    pub occurred_at: DateTimeUtc,
    pub source: String,
    pub message_id: Option<Uuid>,
    #[sea_orm(column_type = "JsonBinary")]
    pub details: Json,
    pub recorded_at: DateTimeUtc,
    /// Unique per case when set: a fact written once per something other than a message.
    pub dedup_key: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

// --- queries ---

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use super::{insert_new, timeline};
use crate::domain::Source;

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
    /// A fact that must be on the case once (per this key), whichever message brings it.
    pub dedup_key: Option<String>,
}

/// Appends an entry; `false` when an entry from the same message, or with the same dedup key
/// on the case, is already there.
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
        dedup_key: entry.dedup_key,
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
