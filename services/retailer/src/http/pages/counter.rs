//! The counter's answer and the consumer's legal clocks in words (issue 12): what the sale and
//! case pages say before the clerk decides, and what the case page says the swap recorded.
//! Every code (a rule's reason, why the manufacturer must be asked, a cost line's kind) goes
//! through the catalogs (`counter-reason-…`, `counter-why-…`, `cost-line-…`), never raw.

use chrono::{DateTime, Utc};
use kummerer_contracts::Money;
use kummerer_web::i18n::{Lang, Tr};
use rust_decimal::Decimal;

use crate::domain::Counter;
use crate::domain::legal_clocks::{Jurisdiction, consumer_clocks};

/// The counter's answer, as a page shows it.
#[derive(Debug, Clone)]
pub struct CounterBox {
    /// `manufacturer`, `store`, `ask` or `no_agreement` (the CSS class and the test hook).
    pub kind: &'static str,
    /// "On the manufacturer's account under agreement v3: 100 % + 15,00 € fees (514,00 € in all)".
    pub text: String,
    /// The cost lines of a swap on the manufacturer's account: "Handling fee: 15,00 €".
    pub lines: Vec<String>,
}

/// A percentage as the reader writes it: `100`, `12,5` / `12.5`.
pub fn percent(tr: &Tr, p: Decimal) -> String {
    let s = p.normalize().to_string();
    match tr.lang {
        Lang::De => s.replace('.', ","),
        Lang::En => s,
    }
}

fn money(tr: &Tr, m: &Money) -> String {
    tr.money(m.amount, m.currency.as_str())
}

/// The counter's answer `c` in words; `manufacturer` names the manufacturer when there is no
/// agreement ("" when not known).
pub fn counter_box(tr: &Tr, c: &Counter, manufacturer: &str) -> CounterBox {
    let text = match c {
        Counter::Manufacturer {
            version,
            percent: p,
            extras,
            total,
            ..
        } if !extras.amount.is_zero() => tr.targs(
            "counter-manufacturer-extras",
            &[
                ("version", version),
                ("percent", &percent(tr, *p)),
                ("extras", &money(tr, extras)),
                ("total", &money(tr, total)),
            ],
        ),
        Counter::Manufacturer {
            version,
            percent: p,
            total,
            ..
        } => tr.targs(
            "counter-manufacturer",
            &[
                ("version", version),
                ("percent", &percent(tr, *p)),
                ("total", &money(tr, total)),
            ],
        ),
        Counter::Store {
            version, reason, ..
        } => tr.ta2(
            "counter-store",
            "version",
            version,
            "reason",
            tr.code("counter-reason", reason),
        ),
        Counter::Ask { version, why } => tr.ta2(
            "counter-ask",
            "version",
            version,
            "why",
            tr.code("counter-why", why),
        ),
        Counter::NoAgreement if manufacturer.trim().is_empty() => {
            tr.t("counter-no-agreement-unknown")
        }
        Counter::NoAgreement => tr.ta("counter-no-agreement", "manufacturer", manufacturer),
    };
    let lines = match c {
        Counter::Manufacturer { lines, .. } => lines
            .iter()
            .map(|l| {
                tr.ta2(
                    "counter-line",
                    "what",
                    tr.code("cost-line", l.kind.as_str()),
                    "amount",
                    money(tr, &l.amount),
                )
            })
            .collect(),
        _ => Vec::new(),
    };
    CounterBox {
        kind: c.as_str(),
        text,
        lines,
    }
}

/// The consumer's legal guarantee and the burden of proof, as a page shows them.
#[derive(Debug, Clone)]
pub struct LawBox {
    pub guarantee: String,
    pub under_guarantee: bool,
    pub burden: String,
    pub burden_on_seller: bool,
}

/// The clocks of goods delivered to the customer at `delivered_at`, seen at `now` on the
/// reader's local days, by `jurisdiction`.
pub fn law_box(
    tr: &Tr,
    jurisdiction: Jurisdiction,
    delivered_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> LawBox {
    let c = consumer_clocks(jurisdiction.rules(), delivered_at, tr.tz, now);
    LawBox {
        guarantee: if c.under_guarantee {
            tr.ta2(
                "counter-guarantee-until",
                "day",
                tr.naive_date(c.guarantee_ends_on),
                "days",
                c.guarantee_days_left,
            )
        } else {
            tr.ta(
                "counter-guarantee-ended",
                "day",
                tr.naive_date(c.guarantee_ends_on),
            )
        },
        under_guarantee: c.under_guarantee,
        burden: if c.burden_on_seller {
            tr.ta(
                "counter-burden-seller",
                "day",
                tr.naive_date(c.burden_reversal_ends_on),
            )
        } else {
            tr.ta(
                "counter-burden-customer",
                "day",
                tr.naive_date(c.burden_reversal_ends_on),
            )
        },
        burden_on_seller: c.burden_on_seller,
    }
}

/// What a swap today recovers (the shared rule's [`kummerer_contracts::Recovery`]) in words.
pub fn recovery_words(tr: &Tr, r: &kummerer_contracts::Recovery) -> String {
    use kummerer_contracts::Recovery;
    match r {
        Recovery::Doa { amount } => tr.ta("recovery-doa", "amount", money(tr, amount)),
        Recovery::Covered { amount, percent: p } => tr.ta2(
            "recovery-covered",
            "amount",
            money(tr, amount),
            "percent",
            percent(tr, *p),
        ),
        Recovery::OutsideCoverage => tr.t("recovery-outside-coverage"),
        Recovery::CurrencyMismatch => tr.t("recovery-currency-mismatch"),
        Recovery::SwappedBeforeSale => tr.t("recovery-swapped-before-sale"),
    }
}
