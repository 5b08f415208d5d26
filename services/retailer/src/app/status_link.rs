//! The customer's status link: staff create it on the case page (a new one replaces the old;
//! only the token's SHA-256 is stored), and the customer reads where the swap stands with it.

use chrono::{DateTime, Utc};
use kummerer_contracts::{CaseId, RetailerId, TimeWindow};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr};

use crate::db;
use crate::domain::{Step, TimelineEntry};

#[derive(Debug, thiserror::Error)]
pub enum StatusLinkError {
    #[error("no such case")]
    NotFound,
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Stores `token_hash` as the case's status link (the older one stops working).
pub async fn create(
    db: &DatabaseConnection,
    retailer_id: RetailerId,
    case_id: CaseId,
    token_hash: String,
) -> Result<(), StatusLinkError> {
    if !db::cases::set_status_token(db, retailer_id.as_uuid(), case_id.as_uuid(), token_hash)
        .await?
    {
        return Err(StatusLinkError::NotFound);
    }
    Ok(())
}

/// What the customer's status page shows: nothing else of the case.
pub struct CaseStatusFacts {
    /// Whose case it is (never shown): the page's forms need them.
    pub retailer_id: uuid::Uuid,
    pub case_id: uuid::Uuid,
    /// The delivery postcode of the swap, for the windows on offer (never shown).
    pub postcode: Option<String>,
    pub product: String,
    pub step: Step,
    /// The crew's window once it has one (else the one approved), while delivery is ahead.
    pub window: Option<TimeWindow>,
    /// The crew's estimated arrival, once it is on the way and gave one.
    pub eta: Option<DateTime<Utc>>,
    /// The store the customer deals with, and its phone.
    pub store: String,
    pub store_phone: String,
    pub time_zone: chrono_tz::Tz,
    /// The customer's language on the case (else the store's).
    pub language: crate::domain::notify::Language,
    /// The case closed longer ago than links live (`KUMMERER_STATUS_LINK_DAYS`): the page says
    /// so and shows nothing else.
    pub expired: bool,
}

/// The window the crew comes in: the latest the crew's job was scheduled, set off or corrected
/// to (`timeline`, oldest first), else the one approved.
pub fn visit_window(timeline: &[db::timeline::Model], swap: &db::swaps::Model) -> TimeWindow {
    timeline
        .iter()
        .rev()
        .find_map(|t| match t.entry() {
            Ok(TimelineEntry::JobScheduled { window, .. })
            | Ok(TimelineEntry::OnTheWay { window, .. })
            | Ok(TimelineEntry::SwapCorrected { window, .. }) => Some(window),
            _ => None,
        })
        .unwrap_or(TimeWindow {
            start: swap.window_start,
            end: swap.window_end,
        })
}

/// Where the case with the status link `token_hash` stands; `None` for an unknown link.
pub async fn status<C: ConnectionTrait>(
    db: &C,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<CaseStatusFacts>, DbErr> {
    let Some(case) = db::cases::by_status_token(db, token_hash).await? else {
        return Ok(None);
    };
    let retailer_id = case.retailer_id;
    let sale = db::sale_of(db, retailer_id, case.sale_id).await?;
    let product = db::product_of(db, retailer_id, sale.product_id).await?;
    let swap = db::swap_of_case(db, retailer_id, case.id).await?;
    let swap_status = swap.as_ref().map(|s| s.status);
    let step = Step::of(case.status, swap_status);
    let place = crate::app::notify::place(db, retailer_id, case.id).await?;
    let language = db::notifications::contact_of(db, retailer_id, case.id)
        .await?
        .and_then(|c| c.language)
        .unwrap_or(place.language);
    let expired = if matches!(step, Step::Delivered | Step::Refused | Step::Closed) {
        // Closed since its last fact.
        let timeline = db::timeline_of(db, retailer_id, case.id).await?;
        let closed_at = timeline.iter().map(|t| t.occurred_at).max();
        let valid = crate::app::notify::links().valid_after_close;
        closed_at.is_some_and(|at| at + valid < now)
    } else {
        false
    };
    let (window, eta) = if matches!(step, Step::DeliveryScheduled | Step::OnTheWay) {
        // The crew's window: from the latest `on_the_way` or `job_scheduled`, else the one
        // approved; the estimate from the latest `on_the_way`.
        let timeline = db::timeline_of(db, retailer_id, case.id).await?;
        let latest = timeline.iter().rev().find_map(|t| match t.entry() {
            Ok(TimelineEntry::JobScheduled { window, .. }) => Some((window, None)),
            Ok(TimelineEntry::OnTheWay { window, eta, .. }) => Some((window, eta)),
            Ok(TimelineEntry::SwapCorrected { window, .. }) => Some((window, None)),
            _ => None,
        });
        let eta = latest
            .as_ref()
            .and_then(|(_, eta)| *eta)
            .filter(|_| step == Step::OnTheWay);
        let window = latest.map(|(window, _)| window).or_else(|| {
            swap.as_ref().map(|s| TimeWindow {
                start: s.window_start,
                end: s.window_end,
            })
        });
        (window, eta)
    } else {
        (None, None)
    };
    Ok(Some(CaseStatusFacts {
        retailer_id,
        case_id: case.id,
        postcode: swap.as_ref().map(|s| s.postcode.clone()),
        product: product.name,
        step,
        window,
        eta,
        store: place.store,
        store_phone: place.phone,
        time_zone: place.time_zone,
        language,
        expired,
    }))
}
