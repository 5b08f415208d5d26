//! Resubmitting a claim the manufacturer did not accept (`not_accepted`: it did not know the
//! manufacturer, no agreement was in force, it did not know the claim). The retailer may first
//! correct the product's manufacturer (the catalogue row, so later swaps of it go right too);
//! then one transaction moves the claim back to `submitted` (for the product's manufacturer,
//! one submission more), writes `claim_resubmitted` on the timeline and puts
//! `retailer.claim.submitted.v1` — the same claim id, the product as it is now — into the
//! outbox. The manufacturer recorded nothing of the claim it did not accept, so it judges the
//! new submission afresh.

use chrono::{DateTime, SubsecRound, Utc};
use kummerer_contracts::{CaseId, ClaimId, ManufacturerId, RetailerId};
use sea_orm::{DatabaseConnection, DbErr, TransactionTrait};
use serde::Serialize;

use crate::db::{self, Entry};
use crate::domain::TimelineEntry;
use crate::domain::not_accepted::{ResubmitRefused, resubmit as next_status};
use crate::outbound::{self, ClaimFacts};

/// A resubmission.
#[derive(Debug, Clone)]
pub struct Resubmission {
    /// The product's manufacturer, corrected; `None` keeps it.
    pub manufacturer_id: Option<ManufacturerId>,
    /// Who resubmits, as shown: the staff member's e-mail, or `API key «name»`.
    pub resubmitted_by: String,
}

/// What a resubmission did.
#[derive(Debug, Serialize)]
pub struct Resubmitted {
    pub claim_id: ClaimId,
    pub case_id: CaseId,
    pub status: String,
    pub manufacturer_id: ManufacturerId,
    pub submission: u32,
    pub resubmitted_at: DateTime<Utc>,
}

#[derive(Debug, thiserror::Error)]
pub enum ResubmitError {
    #[error("no such claim")]
    NotFound,
    #[error("claim {claim_id}: {reason}")]
    Refused {
        claim_id: ClaimId,
        reason: ResubmitRefused,
    },
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Resubmits the claim; unknown claim or another retailer's → [`ResubmitError::NotFound`].
pub async fn resubmit(
    db: &DatabaseConnection,
    retailer_id: RetailerId,
    claim_id: ClaimId,
    r: Resubmission,
    now: DateTime<Utc>,
) -> Result<Resubmitted, ResubmitError> {
    let (rid, id) = (retailer_id.as_uuid(), claim_id.as_uuid());
    let now = now.trunc_subsecs(6);
    let txn = db.begin().await?;
    let mut claim = db::lock_claim(&txn, rid, id)
        .await?
        .ok_or(ResubmitError::NotFound)?;
    let next =
        next_status(claim.status).map_err(|reason| ResubmitError::Refused { claim_id, reason })?;
    let swap = db::lock_swap(&txn, rid, claim.swap_id)
        .await?
        .ok_or_else(|| DbErr::Custom(format!("claim {id}: its swap is missing")))?;
    let case = db::find_case(&txn, rid, claim.case_id)
        .await?
        .ok_or_else(|| DbErr::Custom(format!("claim {id}: its case is missing")))?;
    let sale = db::sale_of(&txn, rid, case.sale_id).await?;
    let mut product = db::product_of(&txn, rid, sale.product_id).await?;
    if let Some(m) = r.manufacturer_id {
        db::products::set_product_manufacturer(&txn, rid, product.id, m.as_uuid()).await?;
        product.manufacturer_id = m.as_uuid();
    }
    let submission = claim.submissions.saturating_add(1);
    db::claim_resubmitted(&txn, rid, id, product.manufacturer_id, submission).await?;
    claim.manufacturer_id = product.manufacturer_id;
    claim.status = next;
    let submission = u32::try_from(submission).unwrap_or(u32::MAX);
    let manufacturer_id = ManufacturerId(product.manufacturer_id);
    db::insert_timeline(
        &txn,
        Entry {
            case_id: claim.case_id,
            retailer_id: rid,
            entry: TimelineEntry::ClaimResubmitted {
                claim_id,
                manufacturer_id,
                resubmitted_by: r.resubmitted_by.clone(),
                submission,
            },
            occurred_at: now,
            message_id: None,
            dedup_key: None,
        },
    )
    .await?;
    let price_paid = db::money(sale.price_paid, &sale.currency)?;
    outbound::claim_submitted(
        &txn,
        ClaimFacts {
            swap: &swap,
            claim: &claim,
            case: &case,
            sale: &sale,
            product: &product,
            price_paid,
        },
    )
    .await?;
    txn.commit().await?;
    tracing::info!(
        retailer.id = %retailer_id, claim.id = %claim_id, case.id = %claim.case_id,
        manufacturer.id = %manufacturer_id, submission, by = %r.resubmitted_by,
        "claim resubmitted"
    );
    Ok(Resubmitted {
        claim_id,
        case_id: CaseId(claim.case_id),
        status: next.as_string(),
        manufacturer_id,
        submission,
        resubmitted_at: now,
    })
}
