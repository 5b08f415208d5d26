//! `retailer.claim.disputed.v1`: the retailer disputes a rejected claim, once. The claim opens
//! again (`disputed`) with the statement and evidence stored and a new deadline (the agreement
//! version's `decision_deadline_days` from now), and the manufacturer decides it again.
//!
//! A dispute of a claim that is not rejected, or a second dispute, changes nothing: it is
//! recorded in the claim's history (`ignored`) and acknowledged, neither retried nor
//! dead-lettered, since no delivery could ever apply it and the retailer's own case already
//! knows the claim's state. A dispute of an unknown claim is answered
//! `manufacturer.claim.not_accepted.v1` (`unknown_claim`): the retailer can only dispute a
//! rejection it was told of, so the claim cannot arrive later. The evidence's photos are
//! fetched and checked as evidence's are ([`super::evidence::checked_photo`]).

use chrono::TimeDelta;
use kummerer_blobs::BlobStore;
use kummerer_contracts::{ClaimDisputedV1, Envelope, Event, NotAcceptedReason};
use kummerer_messaging::HandleError;
use sea_orm::DatabaseTransaction;
use serde_json::json;

use super::evidence::{checked_photo, known_claim, note_evidence};
use super::not_accepted::{Answering, Named, answer};
use crate::db::{agreement_version, claim, claim_event, claim_evidence};
use crate::domain::ClaimStatus;

pub async fn claim_disputed(
    txn: &DatabaseTransaction,
    blobs: &BlobStore,
    env: &Envelope<ClaimDisputedV1>,
) -> Result<(), HandleError> {
    let d = &env.data;
    if claim::lock_any(txn, d.claim_id.as_uuid()).await?.is_none() {
        let named = Named {
            claim_id: d.claim_id,
            swap_id: d.swap_id,
            case_id: d.case_id,
            retailer_id: d.retailer_id,
            manufacturer_id: d.manufacturer_id,
        };
        let answering = Answering {
            ty: ClaimDisputedV1::TYPE,
            id: env.id,
        };
        let detail = "the manufacturer does not know this claim; the dispute was not taken up";
        let reason = NotAcceptedReason::UnknownClaim;
        let now = crate::db::now();
        return answer(txn, answering, named, reason, detail.to_owned(), now).await;
    }
    let mut c = known_claim(
        txn,
        d.claim_id.as_uuid(),
        d.manufacturer_id.as_uuid(),
        d.retailer_id.as_uuid(),
        "dispute",
    )
    .await?;
    let now = crate::db::now();
    let first_dispute_of_a_rejection =
        c.status == ClaimStatus::Rejected.as_str() && c.disputed_at.is_none();
    if !first_dispute_of_a_rejection {
        let why = if c.disputed_at.is_some() {
            "the claim was disputed before; a claim is disputed once"
        } else {
            "only a rejected claim can be disputed"
        };
        claim_event::append(
            txn,
            c.id,
            claim_event::IGNORED,
            now,
            json!({
                "message": "dispute",
                "message_id": env.id,
                "reason": why,
                "status": c.status,
                "statement": d.statement,
                "disputed_by": d.disputed_by,
                "disputed_at": d.disputed_at,
            }),
        )
        .await?;
        tracing::warn!(claim.id = %c.id, status = %c.status, why, "dispute ignored");
        metrics::counter!(crate::metrics::DISPUTES_IGNORED).increment(1);
        return Ok(());
    }
    // Nothing is stored unless every photo is good.
    let mut photos = Vec::with_capacity(d.evidence.len());
    for e in &d.evidence {
        photos.push(checked_photo(blobs, e, c.id).await?);
    }
    let mut added = Vec::new();
    for (e, photo) in d.evidence.iter().zip(photos) {
        if note_evidence(txn, &mut c, e, photo, claim_evidence::FROM_DISPUTE, now).await? {
            added.push(e.evidence_id);
        }
    }
    let days = agreement_version::judging(txn, &c)
        .await?
        .map(|t| t.decision_deadline_days);
    c.status = ClaimStatus::Disputed.as_str().to_owned();
    c.dispute_statement = Some(d.statement.clone());
    c.disputed_by = Some(d.disputed_by.clone());
    c.disputed_at = Some(d.disputed_at);
    c.deadline_at = days.map(|days| now + TimeDelta::days(i64::from(days)));
    let c = claim::save(txn, c).await?;
    claim_event::append(
        txn,
        c.id,
        claim_event::DISPUTED,
        now,
        json!({
            "message_id": env.id,
            "statement": d.statement,
            "disputed_by": d.disputed_by,
            "disputed_at": d.disputed_at,
            "evidence_ids": added,
            "deadline_at": c.deadline_at,
            "rejected_by": c.decided_by,
            "reason_code": c.reason_code,
        }),
    )
    .await?;
    crate::announce::acknowledged(txn, &c, now).await?;
    crate::webhooks::claim_updated(txn, c.id, "disputed").await?;
    metrics::counter!(crate::metrics::DISPUTES).increment(1);
    tracing::info!(claim.id = %c.id, "claim disputed");
    Ok(())
}
