//! The recovery ledger: each swap's claim matched against what the manufacturer decided and
//! what its credit notes credited.
//!
//! - `open`: money still to come — decided for an amount above zero and nothing credited yet
//!   (aged since the decision), or not decided yet (aged since it was filed, or disputed);
//! - `credited`: credited within the tolerance of the decided amount;
//! - `difference`: credited, but off the decided amount by more than the tolerance (too little,
//!   too much, or a credit for a claim not decided yet) — flagged for someone to look at;
//! - `nothing_due`: rejected and nothing credited.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

/// The default tolerance, in the claim's currency.
pub const DEFAULT_TOLERANCE: Decimal = Decimal::from_parts(1, 0, 0, false, 2);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LedgerStatus {
    Open,
    Credited,
    Difference,
    NothingDue,
    /// Not accepted by the manufacturer and written off at the store's cost.
    WrittenOff,
}

impl LedgerStatus {
    pub const ALL: [LedgerStatus; 5] = [
        LedgerStatus::Open,
        LedgerStatus::Credited,
        LedgerStatus::Difference,
        LedgerStatus::NothingDue,
        LedgerStatus::WrittenOff,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LedgerStatus::Open => "open",
            LedgerStatus::Credited => "credited",
            LedgerStatus::Difference => "difference",
            LedgerStatus::NothingDue => "nothing_due",
            LedgerStatus::WrittenOff => "written_off",
        }
    }

    pub fn parse(s: &str) -> Option<LedgerStatus> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// One claim as the ledger sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Match {
    pub status: LedgerStatus,
    /// What the decision says will be credited; `None` while undecided.
    pub expected: Option<Decimal>,
    pub credited: Decimal,
    /// `credited − expected`, once both are known and something was credited.
    pub difference: Option<Decimal>,
    /// Whole days an open item has waited (since the decision, or since it was filed while
    /// undecided); `None` for the others.
    pub age_days: Option<i64>,
}

/// The facts of one claim.
#[derive(Debug, Clone, Copy)]
pub struct ClaimFacts {
    /// Decided and not disputed since.
    pub decided: bool,
    pub decided_amount: Option<Decimal>,
    pub submitted_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    /// Sum of its credit lines; `None` when no credit note names it.
    pub credited: Option<Decimal>,
}

/// Matches a claim against its credits, with `tolerance` (≥ 0) at `now`.
pub fn match_claim(c: &ClaimFacts, tolerance: Decimal, now: DateTime<Utc>) -> Match {
    let expected = if c.decided { c.decided_amount } else { None };
    let credited = c.credited.unwrap_or(Decimal::ZERO);
    let age = |since: DateTime<Utc>| Some((now - since).num_days().max(0));
    let (status, age_days) = match (expected, c.credited) {
        (None, None) => (
            LedgerStatus::Open,
            age(c.decided_at.unwrap_or(c.submitted_at)),
        ),
        (None, Some(_)) => (LedgerStatus::Difference, None),
        (Some(e), None) if e.is_zero() => (LedgerStatus::NothingDue, None),
        (Some(_), None) => (
            LedgerStatus::Open,
            age(c.decided_at.unwrap_or(c.submitted_at)),
        ),
        (Some(e), Some(got)) if (got - e).abs() <= tolerance => (LedgerStatus::Credited, None),
        (Some(_), Some(_)) => (LedgerStatus::Difference, None),
    };
    Match {
        status,
        expected,
        credited,
        difference: match (expected, c.credited) {
            (Some(e), Some(got)) => Some(got - e),
            _ => None,
        },
        age_days,
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn now() -> DateTime<Utc> {
        DateTime::<Utc>::UNIX_EPOCH + Duration::days(20_000)
    }

    fn facts(decided: Option<&str>, credited: Option<&str>) -> ClaimFacts {
        let now = now();
        ClaimFacts {
            decided: decided.is_some(),
            decided_amount: decided.map(d),
            submitted_at: now - Duration::days(10),
            decided_at: decided.map(|_| now - Duration::days(4)),
            credited: credited.map(d),
        }
    }

    #[test]
    fn each_claim_is_open_credited_a_difference_or_owes_nothing() {
        let now = now();
        let t = DEFAULT_TOLERANCE;
        assert_eq!(t, d("0.01"));
        let m = match_claim(&facts(Some("524.00"), None), t, now);
        assert_eq!(
            (m.status, m.age_days, m.difference),
            (LedgerStatus::Open, Some(4), None)
        );
        let m = match_claim(&facts(None, None), t, now);
        assert_eq!(
            (m.status, m.age_days, m.expected),
            (LedgerStatus::Open, Some(10), None)
        );
        let m = match_claim(&facts(Some("524.00"), Some("523.99")), t, now);
        assert_eq!(
            (m.status, m.difference),
            (LedgerStatus::Credited, Some(d("-0.01")))
        );
        let m = match_claim(&facts(Some("524.00"), Some("523.98")), t, now);
        assert_eq!(m.status, LedgerStatus::Difference);
        let m = match_claim(&facts(Some("100.00"), Some("120.00")), t, now);
        assert_eq!(
            (m.status, m.difference),
            (LedgerStatus::Difference, Some(d("20.00")))
        );
        assert_eq!(
            match_claim(&facts(Some("0"), None), t, now).status,
            LedgerStatus::NothingDue
        );
        assert_eq!(
            match_claim(&facts(None, Some("5.00")), t, now).status,
            LedgerStatus::Difference
        );
        for s in LedgerStatus::ALL {
            assert_eq!(LedgerStatus::parse(s.as_str()), Some(s));
        }
    }
}

/// The ageing buckets of outstanding money, in days since the decision (or since the claim was
/// filed while undecided): 0–30, 31–60, 61–90, over 90.
pub const AGE_BUCKETS: [&str; 4] = ["0-30", "31-60", "61-90", "over-90"];

/// The index into [`AGE_BUCKETS`] of an item `days` old.
pub fn age_bucket(days: i64) -> usize {
    match days {
        ..=30 => 0,
        31..=60 => 1,
        61..=90 => 2,
        _ => 3,
    }
}

/// What an item still expects in all (issue 12): nothing for `nothing_due` and `written_off`;
/// otherwise the decided amount, or the amount claimed while undecided. Outstanding is this
/// minus what was credited (negative when more was credited).
pub fn expected_in_all(
    status: LedgerStatus,
    expected: Option<Decimal>,
    claimed: Decimal,
) -> Decimal {
    match status {
        LedgerStatus::NothingDue | LedgerStatus::WrittenOff => Decimal::ZERO,
        _ => expected.unwrap_or(claimed),
    }
}

#[cfg(test)]
mod bucket_tests {
    use super::*;

    #[test]
    fn ageing_buckets_at_their_boundary_days() {
        for (days, bucket) in [(0, 0), (30, 0), (31, 1), (60, 1), (61, 2), (90, 2), (91, 3)] {
            assert_eq!(age_bucket(days), bucket, "{days}");
        }
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(
            expected_in_all(LedgerStatus::Open, None, d("499")),
            d("499")
        );
        assert_eq!(
            expected_in_all(LedgerStatus::Open, Some(d("300")), d("499")),
            d("300")
        );
        assert_eq!(
            expected_in_all(LedgerStatus::NothingDue, Some(d("0")), d("499")),
            Decimal::ZERO
        );
        assert_eq!(
            expected_in_all(LedgerStatus::WrittenOff, None, d("499")),
            Decimal::ZERO
        );
    }
}
