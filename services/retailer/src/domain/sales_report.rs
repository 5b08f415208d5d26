//! Units sold reported to the linked manufacturers (issue 12): which months to send again. A
//! report is the month's full count per product (event-carried state), so a month is sent when
//! its counts differ from what was last sent — a product sold for the first time, more units, a
//! sale gone, or the first report of a month — with the next sequence. Pure.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Months, NaiveDate};
use uuid::Uuid;

/// How many months the reports cover: the current month and the 35 before it (the longest
/// coverage of an agreement is shorter), so an import of past sales or a manufacturer linked
/// later is reported without a list of touched months.
pub const HORIZON_MONTHS: u32 = 36;

/// `(retailer, manufacturer, first day of the month)`.
pub type Key = (Uuid, Uuid, NaiveDate);

/// One product's sales in a month as counted now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counted {
    pub name: String,
    pub units: u32,
}

/// A month as last sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub sequence: i64,
    /// sku → units.
    pub counts: BTreeMap<String, u32>,
}

/// A month to send: the full count per product (sku), under `sequence`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    pub key: Key,
    pub sequence: i64,
    pub products: BTreeMap<String, Counted>,
}

impl Due {
    /// sku → units, as [`Sent::counts`] keeps them.
    pub fn counts(&self) -> BTreeMap<String, u32> {
        self.products
            .iter()
            .map(|(sku, c)| (sku.clone(), c.units))
            .collect()
    }
}

/// The first month the reports cover when it is `today`.
pub fn horizon_start(today: NaiveDate) -> NaiveDate {
    let first = today.with_day(1).unwrap_or(today);
    first
        .checked_sub_months(Months::new(HORIZON_MONTHS - 1))
        .unwrap_or(first)
}

/// The months whose counts differ from what was sent (both of linked pairs within the
/// horizon), in key order. A month never sent and without sales is not sent; a month sent
/// before whose sales are all gone is sent empty.
pub fn due(now: &BTreeMap<Key, BTreeMap<String, Counted>>, sent: &BTreeMap<Key, Sent>) -> Vec<Due> {
    let keys: BTreeSet<&Key> = now.keys().chain(sent.keys()).collect();
    let empty = BTreeMap::new();
    let mut out = Vec::new();
    for key in keys {
        let products = now.get(key).unwrap_or(&empty);
        let counts: BTreeMap<&str, u32> = products
            .iter()
            .map(|(s, c)| (s.as_str(), c.units))
            .collect();
        let sequence = match sent.get(key) {
            None if counts.is_empty() => continue,
            None => 1,
            Some(s) => {
                let before: BTreeMap<&str, u32> =
                    s.counts.iter().map(|(k, u)| (k.as_str(), *u)).collect();
                if before == counts {
                    continue;
                }
                s.sequence + 1
            }
        };
        out.push(Due {
            key: *key,
            sequence,
            products: products.clone(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn key(month: u32) -> Key {
        (Uuid::nil(), Uuid::max(), day(2026, month, 1))
    }

    fn products(list: &[(&str, u32)]) -> BTreeMap<String, Counted> {
        list.iter()
            .map(|(sku, units)| {
                let c = Counted {
                    name: format!("Product {sku}"),
                    units: *units,
                };
                (sku.to_string(), c)
            })
            .collect()
    }

    fn sent(sequence: i64, list: &[(&str, u32)]) -> Sent {
        Sent {
            sequence,
            counts: list.iter().map(|(s, u)| (s.to_string(), *u)).collect(),
        }
    }

    #[test]
    fn a_month_is_sent_when_its_counts_changed() {
        // (counted now, sent before, the sequence sent now or None)
        type Case<'a> = (&'a [(&'a str, u32)], Option<Sent>, Option<i64>);
        let cases: [Case<'_>; 7] = [
            (&[("A", 2)], None, Some(1)),
            (&[], None, None),
            (&[("A", 2)], Some(sent(1, &[("A", 2)])), None),
            (&[("A", 3)], Some(sent(1, &[("A", 2)])), Some(2)),
            (&[("A", 2), ("B", 1)], Some(sent(4, &[("A", 2)])), Some(5)),
            // The sales of the month are gone (erased, moved): the empty month is sent.
            (&[], Some(sent(2, &[("A", 2)])), Some(3)),
            (&[], Some(sent(3, &[])), None),
        ];
        for (i, (now, before, expected)) in cases.into_iter().enumerate() {
            let now_map: BTreeMap<Key, _> = if now.is_empty() {
                BTreeMap::new()
            } else {
                BTreeMap::from([(key(11), products(now))])
            };
            let sent_map: BTreeMap<Key, Sent> = before.into_iter().map(|s| (key(11), s)).collect();
            let d = due(&now_map, &sent_map);
            assert_eq!(d.first().map(|d| d.sequence), expected, "case {i}");
            if let Some(d) = d.first() {
                assert_eq!(d.counts().len(), now.len(), "case {i}");
            }
        }
    }

    #[test]
    fn each_month_is_its_own_report() {
        let now = BTreeMap::from([
            (key(10), products(&[("A", 1)])),
            (key(11), products(&[("A", 5)])),
        ]);
        let before = BTreeMap::from([(key(10), sent(1, &[("A", 1)]))]);
        let d = due(&now, &before);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].key, key(11));
        assert_eq!(d[0].sequence, 1);
    }

    #[test]
    fn the_horizon_is_three_years_of_months() {
        assert_eq!(horizon_start(day(2026, 12, 3)), day(2024, 1, 1));
        assert_eq!(horizon_start(day(2024, 2, 29)), day(2021, 3, 1));
        assert_eq!(horizon_start(day(2026, 1, 31)), day(2023, 2, 1));
    }
}
