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
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use super::timeline;
use crate::domain::{TimelineEntry, TimelineKind, timeline::UnreadableEntry};

/// A new timeline entry.
pub struct Entry {
    pub case_id: Uuid,
    pub retailer_id: Uuid,
    /// What happened: stored as its kind and its details.
    pub entry: TimelineEntry,
    pub occurred_at: DateTime<Utc>,
    /// The message the entry comes from (`None` for the retailer's own entries).
    pub message_id: Option<Uuid>,
    /// A fact that must be on the case once (per this key), whichever message brings it.
    pub dedup_key: Option<String>,
}

impl Model {
    /// What the row says, typed; an error for a kind or details this version does not read.
    pub fn entry(&self) -> Result<TimelineEntry, UnreadableEntry> {
        TimelineEntry::from_stored(&self.kind, &self.details)
    }

    /// The row's kind; `None` for a kind this version does not know.
    pub fn known_kind(&self) -> Option<TimelineKind> {
        TimelineKind::parse(&self.kind)
    }
}

/// Appends an entry; `false` when an entry from the same message, or with the same dedup key
/// on the case, is already there. A new entry also stores who holds the ball now
/// ([`super::ball::refresh`]), in the same transaction.
pub async fn insert_timeline<C: ConnectionTrait>(db: &C, entry: Entry) -> Result<bool, DbErr> {
    Ok(insert_timeline_entries(db, vec![entry]).await? == 1)
}

/// Appends several entries of one case in one statement, then stores who holds the ball once
/// (not once per entry, as [`insert_timeline`] one by one would); returns how many were new (an
/// entry from the same message, or with the same dedup key on the case, is skipped). Entries of
/// different cases are a caller's error.
pub async fn insert_timeline_entries<C: ConnectionTrait>(
    db: &C,
    entries: Vec<Entry>,
) -> Result<u64, DbErr> {
    let Some((case_id, retailer_id)) = entries.first().map(|e| (e.case_id, e.retailer_id)) else {
        return Ok(0);
    };
    if entries
        .iter()
        .any(|e| e.case_id != case_id || e.retailer_id != retailer_id)
    {
        return Err(DbErr::Custom(format!(
            "timeline entries of several cases in one insert (case {case_id} and others)"
        )));
    }
    let inserted = timeline::Entity::insert_many(entries.into_iter().map(row_of))
        .on_conflict(OnConflict::new().do_nothing().to_owned())
        .exec_without_returning(db)
        .await?;
    if inserted > 0 {
        super::ball::refresh(db, retailer_id, case_id).await?;
    }
    Ok(inserted)
}

/// The row of a new entry, every column set.
fn row_of(entry: Entry) -> timeline::ActiveModel {
    let (kind, details) = entry.entry.to_stored();
    let row: timeline::ActiveModel = timeline::Model {
        id: Uuid::now_v7(),
        case_id: entry.case_id,
        retailer_id: entry.retailer_id,
        kind: kind.as_string(),
        occurred_at: entry.occurred_at,
        source: entry.entry.source().as_string(),
        message_id: entry.message_id,
        details,
        recorded_at: Utc::now(),
        dedup_key: entry.dedup_key,
    }
    .into();
    row.reset_all()
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
