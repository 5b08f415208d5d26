//! Units sold, reported by a retailer to a linked manufacturer (issue 12): the denominator of
//! the manufacturer's failure rates. Aggregated per product and month, no personal data.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Event;
use crate::ids::{ManufacturerId, RetailerId};
use crate::topology::Service;

/// A calendar month, `YYYY-MM` on the wire (the UTC month of a sale on both sides).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SalesMonth(NaiveDate);

impl SalesMonth {
    /// The month `date` lies in.
    pub fn of(date: NaiveDate) -> SalesMonth {
        SalesMonth(date.with_day(1).unwrap_or(date))
    }

    /// Its first day (how the databases store it).
    pub fn first_day(self) -> NaiveDate {
        self.0
    }
}

impl fmt::Display for SalesMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.0.year(), self.0.month())
    }
}

/// Why a month does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a month (YYYY-MM)")]
pub struct BadMonth(pub String);

impl FromStr for SalesMonth {
    type Err = BadMonth;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadMonth(s.to_owned());
        let (y, m) = s.split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(bad());
        }
        let year: i32 = y.parse().map_err(|_| bad())?;
        let month: u32 = m.parse().map_err(|_| bad())?;
        NaiveDate::from_ymd_opt(year, month, 1)
            .map(SalesMonth)
            .ok_or_else(bad)
    }
}

impl Serialize for SalesMonth {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for SalesMonth {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        raw.parse().map_err(serde::de::Error::custom)
    }
}

/// One product's units sold in the month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitsSold {
    /// The product's sku as the retailer's claims carry it (`ClaimSubmittedV1::product.sku`).
    pub sku: String,
    pub name: String,
    pub units: u32,
}

/// `retailer.sales.reported.v1`: **event-carried state** — the full count of units the
/// retailer sold in `month` of each of the manufacturer's products (a product absent: none, or
/// none any more). `sequence` grows with each report of the same retailer, manufacturer and
/// month: the manufacturer keeps a month's report only when its sequence is higher than the one
/// it holds, so a late or doubled message never lowers a newer count. Replacement units the
/// retailer delivered for a swap are not sales and are not counted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SalesReportedV1 {
    pub retailer_id: RetailerId,
    pub manufacturer_id: ManufacturerId,
    pub month: SalesMonth,
    pub sequence: i64,
    /// When the retailer counted.
    pub as_of: DateTime<Utc>,
    pub by_product: Vec<UnitsSold>,
}

impl Event for SalesReportedV1 {
    const TYPE: &'static str = "retailer.sales.reported.v1";
    const PRODUCER: Service = Service::Retailer;
    fn subject(&self) -> String {
        format!(
            "{}/{}/{}",
            self.retailer_id, self.manufacturer_id, self.month
        )
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_month_is_year_dash_month() {
        let m: SalesMonth = "2026-02".parse().unwrap();
        assert_eq!(m.first_day(), NaiveDate::from_ymd_opt(2026, 2, 1).unwrap());
        assert_eq!(m.to_string(), "2026-02");
        assert_eq!(
            SalesMonth::of(NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()).to_string(),
            "2024-02"
        );
        for bad in [
            "2026-13",
            "2026-00",
            "2026-2",
            "26-02",
            "2026/02",
            "",
            "2026-02-01",
        ] {
            assert!(bad.parse::<SalesMonth>().is_err(), "{bad}");
        }
    }

    #[test]
    fn the_report_keeps_its_wire_format() {
        let wire = serde_json::json!({
            "retailer_id": "0197a1c4-0000-7000-8000-000000000001",
            "manufacturer_id": "0197a1c4-0000-7000-8000-000000000002",
            "month": "2026-11", "sequence": 3, "as_of": "2026-12-01T10:00:00Z",
            "by_product": [{"sku": "WM-100", "name": "WM 100", "units": 12}]
        });
        let r: SalesReportedV1 = serde_json::from_value(wire.clone()).unwrap();
        assert_eq!(serde_json::to_value(&r).unwrap(), wire);
        let mut bad = wire.clone();
        bad["month"] = "2026-13".into();
        assert!(serde_json::from_value::<SalesReportedV1>(bad).is_err());
        let mut negative = wire;
        negative["by_product"][0]["units"] = (-1).into();
        assert!(serde_json::from_value::<SalesReportedV1>(negative).is_err());
    }
}
