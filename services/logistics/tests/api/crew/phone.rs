//! One run through the crew's page in a real headless Chromium at a phone viewport.

use std::path::Path;

use fantoccini::Locator;

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crew_makes_a_visit_in_steps_and_records_a_failed_attempt_on_a_phone_in_a_real_browser() {
    assert!(
        Path::new(CHROMEDRIVER).exists(),
        "{CHROMEDRIVER} is absent: `bash .ci/run` installs Debian's chromium and chromium-driver"
    );
    let (svc, photo_dir) = photos::start_with_photos().await;
    let day = todays_jobs(&svc, "phone").await;
    let [first, second] = &day.van_jobs;

    let profile = TempDir::new("crew");
    let unit_png = profile.0.join("unit.png");
    std::fs::write(&unit_png, photos::PNG).unwrap();
    let mut driver = kummerer_testkit::browser::chromedriver().await;
    let c = driver
        .session(
            &profile.0,
            (390, 844),
            json!({
                "mobileEmulation": {
                    "deviceMetrics": { "width": 390, "height": 844, "pixelRatio": 2.0,
                                       "mobile": true, "touch": true }
                },
                // The English pages (the crew member chose no language).
                "prefs": { "intl.accept_languages": "en-GB,en" },
            }),
        )
        .await;

    let run = async {
        c.goto(&svc.url("/crew")).await?;
        c.wait()
            .for_element(Locator::Css("input[name=email]"))
            .await?
            .send_keys(&day.email)
            .await?;
        c.find(Locator::Css("input[name=password]"))
            .await?
            .send_keys(PASSWORD)
            .await?;
        c.find(Locator::Css("#sign-in button"))
            .await?
            .click()
            .await?;
        // Today's visits: both of the crew's, in order.
        c.wait().for_element(Locator::Css("#visits")).await?;
        let width = c.execute("return window.innerWidth", vec![]).await?;
        let overflow = c
            .execute(
                "return document.documentElement.scrollWidth > window.innerWidth",
                vec![],
            )
            .await?;
        let list_png = c.screenshot().await?;
        let visits = c.find_all(Locator::Css("#visits > li")).await?.len();
        c.find(Locator::Css(&format!("a[href='/crew/visits/{first}']")))
            .await?
            .click()
            .await?;
        // On the way, arriving in about 30 minutes.
        c.wait()
            .for_element(Locator::Css("#on-the-way-form select[name=eta_minutes]"))
            .await?
            .select_by_value("30")
            .await?;
        c.find(Locator::Css("#on-the-way-form button"))
            .await?
            .click()
            .await?;
        let on_the_way = c
            .wait()
            .for_element(Locator::Id("notice"))
            .await?
            .text()
            .await?;
        let on_the_way_status = c.find(Locator::Id("visit-status")).await?.text().await?;
        let on_the_way_png = c.screenshot().await?;
        // Delivered: the replacement's serial and who took it.
        c.find(Locator::Css("#delivered-form input[name=delivered_serial]"))
            .await?
            .send_keys("NEW-777")
            .await?;
        c.find(Locator::Css("#delivered-form input[name=recipient_name]"))
            .await?
            .send_keys("Erika Mustermann")
            .await?;
        c.find(Locator::Css("#delivered-form button"))
            .await?
            .click()
            .await?;
        // The next page (the old one has the collected form too): its notice names the step.
        let delivered = c
            .wait()
            .for_element(Locator::XPath(
                "//p[@id='notice' and contains(., 'delivered')]",
            ))
            .await?
            .text()
            .await?;
        // Collected: the defective unit's serial and a photo chosen in the file input.
        c.find(Locator::Css("#collected-form input[name=collected_serial]"))
            .await?
            .send_keys("SN-1")
            .await?;
        c.find(Locator::Css("#collected-form input[name=collected_photo]"))
            .await?
            .send_keys(&unit_png.display().to_string())
            .await?;
        c.find(Locator::Css("#collected-form button"))
            .await?
            .click()
            .await?;
        c.wait().for_element(Locator::Id("outcome")).await?;
        let collected = c
            .wait()
            .for_element(Locator::XPath(
                "//p[@id='notice' and contains(., 'collected')]",
            ))
            .await?
            .text()
            .await?;
        let status = c.find(Locator::Id("visit-status")).await?.text().await?;
        // The photo is shown, loaded through the crew's session.
        c.wait().for_element(Locator::Css("#photos img")).await?;
        // Waits for the image's load (or error) event rather than looking once.
        let loaded = c
            .execute_async(
                "const done = arguments[arguments.length - 1]; \
                 const i = document.querySelector('#photos img'); \
                 if (i.complete) { done(i.naturalWidth === 1); } else { \
                   i.addEventListener('load', () => done(i.naturalWidth === 1)); \
                   i.addEventListener('error', () => done(false)); }",
                vec![],
            )
            .await?;
        let done_overflow = c
            .execute(
                "return document.documentElement.scrollWidth > window.innerWidth",
                vec![],
            )
            .await?;
        let done_png = c.screenshot().await?;
        // The other visit: nobody home.
        c.goto(&svc.url(&format!("/crew/visits/{second}"))).await?;
        // The failed attempt is the secondary action, folded away under the current step.
        c.wait()
            .for_element(Locator::Css("#failed summary"))
            .await?
            .click()
            .await?;
        c.wait()
            .for_element(Locator::Css("#fail-form select[name=reason]"))
            .await?
            .select_by_value("not_home")
            .await?;
        c.find(Locator::Css("#fail-form textarea[name=note]"))
            .await?
            .send_keys("rang twice")
            .await?;
        c.find(Locator::Css("#fail-form button"))
            .await?
            .click()
            .await?;
        let failed = c
            .wait()
            .for_element(Locator::Id("notice"))
            .await?
            .text()
            .await?;
        let failed_status = c.find(Locator::Id("visit-status")).await?.text().await?;
        // Revisited tomorrow: off today's list, on tomorrow's.
        c.goto(&svc.url("/crew")).await?;
        let today_left = c
            .wait()
            .for_element(Locator::Css("#visits"))
            .await?
            .find_all(Locator::Css("li"))
            .await?
            .len();
        c.find(Locator::Id("next-day")).await?.click().await?;
        let tomorrow_heading = c
            .wait()
            .for_element(Locator::Id("day"))
            .await?
            .text()
            .await?;
        let tomorrow_links = c
            .execute(
                "return Array.from(document.querySelectorAll('#visits li a.button')) \
                 .map(a => a.getAttribute('href'))",
                vec![],
            )
            .await?;
        // The language switch in the header: German, stored with the account, in local time.
        c.goto(&svc.url(&format!("/crew/visits/{second}"))).await?;
        c.wait()
            .for_element(Locator::Css("#language select[name=lang]"))
            .await?
            .select_by_value("de")
            .await?;
        c.find(Locator::Css("#language button"))
            .await?
            .click()
            .await?;
        let german = c
            .wait()
            .for_element(Locator::XPath(
                "//p[@id='step-of' and contains(., 'Schritt')]",
            ))
            .await?
            .text()
            .await?;
        let lang = c
            .execute("return document.documentElement.lang", vec![])
            .await?;
        let german_png = c.screenshot().await?;
        Ok::<_, fantoccini::error::CmdError>((
            (width, overflow, visits, list_png, german, lang, german_png),
            (on_the_way, on_the_way_status, on_the_way_png, delivered),
            (collected, status, loaded, done_overflow, done_png),
            (
                failed,
                failed_status,
                today_left,
                tomorrow_heading,
                tomorrow_links,
            ),
        ))
    };
    let outcome = run.await;
    let source = c.source().await.unwrap_or_default();
    let _ = c.close().await;
    let _ = driver.child.kill().await;
    let (
        (width, overflow, visits, list_png, german, lang, german_png),
        (on_the_way, on_the_way_status, on_the_way_png, delivered),
        (collected, status, loaded, done_overflow, done_png),
        (failed, failed_status, today_left, tomorrow_heading, tomorrow_links),
    ) = outcome.unwrap_or_else(|e| panic!("browser run failed: {e}\n{source}"));
    assert_eq!(width.as_u64(), Some(390), "a phone viewport");
    assert_eq!(
        german, "Schritt 1 von 3",
        "the revisit's first step, in German"
    );
    assert_eq!(lang.as_str(), Some("de"));
    assert!(german_png.starts_with(b"\x89PNG"));
    for overflow in [overflow, done_overflow] {
        assert_eq!(
            overflow.as_bool(),
            Some(false),
            "no sideways scrolling on a phone"
        );
    }
    assert_eq!(visits, 2);
    assert_eq!(on_the_way, "Saved: on the way. The customer sees it.");
    assert_eq!(on_the_way_status, "on the way");
    assert_eq!(
        delivered,
        "Saved: delivered. Now collect the defective unit."
    );
    assert_eq!(
        collected,
        "Saved: collected. Both steps are done: the visit is completed."
    );
    assert_eq!(status, "completed");
    assert_eq!(loaded.as_bool(), Some(true), "the photo shows on the visit");
    let tomorrow = (Utc::now() + Span::days(1)).date_naive();
    assert_eq!(
        failed,
        format!(
            "Saved: failed attempt. The visit is rescheduled to {}.",
            en().window(at(tomorrow, 14), at(tomorrow, 16))
        )
    );
    assert_eq!(failed_status, "to do");
    assert_eq!(today_left, 1, "only the completed visit stays today");
    assert_eq!(
        tomorrow_heading,
        format!("Tomorrow, {}", en().naive_date(tomorrow))
    );
    assert_eq!(tomorrow_links, json!([format!("/crew/visits/{second}")]));
    for png in [&list_png, &on_the_way_png, &done_png] {
        assert!(png.starts_with(b"\x89PNG"));
    }
    if let Ok(dir) = std::env::var("KUMMERER_SCREENSHOT_DIR") {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(Path::new(&dir).join("crew-visits.png"), &list_png).unwrap();
        std::fs::write(Path::new(&dir).join("crew-on-the-way.png"), &on_the_way_png).unwrap();
        std::fs::write(Path::new(&dir).join("crew-visit-done.png"), &done_png).unwrap();
        std::fs::write(Path::new(&dir).join("crew-visit-de.png"), &german_png).unwrap();
    }
    // What the browser did is in the database and the outbox: each step once, the photo as
    // evidence on the collection, the visit completed, the other visit failed.
    let (_, job) = get_json(&svc, &format!("/api/jobs/{first}")).await;
    assert_eq!(job["status"], "completed");
    assert_eq!(job["delivered_serial"], "NEW-777");
    assert_eq!(job["recipient_name"], "Erika Mustermann");
    assert_eq!(job["collected_serial_matches"], true);
    assert!(job["eta"].is_string(), "{job}");
    assert_eq!(
        kinds(&job)[2..],
        ["on_the_way", "delivered", "collected", "completed"]
    );
    for key in [ON_THE_WAY, DELIVERED, COLLECTED, COMPLETED] {
        let sent = outbox(&svc.db, key).await;
        assert_eq!(sent.len(), 1, "{key}");
        assert_eq!(sent[0]["data"]["job_id"], first.as_str(), "{key}");
    }
    let collected = &outbox(&svc.db, COLLECTED).await[0]["data"];
    assert_eq!(collected["photo"]["content_type"], "image/png");
    assert_eq!(collected["photo"]["size_bytes"], photos::PNG.len());
    let (_, job) = get_json(&svc, &format!("/api/jobs/{second}")).await;
    assert_eq!(
        (job["status"].as_str(), job["attempts"].as_i64()),
        (Some("scheduled"), Some(1))
    );
    assert_eq!(job["visit_date"], tomorrow.to_string());
    assert_eq!(outbox(&svc.db, FAILED).await.len(), 1);
    let last = outbox(&svc.db, SCHEDULED).await.pop().unwrap();
    assert_eq!(last["data"]["job_id"], second.as_str());
    let (_, list) = get_json(&svc, &format!("/api/jobs/{first}/photos")).await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{list}");
    assert_eq!(items[0]["kind"], "collected");
    assert_eq!(items[0]["content_type"], "image/png");
    assert_eq!(photo_dir.files(), 1);
    svc.stop().await;
}
