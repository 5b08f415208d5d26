//! What the manufacturer's agreement gives a sold unit today: its warranty (coverage), the DOA
//! window and the recovery the retailer can expect for a swap now — by the reimbursement rule
//! both sides share ([`AgreementTermsV1::recovery`]).

use chrono::{DateTime, Utc};
use kummerer_contracts::{AgreementTermsV1, Money, Recovery};

/// The manufacturer's side of a unit's entitlement at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warranty {
    /// When the manufacturer's coverage ends (`None`: never, by the calendar's end).
    pub coverage_ends: Option<DateTime<Utc>>,
    pub under_coverage: bool,
    /// The end of the dead-on-arrival window.
    pub doa_ends: DateTime<Utc>,
    pub within_doa: bool,
    /// What a swap now recovers from the manufacturer.
    pub recovery: Recovery,
}

/// The warranty of a unit sold at `sold_at` for `price_paid`, under `terms`, at `now`.
pub fn warranty(
    terms: &AgreementTermsV1,
    price_paid: &Money,
    sold_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Warranty {
    let coverage_ends = terms.coverage_ends(sold_at);
    let recovery = terms.recovery(price_paid, sold_at, now);
    Warranty {
        under_coverage: now >= sold_at && coverage_ends.is_none_or(|end| now <= end),
        coverage_ends,
        doa_ends: terms.doa_ends(sold_at),
        within_doa: matches!(recovery, Recovery::Doa { .. }),
        recovery,
    }
}

/// The recovery in words for the desk.
pub fn recovery_text(recovery: &Recovery) -> String {
    match recovery {
        Recovery::Doa { amount } => format!(
            "{amount} — dead on arrival: the price paid plus the handling fee, accepted at once"
        ),
        Recovery::Covered { amount, percent } => format!(
            "{amount} — {}% of the price paid plus the handling fee; the manufacturer decides",
            percent.normalize()
        ),
        Recovery::OutsideCoverage => "nothing — the manufacturer's coverage has ended".to_owned(),
        Recovery::CurrencyMismatch => {
            "cannot be computed — the agreement is in another currency than the sale".to_owned()
        }
        Recovery::SwappedBeforeSale => "nothing — the sale is dated in the future".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use chrono::{Duration, TimeZone};
    use kummerer_contracts::{Currency, DeadlineDefault, UnitDisposition};
    use rust_decimal::Decimal;

    use super::*;

    fn eur(s: &str) -> Money {
        Money::new(
            Decimal::from_str(s).unwrap(),
            Currency::parse("EUR").unwrap(),
        )
        .unwrap()
    }

    fn terms() -> AgreementTermsV1 {
        AgreementTermsV1 {
            currency: Currency::parse("EUR").unwrap(),
            coverage_months: 24,
            doa_days: 14,
            reimbursement_percent: Decimal::from(80),
            depreciation_percent_per_month: Decimal::ZERO,
            handling_fee: eur("25.00"),
            unit_disposition: UnitDisposition::OnRequest,
            decision_deadline_days: 14,
            default_outcome: DeadlineDefault::Accept,
            evidence_required: vec![],
            claim_cap: None,
            price_list: vec![],
            swap_rules: vec![],
        }
    }

    #[test]
    fn a_new_unit_is_dead_on_arrival_and_an_older_one_covered() {
        let sold = Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap();
        let w = warranty(&terms(), &eur("499.00"), sold, sold + Duration::days(3));
        assert!(w.within_doa && w.under_coverage);
        assert_eq!(w.doa_ends, sold + Duration::days(15));
        assert_eq!(
            w.coverage_ends,
            Some(Utc.with_ymd_and_hms(2028, 1, 1, 12, 0, 0).unwrap())
        );
        assert_eq!(
            recovery_text(&w.recovery),
            "524.00 EUR — dead on arrival: the price paid \
            plus the handling fee, accepted at once"
        );
        let w = warranty(&terms(), &eur("500.00"), sold, sold + Duration::days(100));
        assert!(!w.within_doa && w.under_coverage);
        assert_eq!(w.recovery.amount(), Some(&eur("425.00")));
        assert!(recovery_text(&w.recovery).starts_with("425.00 EUR — 80% of the price paid"));
        let w = warranty(&terms(), &eur("500.00"), sold, sold + Duration::days(800));
        assert!(!w.under_coverage);
        assert_eq!(w.recovery, Recovery::OutsideCoverage);
        assert!(recovery_text(&w.recovery).starts_with("nothing"));
    }
}
