//! "Ask a manager": a clerk's swap form, above the clerk's limit, stored as a request to the
//! managers; one manager approves it (the swap is made in the transaction that closes the
//! request) or declines it with a reason. The request row is locked, so two managers at once
//! make one swap.

use chrono::{DateTime, Utc};
use kummerer_contracts::{CaseId, RetailerId, StaffId};
use sea_orm::{DatabaseConnection, DbErr, TransactionTrait};
use uuid::Uuid;

use crate::app::approve::{Approval, ApproveError, SwapApproved, approve_in};
use crate::db::requests::{Due, Requester};
use crate::db::{self, requests};
use crate::domain::{ApprovalRefused, RequestStatus};

/// The id of an approval request.
pub type RequestId = Uuid;

#[derive(Debug, thiserror::Error)]
pub enum AskError {
    #[error("no such case")]
    CaseNotFound,
    #[error("this case cannot be swapped: {0}")]
    Refused(ApprovalRefused),
    #[error("a manager has already been asked about this case: see the open desk list")]
    AlreadyAsked,
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Stores `form` (the clerk's swap form, already checked field by field) as a request to the
/// managers, due and expiring at `due` (see [`crate::app::request_deadlines`]); the case must be
/// open and have no open request.
pub async fn ask(
    db: &DatabaseConnection,
    retailer_id: RetailerId,
    case_id: CaseId,
    requested_by: StaffId,
    form: serde_json::Value,
    due: Due,
) -> Result<RequestId, AskError> {
    ask_by(
        db,
        retailer_id,
        case_id,
        Requester::Staff(requested_by.as_uuid()),
        form,
        due,
    )
    .await
}

/// [`ask`] by a clerk or an integration key (a swap above the key's approval limit waits for a
/// manager exactly like a clerk's).
pub async fn ask_by(
    db: &DatabaseConnection,
    retailer_id: RetailerId,
    case_id: CaseId,
    requested_by: Requester,
    form: serde_json::Value,
    due: Due,
) -> Result<RequestId, AskError> {
    let (rid, cid) = (retailer_id.as_uuid(), case_id.as_uuid());
    let txn = db.begin().await?;
    let case = db::lock_case(&txn, rid, cid)
        .await?
        .ok_or(AskError::CaseNotFound)?;
    case.status.approve_swap().map_err(AskError::Refused)?;
    let id = Uuid::now_v7();
    if !requests::insert(&txn, id, rid, cid, requested_by, form, due).await? {
        return Err(AskError::AlreadyAsked);
    }
    txn.commit().await?;
    tracing::info!(requester = ?requested_by, case.id = %case_id, request.id = %id,
        "swap sent to the managers");
    Ok(id)
}

#[derive(Debug, thiserror::Error)]
pub enum DecideError {
    #[error("no such request")]
    NotFound,
    /// Decided (or withdrawn) before: the request page says by whom.
    #[error("the request was decided already")]
    AlreadyDecided,
    #[error(transparent)]
    Approve(ApproveError),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// A manager approves the open request: `approval` (the clerk's stored form, with the manager's
/// limit and name) is approved in the transaction that closes the request. When the approval
/// fails because the case was decided otherwise meanwhile, the request is withdrawn.
pub async fn approve(
    db: &DatabaseConnection,
    retailer_id: RetailerId,
    request_id: RequestId,
    decided_by: StaffId,
    approval: Approval,
    now: DateTime<Utc>,
) -> Result<SwapApproved, DecideError> {
    let rid = retailer_id.as_uuid();
    let txn = db.begin().await?;
    let Some(r) = requests::lock(&txn, rid, request_id).await? else {
        return Err(DecideError::NotFound);
    };
    if r.status != RequestStatus::Open {
        return Err(DecideError::AlreadyDecided);
    }
    // The swap records the integration key that asked for it (written with the swap row).
    let approval = Approval {
        by_key: r.requested_by_key.or(approval.by_key),
        ..approval
    };
    match approve_in(&txn, retailer_id, CaseId(r.case_id), approval, now).await {
        Ok(done) => {
            requests::decide(
                &txn,
                rid,
                request_id,
                requests::Outcome::Approved(done.swap_id.as_uuid()),
                Some(decided_by.as_uuid()),
                now,
            )
            .await?;
            txn.commit().await?;
            tracing::info!(staff.id = %decided_by, request.id = %request_id,
                swap.id = %done.swap_id, "swap request approved from the manager's desk");
            Ok(done)
        }
        Err(ApproveError::Db(e)) => Err(DecideError::Db(e)),
        Err(e) => {
            txn.rollback().await?;
            withdraw_if_moot(db, retailer_id, request_id, now).await?;
            Err(DecideError::Approve(e))
        }
    }
}

/// Withdraws the open request when its case can no longer get a swap (approved on the clerk's
/// screen, or refused, meanwhile).
pub async fn withdraw_if_moot(
    db: &DatabaseConnection,
    retailer_id: RetailerId,
    request_id: RequestId,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let rid = retailer_id.as_uuid();
    let Some(r) = requests::find(db, rid, request_id).await? else {
        return Ok(());
    };
    if let Some(case) = db::find_case(db, rid, r.case_id).await?
        && case.status.approve_swap().is_err()
    {
        requests::decide(db, rid, request_id, requests::Outcome::Withdrawn, None, now).await?;
    }
    Ok(())
}

/// A manager declines the request with a reason (checked); the case stays open for the clerk.
/// `false` when it was no longer open.
pub async fn decline(
    db: &DatabaseConnection,
    retailer_id: RetailerId,
    request_id: RequestId,
    decided_by: StaffId,
    reason: String,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let declined = requests::decide(
        db,
        retailer_id.as_uuid(),
        request_id,
        requests::Outcome::Declined(reason),
        Some(decided_by.as_uuid()),
        now,
    )
    .await?;
    if declined {
        tracing::info!(staff.id = %decided_by, request.id = %request_id, "swap request declined");
    }
    Ok(declined)
}
