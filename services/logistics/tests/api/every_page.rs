//! Every page of the crew and the dispatcher in a real Chromium, in English and in German, at a
//! desktop (1280×800) and a phone (390×844) viewport: axe-core finds no serious or critical
//! violation on any of them, and on the phone no page is wider than the screen. All problems
//! are gathered and listed at once, page by page.
//!
//! With `KUMMERER_SCREENSHOT_DIR` set it also writes the screenshots of `docs/screenshots`
//! (`crew-<page>-<lang>.png` at the phone, `dispatch-<page>-<lang>.png` at the desktop):
//! `KUMMERER_SCREENSHOT_DIR=$PWD/docs/screenshots cargo nextest run -p logistics --test api every_page`.

use fantoccini::Locator;
use kummerer_testkit::browser::{
    DESKTOP, PHONE, PageChecks, TempDir, session_for, set_language_cookie,
};

use crate::crew::{PASSWORD, todays_jobs};
use crate::dispatcher::new_dispatcher;
use crate::support::*;

const DISPATCHER: &str = "dana@example.com";

/// One part of the pages: its sign-in page, who signs in, and the pages behind it by name.
struct Part {
    name: &'static str,
    sign_in: &'static str,
    email: String,
    pages: Vec<(&'static str, String)>,
    /// The size its screenshots are taken at.
    shot_at: &'static str,
}

async fn visit_part(
    c: &fantoccini::Client,
    svc: &TestService,
    part: &Part,
    found: &mut PageChecks,
    (size, lang): (&str, &str),
) -> Result<(), fantoccini::error::CmdError> {
    let shoot = size == part.shot_at;
    let mut check = async |name: &str| {
        let label = format!("{} {name} ({size}, {lang})", part.name);
        let shot = shoot.then(|| format!("{}-{name}-{lang}.png", part.name));
        found.check(c, &label, shot).await
    };
    c.goto(&svc.url(part.sign_in)).await?;
    set_language_cookie(c, lang).await?;
    c.refresh().await?;
    c.wait()
        .for_element(Locator::Css("input[name=email]"))
        .await?
        .send_keys(&part.email)
        .await?;
    check("sign-in").await?;
    c.find(Locator::Css("input[name=password]"))
        .await?
        .send_keys(PASSWORD)
        .await?;
    c.find(Locator::Css("#sign-in button"))
        .await?
        .click()
        .await?;
    c.wait()
        .for_element(Locator::Css("#visits, #unassigned"))
        .await?;
    for (name, path) in &part.pages {
        c.goto(&svc.url(path)).await?;
        c.wait().for_element(Locator::Css("main")).await?;
        check(name).await?;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_crew_and_dispatcher_page_passes_axe_and_fits_a_phone_in_both_languages() {
    let (svc, _photo_dir) = photos::start_with_photos().await;
    let day = todays_jobs(&svc, "a11y").await;
    let [first, second] = &day.van_jobs;
    let ids = |sql: &'static str| {
        let db = svc.db.clone();
        async move {
            db.query_one_raw(Statement::from_string(DbBackend::Postgres, sql))
                .await
                .unwrap()
                .unwrap()
                .try_get_by_index::<Uuid>(0)
                .unwrap()
        }
    };
    let carrier = ids("SELECT carrier_id FROM crews WHERE name = 'Van'").await;
    let van = ids("SELECT id FROM crews WHERE name = 'Van'").await;
    new_dispatcher(&svc, carrier, DISPATCHER).await;
    let parts = [
        Part {
            name: "crew",
            sign_in: "/crew/sign-in",
            email: day.email.clone(),
            pages: vec![
                ("today", "/crew".to_owned()),
                ("visit", format!("/crew/visits/{first}")),
                ("visit-2", format!("/crew/visits/{second}")),
                ("message", format!("/crew/visits/{}", Uuid::now_v7())),
            ],
            shot_at: "phone",
        },
        Part {
            name: "dispatch",
            sign_in: "/dispatch/sign-in",
            email: DISPATCHER.to_owned(),
            pages: vec![
                ("board", "/dispatch".to_owned()),
                ("job", format!("/dispatch/jobs/{first}")),
                ("crew", format!("/dispatch/crews/{van}")),
                ("returns", "/dispatch/returns".to_owned()),
                ("message", format!("/dispatch/jobs/{}", Uuid::now_v7())),
            ],
            shot_at: "desktop",
        },
    ];
    let mut driver = kummerer_testkit::browser::chromedriver().await;
    let mut found = PageChecks::default();
    for lang in ["en", "de"] {
        for (size, viewport) in [("desktop", DESKTOP), ("phone", PHONE)] {
            for part in &parts {
                let profile = TempDir::new("a11y");
                let c = session_for(&driver, &profile.0, viewport, lang).await;
                let outcome = visit_part(&c, &svc, part, &mut found, (size, lang)).await;
                let source = c.source().await.unwrap_or_default();
                let url = c.current_url().await.map(|u| u.to_string());
                let _ = c.close().await;
                if let Err(e) = outcome {
                    let _ = driver.child.kill().await;
                    panic!("browser run failed ({size}, {lang}) at {url:?}: {e}\n{source}");
                }
            }
        }
    }
    let _ = driver.child.kill().await;
    svc.stop().await;
    found.finish();
}
