//! Windows with room (issue 13): logistics announces, per carrier and day, the room its crews
//! have in each delivery window (`logistics.slots.announced.v1`, event-carried state, through
//! the outbox). The capacity model is [`crate::domain::slots`].
//!
//! [`announce`] compares a carrier's day as it is now with what was last announced (the row of
//! `slot_announcements`, locked) and, when it changed, writes the next sequence and the message
//! in the caller's transaction. A new job's transaction calls it for the job's carrier and day
//! (so the counter sees a window fill at once); the [`worker`] calls it for every carrier and
//! each day of the horizon (today and `KUMMERER_SLOT_HORIZON_DAYS` after), every
//! `KUMMERER_SLOT_ANNOUNCE_SECONDS`, which covers visits moved, corrected, cancelled or
//! reassigned, crews changed, and the days entering the horizon.

use std::sync::OnceLock;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use kummerer_contracts::{CrewSlots, SlotRoom, TimeWindow};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, TransactionTrait};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::db::{carrier_regions, dispatch, slots};
use crate::domain::slots::{CrewDay, SlotGrid, room};

/// The windows, the horizon and how often the horizon is looked at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotConfig {
    pub grid: SlotGrid,
    /// Days after today that are announced.
    pub horizon_days: i64,
    /// How often every carrier's horizon is compared with what was announced.
    pub every: Duration,
}

/// Default of `KUMMERER_SLOT_ANNOUNCE_SECONDS`.
pub const INTERVAL: Duration = Duration::from_secs(5);
/// Default of `KUMMERER_SLOT_HORIZON_DAYS`.
pub const HORIZON_DAYS: i64 = 14;

impl Default for SlotConfig {
    fn default() -> Self {
        SlotConfig {
            grid: SlotGrid::default(),
            horizon_days: HORIZON_DAYS,
            every: INTERVAL,
        }
    }
}

static CONFIG: OnceLock<SlotConfig> = OnceLock::new();

/// Installs the process's slot settings and so turns the announcements on (at start, from the
/// settings; `KUMMERER_SLOT_ANNOUNCE_SECONDS=0` leaves them off, as does a service built
/// in-process by a test that does not install them). A second call changes nothing.
pub fn install(config: SlotConfig) {
    if CONFIG.set(config.clone()).is_err() && CONFIG.get() != Some(&config) {
        tracing::warn!("slot settings were installed before: the first ones stay");
    }
}

/// The process's slot settings, when the announcements are on.
pub fn config() -> Option<SlotConfig> {
    CONFIG.get().cloned()
}

/// The crews of `carrier_id` with their room on `date`, as announced: active crews only, their
/// prefixes limited to the carrier's granted regions, in crew order.
pub async fn day_of_carrier<C: ConnectionTrait>(
    db: &C,
    grid: &SlotGrid,
    carrier_id: Uuid,
    date: NaiveDate,
) -> Result<Vec<CrewSlots>, DbErr> {
    let granted = carrier_regions::of(db, carrier_id).await?;
    let crews: Vec<_> = dispatch::crews_of(db, carrier_id)
        .await?
        .into_iter()
        .filter(|c| c.active)
        .collect();
    let ids: Vec<Uuid> = crews.iter().map(|c| c.id).collect();
    let mut starts = slots::visit_starts(db, &ids, date).await?;
    let windows = grid.windows_on(date);
    let mut out = Vec::with_capacity(crews.len());
    for crew in crews {
        let prefixes: Vec<String> = crew
            .home_postcode_prefixes
            .iter()
            .filter(|p| granted.iter().any(|g| p.starts_with(g.as_str())))
            .cloned()
            .collect();
        if prefixes.is_empty() {
            continue;
        }
        let day = CrewDay {
            active: true,
            visits_per_day: crew.visits_per_day,
            visit_starts: starts.remove(&crew.id).unwrap_or_default(),
        };
        let free = room(&windows, &day);
        out.push(CrewSlots {
            crew_id: crew.id.into(),
            postcode_prefixes: prefixes,
            windows: windows
                .iter()
                .zip(free)
                .map(|((start, end), free)| SlotRoom {
                    window: TimeWindow {
                        start: *start,
                        end: *end,
                    },
                    free,
                })
                .collect(),
        });
    }
    Ok(out)
}

/// Announces the room of `carrier_id` on `date` in `txn` when it differs from the last
/// announcement; `true` when it did.
pub async fn announce<C: ConnectionTrait>(
    txn: &C,
    carrier_id: Uuid,
    date: NaiveDate,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let Some(config) = config() else {
        return Ok(false);
    };
    let last = slots::lock(txn, carrier_id, date).await?;
    let crews = day_of_carrier(txn, &config.grid, carrier_id, date).await?;
    let state = serde_json::to_value(&crews).map_err(|e| DbErr::Custom(e.to_string()))?;
    if last.sequence > 0 && last.state == state {
        return Ok(false);
    }
    let sequence = last.sequence + 1;
    slots::save(txn, carrier_id, date, sequence, state, now).await?;
    crate::outbound::slots_announced(txn, carrier_id, date, sequence, crews, now).await?;
    Ok(true)
}

/// Announces what changed for every carrier on each day of the horizon (one transaction per
/// carrier and day); how many announcements were written.
pub async fn announce_horizon(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<usize, DbErr> {
    let Some(config) = config() else {
        return Ok(0);
    };
    let horizon = config.horizon_days;
    let today = now.date_naive();
    let mut written = 0;
    for carrier_id in slots::carrier_ids(db).await? {
        for n in 0..=horizon {
            let date = today + chrono::Duration::days(n);
            let txn = db.begin().await?;
            if announce(&txn, carrier_id, date, now).await? {
                written += 1;
            }
            txn.commit().await?;
        }
    }
    Ok(written)
}

/// Runs [`announce_horizon`] every `every` until the shutdown.
pub async fn worker(db: DatabaseConnection, every: Duration, cancel: CancellationToken) {
    loop {
        match announce_horizon(&db, Utc::now()).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(announced = n, "delivery windows announced"),
            Err(e) => tracing::error!(error = %e, "announcing the delivery windows failed"),
        }
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(every) => {}
        }
    }
}
