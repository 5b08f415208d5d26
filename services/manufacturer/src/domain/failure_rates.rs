//! Failure rates with a denominator (issue 12): the units each linked retailer reported sold
//! per product and month (`retailer.sales.reported.v1`) beside the claims on units sold in that
//! month. Pure: which report wins, and the figures of one group from the counts the database
//! grouped.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::analytics::ratio;

/// Whether a report with `incoming` sequence replaces the month's report held (`stored`): only
/// a higher sequence does, so a late or doubled message never lowers a newer count.
pub fn supersedes(stored: Option<i64>, incoming: i64) -> bool {
    stored.is_none_or(|s| incoming > s)
}

/// The first sku named twice in one report (a report is one count per product).
pub fn duplicate_sku<'a>(skus: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut seen = BTreeSet::new();
    skus.into_iter().find(|s| !seen.insert(*s))
}

/// What a figure is grouped by (the month is the UTC month of the sale).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Group {
    Total,
    Month(NaiveDate),
    Product(String),
    ProductMonth(String, NaiveDate),
    Retailer(Uuid),
}

/// The claims of one group, as the database counts them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClaimCounts {
    pub claims: i64,
    /// Of `claims`, those from a retailer that reported its sales of that month: the
    /// numerator of the failure rate (a claim without a denominator does not raise it).
    pub claims_reported: i64,
    /// Median days from the sale to the claim (the swap), whole days.
    pub median_days: Option<i64>,
    /// Claims whose unit was inspected, and of those found without fault.
    pub inspected: i64,
    pub no_fault_found: i64,
}

/// The figures of one group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figures {
    pub units_sold: i64,
    pub claims: ClaimCounts,
    /// `claims_reported / units_sold`, four places; `None` without units.
    pub failure_rate: Option<Decimal>,
    /// `no_fault_found / inspected`, four places; `None` when nothing was inspected.
    pub no_fault_found_rate: Option<Decimal>,
}

pub fn figures(units_sold: i64, claims: ClaimCounts) -> Figures {
    Figures {
        units_sold,
        failure_rate: ratio(claims.claims_reported, units_sold),
        no_fault_found_rate: ratio(claims.no_fault_found, claims.inspected),
        claims,
    }
}

/// Every group with units or claims, with its figures, in group order (months ascending,
/// products by sku).
pub fn assemble(
    units: &BTreeMap<Group, i64>,
    claims: &BTreeMap<Group, ClaimCounts>,
) -> Vec<(Group, Figures)> {
    let groups: BTreeSet<&Group> = units.keys().chain(claims.keys()).collect();
    groups
        .into_iter()
        .map(|g| {
            let u = units.get(g).copied().unwrap_or(0);
            let c = claims.get(g).cloned().unwrap_or_default();
            (g.clone(), figures(u, c))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn only_a_newer_report_wins() {
        // (held, incoming, replaces)
        let cases = [
            (None, 1, true),
            (Some(1), 2, true),
            (Some(2), 2, false), // the same message again
            (Some(3), 2, false), // a late one
            (Some(1), 7, true),  // sequences may skip
        ];
        for (held, incoming, expected) in cases {
            assert_eq!(supersedes(held, incoming), expected, "{held:?} {incoming}");
        }
    }

    #[test]
    fn a_report_names_each_product_once() {
        assert_eq!(duplicate_sku(["A", "B"]), None);
        assert_eq!(duplicate_sku(["A", "B", "A"]), Some("A"));
        assert_eq!(duplicate_sku([]), None);
    }

    fn c(claims: i64, reported: i64, inspected: i64, nff: i64) -> ClaimCounts {
        ClaimCounts {
            claims,
            claims_reported: reported,
            median_days: Some(10),
            inspected,
            no_fault_found: nff,
        }
    }

    #[test]
    fn rates_have_a_denominator_or_none() {
        // (units, claims, rate, nff rate)
        let cases = [
            (0, c(0, 0, 0, 0), None, None),
            (0, c(2, 0, 1, 1), None, Some("1.0000")),
            (100, c(0, 0, 0, 0), Some("0.0000"), None),
            (100, c(3, 3, 2, 1), Some("0.0300"), Some("0.5000")),
            // Claims from a retailer that reports nothing do not raise the rate.
            (100, c(5, 2, 0, 0), Some("0.0200"), None),
            (3, c(1, 1, 3, 0), Some("0.3333"), Some("0.0000")),
        ];
        for (i, (units, claims, rate, nff)) in cases.into_iter().enumerate() {
            let f = figures(units, claims);
            assert_eq!(
                f.failure_rate.map(|r| r.to_string()).as_deref(),
                rate,
                "{i}"
            );
            assert_eq!(
                f.no_fault_found_rate.map(|r| r.to_string()).as_deref(),
                nff,
                "{i}"
            );
        }
    }

    #[test]
    fn groups_with_units_or_claims_only() {
        let nov = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        let dec = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let units = BTreeMap::from([(Group::Month(nov), 10), (Group::Total, 10)]);
        let claims = BTreeMap::from([
            (Group::Month(dec), c(1, 0, 0, 0)),
            (Group::Total, c(1, 0, 0, 0)),
        ]);
        let all = assemble(&units, &claims);
        assert_eq!(all.len(), 3);
        assert_eq!(all[0].0, Group::Total);
        assert_eq!(all[0].1.failure_rate.unwrap().to_string(), "0.0000");
        assert_eq!(all[1].0, Group::Month(nov));
        assert_eq!(all[1].1.claims.claims, 0);
        assert_eq!(all[2].1.units_sold, 0);
        assert_eq!(all[2].1.failure_rate, None);
    }
}
