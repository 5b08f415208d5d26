//! VAT on a credit note (issue 12): the lines of a claim and of a credit note are net of VAT;
//! the note states net, the VAT rate, the VAT amount and gross per currency, by the retailer's
//! country. Computed once, by the manufacturer when it issues the note
//! ([`CreditNoteVatV1`] travels on `manufacturer.credit_note.issued.v1`), so the retailer's
//! printed document shows what was issued, never a second computation.
//!
//! The rule ([`treatment`]):
//! - the retailer's country unknown (its profile never said) → [`VatTreatment::Unknown`]: no rate,
//!   no VAT, no gross; the document says so rather than guess;
//! - a country without a rate in [`STANDARD_RATES`] → `Unknown` as well;
//! - manufacturer and retailer both in the EU and in different countries → reverse charge
//!   ([`VatTreatment::ReverseCharge`], 0 %: "Steuerschuldnerschaft des Leistungsempfängers");
//! - otherwise the retailer's country's standard rate ([`VatTreatment::Standard`]). A
//!   manufacturer whose country is not known is taken to be in the retailer's country (a
//!   domestic note): the simple rule, stated on the document by its missing issuer country.
//!
//! Amounts: VAT per line is `net × rate / 100`, rounded half-up to the currency's minor unit
//! (ISO 4217 exponent, at most the 2 places [`Money`] holds); the note's VAT is the sum of its
//! lines' VAT, its gross net + VAT.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::money::{Currency, Money};

/// One country's standard VAT rate, in percent, and whether it is an EU member state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CountryRate {
    /// ISO 3166-1 alpha-2 (Greece is `GR`, not the VAT prefix `EL`).
    pub country: &'static str,
    pub percent: Decimal,
    pub eu: bool,
}

const fn rate(country: &'static str, hundredths: u32, eu: bool) -> CountryRate {
    CountryRate {
        country,
        percent: Decimal::from_parts(hundredths, 0, 0, false, 2),
        eu,
    }
}

/// The standard rates, the one place they are kept (as of December 2026; update here).
pub const STANDARD_RATES: &[CountryRate] = &[
    rate("AT", 20_00, true),
    rate("BE", 21_00, true),
    rate("BG", 20_00, true),
    rate("CY", 19_00, true),
    rate("CZ", 21_00, true),
    rate("DE", 19_00, true),
    rate("DK", 25_00, true),
    rate("EE", 24_00, true),
    rate("ES", 21_00, true),
    rate("FI", 25_50, true),
    rate("FR", 20_00, true),
    rate("GR", 24_00, true),
    rate("HR", 25_00, true),
    rate("HU", 27_00, true),
    rate("IE", 23_00, true),
    rate("IT", 22_00, true),
    rate("LT", 21_00, true),
    rate("LU", 17_00, true),
    rate("LV", 21_00, true),
    rate("MT", 18_00, true),
    rate("NL", 21_00, true),
    rate("PL", 23_00, true),
    rate("PT", 23_00, true),
    rate("RO", 21_00, true),
    rate("SE", 25_00, true),
    rate("SI", 22_00, true),
    rate("SK", 23_00, true),
    rate("CH", 8_10, false),
    rate("LI", 8_10, false),
    rate("GB", 20_00, false),
    rate("NO", 25_00, false),
];

/// The country's entry, by its ISO code (any case, surrounding blanks ignored).
pub fn country_rate(country: &str) -> Option<CountryRate> {
    let c = country.trim();
    STANDARD_RATES
        .iter()
        .find(|r| r.country.eq_ignore_ascii_case(c))
        .copied()
}

/// How a note is taxed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VatTreatment {
    /// The retailer's country's standard rate.
    Standard,
    /// EU cross-border B2B: 0 %, the recipient owes the VAT.
    ReverseCharge,
    /// The retailer's country (or its rate) is not known: no VAT stated.
    Unknown,
}

