//! The logistics database: entities and the queries the handlers and consumers use.

pub mod carrier_tokens;
pub mod carriers;
pub mod crew;
pub mod crew_members;
pub mod crew_sessions;
pub mod dispatch;
pub mod dispatcher;
pub mod dispatcher_sessions;
pub mod dispatchers;
pub mod job_events;
pub mod job_photos;
pub mod jobs;
pub mod returns;

use chrono::{DateTime, Utc};
use kummerer_contracts::SwapApprovedV1;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, TryInsertResult,
};
use uuid::Uuid;

use crate::domain::{JobStatus, LIST_LIMIT};

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
}

/// Creates the job for `swap` unless the swap already has one (`ON CONFLICT (swap_id) DO
/// NOTHING`). Returns the new job, or `None` when it existed.
pub async fn insert_job_for_swap<C: ConnectionTrait>(
    db: &C,
    swap: &SwapApprovedV1,
    now: DateTime<Utc>,
) -> Result<Option<jobs::Model>, DbErr> {
    let addr = &swap.delivery_address;
    let job = jobs::Model {
        id: Uuid::now_v7(),
        swap_id: swap.swap_id,
        case_id: swap.case_id,
        retailer_id: swap.retailer_id,
        deliver_sku: swap.replacement_product.sku.clone(),
        deliver_name: swap.replacement_product.name.clone(),
        collect_serial: swap.defective_serial.clone(),
        collect_sku: swap.defective_product.sku.clone(),
        address_name: addr.name.clone(),
        address_phone: addr.phone.clone(),
        address_street: addr.street.clone(),
        address_postcode: addr.postcode.clone(),
        address_city: addr.city.clone(),
        address_country: addr.country.clone(),
        window_start: swap.window.start,
        window_end: swap.window.end,
        status: JobStatus::Scheduled.as_str().to_owned(),
        attempts: 0,
        delivered_serial: None,
        collected_serial: None,
        collected_serial_matches: None,
        recipient_name: None,
        failure_reason: None,
        failure_note: None,
        created_at: now,
        updated_at: now,
        completed_at: None,
        carrier_id: None,
        crew_id: None,
        visit_date: Some(crate::domain::dispatch::visit_date(swap.window.start)),
        position: None,
        on_the_way_at: None,
        eta: None,
        delivered_at: None,
        collected_at: None,
        replacement_from: swap
            .replacement_from
            .as_ref()
            .map(serde_json::to_value)
            .transpose()
            .map_err(|e| DbErr::Custom(format!("replacement_from: {e}")))?,
    };
    let active: jobs::ActiveModel = job.clone().into();
    let result = jobs::Entity::insert(active)
        .on_conflict_do_nothing_on([jobs::Column::SwapId])
        .exec_without_returning(db)
        .await?;
    Ok(match result {
        TryInsertResult::Inserted(n) if n > 0 => Some(job),
        _ => None,
    })
}

/// Appends an entry to a job's history.
pub async fn insert_event<C: ConnectionTrait>(
    db: &C,
    job_id: Uuid,
    kind: &str,
    at: DateTime<Utc>,
    details: serde_json::Value,
) -> Result<(), DbErr> {
    job_events::Entity::insert(job_events::ActiveModel {
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

/// Jobs by window, optionally of one status and/or one retailer, and only those `carrier` may
/// see when given; at most [`LIST_LIMIT`].
pub async fn list_jobs<C: ConnectionTrait>(
    db: &C,
    status: Option<JobStatus>,
    retailer_id: Option<Uuid>,
    carrier: Option<Uuid>,
) -> Result<Vec<jobs::Model>, DbErr> {
    let mut query = jobs::Entity::find();
    if let Some(carrier) = carrier {
        query = query.filter(dispatch::visible_to_carrier(carrier));
    }
    if let Some(status) = status {
        query = query.filter(jobs::Column::Status.eq(status.as_str()));
    }
    if let Some(retailer_id) = retailer_id {
        query = query.filter(jobs::Column::RetailerId.eq(retailer_id));
    }
    query
        .order_by_asc(jobs::Column::WindowStart)
        .order_by_asc(jobs::Column::Id)
        .limit(LIST_LIMIT)
        .all(db)
        .await
}

pub async fn find_job<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<Option<jobs::Model>, DbErr> {
    jobs::Entity::find_by_id(id).one(db).await
}

/// The job, locked (`FOR UPDATE`) until the caller's transaction ends: a second request for the
/// same job waits here and then sees the first one's outcome.
pub async fn lock_job<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<Option<jobs::Model>, DbErr> {
    jobs::Entity::find_by_id(id).lock_exclusive().one(db).await
}

/// A job's history, oldest first.
pub async fn events_of<C: ConnectionTrait>(
    db: &C,
    job_id: Uuid,
) -> Result<Vec<job_events::Model>, DbErr> {
    job_events::Entity::find()
        .filter(job_events::Column::JobId.eq(job_id))
        .order_by_asc(job_events::Column::OccurredAt)
        .order_by_asc(job_events::Column::Id)
        .all(db)
        .await
}

/// What is recorded of the job's visit, for the rules.
pub fn progress_of(job: &jobs::Model) -> Result<crate::domain::Progress, DbErr> {
    Ok(crate::domain::Progress {
        status: status_of(job)?,
        on_the_way: job.on_the_way_at.is_some(),
        delivered: job.delivered_at.is_some(),
        collected: job.collected_at.is_some(),
    })
}

/// The stored status as the domain type.
pub fn status_of(job: &jobs::Model) -> Result<JobStatus, DbErr> {
    JobStatus::parse(&job.status).ok_or_else(|| {
        DbErr::Custom(format!(
            "job {} has unknown status {:?}",
            job.id, job.status
        ))
    })
}
