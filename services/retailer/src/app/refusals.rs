//! Refusing a case at the desk: a reason code and a text, always; the case is closed as
//! `refused` with a `case_refused` timeline entry, and the customer told (in the same
//! transaction, once per channel: the refusal itself is the event). Nothing is sent to the
//! other services.

use chrono::{DateTime, Utc};
use kummerer_contracts::{CaseId, RetailerId, StaffId};
use sea_orm::{DatabaseConnection, DbErr, TransactionTrait};

use crate::db::{self, Entry, refusals};
use crate::domain::notify::Notice;
use crate::domain::{ApprovalRefused, RefusalReason, TimelineEntry};

/// A checked refusal.
#[derive(Debug, Clone)]
pub struct Refusal {
    pub reason: RefusalReason,
    pub text: String,
    pub refused_by: StaffId,
    /// For the timeline: who refused, by e-mail.
    pub refused_by_email: String,
    /// The customer's contact and consent as recorded at the counter; `None`: not asked (any
    /// contact recorded before stays).
    pub contact: Option<crate::domain::notify::Contact>,
}

#[derive(Debug, thiserror::Error)]
pub enum RefuseError {
    #[error("no such case")]
    NotFound,
    #[error("this case cannot be refused: {0}")]
    Refused(ApprovalRefused),
    #[error("this case is already refused")]
    AlreadyRefused,
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Refuses the case, in one transaction (the case row locked).
pub async fn refuse(
    db: &DatabaseConnection,
    retailer_id: RetailerId,
    case_id: CaseId,
    r: Refusal,
    now: DateTime<Utc>,
) -> Result<(), RefuseError> {
    let (rid, cid) = (retailer_id.as_uuid(), case_id.as_uuid());
    let txn = db.begin().await?;
    let case = db::lock_case(&txn, rid, cid)
        .await?
        .ok_or(RefuseError::NotFound)?;
    let next = case.status.refuse().map_err(RefuseError::Refused)?;
    let inserted = refusals::insert(
        &txn,
        refusals::NewRefusal {
            case_id: cid,
            retailer_id: rid,
            reason: r.reason,
            text: &r.text,
            refused_by: r.refused_by.as_uuid(),
            refused_at: now,
        },
    )
    .await?;
    if !inserted {
        return Err(RefuseError::AlreadyRefused);
    }
    db::set_case_status(&txn, rid, cid, next).await?;
    if let Some(contact) = &r.contact {
        let language = match contact.language {
            Some(language) => language,
            None => crate::app::notify::place(&txn, rid, cid).await?.language,
        };
        let by = &r.refused_by_email;
        db::notifications::set_contact(&txn, rid, cid, contact, language, by, now).await?;
    }
    // The refusal is recorded once per case (`AlreadyRefused` above), so a fresh id is the
    // event's: the notification rows are keyed by (event, channel).
    let notice = Notice::Refused {
        reason: r.reason,
        text: r.text.clone(),
    };
    crate::app::notify::tell(&txn, rid, cid, uuid::Uuid::now_v7(), &notice, now).await?;
    db::insert_timeline(
        &txn,
        Entry {
            case_id: cid,
            retailer_id: rid,
            entry: TimelineEntry::CaseRefused {
                reason_code: r.reason,
                reason_text: r.text,
                refused_by: r.refused_by_email,
            },
            occurred_at: now,
            message_id: None,
            dedup_key: None,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