impl VatTreatment {
    pub const ALL: [VatTreatment; 3] = [
        VatTreatment::Standard,
        VatTreatment::ReverseCharge,
        VatTreatment::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            VatTreatment::Standard => "standard",
            VatTreatment::ReverseCharge => "reverse_charge",
            VatTreatment::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// The treatment and its rate (`None` when unknown).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VatRule {
    pub treatment: VatTreatment,
    pub percent: Option<Decimal>,
}

/// The rule for a note from a manufacturer in `manufacturer_country` to a retailer in
/// `retailer_country` (see the module's text).
pub fn treatment(retailer_country: Option<&str>, manufacturer_country: Option<&str>) -> VatRule {
    let unknown = VatRule {
        treatment: VatTreatment::Unknown,
        percent: None,
    };
    let Some(retailer) = retailer_country.and_then(country_rate) else {
        return unknown;
    };
    let manufacturer = manufacturer_country
        .map(str::trim)
        .filter(|c| !c.is_empty());
    let cross_border_eu = manufacturer.is_some_and(|m| {
        !m.eq_ignore_ascii_case(retailer.country)
            && retailer.eu
            && country_rate(m).is_some_and(|r| r.eu)
    });
    if cross_border_eu {
        VatRule {
            treatment: VatTreatment::ReverseCharge,
            percent: Some(Decimal::ZERO),
        }
    } else {
        VatRule {
            treatment: VatTreatment::Standard,
            percent: Some(retailer.percent),
        }
    }
}

/// The places of `currency`'s minor unit (ISO 4217), at most the 2 a [`Money`] holds.
pub fn minor_unit(currency: &Currency) -> u32 {
    iso_currency::Currency::from_code(currency.as_str())
        .and_then(|c| c.exponent())
        .map_or(2, |e| u32::from(e).min(2))
}

/// The VAT on one net line at `percent`, rounded half-up to the currency's minor unit.
pub fn vat_of(net: &Money, percent: Decimal) -> Money {
    let places = minor_unit(&net.currency);
    let mut amount = (net.amount * percent / Decimal::ONE_HUNDRED)
        .round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero);
    amount.rescale(2);
    Money {
        amount,
        currency: net.currency.clone(),
    }
}

/// A credit note's VAT statement, in its one currency. `vat` and `gross` are absent when the
/// treatment is [`VatTreatment::Unknown`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditNoteVatV1 {
    pub treatment: VatTreatment,
    /// The retailer's country as the manufacturer knew it (ISO 3166-1 alpha-2); absent: unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retailer_country: Option<String>,
    /// The manufacturer's country; absent: unknown (then taken to be the retailer's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manufacturer_country: Option<String>,
    /// Percent, e.g. `"19"`, `"8.1"`; `"0"` for reverse charge; absent when unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_percent: Option<Decimal>,
    pub net: Money,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat: Option<Money>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gross: Option<Money>,
}

impl CreditNoteVatV1 {
    /// Whether the statement fits the note's lines (each line's net amount and VAT): the net is
    /// their sum; with VAT stated every line has its VAT, the VAT is their sum and the gross
    /// net plus VAT; without, no line has VAT and there is no gross. All in one currency.
    pub fn adds_up(&self, lines: &[(&Money, Option<&Money>)]) -> Result<(), String> {
        let currency = &self.net.currency;
        let mut net = Decimal::ZERO;
        let mut vat = Decimal::ZERO;
        for (amount, line_vat) in lines {
            if amount.currency != *currency || line_vat.is_some_and(|v| v.currency != *currency) {
                return Err(format!("a line in another currency than {currency}"));
            }
            if line_vat.is_some() != self.vat.is_some() {
                return Err("a line's VAT does not match the statement's".to_owned());
            }
            net += amount.amount;
            vat += line_vat.map_or(Decimal::ZERO, |v| v.amount);
        }
        if net != self.net.amount {
            return Err(format!("net {} is not the lines' sum {net}", self.net));
        }
        match (&self.vat, &self.gross) {
            (None, None) => Ok(()),
            (Some(v), Some(g))
                if v.currency == *currency
                    && g.currency == *currency
                    && v.amount == vat
                    && g.amount == net + vat =>
            {
                Ok(())
            }
            _ => Err(format!(
                "VAT {:?} and gross {:?} do not fit the lines (VAT {vat})",
                self.vat, self.gross
            )),
        }
    }
}

/// A note's VAT: the statement and each line's VAT (in the order of `lines`; `None` each when
/// unknown).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteVat {
    pub statement: CreditNoteVatV1,
    pub line_vat: Vec<Option<Money>>,
}

