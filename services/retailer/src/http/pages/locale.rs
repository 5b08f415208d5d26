//! The desk's language and time: the retailer's text catalog (`locales/de.ftl`, `en.ftl`), the
//! [`Tr`] each page formats with, the language switches, and local input back to UTC.
//!
//! A signed-in staff member reads the desk in their own language (`staff.language`), else their
//! store's, else the retailer's default, else their browser's (the `kummerer_lang` cookie, then
//! `Accept-Language`), else German; in their store's time zone (a staff member without a store:
//! the retailer's, Europe/Berlin unless set). Before sign-in and on message pages: the browser's
//! language and Europe/Berlin.

use std::sync::LazyLock;

use actix_web::cookie::{Cookie, SameSite, time};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use kummerer_service::Problem;
use kummerer_web::i18n::{Catalog, LANG_COOKIE, Lang, Tr, parse_tz};
use serde::Deserialize;

use crate::db::locale::LocaleRow;

/// The retailer's texts in German and English.
pub static CATALOG: LazyLock<Catalog> = LazyLock::new(|| {
    Catalog::new(
        include_str!("../../../locales/de.ftl"),
        include_str!("../../../locales/en.ftl"),
    )
});

/// The time zone when nothing else is known.
pub const DEFAULT_TZ: Tz = chrono_tz::Europe::Berlin;

/// A [`Tr`] over the retailer's catalog.
pub fn tr(lang: Lang, tz: Tz) -> Tr {
    Tr::new(&CATALOG, lang, tz)
}

/// The reader before sign-in (and on message pages): the browser's language, Berlin time.
pub fn of_request(req: &HttpRequest) -> Tr {
    tr(Lang::of_request(req).unwrap_or_default(), DEFAULT_TZ)
}

/// A signed-in staff member's language and time zone from their settings (see the module).
pub fn of_staff(row: &LocaleRow, req: &HttpRequest) -> Tr {
    let lang = [
        &row.staff_language,
        &row.store_language,
        &row.retailer_language,
    ]
    .into_iter()
    .flatten()
    .find_map(|l| Lang::parse(l))
    .or_else(|| Lang::of_request(req))
    .unwrap_or_default();
    let tz = row
        .store_time_zone
        .as_deref()
        .or(row.retailer_time_zone.as_deref())
        .and_then(parse_tz)
        .unwrap_or(DEFAULT_TZ);
    tr(lang, tz)
}

/// A window's start and end in UTC.
pub type Window = (DateTime<Utc>, DateTime<Utc>);

/// A delivery window typed in the reader's local time (two `datetime-local` values) as UTC:
/// `Err((field, message key))` when a value is no moment or does not exist locally (the hour
/// skipped when clocks go forward). Shared by every form that takes a window.
pub fn local_window(
    tr: &Tr,
    start: &str,
    end: &str,
) -> Result<Window, (&'static str, &'static str)> {
    let start = local_moment(tr, start).map_err(|k| ("window_start", k))?;
    let end = local_moment(tr, end).map_err(|k| ("window_end", k))?;
    Ok((start, end))
}

/// A time zone stored with a form (empty or unknown: `None`).
pub fn stored_tz(raw: &str) -> Option<Tz> {
    if raw.trim().is_empty() {
        None
    } else {
        parse_tz(raw)
    }
}

/// One `datetime-local` value in the reader's time zone as UTC, or the message key of why not.
pub fn local_moment(tr: &Tr, raw: &str) -> Result<DateTime<Utc>, &'static str> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err("form-moment-missing");
    }
    let Some((date, time)) = raw.split_once('T') else {
        return Err("form-moment-invalid");
    };
    let date_ok = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok();
    let time_ok = chrono::NaiveTime::parse_from_str(time, "%H:%M").is_ok()
        || chrono::NaiveTime::parse_from_str(time, "%H:%M:%S").is_ok();
    if !(date_ok && time_ok) {
        return Err("form-moment-invalid");
    }
    tr.parse_local(date, time).ok_or("form-moment-skipped")
}

