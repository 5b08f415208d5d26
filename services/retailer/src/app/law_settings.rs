//! The retailer's settings that drive its legal clocks and its money (issue 12): the
//! jurisdiction whose periods the clocks follow ([`Jurisdiction`]), the country (the region of
//! phone numbers typed without a country code, and the retailer's VAT country) and the time
//! zone whose local days the clocks count. Changed by an admin only (the desk's admin page and
//! the admin API); read by [`crate::app::ledger::Clocks`] and the counter's law box.

use chrono_tz::Tz;
use kummerer_contracts::RetailerId;
use kummerer_service::FieldErrors;
use sea_orm::{ConnectionTrait, DbErr};
use serde::Serialize;

use crate::db::retailers::{self, LawRow};
use crate::domain::legal_clocks::Jurisdiction;
use crate::domain::parse_country;

/// The check's message for a jurisdiction this version does not know (English for the API;
/// the pages say it in the reader's language).
pub const BAD_JURISDICTION: &str = "choose DE (Germany) or AT (Austria)";
/// The check's message for a time zone that is not an IANA name.
pub const BAD_TIME_ZONE: &str = "an IANA time zone like Europe/Berlin";
/// The check's message for a country that is not a two-letter code.
pub const BAD_COUNTRY: &str = "must be a two-letter ISO 3166 country code";

/// The settings as they are now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LawSettings {
    /// `DE` or `AT`.
    pub jurisdiction: String,
    /// ISO 3166 alpha-2.
    pub country: String,
    /// IANA name.
    pub time_zone: String,
}

impl From<LawRow> for LawSettings {
    fn from(r: LawRow) -> Self {
        LawSettings {
            jurisdiction: r.jurisdiction,
            country: r.country,
            time_zone: r.time_zone,
        }
    }
}

/// A checked change: each setting to set, or `None` to leave it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LawChange {
    pub jurisdiction: Option<Jurisdiction>,
    pub country: Option<String>,
    pub time_zone: Option<Tz>,
}

impl LawChange {
    /// Checks the typed settings (`None`: not given, left as it is); every field is checked,
    /// its errors named by `jurisdiction`, `country`, `time_zone` in `v`.
    pub fn parse(
        v: &mut FieldErrors,
        jurisdiction: Option<&str>,
        country: Option<&str>,
        time_zone: Option<&str>,
    ) -> LawChange {
        let jurisdiction = jurisdiction.and_then(|raw| {
            let parsed = Jurisdiction::parse(raw);
            if parsed.is_none() {
                v.add("jurisdiction", BAD_JURISDICTION);
            }
            parsed
        });
        let country = country.and_then(|raw| {
            let parsed = parse_country(raw);
            if parsed.is_none() {
                v.add("country", BAD_COUNTRY);
            }
            parsed
        });
        let time_zone = time_zone.and_then(|raw| {
            let parsed = raw.trim().parse::<Tz>().ok();
            if parsed.is_none() {
                v.add("time_zone", BAD_TIME_ZONE);
            }
            parsed
        });
        LawChange {
            jurisdiction,
            country,
            time_zone,
        }
    }
}

/// The retailer's settings; `None`: no such retailer.
pub async fn of<C: ConnectionTrait>(
    db: &C,
    retailer_id: RetailerId,
) -> Result<Option<LawSettings>, DbErr> {
    Ok(retailers::law_settings(db, retailer_id.as_uuid())
        .await?
        .map(LawSettings::from))
}

/// Sets what `change` gives, by the admin `by` (logged); the settings now, `None`: no such
/// retailer.
pub async fn set<C: ConnectionTrait>(
    db: &C,
    retailer_id: RetailerId,
    change: &LawChange,
    by: &str,
) -> Result<Option<LawSettings>, DbErr> {
    let now = retailers::set_law_settings(
        db,
        retailer_id.as_uuid(),
        change.jurisdiction.map(Jurisdiction::as_str),
        change.country.as_deref(),
        change.time_zone.map(|tz| tz.name()),
    )
    .await?
    .map(LawSettings::from);
    if let Some(s) = &now {
        tracing::info!(retailer.id = %retailer_id, by, jurisdiction = %s.jurisdiction,
            country = %s.country, time_zone = %s.time_zone, "law settings set by an admin");
    }
    Ok(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (jurisdiction, country, time zone, fields in error)
    type Case = (
        Option<&'static str>,
        Option<&'static str>,
        Option<&'static str>,
        &'static [&'static str],
    );

    #[test]
    fn every_setting_is_checked_and_named() {
        let table: [Case; 6] = [
            (Some("AT"), Some("at"), Some("Europe/Vienna"), &[]),
            (Some(" de "), None, None, &[]),
            (None, None, None, &[]),
            (
                Some("FR"),
                Some("AT"),
                Some("Europe/Vienna"),
                &["jurisdiction"],
            ),
            (
                Some("AT"),
                Some("Austria"),
                Some("Vienna"),
                &["country", "time_zone"],
            ),
            (
                Some(""),
                Some(""),
                Some(""),
                &["jurisdiction", "country", "time_zone"],
            ),
        ];
        for (j, c, z, bad) in table {
            let mut v = FieldErrors::new();
            let change = LawChange::parse(&mut v, j, c, z);
            let fields: Vec<String> = match v.finish() {
                Ok(()) => Vec::new(),
                Err(p) => p.errors.into_iter().map(|e| e.field).collect(),
            };
            assert_eq!(fields, bad, "{j:?} {c:?} {z:?}");
            if bad.is_empty() && j == Some("AT") {
                assert_eq!(
                    change,
                    LawChange {
                        jurisdiction: Some(Jurisdiction::At),
                        country: Some("AT".to_owned()),
                        time_zone: Some(chrono_tz::Europe::Vienna),
                    }
                );
            }
        }
    }
}
