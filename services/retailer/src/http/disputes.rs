//! Disputing a rejected claim — once, by staff, with a statement and an optional note that goes
//! to the manufacturer as evidence. The JSON API and the desk form call the same [`dispute`]:
//! one transaction writes the dispute, the claim's status `disputed`, a `claim_disputed`
//! timeline entry and the outbox row `retailer.claim.disputed.v1`. A claim that is not rejected
//! (409 `claim_not_rejected`) or was disputed before (409 `claim_already_disputed`) changes
//! nothing. The manufacturer's new decision comes back as `manufacturer.claim.decided.v1`.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, SubsecRound, Utc};
use kummerer_contracts::{ClaimDisputedV1, ClaimEvidence, EvidenceKind};
use kummerer_messaging::enqueue;
use kummerer_service::{FieldErrors, Problem};
use sea_orm::{DatabaseConnection, TransactionTrait};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::db::{self, Entry, settlement};
use crate::domain::{ClaimStatus, DESCRIPTION_MAX, Source, TEXT_MAX, evidence_id, kind};

/// A checked dispute.
pub struct Dispute {
    pub statement: String,
    pub note: Option<String>,
    pub disputed_by: String,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct DisputeBody {
    pub statement: String,
    pub note: Option<String>,
    pub disputed_by: String,
}

impl DisputeBody {
    /// Every field error at once; `disputed_by` comes from the body (API) or the session (desk).
    pub fn parse(&self, disputed_by: &str) -> Result<Dispute, Problem> {
        let mut v = FieldErrors::new();
        let statement = v.text("statement", &self.statement, DESCRIPTION_MAX);
        let note = self
            .note
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(|n| v.text("note", n, DESCRIPTION_MAX));
        let disputed_by = v.text("disputed_by", disputed_by, TEXT_MAX);
        v.finish()?;
        Ok(Dispute {
            statement,
            note,
            disputed_by,
        })
    }
}

#[derive(Debug, Serialize)]
pub struct Disputed {
    pub claim_id: Uuid,
    pub case_id: Uuid,
    pub status: &'static str,
    pub disputed_at: DateTime<Utc>,
}

/// `POST /api/retailers/{rid}/claims/{claim_id}/dispute` `{statement, note?, disputed_by}` →
/// 201; see the module.
pub async fn create(
    db: web::Data<DatabaseConnection>,
    path: web::Path<(Uuid, Uuid)>,
    body: web::Json<DisputeBody>,
) -> Result<HttpResponse, Problem> {
    let (retailer_id, claim_id) = path.into_inner();
    let d = body.parse(&body.disputed_by)?;
    let done = dispute(db.get_ref(), retailer_id, claim_id, d, Utc::now()).await?;
    Ok(HttpResponse::Created().json(done))
}

/// Disputes the claim (the JSON API and the desk); unknown claim or another retailer's → 404.
pub async fn dispute(
    db: &DatabaseConnection,
    retailer_id: Uuid,
    claim_id: Uuid,
    d: Dispute,
    now: DateTime<Utc>,
) -> Result<Disputed, Problem> {
    // To the microsecond the database keeps, so the answer and the stored time agree.
    let now = now.trunc_subsecs(6);
    let txn = db.begin().await?;
    let claim = db::lock_claim(&txn, retailer_id, claim_id)
        .await?
        .ok_or_else(|| Problem::not_found("claim"))?;
    let status = ClaimStatus::parse(&claim.status).ok_or_else(|| {
        Problem::internal(format!(
            "claim {claim_id} has unknown status {}",
            claim.status
        ))
    })?;
    let before = settlement::was_disputed(&txn, retailer_id, claim_id).await?;
    let next = status
        .dispute(before)
        .map_err(|e| Problem::conflict(e.code(), format!("claim {claim_id}: {e}")))?;
    let inserted = settlement::insert_dispute(
        &txn,
        settlement::NewDispute {
            claim_id,
            retailer_id,
            statement: &d.statement,
            note: d.note.as_deref(),
            disputed_by: &d.disputed_by,
            disputed_at: now,
        },
    )
    .await?;
    if !inserted {
        // The claim lock makes this unreachable; the key is the second line of defence.
        return Err(Problem::conflict(
            "claim_already_disputed",
            format!("claim {claim_id}: disputed already"),
        ));
    }
    settlement::set_claim_status(&txn, retailer_id, claim_id, next.as_str()).await?;
    db::insert_timeline(
        &txn,
        Entry {
            case_id: claim.case_id,
            retailer_id,
            kind: kind::CLAIM_DISPUTED,
            occurred_at: now,
            source: Source::Retailer,
            message_id: None,
            details: json!({
                "claim_id": claim_id,
                "statement": d.statement,
                "note": d.note,
                "disputed_by": d.disputed_by,
            }),
        },
    )
    .await?;
    let evidence = d
        .note
        .iter()
        .map(|note| ClaimEvidence {
            evidence_id: evidence_id(claim_id, EvidenceKind::Statement),
            kind: EvidenceKind::Statement,
            serial: None,
            serial_matches: None,
            note: Some(note.clone()),
            photo: None,
            observed_at: now,
        })
        .collect();
    enqueue(
        &txn,
        ClaimDisputedV1 {
            claim_id,
            swap_id: claim.swap_id,
            case_id: claim.case_id,
            retailer_id,
            manufacturer_id: claim.manufacturer_id,
            statement: d.statement,
            evidence,
            disputed_by: d.disputed_by.clone(),
            disputed_at: now,
        },
    )
    .await?;
    txn.commit().await?;
    tracing::info!(
        retailer.id = %retailer_id, claim.id = %claim_id, case.id = %claim.case_id,
        disputed_by = %d.disputed_by, "claim disputed"
    );
    Ok(Disputed {
        claim_id,
        case_id: claim.case_id,
        status: next.as_str(),
        disputed_at: now,
    })
}
