//! Delivery windows with room (issue 13): the carriers' announcements kept
//! ([`slots_announced`], newest per carrier and day by sequence, whatever the arrival order),
//! and the windows on offer for a postcode ([`offers_for`]) — the swap form lists those with
//! room, and an approval checks its window ([`room_for`]).

use chrono::{DateTime, Utc};
use kummerer_contracts::SlotsAnnouncedV1;
use sea_orm::{ConnectionTrait, DbErr};
use uuid::Uuid;

use crate::db;
use crate::domain::slots::{Contracted, Offer, Room, offers, room};

/// Keeps an announcement unless a newer one of its carrier and day is already kept.
pub async fn slots_announced<C: ConnectionTrait>(
    txn: &C,
    a: &SlotsAnnouncedV1,
) -> Result<(), DbErr> {
    let kept = db::slots::keep_newer(
        txn,
        a.carrier_id.0,
        a.date,
        a.sequence,
        &a.crews,
        Utc::now(),
    )
    .await?;
    if !kept {
        tracing::info!(carrier.id = %a.carrier_id, date = %a.date, sequence = a.sequence,
            "older delivery slots announcement ignored");
    }
    Ok(())
}

/// The retailer's active carrier contracts, as the offers need them.
async fn contracted<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
) -> Result<Vec<Contracted>, DbErr> {
    Ok(db::carrier_contracts::of_retailer(db, retailer_id)
        .await?
        .into_iter()
        .filter(|c| c.status == db::carrier_contracts::status::ACTIVE)
        .map(|c| Contracted {
            carrier_id: c.carrier_id,
            postcode_prefixes: c.postcode_prefixes,
            weekdays: c.weekdays,
        })
        .collect())
}

/// The windows announced for `postcode` from `now` on, earliest first, full ones too.
pub async fn offers_for<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    postcode: &str,
    now: DateTime<Utc>,
) -> Result<Vec<Offer>, DbErr> {
    let days = db::slots::from_day(db, now.date_naive()).await?;
    if days.is_empty() {
        return Ok(Vec::new());
    }
    let contracts = contracted(db, retailer_id).await?;
    Ok(offers(&days, &contracts, postcode, now))
}

/// The room for a visit at `postcode` from `start` to `end`.
pub async fn room_for<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    postcode: &str,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<Room, DbErr> {
    let days = db::slots::from_day(db, start.date_naive()).await?;
    if days.is_empty() {
        return Ok(Room::Unknown);
    }
    let contracts = contracted(db, retailer_id).await?;
    let all = offers(&days, &contracts, postcode, DateTime::<Utc>::MIN_UTC);
    Ok(room(&all, start, end))
}
