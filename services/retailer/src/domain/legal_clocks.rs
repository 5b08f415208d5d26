//! The law's clocks, per jurisdiction (German law first, Austrian second; both implement
//! Directive (EU) 2019/771): the consumer's guarantee and the reversed burden of proof at the
//! counter, and the retailer's recourse deadline against its supplier per claim. Pure functions on local calendar days: a period starts the day after the
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
    /// Austria: ABGB §§ 933, 924 (as amended by the VGG, 2022), 933b.
    At,
}

impl Jurisdiction {
    pub fn as_str(self) -> &'static str {
        match self {
            Jurisdiction::De => "DE",
            Jurisdiction::At => "AT",
        }
    }

    /// Every jurisdiction, in the order a settings page offers them.
    pub const ALL: [Jurisdiction; 2] = [Jurisdiction::De, Jurisdiction::At];

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_uppercase().as_str() {
            "DE" => Some(Jurisdiction::De),
            "AT" => Some(Jurisdiction::At),
            _ => None,
        }
    }

    /// The periods of this jurisdiction.
    pub fn rules(self) -> LegalRules {
        match self {
            Jurisdiction::De => LegalRules {
                guarantee_months: 24,
                burden_reversal_months: 12,
                recourse: Recourse::NotBeforeAfterSatisfied {
                    months: 24,
                    after_satisfied_months: 2,
                },
            },
            Jurisdiction::At => LegalRules {
                guarantee_months: 24,
                burden_reversal_months: 12,
                recourse: Recourse::WithinAfterSatisfied {
                    after_satisfied_months: 2,
                    at_most_months: 60,
                },
            },
        }
    }
}

/// The periods a jurisdiction sets, in calendar months.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LegalRules {
    /// The seller's liability to the consumer from delivery (BGB § 438(1) Nr. 3; ABGB § 933(1):
    /// a defect that shows within it).
    pub guarantee_months: u32,
    /// Within it, a defect is presumed to have existed at delivery (BGB § 477; ABGB § 924).
    pub burden_reversal_months: u32,
    /// How the retailer's recourse against its supplier runs out.
    pub recourse: Recourse,
}

/// How the retailer's recourse against its supplier runs out. The two laws shape it
/// differently: Germany sets a period from the supplier's delivery that is stretched for a late
/// customer, Austria a short period after the customer was satisfied that is capped by a long
/// one from the supplier's delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recourse {
    /// BGB § 445b: `months` from the supplier's delivery (§ 445b(1)), but not before
    /// `after_satisfied_months` after the retailer satisfied the consumer (§ 445b(2)).
    NotBeforeAfterSatisfied {
        months: u32,
        after_satisfied_months: u32,
    },
    /// ABGB § 933b(2): `after_satisfied_months` after the retailer satisfied the consumer, and
    /// at the latest `at_most_months` after the supplier's own performance (its delivery).
    /// Before the consumer is satisfied only the outer limit runs.
    WithinAfterSatisfied {
        after_satisfied_months: u32,
        at_most_months: u32,
    },
}

/// The store's local day of `at`.
pub fn local_day(at: DateTime<Utc>, tz: Tz) -> NaiveDate {
    at.with_timezone(&tz).date_naive()
}

/// The first instant of the store's local `day`, as UTC: how a local date (the supplier's
/// delivery, typed as a day) is stored. Where a time zone skips midnight (a DST change at
/// 00:00), the day's first hour that exists.
pub fn start_of_local_day(day: NaiveDate, tz: Tz) -> DateTime<Utc> {
    use chrono::TimeZone;
    (0..24)
        .filter_map(|h| day.and_hms_opt(h, 0, 0))
        .find_map(|t| tz.from_local_datetime(&t).earliest())
        .map_or_else(
            || day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc(),
            |t| t.with_timezone(&Utc),
        )
}

/// Why a supplier's delivery date does not do for a sale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SupplierDeliveryError {
    /// The supplier delivered the unit before the store sold it.
    #[error("the supplier's delivery must be on or before the day of the sale ({sold_on})")]
    AfterTheSale { sold_on: NaiveDate },
}

