//! Deadlines with a default outcome. A claim left open (pending, its returned unit arrived, or
//! disputed) past its `deadline_at` gets the default outcome of the agreement version that
//! judged it, decided by the rule `deadline_deemed_accepted` or
//! `deadline_deemed_rejected`, and the retailer is told (`manufacturer.claim.decided.v1`).
//! A claim waiting for its unit (`return_requested`) is due at its `return_by`: the unit not at
//! the depot by then, it gets the default outcome the same way and its return is withdrawn
//! (`manufacturer.claim.return_withdrawn.v1`, see [`crate::domain::returns::decided_without_unit`]).
//!
//! The timer is the `deadline_at` column itself, so it survives a restart; the sweep claims due
//! claims with `FOR UPDATE SKIP LOCKED`, so replicas side by side decide each claim once. The
//! sweep is idempotent: a decided claim is no longer due. Time is a parameter of
//! [`fire_deadlines`], so that tests run a step at any instant without sleeping.

use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use kummerer_contracts::DecidedBy;
use sea_orm::{DatabaseConnection, DbErr, TransactionTrait};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::db::{claim, claim_event, deadlines};
use crate::domain::claim::rule_decider;
use crate::domain::returns::{WithdrawReason, decided_without_unit, withdrawal_detail};
use crate::domain::{DecisionError, deem};

/// How often the worker looks for due claims.
pub const INTERVAL: Duration = Duration::from_secs(5);

/// Decides every claim due at `now` (at most one batch); returns how many it decided.
pub async fn fire_deadlines(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<usize, DbErr> {
    let now = now.trunc_subsecs(6);
    let txn = db.begin().await?;
    let due = deadlines::claim_due(&txn, now).await?;
    let mut decided = 0;
    for (c, outcome) in due {
        let id = c.id;
        let open = c.open_claim()?;
        let without_unit = decided_without_unit(&open);
        let decision = match deem(without_unit.as_ref().unwrap_or(&open), outcome) {
            Ok(d) => d,
            Err(DecisionError::AlreadyDecided(_)) => continue,
            Err(DecisionError::Invalid(errors)) => {
                // A claim the default cannot decide (e.g. nothing to pay): left for the
                // manufacturer, said once per sweep.
                tracing::warn!(claim.id = %id, ?errors, "deadline passed but no default applies");
                continue;
            }
        };
        let rule = outcome.rule();
        let decided_by = rule_decider(rule);
        let updated = claim::record_decision(
            &txn,
            c,
            decision.status(),
            decision.amount.amount,
            decision.reason_code.clone(),
            &decided_by,
            now,
        )
        .await?;
        let mut details = json!({
            "outcome": decision.outcome.as_str(),
            "amount": decision.amount,
            "reason_code": decision.reason_code,
            "decided_by": decided_by,
            "rule": rule,
            "deadline_at": updated.deadline_at,
        });
        let withdrawn = without_unit
            .as_ref()
            .map(|_| WithdrawReason::ReturnByPassed);
        withdrawal_detail(&mut details, withdrawn);
        claim_event::append(&txn, id, claim_event::DECIDED, now, details).await?;
        crate::announce::decided(
            &txn,
            &updated,
            &decision,
            DecidedBy::Rule {
                rule: rule.to_owned(),
            },
            now,
        )
        .await?;
        if let Some(reason) = withdrawn {
            crate::announce::return_withdrawn(&txn, &updated, reason, now).await?;
        }
        crate::webhooks::claim_updated(&txn, id, "decided").await?;
        tracing::info!(claim.id = %id, rule, return_withdrawn = without_unit.is_some(), "claim decided by its deadline");
        decided += 1;
    }
    txn.commit().await?;
    Ok(decided)
}

/// The background worker: a sweep every [`INTERVAL`] (at once again after a full batch) until
/// `cancel` fires.
pub async fn worker(db: DatabaseConnection, cancel: CancellationToken) {
    loop {
        sweep_idempotency_keys(&db).await;
        let full = match fire_deadlines(&db, Utc::now()).await {
            Ok(n) => n as u64 >= deadlines::BATCH,
            Err(e) => {
                tracing::error!(error = %e, "deadline sweep failed");
                false
            }
        };
        // Questions the retailer left unanswered past their deadline.
        let full = full
            || match crate::information::fire_unanswered(&db, Utc::now()).await {
                Ok(n) => n as u64 >= crate::information::BATCH,
                Err(e) => {
                    tracing::error!(error = %e, "unanswered-information sweep failed");
                    false
                }
            };
        if full {
            if cancel.is_cancelled() {
                return;
            }
            continue;
        }
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(INTERVAL) => {}
        }
    }
}

/// Idempotency keys older than a day go (part of the sweep, so that it needs no worker of its
/// own).
async fn sweep_idempotency_keys(db: &DatabaseConnection) {
    match crate::db::idempotency::purge_expired(db, Utc::now()).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(keys = n, "expired idempotency keys purged"),
        Err(e) => tracing::error!(error = %e, "idempotency key purge failed"),
    }
}