/// Net, VAT and gross of a note whose net lines are `lines` (all in `currency`), under `rule`.
/// Lines in another currency are a caller's bug: they are left out of nothing — the sums use
/// amounts only, so callers pass one currency's lines (a note has one currency).
pub fn note_vat(
    currency: &Currency,
    lines: &[Money],
    rule: VatRule,
    retailer_country: Option<&str>,
    manufacturer_country: Option<&str>,
) -> NoteVat {
    let line_vat: Vec<Option<Money>> = lines
        .iter()
        .map(|l| rule.percent.map(|p| vat_of(l, p)))
        .collect();
    let sum = |amounts: &mut dyn Iterator<Item = Decimal>| {
        let mut total: Decimal = amounts.sum();
        total.rescale(2);
        Money {
            amount: total,
            currency: currency.clone(),
        }
    };
    let net = sum(&mut lines.iter().map(|l| l.amount));
    let vat = rule
        .percent
        .map(|_| sum(&mut line_vat.iter().flatten().map(|v| v.amount)));
    let gross = vat.as_ref().map(|v| {
        let mut amount = net.amount + v.amount;
        amount.rescale(2);
        Money {
            amount,
            currency: currency.clone(),
        }
    });
    let country = |c: Option<&str>| {
        c.map(|c| c.trim().to_ascii_uppercase())
            .filter(|c| !c.is_empty())
    };
    NoteVat {
        statement: CreditNoteVatV1 {
            treatment: rule.treatment,
            retailer_country: country(retailer_country),
            manufacturer_country: country(manufacturer_country),
            rate_percent: rule.percent.map(|p| p.normalize()),
            net,
            vat,
            gross,
        },
        line_vat,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn m(amount: &str, currency: &str) -> Money {
        Money::new(d(amount), Currency::parse(currency).unwrap()).unwrap()
    }

    #[test]
    fn the_rates_named_in_the_issue_are_in_the_table() {
        for (country, percent) in [
            ("DE", "19"),
            ("AT", "20"),
            ("NL", "21"),
            ("FR", "20"),
            ("BE", "21"),
            ("IT", "22"),
            ("ES", "21"),
            ("PL", "23"),
            ("CH", "8.1"),
            ("de", "19"),
            (" at ", "20"),
        ] {
            assert_eq!(
                country_rate(country).map(|r| r.percent),
                Some(d(percent)),
                "{country}"
            );
        }
        assert_eq!(country_rate("XX"), None);
        assert_eq!(country_rate(""), None);
        // One entry per country.
        let mut codes: Vec<&str> = STANDARD_RATES.iter().map(|r| r.country).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), STANDARD_RATES.len());
    }

    #[test]
    fn the_treatment_follows_the_two_countries() {
        use VatTreatment::*;
        // (retailer, manufacturer, treatment, percent)
        type Case<'a> = (
            Option<&'a str>,
            Option<&'a str>,
            VatTreatment,
            Option<&'a str>,
        );
        let cases: &[Case] = &[
            (Some("DE"), Some("DE"), Standard, Some("19")),
            (Some("DE"), None, Standard, Some("19")),
            (Some("DE"), Some(""), Standard, Some("19")),
            (Some("AT"), Some("at"), Standard, Some("20")),
            (Some("DE"), Some("AT"), ReverseCharge, Some("0")),
            (Some("PL"), Some("IT"), ReverseCharge, Some("0")),
            // Not both in the EU: the retailer's rate.
            (Some("CH"), Some("DE"), Standard, Some("8.1")),
            (Some("DE"), Some("CH"), Standard, Some("19")),
            (Some("DE"), Some("GB"), Standard, Some("19")),
            // A manufacturer country the table does not know is not taken for the EU.
            (Some("DE"), Some("XX"), Standard, Some("19")),
            // The retailer's country unknown, or without a rate: unknown, never a guess.
            (None, Some("DE"), Unknown, None),
            (None, None, Unknown, None),
            (Some("XX"), Some("DE"), Unknown, None),
        ];
        for (retailer, manufacturer, t, percent) in cases {
            let rule = treatment(*retailer, *manufacturer);
            assert_eq!(rule.treatment, *t, "{retailer:?} from {manufacturer:?}");
            assert_eq!(
                rule.percent,
                percent.map(d),
                "{retailer:?} from {manufacturer:?}"
            );
        }
    }

    #[test]
    fn vat_is_rounded_half_up_per_line_to_the_minor_unit() {
        // (net, currency, percent, vat)
        let cases = [
            ("100.00", "EUR", "19", "19.00"),
            ("0.50", "EUR", "19", "0.10"),   // 0.095 → half up
            ("0.05", "EUR", "19", "0.01"),   // 0.0095
            ("10.50", "EUR", "19", "2.00"),  // 1.995
            ("12.34", "CHF", "8.1", "1.00"), // 0.99954
            ("18.52", "CHF", "8.1", "1.50"), // 1.50012
            ("6.17", "CHF", "8.1", "0.50"),  // 0.49977
            ("2.50", "EUR", "20", "0.50"),
            ("524.00", "EUR", "0", "0.00"),
            ("0.00", "EUR", "21", "0.00"),
            ("1005", "JPY", "10", "101.00"), // 100.5 → 101, no minor unit
            ("1004", "JPY", "10", "100.00"), // 100.4
        ];
        for (net, currency, percent, vat) in cases {
            assert_eq!(
                vat_of(&m(net, currency), d(percent)),
                m(vat, currency),
                "{net} {currency} at {percent} %"
            );
        }
        // Half-up, not the banker's rounding `Money::percent` uses: 0.125 → 0.13.
        assert_eq!(vat_of(&m("0.50", "EUR"), d("25")), m("0.13", "EUR"));
        assert_eq!(minor_unit(&Currency::parse("JPY").unwrap()), 0);
        assert_eq!(minor_unit(&Currency::parse("EUR").unwrap()), 2);
    }

    #[test]
    fn the_totals_are_the_sums_of_the_rounded_lines() {
        let eur = Currency::parse("EUR").unwrap();
        // Each line's VAT 0.095 → 0.10; the sum 0.30, not 19 % of 1.50 (0.285 → 0.29).
        let lines = [m("0.50", "EUR"), m("0.50", "EUR"), m("0.50", "EUR")];
        let v = note_vat(&eur, &lines, treatment(Some("de"), None), Some("de"), None);
        assert_eq!(v.line_vat, vec![Some(m("0.10", "EUR")); 3]);
        assert_eq!(v.statement.net, m("1.50", "EUR"));
        assert_eq!(v.statement.vat, Some(m("0.30", "EUR")));
        assert_eq!(v.statement.gross, Some(m("1.80", "EUR")));
        assert_eq!(v.statement.rate_percent, Some(d("19")));
        assert_eq!(v.statement.retailer_country.as_deref(), Some("DE"));
        assert_eq!(v.statement.manufacturer_country, None);

        let rc = note_vat(
            &eur,
            &[m("524.00", "EUR")],
            treatment(Some("DE"), Some("AT")),
            Some("DE"),
            Some("AT"),
        );
        assert_eq!(rc.statement.treatment, VatTreatment::ReverseCharge);
        assert_eq!(rc.statement.vat, Some(m("0.00", "EUR")));
        assert_eq!(rc.statement.gross, Some(m("524.00", "EUR")));

        let unknown = note_vat(
            &eur,
            &[m("524.00", "EUR")],
            treatment(None, None),
            None,
            None,
        );
        assert_eq!(unknown.statement.treatment, VatTreatment::Unknown);
        assert_eq!(unknown.statement.net, m("524.00", "EUR"));
        assert_eq!(unknown.statement.vat, None);
        assert_eq!(unknown.statement.gross, None);
        assert_eq!(unknown.line_vat, vec![None]);
        // On the wire: the unknown parts are absent, and absent reads back the same.
        let json = serde_json::to_value(&unknown.statement).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"treatment": "unknown", "net": {"amount": "524.00", "currency": "EUR"}})
        );
        let back: CreditNoteVatV1 = serde_json::from_value(json).unwrap();
        assert_eq!(back, unknown.statement);
    }

    #[test]
    fn a_statement_adds_up_over_its_lines_or_says_why_not() {
        let eur = Currency::parse("EUR").unwrap();
        let nets = [m("0.50", "EUR"), m("10.50", "EUR")];
        let v = note_vat(&eur, &nets, treatment(Some("DE"), None), Some("DE"), None);
        let vats: Vec<Money> = v.line_vat.iter().flatten().cloned().collect();
        fn pair<'a>(
            nets: &'a [Money],
            vats: &[Option<&'a Money>],
        ) -> Vec<(&'a Money, Option<&'a Money>)> {
            nets.iter().zip(vats.iter().copied()).collect()
        }
        assert_eq!(
            v.statement
                .adds_up(&pair(&nets, &[Some(&vats[0]), Some(&vats[1])])),
            Ok(())
        );
        // (what is wrong, the lines as sent)
        let other = m("2.00", "CHF");
        let wrong = m("9.99", "EUR");
        for (what, sent) in [
            ("a line without VAT", pair(&nets, &[Some(&vats[0]), None])),
            (
                "a line's VAT changed",
                pair(&nets, &[Some(&vats[0]), Some(&wrong)]),
            ),
            (
                "a line's VAT in CHF",
                pair(&nets, &[Some(&vats[0]), Some(&other)]),
            ),
            ("a line missing", pair(&nets, &[Some(&vats[0])])),
        ] {
            assert!(v.statement.adds_up(&sent).is_err(), "{what}");
        }
        let unknown = note_vat(&eur, &nets, treatment(None, None), None, None);
        assert_eq!(
            unknown.statement.adds_up(&pair(&nets, &[None, None])),
            Ok(())
        );
        assert!(
            unknown
                .statement
                .adds_up(&pair(&nets, &[Some(&vats[0]), None]))
                .is_err()
        );
    }

    #[test]
    fn treatments_read_back_from_their_codes() {
        for t in VatTreatment::ALL {
            assert_eq!(VatTreatment::parse(t.as_str()), Some(t));
        }
        assert_eq!(VatTreatment::parse("zero"), None);
    }
}
