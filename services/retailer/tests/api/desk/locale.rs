//! The desk in the reader's language and local time (issue 14): a German store's desk reads
//! German with times in Berlin time, whatever the browser asks; a staff member's own choice of
//! English wins over the store's; the swap form's window is typed in local time and stored in
//! UTC; a local time the clocks skip is refused with a message; the sign-in page follows the
//! browser and its language switch.

use chrono::{NaiveDate, TimeZone};
use chrono_tz::Europe::Berlin;

use super::setup::{Session, add_store, session_of, swap_form};
use super::*;

/// A clerk of a German store (the store's language is German by default), signed in with a
/// browser that asks for English: the session and the case page's path.
async fn german_store_clerk(svc: &TestService, serial: &str) -> (Desk, Session, String) {
    let desk = desk_shop(svc, "Locale Shop", serial, "Erika Mustermann").await;
    let admin = session_of(svc, desk.retailer_id, "admin@locale.example", "admin").await;
    let store = add_store(svc, &admin, "Filiale Mitte").await;
    svc.db
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE staff SET store_id = $2 WHERE email = $1",
            [desk.email.clone().into(), store.into()],
        ))
        .await
        .unwrap();
    let client = browser();
    let csrf = signed_in_at(
        svc,
        &client,
        "/desk/sign-in",
        "/desk",
        &desk.email,
        PASSWORD,
    )
    .await;
    let case = open_desk_case(svc, &client, &csrf, desk.sale_id).await;
    (desk, Session { client, csrf }, case)
}

/// A day a week ahead, and the UTC moment of `hh:mm` on it in Berlin.
fn next_week() -> NaiveDate {
    (Utc::now() + Span::days(7)).date_naive()
}

fn berlin(day: NaiveDate, h: u32, m: u32) -> DateTime<Utc> {
    Berlin
        .from_local_datetime(&day.and_hms_opt(h, m, 0).unwrap())
        .single()
        .unwrap()
        .with_timezone(&Utc)
}

async fn stored_window(db: &DatabaseConnection) -> String {
    one_string(
        db,
        "SELECT to_char(window_start AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') || '/' || \
         to_char(window_end AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') FROM swaps",
        vec![],
    )
    .await
}

#[tokio::test]
async fn a_german_store_reads_german_in_berlin_time_and_takes_the_window_in_local_time() {
    let svc = start().await;
    let (_desk, clerk, case) = german_store_clerk(&svc, "SN-LOC-1").await;

    let (status, home) = clerk.get(&svc, "/desk").await;
    assert_eq!(status, 200);
    assert!(home.contains("<html lang=\"de\">"), "{home}");
    assert!(home.contains("Verkauftes Gerät finden"), "{home}");
    assert!(!home.contains("Find the sold unit"));

    let (status, page) = clerk.get(&svc, &case).await;
    assert_eq!(status, 200);
    assert!(page.contains("Tausch freigeben"), "{page}");
    assert!(
        page.contains("Geräusche"),
        "the defect category in words: {page}"
    );
    assert!(
        page.contains("Europe/Berlin"),
        "the window is labelled with the zone"
    );
    assert!(!page.contains("(UTC)"), "no UTC label on the form");
    // The case was opened a moment ago: its time is shown in Berlin time.
    let opened: DateTime<Utc> = one_string(
        &svc.db,
        "SELECT to_char(opened_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM cases",
        vec![],
    )
    .await
    .parse()
    .unwrap();
    let local = opened
        .with_timezone(&Berlin)
        .format("%d.%m.%Y, %H:%M")
        .to_string();
    assert!(
        page.contains(&local),
        "opened at {local} (Berlin) on the page: {page}"
    );

    // 17:00–19:00 typed in Berlin is stored as UTC (16:00–18:00 in winter).
    let day = next_week();
    let form = swap_form(&[
        ("window_start", &format!("{day}T17:00")),
        ("window_end", &format!("{day}T19:00")),
    ]);
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, location) = clerk.post(&svc, &format!("{case}/swap"), &form).await;
    assert_eq!(
        (status, location.as_str()),
        (303, case.as_str()),
        "{location}"
    );
    let (start, end) = (berlin(day, 17, 0), berlin(day, 19, 0));
    assert_eq!(
        stored_window(&svc.db).await,
        format!(
            "{}/{}",
            start.format("%Y-%m-%d %H:%M"),
            end.format("%Y-%m-%d %H:%M")
        )
    );
    if day.format("%m").to_string() == "12" {
        assert!(stored_window(&svc.db).await.contains(" 16:00/"));
    }
    // And shown back in local time.
    let (_, page) = clerk.get(&svc, &case).await;
    assert!(page.contains("17:00–19:00"), "{page}");
}

