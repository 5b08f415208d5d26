//! The pages' languages and local time: German and English texts from Fluent (`.ftl`) files,
//! one pair per service, and the formatting every page shares — dates, times, delivery windows
//! and money in the reader's locale and time zone, and local input turned back into UTC.
//!
//! A service keeps its texts in `locales/de.ftl` and `locales/en.ftl` beside its templates and
//! builds one [`Catalog`] from them at first use:
//!
//! ```ignore
//! static CATALOG: LazyLock<Catalog> = LazyLock::new(|| {
//!     Catalog::new(include_str!("../locales/de.ftl"), include_str!("../locales/en.ftl"))
//! });
//! ```
//!
//! A page gets a [`Tr`] (language, time zone, catalog) for its reader and uses it in the
//! template: `{{ tr.t("search-title") }}`, `{{ tr.ta("case-opened-by", "name", name) }}`,
//! `{{ tr.tn("results", "count", results.len()) }}`, `{{ tr.datetime(at) }}`,
//! `{{ tr.money(amount, currency) }}`, `{{ tr.code("defect", category) }}`.
//!
//! A key missing from a language never shows as an empty page: it falls back to the other
//! language, then to the key itself, and is logged. Each service's tests check that both files
//! parse, hold the same keys, and hold every key its templates use ([`Catalog::problems`],
//! [`keys_in_templates`]).

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt::Display;
use std::path::Path;

use actix_web::HttpRequest;
use actix_web::http::header;
use chrono::{DateTime, Datelike, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use rust_decimal::Decimal;

/// The cookie a reader's explicit language choice is kept in (before sign-in, and on the
/// customer's status page).
pub const LANG_COOKIE: &str = "kummerer_lang";

/// A language the pages are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    De,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::De, Lang::En];

    /// `de`, `en`, also `de-DE`, `en_GB`, any case.
    pub fn parse(raw: &str) -> Option<Lang> {
        let raw = raw.trim();
        let primary = raw.split(['-', '_']).next().unwrap_or(raw);
        match primary.to_ascii_lowercase().as_str() {
            "de" => Some(Lang::De),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Lang::De => "de",
            Lang::En => "en",
        }
    }

    /// The language's own name, for a language switch.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::De => "Deutsch",
            Lang::En => "English",
        }
    }

    /// The best of `Accept-Language` (RFC 9110: quality values honoured, `*` ignored).
    pub fn from_accept_language(value: &str) -> Option<Lang> {
        let mut best: Option<(Lang, u16)> = None;
        for item in value.split(',') {
            let mut parts = item.split(';');
            let Some(tag) = parts.next().and_then(Lang::parse) else {
                continue;
            };
            let mut q = 1000u16;
            for p in parts {
                if let Some(v) = p.trim().strip_prefix("q=") {
                    q = v
                        .trim()
                        .parse::<f32>()
                        .ok()
                        .filter(|q| (0.0..=1.0).contains(q))
                        // Three decimals at most (RFC 9110 § 12.4.2): an integer per mille.
                        .map(|q| (q * 1000.0).round() as u16)
                        .unwrap_or(0);
                }
            }
            // Earlier items win ties.
            if q > 0 && best.is_none_or(|(_, b)| q > b) {
                best = Some((tag, q));
            }
        }
        best.map(|(lang, _)| lang)
    }

    /// The reader's language before anything is known of them: the language cookie, then
    /// `Accept-Language`.
    pub fn of_request(req: &HttpRequest) -> Option<Lang> {
        if let Some(lang) = req.cookie(LANG_COOKIE).and_then(|c| Lang::parse(c.value())) {
            return Some(lang);
        }
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(Lang::from_accept_language)
    }
}

