//! Approving the swap of a case: the swap, the claim (for the price paid), two timeline entries,
//! the case's new status and both events commit together, or nothing does.

use chrono::{DateTime, Utc};
use kummerer_contracts::{
    Address, CaseId, ClaimId, ManufacturerId, Money, RetailerId, SwapId, TimeWindow,
};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, TransactionTrait};
use serde::Serialize;
use uuid::Uuid;

use crate::db::{self, Entry, claims, swaps};
use crate::domain::{
    ApprovalRefused, ClaimStatus, DeliveryWindow, Limit, SwapStatus, TimelineEntry,
};
use crate::outbound::{self, customer_of};

/// A checked swap approval, from the JSON API, the desk form or a manager's request.
#[derive(Debug, Clone)]
pub struct Approval {
    /// Another model than the one sold; the same model when `None`.
    pub replacement_sku: Option<String>,
    pub window: DeliveryWindow,
    /// Who approved, as shown: the desk's signed-in staff member, or `API key «name»`.
    pub approved_by: String,
    /// The integration key that approved (the JSON API), recorded on the swap.
    pub by_key: Option<Uuid>,
    /// The sale's customer address when `None`.
    pub delivery_address: Option<Address>,
    /// The manager who authorized a swap above the approver's limit (the desk).
    pub authorized_by: Option<String>,
    /// The limit the swap's value (the replacement's price) must be within: at the desk, the
    /// approver's — or the authorizing manager's; through the JSON API, the key's approval limit;
    /// `None` = no check.
    pub limit: Option<Limit>,
    /// The stock location one unit of the replacement is reserved at; `None`: no reservation.
    pub stock_location_id: Option<Uuid>,
    /// The customer's contact and consent as recorded at the counter; `None`: not asked (any
    /// contact recorded before stays).
    pub contact: Option<crate::domain::notify::Contact>,
    /// A manager (by e-mail) books the window even when no crew has room left in it (issue
    /// 13); `None`: a window the carriers announced full is refused ([`ApproveError::WindowFull`]).
    pub overbook_by: Option<String>,
}

/// What an approval made, with the counter's answer it recorded on the swap: whose account the
/// swap is on by the agreement version in force (the `swaps.counter` JSON, see
/// [`crate::domain::Counter`]).
#[derive(Debug, Clone, Serialize)]
pub struct SwapApproved {
    pub swap_id: SwapId,
    pub claim_id: ClaimId,
    pub case_id: CaseId,
    pub counter: crate::domain::Counter,
}

#[derive(Debug, thiserror::Error)]
pub enum ApproveError {
    /// No such case at this retailer.
    #[error("no such case")]
    NotFound,
    /// The case may not get a swap (any more).
    #[error("case {case_id}: {reason}")]
    Refused {
        case_id: CaseId,
        reason: ApprovalRefused,
    },
    /// The replacement SKU is not in the catalogue.
    #[error("no product with this SKU")]
    UnknownReplacement,
    /// The chosen stock location is not the retailer's.
    #[error("no such stock location")]
    UnknownLocation,
    /// The swap is worth more than the limit allows.
    #[error("this swap is worth {value}, above your authority limit ({limit}): it needs a manager")]
    NeedsManager { value: Money, limit: String },
    /// The stock location has no unit of the replacement left.
    #[error("{product} ({sku}) is not in stock at {location}: nothing was saved")]
    OutOfStock {
        product: String,
        sku: String,
        location: String,
    },
    /// The sold product's manufacturer is not a linked partner (issue 18): no claim could be
    /// filed, so nothing is swapped.
    #[error(
        "{manufacturer} is not a linked partner of this retailer: no claim can be filed with it, \
         so no swap was made. An admin links partners on the desk's Partners page."
    )]
    NotLinked { manufacturer: String },
    /// The carriers announced the window's day for the delivery postcode, and no crew has room
    /// left in it (issue 13): another window, or a manager overbooks.
    #[error(
        "no crew has room left in this delivery window: choose another window with room, or a \
         manager overbooks it"
    )]
    WindowFull,
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Approves the swap of a case, in its own transaction (see [`approve_in`]).
pub async fn approve(
    db: &DatabaseConnection,
    retailer_id: RetailerId,
    case_id: CaseId,
    approval: Approval,
    now: DateTime<Utc>,
) -> Result<SwapApproved, ApproveError> {
    let txn = db.begin().await?;
    let approved = approve_in(&txn, retailer_id, case_id, approval, now).await?;
    txn.commit().await?;
    tracing::info!(
        retailer.id = %retailer_id, case.id = %case_id, swap.id = %approved.swap_id,
        claim.id = %approved.claim_id, "swap approved, claim submitted"
    );
    Ok(approved)
}

