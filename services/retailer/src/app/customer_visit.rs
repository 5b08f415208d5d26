//! The customer acts on the status link (issue 13): while the visit is still ahead (the crew's
//! job scheduled, nobody on the way, no cancellation or correction waiting) the customer may
//!
//! - **confirm** the window (`customer_confirmed` on the timeline),
//! - say **"I won't be home"**, perhaps with a note (`customer_not_home`),
//!   — both sent to logistics as `retailer.swap.customer_answered.v1`, which marks the job for
//!   the crew and the dispatcher (and frees the room of a visit nobody will be home for);
//! - **move** the visit to another window that has room for the case's postcode (as the
//!   carriers announced it, `delivery_slots`): a correction of the visit like the desk's
//!   ([`crate::app::correct`]) with `requested_by.kind = customer`; logistics applies it or
//!   refuses it `window_full` when the window was just taken, and the status page shows the
//!   answer.
//!
//! The unguessable token of the link is the credential (only its hash is stored); every action
//! names an `answer_id` the page made when it showed the form, so a form sent twice is applied
//! once (a timeline entry's dedup key, or the correction's id). At most
//! [`ACTIONS_PER_DAY`] actions per case in 24 hours. One transaction each, the case and the
//! swap locked.

use chrono::{DateTime, Duration, SubsecRound, Utc};
use kummerer_contracts::{
    CaseId, CustomerAnswer, RequesterKind, RetailerId, SwapCustomerAnsweredV1, SwapId, TimeWindow,
};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement, TransactionTrait};
use uuid::Uuid;

use crate::app::correct::{CorrectError, Recorded, record};
use crate::db::{self, Entry, cancel, corrections};
use crate::domain::correction::Correction;
use crate::domain::slots::Room;
use crate::domain::{DeliveryWindow, SwapStatus, TimelineEntry, TimelineKind};

/// How many actions a case takes from its status link in 24 hours.
pub const ACTIONS_PER_DAY: i64 = 20;
/// Longest note the customer may leave.
pub const NOTE_MAX: usize = 500;
/// Who asked, as the timeline and logistics show it.
pub const CUSTOMER_LABEL: &str = "customer (status link)";

/// What the customer asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Confirm,
    NotHome { note: Option<String> },
    Move { window: TimeWindow },
}

#[derive(Debug, thiserror::Error)]
pub enum CustomerActionError {
    /// An unknown or expired link.
    #[error("no such link")]
    NotFound,
    /// The visit is not ahead any more (or not planned yet), or a cancellation waits.
    #[error("the visit cannot be changed here any more")]
    NotAhead,
    /// A move waits for logistics' answer.
    #[error("a move of the visit is waiting for logistics")]
    Pending,
    /// The window picked has no room (or is not one on offer).
    #[error("that window has no room")]
    WindowFull,
    /// The window lies in the past.
    #[error("that window has passed")]
    WindowPassed,
    #[error("the note is longer than {NOTE_MAX} characters")]
    NoteTooLong,
    #[error("too many requests for this visit today")]
    TooMany,
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acted {
    /// Recorded and sent to logistics.
    Done,
    /// This form was applied before: nothing changed.
    Again,
}

fn answer_key(answer_id: Uuid) -> String {
    format!("customer_answer:{answer_id}")
}

async fn answers_since<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    case_id: Uuid,
    since: DateTime<Utc>,
) -> Result<i64, DbErr> {
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT count(*) AS n FROM timeline WHERE retailer_id = $1 AND case_id = $2 \
             AND kind IN ('customer_confirmed', 'customer_not_home') AND occurred_at >= $3",
            vec![retailer_id.into(), case_id.into(), since.into()],
        ))
        .await?;
    match row {
        Some(r) => r.try_get("", "n"),
        None => Ok(0),
    }
}

async fn answered_before<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    case_id: Uuid,
    answer_id: Uuid,
) -> Result<bool, DbErr> {
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT 1 AS one FROM timeline WHERE retailer_id = $1 AND case_id = $2 \
             AND dedup_key = $3",
            vec![
                retailer_id.into(),
                case_id.into(),
                answer_key(answer_id).into(),
            ],
        ))
        .await?;
    Ok(row.is_some() || corrections::exists(db, retailer_id, answer_id).await?)
}