impl Display for Lang {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A service's texts in both languages.
pub struct Catalog {
    de: FluentBundle<FluentResource>,
    en: FluentBundle<FluentResource>,
    de_keys: BTreeSet<String>,
    en_keys: BTreeSet<String>,
    /// Parse and load errors, for the tests ([`Catalog::problems`]) and the log.
    errors: Vec<String>,
}

impl Catalog {
    /// Builds the catalog; what does not parse is left out and reported by
    /// [`Catalog::problems`] (and logged), never a panic at start.
    pub fn new(de_source: &str, en_source: &str) -> Catalog {
        let mut errors = Vec::new();
        let (de, de_keys) = bundle(Lang::De, de_source, &mut errors);
        let (en, en_keys) = bundle(Lang::En, en_source, &mut errors);
        for e in &errors {
            tracing::error!(error = %e, "a text catalog does not load");
        }
        Catalog {
            de,
            en,
            de_keys,
            en_keys,
            errors,
        }
    }

    fn bundle(&self, lang: Lang) -> &FluentBundle<FluentResource> {
        match lang {
            Lang::De => &self.de,
            Lang::En => &self.en,
        }
    }

    /// The message `key` in `lang` with `args`; the other language, then the key itself, when
    /// it is missing.
    pub fn text(&self, lang: Lang, key: &str, args: Option<&FluentArgs<'_>>) -> String {
        let other = match lang {
            Lang::De => Lang::En,
            Lang::En => Lang::De,
        };
        for l in [lang, other] {
            let bundle = self.bundle(l);
            if let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) {
                let mut errors = Vec::new();
                let text = bundle.format_pattern(pattern, args, &mut errors);
                if !errors.is_empty() {
                    tracing::warn!(key, lang = %l, ?errors, "a text did not format cleanly");
                }
                return text.into_owned();
            }
        }
        tracing::warn!(key, lang = %lang, "no text for this key");
        key.to_owned()
    }

    pub fn has(&self, lang: Lang, key: &str) -> bool {
        match lang {
            Lang::De => self.de_keys.contains(key),
            Lang::En => self.en_keys.contains(key),
        }
    }

    /// What is wrong with the catalog: parse errors, keys in one language only, and `used` keys
    /// in neither. Empty when all is well (each service's tests assert it).
    pub fn problems<'a>(&self, used: impl IntoIterator<Item = &'a str>) -> Vec<String> {
        let mut out = self.errors.clone();
        for k in self.de_keys.difference(&self.en_keys) {
            out.push(format!("`{k}` is in de.ftl but not in en.ftl"));
        }
        for k in self.en_keys.difference(&self.de_keys) {
            out.push(format!("`{k}` is in en.ftl but not in de.ftl"));
        }
        for k in used {
            if !self.de_keys.contains(k) && !self.en_keys.contains(k) {
                out.push(format!("`{k}` is used but in neither file"));
            }
        }
        out
    }
}

fn bundle(
    lang: Lang,
    source: &str,
    errors: &mut Vec<String>,
) -> (FluentBundle<FluentResource>, BTreeSet<String>) {
    let locale = match lang {
        Lang::De => unic_langid::langid!("de"),
        Lang::En => unic_langid::langid!("en"),
    };
    let mut bundle = FluentBundle::new_concurrent(vec![locale]);
    // The texts go into HTML: no Unicode isolation marks around arguments.
    bundle.set_use_isolating(false);
    let resource = match FluentResource::try_new(source.to_owned()) {
        Ok(r) => r,
        Err((r, errs)) => {
            for e in errs {
                errors.push(format!("{lang}.ftl: {e:?}"));
            }
            r
        }
    };
    let keys = resource
        .entries()
        .filter_map(|e| match e {
            fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_owned()),
            _ => None,
        })
        .collect();
    if let Err(errs) = bundle.add_resource(resource) {
        for e in errs {
            errors.push(format!("{lang}.ftl: {e:?}"));
        }
    }
    (bundle, keys)
}

