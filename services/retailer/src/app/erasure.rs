//! Personal data by rule (issue 18): erasing one customer, on request or when the retailer's
//! retention period after their case has run out.
//!
//! [`erase`] takes a sale or a case, finds the customer's rows (that sale, the replacement
//! sales of its cases and back, their cases and swaps — [`db::customer_rows`]) and, in one
//! transaction: refuses while a case of theirs is still going (the visit not done: the crew
//! still needs the address — [`ErasureError::CaseOpen`], "erase it once the case is over"),
//! otherwise erases name, phone and street from the sales and swaps, the customer's values and
//! the recipient's name from the timeline, the approval requests, free texts and uploaded sales
//! files, kills the status link, deletes the sent outbox rows about the cases and scrubs the
//! unsent ones ([`db::erase`]), writes the erasure record (ids and counts, who and when — no
//! personal data) and puts `retailer.customer.erasure_requested.v1` in the outbox, so logistics
//! erases its copy and answers `logistics.customer.erased.v1` (recorded by
//! [`logistics_erased`]). What accounting needs stays: amounts, serials, products, dates,
//! postcode and city, the claim and the ledger.
//!
//! Idempotent: a customer already erased is answered with their erasure record, nothing is
//! erased or sent again. [`sweep`] runs the retention rule: every case over for the customer
//! whose last fact is older than its retailer's `retention_days` is erased the same way (the
//! actor `retention`); time is a parameter, so tests move it instead of sleeping.

use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use kummerer_contracts::{CaseId, CustomerErasureRequestedV1, ErasureReason, RetailerId, SwapId};
use sea_orm::{DatabaseConnection, DbErr, TransactionTrait};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::db::erasure::{self as db, ErasureRow};

/// The retention period a retailer starts with, in days after the case is over.
pub const DEFAULT_RETENTION_DAYS: i32 = 90;
/// The longest retention period a retailer may set (ten years); 0 erases as soon as the case
/// is over.
pub const MAX_RETENTION_DAYS: i32 = 3650;
/// Cases one sweep erases at most (it runs again at once after a full batch).
pub const SWEEP_BATCH: u64 = 100;

/// Whose data: the customer of a sale, or of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Sale(Uuid),
    Case(CaseId),
}

#[derive(Debug, thiserror::Error)]
pub enum ErasureError {
    /// No such sale or case at this retailer.
    #[error("no such sale or case")]
    NotFound,
    /// A case of the customer is still going: its visit or its closing needs them.
    #[error(
        "case {0} of this customer is still open: its personal data are needed until its visit \
         is done or it is closed; erase them then"
    )]
    CaseOpen(Uuid),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// The answer to an erasure: the record, and whether this call erased (`false`: the customer
/// was erased before, the record is the earlier one).
#[derive(Debug, Clone)]
pub struct Erasure {
    pub record: ErasureRow,
    pub new: bool,
}

/// Erases the customer of `target` at `retailer_id` now (see the module).
pub async fn erase(
    db: &DatabaseConnection,
    retailer_id: RetailerId,
    target: Target,
    reason: ErasureReason,
    requested_by: &str,
    now: DateTime<Utc>,
) -> Result<Erasure, ErasureError> {
    let now = now.trunc_subsecs(6);
    let rid = retailer_id.as_uuid();
    let txn = db.begin().await?;
    let rows = match customer(&txn, rid, target).await? {
        Customer::Erased(record) => {
            txn.commit().await?;
            return Ok(Erasure {
                record: *record,
                new: false,
            });
        }
        Customer::Erasable { rows, .. } => rows,
    };
    let values = db::customer_values(&txn, &rows).await?;
    let erased = db::erase(&txn, rid, &rows, &values, now).await?;
    let record = ErasureRow {
        id: Uuid::now_v7(),
        reason: reason.as_str().to_owned(),
        requested_by: requested_by.to_owned(),
        requested_at: now,
        sale_ids: rows.sale_ids.clone(),
        case_ids: rows.case_ids.clone(),
        swap_ids: rows.swap_ids.clone(),
        erased: serde_json::to_value(&erased).map_err(|e| DbErr::Custom(e.to_string()))?,
        logistics_erased_at: None,
        logistics_jobs: None,
        logistics_photos: None,
        logistics_outbox: None,
    };
    db::insert_record(&txn, rid, &record).await?;
    crate::outbound::customer_erasure_requested(
        &txn,
        CustomerErasureRequestedV1 {
            erasure_id: record.id,
            retailer_id,
            case_ids: rows.case_ids.iter().copied().map(CaseId).collect(),
            swap_ids: rows.swap_ids.iter().copied().map(SwapId).collect(),
            reason,
            requested_at: now,
        },
    )
    .await?;
    txn.commit().await?;
    tracing::info!(
        retailer.id = %rid, erasure.id = %record.id, erasure.reason = reason.as_str(),
        erasure.sales = rows.sale_ids.len(), erasure.cases = rows.case_ids.len(),
        "customer's personal data erased; logistics asked to erase its copy"
    );
    Ok(Erasure { record, new: true })
}

