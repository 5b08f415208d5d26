//! `retailer.claim.withdrawn.v1`: the retailer cancelled the swap behind a claim and claims
//! nothing. The withdrawal is recorded once (`claim_withdrawals`); a claim still open (pending,
//! waiting for its unit, disputed) loses its deadline and can no longer be decided
//! (`claim_withdrawn`), and no credit note takes it. A claim already decided keeps its decision
//! but is never credited; one already credited keeps its note and is recorded `credited`: the
//! amount is owed back (the credit is not reversed automatically, the ledgers show it).
//!
//! A unit asked back and not arrived yet (the claim `return_requested`, or asked back while a
//! decision stands: `must_return`, a return after acceptance) is not wanted any more: the
//! return is withdrawn (`manufacturer.claim.return_withdrawn.v1`, reason `claim_withdrawn`), so
//! logistics drops the return item of the cancelled job and nothing waits for a unit that no
//! crew will collect.
//!
//! A withdrawal that overtakes its claim (both travel on this queue) is retried.

use kummerer_contracts::{ClaimWithdrawnV1, Envelope};
use kummerer_messaging::HandleError;
use sea_orm::DatabaseTransaction;

use super::evidence::same_parties;
use crate::db::{claim, credit_note, withdrawal};
use crate::domain::ClaimStatus;

pub async fn claim_withdrawn(
    txn: &DatabaseTransaction,
    env: &Envelope<ClaimWithdrawnV1>,
) -> Result<(), HandleError> {
    let w = &env.data;
    let Some(c) = claim::lock_any(txn, w.claim_id.as_uuid()).await? else {
        return Err(HandleError::Transient(anyhow::anyhow!(
            "withdrawal of claim {} not yet known",
            w.claim_id
        )));
    };
    same_parties(&c, w.manufacturer_id.as_uuid(), w.retailer_id.as_uuid())?;
    let credited = !credit_note::credited(txn, &[c.id]).await?.is_empty();
    let recorded = withdrawal::insert(
        txn,
        withdrawal::Withdrawal {
            claim_id: c.id,
            withdrawn_at: w.withdrawn_at,
            reason: &w.reason,
            status_then: &c.status,
            credited,
        },
    )
    .await?;
    if !recorded {
        tracing::info!(claim.id = %c.id, "claim already withdrawn");
        return Ok(());
    }
    let open = [
        ClaimStatus::Pending,
        ClaimStatus::ReturnRequested,
        ClaimStatus::UnitArrived,
        ClaimStatus::Disputed,
        ClaimStatus::InformationRequested,
    ]
    .iter()
    .any(|s| c.status == s.as_str());
    let status = c.status.clone();
    let unit_awaited = c.return_requested_at.is_some() && c.arrived_at.is_none();
    if unit_awaited {
        crate::announce::return_withdrawn(
            txn,
            &c,
            crate::domain::returns::WithdrawReason::ClaimWithdrawn,
            w.withdrawn_at,
        )
        .await?;
    }
    if open && c.deadline_at.is_some() {
        let mut c = c;
        c.deadline_at = None;
        claim::save(txn, c).await?;
    }
    tracing::info!(
        claim.id = %w.claim_id, status = %status, credited,
        "claim withdrawn by the retailer"
    );
    Ok(())
}