/// The keys the templates under `dir` use through a [`Tr`] (`t("…")`, `ta("…"`, `tn("…"`,
/// `code("prefix", …)` is not resolvable statically and is left out), for the tests.
pub fn keys_in_templates(dir: &Path) -> std::io::Result<BTreeSet<String>> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "html") {
                let text = std::fs::read_to_string(&path)?;
                out.extend(keys_in_text(&text));
            }
        }
    }
    Ok(out)
}

/// The literal keys of `t("…")`, `ta("…"`, `tn("…"` calls in `text` (templates or Rust).
pub fn keys_in_text(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for call in [".t(\"", ".ta(\"", ".tn(\""] {
        let mut rest = text;
        while let Some(at) = rest.find(call) {
            rest = &rest[at + call.len()..];
            if let Some(end) = rest.find('"') {
                let key = &rest[..end];
                if !key.is_empty()
                    && key
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                {
                    out.insert(key.to_owned());
                }
            }
        }
    }
    out
}

/// A number argument of [`Tr::tn`] (plural forms).
pub trait Count: Copy {
    fn to_i64(self) -> i64;
}
macro_rules! count {
    ($($t:ty),*) => {$(
        impl Count for $t {
            fn to_i64(self) -> i64 { i64::try_from(self).unwrap_or(i64::MAX) }
        }
        impl Count for &$t {
            fn to_i64(self) -> i64 { i64::try_from(*self).unwrap_or(i64::MAX) }
        }
    )*};
}
count!(usize, u32, u64, i32, i64, u16);

/// A reader's language and time zone, with the service's catalog: what a page formats with.
#[derive(Clone, Copy)]
pub struct Tr {
    pub lang: Lang,
    pub tz: Tz,
    catalog: &'static Catalog,
}

impl std::fmt::Debug for Tr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tr")
            .field("lang", &self.lang)
            .field("tz", &self.tz)
            .finish_non_exhaustive()
    }
}

impl Tr {
    pub fn new(catalog: &'static Catalog, lang: Lang, tz: Tz) -> Tr {
        Tr { lang, tz, catalog }
    }

