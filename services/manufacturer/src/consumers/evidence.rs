//! `retailer.claim.evidence_added.v1`: evidence for a claim (the collected unit's serial and
//! photo, a receipt, …) is stored once per `evidence_id`, a photo's bytes checked against its
//! digest. A serial that is not the claim's flags the claim (`serial_mismatch`). A claim the
//! rules held because required evidence was missing is judged again once it is all there.
//!
//! Evidence for a claim not known yet is retried (`Transient`): it may overtake its claim. At
//! the last retry tier (the claim had its chance to arrive) it is answered
//! `manufacturer.claim.not_accepted.v1` (`unknown_claim`), as is evidence naming a manufacturer
//! this service does not know (`unknown_manufacturer`). A photo whose type, size or place is
//! wrong, or whose inline bytes do not match its digest, can never be stored (`Permanent`). A
//! photo by claim-check is fetched from the shared blob store by its key and checked against
//! the message's size and SHA-256; a missing or different blob is retried (`Transient`: it may
//! still be on its way, or the store unreachable) and dead-lettered after the last retry, its
//! reason saying which — never stored unchecked.

use anyhow::anyhow;
use chrono::{DateTime, Utc};
use kummerer_blobs::BlobStore;
use kummerer_contracts::PhotoBytes;
use kummerer_contracts::claims::ClaimEvidence;
use kummerer_contracts::{
    ClaimEvidenceAddedV1, ClaimOutcome, DecidedBy, Envelope, Event, NotAcceptedReason,
};
use kummerer_messaging::HandleError;
use sea_orm::DatabaseTransaction;
use serde_json::json;
use uuid::Uuid;

use super::not_accepted::{Answering, Named, answer};
use crate::db::{agreement_version, claim, claim_event, claim_evidence, manufacturer};
use crate::domain::adjudication::{hold_for_evidence, missing_evidence, required_evidence};
use crate::domain::claim::rule_decider;
use crate::domain::decision::Decision;
use crate::domain::evidence::{
    CheckedPhoto, PHOTO_LIMIT, check_bytes, check_declared, check_inline, serial_mismatch,
};
use crate::domain::flags::{ClaimFlag, hold_flagged};
use crate::domain::{Adjudication, ClaimFacts, ClaimStatus, PendingReason, Terms, adjudicate};

pub async fn evidence_added(
    txn: &DatabaseTransaction,
    blobs: &BlobStore,
    env: &Envelope<ClaimEvidenceAddedV1>,
    last_chance: bool,
) -> Result<(), HandleError> {
    let e = &env.data;
    let Some(c) = claim::lock_any(txn, e.claim_id.as_uuid()).await? else {
        let answering = Answering {
            ty: ClaimEvidenceAddedV1::TYPE,
            id: env.id,
        };
        let named = Named {
            claim_id: e.claim_id,
            swap_id: e.swap_id,
            case_id: e.case_id,
            retailer_id: e.retailer_id,
            manufacturer_id: e.manufacturer_id,
        };
        let now = crate::db::now();
        if !manufacturer::exists(txn, e.manufacturer_id.as_uuid()).await? {
            let detail = format!(
                "the manufacturer does not know this product: no manufacturer {}",
                e.manufacturer_id
            );
            let reason = NotAcceptedReason::UnknownManufacturer;
            return answer(txn, answering, named, reason, detail, now).await;
        }
        if last_chance {
            let detail = format!(
                "the manufacturer does not know this claim; the {} evidence was not stored",
                e.evidence.kind.as_str()
            );
            let reason = NotAcceptedReason::UnknownClaim;
            return answer(txn, answering, named, reason, detail, now).await;
        }
        // The evidence may have overtaken its claim: try again later.
        return Err(HandleError::Transient(anyhow!(
            "evidence {} for claim {} that is not known yet",
            e.evidence.evidence_id,
            e.claim_id
        )));
    };
    same_parties(&c, e.manufacturer_id.as_uuid(), e.retailer_id.as_uuid())?;
    let now = crate::db::now();
    let mut c = c;
    let photo = checked_photo(blobs, &e.evidence, c.id).await?;
    let source = claim_evidence::FROM_EVIDENCE;
    if !note_evidence(txn, &mut c, &e.evidence, photo, source, now).await? {
        tracing::info!(claim.id = %c.id, evidence.id = %e.evidence.evidence_id, "evidence already stored");
        return Ok(());
    }
    metrics::counter!(crate::metrics::CLAIM_EVIDENCE).increment(1);
    let waiting = c.status == ClaimStatus::Pending.as_str()
        && c.pending_reason.as_deref() == Some(PendingReason::EvidenceMissing.as_str());
    let id = c.id;
    if waiting {
        readjudicate(txn, c, now, env.id).await?;
    } else {
        claim::save(txn, c).await?;
    }
    crate::webhooks::claim_updated(txn, id, "evidence_added").await?;
    Ok(())
}