/// [`approve`] inside the caller's transaction (a manager approving a clerk's request records
/// the decision in the same one). On an error the caller must roll back.
///
/// The case row is locked, so of two approvals at once exactly one creates the swap and the
/// claim, and the other waits, sees the case approved, and is refused.
pub async fn approve_in<C: ConnectionTrait>(
    txn: &C,
    retailer_id: RetailerId,
    case_id: CaseId,
    approval: Approval,
    now: DateTime<Utc>,
) -> Result<SwapApproved, ApproveError> {
    let refused = |reason| ApproveError::Refused { case_id, reason };
    let (rid, cid) = (retailer_id.as_uuid(), case_id.as_uuid());
    let case = db::lock_case(txn, rid, cid)
        .await?
        .ok_or(ApproveError::NotFound)?;
    let next = case.status.approve_swap().map_err(refused)?;
    let sale = db::sale_of(txn, rid, case.sale_id).await?;
    let product = db::product_of(txn, rid, sale.product_id).await?;
    // Only linked partners exchange claims: refused at the counter, before any stock moves.
    if !db::partners::is_linked(txn, rid, product.manufacturer_id).await? {
        let manufacturer = db::partners::manufacturer_name(txn, product.manufacturer_id)
            .await?
            .unwrap_or_else(|| format!("Manufacturer {}", product.manufacturer_id));
        return Err(ApproveError::NotLinked { manufacturer });
    }
    let replacement = match &approval.replacement_sku {
        None => product.clone(),
        Some(sku) => db::product_by_sku(txn, rid, sku)
            .await?
            .ok_or(ApproveError::UnknownReplacement)?,
    };
    if let Some(limit) = &approval.limit {
        // The value of a swap: what the retailer gives away, the replacement.
        let value = db::money(replacement.price, &replacement.currency)?;
        if !limit.allows(&value) {
            return Err(ApproveError::NeedsManager {
                value,
                limit: limit.describe(),
            });
        }
    }
    let pickup = match approval.stock_location_id {
        None => None,
        Some(location_id) => {
            let location = db::stock::location(txn, rid, location_id)
                .await?
                .ok_or(ApproveError::UnknownLocation)?;
            if db::stock::reserve(txn, rid, location_id, replacement.id)
                .await?
                .is_none()
            {
                return Err(ApproveError::OutOfStock {
                    product: replacement.name.clone(),
                    sku: replacement.sku.clone(),
                    location: location.name.clone(),
                });
            }
            Some(location)
        }
    };
    let address = approval
        .delivery_address
        .unwrap_or_else(|| customer_of(&sale));
    let price_paid = db::money(sale.price_paid, &sale.currency)?;
    let window = approval.window;
    // Room in the window, as the carriers announced it (issue 13).
    let room =
        crate::app::slots::room_for(txn, rid, &address.postcode, window.start, window.end).await?;
    let overbooked_by = match room {
        crate::domain::slots::Room::Free | crate::domain::slots::Room::Unknown => None,
        crate::domain::slots::Room::Full => match &approval.overbook_by {
            Some(manager) => Some(manager.clone()),
            None => return Err(ApproveError::WindowFull),
        },
    };

    // Whose account the swap is on, by the agreement in force now: recorded on the swap.
    let replaced = (replacement.id != product.id).then_some(&replacement);
    let (counter, _) = crate::app::entitlement::counter_for(
        txn,
        &sale,
        &product,
        &case.defect_category.as_string(),
        replaced,
        now,
    )
    .await?;
    let counter_json = serde_json::to_value(&counter)
        .map_err(|e| DbErr::Custom(format!("the counter's answer does not serialise: {e}")))?;
    let swap = swaps::Model {
        id: Uuid::now_v7(),
        case_id: cid,
        retailer_id: rid,
        replacement_product_id: replacement.id,
        window_start: window.start,
        window_end: window.end,
        address_name: address.name.clone(),
        address_phone: address.phone.clone(),
        street: address.street.clone(),
        postcode: address.postcode.clone(),
        city: address.city.clone(),
        country: address.country.clone(),
        approved_by: approval.approved_by.clone(),
        approved_at: now,
        approved_by_key: approval.by_key,
        authorized_by: approval.authorized_by.clone(),
        status: SwapStatus::Approved,
        status_changed_at: now,
        stock_location_id: pickup.as_ref().map(|l| l.id),
        overbooked_by: overbooked_by.clone(),
        counter_kind: Some(counter.as_str().to_owned()),
        counter_version: counter.version(),
        counter_rule: counter.rule().map(str::to_owned),
        counter: Some(counter_json),
    };
    if !db::insert_swap(txn, swap.clone()).await? {
        // The lock makes this unreachable; the unique key is the second line of defence.
        return Err(refused(ApprovalRefused::AlreadyApproved));
    }
    let claim = claims::Model {
        id: Uuid::now_v7(),
        swap_id: swap.id,
        case_id: cid,
        retailer_id: rid,
        manufacturer_id: product.manufacturer_id,
        amount_claimed: price_paid.amount,
        currency: price_paid.currency.to_string(),
        status: ClaimStatus::Submitted,
        decided_amount: None,
        reason_code: None,
        submitted_at: now,
        decided_at: None,
        not_accepted_reason: None,
        not_accepted_detail: None,
        submissions: 1,
    };
    if !db::insert_claim(txn, claim.clone()).await? {
        return Err(ApproveError::Db(DbErr::Custom(format!(
            "claim for the new swap {} already exists",
            swap.id
        ))));
    }
    let entry = |entry| Entry {
        case_id: cid,
        retailer_id: rid,
        entry,
        occurred_at: now,
        message_id: None,
        dedup_key: None,
    };
    let approved = TimelineEntry::SwapApproved {
        swap_id: SwapId(swap.id),
        replacement_sku: replacement.sku.clone(),
        window: TimeWindow {
            start: window.start,
            end: window.end,
        },
        approved_by: approval.approved_by.clone(),
        authorized_by: approval.authorized_by.clone(),
        stock_location: pickup.as_ref().map(|location| location.name.clone()),
        overbooked_by: overbooked_by.clone(),
    };
    let submitted = TimelineEntry::ClaimSubmitted {
        claim_id: ClaimId(claim.id),
        manufacturer_id: ManufacturerId(claim.manufacturer_id),
        amount_claimed: price_paid.clone(),
    };
    // Both entries in one statement, and the ball stored once.
    db::insert_timeline_entries(txn, vec![entry(approved), entry(submitted)]).await?;
    db::set_case_status(txn, rid, cid, next).await?;
    if let Some(contact) = &approval.contact {
        let language = match contact.language {
            Some(language) => language,
            None => crate::app::notify::place(txn, rid, cid).await?.language,
        };
        let by = &approval.approved_by;
        db::notifications::set_contact(txn, rid, cid, contact, language, by, now).await?;
    }
    // The customer hears of it (with the status link) in this transaction.
    let notice = crate::domain::notify::Notice::SwapApproved {
        window: TimeWindow {
            start: window.start,
            end: window.end,
        },
    };
    crate::app::notify::tell(txn, rid, cid, swap.id, &notice, now).await?;
    outbound::swap_approved(
        txn,
        outbound::SwapFacts {
            swap: &swap,
            claim: &claim,
            case: &case,
            sale: &sale,
            product: &product,
            replacement: &replacement,
            delivery_address: address,
            pickup: pickup.as_ref(),
            price_paid,
        },
    )
    .await?;
    Ok(SwapApproved {
        swap_id: SwapId(swap.id),
        claim_id: ClaimId(claim.id),
        case_id,
        counter,
    })
}