    /// The page's `lang` attribute.
    pub fn lang(&self) -> &'static str {
        self.lang.as_str()
    }

    /// The text `key`.
    pub fn t(&self, key: &str) -> String {
        self.catalog.text(self.lang, key, None)
    }

    /// The text `key` with one text argument `{ $name }`.
    pub fn ta(&self, key: &str, name: &str, value: impl Display) -> String {
        let mut args = FluentArgs::new();
        args.set(name.to_owned(), FluentValue::from(value.to_string()));
        self.catalog.text(self.lang, key, Some(&args))
    }

    /// The text `key` with arguments (text values).
    pub fn targs(&self, key: &str, values: &[(&str, &dyn Display)]) -> String {
        let mut args = FluentArgs::new();
        for (name, value) in values {
            args.set((*name).to_owned(), FluentValue::from(value.to_string()));
        }
        self.catalog.text(self.lang, key, Some(&args))
    }

    /// The text `key` with one number argument `{ $name }`, for plural forms.
    pub fn tn(&self, key: &str, name: &str, n: impl Count) -> String {
        let mut args = FluentArgs::new();
        args.set(name.to_owned(), FluentValue::from(n.to_i64()));
        self.catalog.text(self.lang, key, Some(&args))
    }

    /// A code (`does_not_start`) in words: the text `<prefix>-<code with dashes>`; a code the
    /// catalog does not know is shown humanised ("does not start"), never raw.
    pub fn code(&self, prefix: &str, code: &str) -> String {
        let key = format!("{prefix}-{}", code.replace('_', "-"));
        if self.catalog.has(self.lang, &key) {
            self.catalog.text(self.lang, &key, None)
        } else {
            tracing::warn!(key, "no text for this code");
            code.replace(['_', '-'], " ")
        }
    }

    fn local(&self, at: DateTime<Utc>) -> DateTime<Tz> {
        at.with_timezone(&self.tz)
    }

    /// A day: `03.12.2026` / `3 Dec 2026`, in the reader's time zone.
    pub fn date(&self, at: DateTime<Utc>) -> String {
        self.naive_date(self.local(at).date_naive())
    }

    /// A calendar day as it is (a sale's day, a deadline's day).
    pub fn naive_date(&self, d: NaiveDate) -> String {
        match self.lang {
            Lang::De => d.format("%d.%m.%Y").to_string(),
            Lang::En => format!("{} {}", d.day(), d.format("%b %Y")),
        }
    }

    /// A moment: `03.12.2026, 14:05` / `3 Dec 2026, 14:05`, in the reader's time zone.
    pub fn datetime(&self, at: DateTime<Utc>) -> String {
        let local = self.local(at);
        format!(
            "{}, {}",
            self.naive_date(local.date_naive()),
            local.format("%H:%M")
        )
    }

    /// A time of day: `14:05`, in the reader's time zone.
    pub fn time(&self, at: DateTime<Utc>) -> String {
        self.local(at).format("%H:%M").to_string()
    }

    /// A weekday's short name: `Do.` / `Thu`.
    pub fn weekday(&self, d: NaiveDate) -> String {
        let i = d.weekday().num_days_from_monday() as usize;
        match self.lang {
            Lang::De => ["Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa.", "So."][i].to_owned(),
            Lang::En => ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][i].to_owned(),
        }
    }

    /// A delivery window: `Do., 03.12.2026, 14:00–16:00` / `Thu 3 Dec 2026, 14:00–16:00`; a
    /// window over midnight names both days.
    pub fn window(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> String {
        let (s, e) = (self.local(start), self.local(end));
        let day = s.date_naive();
        let sep = match self.lang {
            Lang::De => ", ",
            Lang::En => " ",
        };
        let head = format!("{}{sep}{}", self.weekday(day), self.naive_date(day));
        if e.date_naive() == day {
            format!("{head}, {}–{}", s.format("%H:%M"), e.format("%H:%M"))
        } else {
            format!("{head}, {} – {}", s.format("%H:%M"), self.datetime(end))
        }
    }

    /// An amount: `1.234,50 €` / `€1,234.50`; a currency without a common sign by its code
    /// (`1.234,50 CHF` / `CHF 1,234.50`).
    pub fn money(&self, amount: Decimal, currency: &str) -> String {
        let negative = amount.is_sign_negative() && !amount.is_zero();
        let digits = amount.abs().round_dp(2);
        let plain = format!("{digits:.2}");
        let (int, frac) = plain.split_once('.').unwrap_or((&plain, "00"));
        let (group, point) = match self.lang {
            Lang::De => ('.', ','),
            Lang::En => (',', '.'),
        };
        let mut grouped = String::new();
        for (i, c) in int.chars().enumerate() {
            if i > 0 && (int.len() - i) % 3 == 0 {
                grouped.push(group);
            }
            grouped.push(c);
        }
        let number = format!("{grouped}{point}{frac}");
        let sign = if negative { "−" } else { "" };
        let symbol = match currency {
            "EUR" => Some("€"),
            "GBP" => Some("£"),
            "USD" => Some("$"),
            _ => None,
        };
        match (self.lang, symbol) {
            (Lang::De, Some(s)) => format!("{sign}{number} {s}"),
            (Lang::De, None) => format!("{sign}{number} {currency}"),
            (Lang::En, Some(s)) => format!("{sign}{s}{number}"),
            (Lang::En, None) => format!("{sign}{currency} {number}"),
        }
    }

    /// A moment typed in the reader's time zone (an `<input type="date">` and an
    /// `<input type="time">`, or a `datetime-local` split at `T`) as UTC. A time that does not
    /// exist locally (the hour skipped when clocks go forward) is `None`; one that exists twice
    /// (clocks go back) is the earlier.
    pub fn parse_local(&self, date: &str, time: &str) -> Option<DateTime<Utc>> {
        let d = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").ok()?;
        let t = NaiveTime::parse_from_str(time.trim(), "%H:%M")
            .or_else(|_| NaiveTime::parse_from_str(time.trim(), "%H:%M:%S"))
            .ok()?;
        self.from_local(NaiveDateTime::new(d, t))
    }

    /// A `datetime-local` value (`2026-12-03T14:00`) in the reader's time zone as UTC.
    pub fn parse_datetime_local(&self, raw: &str) -> Option<DateTime<Utc>> {
        let (date, time) = raw.trim().split_once('T')?;
        self.parse_local(date, time)
    }

    /// A local wall-clock moment as UTC (see [`Tr::parse_local`]).
    pub fn from_local(&self, local: NaiveDateTime) -> Option<DateTime<Utc>> {
        match self.tz.from_local_datetime(&local) {
            LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
            LocalResult::Ambiguous(earlier, _) => Some(earlier.with_timezone(&Utc)),
            LocalResult::None => None,
        }
    }

    /// The value for an `<input type="datetime-local">` showing `at` in the reader's zone.
    pub fn datetime_local_value(&self, at: DateTime<Utc>) -> String {
        self.local(at).format("%Y-%m-%dT%H:%M").to_string()
    }

    /// The time zone's name for a hint ("Europe/Berlin").
    pub fn tz_name(&self) -> Cow<'static, str> {
        Cow::Borrowed(self.tz.name())
    }
}