/// The claim a message is about, locked, when it can only be about a known claim (an unknown
/// one is `Permanent`: it cannot arrive later) of the parties the message names.
pub async fn known_claim(
    txn: &DatabaseTransaction,
    claim_id: Uuid,
    manufacturer_id: Uuid,
    retailer_id: Uuid,
    what: &str,
) -> Result<claim::Model, HandleError> {
    let Some(c) = claim::lock_any(txn, claim_id).await? else {
        return Err(HandleError::Permanent(format!(
            "{what} for unknown claim {claim_id}"
        )));
    };
    same_parties(&c, manufacturer_id, retailer_id)?;
    Ok(c)
}

/// A message about a claim must name the claim's manufacturer and retailer.
pub fn same_parties(
    c: &claim::Model,
    manufacturer_id: Uuid,
    retailer_id: Uuid,
) -> Result<(), HandleError> {
    if c.manufacturer_id != manufacturer_id || c.retailer_id != retailer_id {
        return Err(HandleError::Permanent(format!(
            "claim {}: the message names manufacturer {manufacturer_id} and retailer \
             {retailer_id}, the claim is between {} and {}",
            c.id, c.manufacturer_id, c.retailer_id
        )));
    }
    Ok(())
}

/// Adds `flag` to the claim's flags (in memory) unless it has it.
pub fn raise_flag(c: &mut claim::Model, flag: ClaimFlag) {
    let mut codes = flag_codes(c);
    if !codes.iter().any(|f| f == flag.as_str()) {
        codes.push(flag.as_str().to_owned());
        c.flags = json!(codes);
    }
}

