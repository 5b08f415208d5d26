//! `job_events`: a job's own history (scheduled, completed, failed), append-only.

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::QueryOrder;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "job_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub job_id: Uuid,
    pub kind: String,
    pub occurred_at: DateTime<Utc>,
    #[sea_orm(column_type = "JsonBinary")]
    pub details: Json,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// The kinds of `job_events` rows.
pub mod kind {
    pub const SCHEDULED: &str = "scheduled";
    pub const COMPLETED: &str = "completed";
    pub const FAILED: &str = "failed";
    pub const ASSIGNED: &str = "assigned";
    pub const REASSIGNED: &str = "reassigned";
    pub const RESCHEDULED: &str = "rescheduled";
    pub const ON_THE_WAY: &str = "on_the_way";
    pub const DELIVERED: &str = "delivered";
    pub const COLLECTED: &str = "collected";
    pub const CANCELLED: &str = "cancelled";
    pub const CANCEL_REFUSED: &str = "cancel_refused";
    pub const CORRECTED: &str = "corrected";
    pub const CORRECTION_REFUSED: &str = "correction_refused";
    /// The customer confirmed the window on the status page.
    pub const CUSTOMER_CONFIRMED: &str = "customer_confirmed";
    /// The customer said they won't be home in the window (perhaps with a note).
    pub const CUSTOMER_NOT_HOME: &str = "customer_not_home";
    /// The customer's answer came after the crew set off, or about a window the visit no
    /// longer has: kept in the history only.
    pub const CUSTOMER_ANSWER_LATE: &str = "customer_answer_late";
}

/// Appends an entry to a job's history.
pub async fn insert<C: ConnectionTrait>(
    db: &C,
    job_id: Uuid,
    kind: &str,
    at: DateTime<Utc>,
    details: serde_json::Value,
) -> Result<(), DbErr> {
    Entity::insert(ActiveModel {
        id: Set(Uuid::now_v7()),
        job_id: Set(job_id),
        kind: Set(kind.to_owned()),
        occurred_at: Set(at),
        details: Set(details),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// A job's history, oldest first.
pub async fn of_job<C: ConnectionTrait>(db: &C, job_id: Uuid) -> Result<Vec<Model>, DbErr> {
    Entity::find()
        .filter(Column::JobId.eq(job_id))
        .order_by_asc(Column::OccurredAt)
        .order_by_asc(Column::Id)
        .all(db)
        .await
}

/// The history entry (`corrected` or `correction_refused`) that answered the retailer's
/// correction `correction_id` of the job, if one did.
pub async fn of_correction<C: ConnectionTrait>(
    db: &C,
    job_id: Uuid,
    correction_id: Uuid,
) -> Result<Option<Model>, DbErr> {
    Entity::find()
        .filter(Column::JobId.eq(job_id))
        .filter(Column::Kind.is_in([kind::CORRECTED, kind::CORRECTION_REFUSED]))
        .filter(sea_orm::sea_query::Expr::cust_with_values(
            "details->>'correction_id' = $1",
            [correction_id.to_string()],
        ))
        .one(db)
        .await
}