/// A time zone setting (IANA name) parsed, for settings and forms.
pub fn parse_tz(raw: &str) -> Option<Tz> {
    raw.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::LazyLock;

    static CATALOG: LazyLock<Catalog> = LazyLock::new(|| {
        Catalog::new(
            "hello = Hallo\ngreet = Hallo { $name }\nresults = { $count ->\n  [one] Ein Treffer\n *[other] { $count } Treffer\n}\ndefect-does-not-start = Startet nicht\nonly-de = nur\n",
            "hello = Hello\ngreet = Hello { $name }\nresults = { $count ->\n  [one] One match\n *[other] { $count } matches\n}\ndefect-does-not-start = Does not start\n",
        )
    });

    fn tr(lang: Lang) -> Tr {
        Tr::new(&CATALOG, lang, chrono_tz::Europe::Berlin)
    }

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap_or_default()
    }

    #[test]
    fn texts_arguments_plurals_and_fallbacks() {
        assert_eq!(tr(Lang::De).t("hello"), "Hallo");
        assert_eq!(tr(Lang::En).ta("greet", "name", "Erika"), "Hello Erika");
        assert_eq!(tr(Lang::En).tn("results", "count", 1usize), "One match");
        assert_eq!(tr(Lang::En).tn("results", "count", 3usize), "3 matches");
        assert_eq!(tr(Lang::De).tn("results", "count", 3usize), "3 Treffer");
        // Missing in English: German; missing in both: the key.
        assert_eq!(tr(Lang::En).t("only-de"), "nur");
        assert_eq!(tr(Lang::En).t("nowhere"), "nowhere");
        assert_eq!(
            tr(Lang::De).code("defect", "does_not_start"),
            "Startet nicht"
        );
        assert_eq!(tr(Lang::En).code("defect", "makes_noise"), "makes noise");
        let problems = CATALOG.problems(["hello", "missing-key"]);
        assert_eq!(
            problems,
            vec![
                "`only-de` is in de.ftl but not in en.ftl".to_owned(),
                "`missing-key` is used but in neither file".to_owned()
            ]
        );
    }

    #[test]
    fn a_broken_file_is_reported_not_a_panic() {
        let c = Catalog::new("ok = gut\nbroken = { $\n", "ok = good\n");
        assert!(!c.problems([]).is_empty());
        assert_eq!(c.text(Lang::De, "ok", None), "gut");
    }

    #[test]
    fn accept_language_with_qualities() {
        assert_eq!(
            Lang::from_accept_language("de-DE,de;q=0.9,en;q=0.8"),
            Some(Lang::De)
        );
        assert_eq!(
            Lang::from_accept_language("fr-FR, en;q=0.5, de;q=0.4"),
            Some(Lang::En)
        );
        assert_eq!(
            Lang::from_accept_language("en-GB;q=0.3, de;q=0.7"),
            Some(Lang::De)
        );
        assert_eq!(Lang::from_accept_language("fr, *;q=0.1"), None);
        assert_eq!(Lang::from_accept_language("de;q=0"), None);
        assert_eq!(Lang::from_accept_language(""), None);
    }

    #[test]
    fn dates_times_and_windows_in_local_time() {
        let (de, en) = (tr(Lang::De), tr(Lang::En));
        // 16:00 UTC in December is 17:00 in Berlin (CET).
        let start = utc("2026-12-03T16:00:00Z");
        let end = utc("2026-12-03T18:00:00Z");
        assert_eq!(de.datetime(start), "03.12.2026, 17:00");
        assert_eq!(en.datetime(start), "3 Dec 2026, 17:00");
        assert_eq!(de.window(start, end), "Do., 03.12.2026, 17:00–19:00");
        assert_eq!(en.window(start, end), "Thu 3 Dec 2026, 17:00–19:00");
        // Summer: CEST, +2.
        assert_eq!(de.time(utc("2026-07-01T08:30:00Z")), "10:30");
        // 23:30 UTC on 31 Dec is already New Year in Berlin.
        assert_eq!(de.date(utc("2026-12-31T23:30:00Z")), "01.01.2027");
    }

    #[test]
    fn local_input_back_to_utc_across_clock_changes() {
        let de = tr(Lang::De);
        assert_eq!(
            de.parse_local("2026-12-03", "17:00"),
            Some(utc("2026-12-03T16:00:00Z"))
        );
        assert_eq!(
            de.parse_datetime_local("2026-07-01T10:30"),
            Some(utc("2026-07-01T08:30:00Z"))
        );
        // 29 March 2026, 02:30 does not exist in Berlin.
        assert_eq!(de.parse_local("2026-03-29", "02:30"), None);
        // 25 October 2026, 02:30 exists twice: the earlier (CEST) one.
        assert_eq!(
            de.parse_local("2026-10-25", "02:30"),
            Some(utc("2026-10-25T00:30:00Z"))
        );
        assert_eq!(de.parse_local("2026-02-30", "10:00"), None);
        assert_eq!(de.parse_local("03.12.2026", "10:00"), None);
        assert_eq!(
            de.datetime_local_value(utc("2026-12-03T16:00:00Z")),
            "2026-12-03T17:00"
        );
    }

    #[test]
    fn money_in_the_locale() {
        let (de, en) = (tr(Lang::De), tr(Lang::En));
        let d = |s: &str| s.parse::<Decimal>().unwrap_or_default();
        assert_eq!(de.money(d("1234.5"), "EUR"), "1.234,50 €");
        assert_eq!(en.money(d("1234.5"), "EUR"), "€1,234.50");
        assert_eq!(de.money(d("999"), "CHF"), "999,00 CHF");
        assert_eq!(en.money(d("1234567.891"), "CHF"), "CHF 1,234,567.89");
        assert_eq!(de.money(d("-15"), "EUR"), "−15,00 €");
        assert_eq!(en.money(d("0"), "GBP"), "£0.00");
    }

    #[test]
    fn keys_found_in_templates() {
        let keys = keys_in_text(
            r#"{{ tr.t("a-b") }} {{ tr.ta("c", "n", x) }} {{ tr.tn("d_e", "n", 1) }} {{ tr.t(x) }}"#,
        );
        assert_eq!(
            keys.into_iter().collect::<Vec<_>>(),
            vec!["a-b".to_owned(), "c".to_owned(), "d_e".to_owned()]
        );
    }
}
