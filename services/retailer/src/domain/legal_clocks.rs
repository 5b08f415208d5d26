//! The law's clocks, per jurisdiction (German/EU law first): the consumer's guarantee and the
//! reversed burden of proof at the counter, and the retailer's recourse deadline against its
//! supplier per claim. Pure functions on local calendar days: a period starts the day after the
//! event and ends at the end of the day with the same number (BGB §§ 187(1), 188(2)); a month
//! without that day ends on its last day (§ 188(3): 29 Feb + 1 year = 28 Feb). Days are the
//! store's local days, so a sale at 23:30 Berlin time on the last day of a month is a sale on
//! that day, not on the next (as UTC would have it).

use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use chrono_tz::Tz;

/// The law a retailer's clocks follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Jurisdiction {
    /// Germany: BGB §§ 438, 477, 445b, implementing Directive (EU) 2019/771.
    #[default]
    De,
}

impl Jurisdiction {
    pub fn as_str(self) -> &'static str {
        match self {
            Jurisdiction::De => "DE",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_uppercase().as_str() {
            "DE" => Some(Jurisdiction::De),
            _ => None,
        }
    }

    /// The periods of this jurisdiction.
    pub fn rules(self) -> LegalRules {
        match self {
            Jurisdiction::De => LegalRules {
                guarantee_months: 24,
                burden_reversal_months: 12,
                recourse_months: 24,
                recourse_after_satisfied_months: 2,
            },
        }
    }
}

/// The periods a jurisdiction sets, in calendar months.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LegalRules {
    /// The seller's liability to the consumer from delivery (BGB § 438(1) Nr. 3).
    pub guarantee_months: u32,
    /// Within it, a defect is presumed to have existed at delivery (BGB § 477).
    pub burden_reversal_months: u32,
    /// The retailer's recourse against its supplier from the supplier's delivery (§ 445b(1)).
    pub recourse_months: u32,
    /// …but not before this long after the retailer satisfied the consumer (§ 445b(2)).
    pub recourse_after_satisfied_months: u32,
}

/// The store's local day of `at`.
pub fn local_day(at: DateTime<Utc>, tz: Tz) -> NaiveDate {
    at.with_timezone(&tz).date_naive()
}

/// The last day of a period of `months` starting with the event on `day`: the day with the
/// same number `months` later, or the month's last day where it has none.
pub fn period_ends(day: NaiveDate, months: u32) -> NaiveDate {
    day.checked_add_months(Months::new(months))
        .unwrap_or(NaiveDate::MAX)
}

/// The consumer's clocks at the counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConsumerClocks {
    /// The last local day of the legal guarantee.
    pub guarantee_ends_on: NaiveDate,
    pub under_guarantee: bool,
    /// Whole days of guarantee left after today (0 on its last day and after).
    pub guarantee_days_left: i64,
    /// The last local day on which a defect is presumed to have existed at delivery.
    pub burden_reversal_ends_on: NaiveDate,
    /// Whether the seller still carries the burden of proof today.
    pub burden_on_seller: bool,
}

/// The consumer's guarantee and the burden of proof for goods delivered to the customer at
/// `delivered_at`, seen at `now`, on the days of the store's `tz`.
pub fn consumer_clocks(
    rules: LegalRules,
    delivered_at: DateTime<Utc>,
    tz: Tz,
    now: DateTime<Utc>,
) -> ConsumerClocks {
    let delivered = local_day(delivered_at, tz);
    let today = local_day(now, tz);
    let guarantee_ends_on = period_ends(delivered, rules.guarantee_months);
    let burden_reversal_ends_on = period_ends(delivered, rules.burden_reversal_months);
    ConsumerClocks {
        guarantee_ends_on,
        under_guarantee: today <= guarantee_ends_on,
        guarantee_days_left: (guarantee_ends_on - today).num_days().max(0),
        burden_reversal_ends_on,
        burden_on_seller: today <= burden_reversal_ends_on,
    }
}

/// The last local day on which the retailer's recourse against its supplier can be claimed:
/// `recourse_months` after the supplier delivered to the retailer, but not before
/// `recourse_after_satisfied_months` after the retailer satisfied the consumer (the delivery of
/// the replacement), where it has.
pub fn recourse_deadline(
    rules: LegalRules,
    supplier_delivered_at: DateTime<Utc>,
    customer_satisfied_at: Option<DateTime<Utc>>,
    tz: Tz,
) -> NaiveDate {
    let base = period_ends(local_day(supplier_delivered_at, tz), rules.recourse_months);
    match customer_satisfied_at {
        Some(at) => base.max(period_ends(
            local_day(at, tz),
            rules.recourse_after_satisfied_months,
        )),
        None => base,
    }
}