/// Applies the customer's `action` on the case of the status link `token_hash` (see the
/// module). `answer_id` names this form.
pub async fn act(
    db: &DatabaseConnection,
    token_hash: &str,
    answer_id: Uuid,
    action: Action,
    now: DateTime<Utc>,
) -> Result<Acted, CustomerActionError> {
    use CustomerActionError as E;
    let now = now.trunc_subsecs(6);
    if let Action::NotHome { note: Some(note) } = &action
        && note.chars().count() > NOTE_MAX
    {
        return Err(E::NoteTooLong);
    }
    // An expired link is as good as none.
    match crate::app::status_link::status(db, token_hash, now).await? {
        Some(facts) if !facts.expired => {}
        _ => return Err(E::NotFound),
    }
    let Some(seen) = db::cases::by_status_token(db, token_hash).await? else {
        return Err(E::NotFound);
    };
    let (rid, cid) = (seen.retailer_id, seen.id);
    let txn = db.begin().await?;
    let case = db::lock_case(&txn, rid, cid).await?.ok_or(E::NotFound)?;
    if case.status_token_hash.as_deref() != Some(token_hash) {
        // The link was replaced meanwhile.
        return Err(E::NotFound);
    }
    if answered_before(&txn, rid, cid, answer_id).await? {
        return Ok(Acted::Again);
    }
    let seen_swap = db::swap_of_case(&txn, rid, cid).await?.ok_or(E::NotAhead)?;
    let swap = db::lock_swap(&txn, rid, seen_swap.id)
        .await?
        .ok_or(E::NotAhead)?;
    if swap.status != SwapStatus::Scheduled
        || cancel::pending_since(&txn, rid, swap.id).await?.is_some()
    {
        return Err(E::NotAhead);
    }
    let since = now - Duration::hours(24);
    let recent = answers_since(&txn, rid, cid, since).await?
        + corrections::customer_requests_since(&txn, rid, cid, since).await?;
    if recent >= ACTIONS_PER_DAY {
        return Err(E::TooMany);
    }
    let timeline = db::timeline_of(&txn, rid, cid).await?;
    let current = crate::app::status_link::visit_window(&timeline, &swap);
    if current.start <= now {
        // The window began: the crew may be on its way.
        return Err(E::NotAhead);
    }
    let swap_id = SwapId(swap.id);
    match action {
        Action::Move { window } => {
            if corrections::pending_of(&txn, rid, swap.id).await?.is_some() {
                return Err(E::Pending);
            }
            if window.start <= now {
                return Err(E::WindowPassed);
            }
            let checked =
                DeliveryWindow::new(window.start, window.end, now).map_err(|_| E::WindowPassed)?;
            let room =
                crate::app::slots::room_for(&txn, rid, &swap.postcode, window.start, window.end)
                    .await?;
            if room != Room::Free || window == current {
                return Err(E::WindowFull);
            }
            record(
                &txn,
                &swap,
                Recorded {
                    correction_id: answer_id,
                    correction: Correction {
                        address: None,
                        window: Some(checked),
                        reason: "The customer picked another window on the status page".into(),
                    },
                    kind: RequesterKind::Customer,
                    by: CUSTOMER_LABEL,
                    by_key: None,
                    at: now,
                },
            )
            .await
            .map_err(|e| match e {
                CorrectError::Db(e) => E::Db(e),
                _ => E::Pending,
            })?;
        }
        Action::Confirm | Action::NotHome { .. } => {
            let (answer, note) = match action {
                Action::NotHome { note } => (
                    CustomerAnswer::NotHome,
                    note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()),
                ),
                _ => (CustomerAnswer::Confirmed, None),
            };
            let entry = match answer {
                CustomerAnswer::Confirmed => TimelineEntry::CustomerConfirmed {
                    swap_id,
                    answer_id,
                    window: current.clone(),
                },
                CustomerAnswer::NotHome => TimelineEntry::CustomerNotHome {
                    swap_id,
                    answer_id,
                    window: current.clone(),
                    note: note.clone(),
                },
            };
            let inserted = db::insert_timeline(
                &txn,
                Entry {
                    case_id: cid,
                    retailer_id: rid,
                    entry,
                    occurred_at: now,
                    message_id: None,
                    dedup_key: Some(answer_key(answer_id)),
                },
            )
            .await?;
            if !inserted {
                return Ok(Acted::Again);
            }
            crate::outbound::swap_customer_answered(
                &txn,
                SwapCustomerAnsweredV1 {
                    swap_id,
                    case_id: CaseId(cid),
                    retailer_id: RetailerId(rid),
                    answer_id,
                    answer,
                    window: current,
                    note,
                    answered_at: now,
                },
            )
            .await?;
        }
    }
    txn.commit().await?;
    tracing::info!(
        retailer.id = %rid, case.id = %cid, swap.id = %swap.id, answer.id = %answer_id,
        "the customer acted on the status link"
    );
    Ok(Acted::Done)
}

/// What the status page tells the customer about what they did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Said {
    /// A move to `window` waits for logistics.
    MovePending { window: TimeWindow },
    /// The visit moved to `window`.
    Moved { window: TimeWindow },
    /// The window was just taken.
    MoveRefusedFull,
    /// Logistics could not move it any more.
    MoveRefused,
    /// The customer confirmed the current window.
    Confirmed,
    /// The customer won't be home in the current window.
    NotHome,
}

/// What the customer did about the visit and the answers, newest first (at most one move and
/// one answer about the current window).
pub async fn said<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    case_id: Uuid,
) -> Result<Vec<Said>, DbErr> {
    let Some(swap) = db::swap_of_case(db, retailer_id, case_id).await? else {
        return Ok(Vec::new());
    };
    let timeline = db::timeline_of(db, retailer_id, case_id).await?;
    let current = crate::app::status_link::visit_window(&timeline, &swap);
    let mut out = Vec::new();
    if let Some(c) = corrections::latest_by_customer(db, retailer_id, swap.id).await? {
        let window = c.window.clone();
        match (c.status.as_str(), window) {
            ("pending", Some(window)) => out.push(Said::MovePending { window }),
            ("applied", Some(window)) if window == current => out.push(Said::Moved { window }),
            ("refused", _) if c.refusal_reason.as_deref() == Some("window_full") => {
                out.push(Said::MoveRefusedFull)
            }
            ("refused", _) => out.push(Said::MoveRefused),
            _ => {}
        }
    }
    let answer = timeline.iter().rev().find_map(|t| match t.known_kind() {
        Some(TimelineKind::CustomerConfirmed | TimelineKind::CustomerNotHome) => t.entry().ok(),
        _ => None,
    });
    match answer {
        Some(TimelineEntry::CustomerConfirmed { window, .. }) if window == current => {
            out.push(Said::Confirmed)
        }
        Some(TimelineEntry::CustomerNotHome { window, .. }) if window == current => {
            out.push(Said::NotHome)
        }
        _ => {}
    }
    Ok(out)
}
