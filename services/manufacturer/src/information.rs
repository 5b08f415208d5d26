//! The outcome "information requested" (issue 11): the manufacturer sends a claim back to the
//! retailer with a question ([`ask`], from the decision API), the retailer answers
//! (`retailer.claim.information_provided.v1`, [`provided`]) and the claim is the
//! manufacturer's again, in the status it came from, with a fresh decision deadline (the
//! agreement version's `decision_deadline_days` from the answer). While the question is open
//! the claim's `deadline_at` is the answer's deadline; when it passes unanswered the sweep
//! ([`fire_unanswered`]) rejects the claim by the rule `information_not_provided` with reason
//! `no_information`, like any decision (`manufacturer.claim.decided.v1`, a webhook).
//!
//! An answer to a claim that is no longer waiting for one (rejected meanwhile by the sweep, a
//! copy) is kept in the claim's history (`ignored`), neither retried nor dead-lettered; an
//! answer about an unknown claim is dead-lettered (the retailer only answers a question it was
//! sent).

use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use kummerer_contracts::{
    ClaimInformationProvidedV1, ClaimInformationRequestedV1, ClaimOutcome, DecidedBy, Envelope,
    Money,
};
use kummerer_messaging::HandleError;
use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, TransactionTrait};
use serde_json::json;

use crate::consumers::evidence::known_claim;
use crate::db::{agreement_version, claim, claim_event, information};
use crate::domain::ClaimStatus;
use crate::domain::claim::rule_decider;
use crate::domain::decision::Decision;
use crate::domain::information::{NO_INFORMATION, Question, RULE, text};

/// Most unanswered claims one sweep rejects.
pub const BATCH: u64 = 100;

/// Sends claim `c` (locked by the caller, in a status that [`may_ask`]) back to the retailer.
///
/// [`may_ask`]: crate::domain::information::may_ask
pub async fn ask<C: ConnectionTrait>(
    txn: &C,
    mut c: claim::Model,
    q: &Question,
    key: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<claim::Model, DbErr> {
    // At the database's precision, so the message says exactly what the claim stores.
    let answer_by = crate::db::truncate(q.answer_by);
    information::insert(txn, c.id, &q.question, answer_by, now, &c.status).await?;
    c.status = ClaimStatus::InformationRequested.as_str().to_owned();
    c.deadline_at = Some(answer_by);
    let c = claim::save(txn, c).await?;
    claim_event::append(
        txn,
        c.id,
        claim_event::INFORMATION_REQUESTED,
        now,
        json!({ "question": q.question, "answer_by": answer_by, "key": key }),
    )
    .await?;
    crate::webhooks::claim_updated(txn, c.id, "information_requested").await?;
    kummerer_messaging::enqueue(
        txn,
        ClaimInformationRequestedV1 {
            claim_id: c.id.into(),
            swap_id: c.swap_id.into(),
            case_id: c.case_id.into(),
            retailer_id: c.retailer_id.into(),
            manufacturer_id: c.manufacturer_id.into(),
            question: q.question.clone(),
            answer_by,
            requested_at: now,
        },
    )
    .await?;
    tracing::info!(claim.id = %c.id, %answer_by, "information requested");
    Ok(c)
}

/// `retailer.claim.information_provided.v1`; see the module.
pub async fn provided(
    txn: &DatabaseTransaction,
    env: &Envelope<ClaimInformationProvidedV1>,
) -> Result<(), HandleError> {
    let a = &env.data;
    // Text PostgreSQL cannot store (a NUL) or no answer at all can never apply.
    text("answer", &a.answer)
        .map_err(|e| HandleError::Permanent(format!("claim {}: {}", a.claim_id, e.message)))?;
    let mut c = known_claim(
        txn,
        a.claim_id.as_uuid(),
        a.manufacturer_id.as_uuid(),
        a.retailer_id.as_uuid(),
        "information",
    )
    .await?;
    let now = crate::db::now();
    let open = match c.claim_status()? {
        ClaimStatus::InformationRequested => information::open_of(txn, c.id).await?,
        _ => None,
    };
    let Some(open) = open else {
        claim_event::append(
            txn,
            c.id,
            claim_event::IGNORED,
            now,
            json!({
                "message": "information_provided",
                "message_id": env.id,
                "reason": "the claim is not waiting for information",
                "status": c.status,
                "answer": a.answer,
                "answered_by": a.answered_by,
                "answered_at": a.answered_at,
            }),
        )
        .await?;
        tracing::warn!(claim.id = %c.id, status = %c.status, "information ignored");
        return Ok(());
    };
    let prior = ClaimStatus::parse(&open.prior_status).ok_or_else(|| {
        HandleError::Permanent(format!(
            "claim {}: bad prior status {}",
            c.id, open.prior_status
        ))
    })?;
    information::answer(txn, open.id, &a.answer, &a.answered_by, a.answered_at).await?;
    let days = agreement_version::judging(txn, &c)
        .await?
        .map(|t| t.decision_deadline_days);
    c.status = prior.as_str().to_owned();
    c.deadline_at = days.map(|d| now + TimeDelta::days(i64::from(d)));
    let c = claim::save(txn, c).await?;
    claim_event::append(
        txn,
        c.id,
        claim_event::INFORMATION_PROVIDED,
        now,
        json!({
            "message_id": env.id,
            "question": open.question,
            "answer": a.answer,
            "answered_by": a.answered_by,
            "answered_at": a.answered_at,
            "status": c.status,
            "deadline_at": c.deadline_at,
        }),
    )
    .await?;
    crate::webhooks::claim_updated(txn, c.id, "information_provided").await?;
    tracing::info!(claim.id = %c.id, status = %c.status, "information provided");
    Ok(())
}

/// Rejects every claim whose answer deadline passed at `now` (at most one batch) with reason
/// `no_information`; returns how many.
pub async fn fire_unanswered(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<usize, DbErr> {
    let now = now.trunc_subsecs(6);
    let txn = db.begin().await?;
    let due = information::unanswered(&txn, now, BATCH).await?;
    let n = due.len();
    for c in due {
        reject_unanswered(&txn, c, now).await?;
    }
    txn.commit().await?;
    Ok(n)
}

async fn reject_unanswered(
    txn: &DatabaseTransaction,
    c: claim::Model,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let id = c.id;
    if let Some(open) = information::open_of(txn, id).await? {
        information::expire(txn, open.id, now).await?;
    }
    let decision = Decision {
        outcome: ClaimOutcome::Rejected,
        amount: Money::zero(c.price_paid_money()?.currency),
        reason_code: Some(NO_INFORMATION.to_owned()),
    };
    let decided_by = rule_decider(RULE);
    let deadline_at = c.deadline_at;
    let updated = claim::record_decision(
        txn,
        c,
        decision.status(),
        decision.amount.amount,
        decision.reason_code.clone(),
        &decided_by,
        now,
    )
    .await?;
    claim_event::append(
        txn,
        id,
        claim_event::DECIDED,
        now,
        json!({
            "outcome": decision.outcome.as_str(),
            "amount": decision.amount,
            "reason_code": decision.reason_code,
            "decided_by": decided_by,
            "rule": RULE,
            "deadline_at": deadline_at,
        }),
    )
    .await?;
    crate::announce::decided(
        txn,
        &updated,
        &decision,
        DecidedBy::Rule {
            rule: RULE.to_owned(),
        },
        now,
    )
    .await?;
    crate::webhooks::claim_updated(txn, id, "decided").await?;
    tracing::info!(claim.id = %id, "claim rejected: the retailer did not answer in time");
    Ok(())
}