/// Where a claim's recourse deadline stands today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecourseClock {
    /// More than the warning period left.
    Running { days_left: i64 },
    /// Within the warning period: the ledger and the dashboard warn.
    Nearing { days_left: i64 },
    /// The last day has passed: the claim is time-barred (unless the supplier waives it).
    Passed { days_over: i64 },
}

impl RecourseClock {
    pub fn as_str(self) -> &'static str {
        match self {
            RecourseClock::Running { .. } => "running",
            RecourseClock::Nearing { .. } => "nearing",
            RecourseClock::Passed { .. } => "passed",
        }
    }

    /// Whether the ledger and the dashboard warn of it.
    pub fn warns(self) -> bool {
        !matches!(self, RecourseClock::Running { .. })
    }
}

/// The recourse clock of a deadline `last_day`, seen on `today`, warning `warn_days` ahead.
pub fn recourse_clock(last_day: NaiveDate, today: NaiveDate, warn_days: i64) -> RecourseClock {
    let days_left = (last_day - today).num_days();
    if days_left < 0 {
        RecourseClock::Passed {
            days_over: -days_left,
        }
    } else if days_left <= warn_days {
        RecourseClock::Nearing { days_left }
    } else {
        RecourseClock::Running { days_left }
    }
}

/// Whether `day` is 29 February (a period from it ends on 28 February in a common year).
pub fn is_leap_day(day: NaiveDate) -> bool {
    day.month() == 2 && day.day() == 29
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use chrono_tz::Europe::Berlin;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// `y-m-d h:min` on Berlin's clock, as UTC.
    fn berlin(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Berlin
            .with_ymd_and_hms(y, m, d, h, min, 0)
            .single()
            .unwrap()
            .with_timezone(&Utc)
    }

    const DE: LegalRules = LegalRules {
        guarantee_months: 24,
        burden_reversal_months: 12,
        recourse_months: 24,
        recourse_after_satisfied_months: 2,
    };

    #[test]
    fn the_jurisdiction_setting_parses_and_gives_the_german_periods() {
        assert_eq!(Jurisdiction::parse(" de "), Some(Jurisdiction::De));
        assert_eq!(Jurisdiction::parse("FR"), None);
        assert_eq!(Jurisdiction::default().rules(), DE);
        assert_eq!(Jurisdiction::De.as_str(), "DE");
    }

    #[test]
    fn periods_end_on_the_same_day_number_or_the_months_last_day() {
        // (event day, months, last day)
        let table = [
            (day(2026, 3, 10), 24, day(2028, 3, 10)),
            (day(2026, 1, 31), 1, day(2026, 2, 28)),
            (day(2028, 1, 31), 1, day(2028, 2, 29)),
            (day(2024, 2, 29), 12, day(2025, 2, 28)),
            (day(2024, 2, 29), 24, day(2026, 2, 28)),
            (day(2024, 2, 29), 48, day(2028, 2, 29)),
            (day(2026, 12, 31), 2, day(2027, 2, 28)),
            (day(2027, 12, 31), 2, day(2028, 2, 29)),
        ];
        for (event, months, last) in table {
            assert_eq!(period_ends(event, months), last, "{event} + {months}");
        }
        assert!(is_leap_day(day(2024, 2, 29)));
        assert!(!is_leap_day(day(2025, 2, 28)));
    }

    #[test]
    fn the_guarantee_and_the_burden_of_proof_at_their_boundary_days() {
        let delivered = berlin(2026, 3, 10, 15, 0);
        // (now, under guarantee, burden on the seller, days left)
        let table = [
            (berlin(2026, 3, 10, 16, 0), true, true, 731),
            (berlin(2027, 3, 10, 23, 59), true, true, 366),
            (berlin(2027, 3, 11, 0, 0), true, false, 365),
            (berlin(2028, 3, 10, 23, 59), true, false, 0),
            (berlin(2028, 3, 11, 0, 0), false, false, 0),
        ];
        for (now, under, burden, left) in table {
            let c = consumer_clocks(DE, delivered, Berlin, now);
            assert_eq!(c.guarantee_ends_on, day(2028, 3, 10));
            assert_eq!(c.burden_reversal_ends_on, day(2027, 3, 10));
            assert_eq!(
                (c.under_guarantee, c.burden_on_seller, c.guarantee_days_left),
                (under, burden, left),
                "{now}"
            );
        }
    }

    #[test]
    fn a_sale_at_half_past_eleven_berlin_time_on_the_last_day_counts_on_that_day() {
        // 31 Dec 2024, 23:30 in Berlin is 22:30 UTC: the same day either way. 31 Mar 2025,
        // 23:30 (summer time) is 21:30 UTC. But 1 Jan 00:30 Berlin is still 31 Dec in UTC: the
        // local day decides.
        let sold = berlin(2024, 12, 31, 23, 30);
        let c = consumer_clocks(DE, sold, Berlin, berlin(2026, 12, 31, 23, 30));
        assert!(c.under_guarantee);
        assert_eq!(c.guarantee_ends_on, day(2026, 12, 31));
        let c = consumer_clocks(DE, sold, Berlin, berlin(2027, 1, 1, 0, 30));
        assert!(
            !c.under_guarantee,
            "00:30 Berlin is a new day, though UTC says 31 Dec"
        );

        let just_after_midnight = berlin(2025, 1, 1, 0, 30);
        assert_eq!(just_after_midnight.date_naive(), day(2024, 12, 31));
        let c = consumer_clocks(DE, just_after_midnight, Berlin, berlin(2026, 12, 31, 12, 0));
        assert_eq!(c.guarantee_ends_on, day(2027, 1, 1));

        let summer = berlin(2025, 3, 31, 23, 30);
        let c = consumer_clocks(DE, summer, Berlin, berlin(2026, 3, 31, 23, 59));
        assert!(c.burden_on_seller);
        let c = consumer_clocks(DE, summer, Berlin, berlin(2026, 4, 1, 0, 0));
        assert!(!c.burden_on_seller);
    }

    #[test]
    fn a_leap_day_delivery_ends_on_28_february() {
        let c = consumer_clocks(
            DE,
            berlin(2024, 2, 29, 18, 0),
            Berlin,
            berlin(2025, 2, 28, 20, 0),
        );
        assert_eq!(c.burden_reversal_ends_on, day(2025, 2, 28));
        assert!(c.burden_on_seller);
        let c = consumer_clocks(
            DE,
            berlin(2024, 2, 29, 18, 0),
            Berlin,
            berlin(2025, 3, 1, 0, 0),
        );
        assert!(!c.burden_on_seller);
        assert_eq!(c.guarantee_ends_on, day(2026, 2, 28));
    }

    #[test]
    fn recourse_runs_two_years_but_not_before_two_months_after_the_customer_was_satisfied() {
        let supplied = berlin(2024, 6, 3, 9, 0);
        // (customer satisfied, last day)
        let table = [
            (None, day(2026, 6, 3)),
            // Satisfied long before: the two years decide.
            (Some(berlin(2025, 1, 10, 12, 0)), day(2026, 6, 3)),
            // Satisfied on 3 Apr 2026: 3 Jun 2026 either way.
            (Some(berlin(2026, 4, 3, 12, 0)), day(2026, 6, 3)),
            // Satisfied later: two months after it.
            (Some(berlin(2026, 4, 4, 12, 0)), day(2026, 6, 4)),
            (Some(berlin(2026, 5, 31, 23, 30)), day(2026, 7, 31)),
            // 23:30 Berlin on 30 Jun is still 30 Jun (21:30 UTC): 30 Aug.
            (Some(berlin(2026, 6, 30, 23, 30)), day(2026, 8, 30)),
            // 31 Dec + 2 months: the end of February (a leap year).
            (Some(berlin(2027, 12, 31, 23, 30)), day(2028, 2, 29)),
        ];
        for (satisfied, last) in table {
            assert_eq!(
                recourse_deadline(DE, supplied, satisfied, Berlin),
                last,
                "{satisfied:?}"
            );
        }
    }

    #[test]
    fn the_recourse_clock_warns_ahead_and_says_when_it_passed() {
        let last = day(2026, 6, 3);
        let table = [
            (day(2026, 4, 1), "running", false),
            (day(2026, 5, 4), "nearing", true),
            (day(2026, 6, 3), "nearing", true),
            (day(2026, 6, 4), "passed", true),
        ];
        for (today, state, warns) in table {
            let c = recourse_clock(last, today, 30);
            assert_eq!((c.as_str(), c.warns()), (state, warns), "{today}");
        }
        assert_eq!(
            recourse_clock(last, day(2026, 5, 4), 30),
            RecourseClock::Nearing { days_left: 30 }
        );
        assert_eq!(
            recourse_clock(last, day(2026, 6, 10), 30),
            RecourseClock::Passed { days_over: 7 }
        );
    }
}
