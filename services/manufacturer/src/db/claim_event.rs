//! `claim_events`: the append-only history of a claim.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::Set, ConnectionTrait, QueryOrder};

pub const RECEIVED: &str = "received";
pub const AUTO_ACCEPTED: &str = "auto_accepted";
/// Rejected by a rule of the agreement (an excluding swap rule, or past the coverage).
pub const AUTO_REJECTED: &str = "auto_rejected";
pub const LEFT_PENDING: &str = "left_pending";
pub const DECIDED: &str = "decided";
pub const EVIDENCE_ADDED: &str = "evidence_added";
/// Judged again by the rules (e.g. when missing evidence arrived) and still pending.
pub const READJUDICATED: &str = "readjudicated";
pub const RETURN_REQUESTED: &str = "return_requested";
pub const UNIT_ARRIVED: &str = "unit_arrived";
pub const INSPECTED: &str = "inspected";
pub const DISPUTED: &str = "disputed";
/// A message that could not change the claim (e.g. a second dispute), kept for the record.
pub const IGNORED: &str = "ignored";
/// Sent back to the retailer with a question (and the answer's deadline).
pub const INFORMATION_REQUESTED: &str = "information_requested";
/// The retailer's answer arrived; the claim is the manufacturer's again.
pub const INFORMATION_PROVIDED: &str = "information_provided";

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "claim_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub claim_id: Uuid,
    pub kind: String,
    pub occurred_at: DateTimeUtc,
    pub details: Json,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

pub async fn append<C: ConnectionTrait>(
    db: &C,
    claim_id: Uuid,
    kind: &str,
    occurred_at: DateTime<Utc>,
    details: serde_json::Value,
) -> Result<(), DbErr> {
    append_all(db, claim_id, occurred_at, vec![(kind, details)]).await
}

/// Appends several entries of one claim, all at `occurred_at` and in the order given, in one
/// statement.
pub async fn append_all<C: ConnectionTrait>(
    db: &C,
    claim_id: Uuid,
    occurred_at: DateTime<Utc>,
    entries: Vec<(&str, serde_json::Value)>,
) -> Result<(), DbErr> {
    let rows = entries.into_iter().map(|(kind, details)| ActiveModel {
        id: Set(Uuid::now_v7()),
        claim_id: Set(claim_id),
        kind: Set(kind.to_owned()),
        occurred_at: Set(occurred_at),
        details: Set(details),
    });
    Entity::insert_many(rows).exec_without_returning(db).await?;
    Ok(())
}

/// A claim's history, oldest first. The caller has checked that the claim is the tenant's.
pub async fn of_claim<C: ConnectionTrait>(db: &C, claim_id: Uuid) -> Result<Vec<Model>, DbErr> {
    Entity::find()
        .filter(Column::ClaimId.eq(claim_id))
        .order_by_asc(Column::OccurredAt)
        .order_by_asc(Column::Id)
        .all(db)
        .await
}

/// Whether a decision withdrew the claim's return (its `decided` event says
/// `return_withdrawn`): a unit that then arrives anyway (it already travelled) is not the
/// return the claim waits for.
pub async fn return_withdrawn<C: ConnectionTrait>(db: &C, claim_id: Uuid) -> Result<bool, DbErr> {
    let n = Entity::find()
        .filter(Column::ClaimId.eq(claim_id))
        .filter(Column::Kind.eq(DECIDED))
        .filter(sea_orm::sea_query::Expr::cust(
            "jsonb_exists(details, 'return_withdrawn')",
        ))
        .count(db)
        .await?;
    Ok(n > 0)
}