fn flag_codes(c: &claim::Model) -> Vec<String> {
    c.flags
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|f| f.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The photo of evidence `e` on claim `claim_id`, its bytes fetched (claim-check) or decoded
/// (inline) and checked; `None` without a photo.
pub async fn checked_photo(
    blobs: &BlobStore,
    e: &ClaimEvidence,
    claim_id: Uuid,
) -> Result<Option<CheckedPhoto>, HandleError> {
    let Some(photo) = &e.photo else {
        return Ok(None);
    };
    let permanent = |why: String| {
        HandleError::Permanent(format!(
            "evidence {} of claim {claim_id}: {why}",
            e.evidence_id
        ))
    };
    match check_declared(photo).map_err(permanent)? {
        PhotoBytes::Inline(_) => check_inline(photo).map(Some).map_err(permanent),
        PhotoBytes::Stored(key) => {
            let bytes = blobs
                .fetch_verified(key, photo.size_bytes, &photo.sha256, PHOTO_LIMIT)
                .await
                .map_err(|why| {
                    HandleError::Transient(anyhow!(
                        "evidence {} of claim {claim_id}: {why}",
                        e.evidence_id
                    ))
                })?;
            check_bytes(photo, bytes).map(Some).map_err(permanent)
        }
    }
}

/// Stores one piece of evidence of the locked claim `c` with its checked `photo`
/// ([`checked_photo`]) and writes its history entry; a serial that is not the claim's raises
/// `serial_mismatch` on `c` (the caller saves it). `false` when the evidence was stored before.
pub async fn note_evidence(
    txn: &DatabaseTransaction,
    c: &mut claim::Model,
    e: &ClaimEvidence,
    photo: Option<CheckedPhoto>,
    source: &str,
    now: DateTime<Utc>,
) -> Result<bool, HandleError> {
    let size = photo.as_ref().map(|p| p.bytes.len());
    if !claim_evidence::insert(txn, c.id, e, photo, source, now).await? {
        return Ok(false);
    }
    let mismatch = serial_mismatch(e, &c.serial);
    if mismatch {
        raise_flag(c, ClaimFlag::SerialMismatch);
        tracing::warn!(claim.id = %c.id, evidence.id = %e.evidence_id, "collected serial does not match the claim");
    }
    claim_event::append(
        txn,
        c.id,
        claim_event::EVIDENCE_ADDED,
        now,
        json!({
            "evidence_id": e.evidence_id,
            "kind": e.kind.as_str(),
            "source": source,
            "serial": e.serial,
            "serial_mismatch": mismatch,
            "photo_size_bytes": size,
            "observed_at": e.observed_at,
        }),
    )
    .await?;
    Ok(true)
}

/// Judges the locked pending claim `c` again with the evidence it has now, by the agreement
/// version that judged it on arrival; accepts it by rule (and says so to the retailer) when
/// nothing holds it any more, else records why it still waits. Saves `c`.
pub async fn readjudicate(
    txn: &DatabaseTransaction,
    mut c: claim::Model,
    now: DateTime<Utc>,
    message_id: Uuid,
) -> Result<claim::Model, HandleError> {
    let id = c.id;
    let terms = agreement_version::judging(txn, &c)
        .await?
        .map(Terms::from_contract);
    let list_price = match (&c.list_price, &c.list_price_currency) {
        (Some(a), Some(cur)) => crate::domain::money::money_of(*a, cur),
        _ => None,
    };
    let facts = ClaimFacts {
        price_paid: c.price_paid_money()?,
        sold_at: c.sold_at,
        swapped_at: c.swapped_at,
        defect_category: c.defect_category.clone(),
        list_price: terms
            .as_ref()
            .and_then(|t| t.list_price(&c.product_sku).cloned())
            .or(list_price),
    };
    let flags: Vec<ClaimFlag> = flag_codes(&c)
        .iter()
        .filter_map(|f| ClaimFlag::parse(f))
        .collect();
    let present = claim_evidence::kinds(txn, id).await?;
    let verdict = adjudicate(&facts, terms.as_ref());
    let missing = missing_evidence(&required_evidence(terms.as_ref(), &verdict), &present);
    let verdict = hold_for_evidence(hold_flagged(verdict, &flags), &missing);
    match verdict {
        // Judged on arrival: a rejection by rule was decided then, not now.
        Adjudication::Reject { .. } => Ok(c),
        Adjudication::Accept {
            amount,
            rule,
            lines,
            ..
        } => {
            let decision = Decision {
                outcome: ClaimOutcome::Accepted,
                amount: amount.clone(),
                reason_code: None,
            };
            c.suggested_amount = Some(amount.amount);
            c.cost_lines = json!(lines);
            let c = claim::save(txn, c).await?;
            let c = claim::record_decision(
                txn,
                c,
                ClaimStatus::Accepted,
                amount.amount,
                None,
                &rule_decider(&rule),
                now,
            )
            .await?;
            claim_event::append(
                txn,
                id,
                claim_event::AUTO_ACCEPTED,
                now,
                json!({ "rule": rule, "amount": amount, "lines": lines,
                        "message_id": message_id, "after": "evidence" }),
            )
            .await?;
            crate::announce::decided(
                txn,
                &c,
                &decision,
                DecidedBy::Rule { rule: rule.clone() },
                now,
            )
            .await?;
            tracing::info!(claim.id = %id, rule = %rule, "claim accepted by rule once its evidence arrived");
            Ok(c)
        }
        Adjudication::Pending {
            reason,
            suggested_amount,
        } => {
            c.pending_reason = Some(reason.as_str().to_owned());
            c.suggested_amount = suggested_amount.as_ref().map(|m| m.amount);
            let c = claim::save(txn, c).await?;
            claim_event::append(
                txn,
                id,
                claim_event::READJUDICATED,
                now,
                json!({
                    "reason": reason.as_str(),
                    "suggested_amount": suggested_amount,
                    "missing_evidence": missing.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
                    "message_id": message_id,
                }),
            )
            .await?;
            Ok(c)
        }
    }
}