/// The sale `target` names at `retailer_id` (a case: its sale).
async fn sale_of<C: sea_orm::ConnectionTrait>(
    db: &C,
    rid: Uuid,
    target: Target,
) -> Result<Uuid, ErasureError> {
    let found = match target {
        Target::Sale(id) => db::sale_exists(db, rid, id).await?.then_some(id),
        Target::Case(id) => db::sale_of_case(db, rid, id.as_uuid()).await?,
    };
    found.ok_or(ErasureError::NotFound)
}

/// The customer of a target, as [`erase`] finds them.
enum Customer {
    /// Erased before: their record.
    Erased(Box<ErasureRow>),
    /// No case of theirs going: their rows (`sale_id` the target's sale).
    Erasable {
        sale_id: Uuid,
        rows: db::CustomerRows,
    },
}

/// The customer of `target` (their sales locked): erased before, or erasable; `NotFound` for no
/// such sale or case here, `CaseOpen` while a case of theirs is still going.
async fn customer<C: sea_orm::ConnectionTrait>(
    txn: &C,
    rid: Uuid,
    target: Target,
) -> Result<Customer, ErasureError> {
    let sale_id = sale_of(txn, rid, target).await?;
    let rows = db::customer_rows(txn, rid, sale_id).await?;
    if db::all_erased(txn, &rows.sale_ids).await?
        && let Some(record) = db::record_of_sale(txn, rid, sale_id).await?
    {
        return Ok(Customer::Erased(Box::new(record)));
    }
    if let Some(open) = db::first_open_case(txn, &rows.case_ids).await? {
        return Err(ErasureError::CaseOpen(open));
    }
    Ok(Customer::Erasable { sale_id, rows })
}

/// What [`erase`] would do to the customer of `target`, for the desk's confirm step.
#[derive(Debug, Clone)]
pub enum Preview {
    /// Erasable now: the name the sale shows, to check it is the right person, and how many
    /// sales and cases are theirs.
    Ready {
        customer: String,
        sales: usize,
        cases: usize,
    },
    /// Erased before: the record (ids and counts only).
    Erased(Box<ErasureRow>),
}

/// Looks at the customer of `target` without changing anything: the same refusals as [`erase`]
/// (`NotFound`, `CaseOpen`), else [`Preview`].
pub async fn preview(
    db: &DatabaseConnection,
    retailer_id: RetailerId,
    target: Target,
) -> Result<Preview, ErasureError> {
    let rid = retailer_id.as_uuid();
    // customer_rows locks the sales; the transaction is rolled back when dropped.
    let txn = db.begin().await?;
    Ok(match customer(&txn, rid, target).await? {
        Customer::Erased(record) => Preview::Erased(record),
        Customer::Erasable { sale_id, rows } => Preview::Ready {
            customer: db::customer_name(&txn, sale_id).await?.unwrap_or_default(),
            sales: rows.sale_ids.len(),
            cases: rows.case_ids.len(),
        },
    })
}

/// Logistics' `logistics.customer.erased.v1`, on the record; `false` when the record is not
/// this retailer's (the message can never apply).
pub async fn logistics_erased<C: sea_orm::ConnectionTrait>(
    db: &C,
    ev: &kummerer_contracts::CustomerErasedV1,
) -> Result<bool, DbErr> {
    db::record_logistics(
        db,
        ev.retailer_id.as_uuid(),
        ev.erasure_id,
        ev.erased_at,
        (ev.jobs, ev.photos, ev.outbox_rows),
    )
    .await
}

