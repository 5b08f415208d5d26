//! Crews, their home regions and capacity, and the choice of a crew for a visit — free of I/O.
//!
//! A crew covers the postcodes that start with one of its `home_postcode_prefixes` and makes at
//! most `visits_per_day` visits a day. A new visit goes to an active crew with room that day:
//! the longest matching prefix first (the most local crew), then the crew with the fewest visits
//! that day, then the smallest crew id (so the choice is deterministic).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use uuid::Uuid;

use crate::domain::JobStatus;

/// Longest carrier or crew name.
pub const NAME_MAX: usize = 200;
/// Longest postcode prefix.
pub const PREFIX_MAX: usize = 10;
/// Most prefixes one crew may list.
pub const PREFIXES_MAX: usize = 100;
/// Most postcode prefixes the operator may grant one carrier.
pub const REGIONS_MAX: usize = 1000;
/// Most visits a crew can make a day.
pub const VISITS_PER_DAY_MAX: i32 = 50;
/// Longest reason a dispatcher gives for a reassignment or reschedule.
pub const REASON_MAX: usize = 500;
/// How far ahead a dispatcher may reschedule a visit.
pub const RESCHEDULE_DAYS_AHEAD: i64 = 60;

/// The statuses that take a slot of a crew's day.
pub const COUNTED_STATUSES: [JobStatus; 3] = [
    JobStatus::Scheduled,
    JobStatus::Failed,
    JobStatus::Completed,
];

/// The day a visit belongs to: the date of its window start in UTC.
pub fn visit_date(window_start: DateTime<Utc>) -> NaiveDate {
    window_start.date_naive()
}

/// A postcode as it is matched against prefixes: without whitespace, letters upper-cased.
pub use kummerer_contracts::postcode_key;

/// The home postcode prefixes of a crew, normalised (upper-cased, duplicates dropped, in the
/// given order); or what is wrong with them.
pub fn parse_prefixes(raw: &[String]) -> Result<Vec<String>, String> {
    if raw.is_empty() {
        return Err("must list at least one postcode prefix".into());
    }
    normalise_prefixes(raw, PREFIXES_MAX)
}

/// The postcode regions the operator grants a carrier, normalised like a crew's prefixes; an
/// empty list takes every region away.
pub fn parse_regions(raw: &[String]) -> Result<Vec<String>, String> {
    normalise_prefixes(raw, REGIONS_MAX)
}

fn normalise_prefixes(raw: &[String], max: usize) -> Result<Vec<String>, String> {
    if raw.len() > max {
        return Err(format!("must list at most {max} prefixes"));
    }
    let mut out: Vec<String> = Vec::with_capacity(raw.len());
    for p in raw {
        let p = p.trim();
        let len = p.chars().count();
        if len == 0 || len > PREFIX_MAX || !p.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(format!(
                "{p:?}: each prefix is 1 to {PREFIX_MAX} letters or digits"
            ));
        }
        let p = p.to_ascii_uppercase();
        if !out.contains(&p) {
            out.push(p);
        }
    }
    Ok(out)
}

/// The crew prefixes that lie outside the carrier's granted regions: a crew prefix is inside
/// when it starts with a granted prefix (a crew may cover part of a granted region, never more).
pub fn outside_regions(prefixes: &[String], granted: &[String]) -> Vec<String> {
    prefixes
        .iter()
        .filter(|p| !granted.iter().any(|g| p.starts_with(g.as_str())))
        .cloned()
        .collect()
}

/// The length of the longest of `prefixes` that starts `postcode_key`, if any does.
pub fn longest_match(prefixes: &[String], postcode_key: &str) -> Option<usize> {
    prefixes
        .iter()
        .filter(|p| postcode_key.starts_with(p.as_str()))
        .map(String::len)
        .max()
}

/// A crew that might take a visit, with what it already has that day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub crew_id: Uuid,
    pub active: bool,
    pub prefixes: Vec<String>,
    pub visits_per_day: i32,
    /// Visits the crew has that day, not counting the one being placed.
    pub visits_that_day: i64,
    /// The delivery window of the visit is full on this crew ([`crate::domain::slots`]),
    /// though its day may not be.
    pub window_full: bool,
}

impl Candidate {
    pub fn has_room(&self) -> bool {
        self.active && !self.window_full && self.visits_that_day < i64::from(self.visits_per_day)
    }
}