#[tokio::test]
async fn a_local_time_the_clocks_skip_is_refused_with_a_message() {
    let svc = start().await;
    let (_desk, clerk, case) = german_store_clerk(&svc, "SN-LOC-2").await;
    // 02:30 on the last Sunday of March does not exist in Berlin.
    let form = swap_form(&[
        ("window_start", "2027-03-28T02:30"),
        ("window_end", "2027-03-28T05:00"),
    ]);
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, page) = clerk.post(&svc, &format!("{case}/swap"), &form).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("Diese Uhrzeit gibt es in Europe/Berlin nicht"),
        "{page}"
    );
    assert!(page.contains("Bitte korrigieren Sie die markierten Felder."));
    assert_eq!(count(&svc.db, "SELECT 1 FROM swaps", vec![]).await, 0);
}

#[tokio::test]
async fn a_staff_members_own_english_wins_over_the_stores_german() {
    let svc = start().await;
    let (desk, clerk, case) = german_store_clerk(&svc, "SN-LOC-3").await;
    let (status, _) = clerk
        .post(&svc, "/desk/me/language", &[("language", "en")])
        .await;
    assert_eq!(status, 303);
    assert_eq!(
        one_string(
            &svc.db,
            "SELECT coalesce(language, '') FROM staff WHERE email = $1",
            vec![desk.email.clone().into()],
        )
        .await,
        "en"
    );
    let (_, page) = clerk.get(&svc, &case).await;
    assert!(page.contains("<html lang=\"en\">"), "{page}");
    assert!(
        page.contains("Approve a swap") && page.contains("Noise"),
        "{page}"
    );
    // Still Berlin time: the window's hint names the store's zone.
    assert!(page.contains("Europe/Berlin"));
    // Back to the store's language.
    clerk
        .post(&svc, "/desk/me/language", &[("language", "")])
        .await;
    let (_, page) = clerk.get(&svc, &case).await;
    assert!(page.contains("<html lang=\"de\">"));
}

#[tokio::test]
async fn the_sign_in_page_follows_the_browser_and_its_switch() {
    let svc = start().await;
    let german = kummerer_testkit::forms::browser_in("de-DE,de;q=0.9");
    let (status, html) = page(&svc, &german, "/desk/sign-in").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("<html lang=\"de\">") && html.contains("Anmelden"),
        "{html}"
    );
    let (status, location) = page(&svc, &german, "/desk/language?lang=en").await;
    assert_eq!((status, location.as_str()), (303, "/desk/sign-in"));
    let (_, html) = page(&svc, &german, "/desk/sign-in").await;
    assert!(
        html.contains("<html lang=\"en\">") && html.contains("Password"),
        "{html}"
    );
}

#[tokio::test]
async fn admins_set_the_retailers_and_each_stores_language_and_time_zone() {
    let svc = start().await;
    let desk = desk_shop(&svc, "Locale Admin", "SN-LOC-4", "Erika Mustermann").await;
    let admin = session_of(&svc, desk.retailer_id, "admin@locale4.example", "admin").await;
    let store = add_store(&svc, &admin, "Filiale Wien").await;
    let path = format!("/desk/admin/stores/{store}/locale");
    // Not a time zone: refused, nothing changed.
    let (status, html) = admin
        .post(
            &svc,
            &path,
            &[("language", "en"), ("time_zone", "Mars/Olympus")],
        )
        .await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("is no time zone"), "{html}");
    let row = |sql: &'static str| one_string(&svc.db, sql, vec![]);
    assert_eq!(
        row("SELECT language || ' ' || time_zone FROM stores").await,
        "de Europe/Berlin"
    );
    let (status, _) = admin
        .post(
            &svc,
            &path,
            &[("language", "en"), ("time_zone", "Europe/Vienna")],
        )
        .await;
    assert_eq!(status, 303);
    assert_eq!(
        row("SELECT language || ' ' || time_zone FROM stores").await,
        "en Europe/Vienna"
    );
    let (status, _) = admin
        .post(
            &svc,
            "/desk/admin/locale",
            &[("language", "de"), ("time_zone", "Europe/Zurich")],
        )
        .await;
    assert_eq!(status, 303);
    assert_eq!(
        row("SELECT default_language || ' ' || time_zone FROM retailers").await,
        "de Europe/Zurich"
    );
}
