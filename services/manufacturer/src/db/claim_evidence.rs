//! `claim_evidence`: evidence on a claim, stored once per `evidence_id`, with a photo's bytes.

use chrono::{DateTime, Utc};
use kummerer_contracts::agreement::EvidenceKind;
use kummerer_contracts::claims::ClaimEvidence;
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ConnectionTrait, QueryOrder, QuerySelect};

use crate::domain::evidence::CheckedPhoto;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "claim_evidence")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub evidence_id: Uuid,
    pub claim_id: Uuid,
    pub kind: String,
    pub serial: Option<String>,
    pub serial_matches: Option<bool>,
    pub note: Option<String>,
    pub photo_content_type: Option<String>,
    pub photo_sha256: Option<String>,
    pub photo_size_bytes: Option<i64>,
    pub photo: Option<Vec<u8>>,
    pub observed_at: DateTimeUtc,
    pub received_at: DateTimeUtc,
    /// `evidence` or `dispute`.
    pub source: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

pub const FROM_EVIDENCE: &str = "evidence";
pub const FROM_DISPUTE: &str = "dispute";

/// Stores the evidence (its photo checked by the caller); `false` when its id is known already.
pub async fn insert<C: ConnectionTrait>(
    db: &C,
    claim_id: Uuid,
    e: &ClaimEvidence,
    photo: Option<CheckedPhoto>,
    source: &str,
    received_at: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let size = photo.as_ref().map(|p| p.bytes.len() as i64);
    let active = ActiveModel {
        evidence_id: Set(e.evidence_id),
        claim_id: Set(claim_id),
        kind: Set(e.kind.as_str().to_owned()),
        serial: Set(e.serial.clone()),
        serial_matches: Set(e.serial_matches),
        note: Set(e.note.clone()),
        photo_content_type: Set(photo.as_ref().map(|p| p.content_type.clone())),
        photo_sha256: Set(photo.as_ref().map(|p| p.sha256.clone())),
        photo_size_bytes: Set(size),
        photo: Set(photo.map(|p| p.bytes)),
        observed_at: Set(e.observed_at),
        received_at: Set(received_at),
        source: Set(source.to_owned()),
    };
    let n = Entity::insert(active)
        .on_conflict(OnConflict::new().do_nothing().to_owned())
        .exec_without_returning(db)
        .await?;
    Ok(n == 1)
}

/// The claim's evidence without photo bytes, oldest observation first.
pub async fn of_claim<C: ConnectionTrait>(db: &C, claim_id: Uuid) -> Result<Vec<Model>, DbErr> {
    Entity::find()
        .select_only()
        .columns([
            Column::EvidenceId,
            Column::ClaimId,
            Column::Kind,
            Column::Serial,
            Column::SerialMatches,
            Column::Note,
            Column::PhotoContentType,
            Column::PhotoSha256,
            Column::PhotoSizeBytes,
            Column::ObservedAt,
            Column::ReceivedAt,
            Column::Source,
        ])
        .expr_as(Expr::cust("NULL::bytea"), "photo")
        .filter(Column::ClaimId.eq(claim_id))
        .order_by_asc(Column::ObservedAt)
        .order_by_asc(Column::EvidenceId)
        .into_model::<Model>()
        .all(db)
        .await
}

/// The kinds of evidence the claim has.
pub async fn kinds<C: ConnectionTrait>(db: &C, claim_id: Uuid) -> Result<Vec<EvidenceKind>, DbErr> {
    Ok(of_claim(db, claim_id)
        .await?
        .iter()
        .filter_map(|e| EvidenceKind::parse(&e.kind))
        .collect())
}

/// The photo of one piece of evidence of the claim: `(content type, bytes)`. The caller has
/// checked that the claim is the tenant's.
pub async fn photo<C: ConnectionTrait>(
    db: &C,
    claim_id: Uuid,
    evidence_id: Uuid,
) -> Result<Option<(String, Vec<u8>)>, DbErr> {
    let e = Entity::find_by_id(evidence_id)
        .filter(Column::ClaimId.eq(claim_id))
        .one(db)
        .await?;
    Ok(e.and_then(|e| e.photo_content_type.zip(e.photo)))
}