/// The crew for a visit a manager booked although no crew had room (overbooked): like
/// [`choose_crew`] among the active crews covering the postcode, room or not.
pub fn choose_crew_overbooked(candidates: &[Candidate], postcode_key: &str) -> Option<Uuid> {
    let open: Vec<Candidate> = candidates
        .iter()
        .filter(|c| c.active)
        .map(|c| Candidate {
            window_full: false,
            visits_per_day: i32::MAX,
            ..c.clone()
        })
        .collect();
    choose_crew(&open, postcode_key)
}

/// The crew for a visit at `postcode_key`: among the active candidates with room whose region
/// covers the postcode, the longest prefix match, then the fewest visits that day, then the
/// smallest id. `None` when no crew has room: the visit waits for the dispatcher.
pub fn choose_crew(candidates: &[Candidate], postcode_key: &str) -> Option<Uuid> {
    candidates
        .iter()
        .filter(|c| c.has_room())
        .filter_map(|c| longest_match(&c.prefixes, postcode_key).map(|len| (c, len)))
        .min_by(|(a, a_len), (b, b_len)| {
            b_len
                .cmp(a_len)
                .then(a.visits_that_day.cmp(&b.visits_that_day))
                .then(a.crew_id.cmp(&b.crew_id))
        })
        .map(|(c, _)| c.crew_id)
}

/// The crew for a visit that moves to another day: the crew it is on (`current`) when that one
/// has room there, else the best crew by [`choose_crew`].
pub fn keep_or_choose_crew(
    candidates: &[Candidate],
    postcode_key: &str,
    current: Option<Uuid>,
) -> Option<Uuid> {
    current
        .filter(|cur| candidates.iter().any(|c| c.crew_id == *cur && c.has_room()))
        .or_else(|| choose_crew(candidates, postcode_key))
}

/// How many days ahead of a failed visit a revisit is looked for; with no crew free on any of
/// them the job waits for the dispatcher.
pub const REVISIT_DAYS_AHEAD: i64 = 14;

/// A visit's window on another day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayWindow {
    pub date: NaiveDate,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// The windows a revisit after a failed attempt (at `failed_at`) may take, earliest first: the
/// same hours (and length) as the window `start`–`end`, on each of the [`REVISIT_DAYS_AHEAD`]
/// days after the later of the visit's own day and the day of the failure.
pub fn revisit_windows(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    failed_at: DateTime<Utc>,
) -> Vec<DayWindow> {
    let from = visit_date(start).max(failed_at.date_naive());
    let skip = (from - visit_date(start)).num_days();
    (1..=REVISIT_DAYS_AHEAD)
        .map(|n| {
            let shift = Duration::days(skip + n);
            DayWindow {
                date: visit_date(start + shift),
                start: start + shift,
                end: end + shift,
            }
        })
        .collect()
}

/// The revisit: the first of the `days` (each with the candidate crews that day, in the order of
/// [`revisit_windows`]) on which a crew has room, and that crew ([`keep_or_choose_crew`]); its
/// index in `days`. `None`: no crew has room on any of them.
pub fn choose_revisit(
    days: &[Vec<Candidate>],
    postcode_key: &str,
    current: Option<Uuid>,
) -> Option<(usize, Uuid)> {
    days.iter().enumerate().find_map(|(i, candidates)| {
        keep_or_choose_crew(candidates, postcode_key, current).map(|crew| (i, crew))
    })
}

