//! Delivery windows with room (issue 13), as the carriers announced them
//! (`logistics.slots.announced.v1`, kept per carrier and day): free of I/O.
//!
//! For a delivery postcode, a window's room is the sum of the room of every announced crew that
//! covers the postcode, of a carrier the retailer has an active contract with for that postcode
//! and weekday. A day nobody announced for the postcode is **unknown**: the swap goes ahead and
//! logistics decides (as before the announcements); a known day's window without room is
//! **full**: refused unless a manager overbooks.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use kummerer_contracts::{CrewSlots, TimeWindow};
use uuid::Uuid;

/// One carrier's announced day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CarrierDay {
    pub carrier_id: Uuid,
    pub date: NaiveDate,
    pub crews: Vec<CrewSlots>,
}

/// What the retailer contracted a carrier for (active contracts only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contracted {
    pub carrier_id: Uuid,
    pub postcode_prefixes: Vec<String>,
    /// ISO weekdays (1 = Monday); empty: every day.
    pub weekdays: Vec<i32>,
}

/// A window on offer for a postcode, with the number of visits that still fit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    pub window: TimeWindow,
    pub free: u32,
}

/// A postcode as prefixes are matched against it (as logistics does): no whitespace, upper case.
pub use kummerer_contracts::postcode_key;

fn covers(prefixes: &[String], key: &str) -> bool {
    prefixes.iter().any(|p| key.starts_with(p.as_str()))
}

fn contracted_for(contracts: &[Contracted], carrier_id: Uuid, key: &str, date: NaiveDate) -> bool {
    let weekday = i32::try_from(date.weekday().number_from_monday()).unwrap_or(0);
    contracts.iter().any(|c| {
        c.carrier_id == carrier_id
            && covers(&c.postcode_prefixes, key)
            && (c.weekdays.is_empty() || c.weekdays.contains(&weekday))
    })
}

/// The windows announced for `postcode` that start after `after`, earliest first, each with the
/// room summed over the covering crews of contracted carriers (0: full); one per window.
pub fn offers(
    days: &[CarrierDay],
    contracts: &[Contracted],
    postcode: &str,
    after: DateTime<Utc>,
) -> Vec<Offer> {
    let key = postcode_key(postcode);
    let mut out: Vec<Offer> = Vec::new();
    for day in days {
        if !contracted_for(contracts, day.carrier_id, &key, day.date) {
            continue;
        }
        for crew in day
            .crews
            .iter()
            .filter(|c| covers(&c.postcode_prefixes, &key))
        {
            for slot in crew.windows.iter().filter(|s| s.window.start > after) {
                match out.iter_mut().find(|o| o.window == slot.window) {
                    Some(o) => o.free += slot.free,
                    None => out.push(Offer {
                        window: slot.window.clone(),
                        free: slot.free,
                    }),
                }
            }
        }
    }
    out.sort_by_key(|o| (o.window.start, o.window.end));
    out
}

/// Whether a window has room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Room {
    /// It lies within an announced window with room.
    Free,
    /// Its day was announced for the postcode, and no window with room holds it.
    Full,
    /// Nobody announced its day for the postcode.
    Unknown,
}

/// The room for a visit from `start` to `end` among `offers` (all of them, full ones too).
pub fn room(offers: &[Offer], start: DateTime<Utc>, end: DateTime<Utc>) -> Room {
    let day = start.date_naive();
    if !offers.iter().any(|o| o.window.start.date_naive() == day) {
        return Room::Unknown;
    }
    if offers
        .iter()
        .any(|o| o.free > 0 && o.window.start <= start && end <= o.window.end)
    {
        Room::Free
    } else {
        Room::Full
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use kummerer_contracts::SlotRoom;

    fn at(d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, d, h, 0, 0).unwrap()
    }

    fn crew(prefix: &str, free: &[u32]) -> CrewSlots {
        CrewSlots {
            crew_id: Uuid::now_v7().into(),
            postcode_prefixes: vec![prefix.into()],
            windows: free
                .iter()
                .enumerate()
                .map(|(i, f)| SlotRoom {
                    window: TimeWindow {
                        start: at(8, 7 + 4 * i as u32),
                        end: at(8, 11 + 4 * i as u32),
                    },
                    free: *f,
                })
                .collect(),
        }
    }

    fn day(carrier: Uuid, crews: Vec<CrewSlots>) -> CarrierDay {
        CarrierDay {
            carrier_id: carrier,
            date: NaiveDate::from_ymd_opt(2026, 12, 8).unwrap(),
            crews,
        }
    }

    fn contract(carrier: Uuid, prefix: &str, weekdays: Vec<i32>) -> Contracted {
        Contracted {
            carrier_id: carrier,
            postcode_prefixes: vec![prefix.into()],
            weekdays,
        }
    }

    #[test]
    fn room_is_summed_over_covering_crews_of_contracted_carriers() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let days = vec![
            day(
                a,
                vec![
                    crew("10", &[1, 0, 2]),
                    crew("101", &[0, 0, 1]),
                    crew("20", &[5, 5, 5]),
                ],
            ),
            day(b, vec![crew("1", &[3, 3, 3])]),
        ];
        // Only carrier a is contracted.
        let contracts = vec![contract(a, "1", vec![])];
        let o = offers(&days, &contracts, "101 15", at(1, 0));
        assert_eq!(o.iter().map(|o| o.free).collect::<Vec<_>>(), vec![1, 0, 3]);
        // Another postcode of the region: only the crew for "10".
        let o = offers(&days, &contracts, "10200", at(1, 0));
        assert_eq!(o.iter().map(|o| o.free).collect::<Vec<_>>(), vec![1, 0, 2]);
        // Windows already begun are not offered.
        assert_eq!(offers(&days, &contracts, "10115", at(8, 8)).len(), 2);
        // A contract for other weekdays (8 Dec 2026 is a Tuesday = 2) offers nothing.
        assert!(offers(&days, &[contract(a, "1", vec![1, 3])], "10115", at(1, 0)).is_empty());
        assert_eq!(
            offers(&days, &[contract(a, "1", vec![2])], "10115", at(1, 0)).len(),
            3
        );
    }

    #[test]
    fn a_window_is_free_full_or_unknown() {
        let a = Uuid::now_v7();
        let o = offers(
            &[day(a, vec![crew("10", &[1, 0, 2])])],
            &[contract(a, "10", vec![])],
            "10115",
            at(1, 0),
        );
        assert_eq!(room(&o, at(8, 7), at(8, 11)), Room::Free);
        // Within a window with room.
        assert_eq!(room(&o, at(8, 8), at(8, 10)), Room::Free);
        assert_eq!(room(&o, at(8, 11), at(8, 15)), Room::Full);
        // Across two windows, or outside all of them, on a known day: full.
        assert_eq!(room(&o, at(8, 9), at(8, 13)), Room::Full);
        assert_eq!(room(&o, at(8, 20), at(8, 22)), Room::Full);
        // A day nobody announced.
        assert_eq!(room(&o, at(9, 7), at(9, 11)), Room::Unknown);
    }

    #[test]
    fn postcodes_are_matched_without_spaces_and_case() {
        assert_eq!(postcode_key(" sw1a 1aa "), "SW1A1AA");
    }
}