// --- the language switches ----------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LangQuery {
    pub lang: String,
}

/// `GET /desk/language?lang=en`: the reader's language before sign-in, kept in the
/// `kummerer_lang` cookie (a preference, no state of the service); back to the sign-in page.
pub async fn choose(query: web::Query<LangQuery>) -> HttpResponse {
    let mut res = super::see_other("/desk/sign-in");
    if let Some(lang) = Lang::parse(&query.lang) {
        let cookie = Cookie::build(LANG_COOKIE, lang.as_str())
            .path("/")
            .same_site(SameSite::Lax)
            .max_age(time::Duration::days(365))
            .finish();
        if let Ok(v) = actix_web::http::header::HeaderValue::from_str(&cookie.to_string()) {
            res.headers_mut()
                .append(actix_web::http::header::SET_COOKIE, v);
        }
    }
    res
}

#[derive(Debug, Deserialize)]
pub struct MyLanguageForm {
    pub csrf: String,
    /// `de`, `en`, or empty: follow the store's (then the retailer's) language.
    #[serde(default)]
    pub language: String,
}

/// `POST /desk/me/language`: the signed-in staff member's own language (stored), from the
/// "who" menu of every page; back to the desk.
pub async fn set_mine(
    req: HttpRequest,
    db: web::Data<sea_orm::DatabaseConnection>,
    form: web::Form<MyLanguageForm>,
) -> Result<HttpResponse, Problem> {
    let me = match super::auth::guard_post(&req, db.get_ref(), &form.csrf).await? {
        Ok(me) => me,
        Err(res) => return Ok(res),
    };
    let language = Lang::parse(&form.language).map(Lang::as_str);
    crate::db::locale::set_staff_language(
        db.get_ref(),
        me.staff.retailer_id,
        me.staff.id,
        language,
    )
    .await?;
    let back = req
        .headers()
        .get(actix_web::http::header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.find("/desk").map(|at| r[at..].to_owned()))
        .filter(|p| !p.contains("//") && !p.starts_with("/desk/sign"))
        .unwrap_or_else(|| "/desk".to_owned());
    Ok(super::see_other(&back))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ledger::LedgerStatus;
    use crate::domain::timeline::TimelineKind;
    use crate::domain::{
        CaseStatus, ClaimStatus, DefectCategory, RefusalReason, RequestStatus, Role, SwapStatus,
    };
    use kummerer_web::i18n::{keys_in_templates, keys_in_text};
    use std::path::Path;

    /// Keys the pages build at run time (`format!`-ed), besides the codes below.
    const BUILT_KEYS: &[&str] = &[
        "form-moment-missing",
        "form-moment-invalid",
        "form-moment-skipped",
        "dispute-managers-only",
        "ledger-managers-only",
        "deadline-retailer-decision",
        "deadline-retailer-delivery",
        "deadline-retailer-information",
        "deadline-retailer-claim",
        "deadline-crew-visit",
        "deadline-manufacturer-return",
        "deadline-manufacturer-claim",
        "hold-retailer-decision",
        "hold-retailer-delivery",
        "hold-retailer-information",
        "hold-retailer-claim",
        "hold-manufacturer-return",
    ];

    fn rust_keys(dir: &Path, out: &mut std::collections::BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                rust_keys(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.extend(keys_in_text(
                    &std::fs::read_to_string(&path).unwrap_or_default(),
                ));
            }
        }
    }

    #[test]
    fn the_catalog_parses_has_the_same_keys_in_both_languages_and_every_key_used() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut used = keys_in_templates(&root.join("templates")).unwrap_or_default();
        assert!(used.len() > 100, "the templates use the catalog");
        rust_keys(&root.join("src/http/pages"), &mut used);
        used.extend(BUILT_KEYS.iter().map(|k| (*k).to_owned()));
        let problems = CATALOG.problems(used.iter().map(String::as_str));
        assert!(problems.is_empty(), "{problems:#?}");
    }

    /// Every known value of every code the desk shows has its words in both languages.
    #[test]
    fn every_code_has_words_in_both_languages() {
        let mut codes: Vec<(&str, String)> = Vec::new();
        codes.extend(Role::ALL.map(|c| ("role", c.as_string())));
        codes.extend(DefectCategory::ALL.map(|c| ("defect", c.as_string())));
        codes.extend(CaseStatus::ALL.map(|c| ("case-status", c.as_string())));
        codes.extend(SwapStatus::ALL.map(|c| ("swap-status", c.as_string())));
        codes.extend(ClaimStatus::ALL.map(|c| ("claim-status", c.as_string())));
        codes.extend(LedgerStatus::ALL.map(|c| ("ledger-status", c.as_str().to_owned())));
        codes.extend(RefusalReason::ALL.map(|c| ("refusal", c.as_string())));
        codes.extend(
            [
                RequestStatus::Open,
                RequestStatus::Approved,
                RequestStatus::Declined,
                RequestStatus::Withdrawn,
                RequestStatus::Expired,
            ]
            .map(|c| ("request-status", c.as_string())),
        );
        codes.extend(
            <TimelineKind as sea_orm::Iterable>::iter().map(|k| ("timeline", k.as_string())),
        );
        // Issue 12: the counter's answer, its cost lines, the ledger's filters and recourse.
        codes.extend(
            kummerer_contracts::CostLineKind::ALL.map(|k| ("cost-line", k.as_str().to_owned())),
        );
        codes.extend(LedgerStatus::ALL.map(|c| ("ledger-filter", c.as_str().to_owned())));
        codes.extend(
            [
                kummerer_contracts::swap_rules::AskWhy::AboveMaxPrice,
                kummerer_contracts::swap_rules::AskWhy::AboveCap,
                kummerer_contracts::swap_rules::AskWhy::UpgradeNotAllowed,
            ]
            .map(|w| ("counter-why", w.as_str().to_owned())),
        );
        codes.push((
            "counter-reason",
            kummerer_contracts::swap_rules::OUTSIDE_COVERAGE.to_owned(),
        ));
        for (prefix, values) in [
            (
                "counter-why",
                &["no_rule", "currency_mismatch", "swapped_before_sale"][..],
            ),
            (
                "ledger-recourse-state",
                &["running", "nearing", "passed"][..],
            ),
            (
                "partner-state",
                &[
                    "linked",
                    "invited_by_you",
                    "invites_you",
                    "declined",
                    "unlinked",
                    "not_linked",
                ][..],
            ),
            (
                "partner-action",
                &["invite", "accept", "decline", "unlink"][..],
            ),
            (
                "admin-saved",
                &[
                    "staff",
                    "limits",
                    "stores",
                    "locations",
                    "stock",
                    "products",
                    "keys",
                    "partners",
                    "agreements",
                    "locale",
                ][..],
            ),
            (
                "not-accepted",
                &[
                    "unknown_manufacturer",
                    "no_agreement",
                    "unknown_claim",
                    "not_linked",
                    "other",
                ][..],
            ),
            ("erasure-reason", &["request", "retention"][..]),
            ("channel-off", &["email", "sms"][..]),
            (
                "failure",
                &["not_home", "wrong_address", "refused", "unit_not_ready"][..],
            ),
            (
                "inspection",
                &[
                    "defect_confirmed",
                    "no_fault_found",
                    "customer_damage",
                    "not_the_claimed_unit",
                ][..],
            ),
            ("tl-freight", &["manufacturer", "retailer"][..]),
            (
                "tl-withdrawn",
                &["return_by_passed", "decided", "claim_withdrawn"][..],
            ),
            (
                "tl-holds",
                &["decision", "delivery", "information", "claim"][..],
            ),
            ("import-delimiter", &["commas", "semicolons", "tabs"][..]),
            (
                "erased",
                &[
                    "sales",
                    "cases",
                    "swaps",
                    "timeline",
                    "approval_requests",
                    "free_text",
                    "imports",
                    "outbox_deleted",
                    "outbox_scrubbed",
                ][..],
            ),
            ("party", &["retailer", "crew", "manufacturer", "nobody"][..]),
            ("channel", &["email", "sms"][..]),
            (
                "ledger-deadline",
                &["decision", "information", "return"][..],
            ),
            (
                "notice",
                &[
                    "swap_approved",
                    "visit_scheduled",
                    "on_the_way",
                    "delivered_and_collected",
                    "attempt_failed",
                    "refused",
                ][..],
            ),
        ] {
            codes.extend(values.iter().map(|v| (prefix, (*v).to_owned())));
        }
        codes.extend(
            crate::domain::terms_diff::changes(None, &serde_json::json!({}))
                .into_iter()
                .map(|c| ("term", c.key.to_owned())),
        );
        let mut missing = Vec::new();
        for (prefix, code) in &codes {
            let key = format!("{prefix}-{}", code.replace('_', "-"));
            for lang in Lang::ALL {
                if !CATALOG.has(lang, &key) {
                    missing.push(format!("{key} ({lang})"));
                }
            }
        }
        assert!(missing.is_empty(), "{missing:?}");
        let de = tr(Lang::De, DEFAULT_TZ);
        assert_eq!(
            de.code("claim-status", "partly_accepted"),
            "teilweise angenommen"
        );
        assert_eq!(de.code("defect", "does_not_start"), "Startet nicht");
    }

    #[test]
    fn the_staff_members_language_then_the_stores_then_the_retailers_then_the_browsers() {
        let req = actix_web::test::TestRequest::default()
            .insert_header(("Accept-Language", "en"))
            .to_http_request();
        let row = |staff: Option<&str>, store: Option<&str>, retailer: Option<&str>| LocaleRow {
            staff_language: staff.map(str::to_owned),
            store_language: store.map(str::to_owned),
            store_time_zone: store.map(|_| "Europe/Vienna".to_owned()),
            retailer_language: retailer.map(str::to_owned),
            retailer_time_zone: Some("Europe/London".to_owned()),
        };
        assert_eq!(
            of_staff(&row(Some("en"), Some("de"), None), &req).lang,
            Lang::En
        );
        assert_eq!(
            of_staff(&row(None, Some("de"), Some("en")), &req).lang,
            Lang::De
        );
        assert_eq!(of_staff(&row(None, None, Some("de")), &req).lang, Lang::De);
        assert_eq!(of_staff(&row(None, None, None), &req).lang, Lang::En);
        // The store's zone; without a store, the retailer's.
        assert_eq!(
            of_staff(&row(None, Some("de"), None), &req).tz,
            chrono_tz::Europe::Vienna
        );
        assert_eq!(
            of_staff(&row(None, None, None), &req).tz,
            chrono_tz::Europe::London
        );
    }

    #[test]
    fn a_window_typed_in_berlin_is_stored_in_utc_and_a_skipped_hour_is_refused() {
        let de = tr(Lang::De, DEFAULT_TZ);
        let (start, end) =
            local_window(&de, "2026-12-10T17:00", "2026-12-10T19:00").unwrap_or_default();
        assert_eq!(start.to_rfc3339(), "2026-12-10T16:00:00+00:00");
        assert_eq!(end.to_rfc3339(), "2026-12-10T18:00:00+00:00");
        assert_eq!(
            local_window(&de, "2027-03-28T02:30", "2027-03-28T04:00"),
            Err(("window_start", "form-moment-skipped"))
        );
        assert_eq!(
            local_window(&de, "2027-03-28T01:30", "tomorrow"),
            Err(("window_end", "form-moment-invalid"))
        );
        assert_eq!(local_moment(&de, " "), Err("form-moment-missing"));
    }
}