/// What is wrong with a new window a dispatcher proposes at `now`, if anything.
pub fn check_reschedule(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Vec<(&'static str, String)> {
    let mut errors = Vec::new();
    if end <= start {
        errors.push(("window_end", "must be after window_start".to_owned()));
    }
    if start < now {
        errors.push(("window_start", "must not be in the past".to_owned()));
    } else if start > now + Duration::days(RESCHEDULE_DAYS_AHEAD) {
        errors.push((
            "window_start",
            format!("must be at most {RESCHEDULE_DAYS_AHEAD} days ahead"),
        ));
    }
    errors
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use chrono::TimeZone;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn crew(n: u128, prefixes: &[&str], per_day: i32, that_day: i64) -> Candidate {
        Candidate {
            crew_id: id(n),
            active: true,
            prefixes: prefixes.iter().map(|p| (*p).to_owned()).collect(),
            visits_per_day: per_day,
            visits_that_day: that_day,
            window_full: false,
        }
    }

    #[test]
    fn a_full_window_passes_the_crew_over_unless_overbooked() {
        let mut full = crew(1, &["10"], 6, 0);
        full.window_full = true;
        let other = crew(2, &["1"], 6, 3);
        assert_eq!(
            choose_crew(&[full.clone(), other.clone()], "10115"),
            Some(id(2))
        );
        assert_eq!(choose_crew(&[full.clone()], "10115"), None);
        // Overbooked: the best covering crew anyway, even with its day full; never an
        // inactive one or one that does not cover the postcode.
        let mut day_full = crew(3, &["10"], 2, 2);
        day_full.window_full = true;
        assert_eq!(
            choose_crew_overbooked(&[full.clone(), day_full], "10115"),
            Some(id(1))
        );
        let mut off = crew(4, &["10"], 6, 0);
        off.active = false;
        assert_eq!(choose_crew_overbooked(&[off], "10115"), None);
        assert_eq!(
            choose_crew_overbooked(&[crew(5, &["20"], 6, 0)], "10115"),
            None
        );
    }

    #[test]
    fn the_visit_date_is_the_utc_date_of_the_window_start() {
        let late = Utc.with_ymd_and_hms(2026, 3, 1, 23, 30, 0).unwrap();
        assert_eq!(
            visit_date(late),
            NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()
        );
    }

    #[test]
    fn postcodes_are_matched_without_spaces_and_case() {
        assert_eq!(postcode_key(" sw1a 1aa "), "SW1A1AA");
        assert_eq!(postcode_key("10115"), "10115");
    }

    #[test]
    fn prefixes_are_checked_and_normalised() {
        let p = |v: &[&str]| parse_prefixes(&v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>());
        assert_eq!(p(&["10", " sw1 ", "10"]).unwrap(), ["10", "SW1"]);
        assert!(p(&[]).is_err());
        assert!(p(&[""]).is_err());
        assert!(p(&["12345678901"]).is_err());
        assert!(p(&["1234567890"]).is_ok());
        assert!(p(&["10-1"]).is_err());
        assert!(p(&["1 0"]).is_err());
        assert!(p(&["ü1"]).is_err());
        let many: Vec<String> = (0..=PREFIXES_MAX).map(|i| i.to_string()).collect();
        assert!(parse_prefixes(&many).is_err());
        assert_eq!(parse_regions(&[]), Ok(vec![]));
        assert!(parse_regions(&["1".to_owned(), "x y".to_owned()]).is_err());
    }

    #[test]
    fn a_crew_covers_only_parts_of_its_carriers_regions() {
        let v = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let granted = v(&["10", "SW1"]);
        assert!(outside_regions(&v(&["10", "101", "SW1A"]), &granted).is_empty());
        assert_eq!(
            outside_regions(&v(&["1", "20", "101"]), &granted),
            ["1", "20"]
        );
        assert_eq!(outside_regions(&v(&["10"]), &[]), ["10"]);
    }

    #[test]
    fn the_longest_prefix_wins() {
        let key = "10115";
        assert_eq!(longest_match(&["1".into(), "101".into()], key), Some(3));
        assert_eq!(longest_match(&["2".into()], key), None);
        let crews = [crew(1, &["1"], 5, 0), crew(2, &["101"], 5, 4)];
        assert_eq!(choose_crew(&crews, key), Some(id(2)));
    }

    #[test]
    fn then_the_fewest_visits_then_the_smallest_id() {
        let key = "10115";
        let crews = [
            crew(3, &["10"], 5, 2),
            crew(2, &["10"], 5, 1),
            crew(1, &["10"], 5, 2),
        ];
        assert_eq!(choose_crew(&crews, key), Some(id(2)));
        let crews = [crew(3, &["10"], 5, 1), crew(1, &["10"], 5, 1)];
        assert_eq!(choose_crew(&crews, key), Some(id(1)));
    }

    #[test]
    fn full_inactive_or_foreign_crews_are_passed_over() {
        let key = "10115";
        let mut inactive = crew(1, &["1011"], 5, 0);
        inactive.active = false;
        let full = crew(2, &["101"], 2, 2);
        let foreign = crew(3, &["2"], 5, 0);
        let fallback = crew(4, &["1"], 1, 0);
        assert_eq!(
            choose_crew(
                &[inactive.clone(), full.clone(), foreign.clone(), fallback],
                key
            ),
            Some(id(4))
        );
        assert_eq!(choose_crew(&[inactive, full, foreign], key), None);
        assert_eq!(choose_crew(&[], key), None);
    }

    #[test]
    fn a_moved_visit_stays_with_its_crew_when_it_has_room() {
        let key = "10115";
        let crews = [crew(1, &["101"], 5, 0), crew(2, &["1"], 5, 3)];
        assert_eq!(keep_or_choose_crew(&crews, key, Some(id(2))), Some(id(2)));
        assert_eq!(keep_or_choose_crew(&crews, key, None), Some(id(1)));
        let full = [crew(1, &["101"], 5, 0), crew(2, &["1"], 3, 3)];
        assert_eq!(keep_or_choose_crew(&full, key, Some(id(2))), Some(id(1)));
        // A crew not among the candidates (another carrier's, say) is not kept.
        assert_eq!(keep_or_choose_crew(&crews, key, Some(id(9))), Some(id(1)));
        assert_eq!(keep_or_choose_crew(&[], key, Some(id(1))), None);
    }

    #[test]
    fn a_revisit_keeps_the_window_hours_on_the_days_after() {
        let at = |d, h, m| Utc.with_ymd_and_hms(2026, 3, d, h, m, 0).unwrap();
        let day = |d| NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
        // Failed during the visit's own day: from the next day on.
        let w = revisit_windows(at(2, 10, 30), at(2, 12, 30), at(2, 11, 0));
        assert_eq!(w.len(), REVISIT_DAYS_AHEAD as usize);
        assert_eq!(
            w[0],
            DayWindow {
                date: day(3),
                start: at(3, 10, 30),
                end: at(3, 12, 30)
            }
        );
        assert_eq!(w[1].date, day(4));
        assert_eq!(w[13].start, at(16, 10, 30));
        // Recorded a day late: still the day after the failure, never the past.
        let w = revisit_windows(at(2, 10, 0), at(2, 12, 0), at(3, 8, 0));
        assert_eq!(w[0].start, at(4, 10, 0));
        // Recorded ahead of the visit's day: the day after the visit.
        let w = revisit_windows(at(5, 10, 0), at(5, 12, 0), at(2, 8, 0));
        assert_eq!(w[0].start, at(6, 10, 0));
        // A window across midnight keeps its length.
        let w = revisit_windows(at(2, 23, 0), at(3, 1, 0), at(2, 23, 30));
        assert_eq!(w[0].date, day(3));
        assert_eq!((w[0].start, w[0].end), (at(3, 23, 0), at(4, 1, 0)));
    }

    #[test]
    fn a_revisit_takes_the_first_day_with_room_keeping_the_crew_if_it_can() {
        let key = "10115";
        let full = vec![crew(1, &["10"], 2, 2), crew(2, &["10"], 1, 1)];
        let only_two = vec![crew(1, &["10"], 2, 2), crew(2, &["10"], 1, 0)];
        let both = vec![crew(1, &["10"], 2, 0), crew(2, &["10"], 1, 0)];
        assert_eq!(
            choose_revisit(std::slice::from_ref(&both), key, Some(id(2))),
            Some((0, id(2)))
        );
        assert_eq!(
            choose_revisit(
                &[full.clone(), only_two.clone(), both.clone()],
                key,
                Some(id(1))
            ),
            Some((1, id(2))),
            "the earliest day wins over the crew"
        );
        assert_eq!(
            choose_revisit(&[full.clone(), full.clone()], key, None),
            None
        );
        assert_eq!(choose_revisit(&[], key, Some(id(1))), None);
        assert_eq!(choose_revisit(&[full, both], key, None), Some((1, id(1))));
    }

    #[test]
    fn a_reschedule_needs_a_future_window_within_sixty_days() {
        let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
        let h = Duration::hours;
        assert!(check_reschedule(now + h(1), now + h(3), now).is_empty());
        assert_eq!(
            check_reschedule(now + h(3), now + h(3), now)[0].0,
            "window_end"
        );
        assert_eq!(
            check_reschedule(now - h(1), now + h(3), now)[0].0,
            "window_start"
        );
        assert!(
            check_reschedule(
                now + Duration::days(60),
                now + Duration::days(60) + h(2),
                now
            )
            .is_empty()
        );
        assert_eq!(
            check_reschedule(
                now + Duration::days(61),
                now + Duration::days(61) + h(2),
                now
            )[0]
            .0,
            "window_start"
        );
    }
}