/// A retailer's erasure records, latest first.
pub async fn records(
    db: &DatabaseConnection,
    retailer_id: RetailerId,
) -> Result<Vec<ErasureRow>, DbErr> {
    db::records(db, retailer_id.as_uuid(), 200).await
}

#[derive(Debug, thiserror::Error)]
pub enum RetentionError {
    #[error("no such retailer")]
    NotFound,
    #[error("retention must be a whole number of days from 0 to {MAX_RETENTION_DAYS}")]
    OutOfBounds,
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// The retailer's retention period in days.
pub async fn retention(
    db: &DatabaseConnection,
    retailer_id: RetailerId,
) -> Result<i32, RetentionError> {
    db::retention_days(db, retailer_id.as_uuid())
        .await?
        .ok_or(RetentionError::NotFound)
}

/// Sets the retailer's retention period (0–3650 days).
pub async fn set_retention(
    db: &DatabaseConnection,
    retailer_id: RetailerId,
    days: i64,
) -> Result<i32, RetentionError> {
    let days = i32::try_from(days)
        .ok()
        .filter(|d| (0..=MAX_RETENTION_DAYS).contains(d))
        .ok_or(RetentionError::OutOfBounds)?;
    if db::set_retention_days(db, retailer_id.as_uuid(), days).await? {
        tracing::info!(retailer.id = %retailer_id, retention.days = days, "retention period set");
        Ok(days)
    } else {
        Err(RetentionError::NotFound)
    }
}

/// What one retention sweep did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    pub erased: usize,
    /// Due cases whose customer still has another case going (tried again next time).
    pub waiting: usize,
}

/// Erases the customers of every case whose retention ran out at `now` (a batch at most).
pub async fn sweep(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<Swept, DbErr> {
    let mut swept = Swept::default();
    for (retailer_id, case_id) in db::due_for_retention(db, now, SWEEP_BATCH).await? {
        match erase(
            db,
            RetailerId(retailer_id),
            Target::Case(CaseId(case_id)),
            ErasureReason::Retention,
            "retention",
            now,
        )
        .await
        {
            Ok(e) if e.new => swept.erased += 1,
            Ok(_) => {}
            Err(ErasureError::CaseOpen(open)) => {
                tracing::debug!(case.id = %case_id, open.case.id = %open,
                    "retention due, but another case of the customer is still open");
                swept.waiting += 1;
            }
            Err(ErasureError::NotFound) => {}
            Err(ErasureError::Db(e)) => return Err(e),
        }
    }
    Ok(swept)
}

/// `KUMMERER_RETENTION_SWEEP_SECONDS`: how often the retention sweep runs (whole seconds, 1 to
/// 86400; unset → 3600; 0 → never, e.g. for tests that sweep by hand).
pub fn sweep_interval_from_env() -> anyhow::Result<Option<Duration>> {
    crate::settings::interval_from_env(RETENTION_SWEEP_VAR, 3600)
}

const RETENTION_SWEEP_VAR: &str = "KUMMERER_RETENTION_SWEEP_SECONDS";

#[cfg(test)]
fn parse_interval(raw: Option<&str>) -> anyhow::Result<Option<Duration>> {
    crate::settings::parse_interval(RETENTION_SWEEP_VAR, raw, 3600)
}

/// The retention worker: a sweep every `interval` until `cancel` fires (none when `None`).
pub async fn worker(db: DatabaseConnection, interval: Option<Duration>, cancel: CancellationToken) {
    let Some(interval) = interval else {
        return;
    };
    loop {
        let full = match sweep(&db, Utc::now()).await {
            Ok(s) => (s.erased + s.waiting) as u64 >= SWEEP_BATCH && s.erased > 0,
            Err(e) => {
                tracing::error!(error = %e, "retention sweep failed");
                false
            }
        };
        if full && !cancel.is_cancelled() {
            continue;
        }
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(interval) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_sweep_interval_is_checked() {
        assert_eq!(
            parse_interval(None).unwrap(),
            Some(Duration::from_secs(3600))
        );
        assert_eq!(parse_interval(Some("0")).unwrap(), None);
        assert_eq!(
            parse_interval(Some(" 5 ")).unwrap(),
            Some(Duration::from_secs(5))
        );
        for bad in ["-1", "86401", "often"] {
            let e = parse_interval(Some(bad)).unwrap_err().to_string();
            assert!(e.contains("KUMMERER_RETENTION_SWEEP_SECONDS"), "{e}");
        }
    }
}
