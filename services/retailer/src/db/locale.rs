//! The desk's language and time zone settings: the staff member's own language
//! (`staff.language`), the store's (`stores.language`, `stores.time_zone`) and the retailer's
//! defaults (`retailers.default_language`, `retailers.time_zone`). Raw SQL: the entities leave
//! these columns out.

use sea_orm::{ConnectionTrait, DbBackend, DbErr, FromQueryResult, Statement, Value};
use uuid::Uuid;

fn stmt(sql: &str, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
}

/// What decides a staff member's language and time zone, each level `None` when unset.
#[derive(Debug, Clone, Default, FromQueryResult)]
pub struct LocaleRow {
    pub staff_language: Option<String>,
    pub store_language: Option<String>,
    pub store_time_zone: Option<String>,
    pub retailer_language: Option<String>,
    pub retailer_time_zone: Option<String>,
}

/// The settings that decide the staff member `staff_id`'s language and time zone.
pub async fn of_staff<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    staff_id: Uuid,
) -> Result<LocaleRow, DbErr> {
    Ok(LocaleRow::find_by_statement(stmt(
        "SELECT st.language AS staff_language, s.language AS store_language, \
             s.time_zone AS store_time_zone, r.default_language AS retailer_language, \
             r.time_zone AS retailer_time_zone \
         FROM staff st JOIN retailers r ON r.id = st.retailer_id \
             LEFT JOIN stores s ON s.retailer_id = st.retailer_id AND s.id = st.store_id \
         WHERE st.retailer_id = $1 AND st.id = $2",
        vec![retailer_id.into(), staff_id.into()],
    ))
    .one(db)
    .await?
    .unwrap_or_default())
}

/// The retailer's defaults: its language (`None`: the reader's browser) and time zone.
#[derive(Debug, Clone, FromQueryResult)]
pub struct RetailerLocale {
    pub default_language: Option<String>,
    pub time_zone: String,
}

pub async fn of_retailer<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
) -> Result<RetailerLocale, DbErr> {
    Ok(RetailerLocale::find_by_statement(stmt(
        "SELECT default_language, time_zone FROM retailers WHERE id = $1",
        vec![retailer_id.into()],
    ))
    .one(db)
    .await?
    .unwrap_or(RetailerLocale {
        default_language: None,
        time_zone: "Europe/Berlin".to_owned(),
    }))
}

/// A store's language and time zone.
#[derive(Debug, Clone, FromQueryResult)]
pub struct StoreLocale {
    pub id: Uuid,
    pub language: String,
    pub time_zone: String,
}

/// The language and time zone of each of the retailer's stores.
pub async fn of_stores<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
) -> Result<Vec<StoreLocale>, DbErr> {
    StoreLocale::find_by_statement(stmt(
        "SELECT id, language, time_zone FROM stores WHERE retailer_id = $1",
        vec![retailer_id.into()],
    ))
    .all(db)
    .await
}

/// The staff member's own language (`None`: follow the store's, then the retailer's).
pub async fn set_staff_language<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    staff_id: Uuid,
    language: Option<&str>,
) -> Result<(), DbErr> {
    db.execute_raw(stmt(
        "UPDATE staff SET language = $3 WHERE retailer_id = $1 AND id = $2",
        vec![
            retailer_id.into(),
            staff_id.into(),
            language.map(str::to_owned).into(),
        ],
    ))
    .await?;
    Ok(())
}

/// The retailer's default language (`None`: the reader's browser) and time zone (an IANA name,
/// checked by the caller).
pub async fn set_retailer<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    language: Option<&str>,
    time_zone: &str,
) -> Result<(), DbErr> {
    db.execute_raw(stmt(
        "UPDATE retailers SET default_language = $2, time_zone = $3 WHERE id = $1",
        vec![
            retailer_id.into(),
            language.map(str::to_owned).into(),
            time_zone.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// A store's language and time zone; `false` when the retailer has no such store.
pub async fn set_store<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    store_id: Uuid,
    language: &str,
    time_zone: &str,
) -> Result<bool, DbErr> {
    let done = db
        .execute_raw(stmt(
            "UPDATE stores SET language = $3, time_zone = $4 WHERE retailer_id = $1 AND id = $2",
            vec![
                retailer_id.into(),
                store_id.into(),
                language.into(),
                time_zone.into(),
            ],
        ))
        .await?;
    Ok(done.rows_affected() == 1)
}
