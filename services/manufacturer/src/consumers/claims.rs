//! `manufacturer.claims`: a retailer's recourse claim arrives, is recorded once, and is judged
//! in the same transaction against the version of the agreement in force on its swap date. What
//! the rules accept is announced at once (`manufacturer.claim.decided.v1`, through the outbox);
//! the rest waits for the manufacturer. A claim for a manufacturer this service does not know,
//! or without an agreement in force on its swap date, is not recorded but answered
//! (`manufacturer.claim.not_accepted.v1`, [`super::not_accepted`]). The queue also carries what happens to a claim later,
//! each type handled in its own module: evidence ([`super::evidence`]), disputes
//! ([`super::disputes`]) and returned units arriving at a depot ([`super::returns`]). Any other
//! type is dead-lettered. Partner links travel here too (issue 18): the retailer's profile,
//! its link actions and its acceptance of agreement versions ([`crate::partners`]); a claim for
//! a pair that is not linked is answered `not_linked`. A linked retailer's units sold per month
//! arrive here as well ([`super::sales`], issue 12).

use chrono::TimeDelta;
use kummerer_contracts::{
    ClaimDisputedV1, ClaimEvidenceAddedV1, ClaimInformationProvidedV1, ClaimOutcome,
    ClaimSubmittedV1, DecidedBy, Envelope, Event, NotAcceptedReason, ReturnArrivedV1,
};
use kummerer_messaging::{HandleError, Handler, Incoming};
use sea_orm::DatabaseTransaction;
use serde_json::json;

use super::not_accepted::{Answering, Named, answer};
use crate::db::{agreement_version, claim, claim_event, manufacturer, serial};
use crate::domain::adjudication::{hold_for_evidence, missing_evidence, required_evidence};
use crate::domain::claim::rule_decider;
use crate::domain::flags::{ClaimFlag, above_cap, flags, hold_flagged};
use crate::domain::{Adjudication, ClaimFacts, ClaimStatus, Decision, PendingReason, adjudicate};

/// The handler of the `MANUFACTURER_CLAIMS` queue.
#[derive(Debug, Clone)]
pub struct ClaimsHandler {
    /// The shared blob store the evidence's photos are fetched from (claim-check).
    pub blobs: kummerer_blobs::BlobStore,
    /// The attempt (`Incoming::attempt`) after which a failed message is dead-lettered: the
    /// number of retry tiers. Evidence still waiting for its claim then is answered instead.
    pub last_attempt: u32,
}

impl Handler for ClaimsHandler {
    async fn handle(&self, txn: &DatabaseTransaction, msg: &Incoming) -> Result<(), HandleError> {
        match msg.envelope.ty.as_str() {
            ClaimSubmittedV1::TYPE => {
                let env = msg.decode::<ClaimSubmittedV1>()?;
                claim_submitted(txn, &env, msg.envelope.ty.as_str()).await
            }
            ClaimEvidenceAddedV1::TYPE => {
                let env = msg.decode::<ClaimEvidenceAddedV1>()?;
                let last_chance = msg.attempt >= self.last_attempt;
                super::evidence::evidence_added(txn, &self.blobs, &env, last_chance).await
            }
            ClaimDisputedV1::TYPE => {
                let env = msg.decode::<ClaimDisputedV1>()?;
                super::disputes::claim_disputed(txn, &self.blobs, &env).await
            }
            ReturnArrivedV1::TYPE => {
                let env = msg.decode::<ReturnArrivedV1>()?;
                super::returns::return_arrived(txn, &env).await
            }
            kummerer_contracts::ClaimWithdrawnV1::TYPE => {
                let env = msg.decode::<kummerer_contracts::ClaimWithdrawnV1>()?;
                super::withdrawals::claim_withdrawn(txn, &env).await
            }
            ClaimInformationProvidedV1::TYPE => {
                let env = msg.decode::<ClaimInformationProvidedV1>()?;
                crate::information::provided(txn, &env).await
            }
            kummerer_contracts::RetailerProfileV1::TYPE => {
                let env = msg.decode::<kummerer_contracts::RetailerProfileV1>()?;
                let p = &env.data;
                let rid = p.retailer_id.as_uuid();
                let country = p.country.as_deref();
                crate::db::partners::remember_retailer(txn, rid, &p.name, country, p.announced_at)
                    .await?;
                Ok(())
            }
            kummerer_contracts::RetailerPartnerChangedV1::TYPE => {
                let env = msg.decode::<kummerer_contracts::RetailerPartnerChangedV1>()?;
                crate::partners::retailer_acted(txn, &env.data).await
            }
            kummerer_contracts::AgreementAcceptedV1::TYPE => {
                let env = msg.decode::<kummerer_contracts::AgreementAcceptedV1>()?;
                crate::partners::version_accepted(txn, &env.data).await
            }
            kummerer_contracts::SalesReportedV1::TYPE => {
                let env = msg.decode::<kummerer_contracts::SalesReportedV1>()?;
                super::sales::sales_reported(txn, &env.data).await
            }
            other => Err(HandleError::Permanent(format!("unexpected type {other}"))),
        }
    }
}

