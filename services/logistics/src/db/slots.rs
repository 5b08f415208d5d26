//! `slot_announcements`: per carrier and day, the room last announced and its sequence; and the
//! visits that take a crew's room, per crew, on a day.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};
use uuid::Uuid;

use crate::domain::dispatch::COUNTED_STATUSES;

/// The last announcement of `(carrier_id, date)`: its sequence (0: none yet) and state.
pub struct Announced {
    pub sequence: i64,
    pub state: serde_json::Value,
}

/// The row of `(carrier_id, date)`, made if missing and locked until the commit, so two
/// transactions announce one after the other.
pub async fn lock<C: ConnectionTrait>(
    db: &C,
    carrier_id: Uuid,
    date: NaiveDate,
) -> Result<Announced, DbErr> {
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "INSERT INTO slot_announcements (carrier_id, date) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        [carrier_id.into(), date.into()],
    ))
    .await?;
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT sequence, state FROM slot_announcements \
             WHERE carrier_id = $1 AND date = $2 FOR UPDATE",
            [carrier_id.into(), date.into()],
        ))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("slot announcement".into()))?;
    Ok(Announced {
        sequence: row.try_get("", "sequence")?,
        state: row.try_get("", "state")?,
    })
}

/// Records the announcement `sequence` of `state`.
pub async fn save<C: ConnectionTrait>(
    db: &C,
    carrier_id: Uuid,
    date: NaiveDate,
    sequence: i64,
    state: serde_json::Value,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "UPDATE slot_announcements SET sequence = $3, state = $4, announced_at = $5 \
         WHERE carrier_id = $1 AND date = $2",
        [
            carrier_id.into(),
            date.into(),
            sequence.into(),
            state.into(),
            at.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// Every carrier's id.
pub async fn carrier_ids<C: ConnectionTrait>(db: &C) -> Result<Vec<Uuid>, DbErr> {
    db.query_all_raw(Statement::from_string(
        DbBackend::Postgres,
        "SELECT id FROM carriers ORDER BY id",
    ))
    .await?
    .iter()
    .map(|r| r.try_get::<Uuid>("", "id"))
    .collect()
}

/// The window starts of the visits that take a slot of each of `crew_ids` on `date` (a visit
/// the customer won't be home for takes none).
pub async fn visit_starts<C: ConnectionTrait>(
    db: &C,
    crew_ids: &[Uuid],
    date: NaiveDate,
) -> Result<HashMap<Uuid, Vec<DateTime<Utc>>>, DbErr> {
    visit_starts_except(db, crew_ids, date, None).await
}

/// As [`visit_starts`], leaving out the job `except` (a visit that moves does not take the
/// room it leaves).
pub async fn visit_starts_except<C: ConnectionTrait>(
    db: &C,
    crew_ids: &[Uuid],
    date: NaiveDate,
    except: Option<Uuid>,
) -> Result<HashMap<Uuid, Vec<DateTime<Utc>>>, DbErr> {
    let mut out: HashMap<Uuid, Vec<DateTime<Utc>>> = HashMap::new();
    if crew_ids.is_empty() {
        return Ok(out);
    }
    let ids = crew_ids
        .iter()
        .map(Uuid::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let statuses = COUNTED_STATUSES
        .iter()
        .map(|s| s.as_string())
        .collect::<Vec<_>>()
        .join(",");
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "SELECT crew_id, window_start FROM jobs \
                 WHERE crew_id = ANY(string_to_array($1, ',')::uuid[]) AND visit_date = $2 \
                   AND status = ANY(string_to_array($3, ',')) \
                   AND ($4::uuid IS NULL OR id <> $4) AND {} ORDER BY window_start",
                crate::db::customer_answers::NOT_FREED
            ),
            [ids.into(), date.into(), statuses.into(), except.into()],
        ))
        .await?;
    for row in rows {
        out.entry(row.try_get("", "crew_id")?)
            .or_default()
            .push(row.try_get("", "window_start")?);
    }
    Ok(out)
}
