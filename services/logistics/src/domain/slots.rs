//! Delivery windows with room (issue 13), free of I/O: the capacity model behind
//! `logistics.slots.announced.v1`.
//!
//! - A day has the same **windows** for every carrier: local times in one time zone
//!   (`KUMMERER_SLOT_WINDOWS`, default `08:00-12:00,12:00-16:00,16:00-20:00`, and
//!   `KUMMERER_SLOT_TIME_ZONE`, default `Europe/Berlin`), turned into UTC instants per date.
//! - A crew makes at most `visits_per_day` visits a day (as before), spread over the windows:
//!   at most ⌈visits_per_day / windows⌉ in one window. Its **room** in a window is the smaller
//!   of what is left of the window and what is left of the day.
//! - A visit counts in the window its start lies in; a visit outside every window (a dispatcher's
//!   own window) counts for the day only.
//! - An inactive crew has no room. A job booked over capacity (a manager's overbooking) still
//!   counts, so the window stays full.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// The windows of a day, as local times in `time_zone`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotGrid {
    pub windows: Vec<(NaiveTime, NaiveTime)>,
    pub time_zone: Tz,
}

/// Most windows a day may have.
pub const WINDOWS_MAX: usize = 12;

impl Default for SlotGrid {
    fn default() -> Self {
        let at = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap_or(NaiveTime::MIN);
        SlotGrid {
            windows: vec![(at(8), at(12)), (at(12), at(16)), (at(16), at(20))],
            time_zone: chrono_tz::Europe::Berlin,
        }
    }
}

impl SlotGrid {
    /// `"08:00-12:00,12:00-16:00"` in the time zone `tz` (an IANA name); each window ends after
    /// it starts, they do not overlap, 1 to [`WINDOWS_MAX`] of them; or what is wrong.
    pub fn parse(raw: &str, tz: &str) -> Result<SlotGrid, String> {
        let time_zone: Tz = tz
            .trim()
            .parse()
            .map_err(|_| format!("{tz:?} is not a time zone (e.g. Europe/Berlin)"))?;
        let mut windows = Vec::new();
        for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (from, to) = part
                .split_once('-')
                .ok_or_else(|| format!("{part:?}: expected HH:MM-HH:MM"))?;
            let time = |t: &str| {
                NaiveTime::parse_from_str(t.trim(), "%H:%M")
                    .map_err(|_| format!("{part:?}: expected HH:MM-HH:MM"))
            };
            let (from, to) = (time(from)?, time(to)?);
            if to <= from {
                return Err(format!("{part:?}: a window ends after it starts"));
            }
            windows.push((from, to));
        }
        if windows.is_empty() || windows.len() > WINDOWS_MAX {
            return Err(format!("expected 1 to {WINDOWS_MAX} windows"));
        }
        windows.sort();
        if windows.windows(2).any(|w| w[1].0 < w[0].1) {
            return Err("windows must not overlap".into());
        }
        Ok(SlotGrid { windows, time_zone })
    }

    /// The windows of `date` as UTC instants, in order (a window whose local start or end does
    /// not exist that day, at a clock change, is left out).
    pub fn windows_on(&self, date: NaiveDate) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        self.windows
            .iter()
            .filter_map(|(from, to)| {
                let at = |t: &NaiveTime| {
                    self.time_zone
                        .from_local_datetime(&date.and_time(*t))
                        .earliest()
                        .map(|d| d.with_timezone(&Utc))
                };
                Some((at(from)?, at(to)?))
            })
            .collect()
    }
}

/// The most visits a crew makes in one window: its day spread over the windows, rounded up.
pub fn per_window(visits_per_day: i32, windows: usize) -> u32 {
    let per_day = u32::try_from(visits_per_day.max(0)).unwrap_or(0);
    let windows = u32::try_from(windows.max(1)).unwrap_or(1);
    per_day.div_ceil(windows)
}

/// The window a visit starting at `start` counts in, if any.
pub fn window_of(
    windows: &[(DateTime<Utc>, DateTime<Utc>)],
    start: DateTime<Utc>,
) -> Option<usize> {
    windows
        .iter()
        .position(|(from, to)| *from <= start && start < *to)
}

/// A crew's day as the capacity model sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrewDay {
    pub active: bool,
    pub visits_per_day: i32,
    /// The window starts of the visits it has that day (the statuses that take a slot).
    pub visit_starts: Vec<DateTime<Utc>>,
}

