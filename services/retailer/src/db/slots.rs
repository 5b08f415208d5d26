//! `delivery_slots`: the room the carriers announced per day (`logistics.slots.announced.v1`),
//! the newest announcement per carrier and day by its sequence.

use chrono::{DateTime, NaiveDate, Utc};
use kummerer_contracts::CrewSlots;
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};
use uuid::Uuid;

use crate::domain::slots::CarrierDay;

/// Keeps announcement `sequence` of `(carrier_id, date)` unless a newer one is already kept;
/// `false` when it was older (or the same) and changed nothing.
pub async fn keep_newer<C: ConnectionTrait>(
    db: &C,
    carrier_id: Uuid,
    date: NaiveDate,
    sequence: i64,
    crews: &[CrewSlots],
    at: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let crews = serde_json::to_value(crews).map_err(|e| DbErr::Custom(e.to_string()))?;
    let done = db
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO delivery_slots (carrier_id, date, sequence, crews, received_at) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (carrier_id, date) DO UPDATE \
             SET sequence = $3, crews = $4, received_at = $5 \
             WHERE delivery_slots.sequence < $3",
            [
                carrier_id.into(),
                date.into(),
                sequence.into(),
                crews.into(),
                at.into(),
            ],
        ))
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The announced days from `from` on.
pub async fn from_day<C: ConnectionTrait>(
    db: &C,
    from: NaiveDate,
) -> Result<Vec<CarrierDay>, DbErr> {
    db.query_all_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT carrier_id, date, crews FROM delivery_slots WHERE date >= $1 \
         ORDER BY date, carrier_id",
        [from.into()],
    ))
    .await?
    .iter()
    .map(|r| {
        let crews: serde_json::Value = r.try_get("", "crews")?;
        Ok(CarrierDay {
            carrier_id: r.try_get("", "carrier_id")?,
            date: r.try_get("", "date")?,
            crews: serde_json::from_value(crews)
                .map_err(|e| DbErr::Custom(format!("delivery slots: {e}")))?,
        })
    })
    .collect()
}
