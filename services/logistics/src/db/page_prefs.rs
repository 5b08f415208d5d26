//! What the crew's and dispatcher's pages are shown in: the reader's own language
//! (`crew_members.lang`, `dispatchers.lang`, `NULL` until chosen), the carrier's default
//! (`carriers.default_lang`), and the time zone — the carrier region's that holds the crew's
//! home postcodes (the longest granted prefix wins), else the carrier's (`carriers.time_zone`).
//! The columns are read and written here only, by raw SQL, beside the accounts' entities.

use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};
use uuid::Uuid;

/// A reader's stored choices, unparsed (the caller falls back on what does not parse).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Prefs {
    pub lang: Option<String>,
    pub default_lang: Option<String>,
    pub time_zone: Option<String>,
}

fn prefs_of(row: Option<sea_orm::QueryResult>) -> Result<Prefs, DbErr> {
    let Some(row) = row else {
        return Ok(Prefs::default());
    };
    Ok(Prefs {
        lang: row.try_get("", "lang")?,
        default_lang: row.try_get("", "default_lang")?,
        time_zone: row.try_get("", "time_zone")?,
    })
}

/// A crew member's language, its carrier's default, and its crew's region's time zone.
pub async fn of_crew_member<C: ConnectionTrait>(db: &C, member_id: Uuid) -> Result<Prefs, DbErr> {
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT m.lang, c.default_lang, COALESCE(( \
                 SELECT r.time_zone FROM carrier_regions r JOIN crews w ON w.id = m.crew_id \
                 WHERE r.carrier_id = m.carrier_id AND EXISTS ( \
                     SELECT 1 FROM unnest(w.home_postcode_prefixes) p \
                     WHERE starts_with(p, r.postcode_prefix)) \
                 ORDER BY length(r.postcode_prefix) DESC, r.postcode_prefix LIMIT 1), \
                 c.time_zone) AS time_zone \
             FROM crew_members m JOIN carriers c ON c.id = m.carrier_id WHERE m.id = $1",
            [member_id.into()],
        ))
        .await?;
    prefs_of(row)
}

/// A dispatcher's language, its carrier's default, and the time zone most of the carrier's
/// regions are in (the carrier's own without regions).
pub async fn of_dispatcher<C: ConnectionTrait>(
    db: &C,
    dispatcher_id: Uuid,
) -> Result<Prefs, DbErr> {
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT d.lang, c.default_lang, COALESCE(( \
                 SELECT r.time_zone FROM carrier_regions r WHERE r.carrier_id = c.id \
                 GROUP BY r.time_zone ORDER BY count(*) DESC, r.time_zone LIMIT 1), \
                 c.time_zone) AS time_zone \
             FROM dispatchers d JOIN carriers c ON c.id = d.carrier_id WHERE d.id = $1",
            [dispatcher_id.into()],
        ))
        .await?;
    prefs_of(row)
}

/// Stores a crew member's language (`de`/`en`).
pub async fn set_crew_member_lang<C: ConnectionTrait>(
    db: &C,
    member_id: Uuid,
    lang: &str,
) -> Result<(), DbErr> {
    set(
        db,
        "UPDATE crew_members SET lang = $2 WHERE id = $1",
        member_id,
        lang,
    )
    .await
}

/// Stores a dispatcher's language (`de`/`en`).
pub async fn set_dispatcher_lang<C: ConnectionTrait>(
    db: &C,
    dispatcher_id: Uuid,
    lang: &str,
) -> Result<(), DbErr> {
    set(
        db,
        "UPDATE dispatchers SET lang = $2 WHERE id = $1",
        dispatcher_id,
        lang,
    )
    .await
}

/// Sets the time zone of all the carrier's regions (where the operator grants them).
pub async fn set_region_time_zone<C: ConnectionTrait>(
    db: &C,
    carrier_id: Uuid,
    time_zone: &str,
) -> Result<(), DbErr> {
    set(
        db,
        "UPDATE carrier_regions SET time_zone = $2 WHERE carrier_id = $1",
        carrier_id,
        time_zone,
    )
    .await
}

/// The time zone of the carrier's regions (the most common one; `None` without regions).
pub async fn region_time_zone<C: ConnectionTrait>(
    db: &C,
    carrier_id: Uuid,
) -> Result<Option<String>, DbErr> {
    db.query_one_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT time_zone FROM carrier_regions WHERE carrier_id = $1 \
         GROUP BY time_zone ORDER BY count(*) DESC, time_zone LIMIT 1",
        [carrier_id.into()],
    ))
    .await?
    .map(|r| r.try_get::<String>("", "time_zone"))
    .transpose()
}

/// The carrier's own time zone.
pub async fn carrier_time_zone<C: ConnectionTrait>(
    db: &C,
    carrier_id: Uuid,
) -> Result<String, DbErr> {
    Ok(db
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT time_zone FROM carriers WHERE id = $1",
            [carrier_id.into()],
        ))
        .await?
        .map(|r| r.try_get::<String>("", "time_zone"))
        .transpose()?
        .unwrap_or_else(|| "Europe/Berlin".to_owned()))
}

/// Sets the carrier's own time zone.
pub async fn set_carrier_time_zone<C: ConnectionTrait>(
    db: &C,
    carrier_id: Uuid,
    time_zone: &str,
) -> Result<(), DbErr> {
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "UPDATE carriers SET time_zone = $2 WHERE id = $1",
        [carrier_id.into(), time_zone.into()],
    ))
    .await?;
    Ok(())
}

/// Runs `sql`, one of the setters' single-row updates, with `$1` = `id` and `$2` = `value`.
async fn set<C: ConnectionTrait>(db: &C, sql: &str, id: Uuid, value: &str) -> Result<(), DbErr> {
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        sql,
        [id.into(), value.into()],
    ))
    .await?;
    Ok(())
}
