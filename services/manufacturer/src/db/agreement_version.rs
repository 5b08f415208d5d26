//! `agreement_versions`: the versions of an agreement, numbered from 1, each in force from its
//! `valid_from` until the next version's. `terms` is the `AgreementTermsV1` published for it.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use kummerer_contracts::agreement::AgreementTermsV1;
use sea_orm::entity::prelude::*;
use sea_orm::{
    ActiveValue::Set, ConnectionTrait, DbBackend, FromQueryResult, QueryOrder, Statement,
};

use crate::domain::Terms;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "agreement_versions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub agreement_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub version: i32,
    pub valid_from: DateTimeUtc,
    pub terms: Json,
    pub created_at: DateTimeUtc,
    /// When the retailer accepted the version (issue 18); until then it judges no claim.
    pub accepted_at: Option<DateTimeUtc>,
    /// The retailer admin who accepted it.
    pub accepted_by: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The terms as published; a row that does not parse is reported, not guessed at.
    pub fn contract_terms(&self) -> Result<AgreementTermsV1, DbErr> {
        serde_json::from_value(self.terms.clone()).map_err(|e| {
            DbErr::Custom(format!(
                "agreement {} version {}: bad terms: {e}",
                self.agreement_id, self.version
            ))
        })
    }

    pub fn domain_terms(&self) -> Result<Terms, DbErr> {
        self.contract_terms().map(Terms::from_contract)
    }

    pub fn number(&self) -> u32 {
        u32::try_from(self.version).unwrap_or(0)
    }
}

/// Writes version `version` of the agreement.
pub async fn insert<C: ConnectionTrait>(
    db: &C,
    agreement_id: Uuid,
    version: i32,
    valid_from: DateTime<Utc>,
    terms: &Terms,
    created_at: DateTime<Utc>,
) -> Result<Model, DbErr> {
    let json =
        serde_json::to_value(terms.to_contract()).map_err(|e| DbErr::Custom(e.to_string()))?;
    ActiveModel {
        agreement_id: Set(agreement_id),
        version: Set(version),
        valid_from: Set(valid_from),
        terms: Set(json),
        created_at: Set(created_at),
        accepted_at: Set(None),
        accepted_by: Set(None),
    }
    .insert(db)
    .await
}

/// Every version of the agreement, oldest first.
pub async fn of_agreement<C: ConnectionTrait>(
    db: &C,
    agreement_id: Uuid,
) -> Result<Vec<Model>, DbErr> {
    Entity::find()
        .filter(Column::AgreementId.eq(agreement_id))
        .order_by_asc(Column::Version)
        .all(db)
        .await
}

/// Every version of each of the agreements, oldest first, by agreement.
pub async fn of_agreements<C: ConnectionTrait>(
    db: &C,
    agreement_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<Model>>, DbErr> {
    let mut out: HashMap<Uuid, Vec<Model>> = HashMap::new();
    if agreement_ids.is_empty() {
        return Ok(out);
    }
    let rows = Entity::find()
        .filter(Column::AgreementId.is_in(agreement_ids.iter().copied()))
        .order_by_asc(Column::AgreementId)
        .order_by_asc(Column::Version)
        .all(db)
        .await?;
    for v in rows {
        out.entry(v.agreement_id).or_default().push(v);
    }
    Ok(out)
}

/// The latest version of the agreement.
pub async fn latest<C: ConnectionTrait>(
    db: &C,
    agreement_id: Uuid,
) -> Result<Option<Model>, DbErr> {
    Entity::find()
        .filter(Column::AgreementId.eq(agreement_id))
        .order_by_desc(Column::Version)
        .one(db)
        .await
}

pub async fn find<C: ConnectionTrait>(
    db: &C,
    agreement_id: Uuid,
    version: i32,
) -> Result<Option<Model>, DbErr> {
    Entity::find_by_id((agreement_id, version)).one(db).await
}

/// The terms of the version that judged `claim`, if one did.
pub async fn judging<C: ConnectionTrait>(
    db: &C,
    claim: &super::claim::Model,
) -> Result<Option<AgreementTermsV1>, DbErr> {
    let version = match (claim.agreement_id, claim.agreement_version) {
        (Some(a), Some(v)) => find(db, a, v).await?,
        _ => None,
    };
    version.map(|v| v.contract_terms()).transpose()
}

/// The version of the pair's agreement in force at `at`: of the versions the retailer accepted
/// (issue 18), the one with the latest `valid_from` not after `at` (of two valid from the same
/// instant, the higher number). A version offered but not accepted judges nothing.
pub async fn in_force<C: ConnectionTrait>(
    db: &C,
    manufacturer_id: Uuid,
    retailer_id: Uuid,
    at: DateTime<Utc>,
) -> Result<Option<Model>, DbErr> {
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT v.* FROM agreement_versions v JOIN agreements a ON a.id = v.agreement_id \
             WHERE a.manufacturer_id = $1 AND a.retailer_id = $2 AND v.valid_from <= $3 \
             AND v.accepted_at IS NOT NULL ORDER BY v.valid_from DESC, v.version DESC LIMIT 1",
            [manufacturer_id.into(), retailer_id.into(), at.into()],
        ))
        .await?;
    row.map(|r| Model::from_query_result(&r, "")).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_terms_the_migration_writes_for_old_agreements_parse() {
        // As `m20261123_000006` builds them from an agreement's columns.
        let v = Model {
            agreement_id: Uuid::nil(),
            version: 1,
            valid_from: Utc::now(),
            terms: serde_json::json!({"currency": "EUR", "doa_days": 14,
                "handling_fee": {"amount": "25.00", "currency": "EUR"}, "coverage_months": 24,
                "default_outcome": "reject", "unit_disposition": "on_request",
                "evidence_required": [], "reimbursement_percent": "80.00",
                "decision_deadline_days": 14, "depreciation_percent_per_month": "0"}),
            created_at: Utc::now(),
            accepted_at: None,
            accepted_by: None,
        };
        let t = v.domain_terms().unwrap();
        assert_eq!(t.reimbursement_percent.to_string(), "80.00");
        assert_eq!(t.handling_fee.amount.to_string(), "25.00");
        assert_eq!(t.default_outcome, crate::domain::DefaultOutcome::Reject);
        assert!(t.evidence_required.is_empty());
    }
}