/// The crew's room in each of `windows` (0: full).
pub fn room(windows: &[(DateTime<Utc>, DateTime<Utc>)], crew: &CrewDay) -> Vec<u32> {
    if !crew.active {
        return vec![0; windows.len()];
    }
    let per_day = u32::try_from(crew.visits_per_day.max(0)).unwrap_or(0);
    let taken = u32::try_from(crew.visit_starts.len()).unwrap_or(u32::MAX);
    let day_left = per_day.saturating_sub(taken);
    let cap = per_window(crew.visits_per_day, windows.len());
    let mut in_window = vec![0u32; windows.len()];
    for start in &crew.visit_starts {
        if let Some(i) = window_of(windows, *start) {
            in_window[i] += 1;
        }
    }
    in_window
        .into_iter()
        .map(|n| cap.saturating_sub(n).min(day_left))
        .collect()
}

/// Whether a crew has room for a visit starting at `start`: room in its window (when it lies in
/// one), and room that day in any case.
pub fn has_room_at(
    windows: &[(DateTime<Utc>, DateTime<Utc>)],
    crew: &CrewDay,
    start: DateTime<Utc>,
) -> bool {
    match window_of(windows, start) {
        Some(i) => room(windows, crew)[i] > 0,
        None => {
            crew.active
                && crew.visit_starts.len()
                    < usize::try_from(crew.visits_per_day.max(0)).unwrap_or(0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 8).unwrap()
    }

    fn at(h: u32) -> DateTime<Utc> {
        date().and_hms_opt(h, 0, 0).unwrap().and_utc()
    }

    fn crew(per_day: i32, starts: &[u32]) -> CrewDay {
        CrewDay {
            active: true,
            visits_per_day: per_day,
            visit_starts: starts.iter().map(|h| at(*h)).collect(),
        }
    }

    #[test]
    fn the_default_windows_are_berlin_local_times() {
        let grid = SlotGrid::default();
        let w = grid.windows_on(date());
        // December: Berlin is UTC+1.
        assert_eq!(w, vec![(at(7), at(11)), (at(11), at(15)), (at(15), at(19))]);
        let summer = NaiveDate::from_ymd_opt(2026, 7, 1).unwrap();
        let w = grid.windows_on(summer);
        assert_eq!(w[0].0, summer.and_hms_opt(6, 0, 0).unwrap().and_utc());
    }

    #[test]
    fn windows_are_parsed_and_checked() {
        let grid = SlotGrid::parse("12:00-14:00, 08:00-10:00", "Europe/Vienna").unwrap();
        assert_eq!(grid.windows.len(), 2);
        assert_eq!(grid.windows[0].0, NaiveTime::from_hms_opt(8, 0, 0).unwrap());
        for (raw, tz) in [
            ("", "Europe/Berlin"),
            ("08:00-08:00", "Europe/Berlin"),
            ("10:00-08:00", "Europe/Berlin"),
            ("8-12", "Europe/Berlin"),
            ("08:00-12:00,11:00-13:00", "Europe/Berlin"),
            ("08:00-12:00", "Mars/Olympus"),
        ] {
            assert!(SlotGrid::parse(raw, tz).is_err(), "{raw} {tz}");
        }
    }

    #[test]
    fn a_crews_day_is_spread_over_the_windows_rounded_up() {
        assert_eq!(per_window(8, 3), 3);
        assert_eq!(per_window(6, 3), 2);
        assert_eq!(per_window(1, 3), 1);
        assert_eq!(per_window(0, 3), 0);
        assert_eq!(per_window(5, 0), 5);
    }

    #[test]
    fn room_is_what_is_left_of_the_window_and_of_the_day() {
        let w = SlotGrid::default().windows_on(date());
        // 6 a day over 3 windows: 2 per window.
        assert_eq!(room(&w, &crew(6, &[])), vec![2, 2, 2]);
        assert_eq!(room(&w, &crew(6, &[7, 8])), vec![0, 2, 2]);
        // 4 a day: 2 per window, but the day is full after four.
        assert_eq!(room(&w, &crew(4, &[7, 8, 12])), vec![0, 1, 1]);
        assert_eq!(room(&w, &crew(4, &[7, 8, 12, 13])), vec![0, 0, 0]);
        // A visit outside every window counts for the day only.
        assert_eq!(room(&w, &crew(3, &[5, 20])), vec![1, 1, 1]);
        // Overbooked: never below zero.
        assert_eq!(room(&w, &crew(3, &[7, 8, 9])), vec![0, 0, 0]);
        let mut off = crew(6, &[]);
        off.active = false;
        assert_eq!(room(&w, &off), vec![0, 0, 0]);
    }

    #[test]
    fn a_visit_needs_room_in_its_window_and_its_day() {
        let w = SlotGrid::default().windows_on(date());
        let c = crew(6, &[7, 8]);
        assert!(!has_room_at(&w, &c, at(9)));
        assert!(has_room_at(&w, &c, at(11)));
        // Outside the windows: only the day counts.
        assert!(has_room_at(&w, &c, at(20)));
        assert!(!has_room_at(&w, &crew(2, &[7, 12]), at(20)));
    }
}