async fn claim_submitted(
    txn: &DatabaseTransaction,
    env: &Envelope<ClaimSubmittedV1>,
    ty: &str,
) -> Result<(), HandleError> {
    let event = &env.data;
    let claim_id = event.claim_id;
    let answering = Answering { ty, id: env.id };
    let named = Named {
        claim_id,
        swap_id: event.swap_id,
        case_id: event.case_id,
        retailer_id: event.retailer_id,
        manufacturer_id: event.manufacturer_id,
    };
    if !manufacturer::exists(txn, event.manufacturer_id.as_uuid()).await? {
        let detail = format!(
            "the manufacturer does not know this product: no manufacturer {} ({}, {})",
            event.manufacturer_id, event.product.sku, event.product.name
        );
        let reason = NotAcceptedReason::UnknownManufacturer;
        return answer(txn, answering, named, reason, detail, crate::db::now()).await;
    }
    // Only linked partners exchange claims (issue 18): a claim filed after an unlink (or one
    // that crossed it) is answered, not recorded. A claim recorded before stays and settles.
    if !crate::db::partners::linked(
        txn,
        event.manufacturer_id.as_uuid(),
        event.retailer_id.as_uuid(),
    )
    .await?
        && !claim::exists(txn, claim_id.as_uuid()).await?
    {
        let detail = "the retailer and the manufacturer are not linked partners".to_owned();
        let reason = NotAcceptedReason::NotLinked;
        return answer(txn, answering, named, reason, detail, crate::db::now()).await;
    }
    // Claims on one serial arrive one after another, so that the duplicate check sees them all.
    serial::lock(txn, event.manufacturer_id.as_uuid(), &event.serial).await?;
    if claim::exists(txn, claim_id.as_uuid()).await? {
        tracing::info!(claim.id = %claim_id, message.id = %env.id, "claim already recorded");
        return Ok(());
    }
    // Judged by the version of the agreement in force on the swap date.
    let version = agreement_version::in_force(
        txn,
        event.manufacturer_id.as_uuid(),
        event.retailer_id.as_uuid(),
        event.swapped_at,
    )
    .await?;
    let Some(version) = version else {
        let detail = format!(
            "no agreement between this retailer and the manufacturer was in force on the swap \
             date {}",
            event.swapped_at.date_naive()
        );
        let reason = NotAcceptedReason::NoAgreement;
        return answer(txn, answering, named, reason, detail, crate::db::now()).await;
    };
    let version = Some(version);
    let terms = version.as_ref().map(|v| v.domain_terms()).transpose()?;
    let facts = ClaimFacts {
        price_paid: event.price_paid.clone(),
        sold_at: event.sold_at,
        swapped_at: event.swapped_at,
        defect_category: event.defect_category.clone(),
        list_price: terms
            .as_ref()
            .and_then(|t| t.list_price(&event.product.sku).cloned())
            .or_else(|| event.list_price.clone()),
    };
    let mut raised = flags(
        serial::facts(
            txn,
            event.manufacturer_id.as_uuid(),
            &event.serial,
            claim_id.as_uuid(),
        )
        .await?,
    );
    // Never accepted by a rule above the cap or the list price: it waits for a person.
    if above_cap(
        &facts,
        terms.as_ref(),
        &event.product.sku,
        event.list_price.as_ref(),
    ) {
        raised.push(ClaimFlag::AmountAboveCap);
    }
    let verdict = adjudicate(&facts, terms.as_ref());
    if matches!(
        verdict,
        Adjudication::Pending {
            reason: PendingReason::Flagged,
            ..
        }
    ) && !raised.contains(&ClaimFlag::AmountAboveCap)
    {
        // Above a swap rule's cap or maximum price.
        raised.push(ClaimFlag::AmountAboveCap);
    }
    // Nothing is known of the claim's evidence yet: all the agreement and the rule require is
    // missing.
    let missing = missing_evidence(&required_evidence(terms.as_ref(), &verdict), &[]);
    let verdict = hold_for_evidence(hold_flagged(verdict, &raised), &missing);
    let flag_codes: Vec<&str> = raised.iter().map(|f| f.as_str()).collect();
    let received_at = crate::db::now();
    let currency = event.price_paid.currency.clone();

    let mut row = claim::Model {
        id: claim_id.as_uuid(),
        manufacturer_id: event.manufacturer_id.as_uuid(),
        retailer_id: event.retailer_id.as_uuid(),
        swap_id: event.swap_id.as_uuid(),
        case_id: event.case_id.as_uuid(),
        serial: event.serial.clone(),
        product_sku: event.product.sku.clone(),
        product_name: event.product.name.clone(),
        currency: currency.to_string(),
        price_paid: event.price_paid.amount,
        sold_at: event.sold_at,
        swapped_at: event.swapped_at,
        defect_category: event.defect_category.clone(),
        defect_description: event.defect_description.clone(),
        agreement_id: version.as_ref().map(|v| v.agreement_id),
        handling_fee: terms
            .as_ref()
            .filter(|t| t.handling_fee.currency == currency)
            .map(|t| t.handling_fee.amount),
        status: ClaimStatus::Pending.as_str().to_owned(),
        pending_reason: None,
        suggested_amount: None,
        decided_amount: None,
        reason_code: None,
        decided_by: None,
        received_at,
        deadline_at: terms
            .as_ref()
            .map(|t| received_at + TimeDelta::days(i64::from(t.decision_deadline_days))),
        decided_at: None,
        flags: json!(flag_codes),
        agreement_version: version.as_ref().map(|v| v.version),
        return_depot_id: None,
        return_by: None,
        freight_paid_by: None,
        return_requested_at: None,
        arrived_at: None,
        inspection_result: None,
        inspection_note: None,
        inspected_at: None,
        dispute_statement: None,
        disputed_by: None,
        disputed_at: None,
        list_price: event.list_price.as_ref().map(|m| m.amount),
        list_price_currency: event.list_price.as_ref().map(|m| m.currency.to_string()),
        cost_lines: json!(verdict.lines()),
    };
    match &verdict {
        Adjudication::Accept { amount, rule, .. } => {
            row.status = ClaimStatus::Accepted.as_str().to_owned();
            row.suggested_amount = Some(amount.amount);
            row.decided_amount = Some(amount.amount);
            row.decided_by = Some(rule_decider(rule));
            row.decided_at = Some(received_at);
        }
        Adjudication::Reject { rule, reason_code } => {
            row.status = ClaimStatus::Rejected.as_str().to_owned();
            row.suggested_amount = Some(rust_decimal::Decimal::new(0, 2));
            row.decided_amount = Some(rust_decimal::Decimal::new(0, 2));
            row.reason_code = Some(reason_code.clone());
            row.decided_by = Some(rule_decider(rule));
            row.decided_at = Some(received_at);
        }
        Adjudication::Pending {
            reason,
            suggested_amount,
        } => {
            row.pending_reason = Some(reason.as_str().to_owned());
            row.suggested_amount = suggested_amount.as_ref().map(|m| m.amount);
        }
    }
    let recorded = row.clone();
    if !claim::insert_new(txn, row).await? {
        // Not the id (checked above, and this transaction holds no lock on it): another claim
        // for the same swap, or the same claim committed by a concurrent consumer.
        if claim::exists(txn, claim_id.as_uuid()).await? {
            return Ok(());
        }
        return Err(HandleError::Permanent(format!(
            "claim {claim_id}: swap {} already has another claim",
            event.swap_id
        )));
    }

    let days_since_sale = facts.days_since_sale();
    // The claim's history: received, then decided by rule or left pending (one statement).
    let mut history = vec![(
        claim_event::RECEIVED,
        json!({
            "message_id": env.id,
            "price_paid": event.price_paid,
            "list_price": event.list_price,
            "days_since_sale": days_since_sale,
            "agreement_id": version.as_ref().map(|v| v.agreement_id),
            "agreement_version": version.as_ref().map(|v| v.version),
            "flags": flag_codes,
        }),
    )];
    let agreement_version = version.as_ref().map(|v| v.number());
    // A decision by rule: its history entry, then the message (rule, version and cost lines).
    let by_rule = match &verdict {
        Adjudication::Accept {
            amount,
            rule,
            lines,
            ..
        } => Some((
            claim_event::AUTO_ACCEPTED,
            json!({ "rule": rule, "amount": amount, "lines": lines,
                    "agreement_version": agreement_version }),
            Decision {
                outcome: ClaimOutcome::Accepted,
                amount: amount.clone(),
                reason_code: None,
            },
            rule,
        )),
        Adjudication::Reject { rule, reason_code } => Some((
            claim_event::AUTO_REJECTED,
            json!({ "rule": rule, "reason_code": reason_code,
                    "agreement_version": agreement_version }),
            Decision {
                outcome: ClaimOutcome::Rejected,
                amount: kummerer_contracts::Money::zero(currency.clone()),
                reason_code: Some(reason_code.clone()),
            },
            rule,
        )),
        Adjudication::Pending { .. } => None,
    };
    let by_rule = by_rule.map(|(kind, details, decision, rule)| {
        history.push((kind, details));
        (decision, rule)
    });
    if let Adjudication::Pending {
        reason,
        suggested_amount,
    } = &verdict
    {
        history.push((
            claim_event::LEFT_PENDING,
            json!({ "reason": reason.as_str(), "suggested_amount": suggested_amount }),
        ));
        tracing::info!(claim.id = %claim_id, reason = reason.as_str(), "claim left pending");
    }
    claim_event::append_all(txn, claim_id.as_uuid(), received_at, history).await?;
    if let Some((decision, rule)) = by_rule {
        let decided_by = DecidedBy::Rule { rule: rule.clone() };
        crate::announce::decided(txn, &recorded, &decision, decided_by, received_at).await?;
        tracing::info!(claim.id = %claim_id, rule = %rule, outcome = decision.outcome.as_str(),
            "claim decided by rule");
    }
    // The retailer learns the decision deadline (nothing for a claim accepted by rule).
    crate::announce::acknowledged(txn, &recorded, received_at).await?;
    crate::webhooks::claim_created(txn, &recorded).await?;
    // `must_return`: the unit is asked back at once, whatever the decision. The claim is this
    // transaction's own new row, so nothing else can hold it; read back only when it changes.
    let disposition = terms.as_ref().map(|t| t.unit_disposition);
    if disposition == Some(kummerer_contracts::agreement::UnitDisposition::MustReturn)
        && let Some(c) = claim::lock_any(txn, claim_id.as_uuid()).await?
    {
        crate::unit_back::on_arrival(txn, c, disposition, received_at).await?;
    }
    Ok(())
}
