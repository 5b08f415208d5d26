//! `retailers`: the tenants.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "retailers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

// --- queries ---

use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait};
use uuid::Uuid;

use super::retailers;

pub async fn insert_retailer<C: ConnectionTrait>(
    db: &C,
    retailer: retailers::Model,
) -> Result<(), DbErr> {
    let row: retailers::ActiveModel = retailer.into();
    retailers::Entity::insert(row.reset_all())
        .exec_without_returning(db)
        .await?;
    Ok(())
}

pub async fn find_retailer<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
) -> Result<Option<retailers::Model>, DbErr> {
    retailers::Entity::find_by_id(id).one(db).await
}

/// The text column `column` of the retailer's row (`None`: no such retailer).
async fn text_of<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    column: &'static str,
) -> Result<Option<String>, DbErr> {
    let row = db
        .query_one_raw(sea_orm::Statement::from_sql_and_values(
            sea_orm::DbBackend::Postgres,
            format!("SELECT {column} FROM retailers WHERE id = $1"),
            vec![retailer_id.into()],
        ))
        .await?;
    row.map(|r| r.try_get("", column)).transpose()
}

/// The retailer's country (`retailers.country`, ISO 3166-1 alpha-2); `None` for no such
/// retailer.
pub async fn country<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
) -> Result<Option<String>, DbErr> {
    text_of(db, retailer_id, "country").await
}

/// The law the retailer's clocks follow (`retailers.jurisdiction`, `DE` by default); a value this
/// version does not know is read as the default, with a warning.
pub async fn jurisdiction<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
) -> Result<crate::domain::legal_clocks::Jurisdiction, DbErr> {
    use crate::domain::legal_clocks::Jurisdiction;
    let raw = text_of(db, retailer_id, "jurisdiction").await?;
    Ok(match raw.as_deref().map(Jurisdiction::parse) {
        Some(Some(j)) => j,
        Some(None) => {
            tracing::warn!(retailer.id = %retailer_id, jurisdiction = ?raw, "unknown jurisdiction, using DE");
            Jurisdiction::default()
        }
        None => Jurisdiction::default(),
    })
}

/// The retailer's settings that drive its legal clocks and money, as stored.
#[derive(Debug, Clone, PartialEq, Eq, sea_orm::FromQueryResult)]
pub struct LawRow {
    pub jurisdiction: String,
    pub country: String,
    pub time_zone: String,
}

/// The retailer's jurisdiction, country and time zone; `None`: no such retailer.
pub async fn law_settings<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
) -> Result<Option<LawRow>, DbErr> {
    use sea_orm::FromQueryResult;
    LawRow::find_by_statement(sea_orm::Statement::from_sql_and_values(
        sea_orm::DbBackend::Postgres,
        "SELECT jurisdiction, country, time_zone FROM retailers WHERE id = $1",
        vec![retailer_id.into()],
    ))
    .one(db)
    .await
}

/// Sets the retailer's jurisdiction, country and time zone, each left as it is where `None`
/// (checked by the caller); the settings now, or `None` when there is no such retailer.
pub async fn set_law_settings<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    jurisdiction: Option<&str>,
    country: Option<&str>,
    time_zone: Option<&str>,
) -> Result<Option<LawRow>, DbErr> {
    use sea_orm::FromQueryResult;
    let text = |v: Option<&str>| sea_orm::Value::from(v.map(str::to_owned));
    LawRow::find_by_statement(sea_orm::Statement::from_sql_and_values(
        sea_orm::DbBackend::Postgres,
        "UPDATE retailers SET jurisdiction = COALESCE($2, jurisdiction), \
             country = COALESCE($3, country), time_zone = COALESCE($4, time_zone) \
         WHERE id = $1 RETURNING jurisdiction, country, time_zone",
        vec![
            retailer_id.into(),
            text(jurisdiction),
            text(country),
            text(time_zone),
        ],
    ))
    .one(db)
    .await
}
