//! `retailer.settlement`: the retailer's side of the business with each manufacturer.
//!
//! - `manufacturer.agreement.published.v1` → every version is stored (`agreement_id`,
//!   `version` unique; a redelivered version changes nothing). The desk shows the version in
//!   force today. An agreement for a retailer this service does not know can never be applied:
//!   dead-lettered.
//! - `manufacturer.credit_note.issued.v1` → the note and its lines are stored (once per credit
//!   note id), and each credited claim gets a `credited` timeline entry. A note for an unknown
//!   retailer, a line for a claim this retailer never filed (claims are filed by this service
//!   before any message about them can exist), lines in several currencies or a total that is
//!   not their sum, or a VAT statement that does not add up over the lines (issue 12) →
//!   dead-lettered, nothing stored. The statement is kept as issued for the printable document
//!   (`/desk/credit-notes/{id}`).
//! - `manufacturer.tenant.profile.v1` → the manufacturer's name in the directory (the latest
//!   announcement wins).
//! - `manufacturer.partner.changed.v1` → the retailer's copy of the link moves by the same rule
//!   as the manufacturer's (`app::partners::apply_remote`); an action that does not fit the
//!   state changes nothing. A link for a retailer this service does not know: dead-lettered.

use kummerer_contracts::{
    AgreementPublishedV1, ClaimId, CreditNoteIssuedV1, Event, ManufacturerPartnerChangedV1,
    ManufacturerProfileV1,
};
use kummerer_messaging::{HandleError, Handler, Incoming};
use sea_orm::DatabaseTransaction;
use uuid::Uuid;

use crate::db::{self, Entry, settlement};
use crate::domain::TimelineEntry;

pub struct SettlementConsumer;

impl Handler for SettlementConsumer {
    async fn handle(&self, txn: &DatabaseTransaction, msg: &Incoming) -> Result<(), HandleError> {
        match msg.envelope.ty.as_str() {
            AgreementPublishedV1::TYPE => {
                let env = msg.decode::<AgreementPublishedV1>()?;
                agreement_published(txn, &env.data).await
            }
            CreditNoteIssuedV1::TYPE => {
                let env = msg.decode::<CreditNoteIssuedV1>()?;
                credit_note_issued(txn, &env.data).await
            }
            ManufacturerProfileV1::TYPE => {
                let env = msg.decode::<ManufacturerProfileV1>()?;
                let p = &env.data;
                let mid = p.manufacturer_id.as_uuid();
                db::partners::upsert_directory(txn, mid, &p.name, p.announced_at).await?;
                Ok(())
            }
            ManufacturerPartnerChangedV1::TYPE => {
                let env = msg.decode::<ManufacturerPartnerChangedV1>()?;
                known_retailer(txn, env.data.retailer_id.as_uuid()).await?;
                crate::app::partners::apply_remote(txn, &env.data).await?;
                Ok(())
            }
            other => Err(HandleError::Permanent(format!("unexpected type {other}"))),
        }
    }
}

async fn known_retailer(txn: &DatabaseTransaction, retailer_id: Uuid) -> Result<(), HandleError> {
    match db::find_retailer(txn, retailer_id).await? {
        Some(_) => Ok(()),
        None => Err(HandleError::Permanent(format!("no retailer {retailer_id}"))),
    }
}

async fn agreement_published(
    txn: &DatabaseTransaction,
    ev: &AgreementPublishedV1,
) -> Result<(), HandleError> {
    known_retailer(txn, ev.retailer_id.as_uuid()).await?;
    if ev.version == 0 {
        return Err(HandleError::Permanent(format!(
            "agreement {} has version 0; versions start at 1",
            ev.agreement_id
        )));
    }
    db::partners::upsert_directory(
        txn,
        ev.manufacturer_id.as_uuid(),
        &ev.manufacturer_name,
        ev.published_at,
    )
    .await?;
    if settlement::insert_agreement(txn, ev).await? {
        metrics::counter!(crate::metrics::AGREEMENT_VERSIONS_STORED).increment(1);
        tracing::info!(
            retailer.id = %ev.retailer_id, agreement.id = %ev.agreement_id,
            agreement.version = ev.version, manufacturer.id = %ev.manufacturer_id,
            "agreement version stored"
        );
    } else {
        tracing::info!(
            agreement.id = %ev.agreement_id, agreement.version = ev.version,
            "agreement version already stored; the first copy stands"
        );
    }
    Ok(())
}

async fn credit_note_issued(
    txn: &DatabaseTransaction,
    ev: &CreditNoteIssuedV1,
) -> Result<(), HandleError> {
    known_retailer(txn, ev.retailer_id.as_uuid()).await?;
    let mut sum = rust_decimal::Decimal::ZERO;
    let mut claims = Vec::with_capacity(ev.lines.len());
    for line in &ev.lines {
        if line.amount.currency != ev.total.currency {
            return Err(HandleError::Permanent(format!(
                "credit note {}: a line in {}, the total in {}",
                ev.credit_note_id, line.amount.currency, ev.total.currency
            )));
        }
        sum += line.amount.amount;
        let claim = db::lock_claim(txn, ev.retailer_id.as_uuid(), line.claim_id.as_uuid())
            .await?
            .ok_or_else(|| {
                HandleError::Permanent(format!(
                    "credit note {}: no claim {} of retailer {}",
                    ev.credit_note_id, line.claim_id, ev.retailer_id
                ))
            })?;
        if claim.swap_id != line.swap_id.as_uuid()
            || claim.case_id != line.case_id.as_uuid()
            || claim.manufacturer_id != ev.manufacturer_id.as_uuid()
            || claim.currency.trim() != ev.total.currency.as_str()
        {
            return Err(HandleError::Permanent(format!(
                "credit note {}: the line for claim {} does not fit it (swap, case, \
                 manufacturer or currency)",
                ev.credit_note_id, claim.id
            )));
        }
        claims.push((claim, line));
    }
    if sum != ev.total.amount {
        return Err(HandleError::Permanent(format!(
            "credit note {}: the total {} is not the sum of the lines {sum}",
            ev.credit_note_id, ev.total
        )));
    }
    if let Some(vat) = &ev.vat {
        let lines: Vec<_> = ev
            .lines
            .iter()
            .map(|l| (&l.amount, l.vat.as_ref()))
            .collect();
        vat.adds_up(&lines).map_err(|why| {
            HandleError::Permanent(format!("credit note {}: {why}", ev.credit_note_id))
        })?;
    } else if ev.lines.iter().any(|l| l.vat.is_some()) {
        return Err(HandleError::Permanent(format!(
            "credit note {}: VAT on a line, none on the note",
            ev.credit_note_id
        )));
    }
    if !settlement::insert_credit_note(txn, ev).await? {
        tracing::info!(credit_note.id = %ev.credit_note_id, "credit note already stored");
        return Ok(());
    }
    for (claim, line) in claims {
        db::insert_timeline(
            txn,
            Entry {
                case_id: claim.case_id,
                retailer_id: claim.retailer_id,
                entry: TimelineEntry::Credited {
                    claim_id: ClaimId(claim.id),
                    credit_note_id: ev.credit_note_id,
                    number: ev.number.clone(),
                    amount: line.amount.clone(),
                },
                occurred_at: ev.issued_at,
                message_id: None,
                dedup_key: None,
            },
        )
        .await?;
    }
    metrics::counter!(crate::metrics::CREDIT_NOTES_STORED).increment(1);
    tracing::info!(
        retailer.id = %ev.retailer_id, credit_note.id = %ev.credit_note_id,
        lines = ev.lines.len(), total = %ev.total, "credit note stored"
    );
    Ok(())
}
