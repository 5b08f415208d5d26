//! The crew's and dispatcher's pages in the reader's language and local time (issue 14): the
//! member's own choice, else the carrier's default, else the browser's; the region's time zone;
//! the visit one step at a time; the pickup place always shown.

use chrono::{Datelike, NaiveDate};

use super::*;
use crate::support::browser_in;

/// A day in December ahead (a December window: Berlin is UTC+1 then).
fn a_december_day() -> NaiveDate {
    let tomorrow = day(1);
    if tomorrow.month() == 12 && tomorrow.day() < 28 {
        tomorrow
    } else {
        let year = if tomorrow.month() == 12 {
            tomorrow.year() + 1
        } else {
            tomorrow.year()
        };
        NaiveDate::from_ymd_opt(year, 12, 15).unwrap()
    }
}

async fn lang_of(db: &DatabaseConnection, email: &str) -> Option<String> {
    db.query_one_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT lang FROM crew_members WHERE email = $1",
        [email.into()],
    ))
    .await
    .unwrap()
    .unwrap()
    .try_get::<Option<String>>("", "lang")
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crew_member_reads_the_visit_in_their_language_and_the_regions_local_time() {
    let svc = start().await;
    let a = new_carrier(&svc, "A").await;
    let van = new_crew(&svc, a, "Van", &["10"], 5).await;
    let retailer = Uuid::now_v7();
    let dec = a_december_day();
    // 16:00–18:00 UTC in December, no stock location given.
    let job = job_for(&svc, &swap_on(retailer, "SN-DE", "10115", at(dec, 16))).await;
    assert_eq!(job["crew_id"], van.to_string(), "{job}");
    let visit = format!("/crew/visits/{}", id_of(&job));
    for email in ["de@example.com", "en@example.com", "default@example.com"] {
        new_member(&svc, a, van, email).await;
    }

    // A German browser: German words, Berlin's time (17:00–19:00), the pickup place.
    let de = browser_in("de-DE,de;q=0.9,en;q=0.5");
    let csrf = signed_in(&svc, &de, "de@example.com").await;
    let (status, html) = page(&svc, &de, &visit).await;
    assert_eq!(status, 200);
    for text in [
        r#"<html lang="de">"#,
        "17:00–19:00",
        "Schritt 1 von 3",
        "Unterwegs",
        "Abholen",
        "im Geschäft des Händlers: test support",
        "Abmelden",
        "Seriennummer",
    ] {
        assert!(html.contains(text), "{text} in {html}");
    }
    for text in ["UTC", "16:00–18:00", "Sign out", "Step 1"] {
        assert!(!html.contains(text), "no {text} in {html}");
    }
    let (_, day_list) = page(&svc, &de, &format!("/crew?date={dec}")).await;
    assert!(day_list.contains("17:00–19:00"), "{day_list}");

    // Their own choice beats the browser's: English, stored with the account.
    let (status, location) = post_form(
        &svc,
        &de,
        "/crew/language",
        &[("csrf", &csrf), ("lang", "en")],
    )
    .await;
    assert_eq!(status, 303, "{location}");
    assert_eq!(
        lang_of(&svc.db, "de@example.com").await.as_deref(),
        Some("en")
    );
    let (_, html) = page(&svc, &de, &visit).await;
    for text in [
        r#"<html lang="en">"#,
        "Step 1 of 3",
        "17:00–19:00",
        "Sign out",
    ] {
        assert!(html.contains(text), "{text} in {html}");
    }
    // A language the pages do not speak changes nothing.
    let (status, _) = post_form(
        &svc,
        &de,
        "/crew/language",
        &[("csrf", &csrf), ("lang", "fr")],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(
        lang_of(&svc.db, "de@example.com").await.as_deref(),
        Some("en")
    );

    // An English browser: English.
    let en = browser();
    signed_in(&svc, &en, "en@example.com").await;
    let (_, html) = page(&svc, &en, &visit).await;
    for text in [
        r#"<html lang="en">"#,
        "Step 1 of 3",
        "Pick up",
        "test support",
    ] {
        assert!(html.contains(text), "{text} in {html}");
    }

    // The carrier's default language beats the browser's when the member chose none.
    svc.db
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE carriers SET default_lang = 'de' WHERE id = $1",
            [a.into()],
        ))
        .await
        .unwrap();
    let other = browser();
    signed_in(&svc, &other, "default@example.com").await;
    let (_, html) = page(&svc, &other, &visit).await;
    assert!(html.contains("Schritt 1 von 3"), "{html}");

    // The region's time zone, set where the operator grants the regions: London (UTC+0 in
    // December) shows the window as stored; an unknown zone is refused.
    let res = svc
        .client
        .put(svc.url(&format!("/api/carriers/{a}/regions")))
        .json(&json!({ "postcode_prefixes": ["10"], "time_zone": "Europe/London" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Json = res.json().await.unwrap();
    assert_eq!(body["time_zone"], "Europe/London");
    let (_, html) = page(&svc, &en, &visit).await;
    assert!(html.contains("16:00–18:00"), "{html}");
    let res = svc
        .client
        .put(svc.url(&format!("/api/carriers/{a}/regions")))
        .json(&json!({ "postcode_prefixes": ["10"], "time_zone": "Mars/Olympus" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let (_, regions) = get_json(&svc, &format!("/api/carriers/{a}/regions")).await;
    assert_eq!(regions["time_zone"], "Europe/London", "nothing changed");
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_visit_page_shows_one_step_at_a_time_and_advances() {
    let svc = start().await;
    let day = todays_jobs(&svc, "steps").await;
    let [first, second] = &day.van_jobs;
    let client = browser();
    let csrf = signed_in(&svc, &client, &day.email).await;
    let visit = format!("/crew/visits/{first}");
    let forms = [
        "on-the-way-form",
        "delivered-form",
        "collected-form",
        "complete-form",
    ];
    let only = |html: &str, form: &str| {
        for f in forms {
            let shown = html.contains(&format!(r#"id="{f}""#));
            assert_eq!(
                shown,
                f == form,
                "{f} shown: {shown}, expected only {form}: {html}"
            );
        }
        // The failed attempt stays at hand as the secondary action.
        assert!(html.contains(r#"id="fail-form""#), "{html}");
    };

    // Step 1: on the way. The pickup place (the stock location) is shown.
    let (_, html) = page(&svc, &client, &visit).await;
    only(&html, "on-the-way-form");
    assert!(html.contains("Step 1 of 3"), "{html}");
    assert!(html.contains("Lager Mitte, Lagerweg 5"), "{html}");
    let (status, _) = post_form(
        &svc,
        &client,
        &format!("{visit}/on-the-way"),
        &[("csrf", &csrf), ("eta_minutes", "30")],
    )
    .await;
    assert_eq!(status, 303);

    // Step 2: delivered, the camera for the photo, a scan button for the serial (hidden until
    // the script finds the BarcodeDetector API; the typed field always there).
    let (res_headers, html) = {
        let res = client.get(svc.url(&visit)).send().await.unwrap();
        let csp = res
            .headers()
            .get("content-security-policy")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        (csp, res.text().await.unwrap())
    };
    only(&html, "delivered-form");
    assert!(html.contains("Step 2 of 3"), "{html}");
    assert!(
        html.contains(r#"name="delivered_photo" accept="image/*" capture="environment""#),
        "{html}"
    );
    assert!(
        html.contains(r#"data-scan-for="delivered_serial""#),
        "{html}"
    );
    assert!(html.contains(r#"<script src="/crew/crew.js" defer></script>"#));
    assert!(!html.contains("<script>"), "no inline script");
    assert!(res_headers.contains("script-src 'self'"), "{res_headers}");
    assert!(!res_headers.contains("unsafe-inline"), "{res_headers}");
    let (status, js) = page(&svc, &client, "/crew/crew.js").await;
    assert_eq!(status, 200);
    assert!(js.contains("BarcodeDetector"), "{js}");
    let (status, _) = post_form(
        &svc,
        &client,
        &format!("{visit}/delivered"),
        &[
            ("csrf", &csrf),
            ("delivered_serial", "NEW-1"),
            ("recipient_name", "Erika Mustermann"),
        ],
    )
    .await;
    assert_eq!(status, 303);

    // Step 3: collected (the serial the case names shown, a scan button).
    let (_, html) = page(&svc, &client, &visit).await;
    only(&html, "collected-form");
    assert!(html.contains("Step 3 of 3"), "{html}");
    assert!(
        html.contains(r#"data-scan-for="collected_serial""#),
        "{html}"
    );
    assert!(
        html.contains(r#"name="collected_photo" accept="image/*" capture="environment""#),
        "{html}"
    );
    let (status, _) = post_form(
        &svc,
        &client,
        &format!("{visit}/collected"),
        &[("csrf", &csrf), ("collected_serial", "SN-1")],
    )
    .await;
    assert_eq!(status, 303);

    // Done: the outcome, no step form, no failed-attempt form.
    let (_, html) = page(&svc, &client, &visit).await;
    assert!(html.contains(r#"id="outcome""#), "{html}");
    for f in forms.iter().chain(&["fail-form"]) {
        assert!(!html.contains(&format!(r#"id="{f}""#)), "{f}: {html}");
    }
    assert_eq!(outbox(&svc.db, COMPLETED).await.len(), 1);

    // A visit without a stock location still says where to pick the replacement up: at the
    // retailer's (its name from the carrier's contract with it).
    let (_, html) = page(&svc, &client, &format!("/crew/visits/{second}")).await;
    assert!(html.contains(r#"id="pickup""#), "{html}");
    assert!(html.contains("store: test support"), "{html}");
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_german_dispatcher_reads_the_board_in_german_and_local_time() {
    let svc = start().await;
    let day = todays_jobs(&svc, "board").await;
    let carrier: Uuid = {
        let (_, job) = get_json(&svc, &format!("/api/jobs/{}", day.van_jobs[0])).await;
        job["carrier_id"].as_str().unwrap().parse().unwrap()
    };
    crate::dispatcher::new_dispatcher(&svc, carrier, "dana@example.com").await;
    let de = browser_in("de");
    signed_in_at(
        &svc,
        &de,
        "/dispatch/sign-in",
        "/dispatch",
        "dana@example.com",
        PASSWORD,
    )
    .await;
    let (status, html) = page(&svc, &de, "/dispatch").await;
    assert_eq!(status, 200);
    let d = crate::support::day(0);
    // The first visit's window, 09:00–11:00 UTC, in Berlin's time.
    let window = format!("{}–{}", en().time(at(d, 9)), en().time(at(d, 11)));
    for text in [
        r#"<html lang="de">"#,
        "Tagesübersicht",
        "Nicht zugeteilt in deinen Regionen",
        "Zeiten in Europe/Berlin",
        window.as_str(),
    ] {
        assert!(html.contains(text), "{text} in {html}");
    }
    let (_, html) = page(&svc, &de, &format!("/dispatch/jobs/{}", day.van_jobs[0])).await;
    for text in [
        "Zeitfenster",
        "Umteilen",
        "Neu planen",
        "Verlauf",
        "Geplant",
    ] {
        assert!(html.contains(text), "{text} in {html}");
    }
    // The sign-in page in the browser's language, and a link's choice kept in the cookie.
    let anonymous = browser_in("de");
    let (_, html) = page(&svc, &anonymous, "/crew/sign-in").await;
    assert!(
        html.contains("Anmelden") && html.contains("Passwort"),
        "{html}"
    );
    let (_, html) = page(&svc, &anonymous, "/crew/sign-in?lang=en").await;
    assert!(html.contains("Password"), "{html}");
    let (_, html) = page(&svc, &anonymous, "/dispatch/sign-in").await;
    assert!(html.contains("Dispatcher sign-in"), "the cookie: {html}");
    svc.stop().await;
}