/// The supplier's delivery to the store on `supplied_on` (a local day) for a unit sold at
/// `sold_at`: not after the sale's local day in `tz`.
pub fn check_supplier_delivery(
    supplied_on: NaiveDate,
    sold_at: DateTime<Utc>,
    tz: Tz,
) -> Result<(), SupplierDeliveryError> {
    let sold_on = local_day(sold_at, tz);
    if supplied_on > sold_on {
        Err(SupplierDeliveryError::AfterTheSale { sold_on })
    } else {
        Ok(())
    }
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

/// The last local day on which the retailer's recourse against its supplier can be claimed, by
/// the jurisdiction's [`Recourse`], from the supplier's delivery to the retailer and (where it
/// happened) the day the retailer satisfied the consumer (the delivery of the replacement).
pub fn recourse_deadline(
    rules: LegalRules,
    supplier_delivered_at: DateTime<Utc>,
    customer_satisfied_at: Option<DateTime<Utc>>,
    tz: Tz,
) -> NaiveDate {
    let supplied = local_day(supplier_delivered_at, tz);
    let satisfied = customer_satisfied_at.map(|at| local_day(at, tz));
    match rules.recourse {
        Recourse::NotBeforeAfterSatisfied {
            months,
            after_satisfied_months,
        } => {
            let base = period_ends(supplied, months);
            match satisfied {
                Some(day) => base.max(period_ends(day, after_satisfied_months)),
                None => base,
            }
        }
        Recourse::WithinAfterSatisfied {
            after_satisfied_months,
            at_most_months,
        } => {
            let cap = period_ends(supplied, at_most_months);
            match satisfied {
                Some(day) => cap.min(period_ends(day, after_satisfied_months)),
                None => cap,
            }
        }
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
        recourse: Recourse::NotBeforeAfterSatisfied {
            months: 24,
            after_satisfied_months: 2,
        },
    };

    const AT: LegalRules = LegalRules {
        guarantee_months: 24,
        burden_reversal_months: 12,
        recourse: Recourse::WithinAfterSatisfied {
            after_satisfied_months: 2,
            at_most_months: 60,
        },
    };

    /// `y-m-d h:min` on Vienna's clock, as UTC.
    fn vienna(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        chrono_tz::Europe::Vienna
            .with_ymd_and_hms(y, m, d, h, min, 0)
            .single()
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn the_jurisdiction_setting_parses_and_gives_each_laws_periods() {
        // (typed, parsed)
        let table = [
            (" de ", Some(Jurisdiction::De)),
            ("DE", Some(Jurisdiction::De)),
            ("at", Some(Jurisdiction::At)),
            (" AT", Some(Jurisdiction::At)),
            ("FR", None),
            ("", None),
            ("AUT", None),
        ];
        for (typed, parsed) in table {
            assert_eq!(Jurisdiction::parse(typed), parsed, "{typed:?}");
        }
        assert_eq!(Jurisdiction::default().rules(), DE);
        assert_eq!(Jurisdiction::At.rules(), AT);
        for j in Jurisdiction::ALL {
            assert_eq!(Jurisdiction::parse(j.as_str()), Some(j));
        }
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

    #[test]
    fn austria_the_guarantee_and_the_presumption_at_their_boundary_days() {
        // ABGB § 933: two years from delivery; § 924: a defect within one year is presumed to
        // have existed at delivery. Vienna's local days decide.
        // (delivered, now, under guarantee, presumption runs, guarantee ends, presumption ends)
        let table = [
            (
                vienna(2026, 3, 10, 15, 0),
                vienna(2027, 3, 10, 23, 59),
                true,
                true,
                day(2028, 3, 10),
                day(2027, 3, 10),
            ),
            (
                vienna(2026, 3, 10, 15, 0),
                vienna(2027, 3, 11, 0, 0),
                true,
                false,
                day(2028, 3, 10),
                day(2027, 3, 10),
            ),
            (
                vienna(2026, 3, 10, 15, 0),
                vienna(2028, 3, 11, 0, 0),
                false,
                false,
                day(2028, 3, 10),
                day(2027, 3, 10),
            ),
            // A leap day: the periods end on 28 February.
            (
                vienna(2024, 2, 29, 18, 0),
                vienna(2025, 2, 28, 23, 0),
                true,
                true,
                day(2026, 2, 28),
                day(2025, 2, 28),
            ),
            (
                vienna(2024, 2, 29, 18, 0),
                vienna(2026, 3, 1, 0, 0),
                false,
                false,
                day(2026, 2, 28),
                day(2025, 2, 28),
            ),
            // 00:30 on 1 Jan in Vienna is still 31 Dec in UTC: delivered on 1 Jan.
            (
                vienna(2025, 1, 1, 0, 30),
                vienna(2027, 1, 1, 12, 0),
                true,
                false,
                day(2027, 1, 1),
                day(2026, 1, 1),
            ),
        ];
        for (delivered, now, under, presumed, ends, presumption_ends) in table {
            let c = consumer_clocks(AT, delivered, chrono_tz::Europe::Vienna, now);
            assert_eq!(
                (
                    c.under_guarantee,
                    c.burden_on_seller,
                    c.guarantee_ends_on,
                    c.burden_reversal_ends_on
                ),
                (under, presumed, ends, presumption_ends),
                "{delivered} at {now}"
            );
        }
    }

    #[test]
    fn austria_recourse_runs_two_months_after_the_customer_but_at_most_five_years() {
        use chrono_tz::Europe::Vienna;
        let supplied = vienna(2024, 6, 3, 9, 0);
        // (customer satisfied, last day)
        let table = [
            // Not yet satisfied: only the five years from the supplier's delivery run.
            (None, day(2029, 6, 3)),
            // Satisfied: two months after it.
            (Some(vienna(2025, 1, 10, 12, 0)), day(2025, 3, 10)),
            // 31 Dec + 2 months: the end of February (common year, then leap year).
            (Some(vienna(2026, 12, 31, 23, 30)), day(2027, 2, 28)),
            (Some(vienna(2027, 12, 31, 23, 30)), day(2028, 2, 29)),
            // 23:30 Vienna on 30 Jun is still 30 Jun (21:30 UTC): 30 Aug.
            (Some(vienna(2026, 6, 30, 23, 30)), day(2026, 8, 30)),
            // 00:30 Vienna on 1 Jul is 30 Jun in UTC: the local day (1 Jul) counts.
            (Some(vienna(2026, 7, 1, 0, 30)), day(2026, 9, 1)),
            // Satisfied late: the five years cap the two months.
            (Some(vienna(2029, 4, 3, 12, 0)), day(2029, 6, 3)),
            (Some(vienna(2029, 4, 4, 12, 0)), day(2029, 6, 3)),
            (Some(vienna(2029, 4, 2, 12, 0)), day(2029, 6, 2)),
        ];
        for (satisfied, last) in table {
            assert_eq!(
                recourse_deadline(AT, supplied, satisfied, Vienna),
                last,
                "{satisfied:?}"
            );
        }
        // A leap-day delivery by the supplier: five years later is 28 February.
        assert_eq!(
            recourse_deadline(AT, vienna(2024, 2, 29, 10, 0), None, Vienna),
            day(2029, 2, 28)
        );
        // The same facts under German law: later of two years and two months after.
        assert_eq!(
            recourse_deadline(DE, supplied, Some(vienna(2025, 1, 10, 12, 0)), Vienna),
            day(2026, 6, 3)
        );
    }

    #[test]
    fn a_supplier_delivery_day_is_stored_as_the_start_of_the_local_day() {
        use chrono_tz::America::Santiago;
        use chrono_tz::Europe::Vienna;
        // (day, zone, stored as UTC)
        let table = [
            // Winter: Berlin and Vienna are UTC+1, so the day starts at 23:00 UTC before.
            (day(2026, 1, 15), Berlin, "2026-01-14T23:00:00Z"),
            (day(2026, 7, 15), Vienna, "2026-07-14T22:00:00Z"),
            // The day of the spring change (02:00 → 03:00) still starts at midnight.
            (day(2026, 3, 29), Berlin, "2026-03-28T23:00:00Z"),
            (day(2024, 2, 29), Vienna, "2024-02-28T23:00:00Z"),
            (day(2026, 1, 15), chrono_tz::UTC, "2026-01-15T00:00:00Z"),
            // Santiago skips midnight on 6 Sep 2026 (00:00 → 01:00, UTC−4 → UTC−3).
            (day(2026, 9, 6), Santiago, "2026-09-06T04:00:00Z"),
        ];
        for (d, tz, utc) in table {
            let at = start_of_local_day(d, tz);
            assert_eq!(
                at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                utc,
                "{d} {tz}"
            );
            assert_eq!(local_day(at, tz), d, "{d} {tz} round trip");
        }
    }

    #[test]
    fn the_supplier_delivers_on_or_before_the_day_of_the_sale() {
        // Sold at 00:30 Berlin time on 1 Mar 2026 (23:30 UTC on 28 Feb): the local day counts.
        let sold = berlin(2026, 3, 1, 0, 30);
        // (supplier delivered on, fine)
        let table = [
            (day(2026, 2, 1), true),
            (day(2026, 2, 28), true),
            (day(2026, 3, 1), true),
            (day(2026, 3, 2), false),
        ];
        for (supplied, fine) in table {
            assert_eq!(
                check_supplier_delivery(supplied, sold, Berlin).is_ok(),
                fine,
                "{supplied}"
            );
        }
        assert_eq!(
            check_supplier_delivery(day(2026, 3, 1), sold, chrono_tz::UTC),
            Err(SupplierDeliveryError::AfterTheSale {
                sold_on: day(2026, 2, 28)
            })
        );
    }

    #[test]
    fn the_recourse_clock_runs_from_the_supplier_delivery_under_both_laws() {
        // Delivered by the supplier on 10 Jan 2025 (stored as that local day's start), sold on
        // 20 Jun 2025, the replacement delivered to the customer on 5 May 2026.
        let supplied = start_of_local_day(day(2025, 1, 10), Berlin);
        let sold = berlin(2025, 6, 20, 11, 0);
        let satisfied = Some(berlin(2026, 5, 5, 14, 0));
        // (law, from, last day)
        let table = [
            (DE, supplied, day(2027, 1, 10)),
            (DE, sold, day(2027, 6, 20)),
            (AT, supplied, day(2026, 7, 5)),
            (AT, sold, day(2026, 7, 5)),
        ];
        for (law, from, last) in table {
            assert_eq!(
                recourse_deadline(law, from, satisfied, Berlin),
                last,
                "{law:?} {from}"
            );
        }
    }
}
